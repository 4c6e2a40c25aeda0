// Connection: OpenSqliteFile with the runtime's pragmas, the busy handler that suspends only
// the calling fiber (a thread sleeps instead) while another connection holds the write lock,
// and the prepared-statement cache.
#include "db/connection.h"

#include <cctype>
#include <thread>

#include "db/sqlite_open.h"

#include "lux/error.h"
#include "lux/rt.h"

namespace lux::db {
namespace {

// A thread (job worker, on_start, main) waiting for the write lock sleeps between this and
// kMaxThreadBackoffUs, doubling: writes hold the lock for microseconds.
constexpr std::int64_t kMinThreadBackoffUs = 50;
constexpr std::int64_t kMaxThreadBackoffUs = 2000;

}  // namespace

std::unique_ptr<Connection> Connection::Open(const std::string& path, const OpenOptions& options) {
  std::unique_ptr<Connection> c(new Connection(nullptr));
  SqliteFileSetup setup;
  setup.what = "open";
  setup.sync_full = options.sync_full;
  setup.foreign_keys = true;
  setup.schema = options.schema;
  setup.vfs = options.vfs;
  setup.configure = [conn = c.get()](sqlite3* db) { sqlite3_busy_handler(db, &Connection::BusyHandler, conn); };
  c->db_ = OpenSqliteFile(path, setup);
  return c;
}

Connection::~Connection() {
  for (auto& [sql, s] : stmts_) sqlite3_finalize(s);
  sqlite3_close_v2(db_);
}

int Connection::BusyHandler(void* self, int count) {
  auto* c = static_cast<Connection*>(self);
  auto now = std::chrono::steady_clock::now();
  if (count == 0) c->busy_since_ = now;
  if (now - c->busy_since_ > std::chrono::milliseconds(kBusyTimeoutMs)) return 0;
  if (rt::InFiber()) {
    // Suspends this request only: the fiber holding the lock may be on this very thread.
    rt::Sleep(1);
  } else {
    std::int64_t us = kMinThreadBackoffUs << (count < 6 ? count : 6);
    std::this_thread::sleep_for(std::chrono::microseconds(us < kMaxThreadBackoffUs ? us : kMaxThreadBackoffUs));
  }
  return 1;
}

StmtUse Connection::Prepare(std::string_view sql, std::string_view what) {
  auto it = stmts_.find(sql);
  if (it != stmts_.end()) return StmtUse(it->second, &stmts_in_use_);
  std::string key(sql);
  if (stmts_.size() >= kMaxCachedStatements && stmts_in_use_ == 0) {
    for (auto& [text, s] : stmts_) sqlite3_finalize(s);
    stmts_.clear();
  }
  sqlite3_stmt* s = nullptr;
  const char* tail = nullptr;
  if (sqlite3_prepare_v3(db_, key.data(), static_cast<int>(key.size()), SQLITE_PREPARE_PERSISTENT, &s, &tail) !=
      SQLITE_OK)
    Fail(what);
  if (!s) throw Error(std::string(what) + ": empty SQL statement");
  for (const char* p = tail; p && p < key.data() + key.size(); ++p) {
    if (!std::isspace(static_cast<unsigned char>(*p)) && *p != ';') {
      sqlite3_finalize(s);
      throw Error(std::string(what) + ": only one SQL statement per call (found more after the first)");
    }
  }
  stmts_.emplace(std::move(key), s);
  return StmtUse(s, &stmts_in_use_);
}

void Connection::Exec(const char* sql, std::string_view what) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = std::string(what) + ": " + (err ? err : sqlite3_errmsg(db_));
    sqlite3_free(err);
    if ((rc & 0xff) == SQLITE_BUSY) throw BusyError(msg);
    throw Error(msg);
  }
}

void Connection::Fail(std::string_view what) const { ThrowSqlite(db_, sqlite3_extended_errcode(db_), what); }

bool Connection::Step(const StmtUse& s, std::string_view what) {
  int rc = sqlite3_step(s.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  Fail(what);
}

}  // namespace lux::db
