// One SQLite connection: opened with the runtime's pragmas (WAL, synchronous, foreign keys) and
// a fiber-aware busy handler (through OpenSqliteFile, sqlite_open.h: an open that finds the file
// busy starts over), plus a cache of prepared statements keyed by SQL text. A
// connection is used by one fiber or thread at a time (the Pool hands it out); it is never
// shared concurrently, so it is opened with SQLITE_OPEN_NOMUTEX. Entry points: Connection::Open,
// Prepare (-> StmtUse, which resets the statement when it goes out of scope), Exec, Fail.
#pragma once

#include <sqlite3.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

namespace lux::db {

// How long a statement keeps retrying while another connection (thread, fiber or process)
// holds the write lock before "database is locked" surfaces: writes hold it for microseconds,
// so reaching this means a transaction is stuck (or held across a long wait).
inline constexpr std::int64_t kBusyTimeoutMs = 10'000;
// Prepared statements kept per connection; past this the cache is emptied (generated code
// uses a bounded set of SQL texts; raw db.run/db.query texts could be unbounded).
inline constexpr std::size_t kMaxCachedStatements = 256;

struct OpenOptions {
  bool sync_full = false;          // synchronous=FULL (fsync per commit) instead of NORMAL
  const char* schema = nullptr;    // a script run at open in one BEGIN IMMEDIATE (CREATE ... IF NOT EXISTS)
  const char* vfs = nullptr;       // a registered SQLite VFS by name (nullptr: the default)
};

// A prepared statement in use: bound, stepped, and reset + unbound when destroyed, so no
// statement keeps a read transaction open after the call that used it.
class StmtUse {
 public:
  StmtUse(sqlite3_stmt* s, int* in_use) : s_(s), in_use_(in_use) { ++*in_use_; }
  StmtUse(const StmtUse&) = delete;
  StmtUse& operator=(const StmtUse&) = delete;
  StmtUse(StmtUse&& o) noexcept : s_(o.s_), in_use_(o.in_use_) { o.s_ = nullptr; }
  ~StmtUse() {
    if (s_) {
      sqlite3_reset(s_);
      sqlite3_clear_bindings(s_);
      --*in_use_;
    }
  }
  sqlite3_stmt* get() const { return s_; }

 private:
  sqlite3_stmt* s_;
  int* in_use_;  // the connection's count of statements in use: the cache is not emptied under them
};

class Connection {
 public:
  // Throws lux::Error with SQLite's message (BusyError when the file stayed busy).
  static std::unique_ptr<Connection> Open(const std::string& path, const OpenOptions& options);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  sqlite3* get() const { return db_; }
  // Cached prepare of exactly one statement (text after it, other than whitespace or `;`, is an
  // error: a second statement smuggled into db.run never runs); throws lux::Error
  // "<what>: <sqlite message>".
  StmtUse Prepare(std::string_view sql, std::string_view what);
  // Runs SQL without parameters (pragmas, BEGIN/COMMIT, DDL); throws lux::Error.
  void Exec(const char* sql, std::string_view what);
  // Throws lux::Error "<what>: <sqlite message>" for the connection's last error (BusyError,
  // sqlite_open.h, when another connection held the lock).
  [[noreturn]] void Fail(std::string_view what) const;
  // Steps once: true for a row, false when done; throws via Fail otherwise.
  bool Step(const StmtUse& s, std::string_view what);

 private:
  explicit Connection(sqlite3* db) : db_(db) {}
  static int BusyHandler(void* self, int count);

  sqlite3* db_;
  // Looked up by the caller's text as it is (no std::string made per Prepare).
  struct SqlHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, sqlite3_stmt*, SqlHash, std::equal_to<>> stmts_;
  int stmts_in_use_ = 0;
  std::chrono::steady_clock::time_point busy_since_{};
};

}  // namespace lux::db
