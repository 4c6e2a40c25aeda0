// nextFireTime(): the first fire instant after a given one, in a time zone.
// Two layers: nextLocalMatch() searches local civil time, jumping field by field (month, day,
// hour, minute, second) so a yearly schedule costs a few steps per month, not a scan of
// minutes; nextFireTime() walks the zone's constant-offset segments and applies the
// daylight-saving rules documented in cron.h and docs/cron.md.
#include <algorithm>
#include <limits>

#include "lux_common/cron.h"
#include "cron_internal.h"

namespace lux::cron {
namespace {

using detail::CivilDate;
using detail::civilFromDays;
using detail::daysFromCivil;
using detail::daysInMonth;

constexpr long long kSecondsPerDay = 86400;
constexpr long long kNoLimit = std::numeric_limits<long long>::max();

// Instants handled: from the start of year 1 to the end of kMaxCronYear.
constexpr long long kMinInstant = daysFromCivil(1, 1, 1) * kSecondsPerDay;
constexpr long long kMaxInstant = daysFromCivil(kMaxCronYear + 1, 1, 1) * kSecondsPerDay;

// How far back to look for the offset change that made a wall time repeated or skipped. Real
// changes shift the clock by at most a day (Samoa skipped 2011-12-30 whole) and one zone's
// changes are more than a day apart, so the offset a day earlier is the one before the change.
constexpr long long kChangeWindow = kSecondsPerDay;

template <std::size_t N>
int nextBit(const std::bitset<N>& bits, int from) {
  for (int i = from; i < static_cast<int>(N); ++i)
    if (bits.test(i)) return i;
  return -1;
}

long long floorDiv(long long a, long long b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// The first local time (seconds since 1970-01-01 00:00 local) >= from and < limit that matches.
std::optional<long long> nextLocalMatch(const CronSpec& s, long long from, long long limit) {
  const long long first_day = floorDiv(from, kSecondsPerDay);
  const CivilDate c = civilFromDays(first_day);
  long long y = c.year;
  int mo = c.month, d = c.day;
  const long long sod = from - first_day * kSecondsPerDay;
  int h = static_cast<int>(sod / 3600), mi = static_cast<int>(sod / 60 % 60), se = static_cast<int>(sod % 60);
  auto nextDay = [&] { ++d, h = mi = se = 0; };
  for (;;) {
    if (y > kMaxCronYear) return std::nullopt;
    if (!s.months.test(mo)) {
      const int next = nextBit(s.months, mo + 1);
      if (next < 0) ++y, mo = nextBit(s.months, 1);
      else mo = next;
      d = 1, h = mi = se = 0;
      continue;
    }
    if (d > daysInMonth(static_cast<int>(y), mo)) {
      if (++mo > 12) mo = 1, ++y;
      d = 1, h = mi = se = 0;
      continue;
    }
    const long long day_start = daysFromCivil(y, mo, d) * kSecondsPerDay;
    if (day_start >= limit) return std::nullopt;
    if (!detail::dayMatches(s, y, mo, d)) {
      nextDay();
      continue;
    }
    const int nh = nextBit(s.hours, h);
    if (nh < 0) {
      nextDay();
      continue;
    }
    if (nh != h) h = nh, mi = se = 0;
    const int nm = nextBit(s.minutes, mi);
    if (nm < 0) {
      ++h, mi = se = 0;
      if (h == 24) nextDay();
      continue;
    }
    if (nm != mi) mi = nm, se = 0;
    const int ns = nextBit(s.seconds, se);
    if (ns < 0) {
      ++mi, se = 0;
      if (mi == 60) {
        mi = 0;
        if (++h == 24) nextDay();
      }
      continue;
    }
    const long long local = day_start + h * 3600LL + mi * 60LL + ns;
    if (local >= limit) return std::nullopt;
    return local;
  }
}

long long offsetAt(const TimeZone& zone, long long t) {
  return zone.offsetAt(TimePoint(std::chrono::seconds(t))).count();
}

}  // namespace

std::optional<TimePoint> nextFireTime(const CronSpec& spec, TimePoint after, const TimeZone& zone) {
  long long t0 = std::max<long long>(after.time_since_epoch().count(), kMinInstant - 1);
  const bool wall = !spec.hour_star;  // fire each wall time once (else follow elapsed time)
  std::optional<long long> pending;   // a wall time in a skipped gap, shifted past the gap
  if (wall && t0 < kMaxInstant) {
    // `after` may sit just before or just after a forward change whose skipped wall times,
    // shifted past the gap, still lie ahead of it.
    const long long o = offsetAt(zone, t0 + 1);
    const long long before = offsetAt(zone, t0 + 1 - kChangeWindow);
    if (before < o) {
      const auto change = zone.nextTransition(TimePoint(std::chrono::seconds(t0 + 1 - kChangeWindow)));
      if (change) {
        const long long at = change->time_since_epoch().count();
        if (auto local = nextLocalMatch(spec, std::max(at + before, t0 + 1 + before), at + o)) pending = *local - before;
      }
    }
  }
  while (t0 < kMaxInstant) {
    // The segment [start, end) has one offset, o.
    const long long start = t0 + 1;
    const long long o = offsetAt(zone, start);
    const auto next_change = zone.nextTransition(TimePoint(std::chrono::seconds(start)));
    const long long end = next_change ? next_change->time_since_epoch().count() : kNoLimit;
    long long local_from = start + o;
    const long long local_limit = end == kNoLimit ? kNoLimit : end + o;
    std::optional<long long> found;
    while (auto local = nextLocalMatch(spec, local_from, local_limit)) {
      const long long t = *local - o;
      if (wall) {
        // A repeated wall time (after the clocks went back) fired at its first occurrence.
        const long long earlier_offset = offsetAt(zone, t - kChangeWindow);
        if (earlier_offset > o && offsetAt(zone, *local - earlier_offset) == earlier_offset) {
          const auto back = zone.nextTransition(TimePoint(std::chrono::seconds(*local - earlier_offset)));
          local_from = std::max(*local + 1, back ? back->time_since_epoch().count() + earlier_offset : *local + 1);
          continue;
        }
      }
      found = t;
      break;
    }
    if (pending) {
      if (!found || *pending < *found) found = pending;
    }
    if (found) return TimePoint(std::chrono::seconds(*found));
    if (end == kNoLimit) return std::nullopt;
    if (wall) {
      // Clocks going forward at `end` skip local [end + o, end + o2): fire such a wall time
      // shifted forward by the gap, i.e. at local - o.
      const long long o2 = offsetAt(zone, end);
      if (o2 > o)
        if (auto local = nextLocalMatch(spec, end + o, end + o2)) pending = *local - o;
    }
    t0 = end - 1;
  }
  return std::nullopt;
}

}  // namespace lux::cron
