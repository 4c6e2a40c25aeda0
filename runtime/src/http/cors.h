// What other subsystems ask the `cors` block: whether a browser origin is allowed (the WebSocket
// upgrade refuses other origins, src/ws/ws.cpp).
#pragma once

#include <string_view>

#include "lux/http.h"

namespace lux::http {

// True when no `cors` block covers `path` (the server's, or the route group's around it), or its
// `origins` allow `origin`.
bool CorsAllowsOrigin(App& app, std::string_view path, std::string_view origin);

}  // namespace lux::http
