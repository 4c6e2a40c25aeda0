// The family's in-place list methods (`items.push(x)`, compiler/check/check_inplace.cpp): a call
// of the stdlib's ListPush & co. on the place the receiver names (Emitter::lvalue), so the list
// changes where it is kept. On a server `var` the change happens under the binding's lock, its
// arguments computed first, outside it:
//   [&] { lux::Value a0 = x; lux::Value r; items.Update([&](lux::Value& shared_) {
//     r = lux::stdlib::ListPush(shared_, {a0}); }); return r; }()
#include <fmt/format.h>

#include "emit/emitter.h"

namespace lux::emit {

namespace {

const char* inplaceFunction(InplaceMethod m) {
  switch (m) {
    case InplaceMethod::Push: return "ListPush";
    case InplaceMethod::Append: return "ListAppend";
    case InplaceMethod::Extend: return "ListExtend";
    case InplaceMethod::Unshift: return "ListUnshift";
    case InplaceMethod::Insert: return "ListInsert";
    case InplaceMethod::Pop: return "ListPop";
    case InplaceMethod::Shift: return "ListShift";
    case InplaceMethod::Remove: return "ListRemove";
    case InplaceMethod::Clear: return "ListClear";
    case InplaceMethod::Sort: return "ListSort";
    case InplaceMethod::Reverse: return "ListReverse";
    case InplaceMethod::Splice: return "ListSplice";
  }
  return "ListPush";
}

// The C++ arguments after the list: a variadic method's elements as one `{...}` list (or, with
// `spread`, the one list value that holds them).
std::string inplaceArgs(InplaceMethod m, const std::vector<std::string>& a, bool spread) {
  auto braced = [&](size_t from) {
    std::string s = "{";
    for (size_t i = from; i < a.size(); ++i) s += (i > from ? ", " : "") + a[i];
    return s + "}";
  };
  switch (m) {
    case InplaceMethod::Push:
    case InplaceMethod::Unshift:
      if (spread) return ", " + a[0] + ".AsArray()";
      return ", " + braced(0);
    case InplaceMethod::Splice:
      return fmt::format(", {}, {}, {}", a[0], a.size() > 1 ? a[1] : "lux::Value()", braced(2));
    default: {
      std::string s;
      for (const std::string& x : a) s += ", " + x;
      return s;
    }
  }
}

}  // namespace

// The number of parameters of `xs.sort(f)`'s function: 2 is an order, else a key.
int Emitter::sortArity(const ast::Expr* f) const {
  if (auto* lam = llvm::dyn_cast<ast::LambdaExpr>(f)) return static_cast<int>(lam->params.size());
  auto it = prog_.expr_types.find(f);
  if (it != prog_.expr_types.end() && it->second->kind == TyKind::Fn) return static_cast<int>(it->second->params.size());
  return 1;
}

std::string Emitter::inplaceCall(const ast::CallExpr* c, InplaceMethod m) {
  auto* callee = llvm::cast<ast::MemberExpr>(c->callee);
  std::string fn = std::string("lux::stdlib::") + inplaceFunction(m);
  if (m == InplaceMethod::Sort && !c->args.empty() && sortArity(c->args[0]) == 2) fn = "lux::stdlib::ListSortWith";
  std::vector<std::string> args;
  std::vector<const ast::Expr*> arg_exprs(c->args.begin(), c->args.end());
  const std::string spread_items = spreadList(arg_exprs);
  const bool spread = !spread_items.empty();
  if (spread) {
    args.push_back(spread_items);  // `ys.push(...xs)`: the items as one list, spread at run time
  } else {
    for (const ast::Expr* a : c->args) args.push_back(argText(a));
  }
  const Symbol* root = targetRoot(callee->base);
  if (!isSharedVar(root) || root == lvalue_root_)
    return fmt::format("{}({}{})", fn, lvalue(callee->base), inplaceArgs(m, args, spread));
  // A server `var`: the arguments first, then the change under the lock.
  std::string out = "[&] { ";
  for (std::string& a : args) {
    std::string t = temp("a");
    out += fmt::format("lux::Value {} = {}; ", t, a);
    a = t;
  }
  std::string r = temp("r");
  lvalue_root_ = root;
  lvalue_alias_ = "shared_";
  std::string place = lvalue(callee->base);
  lvalue_root_ = nullptr;
  out += fmt::format("lux::Value {0}; {1}.Update([&](lux::Value& shared_) {{ {0} = {2}({3}{4}); }}); return {0}; }}()",
                     r, safeName(root->name), fn, place, inplaceArgs(m, args, spread));
  return out;
}

}  // namespace lux::emit
