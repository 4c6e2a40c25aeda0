// GET /docs: an interactive page for a server's /openapi.json, made with Swagger UI (npm's
// swagger-ui-dist, Apache-2.0) whose assets are embedded in the runtime at build time, so the
// page works with no network. Implementation in src/docs/; LUX_DOCS=0 leaves the routes out.
#pragma once

#include <string>

#include "lux/http.h"

namespace lux {

// Registers GET /docs, /docs/swagger-ui-bundle.js, /docs/swagger-ui.css and /docs/LICENSE.
void ServeDocs(App& app, std::string title);

}  // namespace lux
