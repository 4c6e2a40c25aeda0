// The bus's SQLite outbox (see outbox.h). Every statement is prepared and parameterised.
#include "bus/outbox.h"

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

}  // namespace

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
  try {
    box->conn_ = db::Connection::Open(path, options);
  } catch (const Error& e) {
    throw Error("event outbox " + path + ": " + e.what());
  }
  box->AddTraceparentColumns();
  auto s = box->conn_->Prepare("SELECT COALESCE(MAX(seq), 0) FROM outbox", "event outbox open");
  box->next_seq_ = (box->conn_->Step(s, "event outbox open") ? sqlite3_column_int64(s.get(), 0) : 0) + 1;
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
  std::vector<const std::vector<EventRow>*> calls;  // each caller's rows
  std::vector<std::exception_ptr> errors;           // per caller
  bool done = false;
};

void Outbox::Insert(const std::vector<EventRow>& rows) {
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
// its own caller's.
void Outbox::CommitGroup(Group& g) {
  std::lock_guard<std::mutex> lock(mu_);
  try {
    Transaction(*conn_, [&] {
      for (const std::vector<EventRow>* rows : g.calls)
        for (const EventRow& r : *rows) InsertRow(*conn_, r, next_seq_++);
    });
    return;
  } catch (const std::exception&) {
    if (g.calls.size() == 1) {
      g.errors[0] = std::current_exception();
      return;
    }
  }
  for (std::size_t i = 0; i < g.calls.size(); ++i) {
    try {
      Transaction(*conn_, [&] {
        for (const EventRow& r : *g.calls[i]) InsertRow(*conn_, r, next_seq_++);
      });
    } catch (const std::exception&) {
      g.errors[i] = std::current_exception();
    }
  }
}

int Outbox::Accept(const std::vector<EventRow>& rows, std::int64_t now_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  int fresh = 0;
  Transaction(*conn_, [&] {
    for (const EventRow& r : rows) {
      auto s = conn_->Prepare("INSERT OR IGNORE INTO seen (event_id, lane, at) VALUES (?, ?, ?)", "event de-duplication");
      BindText(s, 1, r.event_id);
      BindText(s, 2, r.lane);
      sqlite3_bind_int64(s.get(), 3, now_ms);
      conn_->Step(s, "event de-duplication");
      if (sqlite3_changes(conn_->get()) == 0) continue;  // seen before: a redelivery
      InsertRow(*conn_, r, next_seq_++);
      ++fresh;
    }
  });
  return fresh;
}

std::vector<EventRow> Outbox::Batch(const std::string& lane, int max_rows, std::size_t max_bytes) {
  std::vector<EventRow> out;
  std::lock_guard<std::mutex> lock(mu_);
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
  return out;
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
