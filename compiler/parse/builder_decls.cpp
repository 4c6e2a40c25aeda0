// AstBuilder, declarations: the program, shared and server blocks and every server item
// (env, db, model, auth, fn, background fn, schedule, subscribe, hooks, middleware, routes,
// discover, openapi, types, bindings), with `///` doc comments attached.
#include "parse/builder.h"
#include "parse/parse.h"
#include "parse/syntax_errors.h"

namespace lux::parse {

using namespace lux::ast;

llvm::StringRef AstBuilder::docComment(antlr4::ParserRuleContext* c) {
  if (!c || !c->getStart()) return {};
  size_t index = c->getStart()->getTokenIndex();
  std::vector<antlr4::Token*> hidden = tokens_.getHiddenTokensToLeft(index, grammar::LuxLexer::DOC);
  if (hidden.empty()) return {};
  std::string doc;
  for (antlr4::Token* t : hidden) {
    std::string line = t->getText().substr(3);  // drop `///`
    if (!line.empty() && line[0] == ' ') line.erase(0, 1);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!doc.empty()) doc += '\n';
    doc += line;
  }
  return ctx_.copyString(doc);
}

// `emit "user_created" { ... }` (the family's event spelling) reads as the name `emit`, then a
// string: what to write instead. `Flag { key, enabled, rollout: r }` reads as the name `Flag`, then a
// block: a record construction starts with a `key: value` entry.
std::string AstBuilder::separatorHelp(antlr4::ParserRuleContext* prev, antlr4::ParserRuleContext* rule) {
  if (prev && prev->getText() == "emit" && rule->getStart() && rule->getStart()->getText().front() == '"')
    return "events are published with a call: `publish(\"event.name\", { key: value })`, handled by "
           "`subscribe \"event.name\" fn(data) { ... }`";
  // Python's `except Exception as e:` after a `try` block.
  if (rule->getStart() && rule->getStart()->getText() == "except")
    return "Lux catches with `catch e { ... }` after the `try` block (Python's `except Exception as e`): "
           "every error is caught, and `e.message` is its text";
  antlr4::Token* name = prev ? prev->getStop() : nullptr;
  if (name && name->getType() == grammar::LuxLexer::IDENT && std::isupper(static_cast<unsigned char>(name->getText()[0])) &&
      rule->getStart() && rule->getStart()->getType() == grammar::LuxLexer::LBRACE) {
    std::string body(diags_.file().slice(range(rule)));  // `{ key, enabled, rollout: r }`
    size_t key = body.find_first_not_of(" \t", 1), end = key;
    while (end < body.size() && (std::isalnum(static_cast<unsigned char>(body[end])) || body[end] == '_')) ++end;
    const size_t after = end < body.size() ? body.find_first_not_of(" \t", end) : std::string::npos;
    if (key != std::string::npos && end > key && after != std::string::npos && (body[after] == ',' || body[after] == '}')) {
      const std::string as_written = name->getText() + " " + body;
      body.insert(end, ": " + body.substr(key, end - key));
      return "after an operator, a record construction begins with a `key: value` entry (there `{ key, ... }` after "
             "a name is read as a block): write `" +
             name->getText() + " " + body + "`, or `(" + as_written + ")`";
    }
  }
  return "put each statement or item on its own line, or separate them with `;`";
}

void AstBuilder::checkSeparators(antlr4::ParserRuleContext* c) {
  bool prev_item = false;
  uint32_t except_line = 0;
  antlr4::ParserRuleContext* prev = nullptr;
  for (antlr4::tree::ParseTree* child : c->children) {
    auto* rule = dynamic_cast<antlr4::ParserRuleContext*>(child);
    if (!rule) {
      prev_item = false;  // a token: `{`, `;`...
      continue;
    }
    if (dynamic_cast<LuxParser::SepContext*>(rule) || dynamic_cast<LuxParser::ItemSepContext*>(rule)) {
      prev_item = false;
      continue;
    }
    uint32_t line = rule->getStart() ? diags_.file().lineCol(range(rule->getStart()).begin).line : 0;
    if (prev_item && rule->getStart() && !rule->exception && !error_lines_.count(line) &&
        !filter_.errorLines().count(line) && line != except_line) {
      diags_.report(DiagId::MissingSeparator, range(rule->getStart()), describeToken(rule->getStart()))
          .help(separatorHelp(prev, rule));
      // `} except Exception as e {`: one report (its help says `catch e`), not one per word.
      if (rule->getStart()->getText() == "except") except_line = line;
    }
    prev_item = true;
    prev = rule;
  }
}

Program* AstBuilder::buildProgram(LuxParser::ProgramContext* c) {
  llvm::SmallVector<Decl*, 16> items;
  if (c) {
    collectGenericTypes(c);
    checkSeparators(c);
    for (auto* item : c->topItem()) {
      if (Decl* d = topItem(item)) items.push_back(d);
    }
    inheritTraitDefaults();
  }
  SourceRange r = c ? range(c) : SourceRange{};
  return ctx_.create<Program>(r, copy(items));
}

// The names of the types declared with type parameters, wherever they are declared (a use may
// come before the declaration).
void AstBuilder::collectGenericTypes(LuxParser::ProgramContext* c) {
  auto note = [&](LuxParser::TypeDeclContext* t) {
    if (!t) return;
    if (auto* b = dynamic_cast<LuxParser::TypeBodyContext*>(t); b && b->typeParams() && b->ident())
      generic_types_.insert(b->ident()->getText());
    if (auto* a = dynamic_cast<LuxParser::TypeAliasContext*>(t); a && a->typeParams() && a->ident())
      generic_types_.insert(a->ident()->getText());
  };
  for (auto* item : c->topItem()) {
    note(item->typeDecl());
    if (auto* sh = item->sharedBlock())
      for (auto* i : sh->sharedItem()) note(i->typeDecl());
    if (auto* sv = item->serverBlock())
      for (auto* i : sv->serverItem()) note(i->typeDecl());
  }
}

size_t AstBuilder::pushTypeParams(LuxParser::TypeParamsContext* c) {
  size_t mark = type_params_.size();
  if (c)
    for (auto* n : c->ident()) type_params_.push_back(n->getText());
  return mark;
}

Decl* AstBuilder::topItem(LuxParser::TopItemContext* c) {
  if (!c) return nullptr;
  Decl* d = nullptr;
  if (c->sharedBlock()) d = sharedBlock(c->sharedBlock());
  else if (c->serverBlock()) d = serverBlock(c->serverBlock());
  else if (c->fnDecl()) d = fnDecl(c->fnDecl());
  else if (c->typeDecl()) d = typeDecl(c->typeDecl());
  else if (c->implDecl()) d = implDecl(c->implDecl());
  else if (c->traitDecl()) d = traitDecl(c->traitDecl());
  else if (c->varDecl()) d = varDecl(c->varDecl());
  else if (c->openapiDecl()) d = openapiDecl(c->openapiDecl());
  else if (c->serverOnlyItem()) misplacedItem(c->serverOnlyItem());
  else if (c->testDecl()) d = testDecl(c->testDecl());
  if (d) d->doc = docComment(c);
  return d;
}

Decl* AstBuilder::sharedBlock(LuxParser::SharedBlockContext* c) {
  checkSeparators(c);
  llvm::SmallVector<Decl*, 16> items;
  for (auto* item : c->sharedItem()) {
    Decl* d = nullptr;
    if (item->typeDecl()) d = typeDecl(item->typeDecl());
    else if (item->implDecl()) d = implDecl(item->implDecl());
    else if (item->traitDecl()) d = traitDecl(item->traitDecl());
    else if (item->fnDecl()) d = fnDecl(item->fnDecl());
    else if (item->varDecl()) d = varDecl(item->varDecl());
    else if (item->openapiDecl()) d = openapiDecl(item->openapiDecl());
    else if (item->serverOnlyItem()) misplacedItem(item->serverOnlyItem());
    if (d) {
      d->doc = docComment(item);
      items.push_back(d);
    }
  }
  return ctx_.create<SharedBlock>(range(c), copy(items));
}

Decl* AstBuilder::serverBlock(LuxParser::ServerBlockContext* c) {
  Ident name;
  if (c->str()) {
    StringLit* s = constStr(c->str(), "a server name");
    if (s) name = Ident{ctx_.intern(s->value), s->range()};
  }
  checkSeparators(c);
  llvm::SmallVector<Decl*, 32> items;
  for (auto* item : c->serverItem()) {
    if (Decl* d = serverItem(item)) {
      d->doc = docComment(item);
      items.push_back(d);
    }
  }
  return ctx_.create<ServerBlock>(range(c), name, copy(items));
}

void AstBuilder::misplacedItem(LuxParser::ServerOnlyItemContext* c) {
  if (!c || !c->getStart()) return;
  antlr4::Token* kw = c->getStart();
  if (c->backendDecl() && !backendKind(kw->getText())) {  // `foo { ... }`: not a block at all
    backendDecl(c->backendDecl());
    return;
  }
  // After a syntax error inside a server block, ANTLR's recovery may leave the block early and
  // parse the items after the error at the top level: they are inside the server, and the error
  // already reported is the one to fix.
  if (diags_.hasErrors() && insideServerText(range(kw).begin)) return;
  diags_.report(DiagId::ItemOutsideServer, range(kw), kw->getText()).help("move it into a `server { ... }` block");
}

bool AstBuilder::insideServerText(uint32_t offset) {
  if (!server_text_) {
    server_text_.emplace();
    struct Open {
      uint32_t begin;
      bool server;
    };
    std::vector<Open> open;
    bool after_server = false;  // `server` seen, its `{` not yet
    for (antlr4::Token* t : tokens_.getTokens()) {
      if (t->getChannel() != antlr4::Token::DEFAULT_CHANNEL) continue;
      switch (t->getType()) {
        case grammar::LuxLexer::SERVER: after_server = true; break;
        case grammar::LuxLexer::LBRACE: case grammar::LuxLexer::STR_INTERP:
          open.push_back({range(t).begin, after_server && t->getType() == grammar::LuxLexer::LBRACE});
          after_server = false;
          break;
        case grammar::LuxLexer::RBRACE:
          if (!open.empty()) {
            if (open.back().server) server_text_->push_back({open.back().begin, range(t).end});
            open.pop_back();
          }
          break;
        case grammar::LuxLexer::STR_OPEN: case grammar::LuxLexer::STR_TEXT: case grammar::LuxLexer::STR_ESCAPE:
        case grammar::LuxLexer::STR_CLOSE:
          break;  // the server's name
        default: after_server = false; break;
      }
    }
  }
  for (const SourceRange& r : *server_text_)
    if (offset > r.begin && offset < r.end) return true;
  return false;
}

Decl* AstBuilder::serverItem(LuxParser::ServerItemContext* c) {
  if (!c || c->exception) return nullptr;
  if (auto* x = c->serverOnlyItem()) return serverOnlyItem(x);
  if (auto* x = c->openapiDecl()) return openapiDecl(x);
  if (auto* x = c->fnDecl()) return fnDecl(x);
  if (auto* x = c->typeDecl()) return typeDecl(x);
  if (auto* x = c->implDecl()) return implDecl(x);
  if (auto* x = c->traitDecl()) return traitDecl(x);
  if (auto* x = c->varDecl()) return varDecl(x);
  if (auto* x = c->testDecl()) return testDecl(x);
  return nullptr;
}

Decl* AstBuilder::serverOnlyItem(LuxParser::ServerOnlyItemContext* c) {
  if (!c || c->exception) return nullptr;
  if (auto* x = c->envDecl()) return envDecl(x);
  if (auto* x = c->configDecl()) return configDecl(x);
  if (auto* x = c->modelDecl()) return modelDecl(x);
  if (auto* x = c->healthDecl()) {
    StringLit* path = constStr(x->str(), "a health path");
    ObjectExpr* checks = nullptr;
    if (x->objectLit() && !(checks = objectLit(x->objectLit()))) return nullptr;
    return path ? ctx_.create<HealthDecl>(range(x), path, checks) : nullptr;
  }
  if (auto* x = c->portDecl()) {
    Expr* value = expr(x->expr());
    return value ? ctx_.create<PortDecl>(range(x), value) : nullptr;
  }
  if (auto* x = c->maxBodyDecl()) return maxBodyDecl(x);
  if (auto* x = c->backgroundDecl()) return backgroundDecl(x);
  if (auto* x = c->scheduleDecl()) return scheduleDecl(x);
  if (auto* x = c->subscribeDecl()) return subscribeDecl(x);
  if (auto* x = c->hookDecl()) return hookDecl(x);
  if (auto* x = c->middlewareDecl()) return middlewareDecl(x);
  if (auto* x = c->routeDecl()) return routeDecl(x);
  if (auto* x = c->routesDecl()) return routesDecl(x);
  if (auto* x = c->discoverDecl()) return discoverDecl(x);
  if (auto* x = c->backendDecl()) return backendDecl(x);
  if (auto* x = c->staticDecl()) return staticDecl(x);
  if (auto* x = c->sseDecl()) return sseDecl(x);
  if (auto* x = c->wsDecl()) return wsDecl(x);
  if (auto* x = c->dbCallDecl()) return dbCallDecl(x);
  return nullptr;
}

bool AstBuilder::params(LuxParser::ParamListContext* c, llvm::SmallVectorImpl<Param*>& out,
                        llvm::SmallVectorImpl<Stmt*>* patterns) {
  if (!c || !c->RPAREN()) return false;
  for (auto* p : c->param()) {
    if (!p->ident()) {  // `{ a, b }` or `[a, b]`
      Param* taken = paramPattern(p, patterns);
      if (!taken) return false;
      out.push_back(taken);
      continue;
    }
    Ident name = ident(p->ident());
    if (name.empty()) return false;
    Type* t = nullptr;
    if (p->COLON()) {
      t = type(p->typeExpr());
      if (!t) return false;
    }
    Expr* def = nullptr;
    if (p->ASSIGN()) {
      def = expr(p->expr());
      if (!def) return false;
    }
    out.push_back(ctx_.create<Param>(range(p), name, t, def));
  }
  return true;
}

// A parameter written as a pattern, `{ name, age }` or `[x, y]`: a parameter with a name no
// program writes (`_paramN`, N its offset) and a `let` of the pattern from it, which the function
// or lambda puts first in its body (withParamPatterns). Elsewhere (hooks, handlers of the
// runtime's own) the parameters are names.
Param* AstBuilder::paramPattern(LuxParser::ParamContext* p, llvm::SmallVectorImpl<Stmt*>* patterns) {
  SourceRange at = range(p);
  if (!patterns) {
    diags_.report(DiagId::PatternParamNotAllowed, at)
        .help("name the parameter and take it apart in the body: `let { a, b } = name`");
    return nullptr;
  }
  llvm::SmallVector<DestructureField*, 4> fields;
  if (!patternFields(p->listBind(), p->destructField(), fields)) return nullptr;
  Type* t = nullptr;
  if (p->COLON() && !(t = type(p->typeExpr()))) return nullptr;
  Ident name{ctx_.intern("_param" + std::to_string(at.begin)), at};
  patterns->push_back(ctx_.create<DestructureStmt>(at, DestructureStmt::Keyword::Let, copy(fields),
                                                   ctx_.create<NameExpr>(at, name), !p->listBind().empty()));
  return ctx_.create<Param>(at, name, t, nullptr);
}

// A body with the `let`s of its pattern parameters first.
BlockExpr* AstBuilder::withParamPatterns(BlockExpr* body, llvm::ArrayRef<Stmt*> patterns) {
  if (!body || patterns.empty()) return body;
  llvm::SmallVector<Stmt*, 8> stmts(patterns.begin(), patterns.end());
  stmts.append(body->stmts.begin(), body->stmts.end());
  return ctx_.create<BlockExpr>(body->range(), copy(stmts));
}

// A lambda's body that is an expression, with the `let`s first: a block ending in the expression.
Expr* AstBuilder::withParamPatterns(Expr* body, llvm::ArrayRef<Stmt*> patterns) {
  if (!body || patterns.empty()) return body;
  if (auto* b = llvm::dyn_cast<BlockExpr>(body)) return withParamPatterns(b, patterns);
  llvm::SmallVector<Stmt*, 8> stmts(patterns.begin(), patterns.end());
  stmts.push_back(ctx_.create<ExprStmt>(body->range(), body));
  return ctx_.create<BlockExpr>(body->range(), copy(stmts));
}

FnDecl* AstBuilder::fnDecl(LuxParser::FnDeclContext* c) {
  if (!c || c->exception) return nullptr;
  return fnFrom(c, {c->ident(), c->typeParams(), c->paramList(), c->ARROW() ? c->typeExpr() : nullptr, c->block()}, true);
}

// `fn name<T>(params) -> R { body }`, from the parts of its rule (fnDecl, a contract's
// traitMethod, whose body may be absent when `body_required` is false).
FnDecl* AstBuilder::fnFrom(antlr4::ParserRuleContext* c, const FnParts& parts, bool body_required) {
  Ident name = ident(parts.name);
  size_t generic = pushTypeParams(parts.type_params);
  llvm::SmallVector<Param*, 4> ps;
  llvm::SmallVector<Stmt*, 2> patterns;
  Type* ret = nullptr;
  BlockExpr* body = nullptr;
  bool ok = !name.empty() && params(parts.params, ps, &patterns) && (!parts.result || (ret = type(parts.result)));
  if (ok && (parts.body || body_required)) ok = (body = withParamPatterns(block(parts.body), patterns)) != nullptr;
  popTypeParams(generic);
  if (!ok) return nullptr;
  return ctx_.create<FnDecl>(range(c), name, copy(ps), ret, body);
}

Decl* AstBuilder::backgroundDecl(LuxParser::BackgroundDeclContext* c) {
  if (c->exception) return nullptr;
  Ident name = ident(c->ident());
  llvm::SmallVector<Param*, 4> ps;
  llvm::SmallVector<Stmt*, 2> patterns;
  if (name.empty() || !params(c->paramList(), ps, &patterns)) return nullptr;
  Type* ret = nullptr;
  if (c->ARROW() && !(ret = type(c->typeExpr()))) return nullptr;
  ObjectExpr* options = nullptr;
  if (c->WITH() && !(options = objectLit(c->objectLit()))) return nullptr;
  BlockExpr* body = withParamPatterns(block(c->block()), patterns);
  if (!body) return nullptr;
  return ctx_.create<BackgroundFnDecl>(range(c), name, copy(ps), ret, options, body);
}

Decl* AstBuilder::middlewareDecl(LuxParser::MiddlewareDeclContext* c) {
  if (c->exception) return nullptr;
  Ident name = ident(c->ident());
  llvm::SmallVector<Param*, 4> ps;
  if (!params(c->paramList(), ps)) return nullptr;
  BlockExpr* body = block(c->block());
  if (!body) return nullptr;
  return ctx_.create<MiddlewareDecl>(range(c), name, copy(ps), nullptr, body);
}

FieldDecl* AstBuilder::fieldDecl(LuxParser::IdentContext* name_ctx, LuxParser::TypeExprContext* type_ctx,
                                 LuxParser::ExprContext* default_ctx, antlr4::ParserRuleContext* whole) {
  Ident name = ident(name_ctx);
  Type* t = type(type_ctx);
  if (name.empty() || !t) return nullptr;
  Expr* def = nullptr;
  if (default_ctx && !(def = expr(default_ctx))) return nullptr;
  return ctx_.create<FieldDecl>(range(whole), name, t, def);
}

// `derive [Eq, Show, JSON]` after a type: Lux's records and enums compare with `==`, show as
// JSON in text and convert to and from JSON as they are, so the clause adds nothing; a name it
// does not know is E1025.
void AstBuilder::deriveClause(LuxParser::DeriveClauseContext* c) {
  for (auto* n : c->ident()) {
    Ident d = ident(n);
    if (d.empty() || d.name == "Eq" || d.name == "Show" || d.name == "JSON" || d.name == "Json") continue;
    diags_.report(DiagId::UnknownDerive, d.range, d.name.str())
        .help("records and enums compare with `==` and `!=`, show as JSON in text and convert to and from JSON; "
              "order them with `sort_by(xs, fn(x) x.field)`");
  }
}

Decl* AstBuilder::typeDecl(LuxParser::TypeDeclContext* c) {
  if (!c || c->exception) return nullptr;
  LuxParser::TypeParamsContext* params = nullptr;
  if (auto* b = dynamic_cast<LuxParser::TypeBodyContext*>(c)) params = b->typeParams();
  if (auto* a = dynamic_cast<LuxParser::TypeAliasContext*>(c)) params = a->typeParams();
  size_t generic = pushTypeParams(params);
  Decl* d = typeDeclBody(c);
  popTypeParams(generic);
  return d;
}

Decl* AstBuilder::typeDeclBody(LuxParser::TypeDeclContext* c) {
  if (auto* a = dynamic_cast<LuxParser::TypeAliasContext*>(c)) {
    Ident name = ident(a->ident());
    Type* t = type(a->typeExpr());
    if (name.empty() || !t) return nullptr;
    return ctx_.create<TypeAliasDecl>(range(c), name, t);
  }
  auto* b = dynamic_cast<LuxParser::TypeBodyContext*>(c);
  if (!b) return nullptr;
  Ident name = ident(b->ident());
  if (name.empty() || !b->RBRACE()) return nullptr;
  llvm::SmallVector<FieldDecl*, 8> fields;
  llvm::SmallVector<EnumVariant*, 8> variants;
  for (auto* m : b->typeMember()) {
    if (m->exception) continue;
    if (auto* f = dynamic_cast<LuxParser::TypeFieldContext*>(m)) {
      if (FieldDecl* fd = fieldDecl(f->ident(), f->typeExpr(), f->expr(), f)) fields.push_back(fd);
    } else if (auto* v = dynamic_cast<LuxParser::TypeVariantContext*>(m)) {
      Ident vname = ident(v->ident());
      if (vname.empty()) continue;
      llvm::SmallVector<FieldDecl*, 2> payload;
      bool ok = true;
      for (auto* vf : v->variantField()) {
        Ident fname = vf->ident() ? ident(vf->ident()) : Ident{};
        Type* t = type(vf->typeExpr());
        if (!t) {
          ok = false;
          break;
        }
        payload.push_back(ctx_.create<FieldDecl>(range(vf), fname, t, nullptr));
      }
      if (ok) variants.push_back(ctx_.create<EnumVariant>(range(v), vname, copy(payload), v->LPAREN() != nullptr));
    }
  }
  if (!fields.empty() && !variants.empty()) {
    diags_.report(DiagId::MixedTypeBody, name.range, name.name.str())
        .note(fields.front()->range(), "a record field")
        .note(variants.front()->range(), "an enum variant")
        .help("a type is either a record (`name: Type` fields) or an enum (variants)");
    return nullptr;
  }
  if (b->deriveClause()) deriveClause(b->deriveClause());
  if (!variants.empty()) return ctx_.create<EnumTypeDecl>(range(c), name, copy(variants));
  return ctx_.create<RecordTypeDecl>(range(c), name, copy(fields));
}

Decl* AstBuilder::varDecl(LuxParser::VarDeclContext* c) {
  if (!c || c->exception) return nullptr;
  Ident name = ident(c->ident());
  Type* t = nullptr;
  if (c->COLON() && !(t = type(c->typeExpr()))) return nullptr;
  Expr* init = expr(c->expr());
  if (name.empty() || !init) return nullptr;
  bool is_mutable = c->kw && c->kw->getType() == LuxParser::VAR;
  return ctx_.create<VarDecl>(range(c), name, is_mutable, t, init);
}

Decl* AstBuilder::envDecl(LuxParser::EnvDeclContext* c) {
  if (c->exception) return nullptr;
  Ident name = ident(c->ident());
  Type* t = type(c->typeExpr());
  if (name.empty() || !t) return nullptr;
  Expr* def = nullptr;
  if (c->ASSIGN() && !(def = expr(c->expr()))) return nullptr;
  return ctx_.create<EnvDecl>(range(c), name, t, def);
}

Decl* AstBuilder::configDecl(LuxParser::ConfigDeclContext* c) {
  ObjectExpr* config = objectLit(c->objectLit());
  if (!config || !c->kw) return nullptr;
  SourceRange kw = range(c->kw);
  switch (c->kw->getType()) {
    case LuxParser::DB: return ctx_.create<DbDecl>(range(c), kw, config);
    case LuxParser::AUTH: return ctx_.create<AuthDecl>(range(c), kw, config);
    case LuxParser::CORS: return ctx_.create<CorsDecl>(range(c), kw, config);
    default: return ctx_.create<RateLimitDecl>(range(c), kw, config);
  }
}

Decl* AstBuilder::openapiDecl(LuxParser::OpenapiDeclContext* c) {
  ObjectExpr* config = c->exception ? nullptr : objectLit(c->objectLit());
  if (!config) return nullptr;
  return ctx_.create<OpenApiDecl>(range(c), range(c->OPENAPI()->getSymbol()), config);
}

Decl* AstBuilder::modelDecl(LuxParser::ModelDeclContext* c) {
  Ident name = ident(c->ident());
  if (name.empty()) return nullptr;
  llvm::SmallVector<FieldDecl*, 8> fields;
  llvm::SmallVector<ObjectEntry*, 4> options;
  for (auto* item : c->modelItem()) {
    if (!item->typeExpr()) {  // `key: value` that is no type: an option
      Ident key = ident(item->ident());
      Expr* value = expr(item->expr());
      if (!key.empty() && value) options.push_back(ctx_.create<ObjectEntry>(range(item), ObjectEntry::Form::Named, key, value));
    } else if (ObjectEntry* e = modelOptionFromField(item)) {
      options.push_back(e);
    } else if (FieldDecl* fd = fieldDecl(item->ident(), item->typeExpr(), item->expr(), item)) {
      fields.push_back(fd);
    }
  }
  ObjectExpr* opts = options.empty() ? nullptr : ctx_.create<ObjectExpr>(range(c), copy(options));
  bool has_body = c->LBRACE() != nullptr && (!fields.empty() || options.empty());
  return ctx_.create<ModelDecl>(range(c), name, has_body, copy(fields), opts);
}

// `belongs_to: [Company]` / `has_many: [Post]` read as a field of a list type: the option with a
// list of model names; `table: x` / `timestamps: x` read as a field of a named type: the option
// with that name (a field of one of these four names is not a field).
ObjectEntry* AstBuilder::modelOptionFromField(LuxParser::ModelItemContext* f) {
  Ident key = ident(f->ident());
  if (key.empty() || f->expr() || !f->typeExpr()) return nullptr;
  if (key.name == "table" || key.name == "timestamps") {
    // `table: name`, `timestamps: on`: a name, not a literal (the checker says so, E5564).
    auto* named = dynamic_cast<LuxParser::NamedTypeContext*>(f->typeExpr());
    Ident value = named && !named->LT() ? ident(named->ident()) : Ident{};
    if (value.empty()) return nullptr;
    return ctx_.create<ObjectEntry>(range(f), ObjectEntry::Form::Named, key, ctx_.create<NameExpr>(value.range, value));
  }
  if (key.name != "belongs_to" && key.name != "has_many") return nullptr;
  // `[Name]`: an array type whose element is a plain name (no type arguments).
  auto* arr = dynamic_cast<LuxParser::ArrayTypeContext*>(f->typeExpr());
  auto* elem = arr ? dynamic_cast<LuxParser::NamedTypeContext*>(arr->typeExpr()) : nullptr;
  if (!elem || elem->LT()) return nullptr;
  Ident model = ident(elem->ident());
  if (model.empty()) return nullptr;
  llvm::SmallVector<Expr*, 1> names{ctx_.create<NameExpr>(model.range, model)};
  Expr* list = ctx_.create<ArrayExpr>(range(f->typeExpr()), copy(names));
  return ctx_.create<ObjectEntry>(range(f), ObjectEntry::Form::Named, key, list);
}

Decl* AstBuilder::scheduleDecl(LuxParser::ScheduleDeclContext* c) {
  if (c->exception) return nullptr;
  llvm::SmallVector<Param*, 2> ps;
  if (auto* s = dynamic_cast<LuxParser::ScheduleCronFnContext*>(c)) {
    StringLit* cron = constStr(s->str(), "a cron expression");
    Ident name = s->ident() ? ident(s->ident()) : Ident{};
    ObjectExpr* options = nullptr;
    if (s->WITH() && !(options = objectLit(s->objectLit()))) return nullptr;
    BlockExpr* body = block(s->block());
    if (!cron || !params(s->paramList(), ps) || !body) return nullptr;
    return ctx_.create<ScheduleDecl>(range(c), ScheduleDecl::Form::CronFn, name, cron, nullptr, copy(ps), options,
                                     body);
  }
  if (auto* s = dynamic_cast<LuxParser::ScheduleCronNamedContext*>(c)) {
    auto strs = s->str();
    if (strs.size() < 2) return nullptr;
    StringLit* name = constStr(strs[0], "a schedule name");
    StringLit* cron = constStr(strs[1], "a cron expression");
    ObjectExpr* options = nullptr;
    if (s->WITH() && !(options = objectLit(s->objectLit()))) return nullptr;
    BlockExpr* body = block(s->block());
    if (!name || !cron || !body) return nullptr;
    return ctx_.create<ScheduleDecl>(range(c), ScheduleDecl::Form::CronNamed,
                                     Ident{ctx_.intern(name->value), name->range()}, cron, nullptr, copy(ps),
                                     options, body);
  }
  if (auto* s = dynamic_cast<LuxParser::ScheduleEveryContext*>(c)) {
    Ident name;
    if (s->str()) {
      StringLit* n = constStr(s->str(), "a schedule name");
      if (!n) return nullptr;
      name = Ident{ctx_.intern(n->value), n->range()};
    } else if (s->ident()) {
      name = ident(s->ident());
    }
    Expr* interval = expr(s->expr());
    if (s->FN() && !params(s->paramList(), ps)) return nullptr;
    ObjectExpr* options = nullptr;
    if (s->WITH() && !(options = objectLit(s->objectLit()))) return nullptr;
    BlockExpr* body = block(s->block());
    if (!interval || !body) return nullptr;
    return ctx_.create<ScheduleDecl>(range(c), ScheduleDecl::Form::Every, name, nullptr, interval, copy(ps), options,
                                     body);
  }
  return nullptr;
}

Decl* AstBuilder::subscribeDecl(LuxParser::SubscribeDeclContext* c) {
  if (c->exception) return nullptr;
  StringLit* event = constStr(c->str(), "an event name");
  llvm::SmallVector<Param*, 2> ps;
  if (!event || !params(c->paramList(), ps)) return nullptr;
  ObjectExpr* options = nullptr;
  if (c->WITH() && !(options = objectLit(c->objectLit()))) return nullptr;
  BlockExpr* body = block(c->block());
  if (!body) return nullptr;
  return ctx_.create<SubscribeDecl>(range(c), event, options, copy(ps), body);
}

Decl* AstBuilder::hookDecl(LuxParser::HookDeclContext* c) {
  if (c->exception || !c->hook) return nullptr;
  HookDecl::Hook hook = c->hook->getType() == LuxParser::ON_START  ? HookDecl::Hook::Start
                        : c->hook->getType() == LuxParser::ON_STOP ? HookDecl::Hook::Stop
                                                                   : HookDecl::Hook::Error;
  llvm::SmallVector<Param*, 3> ps;
  if (c->FN() && !params(c->paramList(), ps)) return nullptr;
  BlockExpr* body = block(c->block());
  if (!body) return nullptr;
  return ctx_.create<HookDecl>(range(c), hook, c->FN() != nullptr, copy(ps), body);
}

// `db.migrate()` as a server item is the family's "migrate when the server starts": what every
// server with a database does anyway, so the item adds nothing to the AST. Any other `db.x()`
// there is E5565 (a call belongs in `on_start`).
Decl* AstBuilder::dbCallDecl(LuxParser::DbCallDeclContext* c) {
  if (c->exception || !c->RPAREN()) return nullptr;
  Ident method = ident(c->ident());
  if (method.empty()) return nullptr;
  if (method.name == "migrate" && !c->argList()) return nullptr;
  diags_.report(DiagId::DbCallItem, range(c), method.name.str())
      .help("call it when the server starts: `on_start { db." + method.name.str() + "(...) }`");
  return nullptr;
}

// A route's or a group's path, constant: FastAPI's and OpenAPI's `{name}` segments are path
// parameters, the same as `:name` (`"/items/{item_id}"` is `"/items/:item_id"`); any other
// interpolation is E1017.
StringLit* AstBuilder::routePath(LuxParser::StrContext* c, const char* what) {
  Expr* e = str(c);
  if (!e) return nullptr;
  if (auto* s = llvm::dyn_cast<StringLit>(e)) return s;
  std::string text;
  const Expr* other = nullptr;
  for (Expr* p : llvm::cast<InterpolatedString>(e)->parts) {
    if (auto* s = llvm::dyn_cast<StringLit>(p)) text += s->value.str();
    else if (auto* n = llvm::dyn_cast<NameExpr>(p)) text += ":" + n->name.name.str();
    else if (!other) other = p;
  }
  if (other)
    diags_.report(DiagId::InterpolationNotAllowed, other->range(), what)
        .help("a path parameter is a name, written `:name` or `{name}` (`\\{` is a literal `{`)");
  return ctx_.create<StringLit>(e->range(), ctx_.copyString(text));
}

Decl* AstBuilder::routeDecl(LuxParser::RouteDeclContext* c) {
  if (c->exception) return nullptr;
  Ident method = ident(c->ident());
  StringLit* path = routePath(c->str(), "a route path");
  llvm::SmallVector<RouteModifier*, 2> modifiers;
  if (!routeModifiers(c->routeModifier(), modifiers)) return nullptr;
  Type* body_type = nullptr;
  if (auto* b = c->routeBody()) {
    Ident kw = ident(b->ident());
    if (!kw.empty() && kw.name != "body")
      diags_.report(DiagId::RouteBodyKeyword, kw.range, kw.name.str())
          .help("declare the request body's type as `body: Type`, e.g. `route POST \"/users\" body: CreateUser => create`");
    if (!(body_type = type(b->typeExpr()))) return nullptr;
  }
  Type* response_type = nullptr;
  if (auto* r = c->routeResult(); r && !(response_type = type(r->typeExpr()))) return nullptr;
  Expr* handler = expr(c->expr());
  if (method.empty() || !path || !handler) return nullptr;
  return ctx_.create<RouteDecl>(range(c), method, path, copy(modifiers), handler, body_type, response_type);
}

// `sse { options }` is a BackendDecl of kind Sse; `sse "/path" ... fn(send, close) { }` a GET
// RouteDecl marked `sse` (check_sse.cpp).
Decl* AstBuilder::sseDecl(LuxParser::SseDeclContext* c) {
  if (c->exception) return nullptr;
  Ident kw = identToken(c->SSE()->getSymbol());
  if (c->objectLit()) {
    ObjectExpr* config = objectLit(c->objectLit());
    return config ? ctx_.create<BackendDecl>(range(c), BackendDecl::Kind::Sse, kw, config) : nullptr;
  }
  StringLit* path = constStr(c->str(), "an event stream's path");
  llvm::SmallVector<RouteModifier*, 2> modifiers;
  if (!routeModifiers(c->routeModifier(), modifiers)) return nullptr;
  Expr* handler = expr(c->expr());
  if (!path || !handler) return nullptr;
  Ident method{ctx_.intern("GET"), kw.range};
  auto* d = ctx_.create<RouteDecl>(range(c), method, path, copy(modifiers), handler);
  d->sse = true;
  return d;
}

bool AstBuilder::routeModifiers(const std::vector<LuxParser::RouteModifierContext*>& cs,
                                llvm::SmallVectorImpl<RouteModifier*>& out) {
  for (auto* m : cs) {
    if (m->exception) return false;
    Ident name = ident(m->ident());
    if (name.empty()) return false;
    llvm::SmallVector<Expr*, 2> list;
    if (m->LPAREN() && (!m->RPAREN() || !args(m->argList(), list))) return false;
    out.push_back(ctx_.create<RouteModifier>(range(m), name, m->LPAREN() != nullptr, copy(list)));
  }
  return true;
}

// A route group option's literal: a constant string, a (negated) number, true or false.
Expr* AstBuilder::routesValue(LuxParser::RoutesValueContext* c) {
  if (!c || c->exception) return nullptr;
  if (c->str()) return constStr(c->str(), "a route group option");
  if (c->TRUE() || c->FALSE()) return ctx_.create<BoolLit>(range(c), c->TRUE() != nullptr);
  Expr* number = c->INT() ? intLiteral(c->INT()->getSymbol()) : c->FLOAT() ? floatLiteral(c->FLOAT()->getSymbol()) : nullptr;
  if (!number || !c->MINUS()) return number;
  return ctx_.create<UnaryExpr>(range(c), UnaryOp::Neg, number);
}

Decl* AstBuilder::routesDecl(LuxParser::RoutesDeclContext* c) {
  if (c->exception || !c->RBRACE()) return nullptr;
  StringLit* prefix = routePath(c->str(), "a route group's path");
  llvm::SmallVector<RoutesOption*, 4> options;
  for (auto* o : c->routesOption()) {
    if (o->exception) return nullptr;
    Ident name = ident(o->ident());
    Expr* value = routesValue(o->routesValue());
    if (name.empty() || !value) return nullptr;
    options.push_back(ctx_.create<RoutesOption>(range(o), name, value));
  }
  llvm::SmallVector<RouteModifier*, 2> modifiers;
  if (!routeModifiers(c->routeModifier(), modifiers)) return nullptr;
  llvm::SmallVector<Decl*, 8> items;
  for (auto* item : c->routesItem()) {
    Decl* d = nullptr;
    if (auto* x = item->fnDecl()) d = fnDecl(x);
    else if (auto* x = item->middlewareDecl()) d = middlewareDecl(x);
    else if (auto* x = item->routeDecl()) d = routeDecl(x);
    else if (auto* x = item->routesDecl()) d = routesDecl(x);
    else if (auto* x = item->sseDecl()) d = sseDecl(x);
    else if (auto* x = item->wsDecl()) d = wsDecl(x);
    else if (auto* x = item->configDecl()) d = configDecl(x);  // `cors { }` of the group (others: E4980)
    if (d) {
      d->doc = docComment(item);
      items.push_back(d);
    }
  }
  if (!prefix) return nullptr;
  return ctx_.create<RoutesDecl>(range(c), prefix, copy(options), copy(modifiers), copy(items));
}

// `ws ["/path"] [with modifiers] { on_open fn(ws) { } ... ping_interval: 20 }`.
Decl* AstBuilder::wsDecl(LuxParser::WsDeclContext* c) {
  if (c->exception || !c->RBRACE()) return nullptr;
  StringLit* path = nullptr;
  if (c->str() && !(path = constStr(c->str(), "a WebSocket path"))) return nullptr;
  llvm::SmallVector<RouteModifier*, 2> modifiers;
  if (!routeModifiers(c->routeModifier(), modifiers)) return nullptr;
  llvm::SmallVector<WsHook*, 4> hooks;
  llvm::SmallVector<ObjectEntry*, 4> options;
  for (auto* item : c->wsItem()) {
    if (item->exception) return nullptr;
    if (auto* h = dynamic_cast<LuxParser::WsHookContext*>(item)) {
      Ident name = ident(h->ident());
      llvm::SmallVector<Param*, 3> ps;
      if (name.empty() || !params(h->paramList(), ps)) return nullptr;
      BlockExpr* body = block(h->block());
      if (!body) return nullptr;
      hooks.push_back(ctx_.create<WsHook>(range(h), name, copy(ps), body));
    } else if (auto* o = dynamic_cast<LuxParser::WsOptionContext*>(item)) {
      Ident name = ident(o->ident());
      Expr* value = expr(o->expr());
      if (name.empty() || !value) return nullptr;
      options.push_back(ctx_.create<ObjectEntry>(range(o), ObjectEntry::Form::Named, name, value));
    }
  }
  auto* object = ctx_.create<ObjectExpr>(range(c), copy(options));
  return ctx_.create<WsDecl>(range(c), path, copy(modifiers), copy(hooks), object);
}

// `jobs`, `bus`, `compression`, `tls` and `session` are names, not soft keywords: a server item `name { ... }` is one of them or a mistake.
// `max_body N` and `trust_proxy X`: the same as `limits { max_body: N }` (`{ trust_proxy: X }`),
// the entry's key at the keyword.
Decl* AstBuilder::maxBodyDecl(LuxParser::MaxBodyDeclContext* c) {
  if (c->exception || !c->expr() || !c->kw) return nullptr;
  Expr* value = expr(c->expr());
  if (!value) return nullptr;
  SourceRange kw = range(c->kw);
  Ident key;
  key.name = c->kw->getType() == LuxParser::TRUST_PROXY ? "trust_proxy" : "max_body";
  key.range = kw;
  auto* entry = ctx_.create<ObjectEntry>(range(c), ObjectEntry::Form::Named, key, value);
  llvm::SmallVector<ObjectEntry*, 1> entries{entry};
  auto* config = ctx_.create<ObjectExpr>(range(c), copy(entries));
  return ctx_.create<LimitsDecl>(range(c), kw, config);
}

std::optional<BackendDecl::Kind> AstBuilder::backendKind(const std::string& name) {
  if (name == "jobs") return BackendDecl::Kind::Jobs;
  if (name == "bus") return BackendDecl::Kind::Bus;
  if (name == "compression") return BackendDecl::Kind::Compression;
  if (name == "tls") return BackendDecl::Kind::Tls;
  if (name == "session") return BackendDecl::Kind::Session;
  if (name == "upload") return BackendDecl::Kind::Upload;
  if (name == "realtime") return BackendDecl::Kind::Realtime;
  if (name == "metrics") return BackendDecl::Kind::Metrics;
  return std::nullopt;
}

Decl* AstBuilder::backendDecl(LuxParser::BackendDeclContext* c) {
  if (c->exception || !c->name) return nullptr;
  Ident name = identToken(c->name);
  std::optional<BackendDecl::Kind> kind = backendKind(c->name->getText());
  if (c->name->getText() == "cache" || c->name->getText() == "limits") {  // plain names too
    ObjectExpr* config = objectLit(c->objectLit());
    if (!config) return nullptr;
    if (c->name->getText() == "cache") return ctx_.create<CacheDecl>(range(c), name.range, config);
    return ctx_.create<LimitsDecl>(range(c), name.range, config);
  }
  if (!kind) {
    static const std::vector<std::string_view> kBlocks = {"db", "auth", "cors", "rate_limit", "jobs", "bus", "cache", "limits",
                                                          "compression", "tls", "session", "upload", "realtime",
                                                          "metrics"};
    diags_.report(DiagId::UnknownConfigBlock, name.range, c->name->getText())
        .didYouMean(closestMatch(c->name->getText(), kBlocks));
    return nullptr;
  }
  ObjectExpr* config = objectLit(c->objectLit());
  if (!config) return nullptr;
  return ctx_.create<BackendDecl>(range(c), *kind, name, config);
}

Decl* AstBuilder::staticDecl(LuxParser::StaticDeclContext* c) {
  if (c->exception || c->str().size() < 2) return nullptr;
  StringLit* prefix = constStr(c->str(0), "a URL prefix");
  StringLit* dir = constStr(c->str(1), "a directory");
  StringLit* fallback = c->FALLBACK() && c->str().size() > 2 ? constStr(c->str(2), "a fallback file") : nullptr;
  if (!prefix || !dir || (c->FALLBACK() && !fallback)) return nullptr;
  return ctx_.create<StaticDecl>(range(c), prefix, dir, fallback);
}

Decl* AstBuilder::discoverDecl(LuxParser::DiscoverDeclContext* c) {
  if (c->exception) return nullptr;
  StringLit* name = constStr(c->str(), "a service name");
  if (!name) return nullptr;
  if (c->AT()) {
    if (!c->expr()) {  // `discover "x" at` and no URL: the grammar lets `at` stand alone
      size_t i = c->AT()->getSymbol()->getTokenIndex();
      antlr4::Token* next = nullptr;
      while (++i < tokens_.size() && (next = tokens_.get(i))->getChannel() != antlr4::Token::DEFAULT_CHANNEL) {
      }
      if (next) diags_.report(DiagId::UnexpectedToken, range(next), "an expression", describeToken(next));
      return nullptr;
    }
    Expr* url = expr(c->expr());
    ObjectExpr* options = nullptr;
    if (c->objectLit() && !(options = objectLit(c->objectLit()))) return nullptr;
    if (!url) return nullptr;
    return ctx_.create<DiscoverDecl>(range(c), name, false, url, options);
  }
  if (!c->objectLit()) return ctx_.create<DiscoverDecl>(range(c), name, false, nullptr, nullptr);  // no URL
  ObjectExpr* options = objectLit(c->objectLit());
  if (!options) return nullptr;
  return ctx_.create<DiscoverDecl>(range(c), name, true, nullptr, options);
}

}  // namespace lux::parse

namespace lux::parse {

// `test "name" [key=value ...] [with { ... }] { ... }`: the `key=value` options (the family's
// `timeout=5000`) come first in the one options object, then the `with` object's entries.
Decl* AstBuilder::testDecl(LuxParser::TestDeclContext* c) {
  if (!c || c->exception) return nullptr;
  StringLit* name = constStr(c->str(), "a test name");
  if (!name) return nullptr;
  llvm::SmallVector<ObjectEntry*, 4> entries;
  for (auto* o : c->testOption()) {
    Ident key = ident(o->ident());
    Expr* value = expr(o->expr());
    if (key.empty() || !value) return nullptr;
    entries.push_back(ctx_.create<ObjectEntry>(range(o), ObjectEntry::Form::Named, key, value));
  }
  ObjectExpr* options = nullptr;
  if (c->objectLit()) {
    ObjectExpr* with = objectLit(c->objectLit());
    if (!with) return nullptr;
    if (entries.empty()) options = with;
    else entries.append(with->entries.begin(), with->entries.end());
  }
  if (!options && !entries.empty()) {
    SourceRange r{entries.front()->range().begin, entries.back()->range().end};
    if (c->objectLit()) r.end = range(c->objectLit()).end;
    options = ctx_.create<ObjectExpr>(r, copy(entries));
  }
  BlockExpr* body = block(c->block());
  if (!body) return nullptr;
  return ctx_.create<TestDecl>(range(c), name, options, body);
}

}  // namespace lux::parse
