// db.run / db.query (bound arguments, one statement, typed rows), db.transaction (commit,
// rollback on throw, nested savepoints, isolation from other connections), db.close.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "db/exec.h"
#include "db_test_util.h"

using lux::Value;
using namespace lux::rt;
using luxtest::DbServer;
using luxtest::TempDir;

namespace {
lux::ModelSpec Account() {
  return {"Account", "", {{"owner", lux::ColumnType::kString, false, {}}, {"balance", lux::ColumnType::kInt, false, 0}}};
}
}  // namespace

TEST_CASE("db.run and db.query bind their arguments and type the rows") {
  TempDir dir;
  DbServer server(dir.File("sql.db"), {luxtest::UserSpec()});
  ModelCreate("User", {{"name", "ada"}, {"age", 36}, {"score", 1.5}, {"tags", lux::Array{"a"}}});
  ModelCreate("User", {{"name", "bob"}, {"age", 20}, {"active", false}});
  // db.run("DELETE FROM sessions WHERE expires_at < ?", Date.now())
  CHECK(DbRun("CREATE TABLE sessions (id INTEGER PRIMARY KEY, expires_at INTEGER NOT NULL)", {}) == 0);
  CHECK(DbRun("INSERT INTO sessions (expires_at) VALUES (?), (?), (?)", {100, 200, 300}) == 3);
  CHECK(DbRun("DELETE FROM sessions WHERE expires_at < ?", {250}) == 2);
  CHECK(DbRun("SELECT * FROM sessions", {}) == 0);

  Value rows = DbQuery("SELECT id, name, age, score, active, tags, age * 2 AS twice FROM users WHERE age > ? ORDER BY id", {1});
  REQUIRE(rows.size() == 2);
  CHECK(lux::ToJson(rows[0]) == R"({"id":1,"name":"ada","age":36,"score":1.5,"active":true,"tags":["a"],"twice":72})");
  CHECK(rows[1]["active"] == Value(false));  // BOOLEAN column -> Bool
  CHECK(rows[1]["score"].IsNull());
  CHECK(DbQuery("SELECT ? AS b, ? AS n, ? AS f, ? AS j", {true, nullptr, 2.5, Value{{"k", 1}}})[0] ==
        Value{{"b", 1}, {"n", nullptr}, {"f", 2.5}, {"j", R"({"k":1})"}});

  CHECK_THROWS_WITH(DbRun("DELETE FROM users WHERE id = ?", {}), "db.run: the statement has 1 parameter(s) but 0 argument(s) were given");
  CHECK_THROWS_WITH(DbQuery("SELECT nope FROM users", {}), "db.query: no such column: nope");
  CHECK_THROWS_WITH(DbRun("BEGIN", {}), Catch::Contains("BEGIN/COMMIT/ROLLBACK are not allowed here"));
  CHECK(DbRun("UPDATE users SET age = age + 1", {}) == 2);  // the connection is usable after the refusal
}

TEST_CASE("db.transaction commits on return and rolls back on throw, nested = savepoint") {
  TempDir dir;
  DbServer server(dir.File("tx.db"), {Account()});
  ModelCreate("Account", {{"owner", "a"}, {"balance", 100}});
  ModelCreate("Account", {{"owner", "b"}, {"balance", 0}});

  Value r = DbTransaction([] {
    ModelUpdate("Account", 1, {{"balance", 60}});
    DbRun("UPDATE accounts SET balance = balance + ? WHERE id = ?", {40, 2});
    return Value("done");
  });
  CHECK(r == Value("done"));
  CHECK(ModelFind("Account", 1)["balance"] == Value(60));
  CHECK(ModelFind("Account", 2)["balance"] == Value(40));

  CHECK_THROWS_WITH(DbTransaction([]() -> Value {
                      ModelUpdate("Account", 1, {{"balance", 0}});
                      ModelCreate("Account", {{"owner", "c"}});
                      CHECK(ModelCount("Account") == 3);  // the transaction sees its own writes
                      throw lux::Error("insufficient funds");
                    }),
                    "insufficient funds");
  CHECK(ModelFind("Account", 1)["balance"] == Value(60));
  CHECK(ModelCount("Account") == 2);

  DbTransaction([] {
    ModelCreate("Account", {{"owner", "outer"}});
    try {
      DbTransaction([]() -> Value {
        ModelCreate("Account", {{"owner", "inner"}});
        throw lux::Error("inner fails");
      });
    } catch (const lux::Error&) {
    }
    DbTransaction([] { return ModelCreate("Account", {{"owner", "inner2"}}); });
    return Value();
  });
  Value owners = DbQuery("SELECT owner FROM accounts ORDER BY id", {});
  REQUIRE(owners.size() == 4);
  CHECK(owners[2]["owner"] == Value("outer"));
  CHECK(owners[3]["owner"] == Value("inner2"));

  // A failed write inside a transaction (wrong type) rolls back everything before it.
  CHECK_THROWS(DbTransaction([] {
    ModelCreate("Account", {{"owner", "lost"}});
    return ModelCreate("Account", {{"owner", 5}});
  }));
  CHECK(ModelCount("Account", {{"owner", "lost"}}) == 0);
}

TEST_CASE("uncommitted writes are invisible to other connections until commit") {
  TempDir dir;
  DbServer server(dir.File("iso.db"), {Account()});
  std::atomic<int> phase{0};
  std::atomic<std::int64_t> seen_during{-1};
  std::thread reader([&] {
    while (phase.load() != 1) std::this_thread::yield();
    seen_during = ModelCount("Account");
    phase = 2;
  });
  DbTransaction([&] {
    ModelCreate("Account", {{"owner", "x"}});
    phase = 1;
    while (phase.load() != 2) std::this_thread::yield();
    return Value();
  });
  reader.join();
  CHECK(seen_during.load() == 0);
  CHECK(ModelCount("Account") == 1);
}

TEST_CASE("db.close: later calls fail clearly, the App's own close after on_stop is harmless") {
  TempDir dir;
  DbServer server(dir.File("close.db"), {Account()});
  ModelCreate("Account", {{"owner", "x"}});
  DbMigrate();  // idempotent
  DbClose();
  CHECK_THROWS_WITH(ModelAll("Account"), "Account.all: no database is open (no `db` block, or db.close() was called)");
  DbClose();
  server.Stop();
}

TEST_CASE("a program that runs without starting the server (run-task) opens the database on first use") {
  TempDir dir;
  std::string path = dir.File("lazy.db");
  {
    lux::App app("task");
    lux::RegisterDb(app, {path});
    lux::RegisterModel(app, Account());
    CHECK(ModelCreate("Account", {{"owner", "from a task"}})["id"] == Value(1));  // created the table too
    CHECK(ModelCount("Account") == 1);
    DbClose();
    CHECK_THROWS_WITH(ModelCount("Account"), Catch::Contains("no database is open"));  // closed stays closed
  }
  DbServer server(path, {Account()});
  CHECK(ModelFind("Account", 1)["owner"] == Value("from a task"));
}

TEST_CASE("db.exec splits a script at semicolons outside quotes and comments") {
  using lux::db::SplitSqlStatements;
  using V = std::vector<std::string_view>;
  CHECK(SplitSqlStatements("CREATE TABLE a (x INT); INSERT INTO a VALUES (1);") == V{"CREATE TABLE a (x INT)", " INSERT INTO a VALUES (1)"});
  CHECK(SplitSqlStatements("INSERT INTO t VALUES ('a;b', 'it''s;'); SELECT \"c;d\" FROM [e;f]") ==
        V{"INSERT INTO t VALUES ('a;b', 'it''s;')", " SELECT \"c;d\" FROM [e;f]"});
  CHECK(SplitSqlStatements("SELECT 1 -- a; comment\n; /* x; y */ SELECT 2") == V{"SELECT 1 -- a; comment\n", " /* x; y */ SELECT 2"});
  CHECK(SplitSqlStatements(" ; ;\n -- only a comment;\n") == V{});
  CHECK(SplitSqlStatements("SELECT 'unterminated;") == V{"SELECT 'unterminated;"});
}

TEST_CASE("db.exec runs every statement of a script in one transaction") {
  TempDir dir;
  DbServer server(dir.File("exec.db"), {Account()});
  CHECK(DbExec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL); INSERT INTO t (v) VALUES ('a;1'); INSERT INTO t (v) VALUES ('b')") == 3);
  CHECK(DbQuery("SELECT v FROM t ORDER BY id", {}) == Value(lux::Array{Value{{"v", "a;1"}}, Value{{"v", "b"}}}));
  // The third statement fails: the first two are rolled back with it.
  CHECK_THROWS_WITH(DbExec("INSERT INTO t (v) VALUES ('c'); DELETE FROM t WHERE v = 'a;1'; INSERT INTO t (v) VALUES (NULL)"),
                    Catch::Contains("NOT NULL"));
  CHECK(DbQuery("SELECT COUNT(*) AS n FROM t", {})[0]["n"] == Value(2));
}
