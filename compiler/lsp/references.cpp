// referencesAt: every place that names the same declaration as the name under the cursor — its
// declaration, the names resolved to it, `spawn_job` strings naming a job, and calls of a
// server's function from other servers through `discover` (`billing.charge`). Rename edits
// exactly these ranges.
#include <algorithm>
#include <functional>
#include <set>

#include "lsp/ast_walk.h"
#include "lsp/features.h"
#include "lsp/semantic.h"

namespace lux::lsp {
namespace {

// The symbol under the cursor: a name's, a declaration's, a peer function's behind `x.f`.
const Symbol* symbolAt(const Analysis& a, uint32_t offset) {
  std::vector<const ast::Node*> path = pathAt(a.program, offset);
  const ast::Node* n = path.back();
  if (auto* name = llvm::dyn_cast<ast::NameExpr>(n)) return a.resolved(name);
  if (auto* s = llvm::dyn_cast<ast::StringLit>(n)) return a.resolved(s);
  if (auto* m = llvm::dyn_cast<ast::MemberExpr>(n); m && contains(m->member.range, offset)) {
    auto* base = llvm::dyn_cast<ast::NameExpr>(m->base);
    const Symbol* svc = base ? a.resolved(base) : nullptr;
    if (svc && svc->kind == SymbolKind::Service)
      if (const FunctionModel* fn = peerFunction(a, *svc, m->member.name); fn && fn->decl)
        return a.declarationAt(fn->decl->name.range.begin);
    return nullptr;
  }
  return a.declarationAt(offset);
}

}  // namespace

bool renameable(const Analysis& a, uint32_t offset) {
  if (!a.program || !a.model) return false;
  const Symbol* s = symbolAt(a, offset);
  // A model's name is also its table's, a service's the server's, a variant's is matched in
  // patterns: renaming those takes more than the names found here.
  return s && s->range.size() && s->kind != SymbolKind::Model && s->kind != SymbolKind::Service &&
         s->kind != SymbolKind::Variant && s->kind != SymbolKind::Builtin && s->kind != SymbolKind::Module;
}

std::vector<SourceRange> referencesAt(const Analysis& a, uint32_t offset, bool include_declaration) {
  if (!a.program || !a.model) return {};
  const Symbol* sym = symbolAt(a, offset);
  if (!sym || sym->range.size() == 0) return {};
  std::set<std::pair<uint32_t, uint32_t>> seen;
  std::vector<SourceRange> out;
  auto add = [&](SourceRange r) {
    if (r.size() && seen.insert({r.begin, r.end}).second) out.push_back(r);
  };
  if (include_declaration) add(sym->range);
  const FunctionModel* fn = sym->fn;
  std::function<void(const ast::Node*)> visit = [&](const ast::Node* n) {
    if (auto* name = llvm::dyn_cast<ast::NameExpr>(n)) {
      if (a.resolved(name) == sym) add(name->range());
    } else if (auto* s = llvm::dyn_cast<ast::StringLit>(n)) {
      if (a.resolved(s) == sym && s->range().size() >= 2) add({s->range().begin + 1, s->range().end - 1});
    } else if (auto* t = llvm::dyn_cast<ast::NamedType>(n); t && sym->kind == SymbolKind::Type) {
      if (t->name.name == sym->name) add(t->name.range);
    } else if (auto* r = llvm::dyn_cast<ast::RecordExpr>(n); r && sym->kind == SymbolKind::Type) {
      if (r->type_name.name == sym->name) add(r->type_name.range);
    } else if (auto* m = llvm::dyn_cast<ast::MemberExpr>(n); m && fn && fn->server >= 0) {
      auto* base = llvm::dyn_cast<ast::NameExpr>(m->base);
      const Symbol* svc = base ? a.resolved(base) : nullptr;
      if (svc && svc->kind == SymbolKind::Service && peerFunction(a, *svc, m->member.name) == fn) add(m->member.range);
    }
    forEachChild(n, visit);
  };
  visit(a.program);
  std::sort(out.begin(), out.end(), [](SourceRange x, SourceRange y) { return x.begin < y.begin; });
  return out;
}

}  // namespace lux::lsp
