// Time zones for the cron scheduler: what nextFireTime() needs to know about a zone is its UTC
// offset at an instant and when that offset next changes. libstdc++ 12 has no std::chrono::tzdb,
// so IANA zones are read here from TZif files (/usr/share/zoneinfo) and POSIX TZ rules.
// Entry points: utcZone(), fixedOffsetZone(), posixZone(), tzifZone(), loadZone().
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace lux::cron {

class TimeZone {
 public:
  virtual ~TimeZone() = default;
  // Offset of local time from UTC in effect at instant `t` (local = t + offset).
  virtual std::chrono::seconds offsetAt(std::chrono::sys_seconds t) const = 0;
  // The first instant strictly after `t` at which the offset changes, if any.
  virtual std::optional<std::chrono::sys_seconds> nextTransition(std::chrono::sys_seconds t) const = 0;
  virtual const std::string& name() const = 0;
};

// The UTC zone (a process-wide immutable instance).
const TimeZone& utcZone();

// A zone whose offset never changes, named like "UTC+05:30".
std::unique_ptr<TimeZone> fixedOffsetZone(std::chrono::seconds offset);

// A zone from a POSIX TZ rule such as "CET-1CEST,M3.5.0,M10.5.0/3" or "EST5EDT,M3.2.0,M11.1.0"
// (the form TZif files end with). nullopt-like nullptr on a malformed rule.
std::unique_ptr<TimeZone> posixZone(std::string_view rule);

// A zone from the bytes of a TZif file (RFC 8536, version 2 or later); nullptr if malformed.
std::unique_ptr<TimeZone> tzifZone(std::string_view bytes, std::string name);

// Loads an IANA zone by name ("Europe/Berlin", "UTC") from `zoneinfo_dir`; also accepts
// "UTC", "Z" and fixed offsets "+05:30" / "-08:00". nullptr if unknown. Names with `..` or a
// leading `/` are refused.
std::unique_ptr<TimeZone> loadZone(std::string_view name,
                                   const std::string& zoneinfo_dir = "/usr/share/zoneinfo");

}  // namespace lux::cron
