// `trust_proxy` (src/http/proxy.h): parsing every form and refusing bad ones with one line, and
// the client address of a request — nobody trusted by default, the N nearest hops, every peer,
// address lists and CIDR ranges (IPv4, IPv6, the named ranges), X-Forwarded-For and Forwarded,
// entries that are not addresses.
#include <catch2/catch.hpp>

#include "http/proxy.h"

using lux::http::TrustedProxies;

namespace {

lux::Headers H(std::initializer_list<std::pair<const char*, const char*>> list) {
  lux::Headers h;
  for (const auto& [k, v] : list) h.Add(k, v);
  return h;
}

}  // namespace

TEST_CASE("trust_proxy: by default forwarded headers are ignored") {
  TrustedProxies t = TrustedProxies::Parse("", "trust_proxy");
  CHECK_FALSE(t.enabled());
  CHECK(t.ClientIp("127.0.0.1", H({{"X-Forwarded-For", "1.2.3.4"}})) == "127.0.0.1");
  CHECK(TrustedProxies::Parse("false", "x").ClientIp("10.0.0.1", H({{"Forwarded", "for=1.2.3.4"}})) == "10.0.0.1");
  CHECK_FALSE(TrustedProxies::Parse("0", "x").enabled());
}

TEST_CASE("trust_proxy: true takes the leftmost address, a hop count the N-th from the right") {
  lux::Headers h = H({{"X-Forwarded-For", "203.0.113.1, 198.51.100.2"}, {"x-forwarded-for", "10.0.0.3"}});
  CHECK(TrustedProxies::Parse("true", "x").ClientIp("127.0.0.1", h) == "203.0.113.1");
  CHECK(TrustedProxies::Parse("1", "x").ClientIp("127.0.0.1", h) == "10.0.0.3");
  CHECK(TrustedProxies::Parse("2", "x").ClientIp("127.0.0.1", h) == "198.51.100.2");
  CHECK(TrustedProxies::Parse("9", "x").ClientIp("127.0.0.1", h) == "203.0.113.1");
  CHECK(TrustedProxies::Parse("1", "x").ClientIp("127.0.0.1", lux::Headers{}) == "127.0.0.1");
}

TEST_CASE("trust_proxy: a list trusts its addresses and ranges only, walking from the nearest hop") {
  TrustedProxies t = TrustedProxies::Parse("loopback, 10.0.0.0/8, fd00::/8", "x");
  CHECK(t.ClientIp("127.0.0.1", H({{"X-Forwarded-For", "203.0.113.9, 10.1.2.3"}})) == "203.0.113.9");
  // An untrusted hop in the chain: the address it reported is as far as trust goes.
  CHECK(t.ClientIp("127.0.0.1", H({{"X-Forwarded-For", "1.1.1.1, 198.51.100.7, 10.1.2.3"}})) == "198.51.100.7");
  // The peer itself is not trusted: its header is ignored.
  CHECK(t.ClientIp("192.0.2.1", H({{"X-Forwarded-For", "203.0.113.9"}})) == "192.0.2.1");
  CHECK(t.ClientIp("fd12::1", H({{"X-Forwarded-For", "2001:db8::5"}})) == "2001:db8::5");
  CHECK(t.ClientIp("::ffff:10.0.0.2", H({{"X-Forwarded-For", "203.0.113.9"}})) == "203.0.113.9");
  // Not an address: the walk stops at the hop that wrote it.
  CHECK(t.ClientIp("127.0.0.1", H({{"X-Forwarded-For", "evil, 10.0.0.5"}})) == "10.0.0.5");
  CHECK(t.ClientIp("127.0.0.1", H({{"X-Forwarded-For", "203.0.113.9:5555"}})) == "203.0.113.9");
  TrustedProxies one = TrustedProxies::Parse("10.0.0.1", "x");
  CHECK(one.ClientIp("10.0.0.2", H({{"X-Forwarded-For", "203.0.113.9"}})) == "10.0.0.2");
  CHECK(TrustedProxies::Parse("10.0.0.0/31", "x").ClientIp("10.0.0.1", H({{"X-Forwarded-For", "8.8.8.8"}})) == "8.8.8.8");
}

TEST_CASE("trust_proxy: Forwarded (RFC 7239) is read before X-Forwarded-For") {
  TrustedProxies t = TrustedProxies::Parse("loopback", "x");
  CHECK(t.ClientIp("127.0.0.1", H({{"Forwarded", "for=192.0.2.60;proto=http;by=203.0.113.43"},
                                   {"X-Forwarded-For", "1.2.3.4"}})) == "192.0.2.60");
  CHECK(t.ClientIp("127.0.0.1", H({{"Forwarded", "for=\"[2001:db8:cafe::17]:4711\""}})) == "2001:db8:cafe::17");
  CHECK(t.ClientIp("127.0.0.1", H({{"Forwarded", "for=198.51.100.1, for=127.0.0.1"}})) == "198.51.100.1");
  CHECK(t.ClientIp("127.0.0.1", H({{"Forwarded", "for=_hidden, for=127.0.0.2"}})) == "127.0.0.2");
}

TEST_CASE("trust_proxy: a bad setting is one line naming where it came from") {
  auto message = [](const char* spec) {
    try {
      TrustedProxies::Parse(spec, "env LUX_TRUST_PROXY");
    } catch (const lux::StartupError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  CHECK(message("33") == "env LUX_TRUST_PROXY: a hop count must be from 0 to 32, got 33");
  CHECK(message("10.0.0.0/33").rfind("env LUX_TRUST_PROXY: expected true, a hop count, or addresses", 0) == 0);
  CHECK(message("proxy.internal").find("\"proxy.internal\"") != std::string::npos);
  CHECK(message("::1/129") != "accepted");
  CHECK(message("linklocal, uniquelocal, ::1") == "accepted");
}
