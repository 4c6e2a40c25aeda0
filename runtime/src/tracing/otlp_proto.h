// The OTLP/HTTP protobuf encoding of a batch of spans (ExportTraceServiceRequest of
// opentelemetry-proto: collector/trace/v1, trace/v1, common/v1, resource/v1), written by hand
// without a protobuf library: trace and span ids as raw 16 and 8 bytes, timestamps as fixed64,
// integers as varints, strings as UTF-8 (invalid bytes become U+FFFD, as in the JSON encoding).
// Each span is written through a pointer into room reserved for its longest encoding, its
// length prefix patched in afterwards. Entry point: EncodeOtlpProto.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tracing/otlp_json.h"
#include "tracing/span.h"

namespace lux::tracing {

std::string EncodeOtlpProto(const Resource& resource, const std::vector<std::unique_ptr<SpanData>>& spans);
// Appends the encoding to `out` (the exporter reuses one buffer from batch to batch).
void EncodeOtlpProto(const Resource& resource, const std::vector<std::unique_ptr<SpanData>>& spans, std::string& out);

}  // namespace lux::tracing
