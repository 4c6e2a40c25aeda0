// OpenTelemetry traces (docs/runtime.md, "Traces"): the counters the exporter keeps, for
// /metrics and tests. Tracing itself is configured by the OTEL_* environment variables.
#pragma once

#include <cstdint>

namespace lux::tracing {

// Spans dropped since the process started: the queue was full (OTEL_BSP_MAX_QUEUE_SIZE), or
// the export failed after its retries.
std::uint64_t DroppedSpans();
// Spans the collector accepted since the process started.
std::uint64_t ExportedSpans();

}  // namespace lux::tracing
