// The bus's SQLite outbox (see outbox.h). Every statement is prepared and parameterised.
#include "bus/outbox.h"

#include "bus/wal_vfs.h"

#include <algorithm>
#include <filesystem>

#include "lux/error.h"

namespace lux::bus {

namespace {

// `seq` orders each lane's rows: the outbox numbers them (Outbox::next_seq_, the largest stored
// seq + 1 at open, then one more per row), so a new row follows every row still queued. New
// files key the table by (lane, seq) WITHOUT ROWID: a publish inserts into one b-tree (one page
// changed, one WAL frame per commit instead of two: the table's leaf and a lane index's), a
// lane's batch is a range of it, and settling deletes that range. Files written before keep
// their rowid table and `outbox_lane` index: every statement below reads and writes both. A
// seq can come back after a restart with the outbox empty, so the dead letter keeps its own
// numbering.
constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS outbox (lane TEXT NOT NULL, seq INTEGER NOT NULL,
  event_id TEXT NOT NULL, event TEXT NOT NULL, payload TEXT NOT NULL, publisher TEXT NOT NULL,
  request_id TEXT NOT NULL, attempts INTEGER NOT NULL, next_at INTEGER NOT NULL, last_error TEXT,
  traceparent TEXT NOT NULL DEFAULT '', PRIMARY KEY (lane, seq)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS seen (event_id TEXT NOT NULL, lane TEXT NOT NULL, at INTEGER NOT NULL,
  PRIMARY KEY (event_id, lane));
CREATE TABLE IF NOT EXISTS dead (seq INTEGER PRIMARY KEY, lane TEXT NOT NULL, event_id TEXT NOT NULL,
  event TEXT NOT NULL, payload TEXT NOT NULL, publisher TEXT NOT NULL, request_id TEXT NOT NULL,
  attempts INTEGER NOT NULL, last_error TEXT NOT NULL, failed_at INTEGER NOT NULL,
  traceparent TEXT NOT NULL DEFAULT '');
)sql";

void BindText(const db::StmtUse& s, int i, const std::string& v) {
  sqlite3_bind_text(s.get(), i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
}

// Binds without a copy: `v` must outlive the statement's use (the StmtUse resets and unbinds it
// when it goes out of scope, before the caller's row does).
void BindStatic(const db::StmtUse& s, int i, const std::string& v) {
  sqlite3_bind_text(s.get(), i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
}

std::string ColText(const db::StmtUse& s, int i) {
  const unsigned char* t = sqlite3_column_text(s.get(), i);
  return t ? std::string(reinterpret_cast<const char*>(t), static_cast<std::size_t>(sqlite3_column_bytes(s.get(), i)))
           : std::string();
}

void InsertRow(db::Connection& c, const EventRow& r, std::int64_t seq) {
  auto s = c.Prepare(
      "INSERT INTO outbox (lane, event_id, event, payload, publisher, request_id, attempts, next_at, traceparent, seq) "
      "VALUES (?, ?, ?, ?, ?, ?, 0, 0, ?, ?)",
      "event outbox insert");
  sqlite3_bind_int64(s.get(), 8, seq);
  BindStatic(s, 1, r.lane);
  BindStatic(s, 2, r.event_id);
  BindStatic(s, 3, r.event);
  BindStatic(s, 4, r.payload_json);
  BindStatic(s, 5, r.publisher);
  BindStatic(s, 6, r.request_id);
  BindStatic(s, 7, r.traceparent);
  c.Step(s, "event outbox insert");
}

// BEGIN IMMEDIATE ... COMMIT (prepared once: a parse per commit costs as much as the insert),
// rolled back when the body throws.
template <typename F>
void Transaction(db::Connection& c, F&& body) {
  {
    auto begin = c.Prepare("BEGIN IMMEDIATE", "event outbox");
    c.Step(begin, "event outbox");
  }
  try {
    body();
    auto commit = c.Prepare("COMMIT", "event outbox");
    c.Step(commit, "event outbox");
  } catch (...) {
    sqlite3_exec(c.get(), "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

constexpr const char* kSelectRows =
    "SELECT seq, event_id, event, payload, publisher, request_id, attempts, next_at, traceparent FROM outbox "
    "WHERE lane = ? ORDER BY seq LIMIT ?";

EventRow ReadRow(const db::StmtUse& s, const std::string& lane) {
  EventRow r;
  r.seq = sqlite3_column_int64(s.get(), 0);
  r.lane = lane;
  r.event_id = ColText(s, 1);
  r.event = ColText(s, 2);
  r.payload_json = ColText(s, 3);
  r.publisher = ColText(s, 4);
  r.request_id = ColText(s, 5);
  r.attempts = sqlite3_column_int(s.get(), 6);
  r.next_at_ms = sqlite3_column_int64(s.get(), 7);
  r.traceparent = ColText(s, 8);
  return r;
}

void DeleteThrough(db::Connection& c, const std::string& lane, std::int64_t seq) {
  auto s = c.Prepare("DELETE FROM outbox WHERE lane = ? AND seq <= ?", "event outbox delete");
  BindText(s, 1, lane);
  sqlite3_bind_int64(s.get(), 2, seq);
  c.Step(s, "event outbox delete");
}

void RetryRow(db::Connection& c, const std::string& lane, std::int64_t seq, int attempts, std::int64_t next_at_ms,
              const std::string& error) {
  auto s = c.Prepare("UPDATE outbox SET attempts = ?, next_at = ?, last_error = ? WHERE lane = ? AND seq = ?",
                     "event outbox retry");
  sqlite3_bind_int(s.get(), 1, attempts);
  sqlite3_bind_int64(s.get(), 2, next_at_ms);
  BindText(s, 3, error);
  BindText(s, 4, lane);
  sqlite3_bind_int64(s.get(), 5, seq);
  c.Step(s, "event outbox retry");
}

void DeadRow(db::Connection& c, const EventRow& r, int attempts, const std::string& error, std::int64_t now_ms) {
  auto s = c.Prepare(
      "INSERT INTO dead (lane, event_id, event, payload, publisher, request_id, attempts, "
      "last_error, failed_at, traceparent) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      "event dead letter");
  BindText(s, 1, r.lane);
  BindText(s, 2, r.event_id);
  BindText(s, 3, r.event);
  BindText(s, 4, r.payload_json);
  BindText(s, 5, r.publisher);
  BindText(s, 6, r.request_id);
  sqlite3_bind_int(s.get(), 7, attempts);
  BindText(s, 8, error);
  sqlite3_bind_int64(s.get(), 9, now_ms);
  BindText(s, 10, r.traceparent);
  c.Step(s, "event dead letter");
  auto d = c.Prepare("DELETE FROM outbox WHERE lane = ? AND seq = ?", "event outbox delete");
  BindText(d, 1, r.lane);
  sqlite3_bind_int64(d.get(), 2, r.seq);
  c.Step(d, "event outbox delete");
}

// A new outbox file gets kPageSize pages: every commit writes each page it changed to the WAL
// and checksums it (~3.3k instructions and two pwrite calls per 1 KiB frame), and a publish
// changes one (the (lane, seq) b-tree's last leaf), so smaller pages make a commit cheaper. A
// row keeps up to ~230 bytes in its leaf at this size (a WITHOUT ROWID b-tree's local limit;
// 2 KiB pages: ~490): the rest of a larger row goes to an overflow page, one more frame, as the
// rowid table's lane index cost every row before (measured with 2 and 4 KiB pages: one frame
// of those costs more than two of 1 KiB). The size is fixed when the file is first written, here (switching
// it to WAL writes its header); an existing file keeps its own.
constexpr int kPageSize = 1024;

void CreateWithPageSize(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) return;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) == SQLITE_OK) {
    std::string pragma = "PRAGMA page_size=" + std::to_string(kPageSize) + "; PRAGMA journal_mode=WAL";
    sqlite3_exec(db, pragma.c_str(), nullptr, nullptr, nullptr);  // a failure leaves the default size
  }
  sqlite3_close_v2(db);
}

// The WAL is checkpointed off the publish path. By default SQLite checkpoints in the commit that
// takes the WAL past 1,000 frames: that publish waits for two fdatasync calls (~1.2 ms here; one
// publish in ~250 at full rate), and the outbox's lock is held meanwhile. Instead the outbox's
// connection reports each commit's WAL size (sqlite3_wal_hook, which also turns its own
// checkpoints off) and a thread with a second connection runs a PASSIVE checkpoint once
// kCheckpointFrames frames were added since the last one, while publishes go on appending. A WAL
// starts over from its beginning only at a write that finds every frame copied, which does not
// happen while publishes keep coming during checkpoints: once the WAL holds kRestartFrames
// frames, the checkpointer takes the outbox's lock for one RESTART checkpoint (the frames
// written during the last one; it starts the WAL over). That is the one wait left for a
// publish: one per ~2,000 frames instead of one per 1,000, and none at a rate that leaves
// checkpoints time to catch up. A longer WAL would make those waits rarer, but SQLite's
// wal-index chains every frame of a page in one hash slot, so each commit costs more the more
// often its pages are already in the WAL (its wal-index probes past every earlier frame of the
// same page in a hash block; measured: ~4k instructions more per publish with ~8,000 frames).
// Durability is SQLite's as before (synchronous=NORMAL: the checkpoints fsync).
constexpr int kCheckpointFrames = 1000;
constexpr int kRestartFrames = 2048;
// A commit that finds the WAL this long (the checkpointer thread not scheduled in time, or
// failing) checkpoints it itself, as SQLite would: the WAL stays bounded (~8.6 MB).
constexpr int kWalLimitFrames = 8192;

}  // namespace

Outbox::~Outbox() {
  if (!ckpt_thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(ckpt_mu_);
    ckpt_stop_ = true;
  }
  ckpt_cv_.notify_one();
  ckpt_thread_.join();
}

void Outbox::StartCheckpointer(const std::string& path) {
  ckpt_conn_ = db::Connection::Open(path, db::OpenOptions{});
  // No waiting: a checkpoint another connection blocks (a reader of another process, say) gives
  // up at once and is tried again at the next request, instead of holding up the publishes.
  sqlite3_busy_handler(ckpt_conn_->get(), nullptr, nullptr);
  ckpt_thread_ = std::thread([this] { RunCheckpointer(); });
  sqlite3_wal_hook(conn_->get(), &Outbox::WalHook, this);  // last: nothing after it can fail
}

// After each commit of conn_ (mu_ held): asks for a checkpoint once kCheckpointFrames frames
// were added since the last one.
int Outbox::WalHook(void* self, sqlite3* db, const char*, int frames) {
  auto* box = static_cast<Outbox*>(self);
  if (frames >= kWalLimitFrames) {  // the checkpointer is not keeping up: this commit checkpoints
    int log = 0, copied = 0;
    sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &copied);
    return SQLITE_OK;
  }
  int done = box->backfilled_.load(std::memory_order_relaxed);
  if (frames < done) {  // the WAL started over
    box->backfilled_.compare_exchange_strong(done, 0, std::memory_order_relaxed);
    done = 0;
  }
  if (frames - done >= kCheckpointFrames && !box->ckpt_requested_.exchange(true, std::memory_order_acq_rel)) {
    {
      std::lock_guard<std::mutex> lock(box->ckpt_mu_);
      box->ckpt_due_ = true;
    }
    box->ckpt_cv_.notify_one();
  }
  return SQLITE_OK;
}

void Outbox::RunCheckpointer() {
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(ckpt_mu_);
      ckpt_cv_.wait(lock, [&] { return ckpt_due_ || ckpt_stop_; });
      if (ckpt_stop_) return;
      ckpt_due_ = false;
    }
    int log = 0, done = 0;
    // BUSY: another process checkpoints this file now; the next request tries again.
    int rc = sqlite3_wal_checkpoint_v2(ckpt_conn_->get(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
    if (rc == SQLITE_OK && log >= kRestartFrames) {
      std::lock_guard<std::mutex> lock(mu_);  // no commit here until every frame is copied
      rc = sqlite3_wal_checkpoint_v2(ckpt_conn_->get(), nullptr, SQLITE_CHECKPOINT_RESTART, &log, &done);
    }
    backfilled_.store(rc == SQLITE_OK && done > 0 ? done : 0, std::memory_order_relaxed);
    ckpt_requested_.store(false, std::memory_order_release);
  }
}

std::unique_ptr<Outbox> Outbox::Open(const std::string& path) {
  if (path != ":memory:") {
    std::filesystem::path dir = std::filesystem::path(path).parent_path();
    std::error_code ec;
    if (!dir.empty()) std::filesystem::create_directories(dir, ec);
    CreateWithPageSize(path);
  }
  auto box = std::make_unique<Outbox>();
  db::OpenOptions options;
  options.schema = kSchema;  // with the open, in one retried sequence (db/sqlite_open.h)
  if (path != ":memory:") options.vfs = WalCommitVfs();  // a commit's WAL frames in one write
  try {
    box->conn_ = db::Connection::Open(path, options);
  } catch (const Error& e) {
    throw Error("event outbox " + path + ": " + e.what());
  }
  // Debian's SQLite zeroes deleted rows and every freed page by default (SECURE_DELETE): each
  // page a settled range frees would be one more WAL frame. FAST zeroes deleted rows only where
  // the page is written anyway.
  sqlite3_exec(box->conn_->get(), "PRAGMA secure_delete=FAST", nullptr, nullptr, nullptr);
  box->AddTraceparentColumns();
  auto s = box->conn_->Prepare("SELECT COALESCE(MAX(seq), 0) FROM outbox", "event outbox open");
  box->next_seq_ = (box->conn_->Step(s, "event outbox open") ? sqlite3_column_int64(s.get(), 0) : 0) + 1;
  if (path != ":memory:") {
    try {
      box->StartCheckpointer(path);
    } catch (const std::exception&) {
      // Without the thread or its connection SQLite's own checkpoints (in the commits) stay.
      box->ckpt_conn_.reset();
    }
  }
  return box;
}

void Outbox::AddTraceparentColumns() {
  // Outboxes written before events kept their trace context get the column.
  std::lock_guard<std::mutex> lock(mu_);
  for (const char* table : {"outbox", "dead"}) {
    std::string probe = std::string("SELECT COUNT(*) FROM pragma_table_info('") + table + "') WHERE name = 'traceparent'";
    auto s = conn_->Prepare(probe, "event outbox upgrade");
    if (conn_->Step(s, "event outbox upgrade") && sqlite3_column_int(s.get(), 0) > 0) continue;
    std::string alter = std::string("ALTER TABLE ") + table + " ADD COLUMN traceparent TEXT NOT NULL DEFAULT ''";
    char* err = nullptr;
    if (sqlite3_exec(conn_->get(), alter.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string why = err ? err : "unknown error";
      sqlite3_free(err);
      if (why.find("duplicate column") == std::string::npos) throw Error("event outbox: " + why);
    }
  }
}

struct Outbox::Group {
  std::vector<std::vector<EventRow>*> calls;  // each caller's rows
  std::vector<std::exception_ptr> errors;     // per caller
  bool done = false;
};

void Outbox::Insert(std::vector<EventRow> rows) {
  std::unique_lock<std::mutex> g(group_mu_);
  if (!open_) open_ = std::make_shared<Group>();
  std::shared_ptr<Group> mine = open_;
  std::size_t index = mine->calls.size();
  mine->calls.push_back(&rows);
  mine->errors.emplace_back();
  while (!mine->done) {
    if (committing_) {  // another caller commits: ours goes with the next group
      group_cv_.wait(g);
      continue;
    }
    // Nobody commits: commit the open group (ours, and whoever joined it meanwhile).
    committing_ = true;
    std::shared_ptr<Group> cur = std::move(open_);
    open_.reset();
    g.unlock();
    CommitGroup(*cur);
    g.lock();
    cur->done = true;
    committing_ = false;
    group_cv_.notify_all();
  }
  if (mine->errors[index]) std::rethrow_exception(mine->errors[index]);
}

// One transaction for the group; if it fails, each caller's rows alone, so a failure is only
// its own caller's. The observer sees each caller's rows once they are committed, in order.
void Outbox::CommitGroup(Group& g) {
  std::lock_guard<std::mutex> lock(mu_);
  auto insert = [&](std::vector<EventRow>& rows) {
    for (EventRow& r : rows) {
      r.seq = next_seq_++;
      InsertRow(*conn_, r, r.seq);
    }
  };
  try {
    Transaction(*conn_, [&] {
      for (std::vector<EventRow>* rows : g.calls) insert(*rows);
    });
    if (observer_)
      for (std::vector<EventRow>* rows : g.calls) observer_(*rows);
    return;
  } catch (const std::exception&) {
  }
  RefreshNextSeq();  // another process may have numbered rows past ours
  for (std::size_t i = 0; i < g.calls.size(); ++i) {
    try {
      Transaction(*conn_, [&] { insert(*g.calls[i]); });
    } catch (const std::exception&) {
      g.errors[i] = std::current_exception();
      continue;
    }
    if (observer_) observer_(*g.calls[i]);
  }
}

int Outbox::Accept(std::vector<EventRow> rows, std::int64_t now_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<EventRow> fresh;
  Transaction(*conn_, [&] {
    fresh.clear();
    for (EventRow& r : rows) {
      auto s = conn_->Prepare("INSERT OR IGNORE INTO seen (event_id, lane, at) VALUES (?, ?, ?)", "event de-duplication");
      BindText(s, 1, r.event_id);
      BindText(s, 2, r.lane);
      sqlite3_bind_int64(s.get(), 3, now_ms);
      conn_->Step(s, "event de-duplication");
      if (sqlite3_changes(conn_->get()) == 0) continue;  // seen before: a redelivery
      r.seq = next_seq_++;
      InsertRow(*conn_, r, r.seq);
      fresh.push_back(r);
    }
  });
  if (observer_ && !fresh.empty()) observer_(fresh);
  return static_cast<int>(fresh.size());
}

std::vector<EventRow> Outbox::Batch(const std::string& lane, int max_rows, std::size_t max_bytes,
                                    const std::function<void(std::int64_t)>& if_empty) {
  std::vector<EventRow> out;
  std::lock_guard<std::mutex> lock(mu_);
  // Read before the rows: a commit of another connection after the read of the rows changes it.
  std::int64_t version = if_empty ? DataVersion() : 0;
  {
    auto s = conn_->Prepare(kSelectRows, "event outbox read");
    BindText(s, 1, lane);
    sqlite3_bind_int(s.get(), 2, max_rows < 1 ? 1 : max_rows);
    std::size_t bytes = 0;
    while (conn_->Step(s, "event outbox read")) {
      std::size_t size = static_cast<std::size_t>(sqlite3_column_bytes(s.get(), 3));
      if (!out.empty() && bytes + size > max_bytes) break;
      bytes += size;
      out.push_back(ReadRow(s, lane));
    }
  }
  if (out.empty() && if_empty) if_empty(version);
  return out;
}

// Another process publishing into the same file numbers its rows from what it found at its own
// open, so a (lane, seq) of ours can be taken: after a failed commit the numbering goes on past
// every stored row before the commit is tried again.
void Outbox::RefreshNextSeq() {
  try {
    auto s = conn_->Prepare("SELECT COALESCE(MAX(seq), 0) FROM outbox", "event outbox numbering");
    if (conn_->Step(s, "event outbox numbering")) next_seq_ = std::max<std::int64_t>(next_seq_, sqlite3_column_int64(s.get(), 0) + 1);
  } catch (const std::exception&) {
  }
}

std::int64_t Outbox::DataVersion() {
  auto s = conn_->Prepare("PRAGMA data_version", "event outbox data version");
  return conn_->Step(s, "event outbox data version") ? sqlite3_column_int64(s.get(), 0) : 0;
}

bool Outbox::SettleHandled(const std::string& lane, const std::vector<std::int64_t>& seqs, std::int64_t data_version) {
  if (seqs.empty()) return true;
  std::lock_guard<std::mutex> lock(mu_);
  bool alone = false;
  Transaction(*conn_, [&] {
    alone = DataVersion() == data_version;  // under the write lock: no commit comes between
    if (alone) {
      DeleteThrough(*conn_, lane, seqs.back());
      return;
    }
    for (std::int64_t seq : seqs) {
      auto d = conn_->Prepare("DELETE FROM outbox WHERE lane = ? AND seq = ?", "event outbox delete");
      BindText(d, 1, lane);
      sqlite3_bind_int64(d.get(), 2, seq);
      conn_->Step(d, "event outbox delete");
    }
  });
  return alone;
}

std::optional<EventRow> Outbox::Head(const std::string& lane) {
  std::vector<EventRow> rows = Batch(lane, 1, 0);
  if (rows.empty()) return std::nullopt;
  return std::move(rows.front());
}

void Outbox::Settle(const std::string& lane, const BatchOutcome& o, std::int64_t now_ms) {
  if (!o.handled_through && !o.failed) return;
  std::lock_guard<std::mutex> lock(mu_);
  Transaction(*conn_, [&] {
    if (o.handled_through) DeleteThrough(*conn_, lane, o.handled_through);
    if (!o.failed) return;
    if (o.dead)
      DeadRow(*conn_, *o.failed, o.attempts, o.error, now_ms);
    else
      RetryRow(*conn_, lane, o.failed->seq, o.attempts, o.next_at_ms, o.error);
  });
}

void Outbox::Done(std::int64_t seq) {
  std::lock_guard<std::mutex> lock(mu_);
  auto s = conn_->Prepare("DELETE FROM outbox WHERE seq = ?", "event outbox delete");
  sqlite3_bind_int64(s.get(), 1, seq);
  conn_->Step(s, "event outbox delete");
}

void Outbox::Retry(const std::string& lane, std::int64_t seq, int attempts, std::int64_t next_at_ms,
                   const std::string& error) {
  std::lock_guard<std::mutex> lock(mu_);
  RetryRow(*conn_, lane, seq, attempts, next_at_ms, error);
}

void Outbox::Dead(const EventRow& r, const std::string& error, std::int64_t now_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  Transaction(*conn_, [&] { DeadRow(*conn_, r, r.attempts, error, now_ms); });
}

std::int64_t Outbox::Pending(const std::string& lane) {
  std::lock_guard<std::mutex> lock(mu_);
  auto s = conn_->Prepare("SELECT COUNT(*) FROM outbox WHERE lane = ?", "event outbox count");
  BindText(s, 1, lane);
  return conn_->Step(s, "event outbox count") ? sqlite3_column_int64(s.get(), 0) : 0;
}

std::int64_t Outbox::DeadCount() {
  std::lock_guard<std::mutex> lock(mu_);
  auto s = conn_->Prepare("SELECT COUNT(*) FROM dead", "event dead letter count");
  return conn_->Step(s, "event dead letter count") ? sqlite3_column_int64(s.get(), 0) : 0;
}

void Outbox::PruneSeen(std::int64_t before_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  auto s = conn_->Prepare("DELETE FROM seen WHERE at < ?", "event de-duplication prune");
  sqlite3_bind_int64(s.get(), 1, before_ms);
  conn_->Step(s, "event de-duplication prune");
}

}  // namespace lux::bus
