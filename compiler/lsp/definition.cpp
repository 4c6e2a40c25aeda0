// definitionAt: where what is under the cursor is declared — a name's declaration, a peer
// server's function behind `billing.charge`, a record field, a type, the job a `spawn_job`
// string names, the subscribers of a published event (and the publishers of a subscribed one),
// the server a `discover` names.
#include "lsp/ast_walk.h"
#include "lsp/features.h"
#include "lsp/semantic.h"

namespace lux::lsp {
namespace {

std::vector<SourceRange> eventSites(const Analysis& a, const std::string& event, bool subscribers) {
  std::vector<SourceRange> out;
  for (const ServerModel& sm : a.model->servers) {
    if (subscribers) {
      for (const SubscribeModel& s : sm.subscriptions)
        if (s.event == event && s.decl && s.decl->event) out.push_back(s.decl->event->range());
    } else {
      for (const PublishSite& p : sm.publishes)
        if (p.event == event && p.call) out.push_back(p.call->range());
    }
  }
  if (!subscribers)
    for (const PublishSite& p : a.model->shared_publishes)
      if (p.event == event && p.call) out.push_back(p.call->range());
  return out;
}

std::vector<SourceRange> stringDefinition(const Analysis& a, const ast::StringLit* s, const ast::Node* parent) {
  if (const Symbol* sym = a.resolved(s); sym && sym->range.size()) return {sym->range};
  if (auto* sub = llvm::dyn_cast_or_null<ast::SubscribeDecl>(parent); sub && sub->event == s)
    return eventSites(a, s->value.str(), false);
  if (auto* d = llvm::dyn_cast_or_null<ast::DiscoverDecl>(parent); d && d->name == s) {
    for (const ServerModel& sm : a.model->servers)
      if (sm.name == s->value && sm.decl) return {sm.decl->name.range};
  }
  auto publishes = [&](const std::vector<PublishSite>& sites) -> std::optional<std::string> {
    for (const PublishSite& p : sites)
      if (p.call && !p.call->args.empty() && p.call->args[0] == s) return p.event;
    return std::nullopt;
  };
  for (const ServerModel& sm : a.model->servers)
    if (auto e = publishes(sm.publishes)) return eventSites(a, *e, true);
  if (auto e = publishes(a.model->shared_publishes)) return eventSites(a, *e, true);
  return {};
}

std::vector<SourceRange> memberDefinition(const Analysis& a, const ast::MemberExpr* m) {
  if (auto* n = llvm::dyn_cast<ast::NameExpr>(m->base)) {
    const Symbol* base = a.resolved(n);
    if (base && base->kind == SymbolKind::Service)
      if (const FunctionModel* fn = peerFunction(a, *base, m->member.name); fn && fn->decl) return {fn->decl->name.range};
    if (base && base->kind == SymbolKind::Type && base->enum_info)
      if (const VariantInfo* v = base->enum_info->variant(m->member.name)) return {v->range};
  }
  const Ty* bt = a.typeOf(m->base);
  if (bt && bt->kind == TyKind::Record && bt->record)
    if (const FieldInfo* f = bt->record->field(m->member.name); f && f->range.size()) return {f->range};
  return {};
}

}  // namespace

std::vector<SourceRange> definitionAt(const Analysis& a, uint32_t offset) {
  if (!a.program || !a.model) return {};
  std::vector<const ast::Node*> path = pathAt(a.program, offset);
  const ast::Node* n = path.back();
  const ast::Node* parent = path.size() > 1 ? path[path.size() - 2] : nullptr;
  int server = a.serverAt(offset);
  if (auto* name = llvm::dyn_cast<ast::NameExpr>(n)) {
    if (const Symbol* s = a.resolved(name); s && s->range.size()) return {s->range};
    return {};
  }
  if (auto* m = llvm::dyn_cast<ast::MemberExpr>(n); m && contains(m->member.range, offset)) return memberDefinition(a, m);
  if (auto* s = llvm::dyn_cast<ast::StringLit>(n)) return stringDefinition(a, s, parent);
  if (auto* nt = llvm::dyn_cast<ast::NamedType>(n); nt && contains(nt->name.range, offset)) {
    if (const RecordInfo* r = recordOfName(a, nt->name.name, server)) return {r->range};
    if (const EnumInfo* e = enumOfName(a, nt->name.name, server)) return {e->range};
    return {};
  }
  if (auto* rec = llvm::dyn_cast<ast::RecordExpr>(n); rec && contains(rec->type_name.range, offset)) {
    if (const RecordInfo* r = recordOfName(a, rec->type_name.name, server)) return {r->range};
  }
  if (auto* en = llvm::dyn_cast<ast::ObjectEntry>(n); en && contains(en->key.range, offset)) {
    if (auto* rec = llvm::dyn_cast_or_null<ast::RecordExpr>(parent))
      if (const RecordInfo* r = recordOfName(a, rec->type_name.name, server))
        if (const FieldInfo* f = r->field(en->key.name); f && f->range.size()) return {f->range};
  }
  if (auto* vp = llvm::dyn_cast<ast::VariantPattern>(n); vp && contains(vp->name.range, offset)) {
    for (const EnumInfo* e : a.model->enums) {
      if (!vp->qualifier.empty() && e->name != vp->qualifier.name) continue;
      if (e->server >= 0 && e->server != server) continue;
      if (const VariantInfo* v = e->variant(vp->name.name)) return {v->range};
    }
  }
  if (const Symbol* s = a.declarationAt(offset)) return {s->range};
  return {};
}

}  // namespace lux::lsp
