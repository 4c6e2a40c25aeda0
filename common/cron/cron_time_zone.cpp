// Time zones for nextFireTime(): UTC, fixed offsets, and loadZone() which picks the right kind
// for a name (`UTC`, `+05:30`, or an IANA name read as a TZif file, cron_tzif_zone.cpp).
// loadZone() is the only function in common/cron that reads anything (a zone file); the rest is pure.
#include "lux_common/cron_time_zone.h"

#include <cctype>
#include <cstdlib>
#include <fstream>

#include "cron_internal.h"

namespace lux::cron {
namespace {

using std::chrono::seconds;
using std::chrono::sys_seconds;
using detail::kMaxOffset;

std::string formatOffset(long long off) {
  const char sign = off < 0 ? '-' : '+';
  off = off < 0 ? -off : off;
  auto two = [](long long v) {
    return std::string(1, static_cast<char>('0' + v / 10 % 10)) + static_cast<char>('0' + v % 10);
  };
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

std::unique_ptr<TimeZone> loadZone(std::string_view name, const std::string& zoneinfo_dir) {
  if (name == "UTC" || name == "Z" || name == "Etc/UTC") return fixedOffsetZone(seconds(0));
  if (auto off = parseOffsetName(name)) return fixedOffsetZone(seconds(*off));
  if (name.empty() || name.front() == '/' || name.find("..") != std::string_view::npos) return nullptr;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '/' && c != '_' && c != '-' && c != '+') return nullptr;
  std::ifstream in(zoneinfo_dir + "/" + std::string(name), std::ios::binary);
  if (!in) return nullptr;
  std::string bytes(detail::kMaxZoneFileBytes + 1, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  bytes.resize(static_cast<std::size_t>(in.gcount()));
  return tzifZone(bytes, std::string(name));
}

}  // namespace lux::cron
