// `trust_proxy`: which peers may tell the server who the client is (X-Forwarded-For,
// Forwarded), with Express's meanings — every peer (`true`), the N nearest hops (an Int), or a
// list of addresses, CIDR ranges and the names "loopback", "linklocal", "uniquelocal". Never
// trusted by default: a header from a peer that is not trusted is ignored (anyone can send it).
// Entry points: TrustedProxies::Parse (ServerOptions::trust_proxy), ClientIp.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lux/http.h"

namespace lux::http {

// An IPv4 or IPv6 address; IPv4 is kept as its IPv4-mapped IPv6 form (::ffff:a.b.c.d), so one
// comparison serves both families and a v4 peer on a dual-stack socket matches a v4 range.
struct IpAddress {
  std::array<std::uint8_t, 16> bytes{};
  bool v4 = false;
  static std::optional<IpAddress> Parse(std::string_view text);
  std::string ToString() const;
};

class TrustedProxies {
 public:
  // "" or "false": nobody; "true": every peer; "N" (0..kMaxTrustedHops): the N nearest hops;
  // otherwise a comma-separated list of addresses, CIDRs (10.0.0.0/8, fd00::/8) and the names
  // loopback, linklocal, uniquelocal. Throws StartupError naming `what` for anything else.
  static TrustedProxies Parse(std::string_view spec, const std::string& what);
  bool enabled() const { return mode_ != Mode::kNone; }

  // The client's address for a request from `peer_ip` (no port) with these headers.
  std::string ClientIp(const std::string& peer_ip, const Headers& headers) const;

 private:
  enum class Mode { kNone, kAll, kHops, kList };
  struct Range {
    IpAddress base;
    int bits = 128;
  };
  bool Trusted(const IpAddress& a) const;

  Mode mode_ = Mode::kNone;
  int hops_ = 0;
  std::vector<Range> ranges_;
};

// A hop count above this is a mistake (no request crosses that many proxies).
inline constexpr int kMaxTrustedHops = 32;
// At most this many forwarded addresses are looked at (the rest, furthest from the server,
// cannot matter for any trust setting above).
inline constexpr std::size_t kMaxForwardedEntries = 64;

// The address without its port: "127.0.0.1:5000" -> "127.0.0.1", "[::1]:5000" -> "::1".
std::string WithoutPort(std::string_view endpoint);

}  // namespace lux::http
