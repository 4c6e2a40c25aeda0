// `cache { }` (the default Cache-Control of GET and HEAD 200 responses that set none, as a
// component's stage) and `max_body` / `limits { }` (the server's HTTP limits, into
// App::options() before LUX_* and flags are applied). Entry points: ConfigureCacheDefaults,
// ConfigureLimits (lux/http.h); docs/runtime.md, "Cache defaults" and "Limits".
#include "http/block_options.h"
#include "http/proxy.h"
#include "server/component.h"

namespace lux {
namespace {

class CacheDefaultsComponent final : public server::Component {
 public:
  static constexpr server::Order kOrder = server::Order::kCacheDefaults;
  CacheDefaultsComponent() : Component(kOrder, "cache") {}

  void Configure(std::string value) { value_ = std::move(value); }

  void Open(server::Host& host) override {
    host.AddStage([this](Request& req, const Next& next) {
      Response res = next(req);
      // A response that sets a cookie is someone's own: no shared default for it.
      if (!res.Failed() && res.status == 200 && (req.method == "GET" || req.method == "HEAD") &&
          !res.headers.Has("Cache-Control") && !res.headers.Has("Set-Cookie"))
        res.headers.Add("Cache-Control", value_);
      return res;
    });
  }

 private:
  std::string value_;
};

constexpr std::int64_t kMaxAgeLimitS = 86'400 * 365;

// `trust_proxy` as ServerOptions keeps it: true/false, a hop count, or a list of addresses and
// CIDR ranges (one String or a list of them), checked as the server starts.
std::string TrustProxyText(const Value& v) {
  if (v.IsBool()) return v.AsBool() ? "true" : "";
  if (v.IsInt()) return std::to_string(http::BlockInt(v, "limits", "trust_proxy", 0, http::kMaxTrustedHops));
  std::string out;
  for (const std::string& s : http::BlockStrings(v, "limits", "trust_proxy")) out += (out.empty() ? "" : ",") + s;
  http::TrustedProxies::Parse(out, "`trust_proxy`");
  return out;
}

}  // namespace

void ConfigureCacheDefaults(App& app, const Value& config) {
  const char* block = "cache";
  std::int64_t max_age = 0;
  if (const Value* v = config.Find("max_age")) max_age = http::BlockInt(*v, block, "max_age", 0, kMaxAgeLimitS);
  std::string value;
  if (const Value* v = config.Find("private"); v && http::BlockBool(*v, block, "private")) value = "private, ";
  value += "max-age=" + std::to_string(max_age);
  if (const Value* v = config.Find("stale_while_revalidate"))
    value += ", stale-while-revalidate=" + std::to_string(http::BlockInt(*v, block, "stale_while_revalidate", 0, kMaxAgeLimitS));
  server::Ensure<CacheDefaultsComponent>(app).Configure(std::move(value));
}

void ConfigureLimits(App& app, const Value& config) {
  const char* block = "limits";
  ServerOptions& o = app.options();
  // A body of at most 4 GiB: the parser holds it in memory.
  if (const Value* v = config.Find("max_body"))
    o.max_body_bytes = static_cast<std::size_t>(http::BlockInt(*v, block, "max_body", 1, std::int64_t{1} << 32));
  if (const Value* v = config.Find("max_header_bytes"))
    o.max_header_bytes = static_cast<std::size_t>(http::BlockInt(*v, block, "max_header_bytes", 1024, 1 << 20));
  if (const Value* v = config.Find("header_timeout")) o.read_timeout_ms = http::BlockMs(*v, block, "header_timeout");
  if (const Value* v = config.Find("idle_timeout")) o.keep_alive_timeout_ms = http::BlockMs(*v, block, "idle_timeout");
  if (const Value* v = config.Find("max_connections"))
    o.max_connections = static_cast<std::size_t>(http::BlockInt(*v, block, "max_connections", 1, 1'000'000));
  if (const Value* v = config.Find("trust_proxy")) o.trust_proxy = TrustProxyText(*v);
}

}  // namespace lux
