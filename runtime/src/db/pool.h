// Pool: the connections of one open database file. A call leases a connection for its duration
// (a transaction for the whole transaction), so a fiber that suspends while holding one (busy
// wait, a fetch inside db.transaction) never shares it with another fiber of the same thread.
// Idle connections are reused LIFO; at kMaxConnections callers wait. Entry points: Acquire, Close.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "db/connection.h"

namespace lux::db {

// Open connections per database. Each holds a page cache (up to 2 MiB); callers beyond this
// wait for one to come back (a request only holds one for a statement or a transaction).
inline constexpr int kMaxConnections = 32;

class Pool;

// A leased connection; returns it to the pool when destroyed.
class Lease {
 public:
  Lease() = default;
  Lease(Pool* pool, std::unique_ptr<Connection> c) : pool_(pool), conn_(std::move(c)) {}
  Lease(Lease&&) noexcept = default;
  Lease& operator=(Lease&& o) noexcept;
  Lease(const Lease&) = delete;
  ~Lease();
  Connection& operator*() const { return *conn_; }
  Connection* operator->() const { return conn_.get(); }
  Connection* get() const { return conn_.get(); }

 private:
  void Return();
  Pool* pool_ = nullptr;
  std::unique_ptr<Connection> conn_;
};

class Pool {
 public:
  // Opens the first connection now (so a bad path fails at start). `max` = 1 for ":memory:"
  // (each connection would otherwise see its own empty database).
  Pool(std::string path, OpenOptions options, int max);
  ~Pool();
  Lease Acquire();  // throws lux::Error when closed
  void Close();     // idle connections close now, leased ones when returned
  const std::string& path() const { return path_; }

 private:
  friend class Lease;
  void Release(std::unique_ptr<Connection> c);

  std::string path_;
  OpenOptions options_;
  int max_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Connection>> idle_;
  int open_ = 0;  // idle + leased
  bool closed_ = false;
};

}  // namespace lux::db
