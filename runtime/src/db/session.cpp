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

thread_local std::vector<TxFrame*> tl_frames;

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

const void* CurrentTxOwner() {
  core::Fiber* f = core::tl_fiber;
  return f && f->yield ? static_cast<const void*>(f) : nullptr;
}

TxFrame* FindTxFrame(const void* pool) {
  if (tl_frames.empty()) return nullptr;
  const void* owner = CurrentTxOwner();
  for (auto it = tl_frames.rbegin(); it != tl_frames.rend(); ++it)
    if ((*it)->owner == owner && (*it)->pool == pool) return *it;
  return nullptr;
}

TxFrameGuard::TxFrameGuard(TxFrame* f) : f_(f) { tl_frames.push_back(f); }

TxFrameGuard::~TxFrameGuard() {
  auto it = std::find(tl_frames.begin(), tl_frames.end(), f_);
  if (it != tl_frames.end()) tl_frames.erase(it);
}

void CheckTxDepth(const TxFrame& outer) {
  if (outer.depth + 1 > kMaxTransactionDepth)
    throw Error("db.transaction: nested more than " + std::to_string(kMaxTransactionDepth) + " deep");
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
  BasicPool<Connection>* key = &pool;  // what BasicSession looks frames up by
  if (TxFrame* outer = FindTxFrame(key)) {
    CheckTxDepth(*outer);
    TxFrame frame{outer->owner, key, outer->conn, outer->depth + 1};
    Savepoint sp(*static_cast<Connection*>(outer->conn), frame.depth);
    TxFrameGuard guard(&frame);
    Value result = body();
    sp.Commit();
    return result;
  }
  Lease lease = pool.Acquire();
  TxFrame frame{CurrentTxOwner(), key, lease.get(), 0};
  WriteTx tx(*lease, "db.transaction");
  TxFrameGuard guard(&frame);
  Value result = body();
  tx.Commit();
  return result;
}

}  // namespace lux::db
