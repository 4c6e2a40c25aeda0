// A time span written as text, jsonwebtoken's (and the `ms` package's) spelling, header only:
// "1h", "30m", "7d", "60s", "2 days", "1.5 hours", "500ms". The checker judges a literal
// `sign_jwt(..., { expires_in: "1h" })` with it and the stdlib reads a computed one.
// One difference from jsonwebtoken: a number without a unit ("120") is seconds, as a number
// `expires_in: 120` is (jsonwebtoken reads "120" as 120 milliseconds, a token already expired).
#pragma once

#include <cctype>
#include <optional>
#include <string>
#include <string_view>

namespace lux::common {

// The span in seconds (fractional for "500ms"), or nullopt when `text` is not a span. A negative
// span ("-1h") is returned negative: the caller refuses it.
inline std::optional<double> TimespanSeconds(std::string_view text) {
  size_t i = 0;
  bool negative = false;
  if (i < text.size() && text[i] == '-') negative = true, ++i;
  double value = 0, scale = 0;
  bool digits = false;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (c == '.' && scale == 0) {
      scale = 1;
    } else if (std::isdigit(static_cast<unsigned char>(c))) {
      digits = true;
      if (scale != 0) scale /= 10, value += (c - '0') * scale;
      else value = value * 10 + (c - '0');
    } else {
      break;
    }
  }
  if (!digits) return std::nullopt;
  while (i < text.size() && text[i] == ' ') ++i;
  std::string unit;
  for (; i < text.size(); ++i) unit += static_cast<char>(std::tolower(static_cast<unsigned char>(text[i])));
  struct Unit {
    const char* names[7];
    double seconds;
  };
  static const Unit kUnits[] = {
      {{"ms", "msec", "msecs", "millisecond", "milliseconds"}, 0.001},
      {{"", "s", "sec", "secs", "second", "seconds"}, 1},
      {{"m", "min", "mins", "minute", "minutes"}, 60},
      {{"h", "hr", "hrs", "hour", "hours"}, 3600},
      {{"d", "day", "days"}, 86400},
      {{"w", "week", "weeks"}, 604800},
      {{"y", "yr", "yrs", "year", "years"}, 31557600},
  };
  for (const Unit& u : kUnits)
    for (const char* name : u.names)
      if (name && unit == name) return (negative ? -value : value) * u.seconds;
  return std::nullopt;
}

}  // namespace lux::common
