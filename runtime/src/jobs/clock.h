// The clock the job queue and the scheduler read and sleep on. Production uses SystemClock
// (wall-clock milliseconds, sleeps on the steady clock); tests inject ManualClock and step
// time forward without sleeping. Entry points: Clock, SystemClock(), ManualClock.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <limits>
#include <mutex>

namespace lux::jobs {

inline constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds since the Unix epoch (UTC): what run_at and last-fire times are stored in.
  virtual std::int64_t NowMs() const = 0;
  // Waits on `cv` (with `lock` held) until notified or until NowMs() reaches `deadline_ms`
  // (kNever: no deadline). May return early; callers re-check their condition.
  virtual void WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock, std::int64_t deadline_ms) = 0;
};

// The process's clock: the real one (a process-wide instance that is never destroyed), or the
// simulated clock a test executable installs with SetProcessClock (lux::testing). Stored job
// times, the scheduler, Date.now(), sleep and the services' breakers all read it.
Clock& SystemClock();

class ManualClock;
// Installs `clock` as the process's clock (nullptr: the real clock again). Only before any
// component opens: a test executable calls it once at its start.
void SetProcessClock(ManualClock* clock);
// The simulated clock, or nullptr when the process runs on the real one.
ManualClock* SimulatedClock();

// A clock that moves only when told to. WaitUntil returns after a short real wait so that
// waiters notice Advance() without being notified by it.
class ManualClock : public Clock {
 public:
  explicit ManualClock(std::int64_t start_ms) : now_ms_(start_ms) {}
  std::int64_t NowMs() const override { return now_ms_.load(); }
  void WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock, std::int64_t deadline_ms) override;
  void Advance(std::int64_t ms) { now_ms_.fetch_add(ms); }
  void Set(std::int64_t ms) { now_ms_.store(ms); }

 private:
  std::atomic<std::int64_t> now_ms_;
};

}  // namespace lux::jobs
