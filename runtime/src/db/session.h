// Which connection a database call uses, and transactions. Inside db.transaction the calling
// fiber (or thread, outside fibers) keeps one leased connection for the whole body; every other
// call leases one for its own duration (BasicSession, both backends). SQLite: writes outside a
// transaction run in BEGIN IMMEDIATE .. COMMIT, so a writer waits for the lock up front (busy
// handler) instead of failing on upgrade. Entry points: Session, WithWrite, RunTransaction.
#pragma once

#include <functional>
#include <string_view>

#include "db/pool.h"
#include "lux/value.h"

namespace lux::db {

// Savepoints nested deeper than this are refused: unbounded recursion through
// db.transaction is a bug, and each level is a savepoint on the connection.
inline constexpr int kMaxTransactionDepth = 32;

// An open db.transaction of the calling fiber (or thread) on one pool: calls inside the body
// find it and use its connection. Shared by both backends (`pool` and `conn` are theirs).
struct TxFrame {
  const void* owner;  // the fiber, or nullptr for the thread itself
  const void* pool;
  void* conn;
  int depth;          // 0 = the outer transaction, n = savepoint lux_sp_n
};
// The calling fiber (nullptr on a thread without one).
const void* CurrentTxOwner();
// The innermost transaction of the calling fiber on `pool`, or nullptr.
TxFrame* FindTxFrame(const void* pool);
// Records a frame for the body's duration; removes it however the body ends.
class TxFrameGuard {
 public:
  explicit TxFrameGuard(TxFrame* f);
  ~TxFrameGuard();
  TxFrameGuard(const TxFrameGuard&) = delete;

 private:
  TxFrame* f_;
};
// `kMaxTransactionDepth` as the one error both backends throw past it.
void CheckTxDepth(const TxFrame& outer);

// The connection a call uses: the calling fiber's open transaction's, or a fresh lease.
template <typename C>
class BasicSession {
 public:
  explicit BasicSession(BasicPool<C>& pool) {
    if (TxFrame* f = FindTxFrame(&pool)) {
      conn_ = static_cast<C*>(f->conn);
      in_tx_ = true;
    } else {
      lease_ = pool.Acquire();
      conn_ = lease_.get();
    }
  }
  BasicSession(const BasicSession&) = delete;
  C& conn() const { return *conn_; }
  bool in_transaction() const { return in_tx_; }

 private:
  BasicLease<C> lease_;
  C* conn_ = nullptr;
  bool in_tx_ = false;
};
using Session = BasicSession<Connection>;

// BEGIN IMMEDIATE now; ROLLBACK when destroyed without Commit (also while unwinding: no catch
// block runs database code, since a busy wait may suspend the fiber).
class WriteTx {
 public:
  WriteTx(Connection& c, std::string_view what);
  WriteTx(const WriteTx&) = delete;
  ~WriteTx();
  void Commit();

 private:
  Connection& c_;
  std::string_view what_;
  bool done_ = false;
};

template <typename F>
auto WithWrite(Pool& pool, std::string_view what, F&& fn) {
  Session s(pool);
  if (s.in_transaction()) return fn(s.conn());
  WriteTx tx(s.conn(), what);
  auto result = fn(s.conn());
  tx.Commit();
  return result;
}

// db.transaction(body): BEGIN IMMEDIATE / COMMIT, or a savepoint when nested (SQLite).
Value RunTransaction(Pool& pool, const std::function<Value()>& body);

}  // namespace lux::db
