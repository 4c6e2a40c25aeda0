// The cookie store of sessions (session.cpp): a session's values sealed into the cookie with
// their expiry, on an injectable clock so tests step past max_age without sleeping.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "lux/cookies.h"
#include "lux/session.h"
#include "lux/value.h"
#include "session/codec.h"

namespace lux::session {

class CookieSessions {
 public:
  // `now`: Unix seconds; the system clock when empty.
  explicit CookieSessions(const SessionOptions& options, std::function<std::int64_t()> now = {});
  // The values of a cookie: an object, empty when the cookie is missing, tampered with, sealed
  // with an unknown secret, expired or not a session.
  Value Load(std::string_view cookie) const;
  // The cookie value for `data`, expiring max_age from now.
  std::string Save(const Value& data) const;
  // The Set-Cookie attributes (HttpOnly, Secure, SameSite, Max-Age; Max-Age=0 when `remove`).
  CookieOptions Attributes(bool remove) const;

 private:
  SessionOptions options_;
  std::function<std::int64_t()> now_;
  std::vector<Keys> keys_;
};

}  // namespace lux::session
