// Sessions: `session { secret, max_age, cookie_name, store, same_site, secure }` in a server.
// The session component (src/session/) reads the session cookie before the program's
// middleware, puts the session's values in the request (`req.session`, an object), and after
// the response is made saves them when they changed (Set-Cookie). docs/runtime.md, "Sessions".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "lux/http.h"

namespace lux {

struct SessionOptions {
  std::vector<std::string> secrets;  // the first signs (and encrypts); every one verifies
  std::int64_t max_age_s = 86400;
  std::string cookie_name = "__sid";
  // "cookie": the values travel in the cookie, encrypted; "db": a signed id in the cookie, the
  // values in the table lux_sessions of the server's database (RegisterDb); "redis": a signed
  // id in the cookie, the values in Redis at `url` with Redis's expiry
  std::string store = "cookie";
  std::string url;                    // "redis": redis:// or unix:// (LUX_SESSION_URL overrides)
  std::string redis_prefix = "lux:";  // "redis": keys <prefix>session:<id> (LUX_SESSION_PREFIX)
  std::string same_site = "lax";
  bool secure = false;
};

// Adds the session component with these options (the first call's options are kept).
void UseSessions(App& app, SessionOptions options);

// `session_destroy(req)`: the request's session becomes empty; its cookie is deleted with the
// response.
void DestroySession(Request& req);

}  // namespace lux
