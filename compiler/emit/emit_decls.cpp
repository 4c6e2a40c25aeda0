// Declarations: enums (enum class + ToValue/FromValue when no variant has a payload), records
// (struct + ToValue/FromValue), function prototypes and definitions, and the per-function setup:
// parameter names and the mutable locals a lambda captures (held in a shared box so the
// closure and the function see the same variable).
#include <fmt/format.h>

#include <algorithm>
#include <functional>

#include "emit/emitter.h"

namespace lux::emit {

// Calls fn on every direct child node of n.
void forEachChild(const ast::Node* n, const std::function<void(const ast::Node*)>& fn) {
  using namespace ast;
  auto v = [&](const Node* c) {
    if (c) fn(c);
  };
  switch (n->kind()) {
    case NodeKind::BlockExpr:
      for (auto* s : llvm::cast<BlockExpr>(n)->stmts) v(s);
      break;
    case NodeKind::LetStmt: v(llvm::cast<LetStmt>(n)->init); break;
    case NodeKind::DestructureStmt: v(llvm::cast<DestructureStmt>(n)->init); break;
    case NodeKind::AssignStmt:
      v(llvm::cast<AssignStmt>(n)->target);
      v(llvm::cast<AssignStmt>(n)->value);
      break;
    case NodeKind::ExprStmt: v(llvm::cast<ExprStmt>(n)->expr); break;
    case NodeKind::ReturnStmt: v(llvm::cast<ReturnStmt>(n)->value); break;
    case NodeKind::ThrowStmt: v(llvm::cast<ThrowStmt>(n)->value); break;
    case NodeKind::ForStmt:
      v(llvm::cast<ForStmt>(n)->iterable);
      v(llvm::cast<ForStmt>(n)->body);
      if (llvm::cast<ForStmt>(n)->else_body) v(llvm::cast<ForStmt>(n)->else_body);
      break;
    case NodeKind::WhileStmt:
      v(llvm::cast<WhileStmt>(n)->cond);
      v(llvm::cast<WhileStmt>(n)->body);
      if (llvm::cast<WhileStmt>(n)->else_body) v(llvm::cast<WhileStmt>(n)->else_body);
      break;
    case NodeKind::GuardStmt:
      v(llvm::cast<GuardStmt>(n)->cond);
      v(llvm::cast<GuardStmt>(n)->else_body);
      break;
    case NodeKind::TryStmt:
      v(llvm::cast<TryStmt>(n)->body);
      v(llvm::cast<TryStmt>(n)->catch_body);
      v(llvm::cast<TryStmt>(n)->finally_body);
      break;
    case NodeKind::InterpolatedString:
      for (auto* p : llvm::cast<InterpolatedString>(n)->parts) v(p);
      break;
    case NodeKind::DurationLit: v(llvm::cast<DurationLit>(n)->amount); break;
    case NodeKind::ArrayExpr:
      for (auto* p : llvm::cast<ArrayExpr>(n)->elements) v(p);
      break;
    case NodeKind::ObjectExpr:
      for (auto* p : llvm::cast<ObjectExpr>(n)->entries) {
        if (p->key_expr) v(p->key_expr);
        v(p->value);
      }
      break;
    case NodeKind::RecordExpr:
      for (auto* p : llvm::cast<RecordExpr>(n)->entries) v(p->value);
      break;
    case NodeKind::CallExpr:
      v(llvm::cast<CallExpr>(n)->callee);
      for (auto* a : llvm::cast<CallExpr>(n)->args) v(a);
      break;
    case NodeKind::MemberExpr: v(llvm::cast<MemberExpr>(n)->base); break;
    case NodeKind::IndexExpr:
      v(llvm::cast<IndexExpr>(n)->base);
      v(llvm::cast<IndexExpr>(n)->index);
      break;
    case NodeKind::UnaryExpr: v(llvm::cast<UnaryExpr>(n)->operand); break;
    case NodeKind::BinaryExpr:
      v(llvm::cast<BinaryExpr>(n)->lhs);
      v(llvm::cast<BinaryExpr>(n)->rhs);
      break;
    case NodeKind::RangeExpr:
      v(llvm::cast<RangeExpr>(n)->lo);
      v(llvm::cast<RangeExpr>(n)->hi);
      break;
    case NodeKind::ComprehensionExpr: {
      auto* c = llvm::cast<ComprehensionExpr>(n);
      for (const CompClause& cl : c->clauses) {
        v(cl.iterable);
        for (auto* cond : cl.conds) v(cond);
      }
      v(c->key);
      v(c->value);
      break;
    }
    case NodeKind::SliceExpr:
      v(llvm::cast<SliceExpr>(n)->base);
      v(llvm::cast<SliceExpr>(n)->lo);
      v(llvm::cast<SliceExpr>(n)->hi);
      v(llvm::cast<SliceExpr>(n)->step);
      break;
    case NodeKind::CompareChain:
      for (auto* o : llvm::cast<CompareChain>(n)->operands) v(o);
      break;
    case NodeKind::PipeExpr:
      v(llvm::cast<PipeExpr>(n)->value);
      v(llvm::cast<PipeExpr>(n)->target);
      break;
    case NodeKind::UnwrapExpr: v(llvm::cast<UnwrapExpr>(n)->operand); break;
    case NodeKind::AwaitExpr: v(llvm::cast<AwaitExpr>(n)->operand); break;
    case NodeKind::LambdaExpr: v(llvm::cast<LambdaExpr>(n)->body); break;
    case NodeKind::IfExpr:
      for (auto* b : llvm::cast<IfExpr>(n)->branches) {
        v(b->cond);
        v(b->body);
      }
      v(llvm::cast<IfExpr>(n)->else_body);
      break;
    case NodeKind::MatchExpr:
      v(llvm::cast<MatchExpr>(n)->subject);
      for (auto* a : llvm::cast<MatchExpr>(n)->arms) {
        v(a->guard);
        v(a->body);
      }
      break;
    default: break;
  }
}

namespace {

// Symbols declared by a node (let, plain `x = e` that declares, pattern bindings are not mutable).
const ast::Node* declNodeOf(const Symbol* s) { return s ? s->decl : nullptr; }

// Collects the mutable locals referenced inside a lambda but declared outside it.
void findBoxed(const CheckedProgram& prog, const ast::Node* n, int lambda_depth,
               std::map<const Symbol*, int>& declared_depth, std::set<const Symbol*>& boxed) {
  if (auto* let = llvm::dyn_cast<ast::LetStmt>(n)) {
    auto it = prog.resolved.find(let);
    if (it != prog.resolved.end()) declared_depth[it->second] = lambda_depth;
  }
  if (auto h = prog.hoisted_locals.find(n); h != prog.hoisted_locals.end())  // `if c { g = 1 } else { g = 2 }`
    for (const Symbol* s : h->second) declared_depth[s] = lambda_depth;
  if (auto* as = llvm::dyn_cast<ast::AssignStmt>(n)) {  // `items = []` that declares (made mutable by `items.push(x)`)
    auto kind = prog.assigns.find(as);
    auto it = prog.resolved.find(as->target);
    if (kind != prog.assigns.end() && kind->second == AssignKind::Declare && it != prog.resolved.end())
      declared_depth[it->second] = lambda_depth;
  }
  if (auto* ds = llvm::dyn_cast<ast::DestructureStmt>(n)) {  // `var { a, b } = ...`
    for (const ast::DestructureField* f : ds->fields) {
      auto it = prog.resolved.find(f);
      if (it == prog.resolved.end()) continue;
      const Symbol* s = it->second;
      if (!prog.destructure_assigns.count(f)) {
        declared_depth[s] = lambda_depth;
        continue;
      }
      // `a, b = b, a` inside a lambda assigns the `var`s around it: they are shared with it.
      auto d = declared_depth.find(s);
      if (s->kind == SymbolKind::Local && d != declared_depth.end() && d->second < lambda_depth) boxed.insert(s);
    }
  }
  if (auto* ne = llvm::dyn_cast<ast::NameExpr>(n)) {
    auto it = prog.resolved.find(ne);
    if (it != prog.resolved.end()) {
      const Symbol* s = it->second;
      auto d = declared_depth.find(s);
      if (s->is_mutable && s->kind == SymbolKind::Local && d != declared_depth.end() && d->second < lambda_depth)
        boxed.insert(s);
    }
  }
  int depth = lambda_depth + (llvm::isa<ast::LambdaExpr>(n) ? 1 : 0);
  forEachChild(n, [&](const ast::Node* c) { findBoxed(prog, c, depth, declared_depth, boxed); });
  (void)declNodeOf;
}

const char* kindOfScalar(const Ty* t) {
  switch (t->kind) {
    case TyKind::Int: return "lux::stdlib::Kind::kInt";
    case TyKind::Float: return "lux::stdlib::Kind::kFloat";
    case TyKind::Bool: return "lux::stdlib::Kind::kBool";
    case TyKind::String: return "lux::stdlib::Kind::kString";
    default: return "lux::stdlib::Kind::kAny";
  }
}

bool plainEnum(const EnumInfo* e) {
  for (const VariantInfo& v : e->variants)
    if (!v.payload.empty()) return false;
  return true;
}

}  // namespace

std::string scalarKind(const Ty* t) { return kindOfScalar(t); }

std::string Emitter::cppType(const Ty* t) {
  if (!t) return "lux::Value";
  switch (t->kind) {
    case TyKind::Int:
    case TyKind::Duration: return "std::int64_t";
    case TyKind::Float: return "double";
    case TyKind::Bool: return "bool";
    case TyKind::String: return "std::string";
    case TyKind::Array: return "std::vector<" + cppType(t->elem) + ">";
    case TyKind::Option: return "std::optional<" + cppType(t->elem) + ">";
    case TyKind::Record: return safeName(t->record->name);
    case TyKind::Enum: return plainEnum(t->enum_info) ? safeName(t->enum_info->name) : "lux::Value";
    default: return "lux::Value";
  }
}

void Emitter::emitEnum(const EnumInfo* e) {
  std::string name = safeName(e->name);
  lineDirective(e->range);
  if (!plainEnum(e)) {
    std::string variants;
    for (const VariantInfo& v : e->variants) variants += (variants.empty() ? "" : ", ") + v.name.str();
    line(fmt::format("// type {} {{ {} }}: values are lux::Value (variants with a payload)", name, variants));
    return;
  }
  std::string list;
  for (size_t i = 0; i < e->variants.size(); ++i)
    list += (i ? ", " : "") + safeName(e->variants[i].name.str());  // a variant may be spelled like a C++ keyword (`new`)
  line(fmt::format("enum class {} {{ {} }};", name, list));
  // Defined in a unit (emitEnumConversions), as a record's: every unit includes the header, and
  // the string comparisons of FromValue cost each of them ~6 ms of compile time when inline.
  line(fmt::format("lux::Value ToValue({} v);", name));
  line(fmt::format("void FromValue(const lux::Value& v, {}& out);", name));
}

void Emitter::emitEnumConversions(const EnumInfo* e) {
  std::string name = safeName(e->name);
  std::string names;
  for (size_t i = 0; i < e->variants.size(); ++i) names += (i ? ", " : "") + cppString(e->variants[i].name.str());
  lineDirective(e->range);
  line(fmt::format("lux::Value ToValue({} v) {{", name));
  line(fmt::format("  static const char* const kNames[] = {{{}}};", names));
  line("  return lux::Value(kNames[static_cast<int>(v)]);");
  line("}");
  line(fmt::format("void FromValue(const lux::Value& v, {}& out) {{", name));
  line("  const std::string& s = v.AsString();");
  for (size_t i = 0; i < e->variants.size(); ++i) {
    const std::string v = e->variants[i].name.str();
    line(fmt::format("  if (s == {}) {{", cppString(v)));
    line(fmt::format("    out = {}::{};", name, safeName(v)));
    line("    return;");
    line("  }");
  }
  line(fmt::format("  throw lux::TypeError(\"expected {}, got \\\"\" + s + \"\\\"\");", name));
  line("}");
}

void Emitter::emitConversions(int server, const std::vector<const RecordInfo*>& records) {
  std::vector<const EnumInfo*> enums;
  for (const EnumInfo* e : prog_.enums)
    if (e->server == server && plainEnum(e)) enums.push_back(e);
  if (enums.empty() && records.empty()) return;
  piece();
  line("// --- records' JSON conversions");
  bool first = true;
  auto next = [&] {
    if (opts_.pieces_per_unit == 1 && !first) piece();  // one type per unit
    first = false;
  };
  for (const EnumInfo* e : enums) {
    next();
    emitEnumConversions(e);
  }
  for (const RecordInfo* r : records) {
    next();
    emitRecordConversions(r);
  }
}

bool Emitter::isComplete(const Ty* t) const {
  if (!t) return true;
  if (t->kind == TyKind::Record && !complete_records_.count(t->record)) return false;
  for (const Ty* p : t->params)
    if (!isComplete(p)) return false;
  return isComplete(t->elem) && isComplete(t->err);
}

void Emitter::emitRecord(const RecordInfo* r) {
  std::string name = safeName(r->name);
  lineDirective(r->range);
  line(fmt::format("struct {} {{", name));
  bool implicit_id = r->is_model && !r->field("id");  // a model's record has an `id: Int`
  if (implicit_id) line("  std::int64_t id = 0;");
  for (const FieldInfo& f : r->fields) {
    std::string t = isComplete(f.type) ? cppType(f.type) : "lux::Value";
    if (!isComplete(f.type)) held_as_value_.insert(&f);
    std::string init = (t == "std::int64_t" || t == "double" || t == "bool") ? "{}" : "";
    if (f.type && f.type->kind == TyKind::Enum && t != "lux::Value") init = "{}";
    line(fmt::format("  {} {}{};", t, safeName(f.name), init));
  }
  line("};");
  complete_records_.insert(r);
  line(fmt::format("lux::Value ToValue(const {}& r);", name));
  line(fmt::format("void FromValue(const lux::Value& v, {}& r);", name));
  line("");
}

void Emitter::emitRecordConversions(const RecordInfo* r) {
  std::string name = safeName(r->name);
  bool implicit_id = r->is_model && !r->field("id");
  lineDirective(r->range);
  auto direct = [&](const FieldInfo& f) {
    return f.type && (f.type->kind == TyKind::Record || (f.type->kind == TyKind::Enum && cppType(f.type) != "lux::Value"));
  };
  line(fmt::format("lux::Value ToValue(const {}& r) {{", name));
  line("  lux::Object o;");
  if (implicit_id) line("  o.Set(\"id\", lux::ToValue(r.id));");
  for (const FieldInfo& f : r->fields)
    line(fmt::format("  o.Set({}, {}ToValue(r.{}));", cppString(f.name), direct(f) ? "" : "lux::", safeName(f.name)));
  line("  return lux::Value(std::move(o));");
  line("}");
  line(fmt::format("void FromValue(const lux::Value& v, {}& r) {{", name));
  line(fmt::format("  if (!v.IsObject()) throw lux::TypeError(std::string(\"expected {}, got \") + v.KindName());", name));
  if (implicit_id) line("  if (v.Find(\"id\")) lux::FromField(v, \"id\", r.id);");
  FnContext ctx;  // a field's default is an expression of its own
  fn_ = &ctx;
  w_.indent();
  for (const FieldInfo& f : r->fields) {
    // A field kept as a Value (its type holds a record not complete where the struct is, the
    // record itself in a recursive type) is read through its type all the same.
    std::string from = held_as_value_.count(&f) ? fmt::format("lux::FromFieldAs<{}>", cppType(f.type)) : "lux::FromField";
    if (!f.has_default) {
      line(fmt::format("{}(v, {}, r.{});", from, cppString(f.name), safeName(f.name)));
    } else if (!f.default_value) {
      line(fmt::format("if (v.Find({0})) {2}(v, {0}, r.{1});", cppString(f.name), safeName(f.name), from));
    } else {
      // A field left out takes its declared default (`status: Status = Active`).
      line(fmt::format("if (v.Find({0})) {{", cppString(f.name)));
      line(fmt::format("  {}(v, {}, r.{});", from, cppString(f.name), safeName(f.name)));
      line("} else {");
      w_.indent();
      line(fmt::format("FromValue({}, r.{});", expr(f.default_value), safeName(f.name)));
      w_.dedent();
      line("}");
    }
  }
  w_.dedent();
  fn_ = nullptr;
  line("}");
  line("");
}

// A method is named after its type too (`Point__norm`): two types may both have a `to_string`,
// and a function of the program may share the method's name.
std::string Emitter::fnName(const FunctionModel* fn) const {
  if (!fn->owner.empty()) return fmt::format("{}__{}", fn->owner.str(), fn->name.str());
  return safeName(fn->name);
}

std::vector<ParamRole> Emitter::rolesFor(const FunctionModel* fn) const {
  auto it = fn_roles_.find(fn);
  if (it != fn_roles_.end()) return it->second;
  return std::vector<ParamRole>(fn->params.size(), ParamRole::Value);
}

static std::string paramDecl(ParamRole role, const std::string& name) {
  switch (role) {
    case ParamRole::Request: return "lux::Request& " + name;
    case ParamRole::Response: return "lux::Response& " + name;
    case ParamRole::Next: return "const lux::Next& " + name;
    default: return "const lux::Value& " + name;
  }
}

std::string Emitter::signature(const FunctionModel* fn, const std::vector<ParamRole>& roles) {
  std::string s = "lux::Value " + fnName(fn) + "(";
  // `next()` passes the request on (nextCall) whether or not the body reads it.
  const bool next = std::find(roles.begin(), roles.end(), ParamRole::Next) != roles.end();
  for (size_t i = 0; i < fn->params.size(); ++i) {
    if (i) s += ", ";
    // A parameter the body never reads keeps its name as a comment (no unused warning).
    const Symbol* sym = fn->decl && i < fn->decl->params.size() ? symbolOf(fn->decl->params[i]) : nullptr;
    std::string n = safeName(fn->params[i].name);
    const bool passed_on = next && i < roles.size() && roles[i] == ParamRole::Request;
    if (sym && sym->reads == 0 && !passed_on) n = "/*" + n + "*/";
    s += paramDecl(i < roles.size() ? roles[i] : ParamRole::Value, n);
  }
  return s + ")";
}

void Emitter::emitFunctionDecl(const FunctionModel* fn, bool definition) {
  std::vector<ParamRole> roles = rolesFor(fn);
  if (!definition) {
    // Prototype, with the defaults of the parameters.
    std::string s = signature(fn, roles);
    if (fn->decl) {
      s = "lux::Value " + fnName(fn) + "(";
      // C++ defaults only on the trailing parameters that all have one (FunctionModel::minArgs:
      // a call gives every parameter up to the last one without a default).
      size_t first_default = fn->params.size();
      while (first_default > 0 && first_default - 1 < fn->decl->params.size() &&
             fn->decl->params[first_default - 1]->default_value)
        --first_default;
      for (size_t i = 0; i < fn->params.size(); ++i) {
        if (i) s += ", ";
        s += paramDecl(i < roles.size() ? roles[i] : ParamRole::Value, safeName(fn->params[i].name));
        const ast::Param* p = i < fn->decl->params.size() ? fn->decl->params[i] : nullptr;
        if (p && p->default_value && i >= first_default) s += " = " + expr(p->default_value);
      }
      s += ")";
    }
    line(s + ";");
    return;
  }
  lineDirective(fn->decl->range());
  line(signature(fn, roles) + " {");
  std::vector<const ast::Param*> params(fn->decl->params.begin(), fn->decl->params.end());
  FnContext ctx;
  fn_ = &ctx;
  // Failed calls go to the caller (emit_rpc.cpp); a middleware function's, to its stage.
  if (propagates(fn) || middlewareReturns(fn)) ctx.call_exits.push_back(CallExit::Returning());
  w_.indent();
  line("lux::CheckStack();");  // recursion deeper than the stack holds fails the call, never the process
  emitFunctionBody(params, roles, fn->decl->body, Target::ret());
  w_.dedent();
  fn_ = nullptr;
  line("}");
  line("");
}

void Emitter::prepareFunction(const std::vector<const ast::Param*>& params, const std::vector<ParamRole>& roles,
                              const ast::Node* body) {
  for (size_t i = 0; i < params.size(); ++i) {
    const Symbol* s = symbolOf(params[i]);
    std::string n = unique(safeName(params[i]->name.name));
    if (!s) continue;
    fn_->names[s] = n;
    ParamRole role = i < roles.size() ? roles[i] : ParamRole::Value;
    if (role != ParamRole::Value) fn_->roles[s] = role;
  }
  if (body) {
    std::map<const Symbol*, int> declared;
    findBoxed(prog_, body, 0, declared, fn_->boxed);
    findInplace(body, fn_->inplace);
  }
  // A parameter that `cache_control(p, ...)` changes: a copy of the argument.
  for (size_t i = 0; i < params.size(); ++i) {
    const Symbol* s = symbolOf(params[i]);
    ParamRole role = i < roles.size() ? roles[i] : ParamRole::Value;
    if (!s || role != ParamRole::Value || !isInplace(s) || fn_->by_reference.count(s)) continue;
    std::string copy = unique(fn_->names[s]);
    line(fmt::format("lux::Value {} = {};", copy, fn_->names[s]));
    fn_->names[s] = copy;
  }
}

void Emitter::emitFunctionBody(const std::vector<const ast::Param*>& params, const std::vector<ParamRole>& roles,
                               const ast::BlockExpr* body, Target target) {
  prepareFunction(params, roles, body);
  block(body, target);
}

}  // namespace lux::emit
