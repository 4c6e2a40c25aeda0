// Conditional GET: If-None-Match with strong, weak and listed tags and `*` answers 304 with no
// body and keeps the validators; other methods, non-2xx answers and non-matching tags do not.
#include <catch2/catch.hpp>

#include "http/conditional.h"
#include "test_http.h"

using lux::http::EtagMatches;

TEST_CASE("If-None-Match: strong, weak, lists, star, malformed", "[http]") {
  CHECK(EtagMatches("\"v1\"", "\"v1\""));
  CHECK(EtagMatches("W/\"v1\"", "\"v1\""));          // weak comparison
  CHECK(EtagMatches("\"v1\"", "W/\"v1\""));
  CHECK(EtagMatches("\"a\", \"b\",W/\"v1\"", "\"v1\""));
  CHECK(EtagMatches("*", "\"anything\""));
  CHECK_FALSE(EtagMatches("\"v2\"", "\"v1\""));
  CHECK_FALSE(EtagMatches("\"a\", \"b\"", "\"v1\""));
  CHECK_FALSE(EtagMatches("v1", "\"v1\""));           // unquoted: not an entity tag
  CHECK_FALSE(EtagMatches("\"v1", "\"v1\""));
  CHECK_FALSE(EtagMatches("", "\"v1\""));
  CHECK_FALSE(EtagMatches("\"v1\"", "v1"));           // the response's tag is malformed
}

TEST_CASE("a matching If-None-Match answers 304 without a body over HTTP", "[http]") {
  luxtest::TestServer s{[](lux::App& app) {
    app.Get("/doc", [](lux::Request&) {
      lux::Response r = lux::Respond(200, lux::Value{{"v", 1}});
      r.SetHeader("ETag", "\"doc-1\"");
      r.SetHeader("Cache-Control", "max-age=60");
      return r;
    });
    app.Post("/doc", [](lux::Request&) {
      lux::Response r = lux::Respond(200, lux::Value{{"v", 1}});
      r.SetHeader("ETag", "\"doc-1\"");
      return r;
    });
  }};
  auto r = luxtest::Call(s.port(), "GET", "/doc", "", "If-None-Match: W/\"doc-0\", \"doc-1\"\r\n");
  REQUIRE(r);
  CHECK(r->status == 304);
  CHECK(r->body.empty());
  CHECK(r->Header("etag") == "\"doc-1\"");
  CHECK(r->Header("cache-control") == "max-age=60");
  r = luxtest::Call(s.port(), "GET", "/doc", "", "If-None-Match: \"doc-2\"\r\n");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->Json()["v"].AsInt() == 1);
  r = luxtest::Call(s.port(), "POST", "/doc", "", "If-None-Match: \"doc-1\"\r\n");
  REQUIRE(r);
  CHECK(r->status == 200);  // only GET and HEAD
}
