// The server span's request attributes as fixed fields of its record: the request's texts
// (method, path, query, Host, peer address, User-Agent, request id, route) copied one after the
// other into one buffer that a recycled record keeps, and the status, written out as the attributes
// of the semantic conventions only when the span is encoded, on the exporter's thread (the
// `host:port` splits included), and the span's name built from them there too. Entry points:
// ServerFields, SplitHostPort, ForEachServerAttribute (ForEachServerRequestAttribute,
// ForEachServerHostAttribute, ServerHostKey), ServerSpanName.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>

#include "tracing/copy_short.h"

namespace lux::tracing {

// The decimal digits that end the 8 bytes before `e`, by one word: how many (`count`, 0 to 7)
// and their value. False when all 8 are digits (the caller reads those byte by byte). A byte
// is a digit when, XORed with '0', it is below 10: bit 7 of (its low 7 bits + 0x76) or of
// itself is set for every other byte, with no carry between bytes.
inline bool TrailingDigits8(const char* e, std::size_t& count, std::int64_t& value) {
  std::uint64_t w;
  std::memcpy(&w, e - 8, 8);
  const std::uint64_t t = w ^ 0x3030303030303030ull;  // a digit's byte: its value
  const std::uint64_t other = (((t & 0x7F7F7F7F7F7F7F7Full) + 0x7676767676767676ull) | t) & 0x8080808080808080ull;
  if (other == 0) return false;
  const int k = __builtin_clzll(other) / 8;  // the last bytes are the word's top ones
  count = static_cast<std::size_t>(k);
  // The digits with zeros below them (leading zeros of the number), then the number, two
  // digits, four, eight at a time.
  std::uint64_t v = k == 0 ? 0 : t & (~0ull << (8 * (8 - k)));
  v = (v * 10 + (v >> 8)) & 0x00FF00FF00FF00FFull;
  v = (v * 100 + (v >> 16)) & 0x0000FFFF0000FFFFull;
  v = (v * 10000 + (v >> 32)) & 0x00000000FFFFFFFFull;
  value = static_cast<std::int64_t>(v);
  return true;
}

// "host:port" → host and port (port 0 when absent); IPv6 literals keep their brackets off.
// The common form (digits after the last ':') is read by one word when the text has 8 bytes
// and the port under 8 digits, else in one pass back over the digits; any other is scanned
// back to the last ':' that no ']' follows.
inline void SplitHostPort(std::string_view hp, std::string_view& host, std::int64_t& port) {
  port = 0;
  host = hp;
  const char* b = hp.data();
  const char* e = b + hp.size();
  const char* p = e;
  std::int64_t n = -1;  // the digits' value when read by the word
  std::size_t k = 0;
  if (hp.size() >= 8 && TrailingDigits8(e, k, n)) {
    p = e - k;
  } else {
    n = -1;
    while (p > b && static_cast<unsigned char>(p[-1] - '0') < 10) --p;
  }
  if (p > b && p[-1] == ':') {
    if (n < 0) {
      n = 0;
      for (const char* d = p; d < e; ++d) n = n * 10 + (*d - '0');
    }
    port = n;
    host = std::string_view(b, static_cast<std::size_t>(p - 1 - b));
  } else {
    std::size_t i = hp.size();
    while (i > 0 && hp[i - 1] != ':' && hp[i - 1] != ']') --i;
    if (i > 0 && hp[i - 1] == ':') {
      host = hp.substr(0, i - 1);
      return;  // a port that is not a number: none
    }
  }
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
}

class ServerFields {
 public:
  enum Field : std::uint8_t { kMethod, kPath, kQuery, kHost, kPeer, kUserAgent, kRequestId, kRoute, kCount };

  bool set() const { return set_; }
  // Starts the fields of a new request (the record's earlier text is dropped, its room kept).
  void Begin() {
    set_ = true;
    used_ = 0;
    present_ = 0;
    status_ = 0;
  }
  // Appends `v` as field `f` (each field at most once; an absent one reads as empty).
  [[gnu::always_inline]] void Set(Field f, std::string_view v) {
    if (used_ + v.size() > cap_) [[unlikely]] Grow(used_ + v.size());
    CopyShort(text_.get() + used_, v.data(), v.size());
    start_[f] = static_cast<std::uint32_t>(used_);
    size_[f] = static_cast<std::uint32_t>(v.size());
    used_ += v.size();
    present_ = static_cast<std::uint16_t>(present_ | (1u << f));
  }
  void SetStatus(int status) { status_ = status; }
  void Clear() { set_ = false; }

  bool Has(Field f) const { return (present_ >> f) & 1u; }
  std::string_view Get(Field f) const {
    return Has(f) ? std::string_view(text_.get() + start_[f], size_[f]) : std::string_view();
  }
  int status() const { return status_; }
  // The bytes of all the texts (the encoders' room).
  std::size_t text_size() const { return used_; }
  // All the texts, one after the other (every field's value is a part of it).
  std::string_view text() const { return std::string_view(text_.get(), used_); }

 private:
  // Room for at least `n` bytes, the text so far kept (a long User-Agent or path: rare, and a
  // recycled record keeps the room).
  [[gnu::noinline]] void Grow(std::size_t n) {
    std::size_t cap = std::max<std::size_t>(2 * cap_, std::max<std::size_t>(n, kInitialText));
    std::unique_ptr<char[]> bigger(new char[cap]);
    if (used_) std::memcpy(bigger.get(), text_.get(), used_);
    text_ = std::move(bigger);
    cap_ = cap;
  }

  // The room of a common request's texts.
  static constexpr std::size_t kInitialText = 256;

  bool set_ = false;
  std::uint16_t present_ = 0;
  int status_ = 0;
  std::unique_ptr<char[]> text_;
  std::size_t cap_ = 0;
  std::size_t used_ = 0;
  std::array<std::uint32_t, kCount> start_{};
  std::array<std::uint32_t, kCount> size_{};
};

// The keys of a server span's attributes (names of the semantic conventions).
inline constexpr std::string_view kServerKeys[] = {
    "http.request.method", "url.path", "url.scheme", "url.query", "server.address", "server.port",
    "network.peer.address", "network.peer.port", "user_agent.original", "lux.request_id", "http.route",
    "http.response.status_code"};
enum ServerKey : std::uint8_t {
  kKeyMethod, kKeyPath, kKeyScheme, kKeyQuery, kKeyServerAddress, kKeyServerPort, kKeyPeerAddress, kKeyPeerPort,
  kKeyUserAgent, kKeyRequestId, kKeyRoute, kKeyStatus, kServerKeyCount
};
static_assert(std::size(kServerKeys) == kServerKeyCount);

// For the encoders' room: how many attributes ForEachServerAttribute gives at most, the bytes
// of all their keys, how many are integers, and the one value that is not the request's text
// (url.scheme's "http").
inline constexpr std::size_t kServerAttributes = kServerKeyCount;
inline constexpr std::size_t kServerKeysSize = [] {
  std::size_t n = 0;
  for (std::string_view k : kServerKeys) n += k.size();
  return n;
}();
inline constexpr std::size_t kServerIntegers = 3;
inline constexpr std::string_view kServerScheme = "http";

// Calls `str(key, value)` and `num(key, value)` for the attributes of a server span that depend
// only on its Host and User-Agent headers (url.scheme, server.address, server.port,
// user_agent.original): the same from request to request for most clients, so an encoder may
// keep their bytes (ServerHostKey says when they are the same).
template <typename Str, typename Num>
void ForEachServerHostAttribute(const ServerFields& s, Str&& str, Num&& num) {
  using F = ServerFields;
  str(kServerKeys[kKeyScheme], kServerScheme);
  if (s.Has(F::kHost)) {
    std::string_view host;
    std::int64_t port = 0;
    SplitHostPort(s.Get(F::kHost), host, port);
    str(kServerKeys[kKeyServerAddress], host);
    if (port) num(kServerKeys[kKeyServerPort], port);
  }
  if (s.Has(F::kUserAgent)) str(kServerKeys[kKeyUserAgent], s.Get(F::kUserAgent));
}

// The rest: the request's own (method, path, query, peer, request id), then the route and the
// status.
template <typename Str, typename Num>
void ForEachServerRequestAttribute(const ServerFields& s, Str&& str, Num&& num) {
  using F = ServerFields;
  str(kServerKeys[kKeyMethod], s.Get(F::kMethod));
  str(kServerKeys[kKeyPath], s.Get(F::kPath));
  if (s.Has(F::kQuery)) str(kServerKeys[kKeyQuery], s.Get(F::kQuery));
  if (s.Has(F::kPeer)) {
    std::string_view host;
    std::int64_t port = 0;
    SplitHostPort(s.Get(F::kPeer), host, port);
    str(kServerKeys[kKeyPeerAddress], host);
    if (port) num(kServerKeys[kKeyPeerPort], port);
  }
  str(kServerKeys[kKeyRequestId], s.Get(F::kRequestId));
  if (s.Has(F::kRoute)) str(kServerKeys[kKeyRoute], s.Get(F::kRoute));
  if (s.status()) num(kServerKeys[kKeyStatus], static_cast<std::int64_t>(s.status()));
}

// All the attributes of a server span, in the order both encoders write them: the request's,
// then those of its Host and User-Agent.
template <typename Str, typename Num>
void ForEachServerAttribute(const ServerFields& s, Str&& str, Num&& num) {
  ForEachServerRequestAttribute(s, str, num);
  ForEachServerHostAttribute(s, str, num);
}

// What ForEachServerHostAttribute's output depends on: whether Host and User-Agent are present,
// and their texts. Equal keys give equal attributes.
class ServerHostKey {
 public:
  bool Matches(const ServerFields& s) const {
    using F = ServerFields;
    return valid_ && s.Has(F::kHost) == has_host_ && s.Has(F::kUserAgent) == has_user_agent_ &&
           s.Get(F::kHost) == host_ && s.Get(F::kUserAgent) == user_agent_;
  }
  void Set(const ServerFields& s) {
    using F = ServerFields;
    valid_ = true;
    has_host_ = s.Has(F::kHost);
    has_user_agent_ = s.Has(F::kUserAgent);
    host_.assign(s.Get(F::kHost));
    user_agent_.assign(s.Get(F::kUserAgent));
  }

 private:
  bool valid_ = false, has_host_ = false, has_user_agent_ = false;
  std::string host_, user_agent_;
};

// A server span's name, `METHOD /route/pattern` (just METHOD when no route matched), composed
// by the encoders from the fields rather than on the request's thread: in `buf`
// (kServerNameRoom bytes) when it fits, else in `long_name`. Its size is ServerSpanNameSize.
inline constexpr std::size_t kServerNameRoom = 128;
inline std::size_t ServerSpanNameSize(const ServerFields& s) {
  using F = ServerFields;
  return s.Get(F::kMethod).size() + (s.Has(F::kRoute) ? 1 + s.Get(F::kRoute).size() : 0);
}
inline std::string_view ServerSpanName(const ServerFields& s, char* buf, std::string& long_name) {
  using F = ServerFields;
  std::string_view method = s.Get(F::kMethod);
  if (!s.Has(F::kRoute)) return method;
  std::string_view route = s.Get(F::kRoute);
  std::size_t n = method.size() + 1 + route.size();
  if (n > kServerNameRoom) {
    long_name.assign(method).append(1, ' ').append(route);
    return long_name;
  }
  CopyShort(buf, method.data(), method.size());
  buf[method.size()] = ' ';
  CopyShort(buf + method.size() + 1, route.data(), route.size());
  return std::string_view(buf, n);
}

}  // namespace lux::tracing
