// Schema at start: tables created with the declared types, ADD COLUMN for fields a model
// gained (defaults fill existing rows), one-line refusals for changes that cannot be made in
// place, data surviving a restart, table names, LUX_DB_PATH.
#include <catch2/catch.hpp>

#include "db/model.h"
#include "db_test_util.h"

using lux::ColumnType;
using lux::Value;
using namespace lux::rt;
using luxtest::DbServer;
using luxtest::StartFailure;
using luxtest::TempDir;

namespace {

lux::ModelSpec Note(std::vector<lux::ColumnSpec> extra = {}) {
  lux::ModelSpec spec{"Note", "", {{"title", ColumnType::kString, false, {}}, {"pinned", ColumnType::kBool, false, false}}};
  for (auto& c : extra) spec.columns.push_back(c);
  return spec;
}

std::string Schema(const std::string& table) {
  Value rows = DbQuery("SELECT sql FROM sqlite_master WHERE name = ?", {table});
  return rows.size() ? rows[0]["sql"].AsString() : "";
}

}  // namespace

TEST_CASE("a missing table is created with id INTEGER PRIMARY KEY AUTOINCREMENT and the declared types") {
  TempDir dir;
  DbServer server(dir.File("schema.db"), {luxtest::UserSpec(), {"MetricRecord", "", {{"v", ColumnType::kFloat, false, {}}}}});
  CHECK(Schema("users") ==
        "CREATE TABLE \"users\" (\"id\" INTEGER PRIMARY KEY AUTOINCREMENT, \"name\" TEXT NOT NULL, \"email\" TEXT, \"age\" INTEGER NOT NULL, "
        "\"score\" REAL, \"active\" BOOLEAN NOT NULL DEFAULT 1, \"tags\" JSON_TEXT)");
  CHECK(Schema("metric_records") == "CREATE TABLE \"metric_records\" (\"id\" INTEGER PRIMARY KEY AUTOINCREMENT, \"v\" REAL NOT NULL)");
  CHECK(DbQuery("PRAGMA journal_mode", {})[0]["journal_mode"] == Value("wal"));
  CHECK(DbQuery("PRAGMA foreign_keys", {})[0]["foreign_keys"] == Value(1));
}

TEST_CASE("data survives a restart, and a model that gained fields gets ADD COLUMN") {
  TempDir dir;
  std::string path = dir.File("grow.db");
  {
    DbServer server(path, {Note()});
    ModelCreate("Note", {{"title", "first"}});
    ModelCreate("Note", {{"title", "second"}, {"pinned", true}});
  }
  {
    DbServer server(path, {Note({{"body", ColumnType::kString, true, {}},
                                 {"views", ColumnType::kInt, false, 0},
                                 {"labels", ColumnType::kJson, false, lux::Array{}}})});
    Value first = ModelFind("Note", 1);
    CHECK(first["title"] == Value("first"));
    CHECK(first["pinned"] == Value(false));
    CHECK(first["body"].IsNull());
    CHECK(first["views"] == Value(0));
    CHECK(first["labels"] == Value(lux::Array{}));
    CHECK(ModelFind("Note", 2)["pinned"] == Value(true));
    Value third = ModelCreate("Note", {{"title", "third"}, {"views", 3}, {"labels", lux::Array{"x"}}});
    CHECK(third["id"] == Value(3));
    CHECK(ModelFind("Note", 3) == third);
  }
  {
    // Starting again with the same model changes nothing; a field dropped from the model stays
    // in the table (nullable or with a default) and is simply not read.
    DbServer server(path, {Note()});
    CHECK(ModelCount("Note") == 3);
    CHECK(ModelFind("Note", 3).AsObject().size() == 3);
    ModelCreate("Note", {{"title", "fourth"}});
  }
}

TEST_CASE("a non-optional field without default may be added to an empty table") {
  TempDir dir;
  std::string path = dir.File("empty.db");
  { DbServer server(path, {Note()}); }
  DbServer server(path, {Note({{"owner", ColumnType::kString, false, {}}})});
  CHECK(ModelCreate("Note", {{"title", "t"}, {"owner", "me"}})["owner"] == Value("me"));
  CHECK_THROWS_WITH(ModelCreate("Note", {{"title", "t"}}), Catch::Contains("field `owner` of Note is not optional"));
}

TEST_CASE("incompatible changes stop start-up with one clear line") {
  TempDir dir;
  std::string path = dir.File("refuse.db");
  {
    DbServer server(path, {Note({{"count", ColumnType::kInt, false, 0}, {"memo", ColumnType::kString, false, ""}})});
    ModelCreate("Note", {{"title", "x"}});
  }
  auto fails = [&](lux::ModelSpec spec) { return StartFailure(path, {spec}); };
  std::string prefix = "db " + path + ": model Note (table notes): ";

  CHECK(fails(Note({{"count", ColumnType::kString, false, {}}, {"memo", ColumnType::kString, false, ""}})) ==
        prefix + "field `count` (String) but column `count` holds Int (INTEGER): a column's type cannot change in place; "
                 "add a new field, or convert the table with SQL");
  CHECK(fails(Note({{"count", ColumnType::kBool, false, {}}, {"memo", ColumnType::kString, false, ""}})).find(
            "field `count` (Bool) but column `count` holds Int (INTEGER)") != std::string::npos);
  CHECK(fails(Note({{"count", ColumnType::kInt, false, 0}, {"memo", ColumnType::kJson, false, {}}})).find(
            "field `memo` (Json) but column `memo` holds String (TEXT)") != std::string::npos);
  CHECK(fails(Note({{"count", ColumnType::kInt, true, {}}, {"memo", ColumnType::kString, false, ""}})) ==
        prefix + "field `count` (Int, optional) but column `count` is NOT NULL: make the field non-optional, or rebuild the table with SQL");
  CHECK(fails(Note({{"count", ColumnType::kInt, false, 0}, {"memo", ColumnType::kString, false, ""}, {"due", ColumnType::kInt, false, {}}})) ==
        prefix + "new field `due` (Int) is not optional and has no default, but the table has rows: make it Option<Int> or give it a default");
  CHECK(fails({"Note", "", {{"title", ColumnType::kString, false, {}}, {"count", ColumnType::kInt, false, 0}}}).find(
            "column `pinned` is NOT NULL") == std::string::npos);  // has a default: may be dropped
  CHECK(fails({"Note", "", {{"pinned", ColumnType::kBool, false, false}, {"count", ColumnType::kInt, false, 0},
                            {"memo", ColumnType::kString, false, ""}}}) ==
        prefix + "column `title` is NOT NULL without a default but the model has no such field, so creating a record would "
                 "fail: add the field back (optional), or drop the column with SQL");
  for (const std::string& msg : {fails(Note({{"count", ColumnType::kFloat, false, {}}}))}) CHECK(msg.find('\n') == std::string::npos);

  // Nothing was changed by the refused starts.
  DbServer server(path, {Note({{"count", ColumnType::kInt, false, 0}, {"memo", ColumnType::kString, false, ""}})});
  CHECK(ModelCount("Note") == 1);
  CHECK(DbQuery("SELECT count(*) AS n FROM pragma_table_info('notes')", {})[0]["n"] == Value(5));
}

TEST_CASE("a nullable column with NULLs cannot become a non-optional field") {
  TempDir dir;
  std::string path = dir.File("nulls.db");
  {
    DbServer server(path, {Note({{"owner", ColumnType::kString, true, {}}})});
    ModelCreate("Note", {{"title", "x"}});
  }
  CHECK(StartFailure(path, {Note({{"owner", ColumnType::kString, false, {}}})}).find(
            "field `owner` (String) is not optional but column `owner` has rows without a value: make it Option<String>, or fill "
            "them with db.run") != std::string::npos);
}

TEST_CASE("a table made by hand with other type names is accepted by affinity") {
  TempDir dir;
  std::string path = dir.File("hand.db");
  {
    DbServer server(path, {});
    DbRun("CREATE TABLE people (id INTEGER PRIMARY KEY, name VARCHAR(80) NOT NULL, age BIGINT, rating DOUBLE, ok BOOL)", {});
    DbRun("INSERT INTO people (name, age, rating, ok) VALUES ('ann', 40, 4.5, 1)", {});
  }
  DbServer server(path, {{"Person", "people", {{"name", ColumnType::kString, false, {}}, {"age", ColumnType::kInt, true, {}},
                                               {"rating", ColumnType::kFloat, true, {}}, {"ok", ColumnType::kBool, true, {}}}}});
  Value ann = ModelFind("Person", 1);
  CHECK(ann["name"] == Value("ann"));
  CHECK(ann["ok"] == Value(true));
  CHECK(ann["rating"] == Value(4.5));
  CHECK(StartFailure(dir.File("other.db"), {}) == "");
}

TEST_CASE("the id of a deleted record is never handed out again") {
  TempDir dir;
  std::string path = dir.File("ids.db");
  {
    DbServer server(path, {Note()});
    ModelCreate("Note", {{"title", "a"}});
    Value b = ModelCreate("Note", {{"title", "b"}});
    CHECK(ModelDelete("Note", b["id"].AsInt()));
    CHECK(ModelCreate("Note", {{"title", "c"}})["id"] == Value(3));
    CHECK(ModelDelete("Note", 3));
  }
  // Nor after a restart (the highest id handed out is kept in sqlite_sequence).
  DbServer server(path, {Note()});
  CHECK(ModelCreate("Note", {{"title", "d"}})["id"] == Value(4));
}

TEST_CASE("a table created before AUTOINCREMENT is rebuilt with its rows, ids and indexes") {
  TempDir dir;
  std::string path = dir.File("old.db");
  {
    DbServer server(path, {});
    // Exactly what earlier versions created, plus a column they added later and an index.
    DbRun("CREATE TABLE \"notes\" (\"id\" INTEGER PRIMARY KEY, \"title\" TEXT NOT NULL, \"pinned\" BOOLEAN NOT NULL DEFAULT 0)", {});
    DbRun("ALTER TABLE \"notes\" ADD COLUMN \"views\" INTEGER NOT NULL DEFAULT 0", {});
    DbRun("CREATE INDEX notes_title ON notes (title)", {});
    for (const char* t : {"a", "b", "c", "d"}) DbRun("INSERT INTO notes (title, views) VALUES (?, 7)", {t});
    DbRun("DELETE FROM notes WHERE id IN (2, 4)", {});
  }
  {
    DbServer server(path, {Note({{"views", ColumnType::kInt, false, 0}})});
    CHECK(Schema("notes") ==
          "CREATE TABLE \"notes\" (\"id\" INTEGER PRIMARY KEY AUTOINCREMENT, \"title\" TEXT NOT NULL, \"pinned\" BOOLEAN NOT NULL "
          "DEFAULT 0, \"views\" INTEGER NOT NULL DEFAULT 0)");
    CHECK(Schema("notes_title") == "CREATE INDEX notes_title ON notes (title)");
    CHECK(Schema("lux_rebuild_notes") == "");
    CHECK(ModelCount("Note") == 2);
    CHECK(ModelFind("Note", 3)["title"] == Value("c"));
    CHECK(ModelFind("Note", 3)["views"] == Value(7));
    // Id 4 was deleted before the rebuild, above every remaining row: the one id that can be
    // handed out again. After the rebuild no deleted id comes back.
    CHECK(ModelCreate("Note", {{"title", "e"}})["id"] == Value(4));
    CHECK(ModelDelete("Note", 4));
    CHECK(ModelCreate("Note", {{"title", "f"}})["id"] == Value(5));
  }
  // The next start finds AUTOINCREMENT and leaves the table alone.
  DbServer server(path, {Note({{"views", ColumnType::kInt, false, 0}})});
  CHECK(ModelCount("Note") == 3);
  CHECK(ModelCreate("Note", {{"title", "g"}})["id"] == Value(6));
}

TEST_CASE("an old table another table's foreign key points at is left as it is") {
  TempDir dir;
  std::string path = dir.File("fk.db");
  {
    DbServer server(path, {});
    DbRun("CREATE TABLE \"notes\" (\"id\" INTEGER PRIMARY KEY, \"title\" TEXT NOT NULL, \"pinned\" BOOLEAN NOT NULL DEFAULT 0)", {});
    DbRun("CREATE TABLE tags (id INTEGER PRIMARY KEY, note_id INTEGER REFERENCES notes (id) ON DELETE CASCADE)", {});
    DbRun("INSERT INTO notes (title) VALUES ('a')", {});
    DbRun("INSERT INTO tags (note_id) VALUES (1)", {});
  }
  // A rebuild would drop the table, and the DROP would cascade to tags: the start warns instead.
  DbServer server(path, {Note()});
  CHECK(Schema("notes").find("AUTOINCREMENT") == std::string::npos);
  CHECK(DbQuery("SELECT count(*) AS n FROM tags", {})[0]["n"] == Value(1));
  CHECK(ModelFind("Note", 1)["title"] == Value("a"));
}

TEST_CASE("table names: snake_case plural of the model name") {
  for (auto [model, table] : std::vector<std::pair<std::string, std::string>>{
           {"User", "users"}, {"MetricRecord", "metric_records"}, {"Category", "categories"}, {"Day", "days"},
           {"Address", "addresses"}, {"Box", "boxes"}, {"Match", "matches"}, {"HTTPLog", "httplogs"}})
    CHECK(lux::db::DefaultTableName(model) == table);
}

TEST_CASE("LUX_DB_PATH overrides the db block's path, :memory: works") {
  TempDir dir;
  std::string env_path = dir.File("from_env.db");
  ::setenv("LUX_DB_PATH", env_path.c_str(), 1);
  {
    DbServer server(dir.File("ignored.db"), {Note()});
    ModelCreate("Note", {{"title", "x"}});
  }
  ::unsetenv("LUX_DB_PATH");
  CHECK(std::filesystem::exists(env_path));
  CHECK_FALSE(std::filesystem::exists(dir.File("ignored.db")));
  DbServer memory(":memory:", {Note()});
  ModelCreate("Note", {{"title", "m"}});
  CHECK(ModelCount("Note") == 1);
}
