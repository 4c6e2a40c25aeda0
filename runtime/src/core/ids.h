// Request ids and W3C trace context: validation of incoming values and generation of new ids
// from a fast per-thread generator (splitmix64 seeded from std::random_device).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "lux/http.h"

namespace lux::core {

// Incoming X-Request-Id is accepted when 1..kMaxRequestIdLength chars of [A-Za-z0-9._:-].
bool IsValidRequestId(std::string_view id);
// A fresh id: UUID v4 text form (36 chars).
std::string NewRequestId();
// The same into `out` (replacing what it held, keeping its memory).
void NewRequestId(std::string& out);
// Lowercase hex of `bytes` random bytes.
std::string RandomHex(int bytes);

// Parses `traceparent` (version 00 format; future versions read by their first four fields).
// Returns nullopt for anything invalid (wrong lengths, upper-case hex, all-zero ids, version ff).
std::optional<TraceContext> ParseTraceparent(std::string_view header);
// Fresh random trace and span ids (never all zeros), from the per-thread generator.
void NewTraceId(TraceId& id);
void NewSpanId(SpanId& id);
// The context for a request: continues a valid incoming traceparent, else starts a trace.
TraceContext MakeTraceContext(std::optional<std::string_view> incoming);

}  // namespace lux::core
