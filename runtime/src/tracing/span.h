// Spans: what the runtime records about a request, an RPC call, a job run, an event delivery, a
// query or a fetch, and hands to the exporter when it ends. A `Span` is an RAII object that
// records only while tracing is on (an OTLP endpoint is set) and its trace is sampled; otherwise
// it holds a null pointer and every call on it is a test of that pointer: nothing is allocated.
// A recording span's record comes from a pool the exporter refills (RecycleSpans) with the
// records it has encoded, strings and attribute slots keeping their capacity, so that once the
// pool is warm starting and ending a span allocates nothing on the request's thread.
// Entry points: Enabled, CurrentContext, Span, ScopedContext, Sink, RecycleSpans.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lux/http.h"
#include "tracing/copy_short.h"
#include "tracing/server_fields.h"

namespace lux::tracing {

// OTLP span kinds (opentelemetry.proto.trace.v1.Span.SpanKind).
enum class SpanKind : int { kInternal = 1, kServer = 2, kClient = 3, kProducer = 4, kConsumer = 5 };

struct Attribute {
  enum class Type { kString, kInt, kDouble, kBool } type = Type::kString;
  // A name of the semantic conventions: a plain-ASCII string literal (static storage), never
  // copied, written into the JSON without escaping.
  std::string_view key;
  std::int64_t i = 0;
  double d = 0;
  bool b = false;

  // A string value (kString): held inline up to kInlineValue bytes, else in `overflow`.
  std::string_view str() const {
    return in_overflow ? std::string_view(overflow) : std::string_view(inline_value, inline_size);
  }
  void SetString(std::string_view v) {
    if (v.size() <= kInlineValue) {
      CopyShort(inline_value, v.data(), v.size());
      inline_size = static_cast<std::uint8_t>(v.size());
      in_overflow = false;
    } else {
      overflow.assign(v);
      in_overflow = true;
    }
  }

  // Enough for a request's common values (method, path, address, request id, a short user
  // agent): a longer one goes to `overflow`, whose capacity a recycled record keeps.
  static constexpr std::size_t kInlineValue = 48;
  std::uint8_t inline_size = 0;
  bool in_overflow = false;
  char inline_value[kInlineValue];
  std::string overflow;
};

// A span's attributes: slots that are reused, not destroyed, when the record is recycled (a
// string value keeps its capacity), so a recycled span fills them without allocating.
class AttributeList {
 public:
  Attribute& emplace_back() {
    if (n_ == slots_.size()) {
      slots_.emplace_back();
    } else {
      Attribute& a = slots_[n_];
      a.type = Attribute::Type::kString;
      a.inline_size = 0;
      a.in_overflow = false;
      a.i = 0;
      a.d = 0;
      a.b = false;
    }
    return slots_[n_++];
  }
  void reserve(std::size_t n) { slots_.reserve(n); }
  void clear() { n_ = 0; }
  std::size_t size() const { return n_; }
  bool empty() const { return n_ == 0; }
  const Attribute& operator[](std::size_t i) const { return slots_[i]; }
  Attribute& operator[](std::size_t i) { return slots_[i]; }
  const Attribute* begin() const { return slots_.data(); }
  const Attribute* end() const { return slots_.data() + n_; }

 private:
  std::vector<Attribute> slots_;
  std::size_t n_ = 0;
};

struct Link {
  TraceId trace_id;
  SpanId span_id;
};

// One finished (or running) span as the exporter encodes it.
struct SpanData {
  std::string name;
  SpanKind kind = SpanKind::kInternal;
  // Its ids (bytes; parent_id empty for a root span) and flags: a server span's are the
  // request's context, copied whole.
  TraceContext ctx;
  std::int64_t start_ns = 0;   // Unix nanoseconds
  std::int64_t end_ns = 0;
  AttributeList attributes;
  // A server span's request attributes (StartServerSpan), written by the encoders after
  // `attributes`; unset for other spans.
  ServerFields server;
  std::vector<Link> links;
  bool error = false;          // status ERROR (5xx, exception); else UNSET
  std::string status_message;
  int uncaught_at_start = 0;   // std::uncaught_exceptions(): an End during unwinding is an error

  // `key` must outlive the span: the call sites pass string literals.
  void Add(std::string_view key, std::string_view value);
  void Add(std::string_view key, std::int64_t value);
  void AddDouble(std::string_view key, double value);
  void AddBool(std::string_view key, bool value);
  // Back to a fresh record, keeping the capacity of its strings and attribute slots.
  void Reset();
};

// Hands records the exporter has encoded back to the pool the spans start from (at most a
// bounded number are kept; the rest are freed). Leaves `spans` empty.
void RecycleSpans(std::vector<std::unique_ptr<SpanData>>& spans);

// Where ended spans go (the exporter's queue). Never blocks; drops when full.
class Sink {
 public:
  virtual ~Sink() = default;
  virtual void Submit(std::unique_ptr<SpanData> span) = 0;
};

namespace detail {
extern std::atomic<bool> g_enabled;
extern std::atomic<Sink*> g_sink;
}  // namespace detail

// Whether spans are recorded and exported at all (an endpoint is set, OTEL_SDK_DISABLED unset).
inline bool Enabled() { return detail::g_enabled.load(std::memory_order_relaxed); }
// Installs (or, with nullptr, removes) the sink; Enabled() follows it.
void SetSink(Sink* sink);

// The trace context the calling code runs in: the request served by this fiber, else the job
// or event delivery running on this thread (ScopedContext), else nullptr.
const TraceContext* CurrentContext();

// While alive, CurrentContext() on this thread (outside a request) is `ctx` (job runs, event
// deliveries). Restores the previous one when destroyed.
class ScopedContext {
 public:
  explicit ScopedContext(const TraceContext* ctx);
  ~ScopedContext();
  ScopedContext(const ScopedContext&) = delete;
  ScopedContext& operator=(const ScopedContext&) = delete;

 private:
  const TraceContext* saved_;
};

std::int64_t NowNs();

class Span {
 public:
  Span() = default;
  // A child of `parent` (nullptr: a new trace, sampled by the sampler). Records only when
  // tracing is on and the resulting trace is sampled.
  Span(std::string_view name, SpanKind kind, const TraceContext* parent);
  // A span whose ids are already chosen and sampled (the server span: the request's context).
  // An empty `name` is left empty: the encoders name a server span from its fixed fields.
  // `self` must outlive the span. Started by code that is not unwinding (the request's
  // dispatch): an End during unwinding is an error, EndNormally is not.
  static Span WithContext(std::string_view name, SpanKind kind, const TraceContext& self);
  Span(Span&&) noexcept = default;
  Span& operator=(Span&&) noexcept = default;
  ~Span() {
    if (d_) End();
  }

  bool Recording() const { return d_ != nullptr; }
  SpanData* data() { return d_.get(); }
  // This span as a context for its children (traceparent, log lines); nullptr when not
  // recording (the children then take the enclosing context). A span started WithContext gives
  // the context it was started with (which outlives it: the request's).
  const TraceContext* Context() const { return d_ ? (self_ ? self_ : &d_->ctx) : nullptr; }
  // `00-<trace>-<span>-<flags>`, or "" when not recording.
  std::string Traceparent() const;

  void Attr(std::string_view key, std::string_view value) {
    if (d_) d_->Add(key, value);
  }
  void Attr(std::string_view key, std::int64_t value) {
    if (d_) d_->Add(key, value);
  }
  void SetName(std::string_view name) {
    if (d_) d_->name.assign(name);
  }
  // Status ERROR with `error.type` (an exception's class, or the status code).
  void SetError(std::string_view type, std::string_view message);
  // Ends the span now and submits it; idempotent.
  void End();
  // End, from code known not to be unwinding (no test for an exception in flight).
  void EndNormally();

 private:
  std::unique_ptr<SpanData> d_;
  const TraceContext* self_ = nullptr;  // WithContext's context
};

// `00-<trace_id>-<span_id>-<flags>` of a context.
std::string FormatTraceparent(const TraceContext& ctx);

}  // namespace lux::tracing
