// The spans of the runtime's call sites, one call each: the request's server span (dispatch),
// a fetch or RPC client span (client/, services/), a job run and an event delivery (consumer
// spans: jobs/, bus/), a publish (producer) and a database call (db/). Each returns an empty
// Span — a null pointer, nothing allocated — when tracing is off, the code runs outside a
// trace, or the trace is not sampled; the tests of Enabled() are inline for that reason.
// Entry points: ServerSpan, FinishServerSpan, FetchSpan, FinishClientSpan, RpcSpan, DbSpan,
// JobSpan, EventSpan, PublishSpan, ContextFromTraceparent.
#pragma once

#include <exception>
#include <optional>
#include <string>
#include <string_view>

#include "lux/http.h"
#include "tracing/span.h"

namespace lux::tracing {

// The request's span, kind SERVER, with the request's own ids (req.trace): decides whether
// the request is sampled (req.trace.flags), per the sampler, from a caller's traceparent.
Span StartServerSpan(Request& req);
inline Span ServerSpan(Request& req) { return Enabled() ? StartServerSpan(req) : Span(); }
// Names it `METHOD /route/pattern` (just METHOD when no route matched) and records the status
// (ERROR from 500 on).
void EndServerSpan(Span& span, const Request& req, const std::string* route_pattern, int status);
inline void FinishServerSpan(Span& span, const Request& req, const std::string* route_pattern, int status) {
  if (span.Recording()) EndServerSpan(span, req, route_pattern, status);
}

// An outgoing fetch (kind CLIENT), a child of the current context. None when the caller set
// its own traceparent header (an RPC call carries its RPC span's).
Span StartFetchSpan(std::string_view method, std::string_view url);
inline Span FetchSpan(std::string_view method, std::string_view url, bool traceparent_given) {
  return Enabled() && !traceparent_given ? StartFetchSpan(method, url) : Span();
}
// http.response.status_code; ERROR from 400 on (a client span's rule).
void RecordClientStatus(Span& span, int status);
inline void FinishClientSpan(Span& span, int status) {
  if (span.Recording()) RecordClientStatus(span, status);
}

// An RPC call `service.fn` (kind CLIENT, rpc.system `lux`), to `url`.
Span StartRpcSpan(std::string_view service, std::string_view fn, std::string_view url);
inline Span RpcSpan(std::string_view service, std::string_view fn, std::string_view url) {
  return Enabled() ? StartRpcSpan(service, fn, url) : Span();
}

// A database call (kind CLIENT): `db_system` "sqlite" or "postgresql"; `operation` SELECT,
// INSERT, ...; `table` the model's table ("" for raw SQL); `query` the SQL with its `?`
// placeholders (never the values), or "".
Span StartDbSpan(std::string_view db_system, std::string_view operation, std::string_view table, std::string_view query);
inline Span DbSpan(std::string_view db_system, std::string_view operation, std::string_view table,
                   std::string_view query = {}) {
  return Enabled() ? StartDbSpan(db_system, operation, table, query) : Span();
}

// `publish("event", data)` (kind PRODUCER): its traceparent is stored with the event, so the
// delivery is its child.
Span StartPublishSpan(std::string_view event);
inline Span PublishSpan(std::string_view event) { return Enabled() ? StartPublishSpan(event) : Span(); }

// A job run (kind CONSUMER), a child of the span that spawned it (`traceparent`, stored with
// the job; "" when it was spawned outside a trace: a new trace).
Span StartJobSpan(std::string_view job, std::string_view job_id, int attempt, std::string_view traceparent);
inline Span JobSpan(std::string_view job, std::string_view job_id, int attempt, std::string_view traceparent) {
  return Enabled() ? StartJobSpan(job, job_id, attempt, traceparent) : Span();
}

// An event delivered to a subscriber of this server (kind CONSUMER), a child of the publish.
Span StartEventSpan(std::string_view event, std::string_view event_id, std::string_view traceparent);
inline Span EventSpan(std::string_view event, std::string_view event_id, std::string_view traceparent) {
  return Enabled() ? StartEventSpan(event, event_id, traceparent) : Span();
}

// A job run or an event delivery: its span, and the context its code runs in while this lives
// (CurrentContext): the span's when it records, else the stored one, so that a trace that is not
// sampled stays unsampled in the calls, jobs and events the code makes.
class ConsumerScope {
 public:
  ConsumerScope(Span span, std::string_view stored_traceparent);
  Span& span() { return span_; }

 private:
  Span span_;
  std::optional<TraceContext> stored_;
  ScopedContext scoped_;
};

// The traceparent to store with work the current code hands on (a job, an event): the current
// context's, or "" outside a trace or with tracing off.
std::string CurrentTraceparent();
// An exception's type for `error.type` (its C++ class, demangled).
std::string ErrorType(const std::exception& e);

// `span`'s traceparent when it records, else CurrentTraceparent().
inline std::string TraceparentOf(const Span& span) {
  return span.Recording() ? span.Traceparent() : CurrentTraceparent();
}

}  // namespace lux::tracing
