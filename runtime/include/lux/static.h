// `static "/prefix" => "./dir" [fallback "index.html"]`: files of a directory served under a URL
// prefix (docs/runtime.md, "Static files"). The work is done by the static component
// (src/http/static.cpp); this is what generated code calls.
#pragma once

#include <string>

#include "lux/http.h"

namespace lux {

struct StaticOptions {
  std::string prefix;    // "/assets", or "/" for the whole site
  std::string dir;       // relative: to the working directory, or LUX_STATIC_ROOT when set
  std::string fallback;  // a file of `dir` served for paths that match nothing (SPA), or ""
};

// Adds one directory; throws std::invalid_argument on a prefix or fallback that is not a path,
// or a prefix given twice. The directory is opened when the server starts.
void ServeStatic(App& app, StaticOptions options);

}  // namespace lux
