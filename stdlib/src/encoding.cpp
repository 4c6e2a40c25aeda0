// Encodings and URLs: base64 / base64url, hex and percent-encoding both ways, the digests
// (sha256, sha1, md5, sha512, hmac_sha256 as lower-case hex; constant_time_equal), the family's Result-returning json_parse
// and its json_stringify / json_pretty, parse_url / build_url and parse_query / build_query.
// Decoding text that is not in the encoding is an error naming the function and the position
// (never a crash; 400 when the client sent the text); parse_url answers Err. docs/stdlib.md
// documents each.
#include <cstdint>
#include <string>
#include <string_view>

#include "lux/digest.h"
#include "lux/rt.h"
#include "lux/stdlib.h"
#include "args.h"

namespace lux::stdlib {
using args::Text;

namespace {

constexpr char kStd[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kUrl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr char kHex[] = "0123456789abcdef";

std::string ToBase64(const std::string& in, const char* alphabet, bool pad) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    std::uint32_t n = (std::uint32_t(std::uint8_t(in[i])) << 16) | (std::uint32_t(std::uint8_t(in[i + 1])) << 8) | std::uint8_t(in[i + 2]);
    for (int shift = 18; shift >= 0; shift -= 6) out += alphabet[(n >> shift) & 63];
  }
  std::size_t rest = in.size() - i;
  if (rest > 0) {
    std::uint32_t n = std::uint32_t(std::uint8_t(in[i])) << 16;
    if (rest == 2) n |= std::uint32_t(std::uint8_t(in[i + 1])) << 8;
    out += alphabet[(n >> 18) & 63];
    out += alphabet[(n >> 12) & 63];
    if (rest == 2) out += alphabet[(n >> 6) & 63];
    if (pad) out.append(rest == 1 ? 2 : 1, '=');
  }
  return out;
}

// Six bits of a base64 character of the alphabet (`+/` or `-_`); -1 for any other.
int SixBits(char c, bool url) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == (url ? '-' : '+')) return 62;
  if (c == (url ? '_' : '/')) return 63;
  return -1;
}

// Text `arg` that is not in the encoding: 400 when the client sent it (ClientOrError), else 500.
[[noreturn]] void BadInput(const Value& arg, const char* fn, const char* what, std::size_t at) {
  ClientOrError(arg, std::string(fn) + ": not " + what + " (at position " + std::to_string(at) + ")");
}

std::string FromBase64(const Value& arg, bool url, const char* fn) {
  const std::string& in = Text(arg, fn);
  std::size_t end = in.size();
  while (end > 0 && in[end - 1] == '=' && in.size() - end < 2) --end;  // at most two `=`
  if (end < in.size() && in.size() % 4 != 0) BadInput(arg, fn, "base64 text: padding", end);
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (std::size_t i = 0; i < end; ++i) {
    int v = SixBits(in[i], url);
    if (v < 0) BadInput(arg, fn, url ? "base64url text" : "base64 text", i);
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  if (bits >= 6) BadInput(arg, fn, "base64 text: a lone last character", end - 1);
  return out;
}

std::string LowerHex(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) {
    out += kHex[std::uint8_t(c) >> 4];
    out += kHex[std::uint8_t(c) & 15];
  }
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool Unreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '.' || c == '~';
}

// `%XX` for every byte but the unreserved ones (RFC 3986); `marks`: JavaScript's
// encodeURIComponent also keeps `!'()*`.
std::string PercentEncoded(const std::string& s, bool marks = false) {
  std::string out;
  for (char c : s) {
    if (Unreserved(c) || (marks && (c == '!' || c == '\'' || c == '(' || c == ')' || c == '*'))) {
      out += c;
    } else {
      out += '%';
      out += "0123456789ABCDEF"[std::uint8_t(c) >> 4];
      out += "0123456789ABCDEF"[std::uint8_t(c) & 15];
    }
  }
  return out;
}

// Percent-decoding; `plus` turns `+` into a space (a query string). `strict`: the argument whose
// `%` not followed by two hex digits is an error (BadInput); null: such a `%` is kept as it is.
std::string PercentDecoded(const std::string& s, bool plus, const Value* strict, const char* fn) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      int hi = i + 2 < s.size() ? HexValue(s[i + 1]) : -1;
      int lo = i + 2 < s.size() ? HexValue(s[i + 2]) : -1;
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
      if (strict) BadInput(*strict, fn, "percent-encoded text: `%` without two hex digits", i);
    }
    out += plus && s[i] == '+' ? ' ' : s[i];
  }
  return out;
}

// The value of a URL part given to build_url / build_query: a String as it is, another value's text.
std::string PartText(const Value* v) {
  if (!v || v->IsNull()) return "";
  return v->IsString() ? v->AsString() : ToString(*v).AsString();
}

}  // namespace

Value Base64Encode(const Value& s) { return Value(ToBase64(Text(s, "base64_encode"), kStd, true)); }
Value Base64Decode(const Value& s) { return Value(FromBase64(s, false, "base64_decode")); }
Value Base64UrlEncode(const Value& s) { return Value(ToBase64(Text(s, "base64url_encode"), kUrl, false)); }
Value Base64UrlDecode(const Value& s) { return Value(FromBase64(s, true, "base64url_decode")); }

Value HexEncode(const Value& s) { return Value(LowerHex(Text(s, "hex_encode"))); }

Value HexDecode(const Value& s) {
  const std::string& t = Text(s, "hex_decode");
  if (t.size() % 2 != 0) BadInput(s, "hex_decode", "hex text: an odd number of digits", t.size());
  std::string out;
  for (std::size_t i = 0; i < t.size(); i += 2) {
    int hi = HexValue(t[i]), lo = HexValue(t[i + 1]);
    if (hi < 0 || lo < 0) BadInput(s, "hex_decode", "hex text", hi < 0 ? i : i + 1);
    out += static_cast<char>(hi * 16 + lo);
  }
  return Value(out);
}

Value UrlEncode(const Value& s) { return Value(PercentEncoded(Text(s, "url_encode"))); }
Value UrlDecode(const Value& s) { return Value(PercentDecoded(Text(s, "url_decode"), false, &s, "url_decode")); }
// JavaScript's spellings: encodeURIComponent keeps `!'()*` as they are; the decoders name themselves.
Value UriComponentEncode(const Value& s) { return Value(PercentEncoded(Text(s, "encodeURIComponent"), true)); }
Value UriComponentDecode(const Value& s) {
  return Value(PercentDecoded(Text(s, "decodeURIComponent"), false, &s, "decodeURIComponent"));
}
Value Atob(const Value& s) { return Value(FromBase64(s, false, "atob")); }

// ---- digests: lower-case hex of OpenSSL's SHA-256, SHA-1, MD5, SHA-512 and HMAC-SHA256, and the
// constant-time comparison to check a signature with (lux/digest.h) ---------------------------

Value Sha256Hex(const Value& s) { return Value(LowerHex(Digest("SHA256", Text(s, "sha256")))); }
Value Sha1Hex(const Value& s) { return Value(LowerHex(Digest("SHA1", Text(s, "sha1")))); }
Value Md5Hex(const Value& s) { return Value(LowerHex(Digest("MD5", Text(s, "md5")))); }
Value Sha512Hex(const Value& s) { return Value(LowerHex(Digest("SHA512", Text(s, "sha512")))); }
Value HmacSha256Hex(const Value& key, const Value& message) {
  return Value(LowerHex(Hmac("SHA256", Text(key, "hmac_sha256"), Text(message, "hmac_sha256"))));
}
Value ConstantTimeEqualOf(const Value& a, const Value& b) {
  return Value(ConstantTimeEqual(Text(a, "constant_time_equal"), Text(b, "constant_time_equal")));
}

// ---- JSON: the family's Result-returning functions ---------------------------------------------

Value JsonParseResult(const Value& text) {
  if (!text.IsString()) return Err(Value(std::string("json_parse: expected a String, found ") + text.KindName()));
  try {
    Value out = ParseJson(text.AsString());
    if (text.FromClient()) out.MarkFromClient();  // the client's text: its parts are the client's
    return Ok(std::move(out));
  } catch (const JsonError& e) {
    return Err(Value(std::string(e.what())));
  }
}

Value JsonPretty(const Value& v) { return Value(ToJsonPretty(v)); }

// ---- URLs and query strings --------------------------------------------------------------------

Value ParseUrl(const Value& url) {
  const std::string& s = Text(url, "parse_url");
  auto bad = [&] { return Err(Value("Invalid URL: " + s)); };
  std::size_t colon = s.find("://");
  if (colon == std::string::npos || colon == 0) return bad();
  std::string protocol = s.substr(0, colon);
  for (char c : protocol)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.')) return bad();
  std::string rest = s.substr(colon + 3);
  std::size_t hash_at = rest.find('#');
  std::string hash = hash_at == std::string::npos ? "" : rest.substr(hash_at);
  rest = rest.substr(0, hash_at);
  std::size_t q = rest.find('?');
  std::string search = q == std::string::npos ? "" : rest.substr(q);
  rest = rest.substr(0, q);
  std::size_t slash = rest.find('/');
  std::string host = rest.substr(0, slash);
  std::string path = slash == std::string::npos ? "/" : rest.substr(slash);
  if (host.empty() || host.find_first_of(" \t\r\n<>\"\\") != std::string::npos || path.find_first_of(" \t\r\n") != std::string::npos)
    return bad();
  std::size_t port_at = host.rfind(':');
  std::string hostname = host, port;
  if (port_at != std::string::npos && host.find(']', port_at) == std::string::npos) {
    hostname = host.substr(0, port_at);
    port = host.substr(port_at + 1);
    for (char c : port)
      if (c < '0' || c > '9') return bad();
  }
  return Ok(Value{{"protocol", protocol}, {"host", host}, {"hostname", hostname}, {"port", port},
                  {"pathname", path}, {"search", search}, {"hash", hash}});
}

Value BuildUrl(const Value& parts) {
  if (!parts.IsObject()) args::Expected(parts, "build_url", "an object");
  std::string protocol = PartText(parts.Find("protocol"));
  std::string path = PartText(parts.Find("pathname"));
  std::string search = PartText(parts.Find("search"));
  std::string hash = PartText(parts.Find("hash"));
  if (protocol.empty()) protocol = "https";
  if (protocol.back() == ':') protocol.pop_back();
  if (path.empty() || path[0] != '/') path = "/" + path;
  if (!search.empty() && search[0] != '?') search = "?" + search;
  if (!hash.empty() && hash[0] != '#') hash = "#" + hash;
  return Value(protocol + "://" + PartText(parts.Find("host")) + path + search + hash);
}

Value ParseQuery(const Value& query) {
  std::string s = Text(query, "parse_query");
  if (!s.empty() && s[0] == '?') s.erase(0, 1);
  Object out;
  std::size_t start = 0;
  while (start <= s.size()) {
    std::size_t amp = s.find('&', start);
    std::string pair = s.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
    if (!pair.empty()) {
      std::size_t eq = pair.find('=');
      std::string key = PercentDecoded(pair.substr(0, eq), true, nullptr, "parse_query");
      std::string value = eq == std::string::npos ? "" : PercentDecoded(pair.substr(eq + 1), true, nullptr, "parse_query");
      out.Set(key, Value(value));  // a repeated key keeps its last value
    }
    if (amp == std::string::npos) break;
    start = amp + 1;
  }
  return Value(std::move(out));
}

Value BuildQuery(const Value& params) {
  if (!params.IsObject()) args::Expected(params, "build_query", "an object");
  std::string out;
  for (const auto& [key, value] : params.AsObject()) {
    if (value.IsNull()) continue;
    if (!out.empty()) out += '&';
    out += PercentEncoded(key) + "=" + PercentEncoded(PartText(&value));
  }
  return Value(out);
}

}  // namespace lux::stdlib
