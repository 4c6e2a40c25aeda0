// Cron (lux_common): cron expressions for `schedule` — parse and validate (checker), next fire time (runtime).
// Entry points: parseCron() turns text into a CronSpec or a list of CronErrors with byte spans;
// nextFireTime() finds the first fire instant after a given one in a TimeZone (cron_time_zone.h);
// describeCron() renders a one-line description. Pure functions: no clock reads, no globals
// (loadZone() in cron_time_zone.h is the one function that reads a file).
// Syntax and semantics for users: docs/cron.md.
#pragma once

#include <bitset>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lux_common/cron_time_zone.h"

namespace lux::cron {

// Longest expression accepted. Real expressions are under 100 bytes; the cap keeps error
// lists and parse time bounded on hostile input (a fuzzed string literal) without limiting anyone.
inline constexpr std::size_t kMaxCronLength = 1024;

// Most errors reported for one expression; past this the list ends (the first ones matter most).
inline constexpr std::size_t kMaxCronErrors = 16;

enum class CronErrorKind : std::uint8_t {
#define CRON_ERROR(name, id, doc) name,
#include "lux_common/cron_errors.def"
};

// Stable identifier of a kind, e.g. "cron-out-of-range" (for tests, JSON diagnostics, docs).
std::string_view cronErrorId(CronErrorKind kind);

// A second span that explains an error, e.g. the month field behind a never-fires error.
struct CronNote {
  std::size_t offset;
  std::size_t length;
  std::string message;
};

struct CronError {
  CronErrorKind kind;
  std::size_t offset;  // byte offset of the offending text inside the parsed string
  std::size_t length;  // byte length of it (at least 1 unless the text is empty)
  std::string message; // lower-case, no trailing period, code in backticks
  std::optional<CronNote> note = std::nullopt;
};

// Which of the six positions a value belongs to (5-field expressions have no Second field:
// their second set is {0}).
enum class CronField : std::uint8_t { Second, Minute, Hour, DayOfMonth, Month, DayOfWeek };

// A parsed, validated schedule. The sets hold every value the field matches:
// seconds/minutes 0-59, hours 0-23, days_of_month 1-31 (bit 0 unused), months 1-12 (bit 0
// unused), days_of_week 0-6 with 0 = Sunday (a written 7 is stored as 0).
struct CronSpec {
  std::bitset<60> seconds;
  std::bitset<60> minutes;
  std::bitset<24> hours;
  std::bitset<32> days_of_month;
  std::bitset<13> months;
  std::bitset<7> days_of_week;
  // Vixie cron's rule: a day field is "star" when its first element is `*` or `?` (`*`, `*/2`).
  // When both day fields are restricted (neither star), a day matches if EITHER matches;
  // otherwise both must match (which means: the restricted one, if any).
  bool day_of_month_star = true;
  bool day_of_week_star = true;
  // The hour field starts with `*` (`*`, `*/2`): the schedule follows elapsed time across
  // daylight-saving changes rather than the wall clock (see nextFireTime and docs/cron.md).
  bool hour_star = true;
  bool has_seconds = false;  // written with 6 fields (seconds first)
  std::string text;          // the expression as written, trimmed (macros included)
};

struct CronParseResult {
  std::optional<CronSpec> spec;  // set exactly when errors is empty
  std::vector<CronError> errors; // in order of offset; empty on success

  bool ok() const { return spec.has_value(); }
};

// Parses and validates `text` completely: field count, every element of every field, names,
// macros, and that some calendar date satisfies the day fields (`0 0 30 2 *` is an error).
// Reports every bad element, each with its own span.
CronParseResult parseCron(std::string_view text);

// Instants are whole seconds of UTC (system_clock, leap seconds not counted).
using TimePoint = std::chrono::sys_seconds;

// The first instant strictly after `after` at which `spec` fires in `zone`, or nullopt when
// there is none before year kMaxCronYear. Never scans minute by minute: each step jumps to the
// next value of the first field that does not match. Daylight-saving rules (docs/cron.md):
// when the hour field is `*`-based the schedule follows elapsed time (fires at every matching
// instant: skipped wall times do not occur, repeated ones fire twice); otherwise each matching
// wall-clock time fires once: a repeated time at its first occurrence, a skipped time shifted
// forward by the length of the gap (RFC 5545's rule).
std::optional<TimePoint> nextFireTime(const CronSpec& spec, TimePoint after, const TimeZone& zone = utcZone());

// Searches stop at this year: beyond it calendars are out of scope for a server's scheduler.
inline constexpr int kMaxCronYear = 9999;

// A one-line English description, e.g. "at 09:00 and 17:00, on Monday through Friday".
std::string describeCron(const CronSpec& spec);

}  // namespace lux::cron
