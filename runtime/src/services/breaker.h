// Breaker: a circuit breaker's state machine, on an injected clock so tests step through its
// timeouts without sleeping. closed → open after `threshold` consecutive failures → (calls
// rejected) → half-open after `reset_ms` with `half_open` trial calls → closed when the trials
// succeed, open again on a failure. Thread-safe. Entry points: Allow, OnSuccess, OnFailure.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

namespace lux::services {

class Breaker {
 public:
  enum class State { kClosed, kOpen, kHalfOpen };
  using Clock = std::function<std::int64_t()>;  // milliseconds, monotonic

  struct Stats {
    State state = State::kClosed;
    std::int64_t successes = 0;
    std::int64_t failures = 0;
    std::int64_t rejected = 0;       // calls refused while open (no network request made)
    int consecutive_failures = 0;
    std::int64_t times_opened = 0;
  };

  Breaker(std::string name, int threshold, std::int64_t reset_ms, int half_open, Clock clock);

  // Before a call: true lets it through (while half-open it takes one of the trial slots);
  // false means reject it now. Every allowed call must end in OnSuccess or OnFailure.
  bool Allow();
  void OnSuccess();
  void OnFailure();
  // A health check's verdict: a failure counts like a failed call; a success while half-open
  // counts as a successful trial.
  void OnHealth(bool healthy);

  State state();
  Stats stats();
  static const char* StateName(State s);
  // Whether an answer with this HTTP status counts as a failure of the peer: a 5xx does; a 2xx,
  // 3xx or 4xx (the caller's mistake: a wrongly typed argument, an unknown function, a refused
  // signature) is an answer and counts as a success. Timeouts and connection errors (no status)
  // are failures too.
  static bool IsFailureStatus(int status) { return status >= 500; }

  // Shared state between replicas (shared_breakers.cpp): `hook` is called when this breaker
  // opens by itself, with the breaker's lock held (it must not block); empty to stop.
  void SetOnOpen(std::function<void()> hook);
  // Another replica's breaker for the service opened: open here too, half-opening when the
  // other one does (`remaining_ms` from now). No effect when already open; not reported to the hook.
  void OpenFromPeer(std::int64_t remaining_ms);
  std::int64_t reset_ms() const { return reset_ms_; }

 private:
  void Open();          // mu_ held
  void MaybeHalfOpen();  // mu_ held: open and the reset timeout has passed

  std::string name_;
  int threshold_;
  std::int64_t reset_ms_;
  int half_open_;
  Clock clock_;
  std::mutex mu_;
  Stats stats_;
  std::int64_t opened_at_ = 0;
  int trials_in_flight_ = 0;
  int trial_successes_ = 0;
  std::function<void()> on_open_;
};

}  // namespace lux::services
