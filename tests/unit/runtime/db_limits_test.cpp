// The db limits at their edges: transaction nesting (kMaxTransactionDepth), name length
// (kMaxNameLength), the pool's connection cap (kMaxConnections: callers wait, then proceed), and
// the statement cache emptying itself (kMaxCachedStatements).
#include <catch2/catch.hpp>

#include <atomic>
#include <functional>
#include <thread>

#include "db/pool.h"
#include "db/session.h"
#include "db/model.h"
#include "db_test_util.h"

using lux::Value;
using namespace lux::rt;
using luxtest::DbServer;
using luxtest::TempDir;

TEST_CASE("db.transaction nests kMaxTransactionDepth savepoints deep, not one more") {
  TempDir dir;
  DbServer server(dir.File("depth.db"), {});
  // nest(0, n): the outer transaction and n savepoints inside it.
  std::function<Value(int, int)> nest = [&](int depth, int savepoints) -> Value {
    return DbTransaction([&, depth, savepoints] { return depth < savepoints ? nest(depth + 1, savepoints) : Value(depth); });
  };
  CHECK(nest(0, lux::db::kMaxTransactionDepth) == Value(lux::db::kMaxTransactionDepth));
  CHECK_THROWS_WITH(nest(0, lux::db::kMaxTransactionDepth + 1), "db.transaction: nested more than 32 deep");
  CHECK(DbQuery("SELECT 1 AS one", {})[0]["one"] == Value(1));  // everything was rolled back and released
}

TEST_CASE("names up to kMaxNameLength characters") {
  lux::App app("t");
  std::string ok(lux::db::kMaxNameLength, 'a');
  std::string long_name(lux::db::kMaxNameLength + 1, 'a');
  lux::RegisterModel(app, {"M", "", {{ok, lux::ColumnType::kInt, false, {}}}});
  CHECK_THROWS_WITH(lux::RegisterModel(app, {"N", "", {{long_name, lux::ColumnType::kInt, false, {}}}}),
                    Catch::Contains("is not an identifier"));
}

TEST_CASE("the pool opens at most its cap, and one more caller waits for a returned connection") {
  TempDir dir;
  constexpr int kCap = 3;
  lux::db::Pool pool(dir.File("pool.db"), {}, kCap);
  std::vector<lux::db::Lease> held;
  for (int i = 0; i < kCap; ++i) held.push_back(pool.Acquire());
  std::atomic<bool> got{false};
  std::thread waiter([&] {
    lux::db::Lease l = pool.Acquire();
    got = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK_FALSE(got.load());
  lux::db::Connection* returned = held.back().get();
  held.pop_back();  // back to the pool
  waiter.join();
  CHECK(got.load());
  CHECK(pool.Acquire().get() == returned);  // reused, not a fourth connection
  pool.Close();
  CHECK_THROWS_WITH(pool.Acquire(), Catch::Contains("the database is closed"));
}

TEST_CASE("more distinct statements than kMaxCachedStatements: the cache empties and keeps working") {
  TempDir dir;
  DbServer server(dir.File("cache.db"), {});
  for (std::size_t i = 0; i < lux::db::kMaxCachedStatements + 10; ++i)
    REQUIRE(DbQuery("SELECT " + std::to_string(i) + " AS n", {})[0]["n"] == Value(static_cast<long long>(i)));
}
