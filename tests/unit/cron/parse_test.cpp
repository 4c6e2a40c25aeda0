// parseCron() on valid input: every syntax feature and the sets it produces.
#include "test_util.h"

using namespace lux::cron;
using lux::cron::test::spec;

namespace {
template <std::size_t N>
std::vector<int> bits(const std::bitset<N>& b) {
  std::vector<int> out;
  for (std::size_t i = 0; i < N; ++i)
    if (b.test(i)) out.push_back(static_cast<int>(i));
  return out;
}
using V = std::vector<int>;
}  // namespace

TEST_CASE("five fields: minute hour day-of-month month day-of-week") {
  const CronSpec s = spec("5 4 3 2 1");
  CHECK_FALSE(s.has_seconds);
  CHECK(bits(s.seconds) == V{0});
  CHECK(bits(s.minutes) == V{5});
  CHECK(bits(s.hours) == V{4});
  CHECK(bits(s.days_of_month) == V{3});
  CHECK(bits(s.months) == V{2});
  CHECK(bits(s.days_of_week) == V{1});
  CHECK_FALSE(s.day_of_month_star);
  CHECK_FALSE(s.day_of_week_star);
  CHECK_FALSE(s.hour_star);
  CHECK(s.text == "5 4 3 2 1");
}

TEST_CASE("six fields put seconds first (seed 002's */30 * * * * *)") {
  const CronSpec s = spec("*/30 * * * * *");
  CHECK(s.has_seconds);
  CHECK(bits(s.seconds) == V{0, 30});
  CHECK(s.minutes.all());
  CHECK(s.hours.all());
  CHECK(s.day_of_month_star);
  CHECK(s.day_of_week_star);
  CHECK(spec("1 2 3 4 5 6").seconds.count() == 1);
  CHECK(bits(spec("1 2 3 4 5 6").minutes) == V{2});
}

TEST_CASE("seed expressions parse") {
  for (const char* e : {"*/5 * * * *", "0 0 * * *", "0 */6 * * *", "0 * * * *", "0 0 * * 1", "*/30 * * * * *",
                        "0 9,17 * * 1-5"})
    CHECK(parseCron(e).ok());
}

TEST_CASE("star covers the field") {
  const CronSpec s = spec("* * * * *");
  CHECK(s.minutes.all());
  CHECK(s.hours.all());
  CHECK(bits(s.days_of_month).size() == 31);
  CHECK(bits(s.months).size() == 12);
  CHECK(s.days_of_week.all());
  CHECK(s.hour_star);
}

TEST_CASE("ranges, steps and lists") {
  CHECK(bits(spec("1-5 * * * *").minutes) == V{1, 2, 3, 4, 5});
  CHECK(bits(spec("*/15 * * * *").minutes) == V{0, 15, 30, 45});
  CHECK(bits(spec("10-30/10 * * * *").minutes) == V{10, 20, 30});
  CHECK(bits(spec("50/5 * * * *").minutes) == V{50, 55});  // a/n: a through the maximum
  CHECK(bits(spec("1,3-4,10/20 * * * *").minutes) == V{1, 3, 4, 10, 30, 50});
  CHECK(bits(spec("0 */7 * * *").hours) == V{0, 7, 14, 21});
  CHECK(bits(spec("0 0 */10 * *").days_of_month) == V{1, 11, 21, 31});
  CHECK(bits(spec("0 0 1 */3 *").months) == V{1, 4, 7, 10});
  CHECK(bits(spec("0 0 * * */2").days_of_week) == V{0, 2, 4, 6});
  CHECK(bits(spec("59 23 31 12 7").minutes) == V{59});       // every maximum
  CHECK(bits(spec("0 0 1 1 0").days_of_month) == V{1});       // every minimum
  CHECK(bits(spec("007 * * * *").minutes) == V{7});          // leading zeros
  CHECK(bits(spec("1,1,1 * * * *").minutes) == V{1});        // repeats are harmless
  CHECK(bits(spec("*/59 * * * *").minutes) == V{0, 59});     // the largest useful step
}

TEST_CASE("`?` means `*` in the day fields") {
  const CronSpec s = spec("0 0 ? * MON");
  CHECK(s.day_of_month_star);
  CHECK(bits(s.days_of_month).size() == 31);
  CHECK(spec("0 0 1 * ?").day_of_week_star);
}

TEST_CASE("month and weekday names, any case, in ranges and lists") {
  CHECK(bits(spec("0 0 1 JAN,mar,Dec *").months) == V{1, 3, 12});
  CHECK(bits(spec("0 0 1 jun-aug *").months) == V{6, 7, 8});
  CHECK(bits(spec("0 0 * * MON-FRI").days_of_week) == V{1, 2, 3, 4, 5});
  CHECK(bits(spec("0 0 * * sun,Sat").days_of_week) == V{0, 6});
  CHECK(bits(spec("0 0 * * MON/2").days_of_week) == V{0, 1, 3, 5});  // 1, 3, 5, 7: to the maximum, 7
  CHECK(bits(spec("0 0 1 FEB-12/2 *").months) == V{2, 4, 6, 8, 10, 12});  // names and numbers mix
}

TEST_CASE("day-of-week runs 0-7: `SUN` ending a range is 7, steps run through 7") {
  CHECK(bits(spec("0 0 * * MON-SUN").days_of_week).size() == 7);
  CHECK(bits(spec("0 0 * * mon-sun").days_of_week).size() == 7);
  CHECK(bits(spec("0 0 * * FRI-SUN").days_of_week) == V{0, 5, 6});
  CHECK(bits(spec("0 0 * * SAT-SUN").days_of_week) == V{0, 6});
  CHECK(bits(spec("0 0 * * SUN-SUN").days_of_week) == V{0});   // a range starting on Sunday: Sunday is 0
  CHECK(bits(spec("0 0 * * SUN-TUE").days_of_week) == V{0, 1, 2});
  CHECK(bits(spec("0 0 * * MON-SUN/2").days_of_week) == V{0, 1, 3, 5});
  CHECK(bits(spec("0 0 * * */2").days_of_week) == V{0, 2, 4, 6});  // 0-7 step 2: 7 not reached
  CHECK(bits(spec("0 0 * * */3").days_of_week) == V{0, 3, 6});
  CHECK(bits(spec("0 0 * * 1/3").days_of_week) == V{0, 1, 4});     // 1, 4, 7
  CHECK(bits(spec("0 0 * * SAT/1").days_of_week) == V{0, 6});      // 6, 7
  CHECK(bits(spec("0 0 * * 0/2").days_of_week) == V{0, 2, 4, 6});
}

TEST_CASE("day-of-week 7 is Sunday, like 0") {
  CHECK(bits(spec("0 0 * * 7").days_of_week) == V{0});
  CHECK(bits(spec("0 0 * * 5-7").days_of_week) == V{0, 5, 6});
  CHECK(bits(spec("0 0 * * 0-7").days_of_week).size() == 7);
}

TEST_CASE("macros expand to their five-field forms") {
  auto same = [](const char* macro, const char* fields) {
    const CronSpec a = spec(macro), b = spec(fields);
    INFO(macro);
    CHECK(a.minutes == b.minutes);
    CHECK(a.hours == b.hours);
    CHECK(a.days_of_month == b.days_of_month);
    CHECK(a.months == b.months);
    CHECK(a.days_of_week == b.days_of_week);
    CHECK(a.day_of_month_star == b.day_of_month_star);
    CHECK(a.day_of_week_star == b.day_of_week_star);
    CHECK(a.text == macro);
  };
  same("@yearly", "0 0 1 1 *");
  same("@annually", "0 0 1 1 *");
  same("@monthly", "0 0 1 * *");
  same("@weekly", "0 0 * * 0");
  same("@daily", "0 0 * * *");
  same("@midnight", "0 0 * * *");
  same("@hourly", "0 * * * *");
  CHECK(parseCron("@HOURLY").ok());
  CHECK(parseCron("  @daily  ").ok());
}

TEST_CASE("white space: tabs, runs of spaces, leading and trailing") {
  const CronSpec s = spec("  0\t9,17   * *\t1-5 ");
  CHECK(s.text == "0\t9,17   * *\t1-5");
  CHECK(bits(s.hours) == V{9, 17});
}

TEST_CASE("Vixie star rule: a day field is star when it starts with * or ?") {
  CHECK(spec("0 0 */2 * 1").day_of_month_star);
  CHECK_FALSE(spec("0 0 1-31 * 1").day_of_month_star);
  CHECK(spec("0 */2 * * *").hour_star);
  CHECK_FALSE(spec("0 0-23 * * *").hour_star);
}

TEST_CASE("an expression at the length limit parses, one byte more is refused") {
  std::string e = "0 0 * * *";
  e += std::string(kMaxCronLength - e.size(), ' ');
  CHECK(parseCron(e).ok());
  e += ' ';
  const auto r = parseCron(e);
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].kind == CronErrorKind::TooLong);
  CHECK(r.errors[0].message == "the expression is 1025 bytes long; the limit is 1024");
}
