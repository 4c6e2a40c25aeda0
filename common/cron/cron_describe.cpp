// describeCron(): a one-line English description of a CronSpec for logs and docs, e.g.
// "at 09:00 and 17:00, on Monday through Friday" or "every 5 minutes". Built from the value
// sets alone, so `*/15` and `0,15,30,45` read the same.
#include <string>
#include <vector>

#include "lux_common/cron.h"
#include "cron_internal.h"

namespace lux::cron {
namespace {

// Largest number of distinct times of day listed as clock times ("at 09:00 and 17:00").
constexpr std::size_t kMaxListedTimes = 6;

template <std::size_t N>
std::vector<int> values(const std::bitset<N>& bits) {
  std::vector<int> out;
  for (int i = 0; i < static_cast<int>(N); ++i)
    if (bits.test(i)) out.push_back(i);
  return out;
}

std::string two(int v) { return (v < 10 ? "0" : "") + std::to_string(v); }

std::string joinWords(const std::vector<std::string>& words, const char* last_sep = " and ") {
  std::string out;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i > 0) out += i + 1 == words.size() ? last_sep : ", ";
    out += words[i];
  }
  return out;
}

// Values as runs: {1,2,3,4,5} with weekday names -> "Monday through Friday".
template <typename Name>
std::string runs(const std::vector<int>& vs, Name name) {
  std::vector<std::string> parts;
  for (std::size_t i = 0; i < vs.size();) {
    std::size_t j = i;
    while (j + 1 < vs.size() && vs[j + 1] == vs[j] + 1) ++j;
    if (j - i >= 2) parts.push_back(name(vs[i]) + " through " + name(vs[j]));
    else
      for (std::size_t k = i; k <= j; ++k) parts.push_back(name(vs[k]));
    i = j + 1;
  }
  return joinWords(parts);
}

// The step if vs is {0, n, 2n, ...} covering the field up to `size`, else 0.
int evenStep(const std::vector<int>& vs, int size) {
  if (vs.size() < 2 || vs[0] != 0) return 0;
  const int step = vs[1];
  for (std::size_t i = 0; i < vs.size(); ++i)
    if (vs[i] != static_cast<int>(i) * step) return 0;
  return vs.back() + step >= size ? step : 0;
}

std::string unitPhrase(const std::vector<int>& vs, int size, const std::string& unit) {
  if (static_cast<int>(vs.size()) == size) return "every " + unit;
  if (int step = evenStep(vs, size)) return "every " + std::to_string(step) + " " + unit + "s";
  auto num = [](int v) { return std::to_string(v); };
  return "at " + unit + (vs.size() > 1 ? "s " : " ") + runs(vs, num);
}

}  // namespace

std::string describeCron(const CronSpec& s) {
  const auto secs = values(s.seconds), mins = values(s.minutes), hours = values(s.hours);
  std::string time;
  if (secs.size() * mins.size() * hours.size() <= kMaxListedTimes) {
    std::vector<std::string> times;
    for (int h : hours)
      for (int m : mins)
        for (int sec : secs) times.push_back(two(h) + ":" + two(m) + (s.has_seconds ? ":" + two(sec) : ""));
    time = "at " + joinWords(times);
  } else {
    std::vector<std::string> parts;
    if (s.has_seconds && !(secs.size() == 1 && secs[0] == 0)) parts.push_back(unitPhrase(secs, 60, "second"));
    const bool every_minute = mins.size() == 60;
    if (!(every_minute && parts.size() == 1 && secs.size() < 60)) {
      std::string minute = unitPhrase(mins, 60, "minute");
      if (hours.size() == 24 && minute.rfind("at minute", 0) == 0) minute += " of every hour";
      parts.push_back(std::move(minute));
    }
    if (hours.size() != 24) {
      const int step = evenStep(hours, 24);
      parts.push_back(step ? "every " + std::to_string(step) + " hours"
                           : "past hour" + std::string(hours.size() > 1 ? "s " : " ") +
                                 runs(hours, [](int v) { return two(v) + ":00"; }));
    }
    time = joinWords(parts, ", ");
  }
  std::vector<std::string> days;
  const auto doms = values(s.days_of_month), dows = values(s.days_of_week), months = values(s.months);
  if (doms.size() != 31)
    days.push_back("on day" + std::string(doms.size() > 1 ? "s " : " ") +
                                           runs(doms, [](int v) { return std::to_string(v); }) + " of the month");
  if (dows.size() != 7)
    days.push_back("on " + runs(dows, [](int v) { return std::string(detail::kWeekdayLongNames[v]); }));
  std::string out = time;
  if (!days.empty()) out += ", " + joinWords(days, !s.day_of_month_star && !s.day_of_week_star ? " or " : " and ");
  if (months.size() != 12)
    out += ", in " + runs(months, [](int v) { return std::string(detail::kMonthLongNames[v]); });
  return out;
}

}  // namespace lux::cron
