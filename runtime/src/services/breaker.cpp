// The circuit breaker's transitions (see breaker.h); every state change is logged once.
#include "services/breaker.h"

#include "core/log.h"
#include "metrics/instrument.h"

namespace lux::services {

Breaker::Breaker(std::string name, int threshold, std::int64_t reset_ms, int half_open, Clock clock)
    : name_(std::move(name)),
      threshold_(threshold < 1 ? 1 : threshold),
      reset_ms_(reset_ms < 0 ? 0 : reset_ms),
      half_open_(half_open < 1 ? 1 : half_open),
      clock_(std::move(clock)) {}

const char* Breaker::StateName(State s) {
  switch (s) {
    case State::kClosed: return "closed";
    case State::kOpen: return "open";
    case State::kHalfOpen: return "half_open";
  }
  return "closed";
}

void Breaker::Open() {
  bool was_open = stats_.state == State::kOpen;
  stats_.state = State::kOpen;
  opened_at_ = clock_();
  trials_in_flight_ = 0;
  trial_successes_ = 0;
  if (!was_open) {
    ++stats_.times_opened;
    metrics::BreakerTransition(name_, 2);
    core::Log(LogLevel::kWarn, "circuit opened",
              {{"service", name_}, {"consecutive_failures", stats_.consecutive_failures},
               {"retry_after_ms", static_cast<long long>(reset_ms_)}});
    if (on_open_) on_open_();
  }
}

void Breaker::SetOnOpen(std::function<void()> hook) {
  std::lock_guard<std::mutex> lock(mu_);
  on_open_ = std::move(hook);
}

void Breaker::OpenFromPeer(std::int64_t remaining_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  MaybeHalfOpen();
  if (stats_.state == State::kOpen) return;
  remaining_ms = remaining_ms < 0 ? 0 : remaining_ms > reset_ms_ ? reset_ms_ : remaining_ms;
  stats_.state = State::kOpen;
  opened_at_ = clock_() - (reset_ms_ - remaining_ms);
  trials_in_flight_ = 0;
  trial_successes_ = 0;
  ++stats_.times_opened;
  metrics::BreakerTransition(name_, 2);
  core::Log(LogLevel::kWarn, "circuit opened",
            {{"service", name_}, {"by", "another replica"}, {"retry_after_ms", static_cast<long long>(remaining_ms)}});
}

void Breaker::MaybeHalfOpen() {
  if (stats_.state != State::kOpen || clock_() - opened_at_ < reset_ms_) return;
  stats_.state = State::kHalfOpen;
  trials_in_flight_ = 0;
  trial_successes_ = 0;
  metrics::BreakerTransition(name_, 1);
  core::Log(LogLevel::kInfo, "circuit half-open", {{"service", name_}, {"trial_calls", half_open_}});
}

bool Breaker::Allow() {
  std::lock_guard<std::mutex> lock(mu_);
  MaybeHalfOpen();
  switch (stats_.state) {
    case State::kClosed: return true;
    case State::kOpen: ++stats_.rejected; return false;
    case State::kHalfOpen:
      if (trials_in_flight_ + trial_successes_ < half_open_) {
        ++trials_in_flight_;
        return true;
      }
      ++stats_.rejected;
      return false;
  }
  return true;
}

void Breaker::OnSuccess() {
  std::lock_guard<std::mutex> lock(mu_);
  ++stats_.successes;
  stats_.consecutive_failures = 0;
  if (stats_.state != State::kHalfOpen) return;
  if (trials_in_flight_ > 0) --trials_in_flight_;
  if (++trial_successes_ >= half_open_) {
    stats_.state = State::kClosed;
    metrics::BreakerTransition(name_, 0);
    core::Log(LogLevel::kInfo, "circuit closed", {{"service", name_}});
  }
}

void Breaker::OnFailure() {
  std::lock_guard<std::mutex> lock(mu_);
  ++stats_.failures;
  ++stats_.consecutive_failures;
  if (stats_.state == State::kHalfOpen) {
    Open();  // a failed trial: wait the reset timeout again
    return;
  }
  if (stats_.state == State::kClosed && stats_.consecutive_failures >= threshold_) Open();
}

void Breaker::OnHealth(bool healthy) {
  if (!healthy) {
    std::lock_guard<std::mutex> lock(mu_);
    if (stats_.state == State::kOpen) return;  // already open: keep its reset time
    ++stats_.consecutive_failures;
    if (stats_.state == State::kHalfOpen || stats_.consecutive_failures >= threshold_) Open();
    return;
  }
  std::lock_guard<std::mutex> lock(mu_);
  MaybeHalfOpen();
  if (stats_.state != State::kHalfOpen) return;
  if (++trial_successes_ >= half_open_) {
    stats_.state = State::kClosed;
    stats_.consecutive_failures = 0;
    metrics::BreakerTransition(name_, 0);
    core::Log(LogLevel::kInfo, "circuit closed", {{"service", name_}, {"by", "health check"}});
  }
}

Breaker::State Breaker::state() {
  std::lock_guard<std::mutex> lock(mu_);
  MaybeHalfOpen();
  return stats_.state;
}

Breaker::Stats Breaker::stats() {
  std::lock_guard<std::mutex> lock(mu_);
  MaybeHalfOpen();
  return stats_;
}

}  // namespace lux::services
