// Outbox: the bus's durable store (SQLite). An event published to N destinations is N rows, one
// per lane ("local:<event>:<index>" for a subscriber of this server, "peer:<server>" for a
// server of the program), keyed by (lane, seq), written in one transaction before publish()
// returns; publishes that arrive while another commits share the next transaction (group commit). A lane reads its
// oldest rows as one batch and settles it in one transaction: the handled prefix deleted, the
// row that failed retried later or dead-lettered. `seen` remembers the ids of events received
// from peers (per lane) so a redelivery is dropped; `dead` keeps events a local subscriber kept
// failing on. One connection behind a mutex: rows are small and lanes few. After each commit
// that stored rows, a commit observer (the bus) gets them with their seq, so a lane can deliver
// them from memory (SettleHandled then deletes what it handled). Entry points: Outbox::Open,
// Insert, Batch, Settle, SettleHandled, Accept.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "db/connection.h"

namespace lux::bus {

struct EventRow {
  std::int64_t seq = 0;
  std::string lane;
  std::string event_id;
  std::string event;
  std::string payload_json;
  std::string publisher;   // the server that published it first
  std::string request_id;  // of the request that published it ("" outside a request)
  std::string traceparent; // the publish span's context ("" outside a trace or with tracing off)
  int attempts = 0;
  std::int64_t next_at_ms = 0;
};

// How a lane's batch ended (Outbox::Settle): rows up to `handled_through` (a seq; 0: none) were
// delivered; `failed`, when set, is the row after them that failed, retried at `next_at_ms`
// with `attempts`, or moved to the dead letter when `dead`.
struct BatchOutcome {
  std::int64_t handled_through = 0;
  const EventRow* failed = nullptr;
  int attempts = 0;
  std::int64_t next_at_ms = 0;
  bool dead = false;
  std::string error;
};

class Outbox {
 public:
  static std::unique_ptr<Outbox> Open(const std::string& path);  // throws lux::Error
  ~Outbox();
  // Adds the traceparent column to files written without it (Open calls it).
  void AddTraceparentColumns();
  // Called after each commit that stored rows (Insert, Accept), with the connection's lock
  // held, once per caller in commit order, with that caller's rows, each with its seq; it may
  // move from them. Set before anything is inserted.
  using CommitObserver = std::function<void(std::vector<EventRow>& rows)>;
  void SetCommitObserver(CommitObserver observer) { observer_ = std::move(observer); }
  // One row per lane, committed before it returns. Callers that arrive while a commit is in
  // progress join the next transaction, which one of them commits for all: one caller alone
  // pays one commit, as before; many at once share commits.
  void Insert(std::vector<EventRow> rows);
  // Like Insert for rows received from a peer: rows whose (event_id, lane) was seen before are
  // dropped, the others marked seen, all in one transaction. Returns how many were new.
  int Accept(std::vector<EventRow> rows, std::int64_t now_ms);
  // The oldest rows of `lane` in order (by seq): at most `max_rows`, and no more payload bytes
  // than `max_bytes` past the first row. Empty when the lane is empty; then `if_empty`, when
  // given, is called with the lock still held (every commit of this outbox after the read
  // comes after the call, and reaches the commit observer) and the connection's `PRAGMA
  // data_version` as read just before the rows (a commit of another connection after the
  // read changes it).
  std::vector<EventRow> Batch(const std::string& lane, int max_rows, std::size_t max_bytes,
                              const std::function<void(std::int64_t data_version)>& if_empty = {});
  // The oldest row of `lane`; nullopt when the lane is empty.
  std::optional<EventRow> Head(const std::string& lane);
  // Ends a batch of `lane` in one transaction (see BatchOutcome).
  void Settle(const std::string& lane, const BatchOutcome& outcome, std::int64_t now_ms);
  // Deletes the rows `seqs` of `lane` (in increasing order), which a lane handled from memory,
  // in one transaction. The lane's rows up to the last of them are all its own when no other
  // connection committed since `data_version` (the value its lane started from memory with):
  // one range is deleted then, and true returned. Otherwise (another process published, and its
  // rows may lie in that range) exactly those rows are deleted, and false returned.
  bool SettleHandled(const std::string& lane, const std::vector<std::int64_t>& seqs, std::int64_t data_version);
  // Deletes the row numbered `seq` (tests; by seq alone it scans a file keyed by (lane, seq)).
  void Done(std::int64_t seq);
  void Retry(const std::string& lane, std::int64_t seq, int attempts, std::int64_t next_at_ms, const std::string& error);
  void Dead(const EventRow& row, const std::string& error, std::int64_t now_ms);
  std::int64_t Pending(const std::string& lane);
  std::int64_t DeadCount();
  // Forgets seen ids older than `before_ms` (kept a week: a peer retrying longer than that has
  // other problems).
  void PruneSeen(std::int64_t before_ms);

 private:
  struct Group;  // the publishes of one group commit
  void CommitGroup(Group& g);
  std::int64_t DataVersion();  // mu_ held
  void RefreshNextSeq();       // mu_ held

  CommitObserver observer_;

  // The WAL checkpointer (a file outbox): its own connection on a thread of its own, so no
  // publish waits for a checkpoint's fsyncs (see StartCheckpointer in outbox.cpp).
  void StartCheckpointer(const std::string& path);
  void RunCheckpointer();
  static int WalHook(void* self, sqlite3* db, const char* schema, int frames);
  std::unique_ptr<db::Connection> ckpt_conn_;
  std::thread ckpt_thread_;
  std::mutex ckpt_mu_;
  std::condition_variable ckpt_cv_;
  bool ckpt_due_ = false;   // (ckpt_mu_)
  bool ckpt_stop_ = false;  // (ckpt_mu_)
  std::atomic<int> wal_frames_{0};       // frames in the WAL after the last commit
  std::atomic<int> backfilled_{0};       // frames of it the last checkpoint copied
  std::atomic<bool> ckpt_requested_{false};
  std::mutex mu_;  // the connection
  std::unique_ptr<db::Connection> conn_;
  std::mutex group_mu_;  // open_ and committing_ (taken before mu_, never inside it)
  std::condition_variable group_cv_;
  std::shared_ptr<Group> open_;
  bool committing_ = false;
  std::int64_t next_seq_ = 1;  // the seq of the next row (mu_)
};

}  // namespace lux::bus
