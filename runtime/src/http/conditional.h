// Conditional GET (RFC 9110 §13.1.2): a GET or HEAD whose If-None-Match lists the response's
// ETag (weak comparison: `W/` is ignored), or is `*`, is answered 304 Not Modified with no body;
// the validators and caching headers (ETag, Cache-Control, Expires, Vary) are kept.
// Entry points: EtagMatches, ApplyConditional (called by dispatch for every routed response).
#pragma once

#include <string_view>

#include "lux/http.h"

namespace lux::http {

// True when the If-None-Match field value matches `etag` (an entity tag as sent: `"x"` or `W/"x"`).
bool EtagMatches(std::string_view if_none_match, std::string_view etag);
void ApplyConditional(const Request& req, Response& res);

}  // namespace lux::http
