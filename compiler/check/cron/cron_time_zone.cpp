// Time zones for nextFireTime(): UTC, fixed offsets, POSIX TZ rules ("CET-1CEST,M3.5.0,M10.5.0/3")
// and TZif files (RFC 8536: a table of past transitions, then a POSIX rule for the future).
// Entry points are declared in cron_time_zone.h. Zone data is read only by loadZone(); every
// other function is pure.
#include "cron_time_zone.h"

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <sstream>
#include <vector>

#include "cron_internal.h"

namespace lux::cron {
namespace {

using std::chrono::seconds;
using std::chrono::sys_seconds;

// Offsets beyond a day are not real; POSIX allows up to 24:59:59 and we accept up to this.
constexpr long long kMaxOffset = 25 * 3600;
// A TZif file larger than this is not a zone file (real ones are under 4 KiB).
constexpr std::size_t kMaxTzifBytes = 1 << 20;

std::string formatOffset(long long off) {
  const char sign = off < 0 ? '-' : '+';
  off = off < 0 ? -off : off;
  auto two = [](long long v) { return std::string(1, static_cast<char>('0' + v / 10 % 10)) + static_cast<char>('0' + v % 10); };
  std::string s = std::string(1, sign) + two(off / 3600) + ":" + two(off / 60 % 60);
  if (off % 60) s += ":" + two(off % 60);
  return s;
}

class FixedZone final : public TimeZone {
 public:
  FixedZone(seconds offset, std::string name) : offset_(offset), name_(std::move(name)) {}
  seconds offsetAt(sys_seconds) const override { return offset_; }
  std::optional<sys_seconds> nextTransition(sys_seconds) const override { return std::nullopt; }
  const std::string& name() const override { return name_; }

 private:
  seconds offset_;
  std::string name_;
};

// ---- POSIX TZ rules ----------------------------------------------------------------------

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

// ---- TZif files ---------------------------------------------------------------------------

class TzifZone final : public TimeZone {
 public:
  static std::unique_ptr<TzifZone> parse(std::string_view bytes, std::string name) {
    if (bytes.size() > kMaxTzifBytes) return nullptr;
    auto z = std::unique_ptr<TzifZone>(new TzifZone);
    z->name_ = std::move(name);
    std::size_t pos = 0;
    auto be = [&](std::size_t at, int n) {
      std::uint64_t v = 0;
      for (int i = 0; i < n; ++i) v = v << 8 | static_cast<unsigned char>(bytes[at + i]);
      return v;
    };
    struct Header {
      std::uint64_t isut, isstd, leap, time, type, chars;
    };
    auto header = [&](Header& h) {
      if (pos + 44 > bytes.size() || bytes.substr(pos, 4) != "TZif") return false;
      h = {be(pos + 20, 4), be(pos + 24, 4), be(pos + 28, 4), be(pos + 32, 4), be(pos + 36, 4), be(pos + 40, 4)};
      pos += 44;
      return h.type > 0 && h.type < 256 && h.time < 100000 && h.chars < 100000 && h.leap < 100000;
    };
    Header h{};
    if (!header(h) || bytes[4] < '2') return nullptr;
    pos += h.time * 5 + h.type * 6 + h.chars + h.leap * 8 + h.isstd + h.isut;  // skip the v1 block
    if (!header(h)) return nullptr;
    const std::size_t need = h.time * 9 + h.type * 6 + h.chars + h.leap * 12 + h.isstd + h.isut;
    if (pos + need > bytes.size()) return nullptr;
    std::vector<long long> times(h.time);
    std::vector<int> idx(h.time);
    for (std::size_t i = 0; i < h.time; ++i) times[i] = static_cast<long long>(be(pos + 8 * i, 8));
    for (std::size_t i = 0; i < h.time; ++i) idx[i] = static_cast<unsigned char>(bytes[pos + 8 * h.time + i]);
    std::vector<long long> offsets(h.type);
    const std::size_t types_at = pos + 9 * h.time;
    for (std::size_t i = 0; i < h.type; ++i) {
      offsets[i] = static_cast<std::int32_t>(be(types_at + 6 * i, 4));
      if (std::abs(offsets[i]) > kMaxOffset) return nullptr;
    }
    for (std::size_t i = 0; i < h.time; ++i) {
      if (idx[i] >= static_cast<int>(h.type) || (i > 0 && times[i] <= times[i - 1])) return nullptr;
      z->transitions_.emplace_back(times[i], offsets[idx[i]]);
    }
    z->initial_ = offsets[0];
    pos += need;
    // Footer: "\n<POSIX rule>\n".
    if (pos < bytes.size() && bytes[pos] == '\n') {
      const std::size_t close = bytes.find('\n', pos + 1);
      if (close == std::string_view::npos) return nullptr;
      const std::string_view rule = bytes.substr(pos + 1, close - pos - 1);
      if (!rule.empty()) {
        z->footer_ = PosixZone::parse(rule);
        if (!z->footer_) return nullptr;
      }
    }
    return z;
  }

  seconds offsetAt(sys_seconds t) const override {
    const long long ts = t.time_since_epoch().count();
    if (footer_ && (transitions_.empty() || ts >= transitions_.back().first)) return footer_->offsetAt(t);
    auto it = std::upper_bound(transitions_.begin(), transitions_.end(), std::make_pair(ts, kMaxOffset + 1));
    return seconds(it == transitions_.begin() ? initial_ : std::prev(it)->second);
  }

  std::optional<sys_seconds> nextTransition(sys_seconds t) const override {
    const long long ts = t.time_since_epoch().count();
    const long long current = offsetAt(t).count();
    auto it = std::upper_bound(transitions_.begin(), transitions_.end(), std::make_pair(ts, kMaxOffset + 1));
    for (; it != transitions_.end(); ++it)
      if (it->second != current) return sys_seconds(seconds(it->first));
    if (!footer_) return std::nullopt;
    // Past the table the footer rules; it may agree with the last entry for a while.
    const long long from = transitions_.empty() ? ts : std::max(ts, transitions_.back().first);
    auto next = footer_->nextTransition(sys_seconds(seconds(from)));
    while (next && footer_->offsetAt(*next).count() == current) next = footer_->nextTransition(*next);
    return next;
  }

  const std::string& name() const override { return name_; }

 private:
  TzifZone() = default;

  std::string name_;
  long long initial_ = 0;
  std::vector<std::pair<long long, long long>> transitions_;  // (instant, offset from then on)
  std::unique_ptr<PosixZone> footer_;
};

// "+05:30", "-08:00", "+0530", "+05"
std::optional<long long> parseOffsetName(std::string_view s) {
  if (s.size() < 3 || (s[0] != '+' && s[0] != '-')) return std::nullopt;
  std::string digits;
  for (std::size_t i = 1; i < s.size(); ++i) {
    if (s[i] == ':' && (i == 3 || i == 6)) continue;
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return std::nullopt;
    digits += s[i];
  }
  if (digits.size() != 2 && digits.size() != 4) return std::nullopt;
  const long long h = std::stoll(digits.substr(0, 2));
  const long long m = digits.size() == 4 ? std::stoll(digits.substr(2)) : 0;
  if (h > 18 || m > 59) return std::nullopt;
  return (s[0] == '-' ? -1 : 1) * (h * 3600 + m * 60);
}

}  // namespace

const TimeZone& utcZone() {
  static const FixedZone kUtc(seconds(0), "UTC");
  return kUtc;
}

std::unique_ptr<TimeZone> fixedOffsetZone(seconds offset) {
  if (std::abs(offset.count()) > kMaxOffset) return nullptr;
  return std::make_unique<FixedZone>(offset, offset.count() == 0 ? "UTC" : "UTC" + formatOffset(offset.count()));
}

std::unique_ptr<TimeZone> posixZone(std::string_view rule) { return PosixZone::parse(rule); }

std::unique_ptr<TimeZone> tzifZone(std::string_view bytes, std::string name) {
  return TzifZone::parse(bytes, std::move(name));
}

std::unique_ptr<TimeZone> loadZone(std::string_view name, const std::string& zoneinfo_dir) {
  if (name == "UTC" || name == "Z" || name == "Etc/UTC") return fixedOffsetZone(seconds(0));
  if (auto off = parseOffsetName(name)) return fixedOffsetZone(seconds(*off));
  if (name.empty() || name.front() == '/' || name.find("..") != std::string_view::npos) return nullptr;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '/' && c != '_' && c != '-' && c != '+') return nullptr;
  std::ifstream in(zoneinfo_dir + "/" + std::string(name), std::ios::binary);
  if (!in) return nullptr;
  std::string bytes;
  bytes.resize(kMaxTzifBytes + 1);
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  bytes.resize(static_cast<std::size_t>(in.gcount()));
  return tzifZone(bytes, std::string(name));
}

}  // namespace lux::cron
