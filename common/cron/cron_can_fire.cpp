// The never-fires check behind CronErrorKind::NeverFires, by reasoning over the fields rather
// than by search. Times of day always exist, so only the day fields and months matter:
// - both day fields restricted: either matches, and every month has every weekday -> fires;
// - otherwise a date must satisfy the day-of-month set, and the day-of-week set if any. Every
//   (month, day) that exists in some year falls on every weekday in some year (Feb 29 too, over
//   the 400-year cycle), so the schedule fires iff some listed day exists in some listed month,
//   counting February as 29 days (`0 0 29 2 *` fires in leap years).
#include <string>

#include "cron_internal.h"

namespace lux::cron::detail {

std::optional<CronError> checkCanFire(const CronSpec& spec, std::string_view dom_text, std::size_t dom_offset,
                                      std::string_view month_text, std::size_t month_offset) {
  if (!spec.day_of_month_star && !spec.day_of_week_star) return std::nullopt;
  int first_day = 0;
  for (int d = 31; d >= 1; --d)
    if (spec.days_of_month.test(d)) first_day = d;
  for (int m = 1; m <= 12; ++m)
    if (spec.months.test(m) && first_day <= maxDaysInMonth(m)) return std::nullopt;

  // Name the months, "February" or "April, June, September or November".
  std::vector<int> months;
  for (int m = 1; m <= 12; ++m)
    if (spec.months.test(m)) months.push_back(m);
  std::string names;
  for (std::size_t i = 0; i < months.size(); ++i) {
    if (i > 0) names += i + 1 == months.size() ? " or " : ", ";
    names += kMonthLongNames[months[i]];
  }
  const bool single = spec.days_of_month.count() == 1;
  // Worded to follow "this schedule never fires: " in the checker's diagnostic.
  std::string msg = single ? "day " + std::to_string(first_day) + " never occurs in " + names
                           : "none of the days `" + std::string(dom_text) + "` occurs in " + names;
  std::string note = "the month field `" + std::string(month_text) + "` selects only " +
                     (months.size() == 1 ? names : "months with fewer than 31 days");
  return CronError{CronErrorKind::NeverFires, dom_offset, dom_text.size(), std::move(msg),
                   CronNote{month_offset, month_text.size(), std::move(note)}};
}

}  // namespace lux::cron::detail
