// GET /metrics: the server's Prometheus metrics (text 0.0.4, or OpenMetrics 1.0.0 when the
// scraper asks for it), on the server's port or on a listener of its own. Generated code calls
// ServeMetrics once per server with the `metrics { }` block's options (defaults without one).
// Implementation in src/metrics/ (docs/runtime.md, "Metrics"); LUX_METRICS=0 turns it off,
// LUX_METRICS_TOKEN puts it behind a Bearer token, LUX_METRICS_PORT moves it to a port.
#pragma once

#include <string>

#include "lux/http.h"

namespace lux {

struct MetricsOptions {
  bool enabled = true;
  std::string path = "/metrics";
  int port = 0;                      // 0: served on the server's own port
  std::string program;               // lux_build_info{program}: the source file's stem
  bool program_serves_path = false;  // the program has a route at `path`: the runtime's yields
  // The server's name in the program (`server "api"`; "" for the unnamed server, which goes by
  // its executable's name): lux_build_info{server} and the traces' service.name.
  std::string server;
};

void ServeMetrics(App& app, MetricsOptions options);

}  // namespace lux
