// Spans and the current trace context (see span.h).
#include "tracing/span.h"

#include <chrono>
#include <exception>

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
constexpr char kHex[] = "0123456789abcdef";
}  // namespace

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

std::string FormatTraceparent(const TraceContext& ctx) {
  std::string out;
  out.reserve(55);
  out += "00-";
  out += ctx.trace_id;
  out += '-';
  out += ctx.span_id;
  out += '-';
  out.push_back(kHex[ctx.flags >> 4]);
  out.push_back(kHex[ctx.flags & 0xF]);
  return out;
}

void SpanData::Add(std::string_view key, std::string_view value) {
  Attribute& a = attributes.emplace_back();
  a.key = key;
  a.s = std::string(value);
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
    ctx.trace_id = core::RandomHex(16);
    if (!ActiveSampler().ShouldSample(ctx.trace_id, std::nullopt)) return;
    ctx.flags = 0x01;
  }
  ctx.span_id = core::RandomHex(8);
  d_ = std::make_unique<SpanData>();
  d_->attributes.reserve(kAttributesReserved);
  d_->name = std::string(name);
  d_->kind = kind;
  d_->ctx = std::move(ctx);
  d_->start_ns = NowNs();
  d_->uncaught_at_start = std::uncaught_exceptions();
}

Span Span::WithContext(std::string_view name, SpanKind kind, const TraceContext& self) {
  Span s;
  if (!Enabled() || !(self.flags & 0x01)) return s;
  s.d_ = std::make_unique<SpanData>();
  s.d_->attributes.reserve(kAttributesReserved);
  s.d_->name = std::string(name);
  s.d_->kind = kind;
  s.d_->ctx = self;
  s.d_->start_ns = NowNs();
  s.d_->uncaught_at_start = std::uncaught_exceptions();
  return s;
}

std::string Span::Traceparent() const { return d_ ? FormatTraceparent(d_->ctx) : std::string(); }

void Span::SetError(std::string_view type, std::string_view message) {
  if (!d_) return;
  d_->error = true;
  d_->status_message = std::string(message);
  bool has_type = false;
  for (const Attribute& a : d_->attributes) has_type |= a.key == "error.type";
  if (!has_type) d_->Add("error.type", type);
}

void Span::End() {
  if (!d_) return;
  d_->end_ns = NowNs();
  if (std::uncaught_exceptions() > d_->uncaught_at_start && !d_->error) SetError("exception", "an exception ended the span");
  if (Sink* sink = detail::g_sink.load(std::memory_order_acquire)) sink->Submit(std::move(d_));
  d_.reset();
}

}  // namespace lux::tracing
