// What code generation reads from the checked model instead of the AST: what it does not support
// (reported as E5001 from ServerModel::unsupported, which the checker fills), a server's HTTP
// blocks, auth, port and default port, a lambda route handler, the db adapter and model field
// defaults.
#include <catch2/catch.hpp>

#include "check_test_util.h"
#include "emit/emit.h"

using lux::test::Checked;
using lux::test::Codes;

namespace {

const char* const kProgram = R"(shared {
  type User {
    name: String = "anon"
    age: Int
  }
}
server "api" {
  port 8080
  auth { type: "jwt", secret: "not-a-secret" }
  cors { origins: ["http://localhost:5173"] }
  rate_limit { max: 100, window: 1.minutes }
  db { adapter: "postgres", url: "postgres://app@127.0.0.1/app" }
  model User
  route GET "/" => fn() { { ok: true } }
}
)";

bool emit(Checked& c, lux::EmittedProgram& out) {
  lux::EmitOptions opts;
  opts.source_name = "test.lux";
  opts.stem = "test";
  return lux::emitProgram(*c.model, c.file, c.diags, opts, out);
}

}  // namespace

TEST_CASE("model for emit: the checker lists HTTP blocks, auth, port, lambda handler, db, defaults", "[emit]") {
  Checked c(kProgram);
  REQUIRE(c.parse_ok);
  REQUIRE(c.codes() == Codes{});
  const lux::ServerModel& sm = c.model->servers.at(0);
  CHECK(sm.unsupported.empty());
  REQUIRE(sm.http.cors != nullptr);
  CHECK(c.file.lineCol(sm.http.cors->keyword_range.begin).line == 10);
  REQUIRE(sm.http.rate_limit != nullptr);
  CHECK(sm.http.rate_limit_store == "memory");
  CHECK(sm.http.rate_limit_url == nullptr);
  REQUIRE(sm.auth != nullptr);
  CHECK(sm.auth->config != nullptr);
  REQUIRE(sm.port != nullptr);
  CHECK(sm.default_port == "8080");
  REQUIRE(sm.routes.size() == 1);
  CHECK(sm.routes[0].handler == nullptr);
  CHECK(sm.routes[0].lambda != nullptr);
  REQUIRE(sm.db.has_value());
  CHECK(sm.db->adapter == "postgres");
  CHECK(sm.db->adapter_value != nullptr);
  REQUIRE(sm.models.size() == 1);
  const lux::RecordInfo* user = sm.models[0]->record;
  REQUIRE(user != nullptr);
  CHECK(user->field("name")->default_value != nullptr);
  CHECK(user->field("age")->default_value == nullptr);
}

TEST_CASE("model for emit: E5001 comes from ServerModel::unsupported, not from the AST", "[emit]") {
  {
    // The checker's verdict alone (here: the cors block marked unsupported) stops code generation.
    Checked c(kProgram);
    REQUIRE(c.model);
    lux::ServerModel& sm = c.model->servers.at(0);
    sm.unsupported.push_back({sm.http.cors->keyword_range, "`cors { }`"});
    lux::EmittedProgram out;
    CHECK_FALSE(emit(c, out));
    CHECK(c.codes() == Codes{"E5001"});
    CHECK(c.lineOf("E5001") == 10);
  }
  {
    // Nothing unsupported: code generation emits the server with its blocks.
    Checked c(kProgram);
    REQUIRE(c.model);
    lux::EmittedProgram out;
    CHECK(emit(c, out));
    CHECK(c.codes() == Codes{});
    REQUIRE(out.servers.size() == 1);
    CHECK(out.servers[0].port == 8080);
    CHECK(out.cpp.find("lux::stdlib::RegisterAuth(app,") != std::string::npos);
    CHECK(out.cpp.find("lux::ConfigureCors(app,") != std::string::npos);
    CHECK(out.cpp.find("lux::ConfigureRateLimit(app, lux::Value{{\"max\", lux::Value(100)}, {\"window\", lux::Value(60)}") != std::string::npos);
  }
}

TEST_CASE("model for emit: the default port is env PORT's default, else a literal port, else 3000", "[emit]") {
  Checked env_port("server {\n  env PORT: Int = 9000\n  port 8080\n  route GET \"/\" => fn() { 1 }\n}\n");
  REQUIRE(env_port.model);
  CHECK(env_port.model->servers.at(0).default_port == "9000");
  Checked none("server {\n  route GET \"/\" => fn() { 1 }\n}\n");
  REQUIRE(none.model);
  CHECK(none.model->servers.at(0).default_port == "3000");
  CHECK(none.model->servers.at(0).port == nullptr);
}

TEST_CASE("dev units: one piece per unit splits Register into parts in order, release keeps one Register", "[emit]") {
  const char* const program = R"(shared {
  type Item {
    name: String
  }
}
server "api" {
  env PORT: Int = 0
  subscribe "items" fn(item: Item) { print(item.name) }
  route GET "/" => fn() { { ok: true } }
  route POST "/items" => fn(item: Item) { item }
}
)";
  auto count = [](const std::string& s, const std::string& what) {
    size_t n = 0;
    for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
    return n;
  };
  for (int pieces : {1, 4}) {
    Checked c(program);
    REQUIRE(c.model);
    lux::EmittedProgram out;
    lux::EmitOptions opts;
    opts.source_name = "test.lux";
    opts.stem = "test";
    opts.pieces_per_unit = pieces;
    REQUIRE(emit(c, out) == true);  // release layout, for comparison below
    lux::EmittedProgram split;
    REQUIRE(lux::emitProgram(*c.model, c.file, c.diags, opts, split));
    const lux::EmittedUnit* reg = nullptr;
    std::vector<const lux::EmittedUnit*> parts;
    for (const lux::EmittedUnit& u : split.units) {
      if (u.body.find("void Register(lux::App& app) {") != std::string::npos) reg = &u;
      if (u.body.find("(lux::App& app) {") != std::string::npos && u.body.find("void RegisterPart") != std::string::npos &&
          u.body.find("void Register(lux::App& app) {") == std::string::npos)
        parts.push_back(&u);
    }
    REQUIRE(reg);
    if (pieces != 1) {
      CHECK(parts.empty());
      CHECK(reg->body.find("lux::RegisterSubscriber") != std::string::npos);
      CHECK(reg->body.find("kOpenApi = ") != std::string::npos);
      for (const lux::EmittedUnit& u : split.units) CHECK(!u.standalone);
      continue;
    }
    // Register only calls its parts, in order; the OpenAPI document and the type-using steps are
    // in other units.
    CHECK(reg->body.find("kOpenApi = ") == std::string::npos);
    // The document is a unit that includes nothing (declaring what it defines), the only one.
    size_t documents = 0, standalone = 0;
    for (const lux::EmittedUnit& u : split.units) {
      standalone += u.standalone ? 1 : 0;
      if (u.body.find("kOpenApi = ") == std::string::npos) continue;
      ++documents;
      CHECK(u.standalone);
      CHECK(u.body.find("extern const char* const kOpenApi;") < u.body.find("kOpenApi = "));
      CHECK(u.body.find("lux::Value") == std::string::npos);
    }
    CHECK(documents == 1);
    CHECK(standalone == 1);
    CHECK(reg->body.find("EventPayload") == std::string::npos);
    CHECK(reg->body.find("app.Route") == std::string::npos);
    REQUIRE(parts.size() >= 3);  // env, subscriber, documents, routes, metrics
    size_t called = reg->body.find("RegisterPart1(app);");
    CHECK(called != std::string::npos);
    for (size_t k = 2; k <= parts.size(); ++k) {
      size_t next = reg->body.find("RegisterPart" + std::to_string(k) + "(app);");
      CHECK(next != std::string::npos);
      CHECK(next > called);
      called = next;
    }
    size_t subscriber = 0, routes = 0;
    for (const lux::EmittedUnit* u : parts) {
      CHECK(count(u->body, "void RegisterPart") == 1);
      if (u->body.find("EventPayload<Item>") != std::string::npos) ++subscriber;
      if (u->body.find("app.Route(\"POST\", \"/items\"") != std::string::npos) ++routes;
    }
    CHECK(subscriber == 1);
    CHECK(routes == 1);
    CHECK(split.units.size() > out.units.size());
  }
}
