// The "metrics" runtime component (lux/metrics.h): GET /metrics on the server's port, or on a
// listener of its own (listener.cpp) when `metrics { port }` or LUX_METRICS_PORT asks for one;
// behind LUX_METRICS_TOKEN when set. It watches every request (server::RequestObserver): the
// series of each route pattern are resolved once when the server starts, so a request costs a
// few relaxed atomic additions and no lookup. Entry point: ServeMetrics.
#include "lux/metrics.h"

#include <array>

#include "core/bearer.h"
#include "core/ids.h"
#include "core/log.h"
#include "lux/env.h"
#include "lux/error.h"
#include "metrics/exposition.h"
#include "metrics/listener.h"
#include "metrics/process.h"
#include "metrics/registry.h"
#include "server/component.h"
#include "tracing/tracing.h"

#ifndef LUX_VERSION_STRING
#define LUX_VERSION_STRING "unknown"
#endif

namespace lux {
namespace {

using metrics::Family;
using metrics::Registry;
using metrics::Series;
using metrics::Type;

// Methods an unmatched request is counted under; any other is "_OTHER" (a client may send any
// token as a method: its spelling must not become a label value).
constexpr std::array<std::string_view, 7> kMethods = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
// The route label of a request no route matched (404, 405, OPTIONS, a malformed request).
constexpr const char* kUnmatched = "unmatched";

struct HttpFamilies {
  Family& requests = Registry::Default().Add("http_server_requests", "HTTP requests answered, by route pattern and status class.",
                                             Type::kCounter, {"method", "route", "status_class"});
  Family& duration = Registry::Default().Add(
      "http_server_request_duration_seconds", "Time from a request's first byte to its answer, by route pattern.",
      Type::kHistogram, {"method", "route", "status_class"}, metrics::kDurationBounds);
  Family& request_size = Registry::Default().Add("http_server_request_body_size_bytes", "Size of request bodies.",
                                                 Type::kHistogram, {"method", "route"}, metrics::kSizeBounds, 1);
  Family& response_size = Registry::Default().Add("http_server_response_body_size_bytes",
                                                  "Size of response bodies as sent (after compression).", Type::kHistogram,
                                                  {"method", "route"}, metrics::kSizeBounds, 1);
  Series& active = Registry::Default()
                       .Add("http_server_active_requests", "Requests being handled now.", Type::kGauge, {})
                       .With({});
};
HttpFamilies& Http() {
  static HttpFamilies* h = new HttpFamilies();
  return *h;
}

// The series of one (method, route): by status class 1xx..5xx.
struct RouteSeries {
  std::array<Series*, 5> requests{};
  std::array<Series*, 5> duration{};
  Series* request_size = nullptr;
  Series* response_size = nullptr;

  RouteSeries(const std::string& method, const std::string& route) {
    HttpFamilies& h = Http();
    static const char* const kClasses[] = {"1xx", "2xx", "3xx", "4xx", "5xx"};
    for (int c = 0; c < 5; ++c) {
      requests[c] = &h.requests.With({method, route, kClasses[c]});
      duration[c] = &h.duration.With({method, route, kClasses[c]});
    }
    request_size = &h.request_size.With({method, route});
    response_size = &h.response_size.With({method, route});
  }
};

std::size_t MethodIndex(std::string_view m) {
  for (std::size_t i = 0; i < kMethods.size(); ++i)
    if (kMethods[i] == m) return i;
  return kMethods.size();
}

bool EnvOff(const char* name) {
  std::optional<std::string> v = EnvOptString(name);
  return v && (*v == "0" || *v == "false" || *v == "off" || *v == "no");
}

class MetricsComponent final : public server::Component, public server::RequestObserver {
 public:
  static constexpr server::Order kOrder = server::Order::kMetrics;
  MetricsComponent() : Component(kOrder, "metrics") {}

  MetricsOptions options;

  bool TakesPart(server::RunMode run) const override { return run == server::RunMode::kServe; }

  void Open(server::Host& host) override {
    if (!options.enabled || EnvOff("LUX_METRICS")) return;
    token_ = EnvOptString("LUX_METRICS_TOKEN").value_or("");
    int port = options.port;
    if (std::optional<std::int64_t> p = EnvOptInt("LUX_METRICS_PORT")) {
      if (*p < 0 || *p > 65535) throw StartupError("env LUX_METRICS_PORT: " + std::to_string(*p) + " is not a port (0..65535)");
      port = static_cast<int>(*p);
      separate_ = true;
    }
    separate_ = separate_ || options.port > 0;
    Registry::Default()
        .Add("lux_build_info", "The luxc version that built the server, its program and server name (value 1).",
             Type::kGauge, {"version", "program", "server"})
        .With({LUX_VERSION_STRING, options.program, options.server.empty() ? host.AppName() : options.server})
        .Set(1);
    process_ = Registry::Default().AddCollector(metrics::CollectProcess);
    auto scrape = [this](Request& req) { return Scrape(req); };
    if (separate_) {
      listener_ = metrics::Listener::Open(host.Options().host, port, options.path, scrape);
    } else if (!options.program_serves_path) {
      host.AddProbe(options.path, scrape);  // not counted by the server's rate limit
    }
    host.ObserveRequests(this);
  }

  void Start(server::Host& host) override {
    if (!listener_) return;
    listener_->Start();
    core::Log(LogLevel::kInfo, "metrics listening",
              {{"server", host.AppName()}, {"port", static_cast<int>(listener_->port())}, {"path", options.path}});
  }
  void Stop(server::Deadline) override {
    if (listener_) listener_->Stop();
  }
  void Close() override {
    listener_.reset();
    process_.reset();
  }

  // server::RequestObserver
  void Routes(const std::vector<RouteInfo>& routes) override {
    routes_.clear();
    routes_.reserve(routes.size());
    for (const RouteInfo& r : routes) routes_.emplace_back(std::string(r.method), std::string(r.pattern));
    unmatched_.clear();
    for (std::string_view m : kMethods) unmatched_.emplace_back(std::string(m), kUnmatched);
    unmatched_.emplace_back("_OTHER", kUnmatched);
  }
  void Began() override { Http().active.Add(1); }
  void Ended(const server::RequestRecord& r) override {
    Http().active.Add(-1);
    if (unmatched_.empty()) return;  // not started (a request served before Routes)
    RouteSeries& s = r.route >= 0 && static_cast<std::size_t>(r.route) < routes_.size()
                         ? routes_[static_cast<std::size_t>(r.route)]
                         : unmatched_[MethodIndex(r.method)];
    int c = r.status / 100 - 1;
    c = c < 0 ? 0 : c > 4 ? 4 : c;
    s.requests[c]->Add();
    s.duration[c]->Observe(r.seconds);
    s.request_size->Observe(static_cast<double>(r.request_bytes));
    s.response_size->Observe(static_cast<double>(r.response_bytes));
  }

 private:
  Response Scrape(const Request& req) {
    if (!token_.empty() && !core::HasBearer(req, token_)) {
      Value body = Value::MakeObject();
      body["error"] = "unauthorized";
      body["details"] = "GET " + options.path + " needs Authorization: Bearer <LUX_METRICS_TOKEN>";
      body["request_id"] = req.id.empty() ? core::NewRequestId() : req.id;
      Response res = Respond(401, body);
      res.SetHeader("WWW-Authenticate", "Bearer realm=\"metrics\"");
      return res;
    }
    metrics::Format f = metrics::NegotiateFormat(req.Header("accept").value_or(""));
    Response res;
    res.status = 200;
    res.body = metrics::Encode(Registry::Default().Snapshot(), f);
    res.SetHeader("Content-Type", metrics::ContentType(f));
    res.SetHeader("Cache-Control", "no-store");
    return res;
  }

  std::string token_;
  bool separate_ = false;
  std::unique_ptr<metrics::Listener> listener_;
  std::shared_ptr<void> process_;
  std::vector<RouteSeries> routes_;
  std::vector<RouteSeries> unmatched_;
};

}  // namespace

void ServeMetrics(App& app, MetricsOptions options) {
  if (!options.server.empty()) tracing::SetServiceName(app, options.server);
  server::Ensure<MetricsComponent>(app).options = std::move(options);
}

}  // namespace lux
