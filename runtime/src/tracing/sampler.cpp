// OTEL_TRACES_SAMPLER parsing and the sampling decision (see sampler.h).
#include "tracing/sampler.h"

#include <charconv>
#include <cmath>
#include <stdexcept>

namespace lux::tracing {
namespace {

std::uint64_t LowBits(const TraceId& trace_id) {
  // The trace id's 8 low bytes (its last 16 hex digits, read as a number), as the W3C random
  // flag expects them random.
  std::uint64_t v = 0;
  for (std::size_t i = 8; i < 16; ++i) v = (v << 8) | trace_id.bytes[i];
  return v;
}

}  // namespace

Sampler::Sampler(Root root, bool parent_based, double ratio) : root_(root), parent_based_(parent_based) {
  if (!(ratio >= 0)) ratio = 0;  // NaN too
  if (ratio > 1) ratio = 1;
  ratio_ = ratio;
  all_ = ratio >= 1;
  // 2^64 * ratio, computed in long double so that ratios near 1 do not overflow.
  bound_ = all_ ? ~std::uint64_t{0} : static_cast<std::uint64_t>(std::ldexp(static_cast<long double>(ratio), 64));
}

Sampler Sampler::Parse(std::optional<std::string_view> name, std::optional<std::string_view> arg) {
  std::string_view n = name.value_or("parentbased_always_on");
  bool parent_based = false;
  if (n.substr(0, 12) == "parentbased_") {
    parent_based = true;
    n.remove_prefix(12);
  }
  if (n == "always_on") return Sampler(Root::kAlwaysOn, parent_based);
  if (n == "always_off") return Sampler(Root::kAlwaysOff, parent_based);
  if (n != "traceidratio")
    throw std::invalid_argument("env OTEL_TRACES_SAMPLER: `" + std::string(*name) +
                                "` is not a sampler (always_on, always_off, traceidratio, parentbased_always_on, "
                                "parentbased_always_off, parentbased_traceidratio)");
  double ratio = 1.0;
  if (arg) {
    auto [p, ec] = std::from_chars(arg->data(), arg->data() + arg->size(), ratio);
    if (ec != std::errc() || p != arg->data() + arg->size() || !(ratio >= 0 && ratio <= 1))
      throw std::invalid_argument("env OTEL_TRACES_SAMPLER_ARG: `" + std::string(*arg) +
                                  "` is not a ratio between 0 and 1 (the share of traces sampled)");
  }
  return Sampler(Root::kRatio, parent_based, ratio);
}

bool Sampler::RootDecision(const TraceId& trace_id) const {
  switch (root_) {
    case Root::kAlwaysOn: return true;
    case Root::kAlwaysOff: return false;
    case Root::kRatio: return all_ || LowBits(trace_id) < bound_;
  }
  return false;
}

bool Sampler::ShouldSample(const TraceId& trace_id, std::optional<bool> remote_sampled) const {
  if (remote_sampled && parent_based_) return *remote_sampled;
  return RootDecision(trace_id);
}

}  // namespace lux::tracing
