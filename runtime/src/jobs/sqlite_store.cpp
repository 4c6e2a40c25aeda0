// The SQLite JobStore: one connection in WAL mode guarded by a mutex (opened, with its schema,
// through db::OpenSqliteFile), every statement prepared once and parameterised.
// synchronous=NORMAL (a commit survives a process kill; LUX_JOBS_SYNC=full adds an fsync per
// commit for power loss). Completed jobs are deleted and counted in `meta`.
// Enqueue group-commits concurrent callers. Tables: jobs, dead_letter, failures (the last
// kKeptFailures), schedules, meta.
#include <sqlite3.h>

#include <condition_variable>
#include <exception>
#include <filesystem>
#include <mutex>

#include "db/sqlite_open.h"
#include "jobs/store.h"
#include "lux/error.h"

namespace lux::jobs {
namespace {

// How long a statement waits for another process holding the write lock (the `jobs retry`
// command, a second server on the same file) before failing.
constexpr int kBusyTimeoutMs = 5000;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS jobs (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  args TEXT NOT NULL,
  state TEXT NOT NULL,
  priority INTEGER NOT NULL,
  attempts INTEGER NOT NULL,
  max_attempts INTEGER NOT NULL,
  run_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  last_error TEXT NOT NULL DEFAULT '',
  request_id TEXT NOT NULL DEFAULT '',
  traceparent TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS jobs_claim ON jobs(state, priority DESC, run_at, seq);
CREATE INDEX IF NOT EXISTS jobs_due ON jobs(state, run_at);
CREATE TABLE IF NOT EXISTS dead_letter (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  args TEXT NOT NULL,
  priority INTEGER NOT NULL,
  attempts INTEGER NOT NULL,
  max_attempts INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  last_error TEXT NOT NULL,
  request_id TEXT NOT NULL,
  failed_at INTEGER NOT NULL,
  traceparent TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS failures (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  error TEXT NOT NULL,
  at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS schedules (name TEXT PRIMARY KEY, last_fire INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO meta(key, value) VALUES ('completed', 0);
CREATE TEMP TABLE IF NOT EXISTS runnable (name TEXT PRIMARY KEY);
)sql";

constexpr const char* kJobColumns =
    "id, name, args, state, priority, attempts, max_attempts, run_at, created_at, last_error, request_id, traceparent";

class Stmt {
 public:
  Stmt() = default;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt() { Finalize(); }
  void Finalize() {
    sqlite3_finalize(s_);
    s_ = nullptr;
  }
  void Prepare(sqlite3* db, const std::string& sql) {
    if (sqlite3_prepare_v3(db, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &s_, nullptr) != SQLITE_OK)
      throw Error(std::string("job store: cannot prepare statement: ") + sqlite3_errmsg(db));
  }
  sqlite3_stmt* get() { return s_; }

 private:
  sqlite3_stmt* s_ = nullptr;
};

// Binds in order, steps, and resets on scope exit.
class Run {
 public:
  Run(sqlite3* db, Stmt& st) : db_(db), s_(st.get()) {}
  ~Run() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  Run& Bind(const std::string& v) {
    Check(sqlite3_bind_text(s_, ++n_, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
    return *this;
  }
  Run& Bind(std::int64_t v) {
    Check(sqlite3_bind_int64(s_, ++n_, v));
    return *this;
  }
  Run& Bind(int v) { return Bind(static_cast<std::int64_t>(v)); }
  // True while there is a row.
  bool Step() {
    int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw Error(std::string("job store: ") + sqlite3_errmsg(db_));
  }
  void Exec() {
    while (Step()) {
    }
  }
  std::int64_t Int(int col) { return sqlite3_column_int64(s_, col); }
  std::string Text(int col) {
    const unsigned char* t = sqlite3_column_text(s_, col);
    return t ? std::string(reinterpret_cast<const char*>(t), static_cast<std::size_t>(sqlite3_column_bytes(s_, col)))
             : std::string();
  }
  bool Null(int col) { return sqlite3_column_type(s_, col) == SQLITE_NULL; }
  StoredJob Job() {
    StoredJob j;
    j.id = Text(0);
    j.name = Text(1);
    j.args_json = Text(2);
    j.state = Text(3);
    j.priority = static_cast<int>(Int(4));
    j.attempts = static_cast<int>(Int(5));
    j.max_attempts = static_cast<int>(Int(6));
    j.run_at_ms = Int(7);
    j.created_at_ms = Int(8);
    j.last_error = Text(9);
    j.request_id = Text(10);
    j.traceparent = Text(11);
    return j;
  }

 private:
  void Check(int rc) {
    if (rc != SQLITE_OK) throw Error(std::string("job store: bind: ") + sqlite3_errmsg(db_));
  }
  sqlite3* db_;
  sqlite3_stmt* s_;
  int n_ = 0;
};

class SqliteStore final : public JobStore {
 public:
  SqliteStore(const std::string& path, SyncMode sync) {
    if (path != ":memory:") {
      std::filesystem::path p(path);
      std::error_code ec;
      if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path(), ec);
      if (ec) throw Error("job store: cannot create directory " + p.parent_path().string() + ": " + ec.message());
    }
    // Open, WAL, synchronous and the schema as one sequence that starts over while another
    // process opening the same file holds it (db/sqlite_open.h).
    db::SqliteFileSetup setup;
    setup.what = "job store";
    setup.sync_full = sync == SyncMode::kFull;
    setup.configure = [](sqlite3* db) { sqlite3_busy_timeout(db, kBusyTimeoutMs); };
    setup.schema = kSchema;
    db_ = db::OpenSqliteFile(path, setup);
    try {
      AddTraceparentColumns();
      Prepare();
    } catch (...) {
      Finalize();
      throw;
    }
  }
  ~SqliteStore() override { Finalize(); }

  // Group commit: callers that arrive while a commit is in progress join the next batch, and
  // one of them (the leader) commits the whole batch in one transaction; every caller returns
  // only after the transaction holding its job committed. One thread alone pays one commit per
  // job; many threads spawning at once share commits.
  void Enqueue(const StoredJob& j) override {
    std::unique_lock<std::mutex> g(batch_mu_);
    if (!open_batch_) open_batch_ = std::make_shared<Batch>();
    std::shared_ptr<Batch> mine = open_batch_;
    std::size_t index = mine->jobs.size();
    mine->jobs.push_back(&j);
    mine->errors.emplace_back();
    while (!mine->done) {
      if (leader_) {
        batch_cv_.wait(g);
        continue;
      }
      // No commit in progress: ours is the open batch; commit it.
      leader_ = true;
      std::shared_ptr<Batch> cur = std::move(open_batch_);
      open_batch_.reset();
      g.unlock();
      CommitBatch(*cur);
      g.lock();
      cur->done = true;
      leader_ = false;
      batch_cv_.notify_all();
    }
    if (mine->errors[index]) std::rethrow_exception(mine->errors[index]);
  }

  std::vector<StoredJob> ClaimDue(std::int64_t now_ms, int limit, const std::vector<std::string>& completed) override {
    std::vector<StoredJob> out;
    if (limit <= 0 && completed.empty()) return out;
    std::lock_guard<std::mutex> lock(mu_);
    Txn txn(*this);
    for (const std::string& id : completed) {
      Run(db_, delete_job_).Bind(id).Exec();
      if (sqlite3_changes(db_) > 0) Run(db_, count_completed_).Exec();
    }
    if (limit > 0) {
      Run r(db_, runnable_set_ ? select_due_runnable_ : select_due_);
      r.Bind(now_ms).Bind(limit);
      while (r.Step()) out.push_back(r.Job());
    }
    for (StoredJob& j : out) {
      Run(db_, mark_running_).Bind(j.id).Exec();
      j.state = "running";
      ++j.attempts;
    }
    txn.Commit();
    return out;
  }

  std::optional<std::int64_t> NextRunAt() override {
    std::lock_guard<std::mutex> lock(mu_);
    Run r(db_, runnable_set_ ? next_due_runnable_ : next_due_);
    if (r.Step() && !r.Null(0)) return r.Int(0);
    return std::nullopt;
  }

  void Release(const std::string& id) override {
    std::lock_guard<std::mutex> lock(mu_);
    Run(db_, release_).Bind(id).Exec();
  }

  void Complete(const std::string& id) override {
    std::lock_guard<std::mutex> lock(mu_);
    Txn txn(*this);
    Run(db_, delete_job_).Bind(id).Exec();
    if (sqlite3_changes(db_) > 0) Run(db_, count_completed_).Exec();
    txn.Commit();
  }

  void Fail(const std::string& id, const std::string& error, std::int64_t now_ms,
            std::optional<std::int64_t> retry_at_ms) override {
    std::lock_guard<std::mutex> lock(mu_);
    Txn txn(*this);
    Run(db_, log_failure_).Bind(error).Bind(now_ms).Bind(id).Exec();
    if (retry_at_ms) {
      Run(db_, retry_later_).Bind(*retry_at_ms).Bind(error).Bind(id).Exec();
    } else {
      Run(db_, to_dead_).Bind(error).Bind(now_ms).Bind(id).Exec();
      Run(db_, delete_job_).Bind(id).Exec();
    }
    Run(db_, trim_failures_).Bind(kKeptFailures).Exec();
    txn.Commit();
  }

  int RecoverRunning(const std::string& note) override {
    std::lock_guard<std::mutex> lock(mu_);
    Run(db_, recover_).Bind(note).Exec();
    return sqlite3_changes(db_);
  }

  JobCounts Counts(std::int64_t now_ms) override {
    std::lock_guard<std::mutex> lock(mu_);
    JobCounts c;
    {
      Run r(db_, counts_);
      r.Bind(now_ms).Bind(now_ms);
      if (r.Step()) {
        c.pending = r.Int(0);
        c.scheduled = r.Int(1);
        c.running = r.Int(2);
      }
    }
    {
      Run r(db_, count_dead_);
      if (r.Step()) c.dead = r.Int(0);
    }
    {
      Run r(db_, completed_);
      if (r.Step()) c.completed = r.Int(0);
    }
    return c;
  }

  std::vector<FailureRecord> RecentFailures(int limit) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<FailureRecord> out;
    Run r(db_, recent_failures_);
    r.Bind(limit);
    while (r.Step()) out.push_back({r.Text(0), r.Text(1), static_cast<int>(r.Int(2)), r.Text(3), r.Int(4)});
    return out;
  }

  bool Retry(const std::string& id, std::int64_t now_ms) override {
    std::lock_guard<std::mutex> lock(mu_);
    Txn txn(*this);
    Run(db_, revive_).Bind(now_ms).Bind(id).Exec();
    bool found = sqlite3_changes(db_) > 0;
    if (found) {
      Run(db_, delete_dead_).Bind(id).Exec();
    } else {
      Run(db_, retry_now_).Bind(now_ms).Bind(id).Exec();
      found = sqlite3_changes(db_) > 0;
    }
    txn.Commit();
    return found;
  }

  std::optional<StoredJob> Find(const std::string& id) override {
    std::lock_guard<std::mutex> lock(mu_);
    {
      Run r(db_, find_);
      r.Bind(id);
      if (r.Step()) return r.Job();
    }
    Run r(db_, find_dead_);
    r.Bind(id);
    if (r.Step()) return r.Job();
    return std::nullopt;
  }

  void SetRunnableNames(const std::vector<std::string>& names) override {
    std::lock_guard<std::mutex> lock(mu_);
    Txn txn(*this);
    ExecScript("DELETE FROM temp.runnable;");
    for (const std::string& n : names) Run(db_, add_runnable_).Bind(n).Exec();
    txn.Commit();
    runnable_set_ = true;
  }

  std::vector<std::pair<std::string, std::int64_t>> UnrunnableNames() override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::pair<std::string, std::int64_t>> out;
    if (!runnable_set_) return out;
    Run r(db_, unrunnable_);
    while (r.Step()) out.emplace_back(r.Text(0), r.Int(1));
    return out;
  }

  std::optional<std::int64_t> LastFire(const std::string& schedule) override {
    std::lock_guard<std::mutex> lock(mu_);
    Run r(db_, last_fire_);
    r.Bind(schedule);
    if (r.Step()) return r.Int(0);
    return std::nullopt;
  }

  void SetLastFire(const std::string& schedule, std::int64_t at_ms) override {
    std::lock_guard<std::mutex> lock(mu_);
    Run(db_, set_last_fire_).Bind(schedule).Bind(at_ms).Exec();
  }

 private:
  // BEGIN IMMEDIATE ... COMMIT, rolled back if Commit() is not reached.
  class Txn {
   public:
    explicit Txn(SqliteStore& s) : s_(s) { Run(s_.db_, s_.begin_).Exec(); }
    ~Txn() {
      if (!done_) sqlite3_exec(s_.db_, "ROLLBACK", nullptr, nullptr, nullptr);  // never throws
    }
    void Commit() {
      Run(s_.db_, s_.commit_).Exec();
      done_ = true;
    }

   private:
    SqliteStore& s_;
    bool done_ = false;
  };

  struct Batch {
    std::vector<const StoredJob*> jobs;  // owned by the waiting callers
    std::vector<std::exception_ptr> errors;
    bool done = false;
  };

  void Insert(const StoredJob& j) {
    Run(db_, insert_)
        .Bind(j.id).Bind(j.name).Bind(j.args_json).Bind(j.priority).Bind(j.attempts).Bind(j.max_attempts)
        .Bind(j.run_at_ms).Bind(j.created_at_ms).Bind(j.last_error).Bind(j.request_id).Bind(j.traceparent)
        .Exec();
  }

  // One transaction for the batch; if it fails, each job alone, so one bad job fails only its caller.
  void CommitBatch(Batch& b) {
    std::lock_guard<std::mutex> lock(mu_);
    try {
      Txn txn(*this);
      for (const StoredJob* j : b.jobs) Insert(*j);
      txn.Commit();
      return;
    } catch (const std::exception&) {
      if (b.jobs.size() == 1) {
        b.errors[0] = std::current_exception();
        return;
      }
    }
    for (std::size_t i = 0; i < b.jobs.size(); ++i) {
      try {
        Txn txn(*this);
        Insert(*b.jobs[i]);
        txn.Commit();
      } catch (const std::exception&) {
        b.errors[i] = std::current_exception();
      }
    }
  }

  // Files written before jobs kept their trace context get the column (a second process
  // adding it at the same moment is no error).
  void AddTraceparentColumns() {
    for (const char* table : {"jobs", "dead_letter"}) {
      Stmt has;
      has.Prepare(db_, std::string("SELECT COUNT(*) FROM pragma_table_info('") + table + "') WHERE name = 'traceparent'");
      Run r(db_, has);
      if (r.Step() && r.Int(0) > 0) continue;
      char* err = nullptr;
      std::string sql = std::string("ALTER TABLE ") + table + " ADD COLUMN traceparent TEXT NOT NULL DEFAULT ''";
      if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
        std::string why = err ? err : sqlite3_errmsg(db_);
        sqlite3_free(err);
        if (why.find("duplicate column") == std::string::npos) throw Error("job store: " + why);
      }
    }
  }

  void ExecScript(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string why = err ? err : sqlite3_errmsg(db_);
      sqlite3_free(err);
      throw Error("job store: " + why);
    }
  }

  void Prepare() {
    std::string cols = kJobColumns;
    begin_.Prepare(db_, "BEGIN IMMEDIATE");
    commit_.Prepare(db_, "COMMIT");
    insert_.Prepare(db_, "INSERT INTO jobs(" + cols + ") VALUES (?1, ?2, ?3, 'pending', ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
    // INDEXED BY: left alone, the planner picks jobs_due for the run_at range and then sorts
    // every due job (a 100k backlog made each claim cost milliseconds); jobs_claim is already
    // in claim order, so the scan stops after `limit` rows.
    std::string due = "SELECT " + cols + " FROM jobs INDEXED BY jobs_claim WHERE state = 'pending' AND run_at <= ?1";
    std::string order = " ORDER BY priority DESC, run_at, seq LIMIT ?2";
    select_due_.Prepare(db_, due + order);
    select_due_runnable_.Prepare(db_, due + " AND name IN (SELECT name FROM temp.runnable)" + order);
    mark_running_.Prepare(db_, "UPDATE jobs SET state = 'running', attempts = attempts + 1 WHERE id = ?1");
    // ORDER BY ... LIMIT 1 walks jobs_due in order and stops at the first runnable row (MIN()
    // with the name filter would visit every pending job).
    next_due_.Prepare(db_, "SELECT run_at FROM jobs WHERE state = 'pending' ORDER BY run_at LIMIT 1");
    next_due_runnable_.Prepare(db_,
                               "SELECT run_at FROM jobs INDEXED BY jobs_due WHERE state = 'pending' AND name IN "
                               "(SELECT name FROM temp.runnable) ORDER BY run_at LIMIT 1");
    release_.Prepare(db_,
                     "UPDATE jobs SET state = 'pending', attempts = MAX(attempts - 1, 0) WHERE id = ?1 AND state = 'running'");
    delete_job_.Prepare(db_, "DELETE FROM jobs WHERE id = ?1");
    count_completed_.Prepare(db_, "UPDATE meta SET value = value + 1 WHERE key = 'completed'");
    retry_later_.Prepare(db_, "UPDATE jobs SET state = 'pending', run_at = ?1, last_error = ?2 WHERE id = ?3");
    to_dead_.Prepare(db_,
                     "INSERT OR REPLACE INTO dead_letter(id, name, args, priority, attempts, max_attempts, created_at, "
                     "last_error, request_id, failed_at, traceparent) SELECT id, name, args, priority, attempts, "
                     "max_attempts, created_at, ?1, request_id, ?2, traceparent FROM jobs WHERE id = ?3");
    log_failure_.Prepare(db_,
                         "INSERT INTO failures(id, name, attempt, error, at) SELECT id, name, attempts, ?1, ?2 FROM "
                         "jobs WHERE id = ?3");
    trim_failures_.Prepare(db_, "DELETE FROM failures WHERE seq <= (SELECT MAX(seq) FROM failures) - ?1");
    recover_.Prepare(db_, "UPDATE jobs SET state = 'pending', last_error = ?1 WHERE state = 'running'");
    counts_.Prepare(db_,
                    "SELECT COALESCE(SUM(state = 'pending' AND run_at <= ?1), 0), COALESCE(SUM(state = 'pending' AND "
                    "run_at > ?2), 0), COALESCE(SUM(state = 'running'), 0) FROM jobs");
    count_dead_.Prepare(db_, "SELECT COUNT(*) FROM dead_letter");
    completed_.Prepare(db_, "SELECT value FROM meta WHERE key = 'completed'");
    recent_failures_.Prepare(db_, "SELECT id, name, attempt, error, at FROM failures ORDER BY seq DESC LIMIT ?1");
    revive_.Prepare(db_,
                    "INSERT INTO jobs(" + cols + ") SELECT id, name, args, 'pending', priority, 0, max_attempts, ?1, "
                    "created_at, last_error, request_id, traceparent FROM dead_letter WHERE id = ?2");
    delete_dead_.Prepare(db_, "DELETE FROM dead_letter WHERE id = ?1");
    retry_now_.Prepare(db_,
                       "UPDATE jobs SET run_at = ?1 WHERE id = ?2 AND state = 'pending' AND attempts > 0 AND run_at > ?1");
    find_.Prepare(db_, "SELECT " + cols + " FROM jobs WHERE id = ?1");
    find_dead_.Prepare(db_,
                       "SELECT id, name, args, 'dead', priority, attempts, max_attempts, failed_at, created_at, "
                       "last_error, request_id, traceparent FROM dead_letter WHERE id = ?1");
    add_runnable_.Prepare(db_, "INSERT OR IGNORE INTO temp.runnable(name) VALUES (?1)");
    unrunnable_.Prepare(db_,
                        "SELECT name, COUNT(*) FROM jobs WHERE name NOT IN (SELECT name FROM temp.runnable) GROUP BY "
                        "name ORDER BY name");
    last_fire_.Prepare(db_, "SELECT last_fire FROM schedules WHERE name = ?1");
    set_last_fire_.Prepare(db_,
                           "INSERT INTO schedules(name, last_fire) VALUES (?1, ?2) ON CONFLICT(name) DO UPDATE SET "
                           "last_fire = excluded.last_fire");
  }

  void Finalize() {
    Stmt* all[] = {&begin_, &commit_, &insert_, &select_due_, &select_due_runnable_, &mark_running_,
                   &next_due_, &next_due_runnable_, &release_, &delete_job_, &count_completed_, &retry_later_,
                   &to_dead_, &log_failure_, &trim_failures_, &recover_, &counts_, &count_dead_, &completed_,
                   &recent_failures_, &revive_, &delete_dead_, &retry_now_, &find_, &find_dead_, &add_runnable_,
                   &unrunnable_, &last_fire_, &set_last_fire_};
    for (Stmt* s : all) s->Finalize();
    if (db_) sqlite3_close(db_);
    db_ = nullptr;
  }

  std::mutex batch_mu_;  // guards open_batch_ and leader_ (taken before mu_, never inside it)
  std::condition_variable batch_cv_;
  std::shared_ptr<Batch> open_batch_;
  bool leader_ = false;
  std::mutex mu_;  // guards the connection
  sqlite3* db_ = nullptr;
  bool runnable_set_ = false;
  Stmt begin_, commit_, insert_, select_due_, select_due_runnable_, mark_running_, next_due_,
      next_due_runnable_, release_, delete_job_, count_completed_, retry_later_, to_dead_, log_failure_,
      trim_failures_, recover_, counts_, count_dead_, completed_, recent_failures_, revive_, delete_dead_,
      retry_now_, find_, find_dead_, add_runnable_, unrunnable_, last_fire_, set_last_fire_;
};

}  // namespace

std::unique_ptr<JobStore> OpenSqliteStore(const std::string& path, SyncMode sync) {
  return std::make_unique<SqliteStore>(path, sync);
}

}  // namespace lux::jobs
