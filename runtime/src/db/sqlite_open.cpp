// OpenSqliteFile and RetryWhileBusy (see sqlite_open.h): the open sequence every embedded SQLite
// store shares, and the bounded, jittered retry around it.
#include "db/sqlite_open.h"

#include <algorithm>
#include <chrono>
#include <random>
#include <thread>
#include <vector>

#include "core/log.h"
#include "db/session.h"
#include "lux/rt.h"

namespace lux::db {
namespace {

// Who is inside an attempt of RetryWhileBusy on this thread: the fiber (CurrentTxOwner), or
// nullptr for the thread itself. Fibers never migrate between threads; a fiber may suspend in
// an attempt (the busy handler sleeps), so nesting is told per fiber, not per thread.
thread_local std::vector<const void*> tl_retrying;

class AttemptMark {
 public:
  explicit AttemptMark(const void* owner) : owner_(owner) { tl_retrying.push_back(owner); }
  ~AttemptMark() { tl_retrying.erase(std::find(tl_retrying.begin(), tl_retrying.end(), owner_)); }
  AttemptMark(const AttemptMark&) = delete;

 private:
  const void* owner_;
};

bool IsBusy(int rc) { return (rc & 0xff) == SQLITE_BUSY; }

void SleepMs(std::int64_t ms) {
  if (rt::InFiber()) rt::Sleep(ms);
  else std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

// Runs one SQL text (pragmas, a script); throws BusyError or lux::Error "<what>: <message>".
void Exec(sqlite3* db, const char* sql, std::string_view what) {
  char* err = nullptr;
  int rc = sqlite3_exec(db, sql, nullptr, nullptr, &err);
  if (rc == SQLITE_OK) return;
  std::string msg = err ? err : sqlite3_errmsg(db);
  sqlite3_free(err);
  if (IsBusy(rc)) throw BusyError(std::string(what) + ": " + msg);
  throw Error(std::string(what) + ": " + msg);
}

// One attempt: a new handle taken through every step; closed again when a step fails.
sqlite3* OpenOnce(const std::string& path, const SqliteFileSetup& setup) {
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, setup.vfs);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    throw Error(std::string(setup.what) + ": cannot open " + path + ": " + msg);
  }
  try {
    sqlite3_extended_result_codes(db, 1);
    if (setup.configure) setup.configure(db);
    // WAL: readers never block the writer nor each other; one writer at a time (per file, across
    // processes). NORMAL: a commit is in the WAL (the OS has it) when it returns, so it survives
    // a process kill; FULL adds an fsync per commit for power loss.
    Exec(db, "PRAGMA journal_mode=WAL", setup.what);
    Exec(db, setup.sync_full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL", setup.what);
    if (setup.foreign_keys) Exec(db, "PRAGMA foreign_keys=ON", setup.what);
    if (setup.schema) {
      // Under the write lock, taken up front (the busy handler waits for it): two processes
      // creating the same tables see each other's work instead of racing on it.
      Exec(db, "BEGIN IMMEDIATE", setup.what);
      try {
        Exec(db, setup.schema, setup.what);
        Exec(db, "COMMIT", setup.what);
      } catch (...) {
        sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
      }
    }
  } catch (...) {
    sqlite3_close_v2(db);
    throw;
  }
  return db;
}

}  // namespace

void ThrowSqlite(sqlite3* db, int rc, std::string_view what) {
  std::string msg = std::string(what) + ": " + sqlite3_errmsg(db);
  if (IsBusy(rc)) throw BusyError(msg);
  throw Error(msg);
}

void RetryWhileBusy(const std::function<void()>& attempt) {
  const void* owner = CurrentTxOwner();
  if (std::find(tl_retrying.begin(), tl_retrying.end(), owner) != tl_retrying.end()) {
    attempt();
    return;
  }
  thread_local std::minstd_rand rng{std::random_device{}()};
  const auto start = std::chrono::steady_clock::now();
  std::int64_t sleep_ms = kOpenRetryMinSleepMs;
  for (int attempts = 1;; ++attempts) {
    try {
      AttemptMark mark(owner);
      attempt();
      if (attempts > 1) {
        auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
        core::Log(LogLevel::kDebug, "sqlite file was busy at open; opened on a later attempt",
                  {{"attempts", attempts}, {"waited_ms", static_cast<long long>(waited.count())}});
      }
      return;
    } catch (const BusyError& e) {
      auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
      if (waited >= kOpenBusyRetryMs)
        throw BusyError(std::string(e.what()) + " (another connection kept the file locked for " +
                        std::to_string(waited / 1000) + " s)");
      std::uniform_real_distribution<double> jitter(0.5, 1.5);
      SleepMs(std::max<std::int64_t>(1, static_cast<std::int64_t>(static_cast<double>(sleep_ms) * jitter(rng))));
      sleep_ms = std::min(sleep_ms * 2, kOpenRetryMaxSleepMs);
    }
  }
}

sqlite3* OpenSqliteFile(const std::string& path, const SqliteFileSetup& setup) {
  sqlite3* db = nullptr;
  RetryWhileBusy([&] { db = OpenOnce(path, setup); });
  return db;
}

}  // namespace lux::db
