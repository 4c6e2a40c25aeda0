// The running request's deadline (`with timeout(ms)`, set by lux::RouteTimeout on the request's
// core::Fiber): what waits consult so that a handler past its deadline stops waiting. Sleep,
// WaitFd (libpq, hiredis), Fetch (and so RPC calls) and the database pool's acquire end at the
// deadline; CPU work in the handler is not interrupted.
#pragma once

#include <chrono>
#include <optional>

namespace lux::core {

using Clock = std::chrono::steady_clock;

// The deadline of the request this thread runs, if it has one.
std::optional<Clock::time_point> CurrentDeadline();
// The earlier of `a` and the current request's deadline.
std::optional<Clock::time_point> WithRequestDeadline(std::optional<Clock::time_point> a);
// Throws lux::DeadlineExceeded (504) when the current request's deadline has passed.
void CheckDeadline();
[[noreturn]] void ThrowDeadlineExceeded();

}  // namespace lux::core
