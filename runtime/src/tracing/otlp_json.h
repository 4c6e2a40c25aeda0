// The OTLP/HTTP JSON encoding of a batch of spans (ExportTraceServiceRequest in the protobuf
// JSON mapping as OTLP specifies it: trace and span ids as lowercase hex, 64-bit integers and
// nanosecond timestamps as decimal strings, enums as numbers). Each span is written through a
// pointer into room reserved for its longest possible text, so the encoding makes no string
// temporaries and one bounds check per span. Entry points: Resource, EncodeOtlpJson.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tracing/span.h"

namespace lux::tracing {

// Resource attributes (service.name, service.version, telemetry.sdk.*, OTEL_RESOURCE_ATTRIBUTES).
struct Resource {
  std::vector<std::pair<std::string, std::string>> attributes;
};

// The instrumentation scope every span of the runtime belongs to.
inline constexpr const char* kScopeName = "lux";

std::string EncodeOtlpJson(const Resource& resource, const std::vector<std::unique_ptr<SpanData>>& spans);
// Appends the encoding to `out` (the exporter reuses one buffer from batch to batch).
void EncodeOtlpJson(const Resource& resource, const std::vector<std::unique_ptr<SpanData>>& spans, std::string& out);

// Appends `s` as a JSON string (quotes, escapes; invalid UTF-8 bytes become U+FFFD).
void AppendJsonString(std::string_view s, std::string& out);

}  // namespace lux::tracing
