// parseCron() on bad input: every error kind, the exact span it underlines, its wording, and
// that every bad element is reported (not just the first). A coverage check fails when a kind
// in cron_errors.def has no row here.
#include <set>

#include "test_util.h"

using namespace lux::cron;

namespace {

struct Row {
  const char* text;
  CronErrorKind kind;
  const char* underlined;  // text[offset, offset+length)
  const char* message;     // exact message
};

const Row kRows[] = {
    {"", CronErrorKind::Empty, "",
     "expected 5 or 6 fields, found none; for example `*/5 * * * *`, or a macro such as `@daily`"},
    {"   ", CronErrorKind::Empty, "   ",
     "expected 5 or 6 fields, found none; for example `*/5 * * * *`, or a macro such as `@daily`"},
    {"0 0 * *", CronErrorKind::FieldCount, "0 0 * *",
     "expected 5 or 6 fields, found 4; the fields are `minute hour day-of-month month day-of-week`, optionally "
     "preceded by `second`"},
    {"0 0 * * * * 2024", CronErrorKind::FieldCount, "2024",
     "expected 5 or 6 fields, found 7; a year field is not supported"},
    {"0 0 * * * * 1 2", CronErrorKind::FieldCount, "1 2", "expected 5 or 6 fields, found 8"},
    {"61 * * * *", CronErrorKind::OutOfRange, "61", "minute value `61` is out of range 0-59"},
    {"60 0 * * * *", CronErrorKind::OutOfRange, "60", "second value `60` is out of range 0-59"},
    {"0 24 * * *", CronErrorKind::OutOfRange, "24", "hour value `24` is out of range 0-23"},
    {"0 0 0 * *", CronErrorKind::OutOfRange, "0", "day-of-month value `0` is out of range 1-31"},
    {"0 0 32 * *", CronErrorKind::OutOfRange, "32", "day-of-month value `32` is out of range 1-31"},
    {"0 0 1 13 *", CronErrorKind::OutOfRange, "13", "month value `13` is out of range 1-12"},
    {"0 0 * * 8", CronErrorKind::OutOfRange, "8", "day-of-week value `8` is out of range 0-7 (0 and 7 are Sunday)"},
    {"0 0-99 * * *", CronErrorKind::OutOfRange, "99", "hour value `99` is out of range 0-23"},
    {"99999999999999999999 * * * *", CronErrorKind::OutOfRange, "99999999999999999999",
     "minute value `99999999999999999999` is out of range 0-59"},
    {"5-2 * * * *", CronErrorKind::ReversedRange, "5-2",
     "range `5-2` is reversed and ranges do not wrap around: write `2-5`, or `5-59,0-2` to wrap around"},
    {"0 0 * * FRI-MON", CronErrorKind::ReversedRange, "FRI-MON",
     "range `FRI-MON` is reversed and ranges do not wrap around: write `MON-FRI`, or `FRI-SUN,MON` to wrap around"},
    {"0 0 * * SAT-TUE", CronErrorKind::ReversedRange, "SAT-TUE",
     "range `SAT-TUE` is reversed and ranges do not wrap around: write `TUE-SAT`, or `SAT-SUN,MON-TUE` to wrap "
     "around"},
    {"0 0 * * 6-1", CronErrorKind::ReversedRange, "6-1",
     "range `6-1` is reversed and ranges do not wrap around: write `1-6`, or `6-7,1` to wrap around"},
    {"0 0 * * 1-0", CronErrorKind::ReversedRange, "1-0",
     "range `1-0` is reversed; a range ending on Sunday ends with `7` or `SUN`: write `1-7`"},
    {"0 0 1 NOV-feb *", CronErrorKind::ReversedRange, "NOV-feb",
     "range `NOV-feb` is reversed and ranges do not wrap around: write `feb-NOV`, or `NOV-DEC,JAN-FEB` to wrap "
     "around"},
    {"0 22-2 * * *", CronErrorKind::ReversedRange, "22-2",
     "range `22-2` is reversed and ranges do not wrap around: write `2-22`, or `22-23,0-2` to wrap around"},
    {"*/0 * * * *", CronErrorKind::ZeroStep, "0", "step must be at least 1, found `0`"},
    {"*/x * * * *", CronErrorKind::BadStep, "x", "step `x` is not a number"},
    {"*/90 * * * *", CronErrorKind::StepTooLarge, "90",
     "step `90` is larger than the minute range 0-59 and would only select `0`"},
    {"0 */24 * * *", CronErrorKind::StepTooLarge, "24",
     "step `24` is larger than the hour range 0-23 and would only select `0`"},
    {"*/0100 * * * *", CronErrorKind::StepTooLarge, "0100",
     "step `0100` is larger than the minute range 0-59 and would only select `0`"},
    {"0-10/20 * * * *", CronErrorKind::StepTooLarge, "20",
     "step `20` is larger than the range `0-10` and would only select `0`"},
    {"0 0 * * */7", CronErrorKind::StepTooLarge, "7", "step `7` in `*/7` would only select Sunday (`0` and `7` are both Sunday)"},
    {"0 0 * * 0-7/7", CronErrorKind::StepTooLarge, "7",
     "step `7` in `0-7/7` would only select Sunday (`0` and `7` are both Sunday)"},
    {"0 0 * * */8", CronErrorKind::StepTooLarge, "8",
     "step `8` is larger than the day-of-week range 0-7 and would only select `0`"},
    {"0 0 * * 7/1", CronErrorKind::StepTooLarge, "1",
     "step `1` is larger than the range from `7` to the day-of-week maximum 7 and would only select `7`"},
    {"0 0 * * SAT/2", CronErrorKind::StepTooLarge, "2",
     "step `2` is larger than the range from `SAT` to the day-of-week maximum 7 and would only select `SAT`"},
    {"0 0 * * MON-FRI/5", CronErrorKind::StepTooLarge, "5",
     "step `5` is larger than the range `MON-FRI` and would only select `MON`"},
    {"50/10 * * * *", CronErrorKind::StepTooLarge, "10",
     "step `10` is larger than the range from `50` to the minute maximum 59 and would only select `50`"},
    {"0 0 1 JNU *", CronErrorKind::UnknownName, "JNU", "unknown month name `JNU`; did you mean `JUN`?"},
    {"0 0 1 January *", CronErrorKind::UnknownName, "January", "unknown month name `January`; did you mean `JAN`?"},
    {"0 0 1 XYZ *", CronErrorKind::UnknownName, "XYZ", "unknown month name `XYZ`; months are 1-12 or JAN-DEC"},
    {"0 0 1 MON *", CronErrorKind::UnknownName, "MON",
     "unknown month name `MON`; `MON` is a day-of-week name, and months are 1-12 or JAN-DEC"},
    {"0 0 * * MONDAY", CronErrorKind::UnknownName, "MONDAY", "unknown day-of-week name `MONDAY`; did you mean `MON`?"},
    {"0 0 * * Tuse", CronErrorKind::UnknownName, "Tuse", "unknown day-of-week name `Tuse`; did you mean `TUE`?"},
    {"0 0 * * JAN", CronErrorKind::UnknownName, "JAN",
     "unknown day-of-week name `JAN`; `JAN` is a month name, and days of the week are 0-7 or SUN-SAT"},
    {"0 noon * * *", CronErrorKind::UnknownName, "noon", "hour value `noon` is not a number; hours are 0-23"},
    {"0 0 MON * *", CronErrorKind::UnknownName, "MON",
     "day-of-month value `MON` is not a number; days of the month are 1-31 (names are only allowed in the month and "
     "day-of-week fields)"},
    {"? * * * *", CronErrorKind::MisplacedAny, "?",
     "`?` is only allowed in the day-of-month and day-of-week fields; use `*` in the minute field"},
    {"0 0 ?/2 * *", CronErrorKind::MisplacedAny, "?/2", "`?` cannot take a step; use `*/2`"},
    {"1,,2 * * * *", CronErrorKind::EmptyElement, ",", "empty element in the minute list `1,,2`"},
    {"0 1, * * *", CronErrorKind::EmptyElement, ",", "empty element in the hour list `1,`"},
    {"5- * * * *", CronErrorKind::MissingValue, "5-", "missing end of range in `5-`"},
    {"-5 * * * *", CronErrorKind::MissingValue, "-5", "missing start of range in `-5`"},
    {"*/ * * * *", CronErrorKind::MissingValue, "/", "missing step after `/` in `*/`"},
    {"/5 * * * *", CronErrorKind::MissingValue, "/5", "missing value before `/` in `/5`"},
    {"0 0 * * 1-2-3", CronErrorKind::UnexpectedChar, "-", "unexpected second `-` in range `1-2-3`"},
    {"0 0 * * 1.5", CronErrorKind::UnexpectedChar, ".", "unexpected character `.` in the day-of-week field"},
    {"5x * * * *", CronErrorKind::UnexpectedChar, "x", "unexpected character `x` in minute value `5x`"},
    {"0 0 * * é", CronErrorKind::UnexpectedChar, "é", "unexpected character `é` in the day-of-week field"},
    {"0 0 * * \x01", CronErrorKind::UnexpectedChar, "\x01", "unexpected character `\\x01` in the day-of-week field"},
    {"*-5 * * * *", CronErrorKind::UnexpectedChar, "*",
     "unexpected `*` in `*-5`; `*` stands alone or before a step, as in `*/5`"},
    {"0 0 1-? * *", CronErrorKind::UnexpectedChar, "?",
     "unexpected `?` in `1-?`; `*` stands alone or before a step, as in `*/5`"},
    {"0 0 1 JAN1 *", CronErrorKind::UnknownName, "JAN1", "unknown month name `JAN1`; did you mean `JAN`?"},
    {"0 @ * * *", CronErrorKind::UnexpectedChar, "@", "unexpected character `@` in the hour field"},
    {"@fortnightly", CronErrorKind::UnknownMacro, "@fortnightly",
     "unknown macro `@fortnightly`; the macros are `@yearly`, `@annually`, `@monthly`, `@weekly`, `@daily`, "
     "`@midnight` and `@hourly`"},
    {"@dialy", CronErrorKind::UnknownMacro, "@dialy",
     "unknown macro `@dialy`; the macros are `@yearly`, `@annually`, `@monthly`, `@weekly`, `@daily`, `@midnight` "
     "and `@hourly`; did you mean `@daily`?"},
    {"@reboot", CronErrorKind::RebootMacro, "@reboot",
     "`@reboot` is not a schedule: it means once at start-up; use `on_start` for that"},
    {"@daily 0 0 * * *", CronErrorKind::MacroWithFields, "0 0 * * *",
     "`@daily` stands alone; remove the fields after it"},
    {"0 0 L * *", CronErrorKind::Unsupported, "L", "`L` (last day) is not supported"},
    {"0 0 15W * *", CronErrorKind::Unsupported, "15W", "`15W` (nearest weekday) is not supported"},
    {"0 0 * * 5L", CronErrorKind::Unsupported, "5L", "`5L` (last day) is not supported"},
    {"0 0 * * 1#2", CronErrorKind::Unsupported, "#",
     "`#` (nth weekday of the month) is not supported; list the days of the month instead"},
    {"0 0 30 2 *", CronErrorKind::NeverFires, "30", "day 30 never occurs in February"},
    {"0 0 31 4,6,9,11 *", CronErrorKind::NeverFires, "31",
     "day 31 never occurs in April, June, September or November"},
    {"0 0 30-31 FEB *", CronErrorKind::NeverFires, "30-31",
     "none of the days `30-31` occurs in February"},
    {"0 0 0 31 2 *", CronErrorKind::NeverFires, "31", "day 31 never occurs in February"},
    {"0 0 31 2 */2", CronErrorKind::NeverFires, "31", "day 31 never occurs in February"},
};

std::string_view underlined(const Row& row, const CronError& e) {
  return std::string_view(row.text).substr(e.offset, e.length);
}

}  // namespace

TEST_CASE("each error kind: span and message") {
  for (const Row& row : kRows) {
    INFO("expression: `" << row.text << "`");
    const CronParseResult r = parseCron(row.text);
    CHECK_FALSE(r.ok());
    REQUIRE(r.errors.size() == 1);
    const CronError& e = r.errors[0];
    CHECK(cronErrorId(e.kind) == cronErrorId(row.kind));
    CHECK(e.offset + e.length <= std::string_view(row.text).size());
    CHECK(underlined(row, e) == row.underlined);
    CHECK(e.message == row.message);
  }
}

TEST_CASE("every error kind has a row in the table") {
  std::set<CronErrorKind> covered;
  for (const Row& row : kRows) covered.insert(row.kind);
  CronErrorKind kinds[] = {
#define CRON_ERROR(name, id, doc) CronErrorKind::name,
#include "lux_common/cron_errors.def"
  };
  for (CronErrorKind k : kinds) {
    INFO("kind " << cronErrorId(k));
    if (k == CronErrorKind::TooLong) continue;  // covered in parse_test.cpp at the limit
    CHECK(covered.count(k) == 1);
  }
}

TEST_CASE("error ids are distinct and stable in form") {
  std::set<std::string_view> ids;
  CronErrorKind kinds[] = {
#define CRON_ERROR(name, id, doc) CronErrorKind::name,
#include "lux_common/cron_errors.def"
  };
  for (CronErrorKind k : kinds) {
    CHECK(cronErrorId(k).substr(0, 5) == "cron-");
    CHECK(ids.insert(cronErrorId(k)).second);
  }
}

TEST_CASE("every bad field and element is reported, in order") {
  const std::string text = "61 24 0 13 8";
  const CronParseResult r = parseCron(text);
  REQUIRE(r.errors.size() == 5);
  const char* expected[] = {"61", "24", "0", "13", "8"};
  for (int i = 0; i < 5; ++i) {
    CHECK(r.errors[i].kind == CronErrorKind::OutOfRange);
    CHECK(text.substr(r.errors[i].offset, r.errors[i].length) == expected[i]);
  }
  // Several bad elements in one field, each with its own span.
  const std::string list = "1,70,3,x5,*/0 * * * *";
  const CronParseResult r2 = parseCron(list);
  REQUIRE(r2.errors.size() == 3);
  CHECK(list.substr(r2.errors[0].offset, r2.errors[0].length) == "70");
  CHECK(r2.errors[1].kind == CronErrorKind::UnknownName);  // a word, not a number
  CHECK(list.substr(r2.errors[1].offset, r2.errors[1].length) == "x5");
  CHECK(list.substr(r2.errors[2].offset, r2.errors[2].length) == "0");
  CHECK(r2.errors[2].kind == CronErrorKind::ZeroStep);
}

TEST_CASE("a bad step and a bad range in one element are both reported") {
  const std::string text = "5-2/0 * * * *";
  const CronParseResult r = parseCron(text);
  REQUIRE(r.errors.size() == 2);
  CHECK(r.errors[0].kind == CronErrorKind::ZeroStep);
  CHECK(r.errors[1].kind == CronErrorKind::ReversedRange);
}

TEST_CASE("the error list is capped at kMaxCronErrors") {
  std::string text = "99";
  for (int i = 0; i < 100; ++i) text += ",99";
  text += " * * * *";
  CHECK(parseCron(text).errors.size() == kMaxCronErrors);
}

TEST_CASE("never-fires is reported only when the fields are otherwise valid") {
  const CronParseResult r = parseCron("61 0 30 2 *");
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].kind == CronErrorKind::OutOfRange);
}

TEST_CASE("schedules that fire rarely are not never-fires") {
  CHECK(parseCron("0 0 29 2 *").ok());           // leap years
  CHECK(parseCron("0 0 29 2 MON").ok());         // both restricted: Feb 29 or any Monday in February
  CHECK(parseCron("0 0 30 2 MON").ok());         // both restricted: any Monday in February
  CHECK(parseCron("0 0 29 2 */2").ok());         // Feb 29 on Sun/Tue/Thu/Sat: some leap year
  CHECK(parseCron("0 0 31 1-2 *").ok());         // January has 31
  CHECK(parseCron("0 0 30,31 2,3 *").ok());
  CHECK(parseCron("0 0 31 * *").ok());
  CHECK(parseCron("0 0 */30 2 *").ok());         // `*/30` is days 1 and 31; day 1 exists
}

TEST_CASE("never-fires carries a note on the month field") {
  const std::string text = "0 0 30 FEB *";
  const CronParseResult r = parseCron(text);
  REQUIRE(r.errors.size() == 1);
  REQUIRE(r.errors[0].note);
  CHECK(text.substr(r.errors[0].note->offset, r.errors[0].note->length) == "FEB");
  CHECK(r.errors[0].note->message == "the month field `FEB` selects only February");
  const std::string six = "0 0 0 31 4,6,9,11 *";
  const CronParseResult r6 = parseCron(six);
  REQUIRE(r6.errors.size() == 1);
  REQUIRE(r6.errors[0].note);
  CHECK(six.substr(r6.errors[0].note->offset, r6.errors[0].note->length) == "4,6,9,11");
  CHECK(r6.errors[0].note->message == "the month field `4,6,9,11` selects only months with fewer than 31 days");
  CHECK_FALSE(parseCron("61 * * * *").errors[0].note);
}
