// `db { adapter: "postgres" }` against a real PostgreSQL (pg_test_util.h starts one per test):
// every model op, filters and options, db.run/db.query with `?` parameters, JSON and Option
// columns, transactions and savepoints, migration (ADD COLUMN with a default, a changed type
// refused, two replicas migrating at once), 50 concurrent pg_sleep requests on one I/O thread,
// reconnecting after pg_terminate_backend and a server restart, and an unreachable server. The
// placeholder numbering and URL redaction are tested without a server.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <thread>

#include "db/pg_connection.h"
#include "lux/rt.h"
#include "db_test_util.h"
#include "pg_test_util.h"

using lux::Value;
using namespace lux::rt;
using luxtest::Conn;
using luxtest::PostgresServer;
using luxtest::Req;
using luxtest::TestServer;
using luxtest::UserSpec;

namespace {

// An App on loopback whose database is `url` on PostgreSQL.
class PgApp : public TestServer {
 public:
  PgApp(const std::string& url, std::vector<lux::ModelSpec> models, std::function<void(lux::App&)> extra = {},
        int threads = 2, int pool = 0)
      : TestServer(
            [&](lux::App& app) {
              lux::RegisterDb(app, {.path = "", .adapter = "postgres", .url = url, .pool = pool});
              for (auto& m : models) lux::RegisterModel(app, m);
              if (extra) extra(app);
            },
            threads) {}
};

std::string StartFailure(const std::string& url, std::vector<lux::ModelSpec> models) {
  try {
    PgApp s(url, std::move(models));
  } catch (const lux::StartupError& e) {
    return e.what();
  }
  return "";
}

Value Ids(const Value& records) {
  lux::Array ids;
  for (const Value& r : records.AsArray()) ids.push_back(r["id"]);
  return Value(std::move(ids));
}

}  // namespace

TEST_CASE("postgres: placeholders are numbered outside literals, identifiers, dollar quotes and comments") {
  using lux::db::NumberPlaceholders;
  auto n = NumberPlaceholders("SELECT ?, '?', \"a?\", E'\\'?', $$?$$, $t$ ? $t$ -- ?\n /* ? /* ? */ */ FROM x WHERE y = ?", "q");
  CHECK(n.text == "SELECT $1, '?', \"a?\", E'\\'?', $$?$$, $t$ ? $t$ -- ?\n /* ? /* ? */ */ FROM x WHERE y = $2");
  CHECK(n.params == 2);
  CHECK(n.first_word == "SELECT");
  CHECK_FALSE(n.more_statements);
  CHECK(NumberPlaceholders("select 'it''s ?' , ?", "q").params == 1);
  CHECK(NumberPlaceholders("SELECT 1; ", "q").more_statements == false);
  CHECK(NumberPlaceholders("SELECT 1; DROP TABLE users", "q").more_statements);
  CHECK(NumberPlaceholders("  begin", "q").first_word == "BEGIN");
  CHECK(NumberPlaceholders("-- note\n/* x */ COMMIT", "q").first_word == "COMMIT");
  CHECK_THROWS_WITH(NumberPlaceholders("SELECT $1", "db.query"), Catch::Contains("write parameters as `?`"));
}

TEST_CASE("postgres: passwords never reach messages") {
  using lux::db::RedactConninfo;
  CHECK(RedactConninfo("postgres://app:s3cret@127.0.0.1:5432/app") == "postgres://app:***@127.0.0.1:5432/app");
  CHECK(RedactConninfo("postgresql://app@h/db?password=s3cret&sslmode=disable") ==
        "postgresql://app@h/db?password=***&sslmode=disable");
  CHECK(RedactConninfo("host=127.0.0.1 password='a b' user=x") == "host=127.0.0.1 password=*** user=x");
  CHECK(RedactConninfo("host=h password = pw dbname=d") == "host=h password = *** dbname=d");
  CHECK(RedactConninfo("postgres://app@h/db") == "postgres://app@h/db");
}

TEST_CASE("postgres: every model op round-trips the declared types") {
  PostgresServer pg;
  PgApp app(pg.CreateDatabase(), {UserSpec()});
  Value ada = ModelCreate("User", {{"name", "Ada"}, {"age", 36}, {"score", 1}, {"tags", lux::Array{"x", "y"}}});
  CHECK(ada["id"] == Value(1));
  CHECK(ada["score"].IsFloat());
  CHECK(ada["active"] == Value(true));  // the default
  CHECK(ada["email"].IsNull());         // Option: None -> NULL
  Value bob = ModelCreate("User", {{"name", "Bob"}, {"email", "b@x"}, {"age", 20}, {"active", false},
                                   {"tags", Value{{"k", Value{{"deep", lux::Array{1, 2.5, true, nullptr}}}}}}});
  Value found = ModelFind("User", 1);
  CHECK(found == ada);
  CHECK(ModelFind("User", 99).IsNull());
  Value bob_read = ModelFind("User", bob["id"].AsInt());
  CHECK(bob_read["tags"]["k"]["deep"] == Value(lux::Array{1, 2.5, true, nullptr}));
  CHECK(bob_read["active"] == Value(false));
  CHECK(bob_read["email"] == Value("b@x"));
  CHECK(ModelAll("User").size() == 2);
  CHECK(ModelCount("User") == 2);
  Value updated = ModelUpdate("User", 1, {{"age", 37}, {"email", "ada@x"}, {"score", nullptr}});
  CHECK(updated["age"] == Value(37));
  CHECK(updated["email"] == Value("ada@x"));
  CHECK(updated["score"].IsNull());
  CHECK(updated["name"] == Value("Ada"));
  CHECK(ModelUpdate("User", 1, Value::MakeObject()) == updated);
  CHECK_THROWS_WITH(ModelUpdate("User", 99, {{"age", 1}}), Catch::Contains("no User with id 99"));
  CHECK_THROWS_WITH(ModelCreate("User", {{"name", 5}, {"age", 1}}), Catch::Contains("must be a String"));
  CHECK_THROWS_WITH(ModelCreate("User", {{"nmae", "x"}, {"age", 1}}), Catch::Contains("`nmae` is not a field of User"));
  CHECK_THROWS_WITH(ModelCreate("User", {{"name", std::string("a\0b", 3)}, {"age", 1}}), Catch::Contains("NUL"));
  CHECK(ModelDelete("User", 1));
  CHECK_FALSE(ModelDelete("User", 1));
  for (int i = 0; i < 5; ++i) ModelCreate("User", {{"name", "n" + std::to_string(i)}, {"age", i}});
  CHECK(ModelDeleteWhere("User", {{"age_lt", 2}}) == 2);
  Value rest = ModelWhere("User", {{"name_ne", "Bob"}});
  CHECK(rest.size() == 3);
  CHECK(ModelDeleteAll("User", rest) == 3);
  CHECK(ModelCount("User") == 1);
  CHECK(ModelDeleteAll("User", lux::Array{}) == 0);
}

TEST_CASE("postgres: db.exec runs a script in one transaction, timestamps and a custom table") {
  PostgresServer pg;
  lux::ModelSpec stamped{"Note", "my_notes", {{"body", lux::ColumnType::kString, false, {}},
                                             {"created_at", lux::ColumnType::kInt, false, 0},
                                             {"updated_at", lux::ColumnType::kInt, false, 0}}, true};
  PgApp app(pg.CreateDatabase(), {stamped});
  CHECK(DbExec("CREATE TABLE t (id BIGSERIAL PRIMARY KEY, v TEXT NOT NULL); INSERT INTO t (v) VALUES ('a;1'); -- ;\nINSERT INTO t (v) VALUES ('b')") == 3);
  CHECK_THROWS(DbExec("INSERT INTO t (v) VALUES ('c'); INSERT INTO t (v) VALUES (NULL)"));
  CHECK(DbQuery("SELECT v FROM t ORDER BY id", {}) == Value(lux::Array{Value{{"v", "a;1"}}, Value{{"v", "b"}}}));
  std::int64_t before = NowMs();
  Value n = ModelCreate("Note", {{"body", "x"}, {"created_at", 5}});
  CHECK(n["created_at"].AsInt() >= before);  // set by create, over what was given
  CHECK(n["updated_at"] == n["created_at"]);
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  Value u = ModelUpdate("Note", n["id"].AsInt(), {{"body", "y"}});
  CHECK(u["updated_at"].AsInt() > n["updated_at"].AsInt());
  CHECK(u["created_at"] == n["created_at"]);
  CHECK(DbQuery("SELECT body FROM my_notes", {})[0]["body"] == Value("y"));
}

TEST_CASE("postgres: filters and options") {
  PostgresServer pg;
  PgApp app(pg.CreateDatabase(), {UserSpec()});
  for (int i = 0; i < 10; ++i)
    ModelCreate("User", {{"name", "u" + std::to_string(i)}, {"age", i}, {"active", i % 2 == 0},
                         {"email", i < 3 ? Value() : Value("e" + std::to_string(i))}, {"tags", lux::Array{i}}});
  CHECK(ModelCount("User", {{"age_gte", 3}, {"age_lt", 7}}) == 4);
  CHECK(ModelCount("User", {{"age_lte", 3}, {"age_gt", 0}}) == 3);
  CHECK(ModelCount("User", {{"email", nullptr}}) == 3);
  CHECK(ModelCount("User", {{"email_ne", nullptr}}) == 7);
  CHECK(ModelCount("User", {{"active", true}}) == 5);
  CHECK(ModelCount("User", {{"active_in", lux::Array{true, false}}}) == 10);
  CHECK(ModelCount("User", {{"name_in", lux::Array{"u1", "u4", "zz"}}}) == 2);
  CHECK(ModelCount("User", {{"age_in", lux::Array{1, 2, 3}}, {"name_ne", "u2"}}) == 2);
  CHECK(ModelCount("User", {{"id_in", lux::Array{1, 2}}}) == 2);
  CHECK(ModelCount("User", {{"tags", lux::Array{4}}}) == 1);  // JSON equality
  CHECK(ModelCount("User", {{"age_in", lux::Array{}}}) == 0);
  Value page = ModelWhere("User", {{"age_gte", 2}}, {{"order_by", "age"}, {"desc", true}, {"limit", 3}, {"offset", 1}});
  REQUIRE(page.size() == 3);
  CHECK(page[0]["age"] == Value(8));
  CHECK(page[2]["age"] == Value(6));
  CHECK(ModelWhere("User", {}, {{"offset", 8}}).size() == 2);  // an offset without a limit
  CHECK(Ids(ModelWhere("User", {{"age_lt", 3}})) == Value(lux::Array{1, 2, 3}));
  CHECK_THROWS_WITH(ModelWhere("User", {{"age_lt", "x"}}), Catch::Contains("must be an Int"));
  CHECK_THROWS_WITH(ModelWhere("User", {{"tags_lt", 1}}), Catch::Contains("only be compared for equality"));
}

TEST_CASE("postgres: db.run and db.query with ? parameters") {
  PostgresServer pg;
  PgApp app(pg.CreateDatabase(), {UserSpec()});
  CHECK(DbRun("CREATE TABLE notes (id BIGSERIAL PRIMARY KEY, body TEXT, n INT, f REAL, ok BOOLEAN, doc JSONB)") == 0);
  CHECK(DbRun("INSERT INTO notes (body, n, f, ok, doc) VALUES (?, ?, ?, ?, ?)", {"what?", 3, 1.5, true, Value{{"a", 1}}}) == 1);
  CHECK(DbRun("INSERT INTO notes (body, n) VALUES ('literal ? mark', ?)", {4}) == 1);
  Value rows = DbQuery("SELECT body, n, f, ok, doc, id FROM notes WHERE n >= ? ORDER BY id", {3});
  REQUIRE(rows.size() == 2);
  CHECK(rows[0]["body"] == Value("what?"));
  CHECK(rows[0]["n"] == Value(3));
  CHECK(rows[0]["f"] == Value(1.5));
  CHECK(rows[0]["ok"] == Value(true));
  CHECK(rows[0]["doc"] == Value{{"a", 1}});
  CHECK(rows[1]["body"] == Value("literal ? mark"));
  CHECK(rows[1]["ok"].IsNull());
  CHECK(DbQuery("SELECT ? AS i, ? AS s, ? AS b, ? AS nothing, count(*) AS c, sum(n) AS total FROM notes", {7, "s", false, nullptr})[0] ==
        Value{{"i", 7}, {"s", "s"}, {"b", false}, {"nothing", nullptr}, {"c", 2}, {"total", 7}});
  CHECK(DbRun("UPDATE notes SET n = n + 1") == 2);
  // Model columns read back through db.query with their types.
  ModelCreate("User", {{"name", "Ada"}, {"age", 36}, {"tags", lux::Array{"x"}}});
  CHECK(DbQuery("SELECT active, tags, score FROM users", {})[0] == Value{{"active", true}, {"tags", lux::Array{"x"}}, {"score", nullptr}});
  CHECK_THROWS_WITH(DbRun("INSERT INTO notes (n) VALUES (?)", {}), "db.run: the statement has 1 parameter(s) but 0 argument(s) were given");
  CHECK_THROWS_WITH(DbRun("SELECT 1; DROP TABLE notes", {}), Catch::Contains("only one SQL statement per call"));
  CHECK_THROWS_WITH(DbQuery("SELECT nope FROM notes", {}), Catch::Contains("db.query: column \"nope\" does not exist (SQLSTATE 42703)"));
  CHECK_THROWS_WITH(DbRun("BEGIN", {}), Catch::Contains("BEGIN/COMMIT/ROLLBACK are not allowed here"));
  CHECK(DbQuery("SELECT count(*) AS n FROM notes", {})[0]["n"] == Value(2));  // the table survived
}

TEST_CASE("postgres: transactions commit, roll back on throw, and nest as savepoints") {
  PostgresServer pg;
  std::string url = pg.CreateDatabase();
  PgApp app(url, {UserSpec()});
  Value r = DbTransaction([] {
    ModelCreate("User", {{"name", "a"}, {"age", 1}});
    return Value(ModelCount("User"));  // sees its own write
  });
  CHECK(r == Value(1));
  CHECK_THROWS_WITH(DbTransaction([]() -> Value {
                      ModelCreate("User", {{"name", "b"}, {"age", 2}});
                      throw lux::Error("boom");
                    }),
                    "boom");
  CHECK(ModelCount("User") == 1);
  DbTransaction([] {
    ModelCreate("User", {{"name", "outer"}, {"age", 3}});
    try {
      DbTransaction([]() -> Value {
        ModelCreate("User", {{"name", "inner"}, {"age", 4}});
        throw lux::Error("inner fails");
      });
    } catch (const lux::Error&) {
    }
    DbTransaction([] { return ModelCreate("User", {{"name", "inner2"}, {"age", 5}}); });
    return Value();
  });
  CHECK(ModelCount("User", {{"name", "outer"}}) == 1);
  CHECK(ModelCount("User", {{"name", "inner"}}) == 0);
  CHECK(ModelCount("User", {{"name", "inner2"}}) == 1);
  // A failed statement aborts the PostgreSQL transaction even when the body catches it.
  CHECK_THROWS_WITH(DbTransaction([] {
                      ModelCreate("User", {{"name", "lost"}, {"age", 6}});
                      try {
                        DbQuery("SELECT nope", {});
                      } catch (const lux::Error&) {
                      }
                      return Value();
                    }),
                    Catch::Contains("PostgreSQL aborted it"));
  CHECK(ModelCount("User", {{"name", "lost"}}) == 0);
  // Nothing is left open on pooled connections.
  std::string db = url.substr(url.rfind('/') + 1);
  CHECK(pg.Admin()
            .Exec("SELECT count(*) FROM pg_stat_activity WHERE datname = ? AND state LIKE 'idle in transaction%'", {{db, 0}}, "t")
            .Text(0, 0) == "0");
}

TEST_CASE("postgres: migration adds a column with a default to a table with rows, and refuses a changed type") {
  PostgresServer pg;
  std::string url = pg.CreateDatabase();
  lux::ModelSpec v1{"Note", "", {{"title", lux::ColumnType::kString, false, {}}}};
  {
    PgApp app(url, {v1});
    ModelCreate("Note", {{"title", "first"}});
    ModelCreate("Note", {{"title", "second"}});
  }
  lux::ModelSpec v2 = v1;
  v2.columns.push_back({"stars", lux::ColumnType::kInt, false, 5});
  v2.columns.push_back({"pinned", lux::ColumnType::kBool, false, false});
  v2.columns.push_back({"meta", lux::ColumnType::kJson, true, {}});
  {
    PgApp app(url, {v2});
    Value all = ModelAll("Note");
    REQUIRE(all.size() == 2);
    CHECK(all[0]["stars"] == Value(5));
    CHECK(all[1]["pinned"] == Value(false));
    CHECK(all[1]["meta"].IsNull());
  }
  lux::ModelSpec changed{"Note", "", {{"title", lux::ColumnType::kInt, false, {}}}};
  std::string err = StartFailure(url, {changed});
  CHECK_THAT(err, Catch::Contains("field `title` (Int) but column `title` holds String (TEXT)"));
  CHECK_THAT(err, Catch::Contains("a column's type cannot change in place"));
  lux::ModelSpec required = v2;
  required.columns.push_back({"owner", lux::ColumnType::kString, false, {}});
  CHECK_THAT(StartFailure(url, {required}), Catch::Contains("is not optional and has no default, but the table has rows"));
}

TEST_CASE("postgres: the id of a deleted record is never handed out again, across restarts") {
  PostgresServer pg;
  std::string url = pg.CreateDatabase();
  lux::ModelSpec note{"Note", "", {{"title", lux::ColumnType::kString, false, {}}}};
  {
    PgApp app(url, {note});
    ModelCreate("Note", {{"title", "a"}});
    CHECK(ModelCreate("Note", {{"title", "b"}})["id"] == Value(2));
    CHECK(ModelDelete("Note", 2));
    CHECK(ModelCreate("Note", {{"title", "c"}})["id"] == Value(3));
    CHECK(ModelDelete("Note", 3));
  }
  PgApp app(url, {note});
  CHECK(ModelCreate("Note", {{"title", "d"}})["id"] == Value(4));
}

TEST_CASE("postgres: replicas starting at once migrate one after the other") {
  PostgresServer pg;
  std::string url = pg.CreateDatabase();
  std::vector<lux::ModelSpec> models;
  for (int i = 0; i < 8; ++i)
    models.push_back({"Thing" + std::to_string(i), "", {{"a", lux::ColumnType::kInt, false, 1}, {"b", lux::ColumnType::kString, true, {}}}});
  std::atomic<int> failures{0};
  std::vector<std::thread> replicas;
  for (int r = 0; r < 3; ++r)
    replicas.emplace_back([&] {
      if (!StartFailure(url, models).empty()) failures++;
    });
  for (auto& t : replicas) t.join();
  CHECK(failures.load() == 0);
  CHECK(pg.Admin(url.substr(url.rfind('/') + 1)).Exec("SELECT count(*) FROM information_schema.tables WHERE table_name LIKE 'thing%'", {}, "t").Text(0, 0) == "8");
}

TEST_CASE("postgres: 50 concurrent pg_sleep(0.2) requests on one I/O thread share the pool") {
  PostgresServer pg;
  auto routes = [](lux::App& a) {
    a.Get("/sleep", [](lux::Request&) { return lux::Respond(200, DbQuery("SELECT pg_sleep(0.2)::text AS s", {})[0]); });
    a.Get("/ping", [](lux::Request&) { return lux::Respond(200, Value{{"ok", true}}); });
  };
  PgApp app(pg.CreateDatabase(), {}, routes, /*threads=*/1, /*pool=*/10);
  constexpr int kClients = 50;
  std::atomic<int> ok{0};
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i)
    clients.emplace_back([&] {
      Conn c(app.port());
      c.Send(Req("GET", "/sleep"));
      auto r = c.Read(20000);
      if (r && r->status == 200) ok++;
    });
  // While the sleeps are in flight, the same thread answers a request that needs no database.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto ping_start = std::chrono::steady_clock::now();
  Conn p(app.port());
  p.Send(Req("GET", "/ping"));
  auto pong = p.Read(5000);
  auto ping_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - ping_start).count();
  for (auto& t : clients) t.join();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(ok.load() == kClients);
  REQUIRE(pong);
  CHECK(pong->status == 200);
  CHECK(ping_ms < 150);
  // Serially 50 x 0.2 = 10 s; ten connections at a time: ~1 s.
  CHECK(seconds < 3.0);
}

TEST_CASE("postgres: a terminated backend and a restarted server are reconnected on the next call") {
  PostgresServer pg;
  std::string url = pg.CreateDatabase();
  std::string db = url.substr(url.rfind('/') + 1);
  PgApp app(url, {UserSpec()});
  ModelCreate("User", {{"name", "a"}, {"age", 1}});
  pg.Admin().Exec("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = ?", {{db, 0}}, "t");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(ModelCount("User") == 1);  // the idle connection was found closed and replaced
  pg.Restart();
  CHECK(ModelCreate("User", {{"name", "b"}, {"age", 2}})["id"] == Value(2));
  CHECK(ModelCount("User") == 2);
  pg.Stop();
  CHECK_THROWS_WITH(ModelCount("User"), Catch::Contains("cannot connect to postgres://lux@127.0.0.1:"));
}

TEST_CASE("postgres: an unreachable server is a one-line StartupError without the password") {
  int port = luxtest::FreeTcpPort();  // nothing listens there
  std::string err = StartFailure("postgres://app:s3cret@127.0.0.1:" + std::to_string(port) + "/app", {UserSpec()});
  CHECK_THAT(err, Catch::StartsWith("db postgres://app:***@127.0.0.1:" + std::to_string(port) + "/app: cannot connect to"));
  CHECK_THAT(err, Catch::Contains("Connection refused"));
  CHECK(err.find("s3cret") == std::string::npos);
  CHECK(err.find('\n') == std::string::npos);
  CHECK_THAT(StartFailure("", {}), Catch::Contains("needs a url"));
}

TEST_CASE("postgres: LUX_DB_URL moves a SQLite program to PostgreSQL, LUX_DB_POOL is checked") {
  PostgresServer pg;
  std::string url = pg.CreateDatabase();
  luxtest::TempDir dir;
  ::setenv("LUX_DB_URL", url.c_str(), 1);
  {
    luxtest::DbServer server(dir.File("never.db"), {UserSpec()});
    ModelCreate("User", {{"name", "moved"}, {"age", 1}});
    CHECK(DbQuery("SELECT current_database() AS db", {})[0]["db"] == Value(url.substr(url.rfind('/') + 1)));
  }
  CHECK_FALSE(std::filesystem::exists(dir.File("never.db")));
  ::setenv("LUX_DB_POOL", "0", 1);
  CHECK_THAT(luxtest::StartFailure(dir.File("never.db"), {UserSpec()}), Catch::Contains("LUX_DB_POOL must be an Int from 1 to 1000"));
  ::unsetenv("LUX_DB_POOL");
  ::unsetenv("LUX_DB_URL");
  CHECK(pg.Admin(url.substr(url.rfind('/') + 1)).Exec("SELECT name FROM users", {}, "t").Text(0, 0) == "moved");
}
