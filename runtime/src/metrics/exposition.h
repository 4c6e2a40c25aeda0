// The exposition formats a scrape answers in: Prometheus text 0.0.4, and OpenMetrics 1.0.0
// when the scraper's Accept header asks for it (counters' samples end in `_total` in both;
// OpenMetrics declares the family without it, declares `# UNIT seconds|bytes` for a family whose
// name ends in one, writes each counter's and histogram's `_created` and ends with `# EOF`).
// Entry points: Format, NegotiateFormat, ContentType, Encode.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "metrics/registry.h"

namespace lux::metrics {

enum class Format { kPrometheus, kOpenMetrics };

// OpenMetrics when `accept` lists application/openmetrics-text with a q above 0, else text 0.0.4.
Format NegotiateFormat(std::string_view accept);
const char* ContentType(Format f);
// Families in the order given, series in the order given.
std::string Encode(const std::vector<FamilySnapshot>& families, Format f);
// A sample value as both formats write it: integers without a fraction, +Inf, -Inf, NaN.
std::string FormatValue(double v);

}  // namespace lux::metrics
