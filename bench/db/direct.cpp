// The SQLite work of lux_db_server's POST /items and GET /items/:id done directly with the C API,
// as a careful hand-written program would: one connection, WAL + synchronous=NORMAL, prepared
// statements, each insert in BEGIN IMMEDIATE .. COMMIT (what the runtime does per write).
//   direct DB_PATH SECONDS  ->  "create <ops/s>\nfind <ops/s>"
#include <sqlite3.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

namespace {
void Check(int rc, sqlite3* db, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
    std::fprintf(stderr, "%s: %s\n", what, sqlite3_errmsg(db));
    std::exit(1);
  }
}
sqlite3_stmt* Prep(sqlite3* db, const char* sql) {
  sqlite3_stmt* s = nullptr;
  Check(sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr), db, sql);
  return s;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) return 2;
  double seconds = std::atof(argv[2]);
  sqlite3* db = nullptr;
  Check(sqlite3_open(argv[1], &db), db, "open");
  Check(sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                         "CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, qty INTEGER NOT NULL,"
                         " price REAL, done BOOLEAN NOT NULL DEFAULT 0, tags JSON_TEXT)", nullptr, nullptr, nullptr), db, "schema");
  sqlite3_stmt* begin = Prep(db, "BEGIN IMMEDIATE");
  sqlite3_stmt* commit = Prep(db, "COMMIT");
  sqlite3_stmt* insert = Prep(db, "INSERT INTO items (name, qty, price, done, tags) VALUES (?, ?, ?, ?, ?)");
  sqlite3_stmt* find = Prep(db, "SELECT id, name, qty, price, done, tags FROM items WHERE id = ?");
  using Clock = std::chrono::steady_clock;
  auto run = [&](auto&& op) {
    long n = 0;
    auto end = Clock::now() + std::chrono::duration<double>(seconds);
    auto start = Clock::now();
    while (Clock::now() < end) {
      for (int i = 0; i < 64; ++i, ++n) op(n);
    }
    return n / std::chrono::duration<double>(Clock::now() - start).count();
  };
  double create = run([&](long n) {
    Check(sqlite3_step(begin), db, "begin");
    sqlite3_reset(begin);
    std::string name = "item " + std::to_string(n);
    sqlite3_bind_text(insert, 1, name.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(insert, 2, n);
    sqlite3_bind_double(insert, 3, 2.5);
    sqlite3_bind_int(insert, 4, 0);
    sqlite3_bind_text(insert, 5, "[\"a\",\"b\"]", -1, SQLITE_TRANSIENT);
    Check(sqlite3_step(insert), db, "insert");
    sqlite3_reset(insert);
    Check(sqlite3_step(commit), db, "commit");
    sqlite3_reset(commit);
  });
  sqlite3_int64 rows = sqlite3_last_insert_rowid(db);
  std::mt19937_64 rng(1);
  long checksum = 0;
  double found = run([&](long) {
    sqlite3_bind_int64(find, 1, static_cast<sqlite3_int64>(rng() % rows) + 1);
    if (sqlite3_step(find) == SQLITE_ROW) {
      // Read every column, as the runtime does to build the record.
      checksum += sqlite3_column_int64(find, 0) + sqlite3_column_bytes(find, 1) + sqlite3_column_int64(find, 2);
      checksum += static_cast<long>(sqlite3_column_double(find, 3)) + sqlite3_column_int(find, 4) + sqlite3_column_bytes(find, 5);
    }
    sqlite3_reset(find);
  });
  std::printf("create %.0f\nfind %.0f\n", create, found);
  std::fprintf(stderr, "checksum %ld\n", checksum);
  for (sqlite3_stmt* s : {begin, commit, insert, find}) sqlite3_finalize(s);
  sqlite3_close(db);
}
