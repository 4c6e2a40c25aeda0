// Dates and times: a date is an Int, Unix milliseconds (UTC), as Date.now() gives; every
// calendar field is read and written in UTC, so a server's answers do not depend on the zone of
// the machine. now, now_iso, date_parse (a Result), date_from, date_format, date_add, date_diff,
// date_part, time_ago; ParseInstant also reads clock.set's instants. docs/stdlib.md documents each.
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include "lux/rt.h"
#include "lux/stdlib.h"
#include "lux_common/civil.h"
#include "args.h"

namespace lux::stdlib {
using args::Text;

namespace {

constexpr std::int64_t kSecond = 1000, kMinute = 60 * kSecond, kHour = 60 * kMinute, kDay = 24 * kHour;

// A date's calendar fields, in UTC.
struct Fields {
  long long year;
  int month, day, hour, minute, second, ms;
  int weekday;  // 0 = Sunday
};

std::int64_t FloorDiv(std::int64_t a, std::int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

Fields FieldsOf(std::int64_t t) {
  std::int64_t days = FloorDiv(t, kDay);
  std::int64_t rest = t - days * kDay;
  civil::CivilDate c = civil::civilFromDays(days);
  return {c.year, c.month, c.day, static_cast<int>(rest / kHour), static_cast<int>(rest / kMinute % 60),
          static_cast<int>(rest / kSecond % 60), static_cast<int>(rest % kSecond), civil::weekdayFromDays(days)};
}

std::int64_t InstantOf(long long y, int mo, int d, int h, int mi, int s, int ms) {
  return civil::daysFromCivil(y, mo, d) * kDay + h * kHour + mi * kMinute + s * kSecond + ms;
}

std::int64_t DateArg(const Value& v, const char* fn) {
  if (v.IsInt()) return v.AsInt();
  if (v.IsFloat()) return FloatToInt(v.AsFloat(), fn);
  args::Expected(v, fn, "a date (Int milliseconds)");
}

// Reads exactly `n` digits at `p`; false when they are not there.
bool Digits(std::string_view s, std::size_t& p, int n, int& out) {
  if (p + static_cast<std::size_t>(n) > s.size()) return false;
  out = 0;
  for (int i = 0; i < n; ++i) {
    char c = s[p + static_cast<std::size_t>(i)];
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  p += static_cast<std::size_t>(n);
  return true;
}

bool Expect(std::string_view s, std::size_t& p, char c) {
  if (p >= s.size() || s[p] != c) return false;
  ++p;
  return true;
}

// The time of day and zone after the date: `THH:MM[:SS[.fff]]` then `Z`, `+HH:MM` or nothing (UTC).
bool ReadTime(std::string_view s, std::size_t& p, int& h, int& mi, int& sec, int& ms, int& offset_min) {
  if (p == s.size()) return true;
  if (s[p] != 'T' && s[p] != 't' && s[p] != ' ') return false;
  ++p;
  if (!Digits(s, p, 2, h) || !Expect(s, p, ':') || !Digits(s, p, 2, mi)) return false;
  if (p < s.size() && s[p] == ':' && !(++p, Digits(s, p, 2, sec))) return false;
  if (p < s.size() && s[p] == '.') {
    ++p;
    int scale = 100;
    std::size_t start = p;
    while (p < s.size() && s[p] >= '0' && s[p] <= '9') ms += (s[p++] - '0') * scale, scale /= 10;
    if (p == start) return false;
  }
  if (p < s.size() && (s[p] == 'Z' || s[p] == 'z')) {
    ++p;
  } else if (p < s.size() && (s[p] == '+' || s[p] == '-')) {
    int sign = s[p++] == '-' ? -1 : 1, oh = 0, om = 0;
    if (!Digits(s, p, 2, oh)) return false;
    if (p < s.size() && s[p] == ':') ++p;
    if (!Digits(s, p, 2, om) || oh > 23 || om > 59) return false;
    offset_min = sign * (oh * 60 + om);
  }
  return p == s.size() && h < 24 && mi < 60 && sec < 60;
}

const char* kUnits = "years, months, weeks, days, hours, minutes, seconds, milliseconds";

// The length of a fixed unit in milliseconds (0 for years and months, which the calendar decides;
// -1 for no unit).
std::int64_t UnitMs(std::string_view u) {
  if (!u.empty() && u.back() == 's') u.remove_suffix(1);
  if (u == "year" || u == "month") return 0;
  if (u == "week") return 7 * kDay;
  if (u == "day") return kDay;
  if (u == "hour") return kHour;
  if (u == "minute") return kMinute;
  if (u == "second") return kSecond;
  if (u == "millisecond" || u == "m") return 1;  // "ms"
  return -1;
}

bool IsMonths(std::string_view u) { return u == "month" || u == "months"; }

std::int64_t UnitOf(const Value& unit, const char* fn) {
  std::int64_t ms = UnitMs(Text(unit, fn));
  if (ms < 0) throw Error(std::string(fn) + ": unknown unit \"" + unit.AsString() + "\" (" + kUnits + ")");
  return ms;
}

std::string Two(long long v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%02lld", v);
  return buf;
}

std::string Iso(std::int64_t t) {
  Fields f = FieldsOf(t);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04lld-%02d-%02dT%02d:%02d:%02d.%03dZ", f.year, f.month, f.day, f.hour, f.minute,
                f.second, f.ms);
  return buf;
}

// The month count from `a` to `b`, whole months only (Jan 31 to Feb 28 is 0).
std::int64_t MonthsBetween(std::int64_t a, std::int64_t b) {
  if (b < a) return -MonthsBetween(b, a);
  Fields fa = FieldsOf(a), fb = FieldsOf(b);
  std::int64_t m = (fb.year - fa.year) * 12 + (fb.month - fa.month);
  std::int64_t rest_a = a - InstantOf(fa.year, fa.month, 1, 0, 0, 0, 0);
  std::int64_t rest_b = b - InstantOf(fb.year, fb.month, 1, 0, 0, 0, 0);
  return rest_b < rest_a ? m - 1 : m;
}

}  // namespace

std::optional<std::int64_t> ParseInstant(std::string_view s) {
  std::size_t p = 0;
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, ms = 0, offset_min = 0;
  if (!Digits(s, p, 4, y) || !Expect(s, p, '-') || !Digits(s, p, 2, mo) || !Expect(s, p, '-') || !Digits(s, p, 2, d))
    return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > civil::daysInMonth(y, mo)) return std::nullopt;
  if (!ReadTime(s, p, h, mi, sec, ms, offset_min)) return std::nullopt;
  return InstantOf(y, mo, d, h, mi, sec, ms) - offset_min * kMinute;
}

Value NowIso() { return Value(Iso(rt::NowMs())); }

Value DateParse(const Value& s) {
  if (!s.IsString()) return Err(Value(std::string("Invalid date: expected a String, found ") + s.KindName()));
  std::optional<std::int64_t> t = ParseInstant(s.AsString());
  if (!t) return Err(Value("Invalid date: " + s.AsString()));
  return Ok(Value(static_cast<long long>(*t)));
}

Value DateParseMs(const Value& s) {
  std::optional<std::int64_t> t = s.IsString() ? ParseInstant(s.AsString()) : std::nullopt;
  return t ? Value(static_cast<long long>(*t)) : Value();
}

Value DateFrom(const Value& parts) {
  if (!parts.IsObject()) args::Expected(parts, "date_from", "an object");
  auto field = [&](const char* name, std::int64_t dflt, std::int64_t lo, std::int64_t hi) -> int {
    const Value* v = parts.Find(name);
    if (!v || v->IsNull()) return static_cast<int>(dflt);
    std::int64_t n = args::Int(*v, "date_from");
    if (n < lo || n > hi)
      throw Error("date_from: " + std::string(name) + " " + std::to_string(n) + " is outside " + std::to_string(lo) + ".." + std::to_string(hi));
    return static_cast<int>(n);
  };
  int y = field("year", 1970, 1, 9999), mo = field("month", 1, 1, 12);
  int d = field("day", 1, 1, civil::daysInMonth(y, mo));
  return Value(static_cast<long long>(InstantOf(y, mo, d, field("hour", 0, 0, 23), field("minute", 0, 0, 59),
                                                field("second", 0, 0, 59), field("millisecond", 0, 0, 999))));
}

Value DateFormat(const Value& date, const Value& format) {
  std::int64_t t = DateArg(date, "date_format");
  std::string f = args::TextOr(format, "date_format", "iso");
  if (f == "iso") return Value(Iso(t));
  if (f == "date") f = "YYYY-MM-DD";
  else if (f == "time") f = "HH:mm:ss";
  else if (f == "datetime") f = "YYYY-MM-DD HH:mm:ss";
  Fields x = FieldsOf(t);
  std::string out;
  for (std::size_t i = 0; i < f.size();) {
    auto token = [&](std::string_view tok) { return f.compare(i, tok.size(), tok) == 0 ? (i += tok.size(), true) : false; };
    if (token("YYYY")) out += std::to_string(x.year);
    else if (token("SSS")) out += Two(x.ms / 10) + std::to_string(x.ms % 10);
    else if (token("MM")) out += Two(x.month);
    else if (token("DD")) out += Two(x.day);
    else if (token("HH")) out += Two(x.hour);
    else if (token("mm")) out += Two(x.minute);
    else if (token("ss")) out += Two(x.second);
    else out += f[i++];
  }
  return Value(out);
}

Value DateAdd(const Value& date, const Value& amount, const Value& unit) {
  std::int64_t t = DateArg(date, "date_add");
  std::int64_t n = args::Int(amount, "date_add");
  std::int64_t ms = UnitOf(unit, "date_add");
  if (ms > 0) return Value(static_cast<long long>(CheckedAdd(t, CheckedMul(n, ms))));
  // Years and months move the calendar date; a day past the new month's end becomes its last day.
  Fields f = FieldsOf(t);
  std::int64_t months = IsMonths(unit.AsString()) ? n : CheckedMul(n, 12);
  std::int64_t index = CheckedAdd(f.year * 12 + (f.month - 1), months);
  long long y = FloorDiv(index, 12);
  if (y < 1 || y > 9999) throw Error("date_add: the year " + std::to_string(y) + " is outside 1..9999");
  int mo = static_cast<int>(index - y * 12) + 1;
  int d = std::min(f.day, civil::daysInMonth(static_cast<int>(y), mo));
  return Value(static_cast<long long>(InstantOf(y, mo, d, f.hour, f.minute, f.second, f.ms)));
}

Value DateDiff(const Value& from, const Value& to, const Value& unit) {
  std::int64_t a = DateArg(from, "date_diff"), b = DateArg(to, "date_diff");
  std::int64_t ms = UnitOf(unit, "date_diff");
  if (ms > 0) return Value(static_cast<long long>(CheckedSub(b, a) / ms));
  std::int64_t months = MonthsBetween(a, b);
  return Value(static_cast<long long>(IsMonths(unit.AsString()) ? months : months / 12));
}

Value DatePart(const Value& date, const Value& part) {
  Fields f = FieldsOf(DateArg(date, "date_part"));
  const std::string& p = Text(part, "date_part");
  if (p == "year") return Value(f.year);
  if (p == "month") return Value(f.month);
  if (p == "day") return Value(f.day);
  if (p == "hour") return Value(f.hour);
  if (p == "minute") return Value(f.minute);
  if (p == "second") return Value(f.second);
  if (p == "millisecond") return Value(f.ms);
  if (p == "weekday") return Value(f.weekday);
  throw Error("date_part: unknown part \"" + p + "\" (year, month, day, hour, minute, second, millisecond, weekday)");
}

Value TimeAgo(const Value& date) {
  std::int64_t delta = CheckedSub(rt::NowMs(), DateArg(date, "time_ago"));
  bool future = delta < 0;
  std::int64_t d = future ? -delta : delta;
  if (d < 5 * kSecond) return Value("just now");
  static const std::pair<std::int64_t, const char*> kSteps[] = {
      {365 * kDay, "year"}, {30 * kDay, "month"}, {7 * kDay, "week"}, {kDay, "day"}, {kHour, "hour"}, {kMinute, "minute"}, {kSecond, "second"}};
  for (const auto& [size, name] : kSteps) {
    if (d < size) continue;
    std::int64_t n = d / size;
    std::string amount = std::to_string(n) + " " + name + (n == 1 ? "" : "s");
    return Value(future ? "in " + amount : amount + " ago");
  }
  return Value("just now");
}

}  // namespace lux::stdlib
