// The running request's deadline (core/deadline.h): read from the request's core::Fiber.
#include "core/deadline.h"

#include "core/fiber.h"
#include "lux/routes.h"

namespace lux::core {

std::optional<Clock::time_point> CurrentDeadline() {
  return tl_fiber ? tl_fiber->deadline : std::nullopt;
}

std::optional<Clock::time_point> WithRequestDeadline(std::optional<Clock::time_point> a) {
  std::optional<Clock::time_point> d = CurrentDeadline();
  if (!d) return a;
  if (!a) return d;
  return *a < *d ? a : d;
}

void CheckDeadline() {
  std::optional<Clock::time_point> d = CurrentDeadline();
  if (d && Clock::now() >= *d) ThrowDeadlineExceeded();
}

void ThrowDeadlineExceeded() { throw DeadlineExceeded(); }

}  // namespace lux::core
