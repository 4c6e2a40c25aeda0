// The tracing component: settings from OTEL_* variables, the span queue and the exporter
// thread that POSTs OTLP batches (protobuf or JSON) over lux::Fetch, retrying a failed export
// with backoff within OTEL_BSP_EXPORT_TIMEOUT, then dropping and counting it (see tracing.h).
#include "tracing/tracing.h"

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <random>
#include <thread>

#include "client/lend.h"
#include "core/log.h"
#include "lux/client.h"
#include "lux/env.h"
#include "lux/error.h"
#include "lux/tracing.h"
#include "metrics/registry.h"
#include "server/component.h"
#include "tracing/batch_queue.h"
#include "tracing/tracing_state.h"
#include "tracing/version.h"

namespace lux::tracing {
namespace {

// Attempts of one batch (the first and its retries), all within export_timeout_ms.
constexpr int kMaxExportAttempts = 5;
// The first retry waits this long, each next one twice as long (±20%), at most kMaxBackoffMs.
constexpr std::int64_t kFirstBackoffMs = 200;
constexpr std::int64_t kMaxBackoffMs = 5'000;
// The flush at stop: at most this long, within the server's drain deadline.
constexpr std::chrono::milliseconds kMaxFlushAtStop{5'000};
// Upper bounds of the OTEL_BSP_* sizes (each span in the queue holds memory).
constexpr std::int64_t kMaxQueueLimit = 1 << 20;

std::atomic<std::uint64_t> g_dropped{0};
std::atomic<std::uint64_t> g_exported{0};

Sampler g_sampler;

std::string PercentDecode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto hex = [](char c) { return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1; };
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::string Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

// `k1=v1,k2=v2` (OTEL_EXPORTER_OTLP_HEADERS, OTEL_RESOURCE_ATTRIBUTES): values percent-decoded.
std::vector<std::pair<std::string, std::string>> ParsePairs(const char* var, std::string_view text) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!text.empty()) {
    std::size_t comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    if (Trim(item).empty()) continue;
    std::size_t eq = item.find('=');
    std::string key = eq == std::string_view::npos ? std::string() : Trim(item.substr(0, eq));
    if (key.empty())
      throw StartupError(std::string("env ") + var + ": `" + std::string(item) + "` is not key=value");
    out.emplace_back(PercentDecode(key), PercentDecode(Trim(item.substr(eq + 1))));
  }
  return out;
}

std::int64_t PositiveInt(const std::function<std::optional<std::string>(const char*)>& get, const char* var,
                         std::int64_t fallback, std::int64_t max) {
  auto v = get(var);
  if (!v || v->empty()) return fallback;
  char* end = nullptr;
  errno = 0;
  long long n = std::strtoll(v->c_str(), &end, 10);
  if (errno || end == v->c_str() || *end || n <= 0 || n > max)
    throw StartupError(std::string("env ") + var + ": `" + *v + "` is not a whole number between 1 and " +
                       std::to_string(max));
  return n;
}

std::string TracesUrl(const std::function<std::optional<std::string>(const char*)>& get, const char*& var) {
  var = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT";
  if (auto v = get(var); v && !v->empty()) return *v;  // used as is
  var = "OTEL_EXPORTER_OTLP_ENDPOINT";
  auto base = get(var);
  if (!base || base->empty()) return "";
  std::string url = *base;
  if (!url.empty() && url.back() == '/') url.pop_back();
  return url + "/v1/traces";
}

Resource MakeResource(const std::string& server_name,
                      const std::function<std::optional<std::string>(const char*)>& get) {
  Resource r;
  std::vector<std::pair<std::string, std::string>> given;
  if (auto v = get("OTEL_RESOURCE_ATTRIBUTES")) given = ParsePairs("OTEL_RESOURCE_ATTRIBUTES", *v);
  std::string service = server_name;
  for (auto& [k, v] : given)
    if (k == "service.name") service = v;
  if (auto v = get("OTEL_SERVICE_NAME"); v && !v->empty()) service = *v;
  r.attributes.emplace_back("service.name", service);
  for (auto& [k, v] : given)
    if (k != "service.name") r.attributes.emplace_back(k, v);
  r.attributes.emplace_back("telemetry.sdk.name", "lux");
  r.attributes.emplace_back("telemetry.sdk.language", "cpp");
  r.attributes.emplace_back("telemetry.sdk.version", kRuntimeVersion);
  return r;
}

}  // namespace

const Sampler& ActiveSampler() { return g_sampler; }
void SetActiveSampler(const Sampler& sampler) { g_sampler = sampler; }

ExportSettings ParseExportSettings(const std::string& server_name,
                                   const std::function<std::optional<std::string>(const char*)>& get) {
  ExportSettings s;
  auto disabled = get("OTEL_SDK_DISABLED");
  if (disabled && (*disabled == "true" || *disabled == "TRUE" || *disabled == "True")) return s;
  auto exporter = get("OTEL_TRACES_EXPORTER");
  if (exporter && *exporter == "none") return s;
  if (exporter && !exporter->empty() && *exporter != "otlp")
    throw StartupError("env OTEL_TRACES_EXPORTER: `" + *exporter + "` is not supported (otlp or none)");
  const char* var = nullptr;
  s.url = TracesUrl(get, var);
  if (s.url.empty()) return s;
  if (s.url.rfind("http://", 0) != 0)
    throw StartupError(std::string("env ") + var + ": `" + s.url +
                       "` must be an http:// URL (OTLP/HTTP; run a collector on the host or network for TLS)");
  for (const char* pv : {"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"}) {
    auto p = get(pv);
    if (!p || p->empty()) continue;
    if (*p == "http/protobuf") {
      s.protocol = ExportSettings::Protocol::kProtobuf;
    } else if (*p == "http/json") {
      s.protocol = ExportSettings::Protocol::kJson;
    } else if (*p == "grpc") {
      throw StartupError(std::string("env ") + pv +
                         ": `grpc` is not supported: use http/protobuf (the default) or http/json, with the "
                         "collector's OTLP/HTTP endpoint (port 4318)");
    } else {
      throw StartupError(std::string("env ") + pv + ": `" + *p + "` is not a protocol (http/protobuf or http/json)");
    }
    break;
  }
  for (const char* hv : {"OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS"})
    if (auto h = get(hv)) {
      for (auto& kv : ParsePairs(hv, *h)) s.headers.push_back(std::move(kv));
    }
  s.timeout_ms = PositiveInt(get, "OTEL_EXPORTER_OTLP_TIMEOUT", s.timeout_ms, 600'000);
  s.timeout_ms = PositiveInt(get, "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", s.timeout_ms, 600'000);
  s.schedule_delay_ms = PositiveInt(get, "OTEL_BSP_SCHEDULE_DELAY", s.schedule_delay_ms, 3'600'000);
  s.export_timeout_ms = PositiveInt(get, "OTEL_BSP_EXPORT_TIMEOUT", s.export_timeout_ms, 3'600'000);
  s.max_queue = static_cast<std::size_t>(PositiveInt(get, "OTEL_BSP_MAX_QUEUE_SIZE", 2048, kMaxQueueLimit));
  s.batch_size = static_cast<std::size_t>(PositiveInt(get, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", 512, kMaxQueueLimit));
  if (s.batch_size > s.max_queue)
    throw StartupError("env OTEL_BSP_MAX_EXPORT_BATCH_SIZE: " + std::to_string(s.batch_size) +
                       " is larger than the queue (OTEL_BSP_MAX_QUEUE_SIZE " + std::to_string(s.max_queue) + ")");
  try {
    auto name = get("OTEL_TRACES_SAMPLER");
    auto arg = get("OTEL_TRACES_SAMPLER_ARG");
    s.sampler = Sampler::Parse(name && !name->empty() ? std::optional<std::string_view>(*name) : std::nullopt,
                               arg && !arg->empty() ? std::optional<std::string_view>(*arg) : std::nullopt);
  } catch (const std::invalid_argument& e) {
    throw StartupError(e.what());
  }
  s.resource = MakeResource(server_name, get);
  s.enabled = true;
  return s;
}

namespace {

// The queue of the App being served; counters of queues closed before it.
std::mutex g_queue_mu;
BatchQueue* g_queue = nullptr;

class TracingComponent final : public server::Component {
 public:
  static constexpr server::Order kOrder = server::Order::kTracing;
  TracingComponent() : Component(kOrder, "tracing") {}

  bool TakesPart(server::RunMode run) const override { return run != server::RunMode::kAdmin; }

  void Open(server::Host& host) override {
    settings_ = ParseExportSettings(service_name_.empty() ? host.AppName() : service_name_,
                                    [](const char* var) { return EnvOptString(var); });
    if (!settings_.enabled) return;
    queue_ = std::make_unique<BatchQueue>(settings_.max_queue, settings_.batch_size);
    {
      std::lock_guard<std::mutex> lock(g_queue_mu);
      g_queue = queue_.get();
    }
    SetActiveSampler(settings_.sampler);
    SetSink(queue_.get());
    WatchSpanCounters();
    core::Log(LogLevel::kInfo, "tracing on",
              {{"endpoint", settings_.url},
               {"protocol", settings_.protocol == ExportSettings::Protocol::kJson ? "http/json" : "http/protobuf"},
               {"service", settings_.resource.attributes[0].second}});
  }

  void Start(server::Host&) override {
    if (!queue_) return;
    thread_ = std::thread([this] {
      pthread_setname_np(pthread_self(), "lux-otlp");  // found by name in /proc (bench/tracing/run.sh)
      Loop();
    });
  }

  void Stop(server::Deadline deadline) override {
    if (!thread_.joinable()) return;
    // Every other component has stopped (tracing stops last): what is queued now is flushed,
    // and a span that ends from here on is not recorded.
    SetSink(nullptr);
    flush_until_ = std::min(deadline, std::chrono::steady_clock::now() + kMaxFlushAtStop);
    stopping_.store(true);
    queue_->Wake();
    backoff_cv_.notify_all();
    thread_.join();
  }

  void Close() override {
    if (!queue_) return;
    SetSink(nullptr);  // spans that end from now on are not recorded
    if (thread_.joinable()) Stop(std::chrono::steady_clock::now() + kMaxFlushAtStop);
    // A command run (run-task) never started the thread: what it recorded goes now.
    if (!stopping_.load()) {
      flush_until_ = std::chrono::steady_clock::now() + kMaxFlushAtStop;
      stopping_.store(true);
      Drain();
    }
    watch_.reset();
    std::lock_guard<std::mutex> lock(g_queue_mu);
    g_dropped.fetch_add(queue_->dropped());
    g_queue = nullptr;
    queue_.reset();
  }

  void SetServiceName(std::string name) { service_name_ = std::move(name); }

 private:
  // lux_trace_spans_exported_total and lux_trace_spans_dropped_total on /metrics while tracing
  // is on (counted since the process started).
  void WatchSpanCounters() {
    const double since =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    watch_ = metrics::Registry::Default().AddCollector([since](std::vector<metrics::FamilySnapshot>& out) {
      auto add = [&](const char* name, const char* help, std::uint64_t v) {
        metrics::SeriesSnapshot s;
        s.value = static_cast<double>(v);
        s.created = since;
        out.push_back(metrics::FamilySnapshot{name, help, metrics::Type::kCounter, {}, {s}});
      };
      add("lux_trace_spans_exported", "Spans the OTLP collector accepted.", ExportedSpans());
      add("lux_trace_spans_dropped", "Spans dropped: the span queue was full, or their export failed after its retries.",
          DroppedSpans());
    });
  }

  void Loop() {
    core::SetThreadLogBuffered(false);
    while (!stopping_.load()) {
      auto batch = queue_->Take(std::chrono::steady_clock::now() + std::chrono::milliseconds(settings_.schedule_delay_ms));
      if (!batch.empty()) Export(batch);
      RecycleSpans(batch);
    }
    Drain();
  }

  // What is left in the queue, until it is empty or flush_until_ passes.
  void Drain() {
    for (;;) {
      auto batch = queue_->TakeNow();
      if (batch.empty()) return;
      if (std::chrono::steady_clock::now() >= flush_until_) {  // out of time: the rest is dropped
        do {
          queue_->CountDropped(batch.size());
        } while (!(batch = queue_->TakeNow()).empty());
        return;
      }
      Export(batch);
      RecycleSpans(batch);
    }
  }

  // Posts one batch; retries on a connection failure, a timeout, 429, 502, 503 and 504.
  void Export(const std::vector<std::unique_ptr<SpanData>>& batch) {
    FetchOptions o;  // the same request for every attempt: the body is encoded and held once
    o.method = "POST";
    // Encoded into the buffer of the previous batch (its capacity kept), lent to each attempt's
    // request (moved in and back, never copied).
    body_.clear();
    if (settings_.protocol == ExportSettings::Protocol::kJson) {
      EncodeOtlpJson(settings_.resource, batch, body_);
      o.Header("Content-Type", "application/json");
    } else {
      EncodeOtlpProto(settings_.resource, batch, body_);
      o.Header("Content-Type", "application/x-protobuf");
    }
    for (auto& [k, v] : settings_.headers) o.Header(k, v);
    auto give_up_at = std::chrono::steady_clock::now() + std::chrono::milliseconds(settings_.export_timeout_ms);
    if (stopping_.load()) give_up_at = std::min(give_up_at, flush_until_);
    std::string error;
    std::int64_t backoff = kFirstBackoffMs;
    for (int attempt = 1; attempt <= kMaxExportAttempts; ++attempt) {
      bool retry = false;
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(give_up_at - std::chrono::steady_clock::now()).count();
      if (left <= 0) break;
      try {
        o.timeout_ms = std::min<std::int64_t>(settings_.timeout_ms, left);
        FetchResponse r = client::FetchLendingBody(settings_.url, o, body_);
        if (r.status >= 200 && r.status < 300) {
          g_exported.fetch_add(batch.size());
          if (failing_) {
            failing_ = false;
            core::Log(LogLevel::kInfo, "trace export recovered", {{"endpoint", settings_.url}});
          }
          return;
        }
        error = "the collector answered " + std::to_string(r.status);
        retry = r.status == 429 || r.status == 502 || r.status == 503 || r.status == 504;
      } catch (const std::exception& e) {
        error = e.what();
        retry = true;
      }
      if (!retry) break;
      if (attempt == kMaxExportAttempts) break;
      double jitter = 0.8 + 0.4 * std::uniform_real_distribution<double>(0, 1)(rng_);
      auto wait = std::chrono::milliseconds(static_cast<std::int64_t>(static_cast<double>(backoff) * jitter));
      auto until = std::min(give_up_at, std::chrono::steady_clock::now() + wait);
      std::unique_lock<std::mutex> lock(backoff_mu_);
      // A stop cuts the wait short only when the flush deadline comes first.
      backoff_cv_.wait_until(lock, until, [&] { return stopping_.load() && std::chrono::steady_clock::now() >= flush_until_; });
      backoff = std::min(backoff * 2, kMaxBackoffMs);
    }
    queue_->CountDropped(batch.size());
    if (!failing_) {
      failing_ = true;  // one line per outage, not one per batch
      core::Log(LogLevel::kWarn, "trace export failed; spans dropped",
                {{"endpoint", settings_.url}, {"spans", static_cast<long long>(batch.size())}, {"error", error}});
    }
  }

  std::string service_name_;  // SetServiceName: the server's name in the program
  std::shared_ptr<void> watch_;  // the span counters' collector (metrics)
  ExportSettings settings_;
  std::unique_ptr<BatchQueue> queue_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::chrono::steady_clock::time_point flush_until_{};
  std::mutex backoff_mu_;
  std::condition_variable backoff_cv_;
  bool failing_ = false;
  std::string body_;  // the encoded batch being posted, reused from batch to batch
  std::mt19937_64 rng_{std::random_device{}()};
};

}  // namespace

void RegisterTracing(App& app) { server::Ensure<TracingComponent>(app); }

void SetServiceName(App& app, std::string name) { server::Ensure<TracingComponent>(app).SetServiceName(std::move(name)); }

std::uint64_t DroppedSpans() {
  std::lock_guard<std::mutex> lock(g_queue_mu);
  return g_dropped.load() + (g_queue ? g_queue->dropped() : 0);
}

std::uint64_t ExportedSpans() { return g_exported.load(); }

}  // namespace lux::tracing
