// Router: literal/param/wildcard precedence with backtracking, 404 vs 405 and Allow, HEAD.
#include <catch2/catch.hpp>

#include "http/router.h"

using lux::http::Router;

TEST_CASE("router matches literals, params and wildcards by precedence") {
  Router r;
  int users = r.Add("GET", "/users");
  int me = r.Add("GET", "/users/me");
  int user = r.Add("GET", "/users/:id");
  int posts = r.Add("GET", "/users/:id/posts/:post");
  int files = r.Add("GET", "/files/*path");
  int root = r.Add("GET", "/");
  REQUIRE(r.Find("GET", "/users").route == users);
  REQUIRE(r.Find("GET", "/users/").route == users);  // trailing slash ignored
  REQUIRE(r.Find("GET", "/users/me").route == me);
  auto m = r.Find("GET", "/users/42");
  REQUIRE(m.route == user);
  REQUIRE(m.params.size() == 1);
  REQUIRE(m.params[0] == std::pair<std::string, std::string>("id", "42"));
  m = r.Find("GET", "/users/7/posts/x%20y");
  REQUIRE(m.route == posts);
  REQUIRE(m.params[1].second == "x y");
  m = r.Find("GET", "/files/a/b/c.txt");
  REQUIRE(m.route == files);
  REQUIRE(m.params[0] == std::pair<std::string, std::string>("path", "a/b/c.txt"));
  REQUIRE(r.Find("GET", "/").route == root);
  REQUIRE(r.Find("GET", "/nope").result == Router::Result::kNotFound);
  REQUIRE(r.Find("GET", "/users/1/2").result == Router::Result::kNotFound);
}

TEST_CASE("router backtracks from a literal dead end into a parameter") {
  Router r;
  int a = r.Add("GET", "/a/b/c");
  int b = r.Add("GET", "/a/:x/d");
  REQUIRE(r.Find("GET", "/a/b/c").route == a);
  auto m = r.Find("GET", "/a/b/d");
  REQUIRE(m.route == b);
  REQUIRE(m.params[0].second == "b");
}

TEST_CASE("router answers 405 with Allow, and HEAD falls back to GET") {
  Router r;
  r.Add("GET", "/items/:id");
  int del = r.Add("DELETE", "/items/:id");
  auto m = r.Find("POST", "/items/1");
  REQUIRE(m.result == Router::Result::kMethodNotAllowed);
  REQUIRE(m.allow == std::vector<std::string>{"DELETE", "GET", "HEAD", "OPTIONS"});
  REQUIRE(r.Find("HEAD", "/items/1").result == Router::Result::kFound);
  REQUIRE(r.Find("DELETE", "/items/1").route == del);
}

TEST_CASE("router rejects bad patterns and duplicates") {
  Router r;
  r.Add("GET", "/x/:id");
  REQUIRE_THROWS_AS(r.Add("GET", "/x/:id"), std::invalid_argument);
  REQUIRE_THROWS_AS(r.Add("GET", "no-slash"), std::invalid_argument);
  REQUIRE_THROWS_AS(r.Add("GET", "/a/*/b"), std::invalid_argument);
  REQUIRE_THROWS_AS(r.Add("GET", "/a/:"), std::invalid_argument);
  REQUIRE_THROWS_AS(r.Add("GET", "/a/:x/:x"), std::invalid_argument);
  REQUIRE_NOTHROW(r.Add("POST", "/x/:id"));
}

TEST_CASE("router: each route names its own parameters at a shared position") {
  Router r;
  int user = r.Add("GET", "/users/:id");
  int deactivate = r.Add("POST", "/users/:user_id/deactivate");
  int posts = r.Add("GET", "/users/:uid/posts/:post_id");
  int files = r.Add("GET", "/users/:owner/files/*path");
  int other = r.Add("DELETE", "/users/:key");  // same node as GET /users/:id, another name
  using P = std::vector<std::pair<std::string, std::string>>;
  auto m = r.Find("GET", "/users/7");
  REQUIRE(m.route == user);
  REQUIRE(m.params == P{{"id", "7"}});
  m = r.Find("POST", "/users/8/deactivate");
  REQUIRE(m.route == deactivate);
  REQUIRE(m.params == P{{"user_id", "8"}});
  m = r.Find("GET", "/users/9/posts/3");
  REQUIRE(m.route == posts);
  REQUIRE(m.params == P{{"uid", "9"}, {"post_id", "3"}});
  m = r.Find("GET", "/users/5/files/a/b.txt");
  REQUIRE(m.route == files);
  REQUIRE(m.params == P{{"owner", "5"}, {"path", "a/b.txt"}});
  m = r.Find("DELETE", "/users/4");
  REQUIRE(m.route == other);
  REQUIRE(m.params == P{{"key", "4"}});
  // The same method and shape under two names is still one route twice.
  REQUIRE_THROWS_AS(r.Add("GET", "/users/:name"), std::invalid_argument);
}

TEST_CASE("percent decoding") {
  REQUIRE(lux::http::PercentDecode("a%20b+c", false) == "a b+c");
  REQUIRE(lux::http::PercentDecode("a%20b+c", true) == "a b c");
  REQUIRE(lux::http::PercentDecode("bad%zz%", false) == "bad%zz%");
}
