// `cors { }`: the CORS component. Its stage answers preflights (OPTIONS with
// Access-Control-Request-Method) for every path, allowed or not, and adds the
// Access-Control-Allow-* headers to the responses of allowed origins, errors included; the
// answers the connection layer writes before any stage (413, 431, ...) get them through
// DecorateEarlyAnswer. A route group's own `cors { }` replaces the server's under its prefix.
// Entry points: ConfigureCors, ConfigureGroupCors (lux/http.h); docs/runtime.md, "CORS".
#include <boost/context/detail/exception.hpp>

#include <algorithm>
#include <cctype>

#include "http/block_options.h"
#include "http/cors.h"
#include "server/app_impl.h"
#include "server/component.h"

namespace lux {
namespace {

constexpr const char* kBlock = "cors";
// The methods a preflight may ask for when the block lists none (what Express's cors allows).
const char* const kDefaultMethods[] = {"GET", "HEAD", "PUT", "PATCH", "POST", "DELETE"};
// Preflight answers may be cached this long when the block gives no max_age (FastAPI's default).
constexpr std::int64_t kDefaultMaxAgeS = 600;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

std::vector<std::string> SplitList(std::string_view s) {
  std::vector<std::string> out;
  while (!s.empty()) {
    std::size_t comma = s.find(',');
    std::string item = Trim(s.substr(0, comma));
    if (!item.empty()) out.push_back(item);
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return out;
}

std::string Join(const std::vector<std::string>& xs) {
  std::string out;
  for (const std::string& x : xs) out += (out.empty() ? "" : ", ") + x;
  return out;
}

struct CorsPolicy {
  bool any_origin = false;
  std::vector<std::string> origins;  // lower case; "https://*.example.com" matches subdomains
  std::vector<std::string> methods;  // upper case
  bool reflect_headers = true;       // no `headers`: whatever the preflight asks for
  bool any_header = false;           // `headers: ["*"]`
  std::vector<std::string> headers;  // lower case
  std::string headers_text;          // as written, joined (Access-Control-Allow-Headers)
  bool credentials = false;
  std::int64_t max_age_s = kDefaultMaxAgeS;
  std::string expose;  // Access-Control-Expose-Headers, joined

  bool OriginAllowed(std::string_view origin) const {
    if (any_origin) return true;
    for (const std::string& allowed : origins)  // browsers send the origin in lower case: a memcmp
      if (allowed == origin) return true;
    for (const std::string& allowed : origins)  // the common case, without copying the origin
      if (IEquals(allowed, origin)) return true;
    std::string o = Lower(origin);
    for (const std::string& allowed : origins) {
      std::size_t star = allowed.find("://*.");
      if (star == std::string::npos) continue;
      // "https://*.example.com": the scheme, then any non-empty subdomain of example.com.
      std::string scheme = allowed.substr(0, star + 3), suffix = allowed.substr(star + 4);
      if (o.size() > scheme.size() + suffix.size() && o.compare(0, scheme.size(), scheme) == 0 &&
          o.compare(o.size() - suffix.size(), suffix.size(), suffix) == 0)
        return true;
    }
    return false;
  }
  bool MethodAllowed(std::string_view method) const {
    std::string m = Upper(method);
    return std::find(methods.begin(), methods.end(), m) != methods.end();
  }
  bool HeaderAllowed(const std::string& header) const {
    std::string h = Lower(header);
    // CORS-safelisted request headers need no permission.
    if (h == "accept" || h == "accept-language" || h == "content-language") return true;
    return reflect_headers || any_header || std::find(headers.begin(), headers.end(), h) != headers.end();
  }
};

void AddVary(Response& res, std::string_view what) {
  std::optional<std::string_view> vary = res.headers.Get("Vary");
  if (!vary) {
    res.headers.Add("Vary", std::string(what));
    return;
  }
  for (const std::string& v : SplitList(*vary))
    if (IEquals(v, what) || v == "*") return;
  res.headers.Set("Vary", std::string(*vary) + ", " + std::string(what));
}

CorsPolicy ParsePolicy(const Value& config) {
  CorsPolicy p;
  std::vector<std::string> origins = {"*"};
  if (const Value* v = config.Find("origins")) origins = http::BlockStrings(*v, kBlock, "origins");
  for (const std::string& o : origins) {
    if (o == "*") p.any_origin = true;
    else p.origins.push_back(Lower(o));
  }
  if (const Value* v = config.Find("methods")) {
    for (const std::string& m : http::BlockStrings(*v, kBlock, "methods")) p.methods.push_back(Upper(m));
  } else {
    p.methods.assign(std::begin(kDefaultMethods), std::end(kDefaultMethods));
  }
  if (std::find(p.methods.begin(), p.methods.end(), "*") != p.methods.end())
    p.methods.assign({"GET", "HEAD", "PUT", "PATCH", "POST", "DELETE", "OPTIONS"});
  if (const Value* v = config.Find("headers")) {
    p.reflect_headers = false;
    for (const std::string& h : http::BlockStrings(*v, kBlock, "headers")) {
      if (h == "*") p.any_header = true;
      else p.headers.push_back(Lower(h));
      p.headers_text += (p.headers_text.empty() ? "" : ", ") + h;
    }
  }
  if (const Value* v = config.Find("credentials")) p.credentials = http::BlockBool(*v, kBlock, "credentials");
  if (const Value* v = config.Find("max_age")) p.max_age_s = http::BlockInt(*v, kBlock, "max_age", 0, 86'400 * 365);
  if (const Value* v = config.Find("expose_headers")) p.expose = Join(http::BlockStrings(*v, kBlock, "expose_headers"));
  if (p.any_origin && p.credentials)
    throw StartupError("`cors`: `origins: [\"*\"]` cannot be combined with `credentials: true` (browsers refuse it); list the origins");
  return p;
}

// Whether `path` is under a route group's `prefix` ("/api" covers "/api" and "/api/...").
bool UnderPrefix(std::string_view path, std::string_view prefix) {
  if (prefix == "/" || prefix.empty()) return true;
  return path.size() >= prefix.size() && path.compare(0, prefix.size(), prefix) == 0 &&
         (path.size() == prefix.size() || path[prefix.size()] == '/');
}

class CorsComponent final : public server::Component {
 public:
  static constexpr server::Order kOrder = server::Order::kCors;
  CorsComponent() : Component(kOrder, "cors") {}

  void Configure(App& app, CorsPolicy policy) {
    app_ = &app;
    server_ = std::move(policy);
  }

  // A route group's own `cors { }`: it replaces the server's for every path under `prefix`
  // (the longest prefix wins, so a nested group's block replaces its enclosing group's).
  void ConfigureFor(App& app, std::string prefix, CorsPolicy policy) {
    app_ = &app;
    for (auto& g : groups_)
      if (g.first == prefix) throw StartupError("`cors` given twice for the route group \"" + prefix + "\"");
    groups_.emplace_back(std::move(prefix), std::move(policy));
    std::stable_sort(groups_.begin(), groups_.end(),
                     [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
  }

  void Open(server::Host& host) override {
    host.AddStage([this](Request& req, const Next& next) { return Handle(req, next); });
  }
  // Whether `origin` may open a connection at `path` (a WebSocket upgrade): the policy that covers
  // the path (a group's or the server's) lists it; no policy there allows every origin.
  bool Allows(std::string_view path, std::string_view origin) const {
    const CorsPolicy* policy = PolicyFor(path);
    return !policy || policy->OriginAllowed(origin);
  }

  // A 413, 431, 408 or 400 written before the stages ran: the headers an allowed origin's
  // simple response gets, so that the browser lets the page read it.
  void DecorateEarlyAnswer(const Request& head, Response& res) const override {
    std::optional<std::string_view> origin = head.headers.Get("Origin");
    const CorsPolicy* policy = origin ? PolicyFor(head.path) : nullptr;
    if (policy) Decorate(*policy, *origin, res);
  }

 private:
  // The policy of a path: its innermost group's, else the server's; nullptr: no CORS there.
  const CorsPolicy* PolicyFor(std::string_view path) const {
    for (const auto& [prefix, policy] : groups_)
      if (UnderPrefix(path, prefix)) return &policy;
    return server_ ? &*server_ : nullptr;
  }

  // The allowed-origin value: the origin itself (so credentials work), or `*`.
  static std::string AllowOrigin(const CorsPolicy& p, std::string_view origin) {
    return p.any_origin && !p.credentials ? std::string("*") : std::string(origin);
  }

  static Response Preflight(const CorsPolicy& p, const Request& req, std::string_view origin, std::string_view method) {
    Response res;
    res.status = 204;
    AddVary(res, "Origin");
    AddVary(res, "Access-Control-Request-Method");
    AddVary(res, "Access-Control-Request-Headers");
    if (!p.OriginAllowed(origin) || !p.MethodAllowed(method)) return res;
    std::vector<std::string> asked;
    if (auto h = req.headers.Get("Access-Control-Request-Headers")) asked = SplitList(*h);
    for (const std::string& h : asked)
      if (!p.HeaderAllowed(h)) return res;
    res.headers.Add("Access-Control-Allow-Origin", AllowOrigin(p, origin));
    res.headers.Add("Access-Control-Allow-Methods", Join(p.methods));
    if (!asked.empty())
      res.headers.Add("Access-Control-Allow-Headers", p.reflect_headers || p.any_header ? Join(asked) : p.headers_text);
    if (p.credentials) res.headers.Add("Access-Control-Allow-Credentials", "true");
    res.headers.Add("Access-Control-Max-Age", std::to_string(p.max_age_s));
    return res;
  }

  // Vary: Origin always; the Allow-* headers when the origin is allowed.
  static void Decorate(const CorsPolicy& p, std::string_view origin, Response& res) {
    AddVary(res, "Origin");
    if (!p.OriginAllowed(origin)) return;
    // A handler does not set these itself: Add (no scan for an earlier value).
    res.headers.Add("Access-Control-Allow-Origin", AllowOrigin(p, origin));
    if (p.credentials) res.headers.Add("Access-Control-Allow-Credentials", "true");
    if (!p.expose.empty()) res.headers.Add("Access-Control-Expose-Headers", p.expose);
  }

  Response Handle(Request& req, const Next& next) const {
    std::optional<std::string_view> origin = req.headers.Get("Origin");
    if (!origin) return next(req);
    const CorsPolicy* policy = PolicyFor(req.path);
    if (!policy) return next(req);
    if (req.method == "OPTIONS") {
      if (auto method = req.headers.Get("Access-Control-Request-Method")) return Preflight(*policy, req, *origin, *method);
    }
    // The rest of the chain, with its errors answered here (on_error included), so that a
    // browser can read a 4xx or 500 body too.
    std::exception_ptr ep;
    Response res = [&]() -> Response {  // constructed in place: no default Response moved over
      try {
        return next(req);
      } catch (const boost::context::detail::forced_unwind&) {
        throw;
      } catch (...) {
        ep = std::current_exception();
      }
      return Response();
    }();
    if (ep) res = AppImpl(*app_).HandleException(ep, req);
    if (res.Failed()) res = AppImpl(*app_).HandleFailed(*res.failed_call, req);  // likewise
    Decorate(*policy, *origin, res);
    return res;
  }

  App* app_ = nullptr;
  std::optional<CorsPolicy> server_;
  std::vector<std::pair<std::string, CorsPolicy>> groups_;  // longest prefix first
};

}  // namespace

void ConfigureCors(App& app, const Value& config) {
  server::Ensure<CorsComponent>(app).Configure(app, ParsePolicy(config));
}

bool http::CorsAllowsOrigin(App& app, std::string_view path, std::string_view origin) {
  server::Component* c = server::FindComponent(app, server::Order::kCors);
  return !c || static_cast<CorsComponent*>(c)->Allows(path, origin);
}

void ConfigureGroupCors(App& app, const std::string& prefix, const Value& config) {
  server::Ensure<CorsComponent>(app).ConfigureFor(app, prefix, ParsePolicy(config));
}

}  // namespace lux
