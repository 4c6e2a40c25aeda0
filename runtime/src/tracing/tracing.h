// The tracing component (Order::kTracing): reads the OTEL_* variables at Open, and when an
// endpoint is set installs the span queue and exports batches (OTLP/HTTP, protobuf or JSON) from its own thread until Stop
// flushes what is left (bounded). Entry points: RegisterTracing, SetServiceName, ExportSettings,
// ParseExportSettings.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "lux/http.h"
#include "tracing/otlp_json.h"
#include "tracing/otlp_proto.h"
#include "tracing/sampler.h"

namespace lux::tracing {

// Limits of the batch span processor and the exporter (OTEL_BSP_*, OTEL_EXPORTER_OTLP_*).
struct ExportSettings {
  bool enabled = false;                // an endpoint is set, OTEL_SDK_DISABLED is not true
  std::string url;                     // http://host:port/v1/traces
  // OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL: http/protobuf (the default) or http/json.
  enum class Protocol { kProtobuf, kJson } protocol = Protocol::kProtobuf;
  std::vector<std::pair<std::string, std::string>> headers;
  std::int64_t timeout_ms = 10'000;    // one POST (OTEL_EXPORTER_OTLP_TIMEOUT)
  std::int64_t schedule_delay_ms = 5'000;
  std::int64_t export_timeout_ms = 30'000;  // one batch, retries included (OTEL_BSP_EXPORT_TIMEOUT)
  std::size_t max_queue = 2048;
  std::size_t batch_size = 512;
  Sampler sampler;
  Resource resource;
};

// Reads the settings through `get` (the environment in production). Throws StartupError naming
// the variable at fault.
ExportSettings ParseExportSettings(const std::string& server_name,
                                   const std::function<std::optional<std::string>(const char*)>& get);

// Adds the tracing component to the App (RunMain calls it for every server).
void RegisterTracing(App& app);
// The service.name of the App's spans when neither OTEL_SERVICE_NAME nor service.name in
// OTEL_RESOURCE_ATTRIBUTES gives one: the server's name in the program (ServeMetrics passes it
// on). Without it, the App's (executable's) name.
void SetServiceName(App& app, std::string name);

}  // namespace lux::tracing
