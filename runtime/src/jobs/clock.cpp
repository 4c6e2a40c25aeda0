// SystemClock: wall-clock milliseconds for stored times; waits are converted to the steady
// clock (immune to wall-clock steps) with microsecond resolution, so a scheduler waking at a
// fire instant is late by the thread wake-up only. ManualClock's short polling wait.
#include "jobs/clock.h"

#include <chrono>

namespace lux::jobs {
namespace {

// How long a ManualClock waiter sleeps in real time before re-reading the manual time.
constexpr std::chrono::milliseconds kManualPoll{1};

class RealClock : public Clock {
 public:
  std::int64_t NowMs() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  void WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock, std::int64_t deadline_ms) override {
    if (deadline_ms == kNever) {
      cv.wait(lock);
      return;
    }
    auto now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
    long long left_us = deadline_ms * 1000 - now_us;
    if (left_us <= 0) return;
    cv.wait_until(lock, std::chrono::steady_clock::now() + std::chrono::microseconds(left_us));
  }
};

}  // namespace

namespace {
std::atomic<ManualClock*> g_simulated{nullptr};
}  // namespace

Clock& SystemClock() {
  static Clock* clock = new RealClock();  // leaked on purpose: detached job threads may outlive statics
  if (ManualClock* sim = g_simulated.load(std::memory_order_relaxed)) return *sim;
  return *clock;
}

void SetProcessClock(ManualClock* clock) { g_simulated.store(clock); }
ManualClock* SimulatedClock() { return g_simulated.load(std::memory_order_relaxed); }

void ManualClock::WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock, std::int64_t deadline_ms) {
  if (deadline_ms != kNever && NowMs() >= deadline_ms) return;
  cv.wait_for(lock, kManualPoll);
}

}  // namespace lux::jobs
