// Waiting for a socket that a C client library owns (hiredis, libpq) without holding up the
// I/O thread: on a fiber the wait suspends it through the fiber's io_context (other requests
// run meanwhile); on a plain thread (job workers, the scheduler, tests) it is a poll(2).
#pragma once

#include <chrono>
#include <optional>

namespace lux::core {

enum class FdWait : unsigned char { kRead, kWrite };

// Waits until `fd` is readable/writable (or has an error or hang-up: the caller's next read or
// write reports it). Returns false when `deadline` passed first. The descriptor stays open and
// owned by the caller.
bool WaitFd(int fd, FdWait what, std::optional<std::chrono::steady_clock::time_point> deadline);

}  // namespace lux::core
