// Process-wide tracing settings the component installs at Open and the spans read: the sampler.
// Entry points: ActiveSampler, SetActiveSampler.
#pragma once

#include "tracing/sampler.h"

namespace lux::tracing {

const Sampler& ActiveSampler();
// Set before serving (the component's Open); not while spans start on other threads.
void SetActiveSampler(const Sampler& sampler);

}  // namespace lux::tracing
