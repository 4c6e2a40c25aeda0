// The sampler (OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG): whether a trace is recorded.
// A span with a parent in this process always follows the parent's sampled flag; the sampler
// decides for a trace that starts here and, unless it is one of the parentbased_* kinds, for a
// trace continued from a caller's traceparent too. Entry points: Sampler, Sampler::Parse.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "lux/http.h"

namespace lux::tracing {

class Sampler {
 public:
  enum class Root { kAlwaysOn, kAlwaysOff, kRatio };

  // The SDK's default: parentbased_always_on.
  Sampler() = default;
  Sampler(Root root, bool parent_based, double ratio = 1.0);

  // From the variables' values (nullopt: unset). Throws std::invalid_argument with a message
  // naming the variable and the accepted values.
  static Sampler Parse(std::optional<std::string_view> name, std::optional<std::string_view> arg);

  // A trace that starts here (no parent), or continues a remote parent whose sampled flag is
  // `remote_sampled` (nullopt: no remote parent).
  bool ShouldSample(const TraceId& trace_id, std::optional<bool> remote_sampled) const;

  Root root() const { return root_; }
  bool parent_based() const { return parent_based_; }
  double ratio() const { return ratio_; }

 private:
  bool RootDecision(const TraceId& trace_id) const;

  Root root_ = Root::kAlwaysOn;
  bool parent_based_ = true;
  double ratio_ = 1.0;
  std::uint64_t bound_ = 0;  // kRatio: sampled when the trace id's low 64 bits are below it
  bool all_ = true;          // kRatio with ratio >= 1
};

}  // namespace lux::tracing
