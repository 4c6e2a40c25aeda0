// with_lock as generated code calls it: lux::stdlib::WithLock with a lux::Function value (the
// Lux lambda) returns the lambda's value, may be nested, and lets an error through after
// releasing the lock; from several threads the read-modify-write inside loses no update.
#include <catch2/catch.hpp>
#include <lux/stdlib.h>

#include <thread>
#include <vector>

using lux::Value;
namespace sl = lux::stdlib;

namespace {
Value Fn(std::function<Value(const std::vector<Value>&)> f) { return Value(lux::Function(std::move(f))); }
}  // namespace

TEST_CASE("with_lock returns the function's value, nests, and releases the lock on an error", "[stdlib]") {
  Value inner = Fn([](const std::vector<Value>&) { return Value(int64_t{41}); });
  Value outer = Fn([&](const std::vector<Value>&) { return sl::Add(sl::WithLock(inner), Value(int64_t{1})); });
  CHECK(sl::WithLock(outer) == Value(int64_t{42}));
  Value failing = Fn([](const std::vector<Value>&) -> Value { throw lux::Error("no stock"); });
  CHECK_THROWS_WITH(sl::WithLock(failing), Catch::Contains("no stock"));
  bool ran = false;
  std::thread other([&] { sl::WithLock(Fn([&](const std::vector<Value>&) { ran = true; return Value(); })); });
  other.join();  // would never finish if the error had kept the lock
  CHECK(ran);
}

TEST_CASE("with_lock: 4 threads x 1000 read-modify-write increments of one value give 4000", "[stdlib]") {
  Value counter(int64_t{0});
  Value bump = Fn([&](const std::vector<Value>&) {
    Value v = counter;
    std::this_thread::yield();
    counter = sl::Add(v, Value(int64_t{1}));
    return counter;
  });
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) sl::WithLock(bump);
    });
  for (auto& t : threads) t.join();
  CHECK(counter == Value(int64_t{4000}));
}
