// POSIX TZ rules ("CET-1CEST,M3.5.0,M10.5.0/3", "EST5EDT,M3.2.0,M11.1.0"): standard and daylight
// offsets with the yearly dates of the changes — the form TZif files end with for future times.
// Entry point: posixZone() (cron_time_zone.h).
#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <vector>

#include "cron_internal.h"
#include "lux_common/cron_time_zone.h"

namespace lux::cron {
namespace {

using std::chrono::seconds;
using std::chrono::sys_seconds;
using detail::kMaxOffset;

struct RuleDate {
  enum Kind { Julian1, Julian0, MonthWeekDay } kind = MonthWeekDay;
  int a = 0, b = 0, c = 0;  // Jn: a=n; n: a=n; Mm.w.d: a=m b=w c=d
  long long time = 2 * 3600;

  // Seconds since 1970 of this date-time in year y, in the local time the rule is written in.
  long long localSeconds(long long y) const {
    long long day = 0;
    switch (kind) {
      case Julian1: {  // 1..365, Feb 29 never counted
        long long n = a;
        day = detail::daysFromCivil(y, 1, 1) + n - 1;
        if (detail::isLeapYear(static_cast<int>(y)) && n >= 60) ++day;
        break;
      }
      case Julian0: day = detail::daysFromCivil(y, 1, 1) + a; break;
      case MonthWeekDay: {
        const long long first = detail::daysFromCivil(y, a, 1);
        const int wd = detail::weekdayFromDays(first);
        long long d = first + (c - wd + 7) % 7 + 7LL * (b - 1);
        while (d >= first + detail::daysInMonth(static_cast<int>(y), a)) d -= 7;
        day = d;
        break;
      }
    }
    return day * 86400 + time;
  }
};

class RuleParser {
 public:
  explicit RuleParser(std::string_view s) : s_(s) {}

  bool done() const { return i_ == s_.size(); }
  bool peek(char c) const { return i_ < s_.size() && s_[i_] == c; }
  bool eat(char c) {
    if (!peek(c)) return false;
    ++i_;
    return true;
  }
  bool name() {
    if (eat('<')) {
      const std::size_t close = s_.find('>', i_);
      if (close == std::string_view::npos || close == i_) return false;
      i_ = close + 1;
      return true;
    }
    const std::size_t start = i_;
    while (i_ < s_.size() && std::isalpha(static_cast<unsigned char>(s_[i_]))) ++i_;
    return i_ - start >= 3;
  }
  std::optional<long long> number(long long max) {
    const std::size_t start = i_;
    long long v = 0;
    while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_])) && i_ - start < 4)
      v = v * 10 + (s_[i_++] - '0');
    if (i_ == start || v > max) return std::nullopt;
    return v;
  }
  // [+-]hh[:mm[:ss]], hours up to max_hours.
  std::optional<long long> time(long long max_hours) {
    long long sign = 1;
    if (eat('-')) sign = -1;
    else eat('+');
    auto h = number(max_hours);
    if (!h) return std::nullopt;
    long long t = *h * 3600;
    if (eat(':')) {
      auto m = number(59);
      if (!m) return std::nullopt;
      t += *m * 60;
      if (eat(':')) {
        auto sec = number(59);
        if (!sec) return std::nullopt;
        t += *sec;
      }
    }
    return sign * t;
  }
  std::optional<RuleDate> date() {
    RuleDate r;
    if (eat('J')) {
      auto n = number(365);
      if (!n || *n < 1) return std::nullopt;
      r.kind = RuleDate::Julian1, r.a = static_cast<int>(*n);
    } else if (eat('M')) {
      auto m = number(12);
      if (!m || *m < 1 || !eat('.')) return std::nullopt;
      auto w = number(5);
      if (!w || *w < 1 || !eat('.')) return std::nullopt;
      auto d = number(6);
      if (!d) return std::nullopt;
      r.kind = RuleDate::MonthWeekDay, r.a = static_cast<int>(*m), r.b = static_cast<int>(*w), r.c = static_cast<int>(*d);
    } else {
      auto n = number(365);
      if (!n) return std::nullopt;
      r.kind = RuleDate::Julian0, r.a = static_cast<int>(*n);
    }
    if (eat('/')) {
      auto t = time(167);
      if (!t) return std::nullopt;
      r.time = *t;
    }
    return r;
  }

 private:
  std::string_view s_;
  std::size_t i_ = 0;
};

class PosixZone final : public TimeZone {
 public:
  static std::unique_ptr<PosixZone> parse(std::string_view rule) {
    auto z = std::unique_ptr<PosixZone>(new PosixZone);
    z->name_ = std::string(rule);
    RuleParser p(rule);
    if (!p.name()) return nullptr;
    auto std_off = p.time(24);
    if (!std_off) return nullptr;
    z->std_ = -*std_off;  // POSIX counts west of Greenwich as positive
    if (p.done()) return z;
    if (!p.name()) return nullptr;
    z->dst_ = z->std_ + 3600;
    if (!p.peek(',') && !p.done()) {
      auto dst_off = p.time(24);
      if (!dst_off) return nullptr;
      z->dst_ = -*dst_off;
    }
    if (p.done()) {  // no rule given: the US rule, as tzcode assumes
      z->start_ = RuleDate{RuleDate::MonthWeekDay, 3, 2, 0};
      z->end_ = RuleDate{RuleDate::MonthWeekDay, 11, 1, 0};
    } else {
      if (!p.eat(',')) return nullptr;
      auto s = p.date();
      if (!s || !p.eat(',')) return nullptr;
      auto e = p.date();
      if (!e || !p.done()) return nullptr;
      z->start_ = *s, z->end_ = *e;
    }
    z->has_dst_ = z->dst_ != z->std_;
    if (std::abs(z->std_) > kMaxOffset || std::abs(z->dst_) > kMaxOffset) return nullptr;
    return z;
  }

  seconds offsetAt(sys_seconds t) const override {
    if (!has_dst_) return seconds(std_);
    const long long ts = t.time_since_epoch().count();
    long long off = std_;
    for (const auto& [at, to] : transitionsAround(ts))
      if (at <= ts) off = to;
    return seconds(off);
  }

  std::optional<sys_seconds> nextTransition(sys_seconds t) const override {
    if (!has_dst_) return std::nullopt;
    const long long ts = t.time_since_epoch().count();
    const long long current = offsetAt(t).count();
    for (int extra = 0; extra < 3; ++extra)
      for (const auto& [at, to] : transitionsAround(ts + extra * 366LL * 86400))
        if (at > ts && to != current) return sys_seconds(seconds(at));
    return std::nullopt;  // DST all year round: the offset never changes
  }

  const std::string& name() const override { return name_; }

 private:
  PosixZone() = default;

  // Transitions (instant, offset after) in the UTC years around ts, sorted.
  std::vector<std::pair<long long, long long>> transitionsAround(long long ts) const {
    const long long y = detail::civilFromDays(ts >= 0 ? ts / 86400 : (ts - 86399) / 86400).year;
    std::vector<std::pair<long long, long long>> out;
    for (long long yy = y - 1; yy <= y + 1; ++yy) {
      out.emplace_back(start_.localSeconds(yy) - std_, dst_);  // written in standard time
      out.emplace_back(end_.localSeconds(yy) - dst_, std_);    // written in daylight time
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  std::string name_;
  long long std_ = 0, dst_ = 0;
  bool has_dst_ = false;
  RuleDate start_, end_;
};

}  // namespace

std::unique_ptr<TimeZone> posixZone(std::string_view rule) { return PosixZone::parse(rule); }

}  // namespace lux::cron
