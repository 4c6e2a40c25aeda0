// TZif files (RFC 8536), the compiled IANA zones in /usr/share/zoneinfo: a table of past
// transitions, then a POSIX rule (cron_posix_zone.cpp) for times after the table. Only the
// version 2+ 64-bit block is read. Entry point: tzifZone() (cron_time_zone.h).
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <iterator>
#include <vector>

#include "cron_internal.h"
#include "lux_common/cron_time_zone.h"

namespace lux::cron {
namespace {

using std::chrono::seconds;
using std::chrono::sys_seconds;
using detail::kMaxOffset;

class TzifZone final : public TimeZone {
 public:
  static std::unique_ptr<TzifZone> parse(std::string_view bytes, std::string name) {
    if (bytes.size() > detail::kMaxZoneFileBytes) return nullptr;
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
        z->footer_ = posixZone(rule);
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
  std::unique_ptr<TimeZone> footer_;  // the POSIX rule for times after the table
};


}  // namespace

std::unique_ptr<TimeZone> tzifZone(std::string_view bytes, std::string name) {
  return TzifZone::parse(bytes, std::move(name));
}

}  // namespace lux::cron
