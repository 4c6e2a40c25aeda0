// Opening an embedded SQLite file (the program's db file, the job store, the event outbox) so
// that any number of processes can open the same file at the same instant. SQLite's busy handler
// covers most waits for a lock, but some steps of an open report SQLITE_BUSY at once without
// consulting it: `PRAGMA journal_mode=WAL` on a file still in rollback mode upgrades a read lock
// to a write lock, and two connections doing that together deadlock, so SQLite fails one of them
// immediately. The whole open → WAL → pragmas → schema sequence therefore starts over, after a
// short jittered sleep, while it fails with a busy error, for at most kOpenBusyRetryMs.
// Entry points: OpenSqliteFile, RetryWhileBusy, BusyError, ThrowSqlite.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "lux/error.h"

namespace lux::db {

// How long an open keeps starting over while the file is busy. The holders it waits for at
// start are other processes opening, migrating, recovering or checkpointing the same file:
// milliseconds normally, seconds for a large WAL. The bound is the busy handler's own
// (kBusyTimeoutMs): a start gives up no sooner than one statement would, and a file that stays
// locked that long (a shell holding BEGIN EXCLUSIVE, an NFS lock that never clears) is an
// operator's problem that one clear line reports.
inline constexpr std::int64_t kOpenBusyRetryMs = 10'000;
// The sleep between two attempts starts here and doubles up to kOpenRetryMaxSleepMs, each
// jittered by [0.5, 1.5) so that processes that lost together do not retry together.
inline constexpr std::int64_t kOpenRetryMinSleepMs = 1;
inline constexpr std::int64_t kOpenRetryMaxSleepMs = 64;

// A statement failed because another connection held a lock (SQLITE_BUSY and its extended
// codes): after the busy handler gave up, or at once where SQLite does not consult it.
class BusyError : public Error {
 public:
  using Error::Error;
};

// Throws BusyError for a busy `rc`, else lux::Error, as "<what>: <sqlite message>".
[[noreturn]] void ThrowSqlite(sqlite3* db, int rc, std::string_view what);

// Runs `attempt`; while it throws BusyError, sleeps (a fiber suspends, a thread sleeps) and runs
// it again, until kOpenBusyRetryMs have passed since the first attempt; then the last BusyError
// propagates, its message saying how long the file stayed busy. Other exceptions propagate at
// once. Nested inside another RetryWhileBusy on the same thread, it runs `attempt` once: the
// outermost one starts the whole sequence over.
void RetryWhileBusy(const std::function<void()>& attempt);

struct SqliteFileSetup {
  std::string_view what;                     // prefix of error messages ("open", "job store", ...)
  bool sync_full = false;                    // synchronous=FULL instead of NORMAL
  bool foreign_keys = false;                 // PRAGMA foreign_keys=ON
  std::function<void(sqlite3*)> configure;   // on each new handle first: the busy handler
  const char* schema = nullptr;              // a script run in one BEGIN IMMEDIATE .. COMMIT
  const char* vfs = nullptr;                 // a registered VFS by name (nullptr: the default)
};

// Opens `path` (created if missing) and runs, as one retried sequence: configure, WAL,
// synchronous, foreign keys, the schema. Returns the handle (close it with sqlite3_close_v2).
// Throws lux::Error "<what>: cannot open database <path>: ..." when the file cannot be opened,
// BusyError after kOpenBusyRetryMs of a busy file, lux::Error "<what>: ..." for other failures.
sqlite3* OpenSqliteFile(const std::string& path, const SqliteFileSetup& setup);

}  // namespace lux::db
