// `auth { type: "api_key", keys, header | query }` (RegisterApiKeyAuth) and the `with auth`
// middleware of both kinds of auth (RequireAuth): the JWT from `Authorization: Bearer`, or an API
// key from its header or query parameter compared with every configured key in constant time
// (core::TokenMatches, no early exit). A refused request is 401 in the error shape with
// `WWW-Authenticate`.
#include <chrono>
#include <map>
#include <mutex>

#include "auth/registry.h"
#include "core/bearer.h"
#include "lux/rt.h"

namespace lux {

namespace auth {
namespace {
std::mutex g_mu;
std::map<const App*, Guard> g_guards;
}  // namespace

void SetGuard(const App& app, Guard guard) {
  std::lock_guard<std::mutex> lock(g_mu);
  g_guards[&app] = std::move(guard);
}

Guard GetGuard(const App& app) {
  std::lock_guard<std::mutex> lock(g_mu);
  auto it = g_guards.find(&app);
  if (it == g_guards.end()) throw Error("`with auth` on a server without an `auth { }` registration");
  return it->second;
}
}  // namespace auth

namespace {

Response Refuse(const Request& req, const std::string& why, const std::string& challenge) {
  Response r = Respond(401, Value{{"error", why}, {"request_id", req.id}});
  r.SetHeader("WWW-Authenticate", challenge);
  return r;
}

Response CheckJwt(Request& req, const Next& next, const JwtOptions& o) {
  const std::string challenge = "Bearer realm=\"" + o.realm + "\"";
  std::optional<std::string> token = core::BearerToken(req);
  if (!token) return Refuse(req, "authentication required: send `Authorization: Bearer <token>`", challenge);
  std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  try {
    rt::Locals()["user"] = VerifyJwt(*token, o, now);
  } catch (const AuthError& e) {
    return Refuse(req, e.what(), challenge + ", error=\"invalid_token\"");
  }
  return next(req);
}

Response CheckApiKey(Request& req, const Next& next, const ApiKeyOptions& o) {
  const bool in_query = !o.query.empty();
  const std::string where = in_query ? "query=\"" + o.query + "\"" : "header=\"" + o.header + "\"";
  const std::string challenge = "ApiKey realm=\"" + o.realm + "\", " + where;
  std::optional<std::string> given = in_query ? req.Query(o.query) : req.Header(o.header);
  if (!given || given->empty())
    return Refuse(req,
                  in_query ? "authentication required: send the API key in the `" + o.query + "` query parameter"
                           : "authentication required: send the API key in the `" + o.header + "` header",
                  challenge);
  // Every key is compared (no early exit), so the time taken says nothing about which matched.
  int match = -1;
  for (std::size_t i = 0; i < o.keys.size(); ++i)
    if (core::TokenMatches(*given, o.keys[i]) && match < 0) match = static_cast<int>(i);
  if (match < 0) return Refuse(req, "invalid API key", challenge + ", error=\"invalid_key\"");
  rt::Locals()["user"] = Value{{"api_key", Value(true)}, {"key_index", Value(match)}};
  return next(req);
}

}  // namespace

void RegisterApiKeyAuth(App& app, ApiKeyOptions options) {
  std::vector<std::string> keys;
  for (std::string& k : options.keys)
    if (!k.empty()) keys.push_back(std::move(k));
  if (keys.empty()) throw StartupError("auth: no API keys (`keys` is empty)");
  options.keys = std::move(keys);
  if (options.query.empty() && options.header.empty()) options.header = "X-API-Key";
  auth::SetGuard(app, auth::Guard{nullptr, std::make_shared<const ApiKeyOptions>(std::move(options))});
}

Middleware RequireAuth(App& app) {
  const App* key = &app;
  return [key](Request& req, const Next& next) -> Response {
    auth::Guard g = auth::GetGuard(*key);
    if (g.api_key) return CheckApiKey(req, next, *g.api_key);
    return CheckJwt(req, next, *g.jwt);
  };
}

}  // namespace lux
