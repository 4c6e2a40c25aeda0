// documentSymbols: the outline of a program from its AST (a partial tree after a syntax error
// still gives one): servers with their routes (`GET /path`), route groups, jobs, schedules,
// subscribers, hooks, env settings, models, functions and types; shared types and functions.
// signatureAt: the signature of the call around the cursor (LSP SignatureHelp).
#include <fmt/format.h>

#include "lsp/ast_walk.h"
#include "lsp/features.h"
#include "lsp/semantic.h"

namespace lux::lsp {
namespace {

using nlohmann::json;

// LSP SymbolKind values.
enum Kind { kModule = 2, kNamespace = 3, kClass = 5, kMethod = 6, kField = 8, kEnum = 10, kInterface = 11, kFunction = 12,
            kConstant = 14, kEnumMember = 22, kStruct = 23, kEvent = 24 };

json range(const Analysis& a, SourceRange r) {
  Position b = a.lines->positionOf(r.begin), e = a.lines->positionOf(r.end);
  return {{"start", {{"line", b.line}, {"character", b.character}}}, {"end", {{"line", e.line}, {"character", e.character}}}};
}

json symbol(const Analysis& a, const std::string& name, int kind, SourceRange whole, SourceRange sel, const std::string& detail = "") {
  if (sel.size() == 0 || sel.begin < whole.begin || sel.end > whole.end) sel = SourceRange::point(whole.begin);
  json s = {{"name", name.empty() ? "(unnamed)" : name}, {"kind", kind}, {"range", range(a, whole)}, {"selectionRange", range(a, sel)}};
  if (!detail.empty()) s["detail"] = detail;
  return s;
}

std::string quoted(const ast::StringLit* s) { return s ? "\"" + s->value.str() + "\"" : std::string(); }

void itemSymbols(const Analysis& a, llvm::ArrayRef<ast::Decl*> items, json& out);

std::optional<json> declSymbol(const Analysis& a, const ast::Decl* d) {
  const SourceRange r = d->range();
  if (auto* s = llvm::dyn_cast<ast::ServerBlock>(d)) {
    json sym = symbol(a, s->name.empty() ? "server" : "server \"" + s->name.name.str() + "\"", kModule, r, s->name.range);
    sym["children"] = json::array();
    itemSymbols(a, s->items, sym["children"]);
    return sym;
  }
  if (auto* s = llvm::dyn_cast<ast::SharedBlock>(d)) {
    json sym = symbol(a, "shared", kNamespace, r, SourceRange::point(r.begin));
    sym["children"] = json::array();
    itemSymbols(a, s->items, sym["children"]);
    return sym;
  }
  if (auto* g = llvm::dyn_cast<ast::RoutesDecl>(d)) {
    json sym = symbol(a, "routes " + quoted(g->prefix), kNamespace, r, g->prefix ? g->prefix->range() : SourceRange{});
    sym["children"] = json::array();
    itemSymbols(a, g->items, sym["children"]);
    return sym;
  }
  if (auto* rt = llvm::dyn_cast<ast::RouteDecl>(d)) {
    std::string path = rt->path ? rt->path->value.str() : "";
    std::string handler = rt->handler ? std::string(a.file->slice(rt->handler->range())) : "";
    if (handler.find('\n') != std::string::npos || handler.size() > 60) handler = "fn(...)";
    return symbol(a, rt->method.name.str() + " " + path, kMethod, r, rt->method.range, handler);
  }
  if (auto* f = llvm::dyn_cast<ast::FnDecl>(d)) {
    const char* what = llvm::isa<ast::BackgroundFnDecl>(f) ? "background fn" : llvm::isa<ast::MiddlewareDecl>(f) ? "middleware fn" : "fn";
    return symbol(a, f->name.empty() ? "middleware" : f->name.name.str(), llvm::isa<ast::BackgroundFnDecl>(f) ? kEvent : kFunction, r,
                  f->name.range, what);
  }
  if (auto* s = llvm::dyn_cast<ast::ScheduleDecl>(d)) {
    std::string when = s->cron ? quoted(s->cron) : s->interval ? "every " + std::string(a.file->slice(s->interval->range())) : "";
    std::string name = s->name.empty() ? "schedule " + when : "schedule " + s->name.name.str();
    return symbol(a, name, kEvent, r, s->name.empty() && s->cron ? s->cron->range() : s->name.range, when);
  }
  if (auto* s = llvm::dyn_cast<ast::SubscribeDecl>(d))
    return symbol(a, "subscribe " + quoted(s->event), kEvent, r, s->event ? s->event->range() : SourceRange{});
  if (auto* t = llvm::dyn_cast<ast::RecordTypeDecl>(d)) {
    json sym = symbol(a, t->name.name.str(), kStruct, r, t->name.range, "type");
    sym["children"] = json::array();
    for (const ast::FieldDecl* f : t->fields)
      sym["children"].push_back(symbol(a, f->name.name.str(), kField, f->range(), f->name.range,
                                       f->type ? std::string(a.file->slice(f->type->range())) : ""));
    return sym;
  }
  if (auto* t = llvm::dyn_cast<ast::EnumTypeDecl>(d)) {
    json sym = symbol(a, t->name.name.str(), kEnum, r, t->name.range, "type");
    sym["children"] = json::array();
    for (const ast::EnumVariant* v : t->variants) sym["children"].push_back(symbol(a, v->name.name.str(), kEnumMember, v->range(), v->name.range));
    return sym;
  }
  if (auto* t = llvm::dyn_cast<ast::TypeAliasDecl>(d)) return symbol(a, t->name.name.str(), kStruct, r, t->name.range, "type alias");
  if (auto* impl = llvm::dyn_cast<ast::ImplDecl>(d)) {
    std::string name = impl->trait.empty() ? "impl " + impl->type_name.name.str()
                                           : "impl " + impl->trait.name.str() + " for " + impl->type_name.name.str();
    json sym = symbol(a, name, kClass, r, impl->type_name.range, "methods");
    sym["children"] = json::array();
    for (const ast::FnDecl* f : impl->methods) sym["children"].push_back(symbol(a, f->name.name.str(), kMethod, f->range(), f->name.range, "fn"));
    return sym;
  }
  if (auto* t = llvm::dyn_cast<ast::TraitDecl>(d)) {
    json sym = symbol(a, t->name.name.str(), kInterface, r, t->name.range, t->is_interface ? "interface" : "trait");
    sym["children"] = json::array();
    for (const ast::FnDecl* f : t->methods) sym["children"].push_back(symbol(a, f->name.name.str(), kMethod, f->range(), f->name.range, "fn"));
    return sym;
  }
  if (auto* m = llvm::dyn_cast<ast::ModelDecl>(d)) {
    json sym = symbol(a, m->name.name.str(), kClass, r, m->name.range, "model");
    sym["children"] = json::array();
    for (const ast::FieldDecl* f : m->fields) sym["children"].push_back(symbol(a, f->name.name.str(), kField, f->range(), f->name.range));
    return sym;
  }
  if (auto* e = llvm::dyn_cast<ast::EnvDecl>(d))
    return symbol(a, e->name.name.str(), kConstant, r, e->name.range, e->type ? "env " + std::string(a.file->slice(e->type->range())) : "env");
  if (auto* v = llvm::dyn_cast<ast::VarDecl>(d)) return symbol(a, v->name.name.str(), kConstant, r, v->name.range, v->is_mutable ? "var" : "");
  if (auto* h = llvm::dyn_cast<ast::HookDecl>(d)) {
    const char* name = h->hook == ast::HookDecl::Hook::Start ? "on_start" : h->hook == ast::HookDecl::Hook::Stop ? "on_stop" : "on_error";
    return symbol(a, name, kEvent, r, SourceRange::point(r.begin));
  }
  if (auto* dd = llvm::dyn_cast<ast::DiscoverDecl>(d))
    return symbol(a, "discover " + quoted(dd->name), kModule, r, dd->name ? dd->name->range() : SourceRange{});
  return std::nullopt;
}

void itemSymbols(const Analysis& a, llvm::ArrayRef<ast::Decl*> items, json& out) {
  for (const ast::Decl* d : items)
    if (d)
      if (auto s = declSymbol(a, d)) out.push_back(std::move(*s));
}

}  // namespace

json documentSymbols(const Analysis& a) {
  json out = json::array();
  if (a.program) itemSymbols(a, a.program->items, out);
  return out;
}

json signatureAt(const Analysis& a, uint32_t offset) {
  if (!a.program || !a.model) return nullptr;
  std::vector<const ast::Node*> path = pathAt(a.program, offset);
  for (size_t i = path.size(); i-- > 0;) {
    auto* call = llvm::dyn_cast<ast::CallExpr>(path[i]);
    if (!call || offset <= call->callee->range().end) continue;
    std::string label, doc;
    std::vector<std::string> params;
    if (auto* n = llvm::dyn_cast<ast::NameExpr>(call->callee)) {
      if (const Symbol* s = a.resolved(n)) {
        if (s->fn) {
          label = functionSignature(*s->fn);
          for (const ParamModel& p : s->fn->params) params.push_back(p.name.str() + (p.annotated ? ": " + typeName(p.type) : ""));
        } else if (s->builtin) {
          label = builtinSignature(*s->builtin);
          doc = builtinDoc(*s->builtin);
        }
      }
    } else if (auto* m = llvm::dyn_cast<ast::MemberExpr>(call->callee)) {
      auto* base = llvm::dyn_cast<ast::NameExpr>(m->base);
      const Symbol* s = base ? a.resolved(base) : nullptr;
      if (s && s->kind == SymbolKind::Module) s = nullptr;
      if (s && s->kind == SymbolKind::Service) {
        if (const FunctionModel* fn = peerFunction(a, *s, m->member.name)) {
          label = functionSignature(*fn);
          for (const ParamModel& p : fn->params) params.push_back(p.name.str() + (p.annotated ? ": " + typeName(p.type) : ""));
        }
      } else if (base && !s && a.model->builtins.isModule(base->name.name)) {
        if (const Builtin* b = a.model->builtins.module(base->name.name, m->member.name)) {
          label = builtinSignature(*b);
          doc = builtinDoc(*b);
        }
      }
    }
    if (label.empty()) return nullptr;
    int active = 0;
    for (const ast::Expr* arg : call->args)
      if (arg->range().end < offset && offset > arg->range().begin) active++;
    if (active > 0 && active == static_cast<int>(call->args.size()) && offset <= call->args.back()->range().end) active--;
    json sig = {{"label", label}};
    if (!doc.empty()) sig["documentation"] = doc;
    if (!params.empty()) {
      sig["parameters"] = json::array();
      for (const std::string& p : params) sig["parameters"].push_back({{"label", p}});
    }
    return {{"signatures", json::array({sig})}, {"activeSignature", 0}, {"activeParameter", active}};
  }
  return nullptr;
}

}  // namespace lux::lsp
