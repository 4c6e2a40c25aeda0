// forEachChild: the children of each node kind; pathAt: the nodes around an offset.
#include "lsp/ast_walk.h"

namespace lux::lsp {
namespace {

template <typename T>
void each(llvm::ArrayRef<T*> items, const std::function<void(const ast::Node*)>& fn) {
  for (const T* n : items)
    if (n) fn(n);
}

void one(const ast::Node* n, const std::function<void(const ast::Node*)>& fn) {
  if (n) fn(n);
}

void declChildren(const ast::Node* node, const std::function<void(const ast::Node*)>& fn);
void stmtChildren(const ast::Node* node, const std::function<void(const ast::Node*)>& fn);
void exprChildren(const ast::Node* node, const std::function<void(const ast::Node*)>& fn);

}  // namespace

void forEachChild(const ast::Node* node, const std::function<void(const ast::Node*)>& fn) {
  using K = ast::NodeKind;
  switch (node->kind()) {
    case K::Program: each(llvm::cast<ast::Program>(node)->items, fn); return;
    case K::Param: {
      auto* p = llvm::cast<ast::Param>(node);
      one(p->type, fn);
      one(p->default_value, fn);
      return;
    }
    case K::FieldDecl: {
      auto* f = llvm::cast<ast::FieldDecl>(node);
      one(f->type, fn);
      one(f->default_value, fn);
      return;
    }
    case K::EnumVariant: each(llvm::cast<ast::EnumVariant>(node)->payload, fn); return;
    case K::ObjectEntry:
      one(llvm::cast<ast::ObjectEntry>(node)->key_expr, fn);
      one(llvm::cast<ast::ObjectEntry>(node)->value, fn);
      return;
    case K::MatchArm: {
      auto* a = llvm::cast<ast::MatchArm>(node);
      one(a->pattern, fn);
      one(a->guard, fn);
      one(a->body, fn);
      return;
    }
    case K::IfBranch: {
      auto* b = llvm::cast<ast::IfBranch>(node);
      one(b->cond, fn);
      one(b->body, fn);
      return;
    }
    case K::DestructureField: one(llvm::cast<ast::DestructureField>(node)->default_value, fn); return;
    case K::RouteModifier: each(llvm::cast<ast::RouteModifier>(node)->args, fn); return;
    case K::RoutesOption: one(llvm::cast<ast::RoutesOption>(node)->value, fn); return;
// Every other kind: declarations, statements, expressions, patterns and types below.
#define LUX_CASE_Other(Name)
#define LUX_CASE_Decl(Name) case K::Name:
#define LUX_CASE_Stmt(Name) case K::Name:
#define LUX_CASE_Expr(Name) case K::Name:
#define LUX_CASE_Pattern(Name) case K::Name:
#define LUX_CASE_Type(Name) case K::Name:
#define LUX_AST_NODE(Name, Category) LUX_CASE_##Category(Name)
#include "ast/ast_nodes.def"
#undef LUX_CASE_Other
#undef LUX_CASE_Decl
#undef LUX_CASE_Stmt
#undef LUX_CASE_Expr
#undef LUX_CASE_Pattern
#undef LUX_CASE_Type
      break;
  }
  if (llvm::isa<ast::Decl>(node)) declChildren(node, fn);
  else if (llvm::isa<ast::Stmt>(node)) stmtChildren(node, fn);
  else exprChildren(node, fn);
}

namespace {

void declChildren(const ast::Node* node, const std::function<void(const ast::Node*)>& fn) {
  using K = ast::NodeKind;
  if (auto* c = llvm::dyn_cast<ast::ConfigDecl>(node)) {
    one(c->config, fn);
    return;
  }
  if (auto* f = llvm::dyn_cast<ast::FnDecl>(node)) {
    each(f->params, fn);
    if (auto* b = llvm::dyn_cast<ast::BackgroundFnDecl>(f)) one(b->options, fn);
    one(f->return_type, fn);
    one(f->body, fn);
    return;
  }
  switch (node->kind()) {
    case K::SharedBlock: each(llvm::cast<ast::SharedBlock>(node)->items, fn); return;
    case K::ServerBlock: each(llvm::cast<ast::ServerBlock>(node)->items, fn); return;
    case K::RecordTypeDecl: each(llvm::cast<ast::RecordTypeDecl>(node)->fields, fn); return;
    case K::EnumTypeDecl: each(llvm::cast<ast::EnumTypeDecl>(node)->variants, fn); return;
    case K::TypeAliasDecl: one(llvm::cast<ast::TypeAliasDecl>(node)->aliased, fn); return;
    case K::ImplDecl:
      each(llvm::cast<ast::ImplDecl>(node)->methods, fn);
      each(llvm::cast<ast::ImplDecl>(node)->inherited, fn);
      return;
    case K::TraitDecl: each(llvm::cast<ast::TraitDecl>(node)->methods, fn); return;
    case K::VarDecl: {
      auto* v = llvm::cast<ast::VarDecl>(node);
      one(v->type, fn);
      one(v->init, fn);
      return;
    }
    case K::EnvDecl: {
      auto* e = llvm::cast<ast::EnvDecl>(node);
      one(e->type, fn);
      one(e->default_value, fn);
      return;
    }
    case K::ModelDecl: each(llvm::cast<ast::ModelDecl>(node)->fields, fn); return;
    case K::HealthDecl: {
      auto* h = llvm::cast<ast::HealthDecl>(node);
      one(h->path, fn);
      one(h->checks, fn);
      return;
    }
    case K::PortDecl: one(llvm::cast<ast::PortDecl>(node)->value, fn); return;
    case K::ScheduleDecl: {
      auto* s = llvm::cast<ast::ScheduleDecl>(node);
      one(s->cron, fn);
      one(s->interval, fn);
      each(s->params, fn);
      one(s->options, fn);
      one(s->body, fn);
      return;
    }
    case K::SubscribeDecl: {
      auto* s = llvm::cast<ast::SubscribeDecl>(node);
      one(s->event, fn);
      one(s->options, fn);
      each(s->params, fn);
      one(s->body, fn);
      return;
    }
    case K::HookDecl: {
      auto* h = llvm::cast<ast::HookDecl>(node);
      each(h->params, fn);
      one(h->body, fn);
      return;
    }
    case K::RouteDecl: {
      auto* r = llvm::cast<ast::RouteDecl>(node);
      one(r->path, fn);
      one(r->body_type, fn);
      each(r->modifiers, fn);
      one(r->response_type, fn);
      one(r->handler, fn);
      return;
    }
    case K::RoutesDecl: {
      auto* r = llvm::cast<ast::RoutesDecl>(node);
      one(r->prefix, fn);
      each(r->options, fn);
      each(r->modifiers, fn);
      each(r->items, fn);
      return;
    }
    case K::DiscoverDecl: {
      auto* d = llvm::cast<ast::DiscoverDecl>(node);
      one(d->name, fn);
      one(d->url, fn);
      one(d->options, fn);
      return;
    }
    case K::BackendDecl: one(llvm::cast<ast::BackendDecl>(node)->config, fn); return;
    case K::StaticDecl: {
      auto* s = llvm::cast<ast::StaticDecl>(node);
      one(s->prefix, fn);
      one(s->dir, fn);
      one(s->fallback, fn);
      return;
    }
    default: return;
  }
}

void stmtChildren(const ast::Node* node, const std::function<void(const ast::Node*)>& fn) {
  using K = ast::NodeKind;
  switch (node->kind()) {
    case K::LetStmt: {
      auto* s = llvm::cast<ast::LetStmt>(node);
      one(s->type, fn);
      one(s->init, fn);
      return;
    }
    case K::DestructureStmt: {
      auto* s = llvm::cast<ast::DestructureStmt>(node);
      each(s->fields, fn);
      one(s->init, fn);
      return;
    }
    case K::AssignStmt: {
      auto* s = llvm::cast<ast::AssignStmt>(node);
      one(s->target, fn);
      one(s->value, fn);
      return;
    }
    case K::ExprStmt: one(llvm::cast<ast::ExprStmt>(node)->expr, fn); return;
    case K::ReturnStmt: one(llvm::cast<ast::ReturnStmt>(node)->value, fn); return;
    case K::ThrowStmt: one(llvm::cast<ast::ThrowStmt>(node)->value, fn); return;
    case K::ForStmt: {
      auto* s = llvm::cast<ast::ForStmt>(node);
      one(s->iterable, fn);
      one(s->body, fn);
      if (s->else_body) one(s->else_body, fn);
      return;
    }
    case K::WhileStmt: {
      auto* s = llvm::cast<ast::WhileStmt>(node);
      one(s->cond, fn);
      one(s->body, fn);
      if (s->else_body) one(s->else_body, fn);
      return;
    }
    case K::GuardStmt: {
      auto* s = llvm::cast<ast::GuardStmt>(node);
      one(s->cond, fn);
      one(s->else_body, fn);
      return;
    }
    case K::TryStmt: {
      auto* s = llvm::cast<ast::TryStmt>(node);
      one(s->body, fn);
      one(s->catch_body, fn);
      one(s->finally_body, fn);
      return;
    }
    default: return;  // break, continue
  }
}

void exprChildren(const ast::Node* node, const std::function<void(const ast::Node*)>& fn) {
  using K = ast::NodeKind;
  switch (node->kind()) {
    case K::InterpolatedString: each(llvm::cast<ast::InterpolatedString>(node)->parts, fn); return;
    case K::DurationLit: one(llvm::cast<ast::DurationLit>(node)->amount, fn); return;
    case K::ArrayExpr: each(llvm::cast<ast::ArrayExpr>(node)->elements, fn); return;
    case K::ObjectExpr: each(llvm::cast<ast::ObjectExpr>(node)->entries, fn); return;
    case K::RecordExpr: each(llvm::cast<ast::RecordExpr>(node)->entries, fn); return;
    case K::CallExpr: {
      auto* c = llvm::cast<ast::CallExpr>(node);
      one(c->callee, fn);
      each(c->args, fn);
      return;
    }
    case K::MemberExpr: one(llvm::cast<ast::MemberExpr>(node)->base, fn); return;
    case K::IndexExpr: {
      auto* e = llvm::cast<ast::IndexExpr>(node);
      one(e->base, fn);
      one(e->index, fn);
      return;
    }
    case K::UnaryExpr: one(llvm::cast<ast::UnaryExpr>(node)->operand, fn); return;
    case K::BinaryExpr: {
      auto* e = llvm::cast<ast::BinaryExpr>(node);
      one(e->lhs, fn);
      one(e->rhs, fn);
      return;
    }
    case K::RangeExpr: {
      auto* e = llvm::cast<ast::RangeExpr>(node);
      one(e->lo, fn);
      one(e->hi, fn);
      return;
    }
    case K::ComprehensionExpr: {
      auto* e = llvm::cast<ast::ComprehensionExpr>(node);
      for (const ast::CompClause& c : e->clauses) {
        one(c.iterable, fn);
        each(c.conds, fn);
      }
      one(e->key, fn);
      one(e->value, fn);
      return;
    }
    case K::SliceExpr: {
      auto* e = llvm::cast<ast::SliceExpr>(node);
      one(e->base, fn);
      one(e->lo, fn);
      one(e->hi, fn);
      one(e->step, fn);
      return;
    }
    case K::CompareChain: each(llvm::cast<ast::CompareChain>(node)->operands, fn); return;
    case K::PipeExpr: {
      auto* e = llvm::cast<ast::PipeExpr>(node);
      one(e->value, fn);
      one(e->target, fn);
      return;
    }
    case K::UnwrapExpr: one(llvm::cast<ast::UnwrapExpr>(node)->operand, fn); return;
    case K::AwaitExpr: one(llvm::cast<ast::AwaitExpr>(node)->operand, fn); return;
    case K::LambdaExpr: {
      auto* e = llvm::cast<ast::LambdaExpr>(node);
      each(e->params, fn);
      one(e->return_type, fn);
      one(e->body, fn);
      return;
    }
    case K::IfExpr: {
      auto* e = llvm::cast<ast::IfExpr>(node);
      each(e->branches, fn);
      one(e->else_body, fn);
      return;
    }
    case K::MatchExpr: {
      auto* e = llvm::cast<ast::MatchExpr>(node);
      one(e->subject, fn);
      each(e->arms, fn);
      return;
    }
    case K::BlockExpr: each(llvm::cast<ast::BlockExpr>(node)->stmts, fn); return;
    case K::LiteralPattern: one(llvm::cast<ast::LiteralPattern>(node)->value, fn); return;
    case K::RangePattern: {
      auto* p = llvm::cast<ast::RangePattern>(node);
      one(p->lo, fn);
      one(p->hi, fn);
      return;
    }
    case K::VariantPattern: each(llvm::cast<ast::VariantPattern>(node)->args, fn); return;
    case K::OrPattern: each(llvm::cast<ast::OrPattern>(node)->alternatives, fn); return;
    case K::ListPattern: {
      auto* p = llvm::cast<ast::ListPattern>(node);
      each(p->elements, fn);
      one(p->rest, fn);
      return;
    }
    case K::ObjectPattern: each(llvm::cast<ast::ObjectPattern>(node)->values, fn); return;
    case K::PrefixPattern: {
      auto* p = llvm::cast<ast::PrefixPattern>(node);
      one(p->prefix, fn);
      one(p->rest, fn);
      return;
    }
    case K::NamedType: each(llvm::cast<ast::NamedType>(node)->args, fn); return;
    case K::ArrayType: one(llvm::cast<ast::ArrayType>(node)->element, fn); return;
    case K::FnType: {
      auto* t = llvm::cast<ast::FnType>(node);
      each(t->params, fn);
      one(t->result, fn);
      return;
    }
    default: return;  // literals, names, wildcard and binding patterns
  }
}

}  // namespace

std::vector<const ast::Node*> pathAt(const ast::Node* root, uint32_t offset) {
  std::vector<const ast::Node*> path;
  const ast::Node* cur = root;
  while (cur) {
    path.push_back(cur);
    const ast::Node* inner = nullptr;
    forEachChild(cur, [&](const ast::Node* child) {
      if (!inner && contains(child->range(), offset)) inner = child;
    });
    cur = inner;
  }
  return path;
}

}  // namespace lux::lsp
