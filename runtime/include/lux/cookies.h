// Cookies (RFC 6265): the Cookie request header parsed into name/value pairs, and Set-Cookie
// header values written from a name, a value and attributes. Used by `req.cookies`, the
// `set_cookie`/`clear_cookie` built-ins and the session component (src/session/).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lux {

// A Set-Cookie header value longer than this is refused: browsers keep at most 4096 bytes of
// a cookie's name, value and attributes (RFC 6265 6.1 asks for at least that much).
inline constexpr std::size_t kMaxCookieBytes = 4096;

struct CookieOptions {
  bool http_only = true;
  std::optional<std::int64_t> max_age;  // seconds; 0 (or less) deletes the cookie
  std::string same_site = "Lax";        // "Strict", "Lax", "None" or "" (no attribute)
  bool secure = false;
  std::string path = "/";
  std::string domain;  // empty: no Domain attribute (host-only cookie)
};

// The pairs of every Cookie header of a request, in order. Pairs without `=` and names that are
// not RFC 7230 tokens are skipped; whitespace around names and values is dropped, a value in
// double quotes loses them, and %XX escapes are decoded (set_cookie writes them).
std::vector<std::pair<std::string, std::string>> ParseCookieHeader(std::string_view header);

// `name=value; Path=/; ...`. The value is percent-encoded where it holds bytes a cookie value
// cannot (controls, space, `"`, `,`, `;`, `\`, `%`, non-ASCII). Throws lux::Error when the name
// is not a token, the path or domain hold `;` or controls, same_site is not one of the three,
// SameSite=None comes without Secure, or the result is longer than kMaxCookieBytes.
std::string FormatSetCookie(std::string_view name, std::string_view value, const CookieOptions& options);

// Whether `name` is an RFC 7230 token (what a cookie name must be).
bool IsCookieName(std::string_view name);

}  // namespace lux
