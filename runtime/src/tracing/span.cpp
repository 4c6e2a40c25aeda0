// Spans and the current trace context (see span.h).
#include "tracing/span.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <exception>
#include <mutex>

#include "core/fiber.h"
#include "core/ids.h"
#include "tracing/sampler.h"
#include "tracing/tracing_state.h"

namespace lux::tracing {

namespace detail {
std::atomic<bool> g_enabled{false};
std::atomic<Sink*> g_sink{nullptr};
}  // namespace detail

namespace {
thread_local const TraceContext* tl_context = nullptr;
// Attributes of the busiest span (a request's): one allocation for them all.
constexpr std::size_t kAttributesReserved = 14;

// Records kept for reuse: a batch in flight at the exporter plus the spans that end while it
// is posted, at the default batch size (512); each holds about 2 KB with its strings.
constexpr std::size_t kPoolMax = 1024;
// Records a thread takes from the shared pool at once (one lock for that many spans).
constexpr std::size_t kThreadRefill = 32;

struct SpanPool {
  std::mutex mu;
  std::vector<std::unique_ptr<SpanData>> free;
};
SpanPool& Pool() {
  static SpanPool* pool = new SpanPool;  // never destroyed: threads may recycle at exit
  return *pool;
}
thread_local std::vector<std::unique_ptr<SpanData>> tl_spare;

std::unique_ptr<SpanData> AcquireRecord() {
  if (tl_spare.empty()) {
    SpanPool& pool = Pool();
    std::lock_guard<std::mutex> lock(pool.mu);
    std::size_t n = std::min(kThreadRefill, pool.free.size());
    for (std::size_t i = 0; i < n; ++i) {
      tl_spare.push_back(std::move(pool.free.back()));
      pool.free.pop_back();
    }
  }
  if (!tl_spare.empty()) {
    std::unique_ptr<SpanData> d = std::move(tl_spare.back());
    tl_spare.pop_back();
    return d;
  }
  auto d = std::make_unique<SpanData>();
  d->attributes.reserve(kAttributesReserved);
  return d;
}

}  // namespace

void RecycleSpans(std::vector<std::unique_ptr<SpanData>>& spans) {
  for (auto& d : spans)
    if (d) d->Reset();  // on the caller's (the exporter's) thread, not the request's
  SpanPool& pool = Pool();
  {
    std::lock_guard<std::mutex> lock(pool.mu);
    for (auto& d : spans) {
      if (pool.free.size() >= kPoolMax) break;
      if (d) pool.free.push_back(std::move(d));
    }
  }
  spans.clear();  // what did not fit is freed here
}

void SpanData::Reset() {
  name.clear();
  kind = SpanKind::kInternal;
  ctx = TraceContext();
  start_ns = end_ns = 0;
  attributes.clear();
  server.Clear();
  links.clear();
  error = false;
  status_message.clear();
  uncaught_at_start = 0;
}

void SetSink(Sink* sink) {
  detail::g_sink.store(sink, std::memory_order_release);
  detail::g_enabled.store(sink != nullptr, std::memory_order_release);
}

const TraceContext* CurrentContext() {
  if (core::tl_fiber && core::tl_fiber->request) return &core::tl_fiber->request->trace;
  return tl_context;
}

ScopedContext::ScopedContext(const TraceContext* ctx) : saved_(tl_context) { tl_context = ctx; }
ScopedContext::~ScopedContext() { tl_context = saved_; }

std::int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string FormatTraceparent(const TraceContext& ctx) { return ctx.ChildTraceparent(); }

void SpanData::Add(std::string_view key, std::string_view value) {
  Attribute& a = attributes.emplace_back();
  a.key = key;
  a.SetString(value);
}
void SpanData::Add(std::string_view key, std::int64_t value) {
  Attribute& a = attributes.emplace_back();
  a.type = Attribute::Type::kInt;
  a.key = key;
  a.i = value;
}
void SpanData::AddDouble(std::string_view key, double value) {
  Attribute& a = attributes.emplace_back();
  a.type = Attribute::Type::kDouble;
  a.key = key;
  a.d = value;
}
void SpanData::AddBool(std::string_view key, bool value) {
  Attribute& a = attributes.emplace_back();
  a.type = Attribute::Type::kBool;
  a.key = key;
  a.b = value;
}

Span::Span(std::string_view name, SpanKind kind, const TraceContext* parent) {
  if (!Enabled()) return;
  TraceContext ctx;
  if (parent && !parent->trace_id.empty()) {
    if (!(parent->flags & 0x01)) return;  // the trace is not sampled: nothing below it is either
    ctx.trace_id = parent->trace_id;
    ctx.parent_id = parent->span_id;
    ctx.flags = parent->flags;
  } else {
    core::NewTraceId(ctx.trace_id);
    if (!ActiveSampler().ShouldSample(ctx.trace_id, std::nullopt)) return;
    ctx.flags = 0x01;
  }
  core::NewSpanId(ctx.span_id);
  d_ = AcquireRecord();
  d_->ctx = ctx;
  d_->name.assign(name);
  d_->kind = kind;
  d_->start_ns = NowNs();
  d_->uncaught_at_start = std::uncaught_exceptions();
}

Span Span::WithContext(std::string_view name, SpanKind kind, const TraceContext& self) {
  Span s;
  if (!Enabled() || !(self.flags & 0x01)) return s;
  s.d_ = AcquireRecord();
  if (!name.empty()) s.d_->name.assign(name);  // a server span's is built at export
  s.d_->kind = kind;
  s.self_ = &self;
  s.d_->ctx = self;  // 41 bytes of ids and flags
  s.d_->start_ns = NowNs();
  s.d_->uncaught_at_start = 0;  // not unwinding: see span.h
  return s;
}

std::string Span::Traceparent() const { return d_ ? FormatTraceparent(*Context()) : std::string(); }

void Span::SetError(std::string_view type, std::string_view message) {
  if (!d_) return;
  d_->error = true;
  d_->status_message.assign(message);
  bool has_type = false;
  for (const Attribute& a : d_->attributes) has_type |= a.key == "error.type";
  if (!has_type) d_->Add("error.type", type);
}

void Span::End() {
  if (!d_) return;
  if (std::uncaught_exceptions() > d_->uncaught_at_start && !d_->error) SetError("exception", "an exception ended the span");
  EndNormally();
}

void Span::EndNormally() {
  if (!d_) return;
  d_->end_ns = NowNs();
  if (Sink* sink = detail::g_sink.load(std::memory_order_acquire)) sink->Submit(std::move(d_));
  d_.reset();
}

}  // namespace lux::tracing
