// set_cookie, clear_cookie, with_headers and session_destroy as generated code calls them, and
// the `tls { }` / `session { }` option objects ConfigureTls/ConfigureSession refuse at start.
#include <catch2/catch.hpp>
#include <lux/stdlib.h>

using lux::Value;
namespace sl = lux::stdlib;

TEST_CASE("set_cookie: both spellings of the options, escaping, defaults", "[stdlib]") {
  CHECK(sl::SetCookie(Value("t"), Value("a b")) == Value("t=a%20b; Path=/; HttpOnly; SameSite=Lax"));
  CHECK(sl::SetCookie(Value("t"), Value("v"), Value{{"maxAge", 60}, {"httpOnly", false}, {"sameSite", "Strict"}}) ==
        Value("t=v; Path=/; Max-Age=60; SameSite=Strict"));
  CHECK(sl::SetCookie(Value("t"), Value(7), Value{{"max_age", 5}, {"secure", true}, {"same_site", "none"}, {"path", "/a"},
                                                  {"domain", "x.org"}}) ==
        Value("t=7; Path=/a; Domain=x.org; Max-Age=5; HttpOnly; Secure; SameSite=None"));
  CHECK_THROWS_WITH(sl::SetCookie(Value("t"), Value("v"), Value{{"sameSite", "None"}}), Catch::Contains("needs secure"));
  CHECK_THROWS_WITH(sl::SetCookie(Value("t t"), Value("v")), Catch::Contains("not a token"));
  CHECK_THROWS(sl::SetCookie(Value("t"), Value("v"), Value("not options")));
  CHECK(sl::ClearCookie(Value("t"), Value{{"path", "/a"}}) ==
        Value("t=; Path=/a; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax"));
}

TEST_CASE("with_headers: a list sends the header once per element", "[stdlib]") {
  Value r = sl::WithHeaders(sl::Respond(Value(201), Value{{"ok", true}}, Value()),
                            Value{{"Set-Cookie", Value(lux::Array{Value("a=1"), Value("b=2")})}, {"X-One", "1"}});
  lux::Response res = sl::ToResponse(r);
  CHECK(res.status == 201);
  int cookies = 0;
  for (const auto& [k, v] : res.headers)
    if (k == "Set-Cookie") CHECK(v == (cookies++ == 0 ? "a=1" : "b=2"));
  CHECK(cookies == 2);
  CHECK(res.headers.Get("X-One") == std::optional<std::string_view>("1"));
  // A plain value becomes respond(200, value) first.
  lux::Response plain = sl::ToResponse(sl::WithHeaders(Value{{"n", 1}}, Value{{"X-A", "b"}}));
  CHECK(plain.status == 200);
  CHECK(lux::ParseJson(std::string(plain.BodyView())) == Value{{"n", 1}});
}

TEST_CASE("session_destroy empties the current session", "[stdlib]") {
  lux::rt::Locals()["session"] = Value{{"user", 1}};
  sl::SessionDestroy();
  CHECK(lux::rt::Locals()["session"].AsObject().empty());
}

TEST_CASE("ConfigureTls and ConfigureSession refuse what only the environment could get wrong", "[stdlib]") {
  auto message = [](auto fn) {
    try {
      lux::App app("x");
      fn(app);
    } catch (const lux::StartupError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  CHECK(message([](lux::App& a) { sl::ConfigureTls(a, Value{{"cert", Value()}, {"key", "k"}}); }) == "tls: `cert` is not set");
  CHECK(message([](lux::App& a) { sl::ConfigureTls(a, Value{{"cert", "c"}, {"key", "k"}, {"min_version", "1.0"}}); })
            .find("min_version") != std::string::npos);
  CHECK(message([](lux::App& a) { sl::ConfigureTls(a, Value{{"cert", "c"}, {"key", "k"}}); }).empty());
  CHECK(message([](lux::App& a) { sl::ConfigureSession(a, Value{{"secret", ""}}); }).find("`secret` is not set") != std::string::npos);
  CHECK(message([](lux::App& a) { sl::ConfigureSession(a, Value{{"secret", "s"}, {"max_age", 0}}); }).find("max_age") !=
        std::string::npos);
  CHECK(message([](lux::App& a) { sl::ConfigureSession(a, Value{{"secret", "s"}, {"same_site", "none"}}); })
            .find("needs `secure: true`") != std::string::npos);
  CHECK(message([](lux::App& a) { sl::ConfigureSession(a, Value{{"secret", "s"}, {"cookie_name", "a b"}}); })
            .find("not a cookie name") != std::string::npos);
  CHECK(message([](lux::App& a) {
          sl::ConfigureSession(a, Value{{"secret", Value(lux::Array{Value("a"), Value("b")})}, {"max_age", 86400000}}, true);
        }).empty());
}
