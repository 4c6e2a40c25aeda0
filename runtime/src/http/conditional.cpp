// If-None-Match → 304 (see conditional.h).
#include "http/conditional.h"

namespace lux::http {

namespace {

// The opaque part of an entity tag: `W/"abc"` and `"abc"` both give `abc`; nullopt-like empty
// view with ok=false when it is not a quoted tag.
std::string_view Opaque(std::string_view tag, bool& ok) {
  if (tag.size() >= 2 && tag[0] == 'W' && tag[1] == '/') tag.remove_prefix(2);
  ok = tag.size() >= 2 && tag.front() == '"' && tag.back() == '"';
  return ok ? tag.substr(1, tag.size() - 2) : std::string_view();
}

}  // namespace

bool EtagMatches(std::string_view list, std::string_view etag) {
  bool ok = false;
  std::string_view want = Opaque(etag, ok);
  if (!ok) return false;
  std::size_t i = 0;
  while (i < list.size()) {
    while (i < list.size() && (list[i] == ' ' || list[i] == '\t' || list[i] == ',')) ++i;
    if (i >= list.size()) break;
    if (list[i] == '*') return true;
    std::size_t start = i;
    if (list.compare(i, 2, "W/") == 0) i += 2;
    if (i >= list.size() || list[i] != '"') return false;  // malformed: no match, serve the full response
    std::size_t close = list.find('"', i + 1);
    if (close == std::string_view::npos) return false;
    bool tag_ok = false;
    if (Opaque(list.substr(start, close + 1 - start), tag_ok) == want && tag_ok) return true;
    i = close + 1;
  }
  return false;
}

void ApplyConditional(const Request& req, Response& res) {
  if (res.status < 200 || res.status >= 300 || (req.method != "GET" && req.method != "HEAD")) return;
  auto etag = res.headers.Get("ETag");
  auto inm = req.headers.Get("If-None-Match");
  if (!etag || !inm || !EtagMatches(*inm, *etag)) return;
  res.status = 304;
  res.ClearBody();
  res.headers.Remove("Content-Type");
  res.headers.Remove("Content-Length");
}

}  // namespace lux::http
