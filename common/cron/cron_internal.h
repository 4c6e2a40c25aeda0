// Internals shared by the cron sources (not part of the public face): the field table, the
// month and weekday name tables, calendar arithmetic, and the never-fires check.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>
#include <string_view>

#include "lux_common/civil.h"
#include "lux_common/cron.h"

namespace lux::cron::detail {

// Largest UTC offset a zone may have. Real ones stay within -12:00..+14:00; POSIX rules allow up
// to 24:59:59; anything beyond a day would break the one-day windows nextFireTime() relies on.
inline constexpr long long kMaxOffset = 25 * 3600;

// A TZif file larger than this is not a zone file (real ones are under 4 KiB); loadZone() reads
// no more and tzifZone() refuses more.
inline constexpr std::size_t kMaxZoneFileBytes = 1 << 20;

struct FieldInfo {
  CronField field;
  std::string_view name;    // as used in messages: "minute", "day-of-month"
  std::string_view plural;  // "minutes", "days of the month"
  int min;
  int max;                // written maximum (7 for day-of-week, which means Sunday again)
};

inline constexpr std::array<FieldInfo, 6> kFieldInfo{{
    {CronField::Second, "second", "seconds", 0, 59},
    {CronField::Minute, "minute", "minutes", 0, 59},
    {CronField::Hour, "hour", "hours", 0, 23},
    {CronField::DayOfMonth, "day-of-month", "days of the month", 1, 31},
    {CronField::Month, "month", "months", 1, 12},
    {CronField::DayOfWeek, "day-of-week", "days of the week", 0, 7},
}};

inline const FieldInfo& fieldInfo(CronField f) { return kFieldInfo[static_cast<int>(f)]; }

// Index 0 unused for months so that kMonthNames[1] == "JAN".
inline constexpr std::array<std::string_view, 13> kMonthNames{
    "", "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
inline constexpr std::array<std::string_view, 7> kWeekdayNames{"SUN", "MON", "TUE", "WED",
                                                              "THU", "FRI", "SAT"};
inline constexpr std::array<std::string_view, 13> kMonthLongNames{
    "",     "January", "February",  "March",   "April",    "May",     "June",
    "July", "August",  "September", "October", "November", "December"};
inline constexpr std::array<std::string_view, 7> kWeekdayLongNames{
    "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};

// Calendar arithmetic (leap years, month lengths, days <-> dates, weekdays): lux_common/civil.h.
using civil::CivilDate;
using civil::civilFromDays;
using civil::daysFromCivil;
using civil::daysInMonth;
using civil::isLeapYear;
using civil::maxDaysInMonth;
using civil::weekdayFromDays;

// Whether day `d` of month `m` of year `y` satisfies the two day fields (Vixie's rule).
inline bool dayMatches(const CronSpec& s, long long y, int m, int d) {
  const bool dom = s.days_of_month.test(d);
  const bool dow = s.days_of_week.test(weekdayFromDays(daysFromCivil(y, m, d)));
  if (s.day_of_month_star || s.day_of_week_star) return dom && dow;
  return dom || dow;
}

// Did-you-mean: the candidate whose first letters `word` starts with ("MONDAY" -> "MON"), else
// the nearest within `max_distance` edits (adjacent swaps count one: "JNU" -> "JUN"), else empty.
// `word` and the candidates are compared as given (callers normalise case).
std::string_view suggest(std::string_view word, const std::vector<std::string_view>& candidates, int max_distance);

// The byte(s) at text[at] as shown in a message: the UTF-8 character if valid and printable,
// else `\xNN`. Sets `length` to the number of bytes shown.
std::string showChar(std::string_view text, std::size_t at, std::size_t& length);

// The never-fires check: an error on the day-of-month span, with a note on the month span,
// when no calendar date satisfies the day and month fields (e.g. `30` in February); nullopt
// when the schedule can fire.
std::optional<CronError> checkCanFire(const CronSpec& spec, std::string_view dom_text, std::size_t dom_offset,
                                      std::string_view month_text, std::size_t month_offset);

}  // namespace lux::cron::detail
