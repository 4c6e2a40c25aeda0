// Declarations: types (records, enums, aliases, model field lists), functions and bindings of
// `shared { }`, the top level and each server; their signatures and type bodies.
// Entry points: Checker::declareTypes, resolveTypeBodies, declareValues, makeFunction,
// makeParams, checkBindingInit.
#include <fmt/format.h>

#include "check/checker.h"

namespace lux {

void Checker::declareTypes(llvm::ArrayRef<ast::Decl*> items, Scope& scope, int server) {
  for (ast::Decl* d : items) {
    if (auto* rd = llvm::dyn_cast<ast::RecordTypeDecl>(d)) {
      RecordInfo* rec = types_.newRecord();
      rec->name = rd->name.name;
      rec->range = rd->name.range;
      rec->server = server;
      decl_records_[rd] = rec;
      model_.records.push_back(rec);
      Symbol* sym = newSymbol(SymbolKind::Type, rd->name.name, rd->name.range, rd, types_.record(rec));
      sym->record = rec;
      declare(scope, sym, hereName());
    } else if (auto* ed = llvm::dyn_cast<ast::EnumTypeDecl>(d)) {
      EnumInfo* info = types_.newEnum();
      info->name = ed->name.name;
      info->range = ed->name.range;
      info->server = server;
      decl_enums_[ed] = info;
      model_.enums.push_back(info);
      for (const ast::EnumVariant* v : ed->variants) {
        if (info->variant(v->name.name)) {
          diags_.report(DiagId::DuplicateVariant, v->name.range, v->name.name.str(), ed->name.name.str())
              .note(info->variant(v->name.name)->range, "first declared here");
          continue;
        }
        VariantInfo vi;
        vi.name = v->name.name;
        vi.range = v->name.range;
        info->variants.push_back(vi);
      }
      for (const VariantInfo& vi : info->variants) variants_[vi.name].push_back(info);
      Symbol* sym = newSymbol(SymbolKind::Type, ed->name.name, ed->name.range, ed, types_.enumTy(info));
      sym->enum_info = info;
      declare(scope, sym, hereName());
    } else if (auto* ad = llvm::dyn_cast<ast::TypeAliasDecl>(d)) {
      Symbol* sym = newSymbol(SymbolKind::Type, ad->name.name, ad->name.range, ad, nullptr);
      sym->type = nullptr;  // resolved on first use or in resolveTypeBodies
      decl_aliases_[ad] = sym;
      declare(scope, sym, hereName());
    } else if (auto* td = llvm::dyn_cast<ast::TraitDecl>(d)) {
      declareTrait(td, server);
    } else if (auto* md = llvm::dyn_cast<ast::ModelDecl>(d)) {
      if (!md->has_body) continue;  // `model User`: declared with the server's values
      RecordInfo* rec = types_.newRecord();
      rec->name = md->name.name;
      rec->range = md->name.range;
      rec->server = server;
      rec->is_model = true;
      decl_records_[md] = rec;
      model_.records.push_back(rec);
      ModelInfo& mi = model_.model_store.emplace_back();
      mi.decl = md;
      mi.name = md->name.name;
      mi.record = rec;
      mi.server = server;
      Symbol* sym = newSymbol(SymbolKind::Model, md->name.name, md->name.range, md, types_.record(rec));
      sym->record = rec;
      sym->model = &mi;
      declare(scope, sym, hereName());
      std::string alt = md->name.name.str() + "Model";
      Symbol* alt_sym = newSymbol(SymbolKind::Model, model_.made_names.insert(alt).first->getKey(),
                                  md->name.range, md, types_.record(rec));
      alt_sym->record = rec;
      alt_sym->model = &mi;
      scope.names.try_emplace(alt_sym->name, alt_sym);
      if (server >= 0) model_.servers[server].models.push_back(&mi);
    }
  }
}

void Checker::resolveTypeBodies(llvm::ArrayRef<ast::Decl*> items) {
  auto resolveFields = [&](llvm::ArrayRef<ast::FieldDecl*> fields, RecordInfo* rec, const std::string& what) {
    for (const ast::FieldDecl* f : fields) {
      if (rec->field(f->name.name)) {
        diags_.report(DiagId::DuplicateField, f->name.range, f->name.name.str(), what)
            .note(rec->field(f->name.name)->range, "first declared here");
        continue;
      }
      FieldInfo fi;
      fi.name = f->name.name;
      fi.range = f->name.range;
      fi.type = f->type ? resolveType(f->type) : types_.dynamic();
      fi.has_default = f->default_value != nullptr;
      fi.default_value = f->default_value;
      rec->fields.push_back(fi);
    }
  };
  for (ast::Decl* d : items) {
    if (auto* rd = llvm::dyn_cast<ast::RecordTypeDecl>(d)) {
      resolveFields(rd->fields, decl_records_[rd], fmt::format("type `{}`", rd->name.name.str()));
    } else if (auto* md = llvm::dyn_cast<ast::ModelDecl>(d)) {
      if (!md->has_body) continue;
      RecordInfo* rec = decl_records_[md];
      resolveFields(md->fields, rec, fmt::format("model `{}`", md->name.name.str()));
      if (!rec->field("id")) {
        FieldInfo id;
        id.name = "id";
        id.range = md->name.range;
        id.type = types_.get(TyKind::Int);
        id.has_default = true;  // assigned by the database
        rec->fields.insert(rec->fields.begin(), id);
      }
    } else if (auto* ed = llvm::dyn_cast<ast::EnumTypeDecl>(d)) {
      EnumInfo* info = decl_enums_[ed];
      for (const ast::EnumVariant* v : ed->variants) {
        for (VariantInfo& vi : info->variants) {
          if (vi.name != v->name.name || vi.range != v->name.range) continue;
          for (const ast::FieldDecl* f : v->payload) {
            vi.payload.push_back(f->type ? resolveType(f->type) : types_.dynamic());
            vi.payload_names.push_back(f->name.name);
          }
        }
      }
    } else if (auto* ad = llvm::dyn_cast<ast::TypeAliasDecl>(d)) {
      Symbol* sym = decl_aliases_[ad];
      if (!sym->type) {
        alias_busy_[ad] = true;
        sym->type = resolveType(ad->aliased);
        alias_busy_[ad] = false;
      }
    }
  }
}

std::vector<ParamModel> Checker::makeParams(llvm::ArrayRef<ast::Param*> params, const std::string& owner) {
  std::vector<ParamModel> out;
  for (const ast::Param* p : params) {
    for (const ParamModel& prev : out) {
      if (prev.name == p->name.name && !p->name.empty()) {
        diags_.report(DiagId::DuplicateParam, p->name.range, p->name.name.str(), owner)
            .note(prev.range, "first declared here");
        break;
      }
    }
    ParamModel pm;
    pm.name = p->name.name;
    pm.range = p->name.range;
    pm.annotated = p->type != nullptr;
    pm.type = p->type ? resolveType(p->type) : types_.dynamic();
    pm.has_default = p->default_value != nullptr;
    pm.default_value = p->default_value;
    out.push_back(pm);
  }
  return out;
}

// Does the body of `fn` end in a call of a built-in that returns nothing (`print(...)`,
// `log.info(...)`, `xs |> each(...)`)? Then a function without a declared result gives no value
// either (E3010 where it is used as one). A parameter of the same name shadows the built-in.
bool Checker::endsInUnitBuiltin(const ast::FnDecl* fn) const {
  const ast::Expr* last = fn->body ? fn->body->resultExpr() : nullptr;
  const ast::Expr* target = last;
  if (auto* p = llvm::dyn_cast_or_null<ast::PipeExpr>(last)) target = p->target;  // `x |> print()`, `x |> print`
  const ast::Expr* callee = target;
  if (auto* c = llvm::dyn_cast_or_null<ast::CallExpr>(target)) callee = c->callee;
  else if (target == last) return false;  // not a call
  auto shadowed = [&](llvm::StringRef name) {
    for (const ast::Param* p : fn->params)
      if (p->name.name == name) return true;
    return false;
  };
  const Builtin* b = nullptr;
  if (auto* n = llvm::dyn_cast<ast::NameExpr>(callee)) {
    if (!shadowed(n->name.name)) b = model_.builtins.global(n->name.name);
  } else if (auto* m = llvm::dyn_cast<ast::MemberExpr>(callee)) {
    if (auto* base = llvm::dyn_cast<ast::NameExpr>(m->base); base && !shadowed(base->name.name))
      b = model_.builtins.module(base->name.name, m->member.name);
  }
  if (!b) return false;
  for (const Signature& s : b->overloads)
    if (!s.result || s.result->kind != TyKind::Unit) return false;
  return true;
}

FunctionModel* Checker::makeFunction(const ast::FnDecl* fn, int server) {
  FunctionModel& fm = model_.function_store.emplace_back();
  fm.decl = fn;
  fm.name = fn->name.name;
  fm.server = server;
  fm.kind = llvm::isa<ast::BackgroundFnDecl>(fn)   ? SymbolKind::BackgroundFn
            : llvm::isa<ast::MiddlewareDecl>(fn) ? SymbolKind::Middleware
                                                 : SymbolKind::Function;
  if (auto* bg = llvm::dyn_cast<ast::BackgroundFnDecl>(fn)) fm.job_options = bg->options;
  fm.params = makeParams(fn->params, fmt::format("`{}`", fn->name.name.str()));
  fm.annotated_result = fn->return_type != nullptr;
  fm.result = fn->return_type                                      ? resolveType(fn->return_type)
              : llvm::isa<ast::MiddlewareDecl>(fn) || !endsInUnitBuiltin(fn) ? types_.dynamic()
                                                                               : types_.get(TyKind::Unit);
  return &fm;
}

void Checker::declareValues(llvm::ArrayRef<ast::Decl*> items, Scope& scope, int server) {
  for (ast::Decl* d : items) {
    if (auto* fn = llvm::dyn_cast<ast::FnDecl>(d)) {
      FunctionModel* fm = makeFunction(fn, server);
      std::vector<const Ty*> ptys;
      for (const ParamModel& p : fm->params) ptys.push_back(p.type);
      Symbol* sym = newSymbol(fm->kind, fn->name.name, fn->name.range, fn, types_.fn(ptys, fm->result));
      sym->fn = fm;
      declare(scope, sym, hereName());
      if (server < 0) model_.shared_functions.push_back(fm);
      else model_.servers[server].functions.push_back(fm);
    } else if (auto* impl = llvm::dyn_cast<ast::ImplDecl>(d)) {
      declareImpl(impl, server);
    } else if (auto* td = llvm::dyn_cast<ast::TraitDecl>(d)) {
      resolveTraitSignatures(td);
    } else if (auto* vd = llvm::dyn_cast<ast::VarDecl>(d)) {
      Symbol* sym = newSymbol(SymbolKind::Binding, vd->name.name, vd->name.range, vd,
                              vd->type ? resolveType(vd->type) : types_.dynamic());
      sym->is_mutable = vd->is_mutable;
      declare(scope, sym, hereName());
      if (server < 0) model_.shared_bindings.push_back(sym);
      else model_.servers[server].bindings.push_back(sym);
    }
  }
}

void Checker::checkBindingInit(Symbol* sym, const ast::VarDecl* decl) {
  if (!decl->init) return;
  const Ty* t = checkExprExpecting(decl->init, decl->type ? sym->type : nullptr);
  if (decl->type) {
    checkValueAgainst(decl->init, t, sym->type, fmt::format("`{}`", decl->name.name.str()), decl->type->range(),
                      "the type is declared here");
  } else if (checkUnitUse(decl->init, fmt::format("`{}`", decl->name.name.str()))) {
    sym->type = types_.dynamic();
  } else {
    sym->type = t;
  }
}

}  // namespace lux
