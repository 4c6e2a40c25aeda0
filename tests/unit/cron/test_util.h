// Helpers for the cron tests: parse-or-fail, and readable instants ("2024-02-29 09:00:00" UTC).
#pragma once

#include <catch2/catch.hpp>
#include <cstdio>
#include <string>

#include "lux_common/cron.h"

namespace lux::cron::test {

inline CronSpec spec(std::string_view text) {
  CronParseResult r = parseCron(text);
  INFO("expression: " << text);
  if (!r.errors.empty()) INFO("first error: " << r.errors.front().message);
  REQUIRE(r.ok());
  return *r.spec;
}

// "YYYY-MM-DD HH:MM:SS" (UTC) -> TimePoint.
inline TimePoint at(const std::string& s) {
  int y, mo, d, h, mi, se;
  REQUIRE(std::sscanf(s.c_str(), "%d-%d-%d %d:%d:%d", &y, &mo, &d, &h, &mi, &se) == 6);
  using namespace std::chrono;
  return sys_days(year(y) / mo / d) + hours(h) + minutes(mi) + seconds(se);
}

inline std::string show(TimePoint t) {
  using namespace std::chrono;
  const auto day = floor<days>(t);
  const year_month_day ymd(day);
  const hh_mm_ss hms(t - day);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u %02d:%02d:%02d", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return buf;
}

// The next `n` fire times after `from`, formatted.
inline std::vector<std::string> fires(const CronSpec& s, const std::string& from, int n,
                                      const TimeZone& zone = utcZone()) {
  std::vector<std::string> out;
  TimePoint t = at(from);
  for (int i = 0; i < n; ++i) {
    auto next = nextFireTime(s, t, zone);
    if (!next) break;
    REQUIRE(*next > t);
    out.push_back(show(*next));
    t = *next;
  }
  return out;
}

}  // namespace lux::cron::test
