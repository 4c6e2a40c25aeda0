// Models through lux::rt: create/all/find/where/count/update/delete/delete_all, every filter
// operator and option, types round-tripping with their declared types, errors for unknown
// fields and wrong types, and SQL injection attempts through every call that takes user data.
#include <catch2/catch.hpp>

#include "db_test_util.h"

using lux::Value;
using namespace lux::rt;
using luxtest::DbServer;
using luxtest::TempDir;
using luxtest::UserSpec;

namespace {

Value U(const char* name, std::int64_t age, Value extra = Value::MakeObject()) {
  Value v{{"name", name}, {"age", static_cast<long long>(age)}};
  for (const auto& [k, x] : extra.AsObject()) v[k] = x;
  return v;
}

std::vector<std::string> Names(const Value& records) {
  std::vector<std::string> out;
  for (const Value& r : records.AsArray()) out.push_back(r["name"].AsString());
  return out;
}

std::string ErrorOf(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const lux::Error& e) {
    return e.what();
  }
  return "";
}

using Names_ = std::vector<std::string>;

}  // namespace

TEST_CASE("create returns the record with its id, find, all, update, delete") {
  TempDir dir;
  DbServer server(dir.File("crud.db"), {UserSpec()});
  Value ada = ModelCreate("User", U("ada", 36, {{"email", "ada@example.com"}}));
  CHECK(ada["id"] == Value(1));
  CHECK(ada["name"] == Value("ada"));
  CHECK(ada["email"] == Value("ada@example.com"));
  CHECK(ada["score"].IsNull());
  CHECK(ada["active"] == Value(true));  // the default
  Value bob = ModelCreate("User", U("bob", 20));
  CHECK(bob["id"] == Value(2));

  CHECK(ModelFind("User", 1) == ada);
  CHECK(ModelFind("User", 99).IsNull());
  CHECK(Names(ModelAll("User")) == Names_{"ada", "bob"});
  // Field order is the model's, id first.
  CHECK(lux::ToJson(ModelFind("User", 2)) ==
        R"({"id":2,"name":"bob","email":null,"age":20,"score":null,"active":true,"tags":null})");

  Value updated = ModelUpdate("User", 2, {{"age", 21}, {"email", "bob@example.com"}});
  CHECK(updated["age"] == Value(21));
  CHECK(updated["email"] == Value("bob@example.com"));
  CHECK(updated["name"] == Value("bob"));
  CHECK(ModelFind("User", 2) == updated);
  CHECK(ModelUpdate("User", 2, {{"email", nullptr}})["email"].IsNull());  // Option back to None
  try {
    ModelUpdate("User", 42, {{"age", 1}});
    FAIL("no error");
  } catch (const lux::Error& e) {
    CHECK(std::string(e.what()) == "User.update: no User with id 42");
    CHECK(e.status() == 404);
    CHECK(e.exposed());  // the client sees it: 404 with this message, not a 500
  }

  CHECK(ModelDelete("User", 1));
  CHECK_FALSE(ModelDelete("User", 1));
  CHECK(ModelFind("User", 1).IsNull());
  CHECK(ModelCount("User") == 1);
}

TEST_CASE("where: every operator, ANDed, and the options") {
  TempDir dir;
  DbServer server(dir.File("where.db"), {UserSpec()});
  ModelCreate("User", U("ada", 36, {{"score", 9.5}, {"email", "a@x"}}));
  ModelCreate("User", U("bob", 20, {{"score", 3.0}, {"active", false}}));
  ModelCreate("User", U("cy", 28, {{"score", 7.25}}));
  ModelCreate("User", U("dee", 20, {{"email", "d@x"}}));

  auto where = [](Value filter, Value options = {}) { return Names(ModelWhere("User", filter, options)); };
  CHECK(where({{"age", 20}}) == Names_{"bob", "dee"});
  CHECK(where({{"age_ne", 20}}) == Names_{"ada", "cy"});
  CHECK(where({{"age_lt", 28}}) == Names_{"bob", "dee"});
  CHECK(where({{"age_lte", 28}}) == Names_{"bob", "cy", "dee"});
  CHECK(where({{"age_gt", 28}}) == Names_{"ada"});
  CHECK(where({{"age_gte", 28}}) == Names_{"ada", "cy"});
  CHECK(where({{"name_in", lux::Array{"cy", "ada", "zed"}}}) == Names_{"ada", "cy"});
  CHECK(where({{"name_in", lux::Array{}}}).empty());
  CHECK(where({{"id_in", lux::Array{2, 4}}}) == Names_{"bob", "dee"});
  CHECK(where({{"score_gt", 5}}) == Names_{"ada", "cy"});  // an Int against a Float field
  CHECK(where({{"score_in", lux::Array{3, 7.25}}}) == Names_{"bob", "cy"});
  CHECK(where({{"active", false}}) == Names_{"bob"});
  CHECK(where({{"active_in", lux::Array{true}}}) == Names_{"ada", "cy", "dee"});
  CHECK(where({{"email", nullptr}}) == Names_{"bob", "cy"});
  CHECK(where({{"email_ne", nullptr}}) == Names_{"ada", "dee"});
  CHECK(where({{"name_gte", "c"}}) == Names_{"cy", "dee"});  // strings compare as text
  CHECK(where({{"age", 20}, {"email_ne", nullptr}}) == Names_{"dee"});
  CHECK(where({{"age_gt", 19}, {"age_lt", 30}, {"active", true}}) == Names_{"cy", "dee"});
  CHECK(where(Value::MakeObject()).size() == 4);
  CHECK(where(nullptr).size() == 4);

  CHECK(where({}, {{"order_by", "age"}}) == Names_{"bob", "dee", "cy", "ada"});  // ties by id
  CHECK(where({}, {{"order_by", "age"}, {"desc", true}}) == Names_{"ada", "cy", "dee", "bob"});
  CHECK(where({}, {{"order_by", "name"}, {"desc", true}, {"limit", 2}}) == Names_{"dee", "cy"});
  CHECK(where({}, {{"limit", 2}, {"offset", 1}}) == Names_{"bob", "cy"});
  CHECK(where({}, {{"offset", 3}}) == Names_{"dee"});
  CHECK(where({}, {{"limit", 0}}).empty());
  CHECK(where({{"age", 20}}, {{"order_by", "id"}, {"desc", true}}) == Names_{"dee", "bob"});

  CHECK(ModelCount("User", {{"age", 20}}) == 2);
  CHECK(ModelCount("User", {{"score_gte", 7.25}}) == 2);
  CHECK(ModelCount("User", nullptr) == 4);
}

TEST_CASE("delete_all: on a where query and on a list of records") {
  TempDir dir;
  DbServer server(dir.File("delete.db"), {UserSpec()});
  for (int i = 0; i < 10; ++i) ModelCreate("User", U("u", i));
  // MetricRecord.where({ timestamp_lt: cutoff }) |> delete_all()
  CHECK(ModelDeleteWhere("User", {{"age_lt", 4}}) == 4);
  CHECK(ModelCount("User") == 6);
  Value older = ModelWhere("User", {{"age_gte", 8}});
  CHECK(ModelDeleteAll("User", older) == 2);
  CHECK(ModelCount("User") == 4);
  CHECK(ModelDeleteAll("User", lux::Array{}) == 0);
  CHECK(ErrorOf([] { ModelDeleteAll("User", lux::Array{Value{{"name", "x"}}}); }) ==
        "User.delete_all: every element must be a User record with an Int `id`");
  CHECK(ModelDeleteWhere("User", Value::MakeObject()) == 4);
  CHECK(ModelCount("User") == 0);
}

TEST_CASE("types round-trip with their declared types") {
  TempDir dir;
  lux::ModelSpec spec{"Sample", "", {
      {"i", lux::ColumnType::kInt, false, {}},
      {"f", lux::ColumnType::kFloat, false, {}},
      {"b", lux::ColumnType::kBool, false, {}},
      {"s", lux::ColumnType::kString, false, {}},
      {"j", lux::ColumnType::kJson, false, {}},
      {"oi", lux::ColumnType::kInt, true, {}},
      {"oj", lux::ColumnType::kJson, true, {}},
  }};
  DbServer server(dir.File("types.db"), {spec});
  std::string text("h\xC3\xA9llo \xF0\x9F\x91\x8B with a \0 NUL", 22);
  Value json{{"list", lux::Array{1, 2.5, "x", nullptr, true}}, {"nested", Value{{"k", Value{{"deep", false}}}}}};
  Value in{{"i", static_cast<long long>(INT64_MAX)}, {"f", 1.0}, {"b", false}, {"s", text}, {"j", json},
           {"oi", nullptr}, {"oj", lux::Array{"Warning"}}};
  Value created = ModelCreate("Sample", in);
  Value back = ModelFind("Sample", created["id"].AsInt());
  CHECK(back == created);
  CHECK(back["i"].IsInt());
  CHECK(back["i"].AsInt() == INT64_MAX);
  CHECK(back["f"].IsFloat());  // 1.0 stays a Float (REAL), never becomes Int 1
  CHECK(back["b"].IsBool());
  CHECK_FALSE(back["b"].AsBool());
  CHECK(back["s"].AsString() == text);
  CHECK(back["j"] == json);
  CHECK(back["oi"].IsNull());
  CHECK(back["oj"] == Value(lux::Array{"Warning"}));
  // An Int given for a Float field is stored and returned as a Float.
  Value widened = ModelCreate("Sample", {{"i", -1}, {"f", 3}, {"b", true}, {"s", ""}, {"j", Value::MakeObject()}});
  CHECK(widened["f"].IsFloat());
  CHECK(ModelFind("Sample", widened["id"].AsInt())["f"].IsFloat());
  CHECK(ModelFind("Sample", widened["id"].AsInt())["b"] == Value(true));
  // Json equality compares the stored text.
  CHECK(ModelCount("Sample", {{"j", json}}) == 1);
}

TEST_CASE("unknown fields, wrong types and missing fields are errors naming the field") {
  TempDir dir;
  DbServer server(dir.File("errors.db"), {UserSpec()});
  CHECK(ErrorOf([] { ModelCreate("User", U("x", 1, {{"nmae", "y"}})); }) ==
        "User.create: `nmae` is not a field of User (fields: id, name, email, age, score, active, tags)");
  CHECK(ErrorOf([] { ModelCreate("User", {{"name", "x"}, {"age", "12"}}); }) ==
        "User.create: field `age` of User must be an Int, got String");
  CHECK(ErrorOf([] { ModelCreate("User", {{"name", "x"}, {"age", 1.5}}); }) ==
        "User.create: field `age` of User must be an Int, got Float");
  CHECK(ErrorOf([] { ModelCreate("User", {{"name", "x"}}); }) ==
        "User.create: field `age` of User is not optional: it cannot be null");
  CHECK(ErrorOf([] { ModelCreate("User", {{"name", "x"}, {"age", 1}, {"active", 1}}); }) ==
        "User.create: field `active` of User must be a Bool, got Int");
  CHECK(ErrorOf([] { ModelCreate("User", "not an object"); }) == "User.create: expected an object of fields, got String");
  CHECK(ErrorOf([] { ModelCreate("Nobody", U("x", 1)); }) == "Nobody.create: unknown model `Nobody`");
  ModelCreate("User", U("x", 1));
  CHECK(ErrorOf([] { ModelUpdate("User", 1, {{"id", 5}}); }) == "User.update: `id` cannot be changed");
  CHECK(ErrorOf([] { ModelUpdate("User", 1, {{"name", nullptr}}); }) ==
        "User.update: field `name` of User is not optional: it cannot be null");
  CHECK(ErrorOf([] { ModelUpdate("User", 1, {{"score", "high"}}); }) ==
        "User.update: field `score` of User must be a Float, got String");
  CHECK(ErrorOf([] { ModelWhere("User", {{"age_between", 1}}); }).find("User.where: `age_between` is not a field of User") == 0);
  CHECK(ErrorOf([] { ModelWhere("User", {{"age", "1"}}); }) == "User.where `age`: field `age` of User must be an Int, got String");
  CHECK(ErrorOf([] { ModelWhere("User", {{"age_lt", nullptr}}); }) ==
        "User.where `age_lt`: null is only compared by `field: null` (IS NULL) or `field_ne: null`");
  CHECK(ErrorOf([] { ModelWhere("User", {{"age_in", lux::Array{1, nullptr}}}); }) ==
        "User.where `age_in`: the list cannot contain null (use `field: null`)");
  CHECK(ErrorOf([] { ModelWhere("User", {{"age_in", 3}}); }) == "User.where `age_in`: expected an array, got Int");
  CHECK(ErrorOf([] { ModelWhere("User", {{"active_lt", true}}); }).find("Bool fields have no order") != std::string::npos);
  CHECK(ErrorOf([] { ModelWhere("User", {{"tags_gt", 1}}); }).find("Json fields can only be compared for equality") != std::string::npos);
  CHECK(ErrorOf([] { ModelWhere("User", {}, {{"limit", -1}}); }) == "User.where: limit must be an Int >= 0, got -1");
  CHECK(ErrorOf([] { ModelWhere("User", {}, {{"sort", "age"}}); }) ==
        "User.where: unknown option `sort` (options: order_by, desc, limit, offset)");
  CHECK(ErrorOf([] { ModelWhere("User", "age > 1"); }) == "User.where: the filter must be an object, got String");
}

TEST_CASE("registration rejects bad names, `id` columns and duplicates") {
  lux::App app("t");
  CHECK_THROWS_WITH(lux::RegisterModel(app, {"User", "", {{"id", lux::ColumnType::kInt, false, {}}}}),
                    Catch::Contains("`id` is the primary key"));
  CHECK_THROWS_WITH(lux::RegisterModel(app, {"User", "", {{"a b", lux::ColumnType::kInt, false, {}}}}),
                    Catch::Contains("field name `a b` is not an identifier"));
  CHECK_THROWS_WITH(lux::RegisterModel(app, {"User", "users; DROP TABLE x", {}}), Catch::Contains("is not an identifier"));
  CHECK_THROWS_WITH(lux::RegisterModel(app, {"User", "", {{"a", lux::ColumnType::kInt, false, "zero"}}}),
                    Catch::Contains("must be an Int, got String"));
  lux::RegisterModel(app, UserSpec());
  CHECK_THROWS_WITH(lux::RegisterModel(app, UserSpec()), "duplicate model `User`");
  CHECK_THROWS_WITH(lux::RegisterModel(app, {"Person", "users", {}}), Catch::Contains("use the same table `users`"));
}

TEST_CASE("SQL injection attempts through every call that takes user data are stored or compared as text") {
  TempDir dir;
  DbServer server(dir.File("inject.db"), {UserSpec()});
  const std::string evil = "'); DROP TABLE users; --";
  const std::string evil2 = "x\" OR 1=1 --";
  Value created = ModelCreate("User", {{"name", evil}, {"email", evil2}, {"age", 1}, {"tags", lux::Array{evil}}});
  CHECK(ModelFind("User", created["id"].AsInt())["name"].AsString() == evil);
  CHECK(ModelFind("User", created["id"].AsInt())["email"].AsString() == evil2);
  ModelCreate("User", U("plain", 2));
  // Where values are parameters: they match only the exact text.
  CHECK(Names(ModelWhere("User", {{"name", evil}})) == Names_{evil});
  CHECK(ModelWhere("User", {{"name", "' OR '1'='1"}}).size() == 0);
  CHECK(ModelWhere("User", {{"name_in", lux::Array{"') OR 1=1 --", evil}}}).size() == 1);
  CHECK(ModelWhere("User", {{"name_ne", "1' OR '1'='1"}}).size() == 2);
  CHECK(ModelCount("User", {{"email", "\" OR 1=1 --"}}) == 0);
  CHECK(ModelUpdate("User", 2, {{"name", "'; DELETE FROM users; --"}})["name"] == Value("'; DELETE FROM users; --"));
  CHECK(ModelDeleteWhere("User", {{"name", "' OR 1=1 --"}}) == 0);
  // Keys and option values are never SQL: anything that is not a field is an error.
  CHECK(ErrorOf([] { ModelWhere("User", {{"name = name OR 1=1 --", 1}}); }).find("is not a field of User") != std::string::npos);
  CHECK(ErrorOf([] { ModelWhere("User", {{"1=1); DROP TABLE users; --_lt", 1}}); }).find("is not a field of User") != std::string::npos);
  CHECK(ErrorOf([] { ModelWhere("User", {}, {{"order_by", "age; DROP TABLE users"}}); }).find("is not a field of User") !=
        std::string::npos);
  CHECK(ErrorOf([] { ModelCreate("User", {{"name", "x"}, {"age", 1}, {"age\" = 1; --", 2}}); }).find("is not a field") !=
        std::string::npos);
  CHECK(ErrorOf([] { ModelUpdate("User", 1, {{"name\" = 'x', \"age", 2}}); }).find("is not a field") != std::string::npos);
  CHECK(ErrorOf([] { ModelCount("User", {{"age) OR (1", 1}}); }).find("is not a field") != std::string::npos);
  // db.run / db.query arguments are bound too, and a second statement never runs.
  CHECK(DbRun("UPDATE users SET email = ? WHERE id = ?", {evil, 2}) == 1);
  CHECK(DbQuery("SELECT email FROM users WHERE id = ?", {2})[0]["email"] == Value(evil));
  CHECK(DbQuery("SELECT name FROM users WHERE name = ?", {"' OR 1=1 --"}).size() == 0);
  CHECK(ErrorOf([] { DbRun("DELETE FROM users WHERE id = 1; DROP TABLE users", {}); }) ==
        "db.run: only one SQL statement per call (found more after the first)");
  CHECK(ModelCount("User") == 2);
  CHECK(DbQuery("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'users'", {}).size() == 1);
}

TEST_CASE("the adapter from a url: postgres URLs and conninfo, sqlite: and plain paths") {
  CHECK(lux::DbAdapterForUrl("postgres://app@127.0.0.1:5432/app").adapter == "postgres");
  CHECK(lux::DbAdapterForUrl("postgresql://app@h/app").adapter == "postgres");
  CHECK(lux::DbAdapterForUrl("host=127.0.0.1 dbname=app").adapter == "postgres");
  auto a = lux::DbAdapterForUrl("sqlite:./data.db");
  CHECK((a.adapter == "sqlite" && a.path == "./data.db"));
  auto b = lux::DbAdapterForUrl("sqlite:///var/lib/app.db");
  CHECK((b.adapter == "sqlite" && b.path == "/var/lib/app.db"));
  auto c = lux::DbAdapterForUrl("./plain.db");
  CHECK((c.adapter == "sqlite" && c.path == "./plain.db"));
  CHECK(lux::DbAdapterForUrl("sqlite:").adapter.empty());
}

TEST_CASE("`db { url }` without an adapter opens the SQLite file its value names, and an empty one stops the start") {
  TempDir dir;
  std::string file = dir.File("from_url.db");
  {
    luxtest::TestServer server([&](lux::App& app) {
      lux::RegisterDb(app, lux::DbConfig{.path = "", .adapter = "", .url = "sqlite:" + file, .pool = 0});
      lux::RegisterModel(app, UserSpec());
    });
    ModelCreate("User", U("ada", 36));
  }
  CHECK(std::filesystem::exists(file));
  try {
    luxtest::TestServer server([&](lux::App& app) {
      lux::RegisterDb(app, lux::DbConfig{.path = "", .adapter = "", .url = "sqlite:", .pool = 0});
    });
    FAIL("an empty sqlite: url started");
  } catch (const lux::StartupError& e) {
    CHECK_THAT(e.what(), Catch::Contains("names no database"));
  }
}

TEST_CASE("fields built from what the client sent fail with 400, the program's own with 500", "[db]") {
  TempDir dir;
  DbServer server(dir.File("client.db"), {UserSpec()});
  Value body = lux::ParseJson(R"({"name": "x", "age": "old", "extra": 1})");
  body.MarkFromClient();
  auto status_of = [](auto f) {
    try {
      f();
    } catch (const lux::Error& e) {
      return e.status();
    }
    return 0;
  };
  Value spread = Value::MakeObject();  // `{ ...req.body, score: 1.0 }`: the object is the program's
  for (const auto& [k, v] : body.AsObject()) spread[k] = v;
  spread["score"] = Value(1.0);
  CHECK(status_of([&] { ModelCreate("User", spread); }) == 400);  // `extra` came from the client
  spread.AsObject().Erase("extra");
  CHECK(status_of([&] { ModelCreate("User", spread); }) == 400);  // `age` of the client's is a String
  Value named = Value::MakeObject();
  const Value& read = body;
  named["name"] = read["name"];
  CHECK(status_of([&] { ModelCreate("User", named); }) == 400);  // `age` missing from the client's fields
  CHECK(status_of([] { ModelCreate("User", {{"name", "x"}}); }) == 500);  // the program's own
  CHECK(status_of([] { ModelCreate("User", {{"name", "x"}, {"age", "12"}}); }) == 500);
}
