// process_* metrics from /proc (process.cpp).
#pragma once

#include <vector>

#include "metrics/registry.h"

namespace lux::metrics {

void CollectProcess(std::vector<FamilySnapshot>& out);

}  // namespace lux::metrics
