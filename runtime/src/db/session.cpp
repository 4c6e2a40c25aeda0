// Session and transactions: a per-thread list of open transactions keyed by the fiber that
// opened them (fibers never migrate between threads, so a thread_local list is exact).
#include "db/session.h"

#include <algorithm>
#include <string>
#include <vector>

#include "core/fiber.h"
#include "lux/error.h"

namespace lux::db {
namespace {

struct TxFrame {
  const void* owner;  // the fiber, or nullptr for the thread itself
  Pool* pool;
  Connection* conn;
  int depth;          // 0 = the outer transaction, n = savepoint lux_sp_n
};

thread_local std::vector<TxFrame*> tl_frames;

const void* CurrentOwner() {
  core::Fiber* f = core::tl_fiber;
  return f && f->yield ? static_cast<const void*>(f) : nullptr;
}

TxFrame* FindFrame(Pool& pool) {
  if (tl_frames.empty()) return nullptr;
  const void* owner = CurrentOwner();
  for (auto it = tl_frames.rbegin(); it != tl_frames.rend(); ++it)
    if ((*it)->owner == owner && (*it)->pool == &pool) return *it;
  return nullptr;
}

// Pushes a frame for the body's duration; pops it however the body ends.
class FrameGuard {
 public:
  explicit FrameGuard(TxFrame* f) : f_(f) { tl_frames.push_back(f); }
  ~FrameGuard() {
    auto it = std::find(tl_frames.begin(), tl_frames.end(), f_);
    if (it != tl_frames.end()) tl_frames.erase(it);
  }

 private:
  TxFrame* f_;
};

// A savepoint: RELEASE on Commit, ROLLBACK TO + RELEASE otherwise.
class Savepoint {
 public:
  Savepoint(Connection& c, int depth) : c_(c), name_("lux_sp_" + std::to_string(depth)) {
    c_.Exec(("SAVEPOINT " + name_).c_str(), "db.transaction");
  }
  ~Savepoint() {
    if (!done_) sqlite3_exec(c_.get(), ("ROLLBACK TO " + name_ + "; RELEASE " + name_).c_str(), nullptr, nullptr, nullptr);
  }
  void Commit() {
    c_.Exec(("RELEASE " + name_).c_str(), "db.transaction");
    done_ = true;
  }

 private:
  Connection& c_;
  std::string name_;
  bool done_ = false;
};

}  // namespace

Session::Session(Pool& pool) {
  if (TxFrame* f = FindFrame(pool)) {
    conn_ = f->conn;
    in_tx_ = true;
  } else {
    lease_ = pool.Acquire();
    conn_ = lease_.get();
  }
}

WriteTx::WriteTx(Connection& c, std::string_view what) : c_(c), what_(what) { c_.Exec("BEGIN IMMEDIATE", what_); }

WriteTx::~WriteTx() {
  if (!done_) sqlite3_exec(c_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void WriteTx::Commit() {
  c_.Exec("COMMIT", what_);
  done_ = true;
}

Value RunTransaction(Pool& pool, const std::function<Value()>& body) {
  if (!body) throw Error("db.transaction: no function given");
  if (TxFrame* outer = FindFrame(pool)) {
    if (outer->depth + 1 > kMaxTransactionDepth)
      throw Error("db.transaction: nested more than " + std::to_string(kMaxTransactionDepth) + " deep");
    TxFrame frame{outer->owner, &pool, outer->conn, outer->depth + 1};
    Savepoint sp(*outer->conn, frame.depth);
    FrameGuard guard(&frame);
    Value result = body();
    sp.Commit();
    return result;
  }
  Lease lease = pool.Acquire();
  TxFrame frame{CurrentOwner(), &pool, lease.get(), 0};
  WriteTx tx(*lease, "db.transaction");
  FrameGuard guard(&frame);
  Value result = body();
  tx.Commit();
  return result;
}

}  // namespace lux::db
