// Cookies and sessions: RFC 6265 parsing and Set-Cookie formatting (lux/cookies.h); the session
// codec (src/session/codec.h: HKDF keys, AES-256-GCM sealing, HMAC, rotation, tampering); the
// cookie store on a stepped clock (expiry); the session component on a real App over loopback.
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <unistd.h>

#include "lux/db.h"

#include "lux/cookies.h"
#include "lux/rt.h"
#include "lux/session.h"
#include "session/codec.h"
#include "session/session.h"
#include "redis_test_util.h"
#include "test_http.h"

using lux::Value;
namespace ls = lux::session;

TEST_CASE("cookie header: pairs in order, quotes, escapes, bad names skipped") {
  auto v = lux::ParseCookieHeader(" a=1;b=\"x y\" ; c=%7B%7d;bad name=2; d; e=; f=%zz;=g");
  REQUIRE(v.size() == 5);
  CHECK(v[0] == std::pair<std::string, std::string>{"a", "1"});
  CHECK(v[1].second == "x y");
  CHECK(v[2].second == "{}");
  CHECK(v[3] == std::pair<std::string, std::string>{"e", ""});
  CHECK(v[4].second == "%zz");
  CHECK(lux::ParseCookieHeader("").empty());
}

TEST_CASE("Set-Cookie: attributes, value escaping, refusals") {
  lux::CookieOptions o;
  CHECK(lux::FormatSetCookie("s", "a b;c", o) == "s=a%20b%3Bc; Path=/; HttpOnly; SameSite=Lax");
  o.max_age = 60;
  o.secure = true;
  o.same_site = "None";
  o.domain = "example.com";
  o.http_only = false;
  CHECK(lux::FormatSetCookie("s", "v", o) == "s=v; Path=/; Domain=example.com; Max-Age=60; Secure; SameSite=None");
  o.max_age = -5;
  CHECK(lux::FormatSetCookie("s", "", o).find("Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT") != std::string::npos);
  o.secure = false;
  CHECK_THROWS_WITH(lux::FormatSetCookie("s", "v", o), Catch::Contains("SameSite=None needs secure"));
  lux::CookieOptions d;
  CHECK_THROWS_WITH(lux::FormatSetCookie("a b", "v", d), Catch::Contains("not a token"));
  d.path = "/x;Secure";
  CHECK_THROWS(lux::FormatSetCookie("a", "v", d));
  d.path = "/";
  d.same_site = "sideways";
  CHECK_THROWS_WITH(lux::FormatSetCookie("a", "v", d), Catch::Contains("same_site"));
  d.same_site = "strict";
  CHECK(lux::FormatSetCookie("a", std::string(4000, 'x'), d).size() <= lux::kMaxCookieBytes);
  CHECK_THROWS_WITH(lux::FormatSetCookie("a", std::string(4090, 'x'), d), Catch::Contains("at most 4096"));
}

TEST_CASE("codec: sealed values open with the key, never after a change") {
  ls::Keys k = ls::DeriveKeys("secret-one-0123456789abcdef0123456789");
  CHECK(k.mac.size() == 32);
  CHECK(k.enc.size() == 32);
  CHECK(k.mac != k.enc);
  std::string a = ls::Seal(k, "{\"user\":7}");
  std::string b = ls::Seal(k, "{\"user\":7}");
  CHECK(a != b);  // a fresh IV per value
  CHECK(a.find_first_of("{}\":") == std::string::npos);  // no JSON text shows through
  CHECK(ls::Unseal({k}, a) == std::optional<std::string>("{\"user\":7}"));
  for (std::size_t i = 0; i < a.size(); ++i) {  // every single-character change is refused
    std::string t = a;
    t[i] = t[i] == 'A' ? 'B' : 'A';
    if (t == a) continue;
    CHECK_FALSE(ls::Unseal({k}, t));
  }
  CHECK_FALSE(ls::Unseal({k}, a.substr(0, a.size() - 1)));
  CHECK_FALSE(ls::Unseal({k}, ""));
  CHECK_FALSE(ls::Unseal({k}, "1.."));
  CHECK_FALSE(ls::Unseal({k}, "2" + a.substr(1)));
  ls::Keys other = ls::DeriveKeys("secret-two-0123456789abcdef0123456789");
  CHECK_FALSE(ls::Unseal({other}, a));
  // Rotation: the new key first, the old one still opens what it sealed.
  CHECK(ls::Unseal({other, k}, a) == std::optional<std::string>("{\"user\":7}"));
}

TEST_CASE("codec: signed session ids and base64url") {
  ls::Keys k = ls::DeriveKeys("secret-one-0123456789abcdef0123456789");
  std::string id = ls::NewSessionId();
  CHECK(id.size() == 32);
  CHECK(id != ls::NewSessionId());
  std::string s = ls::SignId(k, id);
  CHECK(ls::VerifyId({k}, s) == std::optional<std::string>(id));
  CHECK_FALSE(ls::VerifyId({ls::DeriveKeys("x")}, s));
  std::string t = s;
  t[3] = t[3] == 'a' ? 'b' : 'a';
  CHECK_FALSE(ls::VerifyId({k}, t));
  for (const std::string& raw : std::vector<std::string>{"", "f", "fo", "foo", "foob", std::string("\0\xff\x10", 3)})
    CHECK(ls::Base64UrlDecode(ls::Base64UrlEncode(raw)) == std::optional<std::string>(raw));
  CHECK(ls::Base64UrlEncode("\xfb\xff") == "-_8");
  CHECK_FALSE(ls::Base64UrlDecode("a"));
  CHECK_FALSE(ls::Base64UrlDecode("ab=c"));
  CHECK_FALSE(ls::Base64UrlDecode("-_9"));  // non-canonical trailing bits
}

TEST_CASE("cookie store: values round-trip and expire after max_age on a stepped clock") {
  std::int64_t now = 1'000'000;
  lux::SessionOptions o;
  o.secrets = {"secret-one-0123456789abcdef0123456789"};
  o.max_age_s = 60;
  ls::CookieSessions s(o, [&] { return now; });
  Value data = Value::MakeObject();
  data["user_id"] = 3;
  data["name"] = "ada";
  std::string c = s.Save("", data);
  CHECK(s.Load(c).data == data);
  CHECK(s.Load(c).id.empty());
  now += 59;
  CHECK(s.Load(c).data == data);
  now += 1;
  CHECK(s.Load(c).data.AsObject().empty());
  CHECK(s.Load("").data.AsObject().empty());
  CHECK(s.Load("not-a-session").data.AsObject().empty());
  // Sealed but not a session document: empty, never an exception.
  ls::Keys k = ls::DeriveKeys(o.secrets[0]);
  CHECK(s.Load(ls::Seal(k, "[1,2]")).data.AsObject().empty());
  CHECK(s.Load(ls::Seal(k, "{\"d\":1,\"e\":99999999999}")).data.AsObject().empty());
  CHECK(s.Load(ls::Seal(k, "not json")).data.AsObject().empty());
  CHECK(s.Attributes(false).max_age == std::optional<std::int64_t>(60));
  CHECK(s.Attributes(true).max_age == std::optional<std::int64_t>(0));
}

TEST_CASE("memory store (redis under luxc test): a signed id, values until max_age, destroy, tampered is empty") {
  std::int64_t now = 1'000'000;
  lux::SessionOptions o;
  o.secrets = {"secret-one-0123456789abcdef0123456789"};
  o.store = "redis";
  o.url = "redis://127.0.0.1:1";  // never reached
  o.max_age_s = 60;
  ls::MemorySessions s(o, [&] { return now; });
  std::string cookie = s.Save("", Value{{"user", "ada"}});
  std::string id = cookie.substr(0, 32);
  auto loaded = s.Load(cookie);
  CHECK(loaded.data == Value{{"user", "ada"}});
  CHECK(loaded.id == id);
  CHECK(s.Save(id, Value{{"user", "bob"}}) == cookie);  // the same id, the same cookie
  CHECK(s.Load(cookie).data == Value{{"user", "bob"}});
  CHECK(s.Load(std::string(32, 'f') + cookie.substr(32)).data.AsObject().empty());  // signature of another id
  CHECK(s.Load("").data.AsObject().empty());
  // Another store (the next test's App) has none of it.
  ls::MemorySessions fresh(o, [&] { return now; });
  CHECK(fresh.Load(cookie).data.AsObject().empty());
  now += 59;
  CHECK(s.Load(cookie).data == Value{{"user", "bob"}});
  now += 1;
  CHECK(s.Load(cookie).data.AsObject().empty());
  std::string again = s.Save("", Value{{"n", 1}});
  s.Destroy(again.substr(0, 32));
  CHECK(s.Load(again).data.AsObject().empty());
}

namespace {

std::string CookieOf(const luxtest::HttpResponse& r) {
  std::string sc = r.Header("set-cookie");
  return sc.substr(0, sc.find(';'));
}

}  // namespace

TEST_CASE("session component: set when changed, read back, destroyed, tampered is empty") {
  luxtest::TestServer srv([](lux::App& app) {
    lux::SessionOptions o;
    o.secrets = {"secret-one-0123456789abcdef0123456789"};
    o.max_age_s = 120;
    o.same_site = "strict";
    o.secure = true;
    lux::UseSessions(app, o);
    app.Get("/set", [](lux::Request& req) {
      lux::rt::Locals()["session"]["n"] = lux::Value(static_cast<long long>(req.QueryValue()["n"].AsString().size()));
      return lux::Respond(200, lux::Value("ok"));
    });
    app.Get("/get", [](lux::Request&) { return lux::Respond(200, lux::rt::Locals()["session"]); });
    app.Get("/bye", [](lux::Request& req) {
      lux::DestroySession(req);
      return lux::Respond(200, lux::Value("bye"));
    });
    app.Get("/fail", [](lux::Request&) -> lux::Response {
      lux::rt::Locals()["session"]["n"] = 99;
      throw lux::Error("boom");
    });
  });
  auto r = luxtest::Call(srv.port(), "GET", "/get");
  REQUIRE(r);
  CHECK(r->body == "{}");
  CHECK_FALSE(r->Has("set-cookie"));
  r = luxtest::Call(srv.port(), "GET", "/set?n=abc");
  REQUIRE(r);
  std::string sc = r->Header("set-cookie");
  CHECK(sc.rfind("__sid=1.", 0) == 0);
  CHECK(sc.find("; Path=/; Max-Age=120; HttpOnly; Secure; SameSite=Strict") != std::string::npos);
  std::string cookie = CookieOf(*r);
  r = luxtest::Call(srv.port(), "GET", "/get", "", "Cookie: other=1; " + cookie + "\r\n");
  REQUIRE(r);
  CHECK(r->Json() == Value{{"n", 3}});
  CHECK_FALSE(r->Has("set-cookie"));  // unchanged: no cookie
  r = luxtest::Call(srv.port(), "GET", "/fail", "", "Cookie: " + cookie + "\r\n");
  REQUIRE(r);
  CHECK(r->status == 500);
  CHECK_FALSE(r->Has("set-cookie"));  // a failed request saves nothing
  std::string tampered = cookie;
  tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'x' ? 'y' : 'x';
  r = luxtest::Call(srv.port(), "GET", "/get", "", "Cookie: " + tampered + "\r\n");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->body == "{}");
  r = luxtest::Call(srv.port(), "GET", "/bye", "", "Cookie: " + cookie + "\r\n");
  REQUIRE(r);
  CHECK(r->Header("set-cookie").rfind("__sid=; Path=/; Max-Age=0;", 0) == 0);
  r = luxtest::Call(srv.port(), "GET", "/bye");  // no cookie, nothing to delete
  REQUIRE(r);
  CHECK_FALSE(r->Has("set-cookie"));
}

TEST_CASE("session component: an empty secret stops the start") {
  lux::App app("s");
  app.options().host = "127.0.0.1";
  app.options().port = 0;
  app.options().log_level = lux::LogLevel::kOff;
  lux::SessionOptions o;
  o.secrets = {""};
  lux::UseSessions(app, o);
  CHECK_THROWS_WITH(app.Start(), Catch::Contains("session: a `secret` is empty"));
}

TEST_CASE("db store: the id in the cookie, the values in lux_sessions, survives a restart, destroy deletes") {
  std::string path = (std::filesystem::temp_directory_path() / ("lux-session-db-" + std::to_string(::getpid()) + ".db")).string();
  std::filesystem::remove(path);
  auto setup = [&](lux::App& app) {
    lux::RegisterDb(app, lux::DbConfig{path});
    lux::SessionOptions o;
    o.secrets = {"secret-one-0123456789abcdef0123456789"};
    o.store = "db";
    lux::UseSessions(app, o);
    app.Get("/set", [](lux::Request&) {
      lux::rt::Locals()["session"]["user"] = "ada";
      return lux::Respond(200, lux::Value("ok"));
    });
    app.Get("/get", [](lux::Request&) { return lux::Respond(200, lux::rt::Locals()["session"]); });
    app.Get("/rows", [](lux::Request&) { return lux::Respond(200, lux::rt::DbQuery("SELECT id FROM lux_sessions")); });
    app.Get("/bye", [](lux::Request& req) {
      lux::DestroySession(req);
      return lux::Respond(200, lux::Value("bye"));
    });
  };
  std::string cookie;
  {
    luxtest::TestServer srv(setup);
    auto r = luxtest::Call(srv.port(), "GET", "/set");
    REQUIRE(r);
    cookie = CookieOf(*r);
    std::string id = cookie.substr(6, 32);  // "__sid=" then 32 hex digits, ".", the signature
    CHECK(cookie.size() > 6 + 33);
    // The values are not in the cookie: it holds the id and its signature, no JSON text. (Looking
    // for "ada" there failed one run in a few hundred: "ada" is hex, and the id is random hex.)
    CHECK(cookie.find_first_of("{}\":") == std::string::npos);
    CHECK(id.find_first_not_of("0123456789abcdef") == std::string::npos);
    r = luxtest::Call(srv.port(), "GET", "/rows");
    REQUIRE(r);
    CHECK(r->Json() == Value(lux::Array{Value{{"id", id}}}));
  }
  {
    luxtest::TestServer srv(setup);  // a new process would see the same file
    auto r = luxtest::Call(srv.port(), "GET", "/get", "", "Cookie: " + cookie + "\r\n");
    REQUIRE(r);
    CHECK(r->Json() == Value{{"user", "ada"}});
    std::string forged = cookie.substr(0, 6) + std::string(32, 'a') + cookie.substr(38);
    r = luxtest::Call(srv.port(), "GET", "/get", "", "Cookie: " + forged + "\r\n");
    REQUIRE(r);
    CHECK(r->body == "{}");  // an id whose signature does not match
    r = luxtest::Call(srv.port(), "GET", "/bye", "", "Cookie: " + cookie + "\r\n");
    REQUIRE(r);
    CHECK(r->Header("set-cookie").find("Max-Age=0") != std::string::npos);
    r = luxtest::Call(srv.port(), "GET", "/rows");
    REQUIRE(r);
    CHECK(r->body == "[]");
    r = luxtest::Call(srv.port(), "GET", "/get", "", "Cookie: " + cookie + "\r\n");
    REQUIRE(r);
    CHECK(r->body == "{}");  // the old cookie opens nothing once destroyed
  }
  std::filesystem::remove(path);
}

TEST_CASE("db store: expired rows are not read and are purged") {
  std::string path = (std::filesystem::temp_directory_path() / ("lux-session-purge-" + std::to_string(::getpid()) + ".db")).string();
  std::filesystem::remove(path);
  std::int64_t now = 5'000'000;
  luxtest::TestServer srv([&](lux::App& app) { lux::RegisterDb(app, lux::DbConfig{path}); });
  lux::SessionOptions o;
  o.secrets = {"secret-one-0123456789abcdef0123456789"};
  o.store = "db";
  o.max_age_s = 10;
  ls::DbSessions s(o, [&] { return now; });
  s.Open();
  std::string a = s.Save("", Value{{"n", 1}});
  now += 5;
  std::string b = s.Save("", Value{{"n", 2}});
  auto loaded = s.Load(a);
  CHECK(loaded.data == Value{{"n", 1}});
  CHECK(loaded.id.size() == 32);
  CHECK(s.Save(loaded.id, Value{{"n", 3}}) == a);  // the same id, signed the same way
  now += 6;  // a's row (saved at +5 as n:3) lives; b was saved at +5 too
  CHECK(s.Load(a).data == Value{{"n", 3}});
  now += 5;
  CHECK(s.Load(b).data.AsObject().empty());
  CHECK(s.Purge() == 1);  // a: b was deleted when it was read expired
  CHECK(lux::rt::DbQuery("SELECT COUNT(*) AS n FROM lux_sessions")[0]["n"] == Value(0));
  std::filesystem::remove(path);
}

TEST_CASE("redis store: a signed id in the cookie, the values in Redis with its expiry, destroy deletes") {
  luxtest::RedisServer redis;
  lux::SessionOptions o;
  o.secrets = {"secret-one-0123456789abcdef0123456789"};
  o.store = "redis";
  o.url = redis.Url();
  o.redis_prefix = "t1:";
  o.max_age_s = 100;
  ls::RedisSessions s(o);
  s.Open();
  std::string cookie = s.Save("", Value{{"user", "ada"}});
  std::string id = cookie.substr(0, 32);
  CHECK(redis.Cmd({"GET", "t1:session:" + id}).AsString() == "{\"user\":\"ada\"}");
  std::int64_t ttl = redis.Cmd({"TTL", "t1:session:" + id}).AsInt();
  CHECK(ttl > 90);
  CHECK(ttl <= 100);
  auto loaded = s.Load(cookie);
  CHECK(loaded.data == Value{{"user", "ada"}});
  CHECK(loaded.id == id);
  CHECK(s.Load(std::string(32, 'f') + cookie.substr(32)).data.AsObject().empty());  // signature of another id
  // A second store on the same Redis (another replica) reads the same session.
  ls::RedisSessions other(o);
  other.Open();
  CHECK(other.Load(cookie).data == Value{{"user", "ada"}});
  s.Destroy(id);
  CHECK(redis.Cmd({"EXISTS", "t1:session:" + id}).AsInt() == 0);
  CHECK(other.Load(cookie).data.AsObject().empty());
  o.url = "redis://127.0.0.1:1";
  ls::RedisSessions down(o);
  CHECK_THROWS(down.Open());
}
