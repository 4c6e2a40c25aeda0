// GET /docs and its assets (see lux/docs.h): a small HTML page of our own that loads the
// embedded Swagger UI bundle and points it at /openapi.json. Assets are served with their
// content type, a version ETag and a day of caching (the bundle is 1.7 MB), straight from the
// executable's read-only data: a response costs no copy however many clients read slowly.
// The "docs" runtime component adds the routes when the server opens (LUX_DOCS read then).
#include <cstdlib>
#include <string>
#include <string_view>

#include "lux/docs.h"
#include "server/component.h"

extern "C" {
extern const char lux_swagger_js_begin[], lux_swagger_js_end[];
extern const char lux_swagger_css_begin[], lux_swagger_css_end[];
extern const char lux_swagger_license_begin[], lux_swagger_license_end[];
}

namespace lux {

namespace {

std::string_view Asset(const char* b, const char* e) { return std::string_view(b, static_cast<std::size_t>(e - b)); }

std::string HtmlEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

Response AssetResponse(std::string_view body, const char* type) {
  Response r;
  r.status = 200;
  r.SetHeader("Content-Type", type);
  r.SetHeader("Cache-Control", "public, max-age=86400");
  r.SetHeader("ETag", "\"swagger-ui-" LUX_SWAGGER_VERSION "\"");
  r.StaticBody(body);  // the embedded bytes themselves: no copy per response
  return r;
}

void AddRoutes(server::Host& app, const std::string& title) {
  if (const char* off = std::getenv("LUX_DOCS"); off && (std::string_view(off) == "0" || std::string_view(off) == "false"))
    return;
  std::string page =
      "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" +
      HtmlEscape(title) +
      " — API docs</title>\n"
      "<!-- Swagger UI " LUX_SWAGGER_VERSION " (Apache-2.0, /docs/LICENSE), served by this server -->\n"
      "<link rel=\"stylesheet\" href=\"/docs/swagger-ui.css\">\n</head>\n<body>\n<div id=\"swagger-ui\"></div>\n"
      "<script src=\"/docs/swagger-ui-bundle.js\"></script>\n"
      "<script>\nwindow.ui = SwaggerUIBundle({ url: \"/openapi.json\", dom_id: \"#swagger-ui\", deepLinking: true });\n"
      "</script>\n</body>\n</html>\n";
  app.AddRoute("GET", "/docs", [page](Request&) { return Html(200, page); });
  app.AddRoute("GET", "/docs/swagger-ui-bundle.js", [](Request&) {
    return AssetResponse(Asset(lux_swagger_js_begin, lux_swagger_js_end), "application/javascript; charset=utf-8");
  });
  app.AddRoute("GET", "/docs/swagger-ui.css", [](Request&) {
    return AssetResponse(Asset(lux_swagger_css_begin, lux_swagger_css_end), "text/css; charset=utf-8");
  });
  app.AddRoute("GET", "/docs/LICENSE", [](Request&) {
    return AssetResponse(Asset(lux_swagger_license_begin, lux_swagger_license_end), "text/plain; charset=utf-8");
  });
}

// Serving only: the routes are added when the server opens.
class DocsComponent final : public server::Component {
 public:
  static constexpr server::Order kOrder = server::Order::kDocs;
  DocsComponent() : Component(kOrder, "docs") {}

  bool TakesPart(server::RunMode run) const override { return server::ServesRequests(run); }
  void Open(server::Host& host) override { AddRoutes(host, title); }

  std::string title;
};

}  // namespace

void ServeDocs(App& app, std::string title) { server::Ensure<DocsComponent>(app).title = std::move(title); }

}  // namespace lux
