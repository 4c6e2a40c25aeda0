// The one error shape of lux::stdlib: ErrorBody, respond_error (RespondError) and what
// ToResponse makes of a handler's Err, called as generated code calls them. Outside a request
// the request id is empty; e2e/error_answers checks it against X-Request-Id.
#include <catch2/catch.hpp>
#include <lux/error.h>
#include <lux/stdlib.h>

#include <string>
#include <vector>

using lux::Value;
namespace sl = lux::stdlib;

namespace {
Value Body(const lux::Response& r) { return lux::ParseJson(std::string(r.BodyView())); }
}  // namespace

TEST_CASE("ErrorBody is {error, details?, request_id}", "[stdlib]") {
  Value plain = sl::ErrorBody(Value("no link 7"), Value());
  CHECK(plain.AsObject().size() == 2);
  CHECK(plain["error"] == Value("no link 7"));
  CHECK(plain.Find("request_id") != nullptr);
  CHECK(plain.Find("details") == nullptr);
  Value detailed = sl::ErrorBody(Value("slug taken"), Value{{"slug", Value("a")}});
  CHECK(detailed["details"]["slug"] == Value("a"));
}

TEST_CASE("respond_error answers its status in the error shape, and only an error status", "[stdlib]") {
  lux::Response r = sl::ToResponse(sl::RespondError(Value(409), Value("slug taken"), Value{{"slug", Value("a")}}));
  CHECK(r.status == 409);
  Value body = Body(r);
  CHECK(body["error"] == Value("slug taken"));
  CHECK(body["details"]["slug"] == Value("a"));
  CHECK(body.Find("request_id") != nullptr);
  CHECK_THROWS_WITH(sl::RespondError(Value(200), Value("fine")),
                    Catch::Contains("respond_error: status 200 is not an error status (400-599)"));
  CHECK_THROWS(sl::RespondError(Value(600), Value("x")));
  CHECK(sl::ToResponse(sl::RespondError(Value(599), Value("x"))).status == 599);
}

TEST_CASE("an Err answers with request_id added, a given one kept", "[stdlib]") {
  lux::Response text = sl::ToResponse(sl::Err(Value("bad input")));
  CHECK(text.status == 400);
  CHECK(Body(text)["error"] == Value("bad input"));
  CHECK(Body(text).Find("request_id") != nullptr);
  lux::Response object = sl::ToResponse(sl::Err(Value{{"status", Value(409)}, {"error", Value("taken")}}));
  CHECK(object.status == 409);
  CHECK(Body(object)["error"] == Value("taken"));
  CHECK(Body(object).Find("request_id") != nullptr);
  lux::Response given = sl::ToResponse(sl::Err(Value{{"error", Value("x")}, {"request_id", Value("mine")}}));
  CHECK(Body(given)["request_id"] == Value("mine"));
}

TEST_CASE("redirect answers 302 or the given redirect status with Location and no body", "[stdlib]") {
  lux::Response r = sl::ToResponse(sl::Redirect(Value("/login")));
  CHECK(r.status == 302);
  CHECK(r.headers.Get("Location").value_or("") == "/login");
  CHECK(r.BodyView().empty());
  for (int code : {301, 303, 307, 308}) {
    r = sl::ToResponse(sl::Redirect(Value("https://example.com/a?b=1"), Value(code)));
    CHECK(r.status == code);
    CHECK(r.headers.Get("Location").value_or("") == "https://example.com/a?b=1");
  }
  for (int code : {200, 300, 304, 404, 500}) CHECK_THROWS_AS(sl::Redirect(Value("/x"), Value(code)), lux::Error);
  CHECK_THROWS_AS(sl::Redirect(Value("")), lux::Error);
  CHECK_THROWS_AS(sl::Redirect(Value("/x\r\nSet-Cookie: a=b")), lux::Error);
}

TEST_CASE("a built-in failing on a value the client sent is a 400 naming the place", "[stdlib]") {
  CHECK(sl::FromRequest(sl::ToInt, Value("42"), "body.count") == Value(42));
  try {
    sl::FromRequest(sl::ToInt, Value("abc"), "body.count");
    FAIL("no error");
  } catch (const lux::HttpError& e) {
    CHECK(e.status() == 400);
    CHECK(std::string(e.what()) == "`body.count`: to_int: \"abc\" is not a number");
    CHECK(e.data()["field"] == Value("body.count"));
  }
  try {
    sl::FromRequest(sl::Len, Value(5), "body.items");
    FAIL("no error");
  } catch (const lux::HttpError& e) {
    CHECK(e.status() == 400);
    CHECK(std::string(e.what()).rfind("`body.items`: len() of", 0) == 0);
  }
  CHECK_THROWS_AS(sl::FromRequest(sl::JsonParse, Value("{"), "payload"), lux::HttpError);
  // The same conversion on the server's own data stays an internal error.
  try {
    sl::ToInt(Value("abc"));
    FAIL("no error");
  } catch (const lux::HttpError&) {
    FAIL("a server-side conversion must not be a client error");
  } catch (const lux::Error& e) {
    CHECK(e.status() == 500);
  }
}

TEST_CASE("to_float takes a Bool as to_int does", "[stdlib]") {
  CHECK(sl::ToFloat(Value(true)) == Value(1.0));
  CHECK(sl::ToFloat(Value(false)) == Value(0.0));
  CHECK(sl::ToInt(Value(true)) == Value(1));
}

// A response as a value (FromResponse of `next(req)`, respond(...)): `status` and `headers` are
// read and set as the family writes them, and reach the answer; a field of its own of that name
// wins; repeated header fields stay apart.
TEST_CASE("a response value's status and headers are its fields", "[stdlib]") {
  lux::Response answer = lux::Respond(404, Value{{"error", Value("no such thing")}});
  answer.headers.Add("Set-Cookie", "a=1");
  answer.headers.Add("Set-Cookie", "b=2");
  Value res = sl::FromResponse(std::move(answer));
  CHECK(sl::Field(res, "status") == Value(404));
  CHECK(sl::Field(res, "headers")["Set-Cookie"] == Value(lux::Array{Value("a=1"), Value("b=2")}));
  sl::IndexRef(sl::FieldRef(res, "headers"), Value("X-Time")) = Value("3ms");
  sl::FieldRef(res, "status") = Value(410);
  lux::Response back = sl::ToResponse(res);
  CHECK(back.status == 410);
  CHECK(back.headers.Get("X-Time") == "3ms");
  std::vector<std::string> cookies;
  for (const auto& [k, v] : back.headers)
    if (k == "Set-Cookie") cookies.push_back(v);
  CHECK(cookies == std::vector<std::string>{"a=1", "b=2"});
  CHECK(Body(back)["error"] == Value("no such thing"));

  Value plain{{"status", Value("active")}, {"$status", Value(200)}};
  CHECK(sl::Field(plain, "status") == Value("active"));
  Value user{{"name", Value("ada")}};
  CHECK(sl::Field(user, "status").IsNull());
  CHECK(sl::Field(user, "headers").IsNull());
}
