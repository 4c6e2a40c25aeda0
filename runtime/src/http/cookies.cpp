// Cookie header parsing and Set-Cookie formatting (lux/cookies.h): RFC 6265 section 4, with the
// value escaping Express and Starlette use (percent-encoding) so any string can travel.
#include "lux/cookies.h"

#include <string>

#include "lux/error.h"

namespace lux {

namespace {

bool IsTokenChar(unsigned char c) {
  if (c <= 32 || c >= 127) return false;
  switch (c) {
    case '(': case ')': case '<': case '>': case '@': case ',': case ';': case ':': case '\\':
    case '"': case '/': case '[': case ']': case '?': case '=': case '{': case '}': return false;
    default: return true;
  }
}

// cookie-octet (RFC 6265 4.1.1) minus `%`, which starts an escape.
bool IsPlainValueChar(unsigned char c) {
  return c == 0x21 || (c >= 0x23 && c <= 0x2B && c != 0x25) || (c >= 0x2D && c <= 0x3A) ||
         (c >= 0x3C && c <= 0x5B) || (c >= 0x5D && c <= 0x7E);
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string Unescape(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    int hi = 0, lo = 0;
    if (v[i] == '%' && i + 2 < v.size() &&
        (hi = HexValue(v[i + 1])) >= 0 && (lo = HexValue(v[i + 2])) >= 0) {
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += v[i];
    }
  }
  return out;
}

bool HasControlOrSemicolon(std::string_view s) {
  for (unsigned char c : s)
    if (c < 32 || c == 127 || c == ';') return true;
  return false;
}

}  // namespace

bool IsCookieName(std::string_view name) {
  if (name.empty()) return false;
  for (unsigned char c : name)
    if (!IsTokenChar(c)) return false;
  return true;
}

std::vector<std::pair<std::string, std::string>> ParseCookieHeader(std::string_view header) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!header.empty()) {
    std::size_t semi = header.find(';');
    std::string_view part = Trim(header.substr(0, semi));
    header = semi == std::string_view::npos ? std::string_view() : header.substr(semi + 1);
    std::size_t eq = part.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view name = Trim(part.substr(0, eq));
    if (!IsCookieName(name)) continue;
    std::string_view value = Trim(part.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    out.emplace_back(std::string(name), Unescape(value));
  }
  return out;
}

std::string FormatSetCookie(std::string_view name, std::string_view value, const CookieOptions& o) {
  if (!IsCookieName(name)) throw Error("set_cookie: the name `" + std::string(name.substr(0, 64)) + "` is not a token", 500);
  std::string out(name);
  out += '=';
  static const char kHex[] = "0123456789ABCDEF";
  for (unsigned char c : value) {
    if (IsPlainValueChar(c)) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  if (HasControlOrSemicolon(o.path) || HasControlOrSemicolon(o.domain))
    throw Error("set_cookie: path and domain cannot hold `;` or control characters", 500);
  if (!o.path.empty()) out += "; Path=" + o.path;
  if (!o.domain.empty()) out += "; Domain=" + o.domain;
  if (o.max_age) {
    std::int64_t age = *o.max_age < 0 ? 0 : *o.max_age;
    out += "; Max-Age=" + std::to_string(age);
    if (age == 0) out += "; Expires=Thu, 01 Jan 1970 00:00:00 GMT";
  }
  if (o.http_only) out += "; HttpOnly";
  if (o.secure) out += "; Secure";
  if (!o.same_site.empty()) {
    std::string s;
    for (char c : o.same_site) s += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    if (s == "strict") out += "; SameSite=Strict";
    else if (s == "lax") out += "; SameSite=Lax";
    else if (s == "none") {
      if (!o.secure) throw Error("set_cookie: SameSite=None needs secure: true (browsers drop such a cookie)", 500);
      out += "; SameSite=None";
    } else {
      throw Error("set_cookie: same_site must be \"strict\", \"lax\" or \"none\", got \"" + o.same_site.substr(0, 32) + "\"", 500);
    }
  }
  if (out.size() > kMaxCookieBytes)
    throw Error("set_cookie: the cookie `" + std::string(name) + "` is " + std::to_string(out.size()) +
                    " bytes, browsers keep at most " + std::to_string(kMaxCookieBytes), 500);
  return out;
}

}  // namespace lux
