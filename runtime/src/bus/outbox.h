// Outbox: the bus's durable store (SQLite). An event published to N destinations is N rows, one
// per lane ("local:<event>:<index>" for a subscriber of this server, "peer:<server>" for a
// server of the program), keyed by (lane, seq), written in one transaction before publish()
// returns; publishes that arrive while another commits share the next transaction (group commit). A lane reads its
// oldest rows as one batch and settles it in one transaction: the handled prefix deleted, the
// row that failed retried later or dead-lettered. `seen` remembers the ids of events received
// from peers (per lane) so a redelivery is dropped; `dead` keeps events a local subscriber kept
// failing on. One connection behind a mutex: rows are small and lanes few. Entry points:
// Outbox::Open, Insert, Batch, Settle, Accept.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
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
  // Adds the traceparent column to files written without it (Open calls it).
  void AddTraceparentColumns();
  // One row per lane, committed before it returns. Callers that arrive while a commit is in
  // progress join the next transaction, which one of them commits for all: one caller alone
  // pays one commit, as before; many at once share commits.
  void Insert(const std::vector<EventRow>& rows);
  // Like Insert for rows received from a peer: rows whose (event_id, lane) was seen before are
  // dropped, the others marked seen, all in one transaction. Returns how many were new.
  int Accept(const std::vector<EventRow>& rows, std::int64_t now_ms);
  // The oldest rows of `lane` in order (by seq): at most `max_rows`, and no more payload bytes
  // than `max_bytes` past the first row. Empty when the lane is empty.
  std::vector<EventRow> Batch(const std::string& lane, int max_rows, std::size_t max_bytes);
  // The oldest row of `lane`; nullopt when the lane is empty.
  std::optional<EventRow> Head(const std::string& lane);
  // Ends a batch of `lane` in one transaction (see BatchOutcome).
  void Settle(const std::string& lane, const BatchOutcome& outcome, std::int64_t now_ms);
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

  std::mutex mu_;  // the connection
  std::unique_ptr<db::Connection> conn_;
  std::mutex group_mu_;  // open_ and committing_ (taken before mu_, never inside it)
  std::condition_variable group_cv_;
  std::shared_ptr<Group> open_;
  bool committing_ = false;
  std::int64_t next_seq_ = 1;  // the seq of the next row (mu_)
};

}  // namespace lux::bus
