// `tls { cert, key, min_version }` and `session { secret, max_age, cookie_name, store, same_site,
// secure, url }` in a server: one of each (E2104), options like every option block (E4401-E4407),
// required options (E4862), `same_site: "none"` only with `secure: true` (E4861), the stores'
// needs (E4863 a `db` block, E4864 a Redis `url`), `req.session` only with a block (E4860), and
// a literal options object of `set_cookie`/`clear_cookie`.
// Entry points: Checker::declareTlsOrSession, checkTls, checkSession, checkSessionUses,
// checkCookieOptions.
#include <fmt/format.h>

#include "check/checker.h"

namespace lux {

namespace {

const char* blockName(const ast::BackendDecl* d) { return d->which == ast::BackendDecl::Kind::Tls ? "tls" : "session"; }

const ast::StringLit* stringLit(const ast::ObjectEntry* en) {
  return en ? llvm::dyn_cast_or_null<ast::StringLit>(en->value) : nullptr;
}

}  // namespace

void Checker::declareTlsOrSession(ServerModel& sm, const ast::BackendDecl* d) {
  const ast::BackendDecl* first = nullptr;
  if (d->which == ast::BackendDecl::Kind::Tls) {
    if (sm.tls) first = sm.tls->decl;
    else sm.tls.emplace().decl = d;
  } else {
    if (sm.session) first = sm.session->decl;
    else sm.session.emplace().decl = d;
  }
  if (first)
    diags_.report(DiagId::DuplicateDeclaration, d->name.range, blockName(d), sm.displayName())
        .note(first->name.range, fmt::format("the first `{}` block is here", blockName(d)));
}

// A path or name as the model shows it: the literal, or the env setting that holds it.
std::string Checker::settingText(const ast::Expr* e) const {
  if (auto* lit = llvm::dyn_cast_or_null<ast::StringLit>(e)) return "\"" + lit->value.str() + "\"";
  if (auto* n = llvm::dyn_cast_or_null<ast::NameExpr>(e)) return "(env " + n->name.name.str() + ")";
  return "(computed)";
}

void Checker::checkTls(ServerModel& sm, const ast::BackendDecl* d) {
  if (!sm.tls || sm.tls->decl != d || !d->config) return;
  static const OptionSpec kOptions[] = {
      {"cert", "", OptionSpec::Kind::String},
      {"key", "", OptionSpec::Kind::String},
      {"min_version", "", OptionSpec::Kind::String},
  };
  auto opts = checkOptions(d->config, "`tls`", kOptions);
  for (const char* required : {"cert", "key"}) {
    const ast::ObjectEntry* en = opts.lookup(required);
    if (!en) {
      diags_.report(DiagId::BlockMissingOption, d->name.range, "tls", required)
          .help(fmt::format("give the path of the PEM {} file: `{}: \"./{}.pem\"` or `{}: TLS_{}` with `env TLS_{}: String`",
                            std::string(required) == "cert" ? "certificate" : "private key", required, required, required,
                            std::string(required) == "cert" ? "CERT" : "KEY", std::string(required) == "cert" ? "CERT" : "KEY"));
      continue;
    }
    if (auto* lit = stringLit(en); lit && lit->value.empty())
      diags_.report(DiagId::OptionValue, lit->range(), "`tls`", required, "a file path", "\"\"");
  }
  sm.tls->cert = settingText(opts.lookup("cert") ? opts.lookup("cert")->value : nullptr);
  sm.tls->key = settingText(opts.lookup("key") ? opts.lookup("key")->value : nullptr);
  static const llvm::StringRef kVersions[] = {"1.2", "1.3"};
  const ast::ObjectEntry* mv = opts.lookup("min_version");
  checkOptionChoice(mv, "`tls`", kVersions);
  if (auto* lit = stringLit(mv)) sm.tls->min_version = lit->value.str();
  else if (mv) sm.tls->min_version = "(computed)";
}

void Checker::checkSession(ServerModel& sm, const ast::BackendDecl* d) {
  if (!sm.session || sm.session->decl != d || !d->config) return;
  SessionModel& s = *sm.session;
  static const OptionSpec kOptions[] = {
      {"secret", "", OptionSpec::Kind::String},     {"secrets", "secret", OptionSpec::Kind::List},
      {"max_age", "", OptionSpec::Kind::Duration},  {"cookie_name", "", OptionSpec::Kind::String},
      {"name", "cookie_name", OptionSpec::Kind::String}, {"store", "", OptionSpec::Kind::String},
      {"same_site", "", OptionSpec::Kind::String},  {"secure", "", OptionSpec::Kind::Bool},
      {"url", "", OptionSpec::Kind::String},        {"prefix", "", OptionSpec::Kind::String},
  };
  // `secret` is a String or a list of them (rotation): take the list before the kind check.
  const ast::ObjectEntry* secret = nullptr;
  for (const ast::ObjectEntry* en : d->config->entries)
    if (en->key.name == "secret" || en->key.name == "secrets") secret = en;
  std::vector<OptionSpec> specs(std::begin(kOptions), std::end(kOptions));
  if (secret && llvm::isa<ast::ArrayExpr>(secret->value)) specs[0].kind = OptionSpec::Kind::List;
  auto opts = checkOptions(d->config, "`session`", specs);
  secret = opts.lookup("secret");
  if (!secret) {
    diags_.report(DiagId::BlockMissingOption, d->name.range, "session", "secret")
        .help("read it from the environment: `env SESSION_SECRET: String` and `secret: SESSION_SECRET` (openssl rand -hex 32)");
  } else if (auto* arr = llvm::dyn_cast<ast::ArrayExpr>(secret->value)) {
    s.secrets = static_cast<int>(arr->elements.size());
    if (arr->elements.empty())
      diags_.report(DiagId::SessionSecretEmpty, arr->range()).help("the first secret of the list signs, every one verifies");
    for (const ast::Expr* e : arr->elements) {
      const Ty* t = checkExpr(e);
      if (auto* lit = llvm::dyn_cast<ast::StringLit>(e); lit && lit->value.empty())
        diags_.report(DiagId::SessionSecretEmpty, lit->range());
      else if (!t->isDynamic() && t->kind != TyKind::String)
        diags_.report(DiagId::OptionType, e->range(), "`session`", "secret", "a `String` or a list of them",
                      "`" + typeName(t) + "`");
    }
  } else if (auto* lit = stringLit(secret); lit && lit->value.empty()) {
    diags_.report(DiagId::SessionSecretEmpty, lit->range());
  }
  if (const ast::ObjectEntry* ma = opts.lookup("max_age")) {
    double ms = literalMillis(ma->value);
    bool duration = llvm::isa<ast::DurationLit>(ma->value);
    const Ty* t = model_.expr_types.lookup(ma->value);
    s.max_age_duration = duration || (t && t->kind == TyKind::Duration);
    if (ms == 0) diags_.report(DiagId::OptionValue, ma->value->range(), "`session`", "max_age", "more than 0 seconds", "0");
    if (ms > 0) s.max_age = std::to_string(static_cast<long long>(duration ? ms / 1000 : ms));
    else if (ms < 0) s.max_age = "(computed)";
  }
  const ast::ObjectEntry* cookie_name = opts.lookup("cookie_name");
  if (cookie_name && !stringLit(cookie_name)) s.cookie_name = "(computed)";
  if (auto* lit = stringLit(cookie_name)) {
    s.cookie_name = lit->value.str();
    bool token = !lit->value.empty();
    for (char c : lit->value)
      if (c <= 32 || c >= 127 || std::string_view("()<>@,;:\\\"/[]?={}").find(c) != std::string_view::npos) token = false;
    if (!token)
      diags_.report(DiagId::OptionValue, lit->range(), "`session`", "cookie_name",
                    "a cookie name (letters, digits and !#$%&'*+-.^_`|~)", "\"" + lit->value.str() + "\"");
  }
  static const llvm::StringRef kStores[] = {"cookie", "db", "redis"};
  const ast::ObjectEntry* store = opts.lookup("store");
  checkOptionChoice(store, "`session`", kStores);
  if (auto* lit = stringLit(store)) s.store = lit->value.str();
  else if (store) s.store = "";
  static const llvm::StringRef kSameSite[] = {"lax", "strict", "none"};
  const ast::ObjectEntry* same_site = opts.lookup("same_site");
  checkOptionChoice(same_site, "`session`", kSameSite);
  if (auto* lit = stringLit(same_site)) s.same_site = lit->value.str();
  const ast::ObjectEntry* secure = opts.lookup("secure");
  auto* secure_lit = secure ? llvm::dyn_cast<ast::BoolLit>(secure->value) : nullptr;
  s.secure = secure_lit && secure_lit->value;
  if (s.same_site == "none" && !s.secure && (!secure || secure_lit))
    diags_.report(DiagId::SameSiteNoneInsecure, same_site->value->range(), "`session`")
        .help("browsers drop a `SameSite=None` cookie that is not `Secure`: add `secure: true` (and serve HTTPS)");
  if (s.store == "db" && !sm.db)
    diags_.report(DiagId::SessionStoreNeedsDb, store->value->range(), sm.displayName())
        .help("add `db { path: \"./data.db\" }`, or keep the sessions in the cookie (`store: \"cookie\"`)");
  if (s.store == "redis" && !opts.lookup("url"))
    diags_.report(DiagId::SessionStoreNeedsUrl, store->value->range())
        .help("read it from the environment: `env REDIS_URL: String = \"redis://127.0.0.1:6379\"` and `url: REDIS_URL`");
  if (auto* lit = stringLit(opts.lookup("url")); lit && !llvm::StringRef(lit->value).startswith("redis://") &&
                                                   !llvm::StringRef(lit->value).startswith("unix://"))
    diags_.report(DiagId::OptionValue, lit->range(), "`session`", "url", "a `redis://` or `unix://` URL",
                  "\"" + lit->value.str() + "\"");
}

void Checker::checkSessionUses() {
  for (const ServerModel& sm : model_.servers) {
    if (!sm.session_use || sm.session) continue;
    diags_.report(DiagId::SessionWithoutBlock, sm.session_use->range(), sm.displayName())
        .help("add `session { secret: SESSION_SECRET, max_age: 86400 }` (with `env SESSION_SECRET: String`) to the server");
  }
}

// `set_cookie(name, value, { ... })`, `clear_cookie(name, { ... })`: a literal options object.
void Checker::checkCookieOptions(const ast::CallExpr* call, size_t at) {
  if (call->args.size() <= at) return;
  auto* obj = llvm::dyn_cast<ast::ObjectExpr>(call->args[at]);
  if (!obj) return;
  static const OptionSpec kOptions[] = {
      {"http_only", "", OptionSpec::Kind::Bool},   {"httpOnly", "http_only", OptionSpec::Kind::Bool},
      {"max_age", "", OptionSpec::Kind::SignedInt}, {"maxAge", "max_age", OptionSpec::Kind::SignedInt},
      {"same_site", "", OptionSpec::Kind::String}, {"sameSite", "same_site", OptionSpec::Kind::String},
      {"secure", "", OptionSpec::Kind::Bool},      {"path", "", OptionSpec::Kind::String},
      {"domain", "", OptionSpec::Kind::String},
  };
  std::string what = "`set_cookie`";
  auto opts = checkOptions(obj, what, kOptions);
  const ast::ObjectEntry* same_site = opts.lookup("same_site");
  auto* lit = stringLit(same_site);
  if (!lit) return;
  std::string v = llvm::StringRef(lit->value).lower();
  if (v != "lax" && v != "strict" && v != "none") {
    static const llvm::StringRef kSameSite[] = {"lax", "strict", "none"};
    checkOptionChoice(same_site, what, kSameSite);
    return;
  }
  const ast::ObjectEntry* secure = opts.lookup("secure");
  auto* secure_lit = secure ? llvm::dyn_cast<ast::BoolLit>(secure->value) : nullptr;
  if (v == "none" && (!secure || (secure_lit && !secure_lit->value)))
    diags_.report(DiagId::SameSiteNoneInsecure, lit->range(), what)
        .help("browsers drop a `SameSite=None` cookie that is not `Secure`: add `secure: true`");
}

}  // namespace lux
