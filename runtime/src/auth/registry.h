// The auth settings of each App (`auth { }`), set at registration and read by RequireAuth:
// a JWT configuration or an API-key one. Private to src/auth/.
#pragma once

#include <memory>

#include "lux/auth.h"

namespace lux::auth {

struct Guard {
  std::shared_ptr<const JwtOptions> jwt;        // `type: "jwt"`
  std::shared_ptr<const ApiKeyOptions> api_key;  // `type: "api_key"`
};

void SetGuard(const App& app, Guard guard);
// The App's guard; throws Error (500) when the App registered none.
Guard GetGuard(const App& app);

}  // namespace lux::auth
