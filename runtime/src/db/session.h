// Which connection a database call uses, and transactions. Inside db.transaction the calling
// fiber (or thread, outside fibers) keeps one leased connection for the whole body; every other
// call leases one for its own duration. Writes outside a transaction run in BEGIN IMMEDIATE ..
// COMMIT, so a writer waits for the lock up front (busy handler) instead of failing on upgrade.
// Entry points: Session, WithWrite, RunTransaction.
#pragma once

#include <functional>
#include <string_view>

#include "db/pool.h"
#include "lux/value.h"

namespace lux::db {

// Savepoints nested deeper than this are refused: unbounded recursion through
// db.transaction is a bug, and each level is a savepoint on the connection.
inline constexpr int kMaxTransactionDepth = 32;

class Session {
 public:
  explicit Session(Pool& pool);
  Session(const Session&) = delete;
  Connection& conn() const { return *conn_; }
  bool in_transaction() const { return in_tx_; }

 private:
  Lease lease_;
  Connection* conn_ = nullptr;
  bool in_tx_ = false;
};

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

// db.transaction(body): BEGIN IMMEDIATE / COMMIT, or a savepoint when nested.
Value RunTransaction(Pool& pool, const std::function<Value()>& body);

}  // namespace lux::db
