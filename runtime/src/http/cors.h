// What other subsystems ask the `cors` block: whether a browser origin is allowed (the WebSocket
// upgrade refuses other origins, src/ws/ws.cpp).
#pragma once

#include <string_view>

#include "lux/http.h"

namespace lux::http {

// True when the App has no `cors` block, or its `origins` allow `origin`.
bool CorsAllowsOrigin(App& app, std::string_view origin);

}  // namespace lux::http
