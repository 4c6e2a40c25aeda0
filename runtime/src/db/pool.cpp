// Pool: lease/return of connections under a mutex; a fiber waiting for a free connection
// suspends (rt::Sleep) instead of blocking its thread, whose other fibers may hold them.
#include "db/pool.h"

#include "lux/error.h"
#include "lux/rt.h"

namespace lux::db {
namespace {
// A fiber waiting for a free connection polls this often (a thread waits on the condition).
constexpr std::int64_t kFiberPoolPollMs = 1;
}  // namespace

Lease& Lease::operator=(Lease&& o) noexcept {
  if (this != &o) {
    Return();
    pool_ = o.pool_;
    conn_ = std::move(o.conn_);
  }
  return *this;
}

Lease::~Lease() { Return(); }

void Lease::Return() {
  if (pool_ && conn_) pool_->Release(std::move(conn_));
  conn_.reset();
}

Pool::Pool(std::string path, OpenOptions options, int max) : path_(std::move(path)), options_(options), max_(max) {
  idle_.push_back(Connection::Open(path_, options_));
  open_ = 1;
}

Pool::~Pool() { Close(); }

Lease Pool::Acquire() {
  for (;;) {
    std::unique_lock lock(mu_);
    if (closed_) throw Error("the database is closed (db.close() was called or the server stopped)");
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(c));
    }
    if (open_ < max_) {
      ++open_;
      lock.unlock();
      try {
        return Lease(this, Connection::Open(path_, options_));
      } catch (...) {
        std::lock_guard again(mu_);
        --open_;
        throw;
      }
    }
    if (rt::InFiber()) {
      lock.unlock();
      rt::Sleep(kFiberPoolPollMs);
    } else {
      cv_.wait_for(lock, std::chrono::milliseconds(kFiberPoolPollMs));
    }
  }
}

void Pool::Release(std::unique_ptr<Connection> c) {
  std::unique_lock lock(mu_);
  if (closed_) {
    --open_;
    lock.unlock();
    c.reset();
    return;
  }
  idle_.push_back(std::move(c));
  lock.unlock();
  cv_.notify_one();
}

void Pool::Close() {
  std::vector<std::unique_ptr<Connection>> idle;
  {
    std::lock_guard lock(mu_);
    closed_ = true;
    open_ -= static_cast<int>(idle_.size());
    idle.swap(idle_);
  }
  idle.clear();  // the last connection to close checkpoints the WAL into the database file
}

}  // namespace lux::db
