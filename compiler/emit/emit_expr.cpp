// Expressions → C++ expressions over lux::Value. Entry point: Emitter::expr. Calls go to user
// functions by name, to built-ins through lux::stdlib (builtinCall: the row of
// stdlib/builtins.def names the function and the form of the call), to function values through
// lux::stdlib::Call. `if`/`match` used as values and postfix `!` are hoisted into statements
// before the current one.
#include <fmt/format.h>

#include <cmath>

#include "emit/emitter.h"

namespace lux::emit {

std::string scalarKind(const Ty* t);

namespace {

std::string intText(uint64_t v) {
  if (v <= 0x7fffffffu) return std::to_string(v);
  return std::to_string(v) + "LL";
}

std::string floatText(double d) {
  std::string s = fmt::format("{}", d);
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  return s;
}

int64_t unitMs(llvm::StringRef unit) {
  if (unit == "ms" || unit == "millisecond" || unit == "milliseconds") return 1;
  if (unit == "second" || unit == "seconds") return 1000;
  if (unit == "minute" || unit == "minutes") return 60'000;
  if (unit == "hour" || unit == "hours") return 3'600'000;
  if (unit == "day" || unit == "days") return 86'400'000;
  if (unit == "week" || unit == "weeks") return 604'800'000;
  return 0;
}

}  // namespace

std::string Emitter::requestRef(const Symbol* sym) const {
  auto it = fn_ ? fn_->names.find(sym) : decltype(fn_->names.end()){};
  return fn_ && it != fn_->names.end() ? it->second : safeName(sym->name);
}

// An argument: literals stay bare (they convert to lux::Value implicitly).
std::string Emitter::argText(const ast::Expr* e) {
  if (auto* s = llvm::dyn_cast<ast::StringLit>(e)) return cppString(s->value);
  if (auto* i = llvm::dyn_cast<ast::IntLit>(e)) return intText(i->value);
  if (auto* f = llvm::dyn_cast<ast::FloatLit>(e)) return floatText(f->value);
  if (auto* b = llvm::dyn_cast<ast::BoolLit>(e)) return b->value ? "true" : "false";
  return expr(e);
}

// A `Json` value where a typed one is used (ProgramModel::json_conversions): converted to the
// type; one the client sent fails with 400 naming the place as the program reads it.
std::string Emitter::jsonConverted(const ast::Expr* e, const JsonConversion& c, const std::string& v) {
  std::string convert;
  switch (c.mode) {
    case JsonConversion::Mode::Equality: return fmt::format("lux::stdlib::JsonAsOrNull<{}>({})", cppType(c.to), v);
    case JsonConversion::Mode::Number: convert = "lux::stdlib::JsonNumber"; break;
    case JsonConversion::Mode::Place: convert = fmt::format("lux::stdlib::JsonAs<{}>", cppType(c.to)); break;
  }
  if (!c.client) return fmt::format("{}({})", convert, v);
  return fmt::format("lux::stdlib::FromRequest({}, {}, {})", convert, v, cppString(placeText(e)));
}

std::string Emitter::condOf(const ast::Expr* e) {
  using namespace ast;
  if (auto* b = llvm::dyn_cast<BinaryExpr>(e)) {
    switch (b->op) {
      case BinaryOp::Eq: return expr(b->lhs) + " == " + expr(b->rhs);
      case BinaryOp::Ne: return expr(b->lhs) + " != " + expr(b->rhs);
      case BinaryOp::Lt: return "lux::stdlib::Lt(" + expr(b->lhs) + ", " + expr(b->rhs) + ")";
      case BinaryOp::Le: return "lux::stdlib::Le(" + expr(b->lhs) + ", " + expr(b->rhs) + ")";
      case BinaryOp::Gt: return "lux::stdlib::Gt(" + expr(b->lhs) + ", " + expr(b->rhs) + ")";
      case BinaryOp::Ge: return "lux::stdlib::Ge(" + expr(b->lhs) + ", " + expr(b->rhs) + ")";
      default: break;
    }
  }
  if (auto* u = llvm::dyn_cast<UnaryExpr>(e); u && u->op == UnaryOp::Not) {
    std::string inner = cond(u->operand);
    bool simple = inner.find(' ') == std::string::npos;
    return simple ? "!" + inner : "!(" + inner + ")";
  }
  if (auto* n = llvm::dyn_cast<NameExpr>(e)) {
    if (n->name.name == "true" || n->name.name == "false") return n->name.name.str();
  }
  if (auto* b = llvm::dyn_cast<BoolLit>(e)) return b->value ? "true" : "false";
  return "lux::stdlib::Truthy(" + expr(e) + ")";
}

std::string Emitter::hoistInto(const ast::Expr* e) {
  std::string t = temp("t");
  line("lux::Value " + t + ";");
  exprInto(e, Target::assign(t));
  return t;
}

std::string Emitter::exprOf(const ast::Expr* e) {
  using namespace ast;
  switch (e->kind()) {
    case NodeKind::IntLit: return "lux::Value(" + intText(llvm::cast<IntLit>(e)->value) + ")";
    case NodeKind::FloatLit: return "lux::Value(" + floatText(llvm::cast<FloatLit>(e)->value) + ")";
    case NodeKind::BoolLit: return llvm::cast<BoolLit>(e)->value ? "lux::Value(true)" : "lux::Value(false)";
    case NodeKind::StringLit: return "lux::Value(" + cppString(llvm::cast<StringLit>(e)->value) + ")";
    case NodeKind::InterpolatedString: return interpolated(llvm::cast<InterpolatedString>(e));
    case NodeKind::DurationLit: {
      double ms = llvm::cast<DurationLit>(e)->milliseconds();
      return fmt::format("lux::Value({})", intText(static_cast<uint64_t>(ms)));
    }
    case NodeKind::NameExpr: return nameExpr(llvm::cast<NameExpr>(e));
    case NodeKind::ArrayExpr: return arrayLiteral(llvm::cast<ArrayExpr>(e));
    case NodeKind::ObjectExpr:
    case NodeKind::RecordExpr: {
      // A record construction, or an object literal the checker typed as a record (where one
      // is expected): converted to the record (defaults filled in).
      auto* r = llvm::dyn_cast<RecordExpr>(e);
      std::string obj = objectLiteral(r ? r->entries : llvm::cast<ObjectExpr>(e)->entries);
      const Ty* t = typeOf(e);
      if (t->kind == TyKind::Record && t->record) return "lux::stdlib::AsRecord<" + safeName(t->record->name) + ">(" + obj + ")";
      return obj;
    }
    case NodeKind::CallExpr: {
      auto* c = llvm::cast<CallExpr>(e);
      if (auto* m = llvm::dyn_cast<MemberExpr>(c->callee); m && m->optional && !computed_.count(m->base) && mayBeNone(m->base))
        return optionalCall(c, m);
      return inOrder(c, call(c, nullptr));
    }
    case NodeKind::MemberExpr: return member(llvm::cast<MemberExpr>(e));
    case NodeKind::IndexExpr: {
      auto* ix = llvm::cast<IndexExpr>(e);
      if (auto* r = llvm::dyn_cast<RangeExpr>(ix->index))  // `xs[a..b]`: a slice
        return fmt::format("lux::stdlib::Slice({}, {}, {}, {})", expr(ix->base), r->lo ? expr(r->lo) : "lux::Value()",
                           r->hi ? expr(r->hi) : "lux::Value()", r->inclusive ? "true" : "false");
      return "lux::stdlib::Index(" + expr(ix->base) + ", " + argText(ix->index) + ")";
    }
    case NodeKind::UnaryExpr: {
      auto* u = llvm::cast<UnaryExpr>(e);
      if (u->op == UnaryOp::Spread && prog_.spread_lists.count(u)) return expr(u->operand);  // `Math.max(...xs)`
      if (u->op == UnaryOp::Neg) {
        if (auto* i = llvm::dyn_cast<IntLit>(u->operand)) return "lux::Value(-" + intText(i->value) + ")";
        if (auto* f = llvm::dyn_cast<FloatLit>(u->operand)) return "lux::Value(-" + floatText(f->value) + ")";
        return "lux::stdlib::Neg(" + expr(u->operand) + ")";
      }
      if (u->op == UnaryOp::Not) return "lux::Value(!lux::stdlib::Truthy(" + expr(u->operand) + "))";
      unsupported(e->range(), "a spread `...` here");
      return "lux::Value()";
    }
    case NodeKind::BinaryExpr: return binaryExpr(llvm::cast<BinaryExpr>(e));
    case NodeKind::ComprehensionExpr: return comprehension(llvm::cast<ComprehensionExpr>(e));
    case NodeKind::SliceExpr: return sliceExpr(llvm::cast<SliceExpr>(e));
    case NodeKind::CompareChain: return compareChain(llvm::cast<CompareChain>(e));
    case NodeKind::RangeExpr: {
      auto* r = llvm::cast<RangeExpr>(e);
      return fmt::format("lux::stdlib::Range({}, {}, {})", expr(r->lo), expr(r->hi), r->inclusive ? "true" : "false");
    }
    case NodeKind::PipeExpr: {
      auto* p = llvm::cast<PipeExpr>(e);
      if (auto* c = llvm::dyn_cast<CallExpr>(p->target)) return inOrder(p, call(c, p->value));
      // `x |> f` means `f(x)`.
      return inOrder(p, call(nullptr, p));
    }
    case NodeKind::UnwrapExpr: {
      std::string v = expr(llvm::cast<UnwrapExpr>(e)->operand);
      std::string t = temp("t");
      line(fmt::format("const lux::Value {} = {};", t, v));
      line(fmt::format("if (lux::stdlib::IsFailure({0})) return {0};  // `!`: None or Err goes to the caller", t));
      return "lux::stdlib::Unwrapped(" + t + ")";
    }
    case NodeKind::AwaitExpr:
      // Servers run handlers on fibers: a blocking call suspends only this request.
      return expr(llvm::cast<AwaitExpr>(e)->operand);
    case NodeKind::LambdaExpr:
      if (prog_.implicit_it_values.count(e)) return expr(llvm::cast<LambdaExpr>(e)->body);  // the argument itself
      return lambda(llvm::cast<LambdaExpr>(e));
    case NodeKind::IfExpr:
    case NodeKind::MatchExpr:
    case NodeKind::BlockExpr: return hoistInto(e);
    default: break;
  }
  unsupported(e->range(), "this expression");
  return "lux::Value()";
}

std::string Emitter::interpolated(const ast::InterpolatedString* e) {
  using namespace ast;
  std::string s = "lux::stdlib::Interp(";
  bool firstPart = true;
  for (const Expr* p : e->parts) {
    if (!firstPart) s += ", ";
    firstPart = false;
    if (auto* lit = llvm::dyn_cast<StringLit>(p)) s += cppString(lit->value);
    else s += expr(p);
  }
  return s + ")";
}

// `[a, ...xs]`, `ys.push(a, ...xs)`: the values, the parts flagged as spread expanded at run time
// (lux::stdlib::ListOf); empty when none of them is a spread.
std::string Emitter::spreadList(llvm::ArrayRef<const ast::Expr*> elements) {
  using namespace ast;
  auto spreadOf = [](const Expr* el) -> const Expr* {
    auto* u = llvm::dyn_cast<UnaryExpr>(el);
    return u && u->op == UnaryOp::Spread ? u->operand : nullptr;
  };
  bool any_spread = false;
  for (const Expr* el : elements) any_spread = any_spread || spreadOf(el) || el == take_.part;
  if (!any_spread) return {};
  std::string s = "lux::stdlib::ListOf({";
  for (size_t i = 0; i < elements.size(); ++i) {
    const Expr* inner = spreadOf(elements[i]);
    s += i ? ", " : "";
    if (elements[i] == take_.part)
      s += fmt::format("lux::stdlib::{}({})", inner ? "SpreadTaking" : "ElementTaking", take_.place);
    else
      s += inner ? "{" + expr(inner) + ", true}" : "{" + argText(elements[i]) + "}";
  }
  return s + "})";
}

std::string Emitter::arrayLiteral(const ast::ArrayExpr* a) {
  using namespace ast;
  if (a->elements.empty()) return "lux::Value::MakeArray()";
  std::vector<const Expr*> elements(a->elements.begin(), a->elements.end());
  if (std::string spread = spreadList(elements); !spread.empty()) return spread;
  std::string s = "lux::Value(lux::Array{";
  for (size_t i = 0; i < a->elements.size(); ++i) s += (i ? ", " : "") + argText(a->elements[i]);
  return s + "})";
}

std::string Emitter::binaryExpr(const ast::BinaryExpr* b) {
  using namespace ast;
  if ((b->op == BinaryOp::And || b->op == BinaryOp::Or) && !prog_.value_ors.count(b)) {
    std::string lhs = expr(b->lhs);
    // The right side runs only when needed: its hoisted statements go inside the `if`.
    std::string rhs;
    std::string rhs_stmts = w_.capture([&] { rhs = expr(b->rhs); });
    const char* op = b->op == BinaryOp::And ? " && " : " || ";
    if (rhs_stmts.empty())
      return "lux::Value(lux::stdlib::Truthy(" + lhs + ")" + op + "lux::stdlib::Truthy(" + rhs + "))";
    std::string t = temp("t");
    line(fmt::format("lux::Value {}(lux::stdlib::Truthy({}));", t, lhs));
    line(fmt::format("if ({}{}.AsBool()) {{", b->op == BinaryOp::And ? "" : "!", t));
    w_.append(rhs_stmts);
    line(fmt::format("  {} = lux::Value(lux::stdlib::Truthy({}));", t, rhs));
    line("}");
    return t;
  }
  if (b->op == BinaryOp::Coalesce || b->op == BinaryOp::Or) {
    // `a ?? b`: None is the null Value; the right side (and its hoisted statements) runs only then.
    // `a || b` of a Json or Option `a`: the same, when `a` is not truthy.
    std::string t = temp("t");
    line(fmt::format("lux::Value {}({});", t, expr(b->lhs)));
    std::string rhs;
    std::string rhs_stmts = w_.capture([&] { rhs = expr(b->rhs); });
    line(b->op == BinaryOp::Or ? fmt::format("if (!lux::stdlib::Truthy({})) {{", t) : fmt::format("if ({}.IsNull()) {{", t));
    w_.append(rhs_stmts);
    line(fmt::format("  {} = {};", t, rhs));
    line("}");
    return t;
  }
  std::string lhs = expr(b->lhs), rhs = expr(b->rhs);
  switch (b->op) {
    case BinaryOp::Add: return "lux::stdlib::Add(" + lhs + ", " + rhs + ")";
    case BinaryOp::Sub: return "lux::stdlib::Sub(" + lhs + ", " + rhs + ")";
    case BinaryOp::Mul: return "lux::stdlib::Mul(" + lhs + ", " + rhs + ")";
    case BinaryOp::Div: return "lux::stdlib::Div(" + lhs + ", " + rhs + ")";
    case BinaryOp::Mod: return "lux::stdlib::Mod(" + lhs + ", " + rhs + ")";
    case BinaryOp::Pow: return "lux::stdlib::Pow(" + lhs + ", " + rhs + ")";
    case BinaryOp::Eq: return "lux::Value(" + lhs + " == " + rhs + ")";
    case BinaryOp::Ne: return "lux::Value(" + lhs + " != " + rhs + ")";
    case BinaryOp::Lt: return "lux::Value(lux::stdlib::Lt(" + lhs + ", " + rhs + "))";
    case BinaryOp::Le: return "lux::Value(lux::stdlib::Le(" + lhs + ", " + rhs + "))";
    case BinaryOp::Gt: return "lux::Value(lux::stdlib::Gt(" + lhs + ", " + rhs + "))";
    case BinaryOp::Ge: return "lux::Value(lux::stdlib::Ge(" + lhs + ", " + rhs + "))";
    case BinaryOp::In: return "lux::stdlib::Contains(" + rhs + ", " + lhs + ")";
    case BinaryOp::NotIn: return "lux::Value(!lux::stdlib::Contains(" + rhs + ", " + lhs + ").AsBool())";
    default: return "lux::Value()";
  }
}

std::string Emitter::objectLiteral(llvm::ArrayRef<ast::ObjectEntry*> entries) {
  if (entries.empty()) return "lux::Value::MakeObject()";
  bool any_spread = false;
  for (const ast::ObjectEntry* en : entries) any_spread = any_spread || en->form == ast::ObjectEntry::Form::Spread;
  for (const ast::ObjectEntry* en : entries) any_spread = any_spread || en->key_expr || en == take_.part;
  if (any_spread) {
    // `{ k: v, ...o }`: entries in order, a spread one copying o's entries (lux::stdlib::ObjectOf).
    std::string s = "lux::stdlib::ObjectOf({";
    for (size_t i = 0; i < entries.size(); ++i) {
      const ast::ObjectEntry* en = entries[i];
      if (en == take_.part && en->form == ast::ObjectEntry::Form::Spread)
        s += fmt::format("{}lux::stdlib::SpreadEntriesTaking({})", i ? ", " : "", take_.place);
      else if (en == take_.part)
        s += fmt::format("{}lux::stdlib::EntryTaking({}, {})", i ? ", " : "",
                         en->key_expr ? "lux::stdlib::EntryKey(" + expr(en->key_expr) + ")" : cppString(en->key.name),
                         take_.place);
      else if (en->form == ast::ObjectEntry::Form::Spread)
        s += fmt::format("{}{{\"\", {}, true}}", i ? ", " : "", expr(en->value));
      else if (en->key_expr)
        s += fmt::format("{}{{lux::stdlib::EntryKey({}), {}}}", i ? ", " : "", expr(en->key_expr), argText(en->value));
      else
        s += fmt::format("{}{{{}, {}}}", i ? ", " : "", cppString(en->key.name), argText(en->value));
    }
    return s + "})";
  }
  std::string s = "lux::Value{";
  for (size_t i = 0; i < entries.size(); ++i) {
    const ast::ObjectEntry* en = entries[i];
    s += fmt::format("{}{{{}, {}}}", i ? ", " : "", cppString(en->key.name), argText(en->value));
  }
  return s + "}";
}

// `User(1, "Alice")`: the object of the given fields in declaration order, converted to the
// record (the fields left out take their defaults), as `User { id: 1, name: "Alice" }` is.
std::string Emitter::positionalRecord(const RecordInfo* rec, const std::vector<const ast::Expr*>& args) {
  std::string s = args.empty() ? "lux::Value::MakeObject()" : "lux::Value{";
  for (size_t i = 0; i < args.size() && i < rec->fields.size(); ++i)
    s += fmt::format("{}{{{}, {}}}", i ? ", " : "", cppString(rec->fields[i].name), argText(args[i]));
  if (!args.empty()) s += "}";
  return "lux::stdlib::AsRecord<" + safeName(rec->name) + ">(" + s + ")";
}

std::string Emitter::nameExpr(const ast::NameExpr* n) {
  if (n->name.name == "true") return "lux::Value(true)";
  if (n->name.name == "false") return "lux::Value(false)";
  const Symbol* sym = symbolOf(n);
  if (!sym) {
    unsupported(n->range(), fmt::format("`{}` (no resolution from the checker)", n->name.name.str()));
    return "lux::Value()";
  }
  switch (sym->kind) {
    case SymbolKind::Local:
    case SymbolKind::Param:
    case SymbolKind::PatternBinding: {
      auto role = fn_ ? fn_->roles.find(sym) : decltype(fn_->roles.end()){};
      if (fn_ && role != fn_->roles.end()) {
        if (role->second == ParamRole::Request) return requestRef(sym) + ".ToValue()";
        unsupported(n->range(), fmt::format("`{}` used as a value", sym->name.str()));
        return "lux::Value()";
      }
      return nameOf(sym);
    }
    case SymbolKind::Binding:
      if (isSharedVar(sym)) {
        if (sym == lvalue_root_) return lvalue_alias_;
        return safeName(sym->name) + ".Load()";
      }
      return safeName(sym->name);
    case SymbolKind::Env: return safeName(sym->name);
    case SymbolKind::Function:
    case SymbolKind::BackgroundFn: return functionValue(sym);
    case SymbolKind::Variant:
      if (sym->variant && sym->variant->payload.empty()) return "lux::Value(" + cppString(sym->name) + ")";
      break;
    case SymbolKind::OptionCtor:
      if (sym->name == "None") return "lux::Value()";
      break;
    case SymbolKind::Builtin:
      if (const Builtin* b = prog_.builtin_values.lookup(n)) return builtinValue(b);
      break;
    default: break;
  }
  unsupported(n->range(), fmt::format("`{}` ({}) used as a value", sym->name.str(), symbolKindName(sym->kind)));
  return "lux::Value()";
}

// `words.map(upper)`: a function that calls the built-in with its required arguments (the
// checker allows only those with one count of them, Call form, a result).
std::string Emitter::builtinValue(const Builtin* b) {
  std::string args;
  for (int i = 0; i < b->min_args; ++i) args += fmt::format("{}lux::stdlib::Arg(args, {})", i ? ", " : "", i);
  return fmt::format("lux::Value(lux::Function([](const std::vector<lux::Value>& args) {{ return lux::Value(lux::stdlib::{}({})); }}))",
                     b->cpp, args);
}

std::string Emitter::functionValue(const Symbol* sym) {
  const FunctionModel* fn = sym->fn;
  if (!fn) {
    unsupported(sym->range, "this function used as a value");
    return "lux::Value()";
  }
  std::string args;
  for (size_t i = 0; i < fn->params.size(); ++i) args += fmt::format("{}lux::stdlib::Arg(args, {})", i ? ", " : "", i);
  return fmt::format("lux::Value(lux::Function([](const std::vector<lux::Value>& args) {{ return {}; }}))",
                     checkedCall(fn, fmt::format("({})({})", fnName(fn), args)));
}

std::string Emitter::lambda(const ast::LambdaExpr* l) {
  // A lambda is a function of its own: its failed calls raise, unless an iterating built-in
  // calls it (deferringBuiltin): then it returns them, and returns at once while one is kept.
  bool defers = deferring_lambdas_.erase(l) > 0;
  pushCallExit(defers ? CallExit::Returning() : CallExit{});
  std::string body = w_.capture([&] {
    if (defers) line("if (lux::rt::CallFailed()) return lux::Value();  // an earlier call failed");
    std::vector<const ast::Param*> params(l->params.begin(), l->params.end());
    for (size_t i = 0; i < params.size(); ++i) {
      const Symbol* s = symbolOf(params[i]);
      std::string n = unique(safeName(params[i]->name.name));
      if (s) fn_->names[s] = n;
      // The third parameter of an iterating built-in's callback is the list (`(x, i, arr)`).
      line(isInplace(s) ? fmt::format("lux::Value {} = lux::stdlib::TakeArg(args, {});", n, i)
                        : fmt::format("const lux::Value& {} = lux::stdlib::{}(args, {});", n, i == 2 ? "IteratedArg" : "Arg", i));
    }
    if (auto* b = llvm::dyn_cast<ast::BlockExpr>(l->body)) block(b, Target::ret());
    else exprInto(l->body, Target::ret());
  });
  popCallExit();
  w_.forgetLine();
  // Captures: values by copy (closures keep them), the request/response by reference, boxed
  // `var`s share their box. Only the request parameters the lambda reads are captured: one the
  // function never reads has no name in its signature (see signature()).
  std::string capture = "=";
  for (const auto& [sym, role] : fn_->roles)
    if (usesSymbol(l->body, sym)) capture += ", &" + requestRef(sym);  // an unread parameter has no name
  // `cache_control(x, ...)` on a captured `x` changes the closure's own copy.
  std::set<const Symbol*> changed;
  findInplace(l->body, changed);
  return fmt::format("lux::Value(lux::Function([{}](const std::vector<lux::Value>& args){} -> lux::Value {{\n{}{}}}))",
                     capture, changed.empty() ? "" : " mutable", body, w_.indentStr());
}

// Whether `e` may be None when the program runs: anything but the request or the response a
// handler is given (`res?.json(...)` is `res.json(...)`).
bool Emitter::mayBeNone(const ast::Expr* e) const {
  const Symbol* sym = llvm::isa<ast::NameExpr>(e) ? symbolOf(e) : nullptr;
  return !(sym && fn_ && fn_->roles.count(sym));
}

// Whether `t` is an object that Python's dict methods read (`d.get(k, default)`, `d.items()`).
bool Emitter::objectLike(const Ty* t) { return t->isDynamic() || t->kind == TyKind::Object; }

// `x?.method(args)` (JavaScript's optional call): None when `x` is None, without calling; `x` is
// computed once, before.
std::string Emitter::optionalCall(const ast::CallExpr* c, const ast::MemberExpr* m) {
  std::string recv = temp("recv");
  line(fmt::format("const lux::Value& {} = {};", recv, ordered(m->base, &Emitter::exprOf)));
  // A conversion the method's receiver takes (`json?.upper()`: the text) applies once it is not None.
  auto conv = prog_.json_conversions.find(m->base);
  computed_[m->base] = conv == prog_.json_conversions.end() ? recv : jsonConverted(m->base, conv->second, recv);
  std::string value;
  std::string stmts = w_.capture([&] { value = inOrder(c, call(c, nullptr)); });
  computed_.erase(m->base);
  std::string t = temp("t");
  line(fmt::format("lux::Value {};", t));
  line(fmt::format("if (!{}.IsNull()) {{", recv));
  w_.append(stmts);
  line(fmt::format("  {} = {};", t, value));
  line("}");
  return t;
}

std::string Emitter::member(const ast::MemberExpr* m) {
  if (auto c = prog_.math_constants.find(m); c != prog_.math_constants.end())
    return fmt::format("lux::Value({})", c->second);  // `Math.PI`
  if (m->optional)  // `x?.f`: None when x is None or has no fields
    return fmt::format("lux::stdlib::OptionalField({}, {})", expr(m->base), cppString(m->member.name));
  const Symbol* base_sym = llvm::isa<ast::NameExpr>(m->base) ? symbolOf(m->base) : nullptr;
  if (base_sym && base_sym->kind == SymbolKind::Type && base_sym->enum_info) {
    return "lux::Value(" + cppString(m->member.name) + ")";
  }
  if (base_sym && fn_) {
    auto role = fn_->roles.find(base_sym);
    if (role != fn_->roles.end() && role->second == ParamRole::Request) {
      std::string r = requestRef(base_sym);
      llvm::StringRef f = m->member.name;
      if (f == "method") return "lux::Value(" + r + ".method)";
      if (f == "url") return "lux::Value(" + r + ".target)";
      if (f == "path") return "lux::Value(" + r + ".path)";
      if (f == "id") return "lux::Value(" + r + ".id)";
      if (f == "ip") return "lux::Value(" + r + ".client_ip)";  // the forwarded one behind a trusted proxy
      if (f == "body") return r + ".Body()";
      if (f == "headers") return r + ".HeadersValue()";
      if (f == "params") return r + ".ParamsValue()";
      if (f == "query") return r + ".QueryValue()";
      if (f == "cookies") return r + ".CookiesValue()";
      if (f == "files") return r + ".FilesValue()";  // multipart uploads (`upload { }`)
      if (f == "form") return r + ".FormValue()";
      return fmt::format("lux::stdlib::RequestField({}, {})", r, cppString(f));
    }
  }
  if (isRequestValue(base_sym))
    return fmt::format("lux::stdlib::RequestValueField({}, {})", expr(m->base), cppString(m->member.name));
  const Ty* t = typeOf(m);
  if (t->kind == TyKind::Duration) {
    if (int64_t ms = unitMs(m->member.name))
      return fmt::format("lux::stdlib::Duration({}, {})", expr(m->base), ms);
  }
  // `todos.length`, and `order.items.length` on a JSON document or a value of unknown type: the
  // family's (JavaScript's) length of a list or a string, as `len` gives it; on a document or an
  // unknown value, an object's `length` entry otherwise.
  const Ty* base_type = typeOf(m->base);
  if (m->member.name == "length" && (base_type->json || base_type->isDynamic() || base_type->kind == TyKind::Array ||
                                     base_type->kind == TyKind::String))
    return fmt::format("lux::stdlib::LengthOrField({})", expr(m->base));
  return fmt::format("lux::stdlib::Field({}, {})", expr(m->base), cppString(m->member.name));
}

// `req.session.clear()` / `req.session.destroy()` on the request: session_destroy(req)
// (docs/language.md, "TLS, sessions and cookies").
bool Emitter::isSessionClear(const ast::MemberExpr* m) const {
  auto* inner = llvm::dyn_cast<ast::MemberExpr>(m->base);
  if (!inner || !fn_ || inner->member.name != "session" || (m->member.name != "clear" && m->member.name != "destroy"))
    return false;
  const Symbol* req = llvm::isa<ast::NameExpr>(inner->base) ? symbolOf(inner->base) : nullptr;
  auto role = req ? fn_->roles.find(req) : fn_->roles.end();
  return (role != fn_->roles.end() && role->second == ParamRole::Request) || isRequestValue(req);
}

// A function's parameter `req` / `request` (unannotated) that is not a handler's request: the
// request passed as a value (`fn current_user(req) { req.user }`), whose `user`, `session` and
// middleware-set fields are read and written on the request being answered
// (lux::stdlib::RequestValueField).
bool Emitter::isRequestValue(const Symbol* sym) const {
  if (!isRequestParam(sym)) return false;
  if (!fn_) return true;
  auto role = fn_->roles.find(sym);
  return role == fn_->roles.end() || role->second != ParamRole::Request;
}

const Symbol* Emitter::targetRoot(const ast::Expr* e) const {
  while (true) {
    if (auto* m = llvm::dyn_cast<ast::MemberExpr>(e)) e = m->base;
    else if (auto* ix = llvm::dyn_cast<ast::IndexExpr>(e)) e = ix->base;
    else break;
  }
  return llvm::isa<ast::NameExpr>(e) ? symbolOf(e) : nullptr;
}

std::string Emitter::lvalue(const ast::Expr* e) {
  if (auto* n = llvm::dyn_cast<ast::NameExpr>(e)) {
    const Symbol* sym = symbolOf(n);
    if (!sym) return "lux::stdlib::Scratch()";
    if (isSharedVar(sym) && sym == lvalue_root_) return lvalue_alias_;
    if (sym->kind == SymbolKind::Binding || sym->kind == SymbolKind::Env) return safeName(sym->name);
    if (fn_ && fn_->roles.count(sym)) {
      // `req.user.name = v`: the request's request-scoped values.
      if (fn_->roles[sym] == ParamRole::Request) return "lux::rt::Locals()";
      unsupported(e->range(), "writing to the response parameter (use `res.setHeader(...)`, `res.status(...)`)");
      return "lux::stdlib::Scratch()";
    }
    return nameOf(sym);
  }
  if (auto* m = llvm::dyn_cast<ast::MemberExpr>(e)) {
    bool request = llvm::isa<ast::NameExpr>(m->base) && isRequestValue(symbolOf(m->base));
    return fmt::format("lux::stdlib::{}({}, {})", request ? "RequestValueFieldRef" : "FieldRef", lvalue(m->base),
                       cppString(m->member.name));
  }
  if (auto* ix = llvm::dyn_cast<ast::IndexExpr>(e))
    return fmt::format("lux::stdlib::IndexRef({}, {})", lvalue(ix->base), argText(ix->index));
  unsupported(e->range(), "this assignment target");
  return "lux::stdlib::Scratch()";
}

namespace {

// The arguments of a built-in called as a method (compiler/check/check_methods.cpp): the receiver
// of `x.f(a, b)` first, then `a, b`.
std::vector<const ast::Expr*> receiverFirst(const ast::CallExpr* c) {
  std::vector<const ast::Expr*> args{llvm::cast<ast::MemberExpr>(c->callee)->base};
  args.insert(args.end(), c->args.begin(), c->args.end());
  return args;
}

}  // namespace

// The receiver's own function field when it has one, else the built-in on `a` = receiver and the
// arguments: `MethodOr(s, "upper", {}, [](const std::vector<lux::Value>& a) { return Upper(a[0]); })`.
namespace {

// `first, a[1], a[2], ...`: `first` (a[0] unless given) and the arguments after it, n in all.
std::string positionalArgs(size_t n, const std::string& first = "a[0]") {
  std::string out = n ? first : "";
  for (size_t i = 1; i < n; ++i) out += fmt::format(", a[{}]", i);
  return out;
}

}  // namespace

// The built-in `b` called on `a[0]` with the call's arguments (MethodOr's fallback).
std::string Emitter::positionalBuiltin(const Builtin* b, const ast::CallExpr* c) {
  std::string fn = "lux::stdlib::" + std::string(b->cpp);
  if (b->form == BuiltinForm::KeyOrOrder) {
    auto* order = c->args.size() == 1 ? llvm::dyn_cast<ast::LambdaExpr>(c->args[0]) : nullptr;
    fn += order && order->params.size() == 2 ? "With" : "By";
  }
  return fmt::format("{}({})", fn, positionalArgs(c->args.size() + 1));
}

// `x.f(args)` on a value of unknown type: the value's own function field `f`, else (`fallback`,
// a statement list over `a`, the receiver and the arguments) what the program has for `f`.
std::string Emitter::methodOr(const ast::CallExpr* c, const std::string& fallback) {
  auto* m = llvm::cast<ast::MemberExpr>(c->callee);
  std::string args;
  for (size_t i = 0; i < c->args.size(); ++i) args += (i ? ", " : "") + argText(c->args[i]);
  return fmt::format("lux::stdlib::MethodOr({}, {}, {{{}}}, [](const std::vector<lux::Value>& a) -> lux::Value {{ {} }})",
                     expr(m->base), cppString(m->member.name), args, fallback);
}

std::string Emitter::dynamicMethodCall(const Builtin* b, const ast::CallExpr* c) {
  return methodOr(c, "return " + positionalBuiltin(b, c) + ";");
}

// `el.render()` on a value of unknown type, with methods of the program named `render`: the
// first whose type has the value's shape (a record's exact fields, an enum's variants), else the
// built-in of that name, else a TypeError (lux::stdlib::NoMethod).
std::string Emitter::dispatchedMethodCall(const ast::CallExpr* c, const std::vector<const FunctionModel*>& fns,
                                          const Builtin* builtin) {
  std::string tests;
  for (const FunctionModel* fn : fns) {
    std::vector<ParamRole> roles = rolesFor(fn);
    if (std::any_of(roles.begin(), roles.end(), [](ParamRole r) { return r != ParamRole::Value; })) continue;
    std::string names;
    const Ty* t = fn->owner_type;
    if (t->kind == TyKind::Record)
      for (const FieldInfo& f : t->record->fields) names += (names.empty() ? "" : ", ") + cppString(f.name);
    else
      for (const VariantInfo& v : t->enum_info->variants) names += (names.empty() ? "" : ", ") + cppString(v.name);
    // A record's method takes `self` as the record it has the shape of (its fields converted to
    // their types, a failure raised), as a typed parameter would.
    std::string self = t->kind == TyKind::Record ? fmt::format("lux::stdlib::AsRecord<{}>(a[0])", safeName(t->record->name)) : "a[0]";
    std::string call = fmt::format("({})({})", fnName(fn), positionalArgs(c->args.size() + 1, self));
    tests += fmt::format("if (lux::stdlib::{}(a[0], {{{}}})) return {}; ", t->kind == TyKind::Record ? "HasFields" : "IsVariantOf",
                         names, checkedCall(fn, call));
  }
  std::string last = builtin ? positionalBuiltin(builtin, c)
                             : fmt::format("lux::stdlib::NoMethod(a[0], {})", cppString(llvm::cast<ast::MemberExpr>(c->callee)->member.name));
  return methodOr(c, tests + "return " + last + ";");
}

// A call on a handler's response (`fn(req, res)`): `res.status(code)`, `res.json(body)`,
// `res.setHeader(name, value)`, `res.send(text)`, `res.redirect(url, status?)`, also the family's
// chain `res.status(404).json(body)` (the inner call on the response first). nullopt when `m`
// calls nothing on the response.
std::optional<std::string> Emitter::responseCall(const ast::MemberExpr* m, const std::vector<const ast::Expr*>& args,
                                                 const std::function<std::string()>& arg_list) {
  const Symbol* base_sym = llvm::isa<ast::NameExpr>(m->base) ? symbolOf(m->base) : nullptr;
  llvm::StringRef name = m->member.name;
  const Symbol* res_sym = nullptr;
  std::string before;
  if (base_sym && fn_) {
    auto role = fn_->roles.find(base_sym);
    if (role != fn_->roles.end() && role->second == ParamRole::Response) res_sym = base_sym;
  } else if (auto* inner = llvm::dyn_cast<ast::CallExpr>(m->base); inner && fn_) {
    auto* im = llvm::dyn_cast<ast::MemberExpr>(inner->callee);
    const Symbol* s = im && llvm::isa<ast::NameExpr>(im->base) ? symbolOf(im->base) : nullptr;
    auto role = s ? fn_->roles.find(s) : fn_->roles.end();
    if (role != fn_->roles.end() && role->second == ParamRole::Response) {
      res_sym = s;
      before = expr(inner);
    }
  }
  if (res_sym) {
    std::string r = requestRef(res_sym);
    // Express's methods by the arguments they take: `res.send()`, `res.json()` and `res.end()`
    // with none send an empty body; `res.sendStatus(404)` sets the status and sends its text.
    struct Method {
      llvm::StringRef name;
      const char* fnc;
      size_t min, max;
    };
    static const Method kMethods[] = {
        {"status", "ResStatus", 1, 1},    {"json", "ResJson", 1, 1},          {"send", "ResSend", 1, 1},
        {"text", "ResText", 1, 1},        {"setHeader", "ResSetHeader", 2, 2}, {"set_header", "ResSetHeader", 2, 2},
        {"header", "ResSetHeader", 2, 2}, {"set", "ResSetHeader", 2, 2},       {"sendStatus", "ResSendStatus", 1, 1},
    };
    const char* fnc = nullptr;
    std::string one;
    for (const Method& k : kMethods) {
      if (k.name != name) continue;
      if (args.empty() && (name == "send" || name == "json" || name == "text")) {
        fnc = "ResText";
        one = fmt::format("lux::stdlib::ResText({}, lux::Value(\"\"))", r);
      } else if (args.size() >= k.min && args.size() <= k.max) {
        fnc = k.fnc;
        one = fmt::format("lux::stdlib::{}({}, {})", fnc, r, arg_list());
      }
    }
    if (name == "end" && args.size() <= 1) {
      fnc = "ResText";
      one = fmt::format("lux::stdlib::ResText({}, {})", r, args.empty() ? "lux::Value(\"\")" : arg_list());
    }
    if (name == "redirect" && (args.size() == 1 || args.size() == 2)) {  // res.redirect(url, status?)
      one = fmt::format("lux::stdlib::ResRedirect({}, {}, {})", r, expr(args[0]), args.size() == 2 ? expr(args[1]) : "lux::Value()");
      fnc = "ResRedirect";
    }
    if (fnc) return before.empty() ? one : fmt::format("(static_cast<void>({}), {})", before, one);
    if (name == "writeHead" || name == "write" || name == "flushHeaders") {
      // The family's Node-style event stream: `res.writeHead(200, { "Content-Type": "text/event-stream" })`.
      failed_ = true;
      diags_.report(DiagId::EmitUnsupported, m->range(), fmt::format("`res.{}`: the response has status, json, setHeader, send and redirect", name.str()))
          .help("an event stream is its own route: `sse \"/events\" fn(send, close) { send({ type: \"hello\", data: ... }) }`; "
                "keep its clients in a channel (`chat = sse_channel(\"chat\")` beside the routes, `chat.send(msg)` from a handler), "
                "and a chunked answer is `stream(fn(send, close) { ... })`");
      return std::string("lux::Value()");
    }
    unsupported(m->range(), fmt::format("`res.{}`: the response has status, json, setHeader, send and redirect", name.str()));
    return std::string("lux::Value()");
  }
  return std::nullopt;
}

// A call of a function of the program (or a method: its receiver first in `args`).
std::string Emitter::functionCall(const FunctionModel* fn, const std::vector<const ast::Expr*>& args) {
  std::vector<ParamRole> roles = rolesFor(fn);
  // `(f)(...)`: no argument-dependent lookup, which would also find `lux::ToJson` & co.
  std::string s = "(" + fnName(fn) + ")(";
  for (size_t i = 0; i < args.size(); ++i) {
    if (i) s += ", ";
    ParamRole role = i < roles.size() ? roles[i] : ParamRole::Value;
    if (role == ParamRole::Value) {
      s += argText(args[i]);
      continue;
    }
    const Symbol* as = llvm::isa<ast::NameExpr>(args[i]) ? symbolOf(args[i]) : nullptr;
    if (as && fn_ && fn_->roles.count(as) && fn_->roles[as] == role) {
      s += requestRef(as);
    } else {
      unsupported(args[i]->range(), "passing this value where the handler takes the request or response");
    }
  }
  return propagatedCall(fn, s + ")");
}

// `callee(args)`, or with `piped` the pipe `piped |> callee(args)` (piped becomes the first
// argument). With c == null, `piped` is a PipeExpr whose target is a bare function name.
std::string Emitter::call(const ast::CallExpr* c, const ast::Expr* piped) {
  const ast::Expr* callee = nullptr;
  std::vector<const ast::Expr*> args;
  SourceRange at;
  if (!c) {
    auto* p = llvm::cast<ast::PipeExpr>(piped);
    callee = p->target;
    args.push_back(p->value);
    at = p->range();
  } else {
    callee = c->callee;
    if (piped) args.push_back(piped);
    if (auto in = prog_.inplace_calls.find(c); !piped && in != prog_.inplace_calls.end()) return inplaceCall(c, in->second);
    if (auto fb = prog_.fetch_bodies.find(c); !piped && fb != prog_.fetch_bodies.end()) {  // `response.json()`
      std::string body = fmt::format("lux::stdlib::Field({}, \"body\")", expr(llvm::cast<ast::MemberExpr>(callee)->base));
      return fb->second ? "lux::stdlib::ToString(" + body + ")" : body;
    }
    if (auto d = prog_.method_dispatch.find(c); !piped && d != prog_.method_dispatch.end()) {
      const Builtin* b = prog_.method_builtins.lookup(c);
      if (!b || prog_.dynamic_methods.count(c)) return dispatchedMethodCall(c, d->second, b);
    }
    if (auto mc = prog_.method_calls.find(c); !piped && mc != prog_.method_calls.end()) {  // `p.norm()`, `Point.origin()`
      if (mc->second.receiver_arg) args.push_back(llvm::cast<ast::MemberExpr>(callee)->base);
      args.insert(args.end(), c->args.begin(), c->args.end());
      return functionCall(mc->second.fn, args);
    }
    if (const Builtin* method = prog_.method_builtins.lookup(c))  // `x.f(args)` on a plain value: `f(x, args)`
      return prog_.dynamic_methods.count(c) ? dynamicMethodCall(method, c)
                                            : deferredBuiltin(c, [&] { return builtinCall(method, callee, receiverFirst(c)); });
    args.insert(args.end(), c->args.begin(), c->args.end());
    at = c->range();
  }
  auto argList = [&](size_t from = 0) {
    std::string s;
    for (size_t i = from; i < args.size(); ++i) s += (i > from ? ", " : "") + argText(args[i]);
    return s;
  };

  if (auto* n = llvm::dyn_cast<ast::NameExpr>(callee)) {
    const Symbol* sym = symbolOf(n);
    if (!sym) {
      unsupported(n->range(), fmt::format("a call of `{}`", n->name.name.str()));
      return "lux::Value()";
    }
    switch (sym->kind) {
      case SymbolKind::Builtin: return deferredBuiltin(c, [&] { return builtinCall(sym->builtin, callee, args); });
      case SymbolKind::OptionCtor:
        if (sym->name == "Some" && args.size() == 1) return expr(args[0]);
        if (sym->name == "Ok" && args.size() == 1) return "lux::stdlib::Ok(" + argList() + ")";
        if (sym->name == "Err" && args.size() == 1) return "lux::stdlib::Err(" + argList() + ")";
        if (sym->name == "None" && args.empty()) return "lux::Value()";
        break;
      case SymbolKind::Function:
      case SymbolKind::BackgroundFn:
        if (!sym->fn) break;
        return functionCall(sym->fn, args);
      case SymbolKind::Variant:
        return fmt::format("lux::stdlib::Variant({}, {{{}}})", cppString(sym->name), argList());
      case SymbolKind::Type:
        if (const RecordInfo* rec = c ? prog_.positional_records.lookup(c) : nullptr) return positionalRecord(rec, args);
        break;
      case SymbolKind::Local:
      case SymbolKind::Param:
      case SymbolKind::PatternBinding:
      case SymbolKind::Binding: {
        if (fn_) {
          auto role = fn_->roles.find(sym);
          if (role != fn_->roles.end() && role->second == ParamRole::Next) return nextCall(callee, sym);
        }
        return fmt::format("lux::stdlib::Call({}, {{{}}})", nameExpr(n), argList());
      }
      default: break;
    }
    unsupported(callee->range(), fmt::format("a call of `{}` ({})", sym->name.str(), symbolKindName(sym->kind)));
    return "lux::Value()";
  }

  if (auto* m = llvm::dyn_cast<ast::MemberExpr>(callee)) {
    const Symbol* base_sym = llvm::isa<ast::NameExpr>(m->base) ? symbolOf(m->base) : nullptr;
    llvm::StringRef name = m->member.name;
    // `Math.max(...)`; also `String.fromCharCode(...)`, a module row on a global built-in's name.
    if (base_sym && (base_sym->kind == SymbolKind::Module || base_sym->kind == SymbolKind::Builtin)) {
      const Builtin* b = prog_.builtins.module(base_sym->name, name);
      if (b) return builtinCall(b, callee, args);
    }
    if (base_sym && base_sym->kind == SymbolKind::Service && base_sym->service)
      return rpcCall(base_sym->service->name, name, argList());
    if (base_sym && base_sym->kind == SymbolKind::Model && base_sym->model) {
      if (const Builtin* b = prog_.builtins.modelMethod(name)) return builtinCall(b, callee, args, base_sym->model);
      if (auto rel = prog_.relation_calls.find(c); rel != prog_.relation_calls.end() && args.size() == 1)
        return relationCall(*rel->second, argText(args[0]));
      unsupported(callee->range(), fmt::format("`{}.{}`", base_sym->model->name.str(), name.str()));
      return "lux::Value()";
    }
    if (base_sym && base_sym->kind == SymbolKind::Type && base_sym->enum_info)
      return fmt::format("lux::stdlib::Variant({}, {{{}}})", cppString(name), argList());
    if (auto res = responseCall(m, args, argList)) return *res;
    // Express's `req.get(name)` and `req.header(name)`: the request's header of that name, or nil.
    if ((name == "get" || name == "header") && args.size() == 1 && base_sym && fn_) {
      auto role = fn_->roles.find(base_sym);
      if (role != fn_->roles.end() && role->second == ParamRole::Request)
        return fmt::format("lux::stdlib::RequestHeader({}, {})", requestRef(base_sym), argList());
    }
    if (args.empty() && isSessionClear(m)) return "lux::stdlib::SessionDestroy()";
    // `ws.send(x)` / `ws.send_binary(x)` on a WebSocket connection: a direct call, so that an
    // echo neither builds an argument vector nor copies the message (lux/ws.h, ws::Send).
    if (args.size() == 1 && (name == "send" || name == "send_binary") && typeOf(m->base) == prog_.types.webSocket())
      return fmt::format("lux::ws::Send({}, {}, {})", expr(m->base), argList(), name == "send_binary" ? "true" : "false");
    if (auto entry = entryMethodCall(m, args, base_sym)) return *entry;
    return fmt::format("lux::stdlib::Call({}, {{{}}})", member(m), argList());
  }
  return fmt::format("lux::stdlib::Call({}, {{{}}})", expr(callee), argList());
}

// An object's entry read by a method the family writes: `req.headers.get("x")` (the Fetch API's
// spelling) on a JSON document is the entry; on the request as a value (`req` given to a helper
// or a guard), `req.get(name)`/`req.header(name)` are its header, as on the request itself.
// Python's dict methods on an object: `d.get(k, default)` (the entry, or the default when it is
// missing or None) and `d.items()` (its [key, value] pairs, as `entries`).
std::optional<std::string> Emitter::entryMethodCall(const ast::MemberExpr* m, const std::vector<const ast::Expr*>& args,
                                                    const Symbol* base_sym) {
  llvm::StringRef name = m->member.name;
  const Ty* base = typeOf(m->base);
  if (args.size() == 1 && base->isDynamic() && (name == "get" || (name == "header" && base_sym && isRequestParam(base_sym))))
    return fmt::format("lux::stdlib::JsonGet({}, {})", expr(m->base), argText(args[0]));
  const bool object = objectLike(base);
  if (object && name == "get" && args.size() == 2)
    return fmt::format("lux::stdlib::OrDefault(lux::stdlib::Index({}, {}), {})", expr(m->base), argText(args[0]),
                       argText(args[1]));
  if (object && name == "items" && args.empty()) return fmt::format("lux::stdlib::Entries({})", expr(m->base));
  return std::nullopt;
}

// A value's place as the program reads it, for a 400 naming it: `req.body.count`, `items[0]`. A
// local bound once to a part of the request stands for that part (`body = req.body` then
// `body.title`: `req.body.title`), and `x ?? default` (`x || default`) for `x`.
std::string Emitter::placeText(const ast::Expr* e, int depth) const {
  if (auto* n = llvm::dyn_cast<ast::NameExpr>(e)) {
    const Symbol* s = prog_.resolved.lookup(e);
    const ast::Expr* init = nullptr;
    if (s && s->kind == SymbolKind::Local && !s->is_mutable) {
      if (auto* let = llvm::dyn_cast_or_null<ast::LetStmt>(s->decl)) init = let->init;
      else if (auto* as = llvm::dyn_cast_or_null<ast::AssignStmt>(s->decl)) init = as->value;
    }
    if (init && depth < 8 && llvm::isa<ast::NameExpr, ast::MemberExpr, ast::IndexExpr, ast::BinaryExpr>(init)) {
      std::string bound = placeText(init, depth + 1);
      if (bound != "the value") return bound;
    }
    return n->name.name.str();
  }
  if (auto* m = llvm::dyn_cast<ast::MemberExpr>(e)) return placeText(m->base, depth) + "." + m->member.name.str();
  if (auto* ix = llvm::dyn_cast<ast::IndexExpr>(e)) {
    if (auto* i = llvm::dyn_cast<ast::IntLit>(ix->index)) return fmt::format("{}[{}]", placeText(ix->base, depth), i->value);
    if (auto* s = llvm::dyn_cast<ast::StringLit>(ix->index))
      return fmt::format("{}[\"{}\"]", placeText(ix->base, depth), s->value.str());
    return placeText(ix->base, depth) + "[...]";
  }
  if (auto* b = llvm::dyn_cast<ast::BinaryExpr>(e); b && (b->op == ast::BinaryOp::Coalesce || prog_.value_ors.count(b)))
    return placeText(b->lhs, depth);
  return "the value";
}

bool Emitter::jwtLifetimeIsDuration(const ast::Expr* options) const {
  if (const Symbol* s = llvm::isa<ast::NameExpr>(options) ? prog_.resolved.lookup(options) : nullptr;
      s && s->kind == SymbolKind::Local && !s->is_mutable)
    if (auto* let = llvm::dyn_cast_or_null<ast::LetStmt>(s->decl)) options = let->init;
  auto* obj = llvm::dyn_cast_or_null<ast::ObjectExpr>(options);
  if (!obj) return false;
  for (const ast::ObjectEntry* en : obj->entries)
    if (en->form != ast::ObjectEntry::Form::Spread && (en->key.name == "expires_in" || en->key.name == "expiresIn"))
      return typeOf(en->value)->kind == TyKind::Duration;
  return false;
}

std::string Emitter::builtinCall(const Builtin* b, const ast::Expr* at, const std::vector<const ast::Expr*>& args,
                                 const ModelInfo* model) {
  const std::string fn = "lux::stdlib::" + std::string(b->cpp);
  // A one-argument built-in whose first overload takes `Json` (to_int, to_float, len, JSON.parse,
  // ...), applied to a value the client sent: its failure answers 400 naming the place.
  if (b->form == BuiltinForm::Call && args.size() == 1 && typeOf(args[0])->client && !b->overloads.empty() &&
      !b->overloads[0].params.empty() && b->overloads[0].params[0]->json)
    return fmt::format("lux::stdlib::FromRequest({}, {}, {})", fn, argText(args[0]), cppString(placeText(args[0])));
  // A `var` that a lambda of the call shares (boxed) is passed as a copy: the lambda may change it
  // in place (`items.each(fn(x) items.push(x))`) while the built-in walks it.
  bool takes_fn = false;
  for (const ast::Expr* a : args) takes_fn |= llvm::isa<ast::LambdaExpr>(a);
  auto list = [&](size_t from) {
    std::string s;
    for (size_t i = from; i < args.size(); ++i) {
      const Symbol* root = takes_fn && fn_ ? targetRoot(args[i]) : nullptr;
      bool shared = root && fn_->boxed.count(root);
      s += (i > from ? ", " : "") + (shared ? "lux::Value(" + argText(args[i]) + ")" : argText(args[i]));
    }
    return s;
  };
  // `min(a, b, c)` / `Math.max(a, b, c, d)` (JavaScript's and Python's are variadic): pairwise.
  if (b->form == BuiltinForm::Call && (b->cpp == "Min" || b->cpp == "Max") && args.size() > 2) {
    std::string acc = argText(args[0]);
    for (size_t i = 1; i < args.size(); ++i) acc = fmt::format("{}({}, {})", fn, acc, argText(args[i]));
    return acc;
  }
  switch (b->form) {
    case BuiltinForm::Call:
    case BuiltinForm::Cookie:
    case BuiltinForm::Respond:
    case BuiltinForm::RespondError:
    case BuiltinForm::Redirect:
    case BuiltinForm::Publish: return fn + "(" + list(0) + ")";
    case BuiltinForm::Jwt:
      return fn + "(" + list(0) + (args.size() == 3 && jwtLifetimeIsDuration(args[2]) ? ", true)" : ")");
    case BuiltinForm::ArgList: return fn + "({" + list(0) + "})";
    case BuiltinForm::Test:
    case BuiltinForm::MockService:
      return fmt::format("{}({{{}}}, {})", fn, list(0), cppString(fmt::format("{}:{}", opts_.place_name.empty() ? opts_.source_name : opts_.place_name, file_.lineCol(at->range().begin).line)));
    case BuiltinForm::SqlArgs:
      if (args.empty()) return fn + "({})";
      return fmt::format("{}({}, {{{}}})", fn, argText(args[0]), list(1));
    case BuiltinForm::KeyOrOrder: {
      auto* order = args.size() == 2 ? llvm::dyn_cast<ast::LambdaExpr>(args[1]) : nullptr;
      return fn + (order && order->params.size() == 2 ? "With(" : "By(") + list(0) + ")";
    }
    case BuiltinForm::ResponseHelper: {
      // The response with the header set; on a local name the binding keeps the changed response.
      if (args.empty()) return "lux::Value()";
      std::string rest;
      for (size_t i = 1; i < args.size(); ++i) rest += ", " + argText(args[i]);
      const Symbol* target = llvm::isa<ast::NameExpr>(args[0]) ? symbolOf(args[0]) : nullptr;
      bool role = target && fn_ && fn_->roles.count(target);
      if (isInplace(target) && !role) return fmt::format("({0} = {1}({0}{2}))", nameOf(target), fn, rest);
      return fmt::format("{}({}{})", fn, argText(args[0]), rest);
    }
    case BuiltinForm::SpawnJob:
    case BuiltinForm::SpawnJobIn:
    case BuiltinForm::SpawnJobWith: {
      // The job by name (a string literal or the `background fn` itself), after the delay or options.
      size_t job_at = b->form == BuiltinForm::SpawnJob ? 0 : 1;
      if (args.size() <= job_at) return "lux::Value()";
      std::string job;
      if (auto* s = llvm::dyn_cast<ast::StringLit>(args[job_at])) job = s->value.str();
      else if (auto* n = llvm::dyn_cast<ast::NameExpr>(args[job_at])) job = n->name.name.str();
      std::string before;
      for (size_t i = 0; i < job_at; ++i) before += argText(args[i]) + ", ";
      return fmt::format("{}({}{}, {{{}}})", fn, before, cppString(job), list(job_at + 1));
    }
    case BuiltinForm::DeleteAll: return deleteAllCall(args, at->range());
    case BuiltinForm::ModelFields:
      if (!model) break;
      if (std::string checked = clientModelFields(b, args, model); !checked.empty()) return checked;
      [[fallthrough]];
    case BuiltinForm::ModelCall:
    case BuiltinForm::ModelQuery:
      if (!model) break;
      return fmt::format("{}({}{}{})", fn, cppString(model->name), args.empty() ? "" : ", ", list(0));
  }
  std::string shown = b->owner == "Global" ? std::string(b->name) : fmt::format("{}.{}", b->owner, b->name);
  unsupported(at->range(), fmt::format("the built-in `{}`", shown));
  return "lux::Value()";
}

}  // namespace lux::emit
