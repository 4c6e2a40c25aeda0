// `trust_proxy` (proxy.h): parsing the setting, and the client address of a request — the
// forwarded chain read from the right (the hop nearest the server) while its hops are trusted.
#include "http/proxy.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace lux::http {

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// One forwarded address as written: "1.2.3.4", "1.2.3.4:80", "[2001:db8::1]:80", "2001:db8::1"
// (quotes of a Forwarded value already removed).
std::optional<IpAddress> ForwardedAddress(std::string_view s) {
  s = Trim(s);
  if (!s.empty() && s.front() == '[') {
    std::size_t close = s.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    return IpAddress::Parse(s.substr(1, close - 1));
  }
  if (std::count(s.begin(), s.end(), ':') == 1) s = s.substr(0, s.find(':'));  // IPv4 with a port
  return IpAddress::Parse(s);
}

// The `for=` values of a Forwarded header (RFC 7239), in order; an element without one is an
// empty entry (which stops the walk: nothing trustworthy can be said beyond it).
void ForwardedFor(std::string_view value, std::vector<std::string_view>& out) {
  while (!value.empty() && out.size() < kMaxForwardedEntries) {
    std::size_t comma = value.find(',');
    std::string_view element = value.substr(0, comma);
    std::string_view found;
    while (!element.empty()) {
      std::size_t semi = element.find(';');
      std::string_view pair = Trim(element.substr(0, semi));
      if (pair.size() > 4 && IEquals(pair.substr(0, 4), "for=")) {
        found = pair.substr(4);
        if (found.size() >= 2 && found.front() == '"' && found.back() == '"') found = found.substr(1, found.size() - 2);
      }
      if (semi == std::string_view::npos) break;
      element.remove_prefix(semi + 1);
    }
    out.push_back(found);
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
}

void CommaList(std::string_view value, std::vector<std::string_view>& out) {
  while (out.size() < kMaxForwardedEntries) {
    std::size_t comma = value.find(',');
    out.push_back(Trim(value.substr(0, comma)));
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
}

}  // namespace

std::optional<IpAddress> IpAddress::Parse(std::string_view text) {
  if (text.empty() || text.size() > 45) return std::nullopt;
  char buf[46];
  std::copy(text.begin(), text.end(), buf);
  buf[text.size()] = '\0';
  IpAddress a;
  in_addr v4{};
  if (::inet_pton(AF_INET, buf, &v4) == 1) {
    a.v4 = true;
    a.bytes[10] = a.bytes[11] = 0xff;
    std::memcpy(a.bytes.data() + 12, &v4, 4);
    return a;
  }
  in6_addr v6{};
  if (::inet_pton(AF_INET6, buf, &v6) != 1) return std::nullopt;
  std::memcpy(a.bytes.data(), &v6, 16);
  static const std::uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  a.v4 = std::equal(kMapped, kMapped + 12, a.bytes.begin());  // ::ffff:a.b.c.d is that IPv4 peer
  return a;
}

std::string IpAddress::ToString() const {
  char buf[INET6_ADDRSTRLEN];
  if (v4) return ::inet_ntop(AF_INET, bytes.data() + 12, buf, sizeof buf) ? buf : "";
  return ::inet_ntop(AF_INET6, bytes.data(), buf, sizeof buf) ? buf : "";
}

std::string WithoutPort(std::string_view endpoint) {
  if (!endpoint.empty() && endpoint.front() == '[') {
    std::size_t close = endpoint.find(']');
    return std::string(endpoint.substr(1, close == std::string_view::npos ? std::string_view::npos : close - 1));
  }
  std::size_t colon = endpoint.rfind(':');
  return std::string(colon == std::string_view::npos ? endpoint : endpoint.substr(0, colon));
}

TrustedProxies TrustedProxies::Parse(std::string_view spec, const std::string& what) {
  TrustedProxies t;
  spec = Trim(spec);
  if (spec.empty() || spec == "false") return t;
  if (spec == "true") {
    t.mode_ = Mode::kAll;
    return t;
  }
  int hops = 0;
  auto [end, ec] = std::from_chars(spec.data(), spec.data() + spec.size(), hops);
  if (ec == std::errc() && end == spec.data() + spec.size()) {
    if (hops < 0 || hops > kMaxTrustedHops)
      throw StartupError(what + ": a hop count must be from 0 to " + std::to_string(kMaxTrustedHops) + ", got " +
                         std::string(spec));
    t.mode_ = hops ? Mode::kHops : Mode::kNone;
    t.hops_ = hops;
    return t;
  }
  std::vector<std::string_view> items;
  CommaList(spec, items);
  auto add = [&](const char* base, int bits) { t.ranges_.push_back({*IpAddress::Parse(base), bits}); };
  for (std::string_view item : items) {
    if (item == "loopback") {
      add("127.0.0.0", 96 + 8), add("::1", 128);
    } else if (item == "linklocal") {
      add("169.254.0.0", 96 + 16), add("fe80::", 10);
    } else if (item == "uniquelocal") {
      add("10.0.0.0", 96 + 8), add("172.16.0.0", 96 + 12), add("192.168.0.0", 96 + 16), add("fc00::", 7);
    } else {
      std::size_t slash = item.find('/');
      std::optional<IpAddress> base = IpAddress::Parse(item.substr(0, slash));
      int bits = base && base->v4 ? 32 : 128;
      bool ok = base.has_value();
      if (ok && slash != std::string_view::npos) {
        std::string_view b = item.substr(slash + 1);
        auto [e, err] = std::from_chars(b.data(), b.data() + b.size(), bits);
        ok = err == std::errc() && e == b.data() + b.size() && bits >= 0 && bits <= (base->v4 ? 32 : 128);
      }
      if (!ok)
        throw StartupError(what + ": expected true, a hop count, or addresses and CIDR ranges (\"10.0.0.0/8\", "
                           "\"loopback\"), got \"" + std::string(item) + "\"");
      t.ranges_.push_back({*base, base->v4 ? bits + 96 : bits});
    }
  }
  t.mode_ = Mode::kList;
  return t;
}

bool TrustedProxies::Trusted(const IpAddress& a) const {
  for (const Range& r : ranges_) {
    int full = r.bits / 8, rest = r.bits % 8;
    if (!std::equal(r.base.bytes.begin(), r.base.bytes.begin() + full, a.bytes.begin())) continue;
    if (rest == 0) return true;
    auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
    if ((r.base.bytes[full] & mask) == (a.bytes[full] & mask)) return true;
  }
  return false;
}

std::string TrustedProxies::ClientIp(const std::string& peer_ip, const Headers& headers) const {
  if (mode_ == Mode::kNone) return peer_ip;
  std::optional<IpAddress> peer = IpAddress::Parse(peer_ip);
  if (!peer || (mode_ == Mode::kList && !Trusted(*peer))) return peer_ip;
  // The chain as the proxies wrote it, nearest hop last: every Forwarded header in order, or
  // without one every X-Forwarded-For.
  std::vector<std::string_view> chain;
  bool forwarded = false;
  for (const auto& [name, value] : headers)
    if (IEquals(name, "Forwarded")) forwarded = true, ForwardedFor(value, chain);
  if (!forwarded)
    for (const auto& [name, value] : headers)
      if (IEquals(name, "X-Forwarded-For")) CommaList(value, chain);
  // From the nearest hop outwards: the client is the first address that is not a trusted
  // proxy (or the N-th hop). An entry that is not an address ends the walk at the hop that
  // wrote it: what lies beyond cannot be trusted.
  std::string client = peer->ToString();
  int hop = 1;  // the peer is the first hop
  for (auto it = chain.rbegin(); it != chain.rend(); ++it, ++hop) {
    if (mode_ == Mode::kHops && hop > hops_) break;
    std::optional<IpAddress> a = ForwardedAddress(*it);
    if (!a) break;
    client = a->ToString();
    if (mode_ == Mode::kList && !Trusted(*a)) break;
  }
  return client;
}

}  // namespace lux::http
