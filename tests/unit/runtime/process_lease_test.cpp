// core::ProcessLease (src/core/process_lease.h): one holder at a time per lease file, a waiter
// takes it over when the holder lets go (Release, or its process's end), StopWaiting ends a wait.
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include <catch2/catch.hpp>

#include "core/process_lease.h"
#include "db_test_util.h"

namespace {

bool WaitFor(const std::function<bool()>& pred, std::chrono::milliseconds limit) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

}  // namespace

TEST_CASE("process lease: one holder, a waiter takes over at the release, not before") {
  luxtest::TempDir dir;
  std::string path = dir.File("store.db.lease");
  lux::core::ProcessLease a(path), b(path);  // two open file descriptions: flock tells them apart
  REQUIRE(a.TryTake());
  REQUIRE(a.TryTake());  // held: stays held
  REQUIRE_FALSE(b.TryTake());
  std::atomic<int> ran{0};
  b.WhenTaken([&] { ++ran; });
  std::this_thread::sleep_for(std::chrono::milliseconds(5 * lux::core::kLeasePollMs));
  CHECK(ran.load() == 0);
  CHECK_FALSE(b.Held());
  a.Release();
  REQUIRE(WaitFor([&] { return ran.load() == 1; }, std::chrono::seconds(5)));
  CHECK(b.Held());
  CHECK_FALSE(a.TryTake());
  b.Release();
  CHECK(a.TryTake());
}

TEST_CASE("process lease: StopWaiting ends a wait without taking it, and a dead holder frees it") {
  luxtest::TempDir dir;
  std::string path = dir.File("outbox.db.lease");
  int ready[2];
  REQUIRE(::pipe(ready) == 0);
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {  // holds the lease until killed
    lux::core::ProcessLease held(path);
    char c = held.TryTake() ? 'y' : 'n';
    (void)!::write(ready[1], &c, 1);
    for (;;) ::pause();
  }
  char c = 0;
  REQUIRE(::read(ready[0], &c, 1) == 1);
  REQUIRE(c == 'y');
  lux::core::ProcessLease mine(path);
  CHECK_FALSE(mine.TryTake());
  std::atomic<int> ran{0};
  mine.WhenTaken([&] { ++ran; });
  mine.StopWaiting();
  mine.StopWaiting();  // idempotent
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(5 * lux::core::kLeasePollMs));
  CHECK(ran.load() == 0);  // the wait was ended
  CHECK(mine.TryTake());   // the kernel dropped the dead holder's lock
  ::close(ready[0]);
  ::close(ready[1]);
}
