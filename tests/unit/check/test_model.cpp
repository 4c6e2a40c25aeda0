// The checked model handed to code generation: model accessors, services linked to the
// program's servers, route parameter sources, schedules with parsed cron specs.
#include <catch2/catch.hpp>

#include "check_test_util.h"

using lux::test::Checked;
using lux::test::Codes;

TEST_CASE("model accessors: `Name` and `NameModel`", "[model]") {
  Checked c(R"(shared {
  type User {
    name: String
  }
}
server {
  db { path: "./x.db" }
  model User
  fn a() {
    UserModel.all()
  }
  fn b() {
    User.create({ name: "x" })
  }
  fn c() {
    User.create({ nmae: "x" })
  }
})");
  REQUIRE(c.parse_ok);
  CHECK(c.codes() == Codes{"E3004"});
  REQUIRE(c.model->servers.size() == 1);
  REQUIRE(c.model->servers[0].models.size() == 1);
  CHECK(c.model->servers[0].models[0]->from_type);
}

TEST_CASE("a discovered service that is a server of the program is linked to it", "[model]") {
  Checked c(R"(server "events" {
  fn create_event(kind: String) {
    kind
  }
}
server "api" {
  discover "events" at "http://localhost:3002" with { threshold: 5, reset_timeout: 30.seconds }
  discover "mail" at "http://localhost:3003"
  fn f() {
    events.create_event("x")
    mail.anything(1, 2, 3)
  }
})");
  REQUIRE(c.parse_ok);
  CHECK(c.codes().empty());
  const auto& api = c.model->servers[1];
  REQUIRE(api.services.size() == 2);
  CHECK(api.services[0]->target_server == 0);
  CHECK(api.services[0]->failure_threshold == 5);
  CHECK(api.services[0]->reset_timeout_ms == 30000);
  CHECK(api.services[1]->target_server == -1);
}

TEST_CASE("route parameters are bound from path, query and body", "[model]") {
  Checked c(R"(shared {
  type Item {
    name: String
  }
}
server {
  fn get(id: Int, verbose: Option<Bool>) {
    id
  }
  fn put(id: Int, item: Item, req) {
    item
  }
  route GET "/items/:id" => get
  route PUT "/items/:id" => put
})");
  REQUIRE(c.parse_ok);
  CHECK(c.codes().empty());
  const auto& routes = c.model->servers[0].routes;
  REQUIRE(routes.size() == 2);
  REQUIRE(routes[0].bindings.size() == 2);
  CHECK(routes[0].bindings[0].source == lux::ParamSource::Path);
  CHECK(routes[0].bindings[1].source == lux::ParamSource::Query);
  REQUIRE(routes[1].bindings.size() == 3);
  CHECK(routes[1].bindings[1].source == lux::ParamSource::Body);
  CHECK(routes[1].bindings[2].source == lux::ParamSource::Request);
  CHECK(routes[1].path_params == std::vector<std::string>{"id"});
}

TEST_CASE("schedules keep their parsed cron spec", "[model]") {
  Checked c(R"(server {
  schedule "*/30 * * * * *" fn() {
    print("tick")
  }
  schedule "nightly" cron("@daily") {
    print("night")
  }
})");
  REQUIRE(c.parse_ok);
  CHECK(c.codes().empty());
  const auto& s = c.model->servers[0].schedules;
  REQUIRE(s.size() == 2);
  REQUIRE(s[0].spec);
  CHECK(s[0].spec->has_seconds);
  CHECK(s[1].name == "nightly");
  REQUIRE(s[1].spec);
}

TEST_CASE("a bad cron field is underlined inside the string", "[model]") {
  Checked c(R"(server {
  schedule "0 25 * * *" fn f() {
    print("x")
  }
})");
  REQUIRE(c.parse_ok);
  REQUIRE(c.codes() == Codes{"E4101"});
  const auto d = c.diags.sorted()[0];
  CHECK(c.file.slice(d.range) == "25");
}

TEST_CASE("dumpModel is deterministic", "[model]") {
  const char* text = R"(server "a" {
  fn f() {
    publish("x", 1)
  }
}
server "b" {
  subscribe "x" fn(n: Int) {
    print(n)
  }
})";
  Checked c1(text), c2(text);
  REQUIRE(c1.parse_ok);
  std::ostringstream o1, o2;
  lux::dumpModel(*c1.model, c1.file, o1);
  lux::dumpModel(*c2.model, c2.file, o2);
  CHECK(o1.str() == o2.str());
  CHECK(o1.str().find("event \"x\" published by [a] subscribed by [b]") != std::string::npos);
}
