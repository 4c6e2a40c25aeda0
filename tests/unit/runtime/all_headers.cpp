// Compiled with -fsyntax-only by ctest (runtime_headers_compile): every public header must be
// self-contained, and including all of them must stay cheap (no Boost, no nlohmann).
#include <lux/client.h>
#include <lux/db.h>
#include <lux/env.h>
#include <lux/error.h>
#include <lux/http.h>
#include <lux/jobs.h>
#include <lux/lux.h>
#include <lux/metrics.h>
#include <lux/rt.h>
#include <lux/value.h>
#include <lux/weighted_list.h>

namespace {
[[maybe_unused]] lux::Response Handler(lux::Request& req) {
  lux::Value v{{"id", lux::rt::RequestId()}, {"n", 1}, {"xs", lux::ToValue(std::vector<int>{1, 2})}};
  v["q"] = req.Query("q").value_or("");
  return lux::Respond(200, v);
}
}  // namespace
