// Time zones and daylight saving: POSIX rules (EU, US, southern hemisphere), TZif parsing from
// synthetic bytes, the system's zoneinfo when present, and nextFireTime() across DST changes:
// wall-clock schedules fire once (repeats at the first occurrence, gaps shifted by the gap),
// `*`-hour schedules follow elapsed time.
#include <algorithm>
#include <filesystem>
#include <set>

#include "test_util.h"

using namespace lux::cron;
using lux::cron::test::at;
using lux::cron::test::fires;
using lux::cron::test::show;
using lux::cron::test::spec;
using S = std::vector<std::string>;

namespace {
constexpr const char* kBerlinRule = "CET-1CEST,M3.5.0,M10.5.0/3";
constexpr const char* kNewYorkRule = "EST5EDT,M3.2.0,M11.1.0";
constexpr const char* kSydneyRule = "AEST-10AEDT,M10.1.0,M4.1.0/3";

long long offsetHours(const TimeZone& z, const char* t) { return z.offsetAt(at(t)).count() / 3600; }

std::unique_ptr<TimeZone> zone(const char* rule) {
  auto z = posixZone(rule);
  REQUIRE(z);
  return z;
}
}  // namespace

TEST_CASE("POSIX rules: offsets and transitions") {
  auto berlin = zone(kBerlinRule);
  CHECK(offsetHours(*berlin, "2024-01-15 12:00:00") == 1);
  CHECK(offsetHours(*berlin, "2024-07-15 12:00:00") == 2);
  CHECK(offsetHours(*berlin, "2024-03-31 00:59:59") == 1);
  CHECK(offsetHours(*berlin, "2024-03-31 01:00:00") == 2);
  CHECK(offsetHours(*berlin, "2024-10-27 00:59:59") == 2);
  CHECK(offsetHours(*berlin, "2024-10-27 01:00:00") == 1);
  CHECK(show(*berlin->nextTransition(at("2024-01-01 00:00:00"))) == "2024-03-31 01:00:00");
  CHECK(show(*berlin->nextTransition(at("2024-03-31 01:00:00"))) == "2024-10-27 01:00:00");
  CHECK(show(*berlin->nextTransition(at("2024-11-01 00:00:00"))) == "2025-03-30 01:00:00");

  auto new_york = zone(kNewYorkRule);
  CHECK(show(*new_york->nextTransition(at("2024-01-01 00:00:00"))) == "2024-03-10 07:00:00");
  CHECK(show(*new_york->nextTransition(at("2024-03-10 07:00:00"))) == "2024-11-03 06:00:00");
  CHECK(offsetHours(*new_york, "2024-06-01 00:00:00") == -4);

  auto sydney = zone(kSydneyRule);
  CHECK(offsetHours(*sydney, "2024-01-01 00:00:00") == 11);
  CHECK(offsetHours(*sydney, "2024-07-01 00:00:00") == 10);
  CHECK(show(*sydney->nextTransition(at("2024-01-01 00:00:00"))) == "2024-04-06 16:00:00");
  CHECK(show(*sydney->nextTransition(at("2024-04-06 16:00:00"))) == "2024-10-05 16:00:00");

  auto plain = zone("JST-9");
  CHECK(offsetHours(*plain, "2024-06-01 00:00:00") == 9);
  CHECK_FALSE(plain->nextTransition(at("2024-06-01 00:00:00")));
  CHECK(zone("<+0530>-5:30")->offsetAt(at("2024-06-01 00:00:00")).count() == 5 * 3600 + 1800);
}

TEST_CASE("malformed POSIX rules are refused") {
  for (const char* bad : {"", "C", "CET", "CET-1CEST,", "CET-1CEST,M3.5.0", "CET-1CEST,M13.5.0,M10.5.0",
                          "CET-1CEST,M3.6.0,M10.5.0", "CET-1CEST,M3.5.0,M10.5.0/x", "CET99", "<CET-1"})
    CHECK_FALSE(posixZone(bad));
}

TEST_CASE("DST gap: a wall-clock time that does not exist fires shifted by the gap") {
  auto berlin = zone(kBerlinRule);
  // 2024-03-31: 02:00 CET jumps to 03:00 CEST. 02:30 runs at 03:30 CEST (01:30 UTC).
  CHECK(fires(spec("30 2 * * *"), "2024-03-30 00:00:00", 3, *berlin) ==
        S{"2024-03-30 01:30:00", "2024-03-31 01:30:00", "2024-04-01 00:30:00"});
  // Asked just before the change, or after it but before the shifted time (a process starting
  // then): the shifted time is still ahead.
  CHECK(fires(spec("30 2 * * *"), "2024-03-31 00:59:59", 2, *berlin) ==
        S{"2024-03-31 01:30:00", "2024-04-01 00:30:00"});
  CHECK(fires(spec("30 2 * * *"), "2024-03-31 01:10:00", 1, *berlin) == S{"2024-03-31 01:30:00"});
  CHECK(fires(spec("30 2 * * *"), "2024-03-31 01:30:00", 1, *berlin) == S{"2024-04-01 00:30:00"});
  // Several wall times in the gap, and the same instants again after it: each instant once.
  CHECK(fires(spec("0,30 2,3 * * *"), "2024-03-31 00:00:00", 4, *berlin) ==
        S{"2024-03-31 01:00:00", "2024-03-31 01:30:00", "2024-04-01 00:00:00", "2024-04-01 00:30:00"});
}

TEST_CASE("DST repeat: a wall-clock time that occurs twice fires at its first occurrence") {
  auto berlin = zone(kBerlinRule);
  // 2024-10-27: 03:00 CEST goes back to 02:00 CET; 02:30 happens at 00:30 and 01:30 UTC.
  CHECK(fires(spec("30 2 * * *"), "2024-10-26 00:00:00", 3, *berlin) ==
        S{"2024-10-26 00:30:00", "2024-10-27 00:30:00", "2024-10-28 01:30:00"});
  // Every minute of hour 2, asked from inside the second pass: nothing until the next day.
  CHECK(fires(spec("* 2 * * *"), "2024-10-27 01:10:00", 1, *berlin) == S{"2024-10-28 01:00:00"});
  CHECK(fires(spec("* 2 * * *"), "2024-10-27 00:58:00", 2, *berlin) ==
        S{"2024-10-27 00:59:00", "2024-10-28 01:00:00"});
  // Six fields, every second of 02:xx: skipping the repeated hour stays quick.
  CHECK(fires(spec("* * 2 * * *"), "2024-10-27 01:00:00", 1, *berlin) == S{"2024-10-28 01:00:00"});
}

TEST_CASE("`*`-hour schedules follow elapsed time across DST") {
  auto berlin = zone(kBerlinRule);
  CHECK(fires(spec("30 * * * *"), "2024-03-31 00:00:00", 3, *berlin) ==
        S{"2024-03-31 00:30:00", "2024-03-31 01:30:00", "2024-03-31 02:30:00"});
  CHECK(fires(spec("30 * * * *"), "2024-10-27 00:00:00", 3, *berlin) ==
        S{"2024-10-27 00:30:00", "2024-10-27 01:30:00", "2024-10-27 02:30:00"});
  CHECK(fires(spec("*/30 * * * * *"), "2024-10-27 00:59:00", 3, *berlin) ==
        S{"2024-10-27 00:59:30", "2024-10-27 01:00:00", "2024-10-27 01:00:30"});
}

TEST_CASE("a working week in New York across the March change") {
  auto new_york = zone(kNewYorkRule);
  // 2024-03-08 is a Friday; the clocks change on Sunday 2024-03-10.
  CHECK(fires(spec("0 9 * * MON-FRI"), "2024-03-08 00:00:00", 3, *new_york) ==
        S{"2024-03-08 14:00:00", "2024-03-11 13:00:00", "2024-03-12 13:00:00"});
  // 01:30 happens twice on 2024-11-03 (05:30 and 06:30 UTC): once.
  CHECK(fires(spec("30 1 * * *"), "2024-11-02 12:00:00", 2, *new_york) ==
        S{"2024-11-03 05:30:00", "2024-11-04 06:30:00"});
}

TEST_CASE("southern hemisphere: DST across the new year") {
  auto sydney = zone(kSydneyRule);
  CHECK(fires(spec("0 12 1 * *"), "2024-03-15 00:00:00", 2, *sydney) ==
        S{"2024-04-01 01:00:00", "2024-05-01 02:00:00"});
  CHECK(fires(spec("30 2 * * *"), "2024-10-05 00:00:00", 2, *sydney) ==
        S{"2024-10-05 16:30:00", "2024-10-06 15:30:00"});
}

namespace {

// Builds a version-2 TZif file: empty v1 block, then the v2 block with `transitions`
// (instant, type index), `offsets` per type and the footer rule.
std::string tzif(const std::vector<std::pair<long long, int>>& transitions, const std::vector<int>& offsets,
                 const std::string& footer) {
  auto be = [](std::string& out, unsigned long long v, int n) {
    for (int i = n - 1; i >= 0; --i) out += static_cast<char>((v >> (8 * i)) & 0xFF);
  };
  auto header = [&](std::string& out, std::size_t times, std::size_t types, std::size_t chars) {
    out += "TZif2";
    out += std::string(15, '\0');
    be(out, 0, 4), be(out, 0, 4), be(out, 0, 4);
    be(out, times, 4), be(out, types, 4), be(out, chars, 4);
  };
  std::string out;
  header(out, 0, 1, 1);
  be(out, 0, 4), out += '\0', out += '\0';  // one v1 type, offset 0, isdst 0, abbr index 0
  out += '\0';                              // abbreviation bytes
  header(out, transitions.size(), offsets.size(), 1);
  for (auto& [t, i] : transitions) be(out, static_cast<unsigned long long>(t), 8);
  for (auto& [t, i] : transitions) out += static_cast<char>(i);
  for (int o : offsets) be(out, static_cast<unsigned int>(o), 4), out += '\0', out += '\0';
  out += '\0';
  out += "\n" + footer + "\n";
  return out;
}

long long epoch(const char* t) { return at(t).time_since_epoch().count(); }

}  // namespace

TEST_CASE("TZif: table, then footer rule") {
  // Type 0: +01:00; type 1: +02:00. One transition to +02:00 in 2000, back in 2001, then the EU rule.
  const std::string bytes = tzif({{epoch("2000-03-26 01:00:00"), 1}, {epoch("2000-10-29 01:00:00"), 0}}, {3600, 7200},
                                 kBerlinRule);
  auto z = tzifZone(bytes, "Test/Zone");
  REQUIRE(z);
  CHECK(z->name() == "Test/Zone");
  CHECK(offsetHours(*z, "1990-06-01 00:00:00") == 1);  // before the table: type 0
  CHECK(offsetHours(*z, "2000-06-01 00:00:00") == 2);
  CHECK(offsetHours(*z, "2000-12-01 00:00:00") == 1);
  CHECK(offsetHours(*z, "2024-07-01 00:00:00") == 2);  // footer
  CHECK(show(*z->nextTransition(at("2000-01-01 00:00:00"))) == "2000-03-26 01:00:00");
  CHECK(show(*z->nextTransition(at("2000-10-29 01:00:00"))) == "2001-03-25 01:00:00");
  CHECK(fires(spec("30 2 * * *"), "2024-03-30 00:00:00", 2, *z) == S{"2024-03-30 01:30:00", "2024-03-31 01:30:00"});
}

TEST_CASE("TZif: malformed bytes are refused") {
  const std::string good = tzif({{0, 1}}, {0, 3600}, "");
  REQUIRE(tzifZone(good, "x"));
  CHECK_FALSE(tzifZone("", "x"));
  CHECK_FALSE(tzifZone("TZif", "x"));
  CHECK_FALSE(tzifZone(good.substr(0, good.size() - 8), "x"));
  std::string bad_type = good;
  bad_type[44 + 7 + 44 + 8] = 5;  // transition to a type that does not exist
  CHECK_FALSE(tzifZone(bad_type, "x"));
  CHECK_FALSE(tzifZone(tzif({{0, 1}}, {0, 3600}, "CET-1CEST,"), "x"));
  for (std::size_t cut = 0; cut < good.size(); ++cut) tzifZone(good.substr(0, cut), "x");  // no crash
}

TEST_CASE("loadZone: names, fixed offsets, refusals") {
  CHECK(loadZone("UTC")->offsetAt(at("2024-01-01 00:00:00")).count() == 0);
  CHECK(loadZone("+05:30")->offsetAt(at("2024-01-01 00:00:00")).count() == 5 * 3600 + 1800);
  CHECK(loadZone("-0800")->offsetAt(at("2024-01-01 00:00:00")).count() == -8 * 3600);
  CHECK_FALSE(loadZone("../../etc/passwd"));
  CHECK_FALSE(loadZone("/etc/passwd"));
  CHECK_FALSE(loadZone("No/Such_Zone"));
  CHECK_FALSE(loadZone(""));
  CHECK_FALSE(loadZone("+25:00"));
}

TEST_CASE("the system's Europe/Berlin agrees with the EU rule (skipped without tzdata)") {
  if (!std::filesystem::exists("/usr/share/zoneinfo/Europe/Berlin")) {
    WARN("no /usr/share/zoneinfo/Europe/Berlin; skipped");
    return;
  }
  auto sys = loadZone("Europe/Berlin");
  REQUIRE(sys);
  auto rule = zone(kBerlinRule);
  for (TimePoint t = at("1997-01-01 00:00:00"); t < at("2040-01-01 00:00:00"); t += std::chrono::hours(24 * 7 + 5))
    REQUIRE(sys->offsetAt(t) == rule->offsetAt(t));
  TimePoint t = at("1997-01-01 00:00:00");
  for (int i = 0; i < 60; ++i) {
    const auto a = sys->nextTransition(t), b = rule->nextTransition(t);
    REQUIRE(a);
    REQUIRE(b);
    REQUIRE(show(*a) == show(*b));
    t = *a;
  }
  CHECK(offsetHours(*sys, "1945-06-01 00:00:00") == 3);  // history the rule cannot know (CEMT)
}

namespace {

// The documented DST semantics computed naively, minute by minute over [from, to), for a
// 5-field spec in a zone: the sorted set of fire instants.
std::vector<std::string> naiveDstFires(const CronSpec& s, const TimeZone& z, TimePoint from, TimePoint to) {
  using namespace std::chrono;
  auto local_matches = [&](long long local) {
    const auto day = floor<days>(sys_seconds(seconds(local)));
    const year_month_day ymd(day);
    const hh_mm_ss hms(sys_seconds(seconds(local)) - day);
    const bool d1 = s.days_of_month.test(static_cast<unsigned>(ymd.day()));
    const bool d2 = s.days_of_week.test(weekday(day).c_encoding());
    const bool day_ok = (s.day_of_month_star || s.day_of_week_star) ? d1 && d2 : d1 || d2;
    return hms.seconds().count() == 0 && s.minutes.test(static_cast<std::size_t>(hms.minutes().count())) &&
           s.hours.test(static_cast<std::size_t>(hms.hours().count())) &&
           s.months.test(static_cast<unsigned>(ymd.month())) && day_ok;
  };
  auto off = [&](long long t) { return z.offsetAt(sys_seconds(seconds(t))).count(); };
  std::set<long long> out;
  const long long a = from.time_since_epoch().count(), b = to.time_since_epoch().count();
  if (s.hour_star) {
    for (long long t = a; t < b; t += 60)
      if (local_matches(t + off(t))) out.insert(t);
  } else {
    for (long long local = a - 86400; local < b + 86400; local += 60) {
      if (!local_matches(local)) continue;
      std::vector<long long> occurrences;
      for (long long o = -14 * 3600; o <= 14 * 3600; o += 900)
        if (off(local - o) == o) occurrences.push_back(local - o);
      long long t;
      if (!occurrences.empty()) t = *std::min_element(occurrences.begin(), occurrences.end());
      else t = local - off(local - 86400);  // in a gap: the offset before it
      if (t >= a && t < b) out.insert(t);
    }
  }
  std::vector<std::string> shown;
  for (long long t : out) shown.push_back(show(sys_seconds(seconds(t))));
  return shown;
}

}  // namespace

TEST_CASE("across DST changes, agrees with a naive model of the documented rules") {
  const char* exprs[] = {"30 2 * * *", "*/20 * * * *", "0,30 1-3 * * *", "*/15 2 * * *", "0 */2 * * *",
                         "45 2 31 3 *",  "10 2 27 10 *", "0 3 * * SUN",  "5 0-5 * * *"};
  struct Case {
    const char* rule;
    const char* from;
    const char* to;
  };
  const Case cases[] = {{kBerlinRule, "2024-03-29 00:00:00", "2024-04-02 00:00:00"},
                        {kBerlinRule, "2024-10-25 00:00:00", "2024-10-29 00:00:00"},
                        {kNewYorkRule, "2024-03-08 00:00:00", "2024-03-12 00:00:00"},
                        {kNewYorkRule, "2024-11-01 00:00:00", "2024-11-05 00:00:00"},
                        {kSydneyRule, "2024-04-04 00:00:00", "2024-04-08 00:00:00"},
                        {kSydneyRule, "2024-10-03 00:00:00", "2024-10-07 00:00:00"}};
  for (const Case& c : cases) {
    auto z = zone(c.rule);
    for (const char* e : exprs) {
      const CronSpec s = spec(e);
      INFO(c.rule << " `" << e << "` from " << c.from);
      const TimePoint a = at(c.from), b = at(c.to);
      std::vector<std::string> got;
      for (auto t = nextFireTime(s, a - std::chrono::seconds(1), *z); t && *t < b; t = nextFireTime(s, *t, *z))
        got.push_back(show(*t));
      CHECK(got == naiveDstFires(s, *z, a, b));
    }
  }
}

TEST_CASE("a whole skipped day: Samoa's 2011-12-30 (skipped without tzdata)") {
  auto apia = loadZone("Pacific/Apia");
  if (!apia) {
    WARN("no Pacific/Apia in /usr/share/zoneinfo; skipped");
    return;
  }
  // Local noon on Dec 28 and 29 (UTC-10), then Dec 31 (UTC+14); Dec 30's noon, shifted by the
  // day-long gap, is Dec 31's noon and fires once.
  CHECK(fires(spec("0 12 * * *"), "2011-12-28 00:00:00", 4, *apia) ==
        S{"2011-12-28 22:00:00", "2011-12-29 22:00:00", "2011-12-30 22:00:00", "2011-12-31 22:00:00"});
}

TEST_CASE("zone limits: offsets up to 25 hours, zone files up to 1 MiB") {
  CHECK(fixedOffsetZone(std::chrono::hours(25)));
  CHECK(fixedOffsetZone(-std::chrono::hours(25)));
  CHECK_FALSE(fixedOffsetZone(std::chrono::hours(25) + std::chrono::seconds(1)));
  CHECK(posixZone("XXX-24:59:59"));
  CHECK_FALSE(posixZone("XXX-25:00:01"));
  // A valid file padded past the limit is refused (the padding alone would be ignored).
  std::string big = tzif({{0, 1}}, {0, 3600}, "");
  REQUIRE(tzifZone(big, "x"));
  big.resize((1 << 20) + 1, '\n');
  CHECK_FALSE(tzifZone(big, "x"));
}
