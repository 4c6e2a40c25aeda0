// A server's HTTP blocks: `cors { }`, `rate_limit { }`, `cache { }`, `max_body N` and
// `limits { }` (`trust_proxy X` is one of its keys, like `max_body N`). Options are checked like
// every option block (E4401-E4403, E4407 for impossible values), one block of each kind per server (E2104; `max_body` and `limits` share their
// keys, E4403), `cors` refuses every origin with credentials (E4801), `rate_limit` needs `max`
// (E4803) and a Redis URL for `store: "redis"` (E4802). Entry points: Checker::declareHttpBlock,
// checkHttpBlocks.
#include <arpa/inet.h>
#include <fmt/format.h>

#include "check/checker.h"

namespace lux {

namespace {

const char* blockName(const ast::ConfigDecl* d) {
  if (llvm::isa<ast::CorsDecl>(d)) return "cors";
  if (llvm::isa<ast::RateLimitDecl>(d)) return "rate_limit";
  if (llvm::isa<ast::CacheDecl>(d)) return "cache";
  return "limits";
}

const char* const kHttpMethods[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "*"};

bool isToken(llvm::StringRef s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || llvm::StringRef("!#$%&'*+-.^_`|~").contains(c))) return false;
  return true;
}

// "*", or scheme://host[:port] with no path; "https://*.example.com" for every subdomain.
bool isOrigin(llvm::StringRef s) {
  if (s == "*" || s == "null") return true;
  size_t sep = s.find("://");
  if (sep == llvm::StringRef::npos || sep == 0) return false;
  llvm::StringRef host = s.substr(sep + 3);
  if (host.startswith("*.")) host = host.substr(2);
  return !host.empty() && !host.contains('/') && !host.contains('?') && !host.contains('#') && !host.contains(' ');
}

// "10.0.0.1", "10.0.0.0/8", "fd00::/8", or one of the names of address ranges.
bool isProxyAddress(llvm::StringRef s) {
  if (s == "loopback" || s == "linklocal" || s == "uniquelocal") return true;
  auto [addr, bits] = s.split('/');
  std::string text = addr.str();
  unsigned char buf[16];
  int max = 0;
  if (::inet_pton(AF_INET, text.c_str(), buf) == 1) max = 32;
  else if (::inet_pton(AF_INET6, text.c_str(), buf) == 1) max = 128;
  else return false;
  if (!s.contains('/')) return true;
  unsigned n = 0;
  return !bits.getAsInteger(10, n) && n <= static_cast<unsigned>(max);
}

std::vector<llvm::StringRef> splitTrimmed(llvm::StringRef s) {
  llvm::SmallVector<llvm::StringRef, 4> parts;
  s.split(parts, ',', -1, false);
  std::vector<llvm::StringRef> out;
  for (llvm::StringRef p : parts)
    if (!p.trim().empty()) out.push_back(p.trim());
  return out;
}

}  // namespace

void Checker::declareHttpBlock(ServerModel& sm, const ast::ConfigDecl* d) {
  HttpBlocksModel& h = sm.http;
  if (auto* limits = llvm::dyn_cast<ast::LimitsDecl>(d)) {
    h.limits.push_back(limits);  // `max_body` and `limits` may both appear: their keys are merged
    return;
  }
  const ast::ConfigDecl* first = llvm::isa<ast::CorsDecl>(d)        ? static_cast<const ast::ConfigDecl*>(h.cors)
                                 : llvm::isa<ast::RateLimitDecl>(d) ? static_cast<const ast::ConfigDecl*>(h.rate_limit)
                                                                    : static_cast<const ast::ConfigDecl*>(h.cache);
  if (first) {
    diags_.report(DiagId::DuplicateDeclaration, d->keyword_range, blockName(d), sm.displayName())
        .note(first->keyword_range, fmt::format("the first `{}` block is here", blockName(d)));
    return;
  }
  if (auto* c = llvm::dyn_cast<ast::CorsDecl>(d)) h.cors = c;
  else if (auto* r = llvm::dyn_cast<ast::RateLimitDecl>(d)) h.rate_limit = r;
  else h.cache = llvm::cast<ast::CacheDecl>(d);
}

void Checker::checkHttpBlocks(ServerModel& sm) {
  if (sm.http.cors) checkCors(sm, sm.http.cors);
  if (sm.http.rate_limit) checkRateLimit(sm, sm.http.rate_limit);
  if (sm.http.cache) checkCacheBlock(sm.http.cache);
  if (!sm.http.limits.empty()) checkLimits(sm);
}

void Checker::checkOptionMin(const ast::ObjectEntry* en, const std::string& what, int64_t min, const char* unit) {
  auto* lit = en ? llvm::dyn_cast_or_null<ast::IntLit>(en->value) : nullptr;
  if (lit && static_cast<int64_t>(lit->value) < min)
    diags_.report(DiagId::OptionValue, lit->range(), what, en->key.name.str(), fmt::format("at least {}{}", min, unit),
                  fmt::format("`{}`", lit->value));
  if (auto* u = en ? llvm::dyn_cast_or_null<ast::UnaryExpr>(en->value) : nullptr; u && u->op == ast::UnaryOp::Neg)
    diags_.report(DiagId::OptionValue, u->range(), what, en->key.name.str(), fmt::format("at least {}{}", min, unit),
                  "a negative number");
}

// The elements of `origins`, `methods`, `headers` or `expose_headers`: Strings (literals are
// checked for their form); `methods` also takes bare method names (`[GET, POST]`).
void Checker::checkCorsList(const ast::ObjectEntry* en, llvm::StringRef key, bool* bare_names) {
  auto* list = en ? llvm::dyn_cast<ast::ArrayExpr>(en->value) : nullptr;
  if (!list) return;
  const std::string what = "`cors`";
  std::vector<std::string_view> methods(std::begin(kHttpMethods), std::end(kHttpMethods));
  for (const ast::Expr* e : list->elements) {
    auto* name = llvm::dyn_cast<ast::NameExpr>(e);
    if (key == "methods" && name && !lookup(name->name.name)) {
      std::string upper = name->name.name.upper();
      if (std::find(methods.begin(), methods.end(), upper) != methods.end() && upper != "*" && upper == name->name.name) {
        *bare_names = true;
        continue;
      }
    }
    auto* lit = llvm::dyn_cast<ast::StringLit>(e);
    if (!lit) {
      expectType(checkExpr(e), types_.get(TyKind::String), e->range(), fmt::format("an element of `cors` option `{}`", key.str()));
      continue;
    }
    llvm::StringRef v = lit->value;
    if (key == "origins" && !isOrigin(v)) {
      diags_.report(DiagId::OptionValue, lit->range(), what, key.str(), "\"*\" or an origin such as \"https://example.com\"",
                    "\"" + v.str() + "\"")
          .help("an origin is a scheme, a host and an optional port, with no path: \"https://app.example.com:8443\"");
    } else if (key == "methods" && std::find(methods.begin(), methods.end(), v.upper()) == methods.end()) {
      diags_.report(DiagId::OptionValue, lit->range(), what, key.str(), "an HTTP method such as \"GET\"", "\"" + v.str() + "\"")
          .didYouMean(closestMatch(v.upper(), methods));
    } else if ((key == "headers" || key == "expose_headers") && !isToken(v)) {
      diags_.report(DiagId::OptionValue, lit->range(), what, key.str(), "a header name such as \"Content-Type\"",
                    "\"" + v.str() + "\"");
    }
  }
}

void Checker::checkCors(ServerModel& sm, const ast::CorsDecl* d) {
  static const OptionSpec kOptions[] = {
      {"origins", "", OptionSpec::Kind::List},
      {"allow_origins", "origins", OptionSpec::Kind::List},
      {"methods", "", OptionSpec::Kind::List},
      {"allow_methods", "methods", OptionSpec::Kind::List},
      {"headers", "", OptionSpec::Kind::List},
      {"allow_headers", "headers", OptionSpec::Kind::List},
      {"credentials", "", OptionSpec::Kind::Bool},
      {"allow_credentials", "credentials", OptionSpec::Kind::Bool},
      {"max_age", "", OptionSpec::Kind::SignedInt},
      {"expose_headers", "", OptionSpec::Kind::List},
  };
  const std::string what = "`cors`";
  auto opts = checkOptions(d->config, what, kOptions);
  for (llvm::StringRef key : {"origins", "methods", "headers", "expose_headers"})
    checkCorsList(opts.lookup(key), key, &sm.http.cors_bare_methods);
  checkOptionMin(opts.lookup("max_age"), what, 0, " seconds");
  // Every origin with credentials: the browser ignores the answer (Fetch standard, CORS check).
  const ast::ObjectEntry* creds = opts.lookup("credentials");
  auto* on = creds ? llvm::dyn_cast<ast::BoolLit>(creds->value) : nullptr;
  if (!on || !on->value) return;
  const ast::ObjectEntry* origins = opts.lookup("origins");
  const ast::Expr* star = nullptr;
  if (auto* list = origins ? llvm::dyn_cast<ast::ArrayExpr>(origins->value) : nullptr) {
    for (const ast::Expr* e : list->elements)
      if (auto* lit = llvm::dyn_cast<ast::StringLit>(e); lit && lit->value == "*") star = lit;
  }
  if (!origins || star) {
    auto diag = diags_.report(DiagId::CorsWildcardCredentials, star ? star->range() : creds->key.range);
    if (star) diag.note(creds->key.range, "credentials are allowed here");
    diag.help(origins ? "list the origins that may send credentials: `origins: [\"https://app.example.com\"]`"
                      : "without `origins` every origin is allowed; list the ones that may send credentials");
  }
}

void Checker::checkRateLimit(ServerModel& sm, const ast::RateLimitDecl* d) {
  static const OptionSpec kOptions[] = {
      {"max", "", OptionSpec::Kind::Int},      {"limit", "max", OptionSpec::Kind::Int},
      {"window", "", OptionSpec::Kind::Duration}, {"key", "", OptionSpec::Kind::String},
      {"burst", "", OptionSpec::Kind::Int},    {"store", "", OptionSpec::Kind::String},
      {"url", "", OptionSpec::Kind::String},
  };
  const std::string what = "`rate_limit`";
  auto opts = checkOptions(d->config, what, kOptions);
  if (!opts.lookup("max"))
    diags_.report(DiagId::MissingOption, d->keyword_range, what, "max", "the number of requests a client may make per window")
        .help("e.g. `rate_limit { max: 100, window: 60 }`: 100 requests a minute per client address");
  checkOptionMax(opts.lookup("max"), what, 1'000'000'000);
  checkOptionMax(opts.lookup("burst"), what, 1'000'000'000);
  checkOptionMax(opts.lookup("window"), what, 86'400 * 365);
  // `window: 60` is seconds; `window: 1.minutes` a duration literal of whole seconds.
  if (const ast::ObjectEntry* w = opts.lookup("window")) {
    auto* dur = llvm::dyn_cast<ast::DurationLit>(w->value);
    if (llvm::isa<ast::IntLit>(w->value) && llvm::cast<ast::IntLit>(w->value)->value == 0)
      diags_.report(DiagId::OptionValue, w->value->range(), what, "window", "at least 1 second", "`0`");
    else if (dur && (dur->milliseconds() < 1000 || static_cast<int64_t>(dur->milliseconds()) % 1000 != 0))
      diags_.report(DiagId::OptionValue, w->value->range(), what, "window", "a whole number of seconds (at least 1)",
                    fmt::format("{} ms", static_cast<int64_t>(dur->milliseconds())));
    else if (const Ty* t = model_.expr_types.lookup(w->value); !dur && t && t->kind == TyKind::Duration)
      diags_.report(DiagId::OptionValue, w->value->range(), what, "window", "an `Int` of seconds or a duration literal",
                    "a computed `Duration`");
  }
  if (const ast::ObjectEntry* key = opts.lookup("key")) {
    auto* lit = llvm::dyn_cast<ast::StringLit>(key->value);
    llvm::StringRef v = lit ? lit->value : "";
    bool ok = !lit || v == "ip" || v == "user" || (v.startswith("header:") && isToken(v.substr(7)));
    if (!ok)
      diags_.report(DiagId::OptionValue, lit->range(), what, "key", "\"ip\", \"user\" or \"header:<name>\"", "\"" + v.str() + "\"")
          .help("e.g. `key: \"header:X-Api-Key\"` counts requests per value of that header");
  }
  static const llvm::StringRef kStores[] = {"memory", "redis"};
  const ast::ObjectEntry* store = opts.lookup("store");
  checkOptionChoice(store, what, kStores);
  const ast::ObjectEntry* url = opts.lookup("url");
  if (auto* lit = url ? llvm::dyn_cast<ast::StringLit>(url->value) : nullptr;
      lit && !lit->value.startswith("redis://") && !lit->value.startswith("unix://"))
    diags_.report(DiagId::OptionValue, lit->range(), what, "url", "a `redis://` or `unix://` URL", "\"" + lit->value.str() + "\"");
  // Where the buckets live: the block's choice; without one, the server's Redis if it has one.
  const BackendModel* shared = sm.jobs_backend && sm.jobs_backend->redis() ? &*sm.jobs_backend
                               : sm.bus_backend && sm.bus_backend->redis() ? &*sm.bus_backend
                                                                           : nullptr;
  auto* store_lit = store ? llvm::dyn_cast<ast::StringLit>(store->value) : nullptr;
  HttpBlocksModel& h = sm.http;
  h.rate_limit_store = store_lit ? (store_lit->value == "redis" ? "redis" : "memory") : shared ? "redis" : "memory";
  if (h.rate_limit_store != "redis") return;
  if (url) h.rate_limit_url = url->value;
  else if (shared) h.rate_limit_url = shared->decl->config->find("url");
  // Without a `store`, the Redis is the jobs' or bus's own; a missing `url` there is that block's error.
  if (!h.rate_limit_url && store)
    diags_.report(DiagId::RateLimitNoRedis, store->value->range())
        .help("give it one: `url: REDIS_URL` with `env REDIS_URL: String = \"redis://127.0.0.1:6379\"`");
}

void Checker::checkCacheBlock(const ast::CacheDecl* d) {
  static const OptionSpec kOptions[] = {
      {"max_age", "", OptionSpec::Kind::SignedInt},
      {"stale_while_revalidate", "", OptionSpec::Kind::SignedInt},
      {"private", "", OptionSpec::Kind::Bool},
  };
  const std::string what = "`cache`";
  auto opts = checkOptions(d->config, what, kOptions);
  if (!opts.lookup("max_age"))
    diags_.report(DiagId::MissingOption, d->keyword_range, what, "max_age", "how long (seconds) a GET response stays fresh")
        .help("e.g. `cache { max_age: 3600 }`");
  for (llvm::StringRef key : {"max_age", "stale_while_revalidate"}) {
    checkOptionMin(opts.lookup(key), what, 0, " seconds");
    checkOptionMax(opts.lookup(key), what, 86'400 * 365);
  }
}

void Checker::checkLimits(ServerModel& sm) {
  static const OptionSpec kOptions[] = {
      {"max_body", "", OptionSpec::Kind::Int},
      {"max_header_bytes", "", OptionSpec::Kind::Int},
      {"header_timeout", "", OptionSpec::Kind::Duration},
      {"idle_timeout", "", OptionSpec::Kind::Duration},
      {"max_connections", "", OptionSpec::Kind::Int},
      {"trust_proxy", "", OptionSpec::Kind::ProxyTrust},
  };
  llvm::StringMap<const ast::ObjectEntry*> seen;
  for (const ast::LimitsDecl* d : sm.http.limits) {
    const bool plain = d->config->entries.size() == 1 && d->config->entries[0]->key.range.begin == d->keyword_range.begin;
    // `max_body N` and `trust_proxy X` stand alone in the server: "server option `max_body`".
    const std::string what = plain ? "server" : "`limits`";
    auto opts = checkOptions(d->config, what, kOptions);
    for (auto& kv : opts) {
      llvm::StringRef key = kv.getKey();
      const ast::ObjectEntry* en = kv.getValue();
      if (const ast::ObjectEntry* prev = seen.lookup(key)) {
        diags_.report(DiagId::DuplicateOption, en->key.range, what, key.str()).note(prev->key.range, "first given here");
        continue;
      }
      seen[key] = en;
    }
    checkOptionMax(opts.lookup("max_body"), what, int64_t{1} << 32);
    checkOptionMin(opts.lookup("max_header_bytes"), what, 1024, " bytes");
    checkOptionMax(opts.lookup("max_header_bytes"), what, 1 << 20);
    checkOptionMax(opts.lookup("max_connections"), what, 1'000'000);
    for (llvm::StringRef key : {"header_timeout", "idle_timeout"})
      if (const ast::ObjectEntry* en = opts.lookup(key); en && literalMillis(en->value) == 0)
        diags_.report(DiagId::OptionValue, en->value->range(), what, key.str(), "a positive duration", "`0`");
    checkTrustProxy(opts.lookup("trust_proxy"), what);
  }
}

// `trust_proxy`: true/false, a hop count up to 32, or addresses, CIDR ranges and the names
// loopback, linklocal, uniquelocal (the runtime's src/http/proxy.h reads the same forms).
void Checker::checkTrustProxy(const ast::ObjectEntry* en, const std::string& what) {
  if (!en) return;
  checkOptionMin(en, what, 0, "");
  checkOptionMax(en, what, 32);
  std::vector<const ast::StringLit*> items;
  if (auto* lit = llvm::dyn_cast<ast::StringLit>(en->value)) items.push_back(lit);
  if (auto* list = llvm::dyn_cast<ast::ArrayExpr>(en->value))
    for (const ast::Expr* e : list->elements)
      if (auto* lit = llvm::dyn_cast<ast::StringLit>(e)) items.push_back(lit);
  for (const ast::StringLit* lit : items) {
    for (llvm::StringRef item : splitTrimmed(lit->value)) {
      if (isProxyAddress(item)) continue;
      diags_.report(DiagId::OptionValue, lit->range(), what, "trust_proxy",
                    "an address, a CIDR range, \"loopback\", \"linklocal\" or \"uniquelocal\"", "\"" + item.str() + "\"")
          .help("e.g. `trust_proxy [\"10.0.0.0/8\", \"loopback\"]`, or `trust_proxy 1` to trust the nearest proxy");
      break;
    }
  }
}

}  // namespace lux
