// nextFireTime() in UTC and fixed-offset zones: sequences through a week, steps, seconds,
// month ends, leap years, the dom/dow OR rule, limits, and a cross-check against a naive
// minute-by-minute matcher written independently of the library.
#include <chrono>

#include "test_util.h"

using namespace lux::cron;
using lux::cron::test::at;
using lux::cron::test::fires;
using lux::cron::test::show;
using lux::cron::test::spec;
using S = std::vector<std::string>;

TEST_CASE("a working week of `0 9,17 * * 1-5`") {
  // 2024-06-01 is a Saturday.
  CHECK(fires(spec("0 9,17 * * 1-5"), "2024-06-01 00:00:00", 11) ==
        S{"2024-06-03 09:00:00", "2024-06-03 17:00:00", "2024-06-04 09:00:00", "2024-06-04 17:00:00",
          "2024-06-05 09:00:00", "2024-06-05 17:00:00", "2024-06-06 09:00:00", "2024-06-06 17:00:00",
          "2024-06-07 09:00:00", "2024-06-07 17:00:00", "2024-06-10 09:00:00"});
}

TEST_CASE("strictly after: a fire instant is not returned again") {
  const CronSpec s = spec("*/5 * * * *");
  CHECK(fires(s, "2024-06-01 10:02:30", 3) == S{"2024-06-01 10:05:00", "2024-06-01 10:10:00", "2024-06-01 10:15:00"});
  CHECK(fires(s, "2024-06-01 10:05:00", 1) == S{"2024-06-01 10:10:00"});
  CHECK(fires(s, "2024-06-01 23:55:00", 1) == S{"2024-06-02 00:00:00"});
}

TEST_CASE("six fields: seconds") {
  CHECK(fires(spec("*/30 * * * * *"), "2024-06-01 10:00:00", 3) ==
        S{"2024-06-01 10:00:30", "2024-06-01 10:01:00", "2024-06-01 10:01:30"});
  CHECK(fires(spec("15 30 12 * * *"), "2024-06-01 12:30:15", 1) == S{"2024-06-02 12:30:15"});
  CHECK(fires(spec("59 59 23 31 12 *"), "2024-01-01 00:00:00", 2) ==
        S{"2024-12-31 23:59:59", "2025-12-31 23:59:59"});
}

TEST_CASE("hour steps and macros") {
  CHECK(fires(spec("0 */6 * * *"), "2024-06-01 05:00:00", 3) ==
        S{"2024-06-01 06:00:00", "2024-06-01 12:00:00", "2024-06-01 18:00:00"});
  CHECK(fires(spec("@yearly"), "2024-05-05 00:00:00", 2) == S{"2025-01-01 00:00:00", "2026-01-01 00:00:00"});
  CHECK(fires(spec("@monthly"), "2024-01-31 00:00:00", 2) == S{"2024-02-01 00:00:00", "2024-03-01 00:00:00"});
  CHECK(fires(spec("@weekly"), "2024-06-01 00:00:00", 2) == S{"2024-06-02 00:00:00", "2024-06-09 00:00:00"});
  CHECK(fires(spec("@hourly"), "2024-06-01 23:30:00", 1) == S{"2024-06-02 00:00:00"});
}

TEST_CASE("month ends: day 31 skips the short months") {
  CHECK(fires(spec("0 0 31 * *"), "2024-01-31 00:00:00", 6) ==
        S{"2024-03-31 00:00:00", "2024-05-31 00:00:00", "2024-07-31 00:00:00", "2024-08-31 00:00:00",
          "2024-10-31 00:00:00", "2024-12-31 00:00:00"});
  CHECK(fires(spec("0 12 30 * *"), "2023-01-31 00:00:00", 2) == S{"2023-03-30 12:00:00", "2023-04-30 12:00:00"});
}

TEST_CASE("Feb 29 fires in leap years only, and 2100 is not one") {
  const CronSpec s = spec("0 0 29 2 *");
  CHECK(fires(s, "2024-03-01 00:00:00", 2) == S{"2028-02-29 00:00:00", "2032-02-29 00:00:00"});
  CHECK(fires(s, "2096-03-01 00:00:00", 1) == S{"2104-02-29 00:00:00"});
  CHECK(fires(s, "2399-01-01 00:00:00", 1) == S{"2400-02-29 00:00:00"});
}

TEST_CASE("Feb 29 that must also be a Sunday, Tuesday, Thursday or Saturday (AND rule)") {
  // `*/2` in day-of-week starts with `*`, so both day fields must match.
  const CronSpec s = spec("0 0 29 2 */2");
  TimePoint t = at("2024-03-01 00:00:00");
  for (int i = 0; i < 5; ++i) {
    auto next = nextFireTime(s, t, utcZone());
    REQUIRE(next);
    const auto day = std::chrono::floor<std::chrono::days>(*next);
    const std::chrono::year_month_day ymd(day);
    CHECK(static_cast<unsigned>(ymd.month()) == 2);
    CHECK(static_cast<unsigned>(ymd.day()) == 29);
    CHECK(std::chrono::weekday(day).c_encoding() % 2 == 0);
    // None was skipped: every leap year in between has Feb 29 on an odd weekday.
    for (int y = static_cast<int>(std::chrono::year_month_day(std::chrono::floor<std::chrono::days>(t)).year()) + 1;
         y < static_cast<int>(ymd.year()); ++y) {
      const std::chrono::year_month_day leap{std::chrono::year(y), std::chrono::February, std::chrono::day(29)};
      if (leap.ok()) CHECK(std::chrono::weekday(std::chrono::sys_days(leap)).c_encoding() % 2 == 1);
    }
    t = *next;
  }
}

TEST_CASE("day-of-month and day-of-week both restricted: either matches (Vixie)") {
  // Friday or the 13th; 2024-09-01 is a Sunday.
  CHECK(fires(spec("0 0 13 * 5"), "2024-09-01 00:00:00", 8) ==
        S{"2024-09-06 00:00:00", "2024-09-13 00:00:00", "2024-09-20 00:00:00", "2024-09-27 00:00:00",
          "2024-10-04 00:00:00", "2024-10-11 00:00:00", "2024-10-13 00:00:00", "2024-10-18 00:00:00"});
}

TEST_CASE("a star-based day field means both must match") {
  // Odd days (`*/2` = 1,3,...,31) that are Mondays.
  CHECK(fires(spec("0 0 */2 * 1"), "2024-09-01 00:00:00", 4) ==
        S{"2024-09-09 00:00:00", "2024-09-23 00:00:00", "2024-10-07 00:00:00", "2024-10-21 00:00:00"});
  // Only day-of-week restricted.
  CHECK(fires(spec("0 0 ? * MON"), "2024-09-01 00:00:00", 2) == S{"2024-09-02 00:00:00", "2024-09-09 00:00:00"});
}

TEST_CASE("day-of-week 0 and 7 are both Sunday") {
  const S sundays{"2024-06-02 00:00:00", "2024-06-09 00:00:00"};
  CHECK(fires(spec("0 0 * * 0"), "2024-06-01 00:00:00", 2) == sundays);
  CHECK(fires(spec("0 0 * * 7"), "2024-06-01 00:00:00", 2) == sundays);
  CHECK(fires(spec("0 0 * * SUN"), "2024-06-01 00:00:00", 2) == sundays);
}

// 2024-06-01 is a Saturday.
TEST_CASE("day-of-week ranges ending on SUN and steps to 7 fire on those days") {
  CHECK(fires(spec("0 0 * * MON-SUN"), "2024-06-01 00:00:00", 3) ==
        S{"2024-06-02 00:00:00", "2024-06-03 00:00:00", "2024-06-04 00:00:00"});
  CHECK(fires(spec("0 8 * * FRI-SUN"), "2024-06-03 00:00:00", 4) ==
        S{"2024-06-07 08:00:00", "2024-06-08 08:00:00", "2024-06-09 08:00:00", "2024-06-14 08:00:00"});
  // MON/2: Monday, Wednesday, Friday and Sunday (1, 3, 5, 7).
  CHECK(fires(spec("0 0 * * MON/2"), "2024-06-01 00:00:00", 5) ==
        S{"2024-06-02 00:00:00", "2024-06-03 00:00:00", "2024-06-05 00:00:00", "2024-06-07 00:00:00",
          "2024-06-09 00:00:00"});
  // */2: Sunday, Tuesday, Thursday, Saturday (0, 2, 4, 6).
  CHECK(fires(spec("0 0 * * */2"), "2024-06-01 00:00:00", 4) ==
        S{"2024-06-02 00:00:00", "2024-06-04 00:00:00", "2024-06-06 00:00:00", "2024-06-08 00:00:00"});
  CHECK(fires(spec("0 0 * * SAT/1"), "2024-06-03 00:00:00", 3) ==
        S{"2024-06-08 00:00:00", "2024-06-09 00:00:00", "2024-06-15 00:00:00"});
  CHECK(fires(spec("0 0 * * MON-SUN"), "2024-06-01 00:00:00", 3) == fires(spec("0 0 * * *"), "2024-06-01 00:00:00", 3));
}

TEST_CASE("fixed-offset zones") {
  auto india = fixedOffsetZone(std::chrono::hours(5) + std::chrono::minutes(30));
  auto pacific = fixedOffsetZone(-std::chrono::hours(8));
  REQUIRE(india);
  REQUIRE(pacific);
  CHECK(india->name() == "UTC+05:30");
  CHECK(pacific->name() == "UTC-08:00");
  const CronSpec s = spec("0 9 * * *");
  CHECK(fires(s, "2024-01-01 00:00:00", 2, *india) == S{"2024-01-01 03:30:00", "2024-01-02 03:30:00"});
  CHECK(fires(s, "2024-01-01 00:00:00", 2, *pacific) == S{"2024-01-01 17:00:00", "2024-01-02 17:00:00"});
  // Local day boundaries decide the weekday: Monday 01:30 in UTC+05:30 is Sunday 20:00 UTC.
  CHECK(fires(spec("30 23 * * MON"), "2024-06-01 00:00:00", 1, *india) == S{"2024-06-03 18:00:00"});
  CHECK(fires(spec("30 1 * * MON"), "2024-06-01 00:00:00", 1, *india) == S{"2024-06-02 20:00:00"});
}

TEST_CASE("limits: nothing after year kMaxCronYear, extreme instants do not overflow") {
  const CronSpec s = spec("0 0 1 1 *");
  CHECK_FALSE(nextFireTime(s, at("9999-01-01 00:00:00"), utcZone()));
  CHECK_FALSE(nextFireTime(s, TimePoint::max(), utcZone()));
  auto early = nextFireTime(s, TimePoint::min(), utcZone());
  REQUIRE(early);
  CHECK(show(*early) == "0001-01-01 00:00:00");
  CHECK(show(*nextFireTime(s, at("9998-06-01 00:00:00"), utcZone())) == "9999-01-01 00:00:00");
}

namespace {

// A deliberately naive matcher: does the UTC instant `t` (on a whole minute) match `s`?
bool naiveMatches(const CronSpec& s, TimePoint t) {
  using namespace std::chrono;
  const auto day = floor<days>(t);
  const year_month_day ymd(day);
  const hh_mm_ss hms(t - day);
  const unsigned dom = static_cast<unsigned>(ymd.day()), mon = static_cast<unsigned>(ymd.month());
  const unsigned dow = weekday(day).c_encoding();
  const bool d1 = s.days_of_month.test(dom), d2 = s.days_of_week.test(dow);
  const bool day_ok = (s.day_of_month_star || s.day_of_week_star) ? d1 && d2 : d1 || d2;
  return s.seconds.test(static_cast<std::size_t>(hms.seconds().count())) &&
         s.minutes.test(static_cast<std::size_t>(hms.minutes().count())) &&
         s.hours.test(static_cast<std::size_t>(hms.hours().count())) && s.months.test(mon) && day_ok;
}

}  // namespace

TEST_CASE("agrees with a naive minute-by-minute matcher over 60 days") {
  const char* exprs[] = {"0 9,17 * * 1-5", "*/7 */5 * * *", "0 0 13 * 5",    "0 0 */2 * 1", "15 10 31 * *",
                         "0 12 * JAN,FEB,MAR SUN", "5-10/2 3 1-7 * MON", "0 0 1,15 * WED", "@daily", "59 23 L-free * *"};
  for (const char* e : exprs) {
    const CronParseResult r = parseCron(e);
    if (!r.ok()) continue;  // the last entry is deliberately invalid and skipped
    const CronSpec& s = *r.spec;
    INFO("expression: " << e);
    TimePoint from = at("2024-01-20 00:00:00");
    const TimePoint end = from + std::chrono::days(60);
    auto next = nextFireTime(s, from - std::chrono::seconds(1), utcZone());
    for (TimePoint t = from; t < end; t += std::chrono::minutes(1)) {
      if (!naiveMatches(s, t)) continue;
      REQUIRE(next);
      CHECK(show(*next) == show(t));
      next = nextFireTime(s, t, utcZone());
    }
    if (next) CHECK(*next >= end);
  }
}

TEST_CASE("a rare schedule is found quickly") {
  const CronSpec s = spec("0 0 29 2 */2");
  const auto started = std::chrono::steady_clock::now();
  TimePoint t = at("2000-01-01 00:00:00");
  for (int i = 0; i < 50; ++i) t = *nextFireTime(s, t, utcZone());
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::milliseconds(200));
}
