// Outbox: the bus's durable store (SQLite). An event published to N destinations is N rows, one
// per lane ("local:<event>:<index>" for a subscriber of this server, "peer:<server>" for a
// server of the program), written in one transaction before publish() returns. `seen` remembers
// the ids of events received from peers (per lane) so a redelivery is dropped; `dead` keeps
// events a local subscriber kept failing on. One connection behind a mutex: rows are small and
// lanes few. Entry points: Outbox::Open, Insert, Head, Done, Retry, Dead, Accept.
#pragma once

#include <cstdint>
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

class Outbox {
 public:
  static std::unique_ptr<Outbox> Open(const std::string& path);  // throws lux::Error
  // Adds the traceparent column to files written without it (Open calls it).
  void AddTraceparentColumns();
  // One row per lane, in one transaction.
  void Insert(const std::vector<EventRow>& rows);
  // Like Insert for rows received from a peer: rows whose (event_id, lane) was seen before are
  // dropped, the others marked seen, all in one transaction. Returns how many were new.
  int Accept(const std::vector<EventRow>& rows, std::int64_t now_ms);
  // The oldest row of `lane` (by seq); nullopt when the lane is empty.
  std::optional<EventRow> Head(const std::string& lane);
  void Done(std::int64_t seq);
  void Retry(std::int64_t seq, int attempts, std::int64_t next_at_ms, const std::string& error);
  void Dead(const EventRow& row, const std::string& error, std::int64_t now_ms);
  std::int64_t Pending(const std::string& lane);
  std::int64_t DeadCount();
  // Forgets seen ids older than `before_ms` (kept a week: a peer retrying longer than that has
  // other problems).
  void PruneSeen(std::int64_t before_ms);

 private:
  std::mutex mu_;
  std::unique_ptr<db::Connection> conn_;
};

}  // namespace lux::bus
