// Pool: the connections of one open database (SQLite file or PostgreSQL server). A call leases a
// connection for its duration (a transaction for the whole transaction), so a fiber that
// suspends while holding one (busy wait, a query in flight, a fetch inside db.transaction) never
// shares it with another fiber of the same thread. Idle connections are reused LIFO; a
// connection the backend reports broken is dropped when returned or before it is handed out
// again (the next caller opens a fresh one). At the cap callers wait: a fiber suspends
// (rt::Sleep), a thread waits on the condition. Entry points: BasicPool::Acquire, Close.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/deadline.h"
#include "db/connection.h"
#include "lux/error.h"
#include "lux/rt.h"
#include "metrics/instrument.h"

namespace lux::db {

// Open SQLite connections per database. Each holds a page cache (up to 2 MiB); callers beyond
// this wait for one to come back (a request only holds one for a statement or a transaction).
inline constexpr int kMaxConnections = 32;
// A fiber waiting for a free connection polls this often (a thread waits on the condition).
inline constexpr std::int64_t kFiberPoolPollMs = 1;

template <typename C>
class BasicPool;

// A leased connection; returns it to the pool when destroyed.
template <typename C>
class BasicLease {
 public:
  BasicLease() = default;
  BasicLease(BasicPool<C>* pool, std::unique_ptr<C> c) : pool_(pool), conn_(std::move(c)) {}
  BasicLease(BasicLease&&) noexcept = default;
  BasicLease& operator=(BasicLease&& o) noexcept {
    if (this != &o) {
      Return();
      pool_ = o.pool_;
      conn_ = std::move(o.conn_);
    }
    return *this;
  }
  BasicLease(const BasicLease&) = delete;
  ~BasicLease() { Return(); }
  C& operator*() const { return *conn_; }
  C* operator->() const { return conn_.get(); }
  C* get() const { return conn_.get(); }

 private:
  void Return() {
    if (pool_ && conn_) pool_->Release(std::move(conn_));
    conn_.reset();
  }
  BasicPool<C>* pool_ = nullptr;
  std::unique_ptr<C> conn_;
};

template <typename C>
class BasicPool {
 public:
  using Opener = std::function<std::unique_ptr<C>()>;
  using Check = std::function<bool(C&)>;  // false: the connection is broken, drop it

  // Opens the first connection now, so a bad path or an unreachable server fails at start.
  BasicPool(Opener open, int max, Check usable = {}) : open_fn_(std::move(open)), usable_(std::move(usable)), max_(max) {
    idle_.push_back(open_fn_());
    open_ = 1;
    metrics::DbConnectionsIdle(1);
  }
  ~BasicPool() { Close(); }
  BasicPool(const BasicPool&) = delete;

  BasicLease<C> Acquire() {  // throws lux::Error when closed, or what opening a connection throws
    bool waited = false;
    for (;;) {
      core::CheckDeadline();  // a request past its deadline stops waiting for a connection
      std::unique_lock lock(mu_);
      if (closed_) throw Error("the database is closed (db.close() was called or the server stopped)");
      while (!idle_.empty()) {
        auto c = std::move(idle_.back());
        idle_.pop_back();
        metrics::DbConnectionsIdle(-1);
        if (!usable_ || usable_(*c)) {
          metrics::DbConnectionsInUse(1);
          return BasicLease<C>(this, std::move(c));
        }
        --open_;  // broken while idle (server restarted, backend terminated): open a new one below
      }
      if (open_ < max_) {
        ++open_;
        lock.unlock();
        try {
          BasicLease<C> lease(this, open_fn_());
          metrics::DbConnectionsInUse(1);
          return lease;
        } catch (...) {
          std::lock_guard again(mu_);
          --open_;
          throw;
        }
      }
      if (!waited) metrics::DbPoolWait();
      waited = true;
      if (rt::InFiber()) {
        lock.unlock();
        rt::Sleep(kFiberPoolPollMs);
      } else {
        cv_.wait_for(lock, std::chrono::milliseconds(kFiberPoolPollMs));
      }
    }
  }
  // Idle connections close now, leased ones when returned.
  void Close() {
    std::vector<std::unique_ptr<C>> idle;
    {
      std::lock_guard lock(mu_);
      closed_ = true;
      open_ -= static_cast<int>(idle_.size());
      metrics::DbConnectionsIdle(-static_cast<int>(idle_.size()));
      idle.swap(idle_);
    }
    idle.clear();  // SQLite: the last connection to close checkpoints the WAL into the file
  }
  int max() const { return max_; }

 private:
  friend class BasicLease<C>;
  void Release(std::unique_ptr<C> c) {
    bool keep = !usable_ || usable_(*c);
    metrics::DbConnectionsInUse(-1);
    std::unique_lock lock(mu_);
    if (closed_ || !keep) {
      --open_;
      lock.unlock();
      c.reset();
      cv_.notify_one();
      return;
    }
    idle_.push_back(std::move(c));
    metrics::DbConnectionsIdle(1);
    lock.unlock();
    cv_.notify_one();
  }

  Opener open_fn_;
  Check usable_;
  int max_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<C>> idle_;
  int open_ = 0;  // idle + leased
  bool closed_ = false;
};

// The SQLite pool of one file. `max` = 1 for ":memory:" (each connection would otherwise see
// its own empty database).
class Pool : public BasicPool<Connection> {
 public:
  Pool(std::string path, OpenOptions options, int max)
      : BasicPool([path, options] { return Connection::Open(path, options); }, max), path_(std::move(path)) {}
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};
using Lease = BasicLease<Connection>;

}  // namespace lux::db
