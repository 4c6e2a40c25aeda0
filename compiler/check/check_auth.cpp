// `auth { }`: its options by type — "jwt" (the default: algorithm HS256/384/512 with `secret`, or
// RS256/ES256 with `public_key`; issuer, audience, leeway, require_exp) or "api_key" (keys, header
// or query) — with E4401-E4407 for unknown keys, kinds and values, E4955 for a missing required
// option and E4956 for one that belongs to another type or algorithm. Fills ServerModel's
// auth_type and API-key location. Entry point: Checker::checkAuth; also sign_jwt's options,
// Checker::checkJwtSignOptions.
#include <fmt/format.h>

#include "check/checker.h"
#include "lux_common/timespan.h"

namespace lux {

namespace {

std::string literalText(const ast::ObjectEntry* en) {
  auto* lit = en ? llvm::dyn_cast_or_null<ast::StringLit>(en->value) : nullptr;
  return lit ? lit->value.str() : std::string();
}

}  // namespace

void Checker::checkAuth(ServerModel& sm, const ast::AuthDecl* auth) {
  using K = OptionSpec::Kind;
  static const OptionSpec kAuthOptions[] = {
      {"type", "", K::String},         {"secret", "", K::String},       {"issuer", "", K::String},
      {"audience", "", K::StringOrList}, {"require_exp", "", K::Bool},  {"algorithm", "", K::String},
      {"public_key", "", K::String},   {"leeway", "", K::SignedInt},    {"keys", "", K::StringOrList},
      {"header", "", K::String},       {"query", "", K::String},        {"roles_claim", "", K::String},
  };
  const std::string what = "`auth`";
  auto opts = checkOptions(auth->config, what, kAuthOptions);
  static const llvm::StringRef kTypes[] = {"jwt", "api_key"};
  checkOptionChoice(opts.lookup("type"), what, kTypes);
  static const llvm::StringRef kAlgorithms[] = {"HS256", "HS384", "HS512", "RS256", "ES256"};
  checkOptionChoice(opts.lookup("algorithm"), what, kAlgorithms);
  std::string type = literalText(opts.lookup("type"));
  if (type.empty() && !opts.lookup("type")) type = "jwt";
  if (type.empty()) return;  // computed: checked at start
  sm.auth_type = type == "api_key" ? "api_key" : "jwt";
  auto notFor = [&](llvm::StringRef key, const std::string& owner, const std::string& help) {
    if (const ast::ObjectEntry* en = opts.lookup(key))
      diags_.report(DiagId::AuthOptionNotForType, en->key.range, key.str(), owner).help(help);
  };
  auto needs = [&](llvm::StringRef key, const std::string& kind, const std::string& help) {
    if (!opts.lookup(key)) diags_.report(DiagId::AuthMissingOption, auth->keyword_range, kind, "`" + key.str() + "`").help(help);
  };
  if (type == "api_key") {
    needs("keys", "api_key", "list the accepted keys, `keys: [\"key-1\", \"key-2\"]`, or read them from an env setting: `keys: API_KEYS` (comma-separated)");
    for (llvm::StringRef k : {"secret", "issuer", "audience", "require_exp", "algorithm", "public_key", "leeway"})
      notFor(k, "`type: \"api_key\"`", "API keys are compared as they are; token options belong to `type: \"jwt\"`");
    if (opts.lookup("header") && opts.lookup("query"))
      notFor("query", "an `auth` block that also sets `header`", "the key is read from one place: a `header` or a `query` parameter");
    if (std::string h = literalText(opts.lookup("header")); !h.empty()) sm.api_key_header = h;
    sm.api_key_query = literalText(opts.lookup("query"));
    return;
  }
  for (llvm::StringRef k : {"keys", "header", "query"})
    notFor(k, "`type: \"jwt\"`", "a JWT is read from `Authorization: Bearer <token>`; API keys are `type: \"api_key\"`");
  if (const ast::ObjectEntry* en = opts.lookup("leeway"))
    if (auto* u = llvm::dyn_cast<ast::UnaryExpr>(en->value); u && u->op == ast::UnaryOp::Neg)
      diags_.report(DiagId::OptionValue, en->value->range(), what, "leeway", "seconds from 0 to 86400", "a negative number");
  checkOptionMax(opts.lookup("leeway"), what, 86400);
  std::string alg = literalText(opts.lookup("algorithm"));
  if (alg.empty() && !opts.lookup("algorithm")) alg = "HS256";
  if (alg == "RS256" || alg == "ES256") {
    needs("public_key", fmt::format("jwt\" with algorithm \"{}", alg),
          "give the PEM public key: a file path (`public_key: \"keys/jwt.pub.pem\"`) or an env setting holding the PEM text");
    notFor("secret", fmt::format("algorithm \"{}\"", alg), fmt::format("{} verifies with a public key (`public_key`), not a shared secret", alg));
  } else if (!alg.empty()) {
    notFor("public_key", fmt::format("algorithm \"{}\"", alg),
           fmt::format("{} verifies with the shared `secret`; a public key is for \"RS256\" or \"ES256\"", alg));
  }
}

// A lifetime under 1 s is refused when the token is signed; a literal one is refused here (E4407).
void Checker::checkJwtSignOptions(const ast::ObjectExpr* options) {
  static const OptionSpec kOptions[] = {
      {"expires_in", "", OptionSpec::Kind::Lifetime}, {"expiresIn", "expires_in", OptionSpec::Kind::Lifetime},
      {"issuer", "", OptionSpec::Kind::String},       {"audience", "", OptionSpec::Kind::StringOrList},
      {"subject", "", OptionSpec::Kind::String},
  };
  const std::string what = "`sign_jwt`";
  const ast::ObjectEntry* en = checkOptions(options, what, kOptions).lookup("expires_in");
  if (!en) return;
  std::string found;
  if (auto* s = llvm::dyn_cast<ast::StringLit>(en->value)) {
    if (common::TimespanSeconds(s->value).value_or(0) < 1) found = "\"" + s->value.str() + "\"";
  } else if (auto* u = llvm::dyn_cast<ast::UnaryExpr>(en->value); u && u->op == ast::UnaryOp::Neg) {
    found = "a negative lifetime";
  } else if (double v = literalMillis(en->value); v >= 0 && v < (llvm::isa<ast::DurationLit>(en->value) ? 1000 : 1)) {
    found = "a lifetime under a second";
  }
  if (!found.empty())
    diags_.report(DiagId::OptionValue, en->value->range(), what, en->key.name.str(),
                  "seconds (`3600`), a Duration (`1.hour`) or a span such as \"1h\", \"30m\", \"7d\" (at least a second)", found);
}

}  // namespace lux
