// The runtime's spans: names and attributes after the OpenTelemetry semantic conventions
// (HTTP server and client, RPC, messaging, database) (see instrument.h).
#include "tracing/instrument.h"

#include <cxxabi.h>

#include <cstdlib>
#include <cstring>
#include <typeinfo>

#include "core/ids.h"
#include "tracing/sampler.h"
#include "tracing/tracing_state.h"

namespace lux::tracing {
namespace {

void AddServerAddress(Span& span, std::string_view url) {
  // http://host:port/path → server.address, server.port.
  std::size_t scheme = url.find("://");
  std::string_view rest = scheme == std::string_view::npos ? url : url.substr(scheme + 3);
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  std::string_view host;
  std::int64_t port = 0;
  SplitHostPort(authority, host, port);
  span.Attr("server.address", host);
  span.Attr("server.port", port ? port : 80);
}

Span ChildOf(const TraceContext* parent_from_store, std::string_view name, SpanKind kind) {
  return Span(name, kind, parent_from_store);
}

// A stored traceparent as the context of the span it names (its span id is the parent-id field).
std::optional<TraceContext> Parse(std::string_view traceparent) {
  if (traceparent.empty()) return std::nullopt;
  auto ctx = core::ParseTraceparent(traceparent);
  if (ctx) {
    ctx->span_id = std::move(ctx->parent_id);
    ctx->parent_id.clear();
  }
  return ctx;
}

constexpr char kHostName[] = "host";
constexpr char kUserAgentName[] = "user-agent";

// Whether header `name` is `lower` (N lower-case bytes of letters and '-') ignoring case: by
// word loads with the case bit set (a header name is a token: no byte there that setting 0x20
// would turn into a letter or '-' but the letter's other case, or CR, which no name holds).
template <std::size_t N>
bool IsHeaderName(std::string_view name, const char (&lower)[N + 1]) {
  static_assert(N <= 8 || N == 10, "names of up to 8 bytes, or of 10");
  if (name.size() != N) return false;
  std::uint64_t a = 0, b = 0;
  if constexpr (N <= 8) {
    std::memcpy(&a, name.data(), N);
    std::memcpy(&b, lower, N);
    std::uint64_t bits = 0;
    for (std::size_t i = 0; i < N; ++i) bits |= std::uint64_t{0x20} << (8 * i);
    return (a | bits) == b;
  } else {
    std::memcpy(&a, name.data(), 8);
    std::memcpy(&b, lower, 8);
    std::uint16_t c = 0, d = 0;
    std::memcpy(&c, name.data() + 8, 2);
    std::memcpy(&d, lower + 8, 2);
    return (a | 0x2020202020202020ull) == b && static_cast<std::uint16_t>(c | 0x2020) == d;
  }
}

}  // namespace

Span StartServerSpan(Request& req) {
  TraceContext& t = req.trace;
  std::optional<bool> remote;
  if (!t.parent_id.empty()) remote = (t.flags & 0x01) != 0;
  bool sampled = ActiveSampler().ShouldSample(t.trace_id, remote);
  t.flags = sampled ? static_cast<std::uint8_t>(t.flags | 0x01) : static_cast<std::uint8_t>(t.flags & ~0x01);
  // No name here: the encoders build `METHOD /route` from the fixed fields (ServerSpanName).
  Span span = Span::WithContext(std::string_view(), SpanKind::kServer, t);
  if (!span.Recording()) return span;
  // The request's texts, copied once into the record's fixed fields; the attributes (and the
  // `host:port` splits) are written when the span is encoded (ForEachServerAttribute).
  ServerFields& f = span.data()->server;
  f.Begin();
  f.Set(ServerFields::kMethod, req.method);
  f.Set(ServerFields::kPath, req.path);
  if (!req.query_string.empty()) f.Set(ServerFields::kQuery, req.query_string);
  if (!req.remote_addr.empty()) f.Set(ServerFields::kPeer, req.remote_addr);
  // Host and User-Agent in one pass over the headers (the first of each, as Headers::Get).
  bool host = false, user_agent = false;
  for (const auto& [name, value] : req.headers) {
    if (!host && IsHeaderName<4>(name, kHostName)) {
      f.Set(ServerFields::kHost, value);
      host = true;
    } else if (!user_agent && IsHeaderName<10>(name, kUserAgentName)) {
      f.Set(ServerFields::kUserAgent, value);
      user_agent = true;
    }
  }
  f.Set(ServerFields::kRequestId, req.id);
  return span;
}

void EndServerSpan(Span& span, const Request& req, const std::string* route_pattern, int status) {
  ServerFields& f = span.data()->server;
  if (route_pattern) f.Set(ServerFields::kRoute, *route_pattern);  // the name comes from it at export
  f.SetStatus(status);
  if (status >= 500) span.SetError(std::to_string(status), "");
  span.EndNormally();  // reached only when the dispatch returned
}

Span StartFetchSpan(std::string_view method, std::string_view url) {
  const TraceContext* parent = CurrentContext();
  if (!parent) return Span();  // outside a request, job or event: the exporter's own posts
  Span span(method, SpanKind::kClient, parent);
  if (!span.Recording()) return span;
  span.Attr("http.request.method", method);
  span.Attr("url.full", url.substr(0, url.find_first_of("?#")));  // the query may hold secrets
  AddServerAddress(span, url);
  return span;
}

void RecordClientStatus(Span& span, int status) {
  span.Attr("http.response.status_code", static_cast<std::int64_t>(status));
  if (status >= 400) span.SetError(std::to_string(status), "");
}

Span StartRpcSpan(std::string_view service, std::string_view fn, std::string_view url) {
  std::string name = std::string(service) + "/" + std::string(fn);
  Span span(name, SpanKind::kClient, CurrentContext());
  if (!span.Recording()) return span;
  span.Attr("rpc.system", "lux");
  span.Attr("rpc.service", service);
  span.Attr("rpc.method", fn);
  AddServerAddress(span, url);
  return span;
}

Span StartDbSpan(std::string_view db_system, std::string_view operation, std::string_view table, std::string_view query) {
  const TraceContext* parent = CurrentContext();
  if (!parent) return Span();  // migrations at start, on_start hooks: not part of a trace
  std::string name(operation);
  if (!table.empty()) name += " " + std::string(table);
  Span span(name, SpanKind::kClient, parent);
  if (!span.Recording()) return span;
  span.Attr("db.system", db_system);
  span.Attr("db.operation.name", operation);
  if (!table.empty()) span.Attr("db.collection.name", table);
  if (!query.empty()) span.Attr("db.query.text", query);
  return span;
}

Span StartPublishSpan(std::string_view event) {
  Span span("publish " + std::string(event), SpanKind::kProducer, CurrentContext());
  if (!span.Recording()) return span;
  span.Attr("messaging.system", "lux");
  span.Attr("messaging.destination.name", event);
  span.Attr("messaging.operation.type", "send");
  span.Attr("messaging.operation.name", "publish");
  return span;
}

Span StartJobSpan(std::string_view job, std::string_view job_id, int attempt, std::string_view traceparent) {
  auto parent = Parse(traceparent);
  Span span = ChildOf(parent ? &*parent : nullptr, "process " + std::string(job), SpanKind::kConsumer);
  if (!span.Recording()) return span;
  span.Attr("messaging.system", "lux_jobs");
  span.Attr("messaging.destination.name", job);
  span.Attr("messaging.operation.type", "process");
  span.Attr("messaging.message.id", job_id);
  span.Attr("lux.job.attempt", static_cast<std::int64_t>(attempt));
  return span;
}

Span StartEventSpan(std::string_view event, std::string_view event_id, std::string_view traceparent) {
  auto parent = Parse(traceparent);
  Span span = ChildOf(parent ? &*parent : nullptr, "process " + std::string(event), SpanKind::kConsumer);
  if (!span.Recording()) return span;
  span.Attr("messaging.system", "lux");
  span.Attr("messaging.destination.name", event);
  span.Attr("messaging.operation.type", "process");
  span.Attr("messaging.message.id", event_id);
  return span;
}

ConsumerScope::ConsumerScope(Span span, std::string_view stored_traceparent)
    : span_(std::move(span)),
      stored_(!span_.Recording() && Enabled() ? Parse(stored_traceparent) : std::nullopt),
      scoped_(span_.Recording() ? span_.Context() : stored_ ? &*stored_ : nullptr) {}

std::string ErrorType(const std::exception& e) {
  const char* mangled = typeid(e).name();
  int status = 0;
  char* name = abi::__cxa_demangle(mangled, nullptr, nullptr, &status);
  std::string out = status == 0 && name ? name : mangled;
  std::free(name);
  return out;
}

std::string CurrentTraceparent() {
  if (!Enabled()) return std::string();
  const TraceContext* ctx = CurrentContext();
  return ctx && !ctx->trace_id.empty() ? FormatTraceparent(*ctx) : std::string();
}

}  // namespace lux::tracing
