// Loads stdlib/builtins.def: parses each row's signature once (a malformed one throws), and
// instantiates a signature at a call (overload choice, type parameter binding, substitution).
#include "check/builtins.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace lux {
namespace {

struct RawBuiltin {
  std::string_view owner, name;
  BuiltinForm form;
  std::string_view cpp, signature;
};

constexpr RawBuiltin kRaw[] = {
#define LUX_BUILTIN(Owner, Name, Form, Cpp, Signature) {#Owner, #Name, BuiltinForm::Form, Cpp, Signature},
#include "stdlib/builtins.def"
};

bool isTypeParamName(std::string_view n) {
  return n == "Self" || (n.size() == 1 && n[0] >= 'A' && n[0] <= 'Z');
}

// Recursive descent over the signature notation of builtins.def:
//   signatures := signature ('|' signature)*
//   signature  := '(' [param (',' param)*] ')' '->' type
//   param      := type ['?' | '...']
//   type       := '[' type ']' | 'fn' '(' [type (',' type)*] ')' '->' type
//               | Name ['<' type (',' type)* '>']
class SignatureParser {
 public:
  SignatureParser(TypeTable& types, std::string_view text, std::vector<std::string_view>& type_params)
      : types_(types), text_(text), type_params_(type_params) {}

  std::vector<Signature> signatures() {
    std::vector<Signature> out;
    do out.push_back(signature());
    while (eat("|"));
    end();
    return out;
  }

  const Ty* wholeType() {
    const Ty* t = type();
    end();
    return t;
  }

 private:
  Signature signature() {
    Signature s;
    expect("(");
    bool optional_seen = false;
    if (!eat(")")) {
      do {
        if (s.max_args < 0) fail("a parameter after the variadic one");
        s.params.push_back(type());
        if (eat("...")) {
          s.max_args = -1;
        } else if (eat("?")) {
          optional_seen = true;
        } else {
          if (optional_seen) fail("a required parameter after an optional one");
          ++s.min_args;
        }
      } while (eat(","));
      expect(")");
    }
    if (s.max_args == 0) s.max_args = static_cast<int>(s.params.size());
    expect("->");
    s.result = type();
    return s;
  }

  const Ty* type() {
    if (eat("[")) {
      const Ty* elem = type();
      expect("]");
      return types_.array(elem);
    }
    std::string_view name = ident();
    if (name == "fn") {
      expect("(");
      std::vector<const Ty*> params;
      if (!eat(")")) {
        do params.push_back(type());
        while (eat(","));
        expect(")");
      }
      expect("->");
      const Ty* result = type();
      return types_.fn(params, result);
    }
    if (name == "Option" || name == "Result") {
      expect("<");
      const Ty* a = type();
      const Ty* b = nullptr;
      if (name == "Result") {
        expect(",");
        b = type();
      }
      expect(">");
      return b ? types_.result(a, b) : types_.option(a);
    }
    if (name == "Any") return types_.dynamic();
    if (name == "Json") return types_.json();
    if (name == "Object") return types_.get(TyKind::Object);
    if (name == "Response") return types_.response();
    if (name == "SseChannel") return types_.sseChannel();
    if (name == "WebSocket") return types_.webSocket();
    if (name == "Unit") return types_.get(TyKind::Unit);
    if (name == "Int") return types_.get(TyKind::Int);
    if (name == "Float") return types_.get(TyKind::Float);
    if (name == "Bool") return types_.get(TyKind::Bool);
    if (name == "String") return types_.get(TyKind::String);
    if (name == "Duration") return types_.get(TyKind::Duration);
    if (isTypeParamName(name)) {
      for (size_t i = 0; i < type_params_.size(); ++i)
        if (type_params_[i] == name) return types_.param(static_cast<int>(i), type_params_[i]);
      type_params_.push_back(name);
      return types_.param(static_cast<int>(type_params_.size() - 1), name);
    }
    fail(fmt::format("unknown type `{}`", name));
  }

  void skipSpace() {
    while (pos_ < text_.size() && text_[pos_] == ' ') ++pos_;
  }
  bool eat(std::string_view tok) {
    skipSpace();
    if (text_.substr(pos_, tok.size()) != tok) return false;
    pos_ += tok.size();
    return true;
  }
  void expect(std::string_view tok) {
    if (!eat(tok)) fail(fmt::format("expected `{}`", tok));
  }
  std::string_view ident() {
    skipSpace();
    size_t start = pos_;
    while (pos_ < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_')) ++pos_;
    if (start == pos_) fail("expected a type");
    return text_.substr(start, pos_ - start);
  }
  void end() {
    skipSpace();
    if (pos_ != text_.size()) fail("unexpected text");
  }
  [[noreturn]] void fail(const std::string& what) {
    throw std::logic_error(fmt::format("{} at column {} of \"{}\"", what, pos_ + 1, text_));
  }

  TypeTable& types_;
  std::string_view text_;
  std::vector<std::string_view>& type_params_;
  size_t pos_ = 0;
};

// Does an argument of type `a` have the shape parameter `p` asks for? An unknown part fits any
// shape and sets `loose` where `p` wanted a particular one.
bool fitsShape(const Ty* p, const Ty* a, bool& loose) {
  if (p && p->json) return !a || a->isDynamic();  // a JSON document or a value of unknown type
  if (!p || p->isDynamic() || p->kind == TyKind::Param) return true;
  if (!a || a->isDynamic()) {
    loose = true;
    return true;
  }
  switch (p->kind) {
    case TyKind::Array:
    case TyKind::Option:
      return a->kind == p->kind && fitsShape(p->elem, a->elem, loose);
    case TyKind::Result:
      return a->kind == TyKind::Result && fitsShape(p->elem, a->elem, loose) && fitsShape(p->err, a->err, loose);
    case TyKind::Fn: return a->kind == TyKind::Fn && a->params.size() == p->params.size();
    default: return isAssignable(a, p);
  }
}

// Does `t` hold an unknown part (`[Any]` from `[]`, `Option<Any>` from `None`)?
bool hasDynamicPart(const Ty* t) {
  if (!t) return false;
  if (t->isDynamic()) return true;
  if (hasDynamicPart(t->elem) || hasDynamicPart(t->err)) return true;
  for (const Ty* p : t->params)
    if (hasDynamicPart(p)) return true;
  return false;
}

class Binder {
 public:
  Binder(TypeTable& types, std::vector<const Ty*>& bound) : types_(types), bound_(bound) {}

  void bind(const Ty* p, const Ty* a) {
    if (!p || !a) return;
    if (a->isDynamic() && !(a->json && p->kind == TyKind::Param)) return bindAllDynamic(p);  // Json binds T
    switch (p->kind) {
      case TyKind::Param: {
        const Ty*& slot = bound_[p->param_index];
        slot = !slot ? a : slot == a ? a : joinTypes(types_, slot, a);
        return;
      }
      case TyKind::Array:
        if (a->kind == TyKind::Array) bind(p->elem, a->elem);
        return;
      case TyKind::Option:
        // A value of type T fits Option<T>.
        if (a->kind == TyKind::Option) bind(p->elem, a->elem);
        else bind(p->elem, a);
        return;
      case TyKind::Result:
        if (a->kind == TyKind::Result) {
          bind(p->elem, a->elem);
          bind(p->err, a->err);
        }
        return;
      case TyKind::Fn:
        // Only the result binds: the function's own parameters come from the collection. A
        // `Unit` result is a body without a value (or one that leaves by `return`): unknown.
        if (a->kind == TyKind::Fn && a->elem && a->elem->kind != TyKind::Unit) bind(p->elem, a->elem);
        return;
      default: return;
    }
  }

 private:
  void bindAllDynamic(const Ty* p) {
    if (!p) return;
    if (p->kind == TyKind::Param) {
      bound_[p->param_index] = types_.dynamic();
      return;
    }
    bindAllDynamic(p->elem);
    bindAllDynamic(p->err);
    for (const Ty* q : p->params) bindAllDynamic(q);
  }

  TypeTable& types_;
  std::vector<const Ty*>& bound_;
};

Instance instantiateOne(TypeTable& types, const Builtin& b, const Signature& sig, const std::vector<ArgShape>& args,
                        const Ty* self) {
  Instance in;
  in.sig = &sig;
  in.bound.assign(b.type_params.size(), nullptr);
  int self_at = b.selfParam();
  if (self_at >= 0) in.bound[self_at] = self ? self : types.dynamic();
  Binder binder(types, in.bound);
  // The other arguments first: a type parameter they bind is what a lambda's result must give
  // (`reduce(xs, fn(acc, x) ..., 0)`: the accumulator is an Int), not what it widens to.
  auto isFn = [&](size_t i) { return sig.paramAt(i) && sig.paramAt(i)->kind == TyKind::Fn; };
  for (size_t i = 0; i < args.size(); ++i)
    if (!isFn(i)) binder.bind(sig.paramAt(i), args[i].type);
  std::vector<const Ty*> before_lambdas = in.bound;
  for (size_t i = 0; i < args.size(); ++i)
    if (isFn(i)) binder.bind(sig.paramAt(i), args[i].type);
  for (size_t k = 0; k < in.bound.size(); ++k)
    if (before_lambdas[k] && !hasDynamicPart(before_lambdas[k])) in.bound[k] = before_lambdas[k];
  for (size_t i = 0; i < args.size(); ++i) {
    const Ty* p = sig.paramAt(i);
    in.params.push_back(p ? substitute(types, p, in.bound) : nullptr);
  }
  in.result = substitute(types, sig.result, in.bound);
  return in;
}

}  // namespace

int Builtin::selfParam() const {
  for (size_t i = 0; i < type_params.size(); ++i)
    if (type_params[i] == "Self") return static_cast<int>(i);
  return -1;
}

const Ty* parseBuiltinType(TypeTable& types, std::string_view text, std::vector<std::string_view>* type_params) {
  std::vector<std::string_view> local;
  SignatureParser p(types, text, type_params ? *type_params : local);
  return p.wholeType();
}

Builtins::Builtins(TypeTable& types) {
  for (const RawBuiltin& r : kRaw) {
    Builtin b;
    b.owner = r.owner;
    b.name = r.name;
    b.form = r.form;
    b.cpp = r.cpp;
    b.signature = r.signature;
    try {
      b.overloads = SignatureParser(types, r.signature, b.type_params).signatures();
    } catch (const std::logic_error& e) {
      throw std::logic_error(fmt::format("stdlib/builtins.def: the signature of `{}`: {}", r.name, e.what()));
    }
    if (b.selfParam() >= 0 && r.owner != "Model")
      throw std::logic_error(fmt::format("stdlib/builtins.def: `Self` in `{}`, which is not a Model row", r.name));
    b.min_args = b.overloads[0].min_args;
    b.max_args = b.overloads[0].max_args;
    for (const Signature& s : b.overloads) {
      b.min_args = std::min(b.min_args, s.min_args);
      b.max_args = b.max_args < 0 || s.max_args < 0 ? -1 : std::max(b.max_args, s.max_args);
    }
    table_.push_back(std::move(b));
  }
}

const Builtin* Builtins::global(llvm::StringRef name) const { return module("Global", name); }

const Builtin* Builtins::module(llvm::StringRef owner, llvm::StringRef name) const {
  for (const Builtin& b : table_)
    if (b.owner == std::string_view(owner) && b.name == std::string_view(name)) return &b;
  return nullptr;
}

bool Builtins::isModule(llvm::StringRef name) const {
  if (name == "Global" || name == "Model") return false;
  for (const Builtin& b : table_)
    if (b.owner == std::string_view(name)) return true;
  return false;
}

std::vector<std::string_view> Builtins::namesOf(std::string_view owner) const {
  std::vector<std::string_view> out;
  for (const Builtin& b : table_)
    if (b.owner == owner) out.push_back(b.name);
  return out;
}

const Ty* substitute(TypeTable& types, const Ty* t, const std::vector<const Ty*>& bound) {
  if (!t) return t;
  switch (t->kind) {
    case TyKind::Param: {
      const Ty* b = t->param_index < static_cast<int>(bound.size()) ? bound[t->param_index] : nullptr;
      return b ? b : types.dynamic();
    }
    case TyKind::Array: return types.array(substitute(types, t->elem, bound));
    case TyKind::Option: return types.option(substitute(types, t->elem, bound));
    case TyKind::Result: return types.result(substitute(types, t->elem, bound), substitute(types, t->err, bound));
    case TyKind::Fn: {
      std::vector<const Ty*> params;
      for (const Ty* p : t->params) params.push_back(substitute(types, p, bound));
      return types.fn(params, substitute(types, t->elem, bound));
    }
    default: return t;
  }
}

Instance instantiate(TypeTable& types, const Builtin& b, const std::vector<ArgShape>& args, const Ty* self) {
  const int n = static_cast<int>(args.size());
  const Signature* chosen = nullptr;
  const Signature* fallback = nullptr;
  bool chosen_loose = false;
  std::vector<const Signature*> others;  // further overloads that fit too
  auto takesJson = [](const Signature& s) {
    for (const Ty* p : s.params)
      if (p && p->json) return true;
    return false;
  };
  for (const Signature& s : b.overloads) {
    if (!s.acceptsCount(n)) continue;
    // None fits: the first overload that names the types it wants reports the mismatch (a
    // `Json` parameter would accept anything there).
    if (!fallback || (takesJson(*fallback) && !takesJson(s))) fallback = &s;
    bool loose = false, fits = true;
    for (size_t i = 0; i < args.size() && fits; ++i) {
      const Ty* shape = args[i].type;
      if (!shape && args[i].lambda_params >= 0) {
        // A lambda not checked yet: only its number of parameters is known.
        std::vector<const Ty*> ps(static_cast<size_t>(args[i].lambda_params), types.dynamic());
        shape = types.fn(ps, types.dynamic());
      }
      fits = fitsShape(s.paramAt(i), shape, loose);
    }
    if (!fits) continue;
    if (!chosen) {
      chosen = &s;
      chosen_loose = loose;
    } else {
      others.push_back(&s);
    }
  }
  if (!chosen) chosen = fallback ? fallback : &b.overloads.front();
  Instance in = instantiateOne(types, b, *chosen, args, self);
  // Unknown arguments fit several overloads: the result is known only when they all agree.
  if (chosen_loose)
    for (const Signature* s : others)
      if (instantiateOne(types, b, *s, args, self).result != in.result) in.result = types.dynamic();
  return in;
}

std::string arityText(int min_args, int max_args) {
  if (max_args < 0) return fmt::format("at least {}", min_args);
  if (min_args == max_args) return fmt::format("{}", min_args);
  return fmt::format("{} to {}", min_args, max_args);
}

}  // namespace lux
