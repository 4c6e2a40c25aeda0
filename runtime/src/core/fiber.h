// The fiber the calling thread is running (a stackful coroutine from asio::spawn), so that
// direct-style runtime calls (Sleep, Fetch, later db) can suspend instead of blocking. Every
// suspension point must restore tl_fiber after resuming (other fibers ran meanwhile): use
// SuspendGuard.
#pragma once

#include <chrono>
#include <memory>
#include <optional>

#include <boost/asio/io_context.hpp>
#include <boost/asio/spawn.hpp>

#include "lux/http.h"

namespace lux::server {
class Takeover;
}

namespace lux::core {

// Work a fiber does while it sleeps: an SSE handler subscribed to channels writes the events
// they deliver meanwhile (realtime/sse.cpp), instead of holding them until its next `send`.
// Sleep (core/rt.cpp) waits with WaitUntil and calls Run each time it returns true.
class IdleWork {
 public:
  virtual ~IdleWork() = default;
  // Suspends the fiber until there is work or `deadline` passes; true when there is work.
  virtual bool WaitUntil(std::chrono::steady_clock::time_point deadline) = 0;
  // Does it, on the fiber (it may write to the connection). False when no more will come.
  virtual bool Run() = 0;
};

// yield == nullptr: a request context without a fiber (App::Handle); waits block the thread.
struct Fiber {
  boost::asio::yield_context* yield = nullptr;
  boost::asio::io_context* ioc = nullptr;
  Request* request = nullptr;
  // The running request's deadline (`with timeout(ms)`): waits for sockets, timers, fetches, RPC
  // calls and database connections end there (core/deadline.h).
  std::optional<std::chrono::steady_clock::time_point> deadline;
  // An address near the top of the fiber's stack (taken when the connection's fiber starts), so
  // that a long idle wait can give back the stack pages below it (ReleaseIdleStack).
  const char* stack_top = nullptr;
  // A handler that answers 101 and takes the connection over (a WebSocket upgrade) leaves
  // itself here; the session runs it after the handler returned (server/app_impl.h).
  std::shared_ptr<server::Takeover> takeover;
  // Set while an SSE handler that subscribed to channels runs (see IdleWork).
  IdleWork* idle = nullptr;
};

inline thread_local Fiber* tl_fiber = nullptr;

// While a background job runs on a job worker thread: the id of the request that spawned it,
// so rt::RequestId() (and the logs a job writes) point back at that request.
inline thread_local const std::string* tl_job_request_id = nullptr;
// The running job's id and name (`job_id=... job=...` on every line it logs).
inline thread_local const std::string* tl_job_id = nullptr;
inline thread_local const std::string* tl_job_name = nullptr;

class SuspendGuard {
 public:
  SuspendGuard() : saved_(tl_fiber) {}
  ~SuspendGuard() { tl_fiber = saved_; }
  Fiber* fiber() const { return saved_; }

 private:
  Fiber* saved_;
};

// Stack for each connection's fiber: address space, its pages taken only as they are touched.
// Generated code at -O0 uses stack generously and a program may recurse (JavaScript engines allow
// ~10,000 frames); CheckStack (core/stack.cpp) fails a request that nests deeper before the
// guard page below it would stop the process.
inline constexpr std::size_t kFiberStackBytes = 1 << 20;

// On a connection fiber about to wait long (an idle event stream): returns the pages of its
// stack below the caller's frame to the kernel (madvise MADV_DONTNEED; they come back zeroed
// if touched again). What the handler's deep calls left resident is otherwise kept for as long
// as the stream stays open. No effect off a fiber.
void ReleaseIdleStack();

}  // namespace lux::core
