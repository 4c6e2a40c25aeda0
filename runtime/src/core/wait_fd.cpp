#include "core/wait_fd.h"

#include <poll.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cerrno>
#include <memory>

#include "core/deadline.h"
#include "core/fiber.h"

namespace lux::core {

void ReleaseIdleStack() {
  Fiber* f = tl_fiber;
  if (!f || !f->yield || !f->stack_top) return;
  const char here = 0;
  const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  // The stack spans [stack_top - kFiberStackBytes + slack, stack_top]: slack covers what lies
  // above the Fiber in Session::Run's frame. Keep 1 KiB below this frame (the red zone and
  // madvise's own frame: the pages the caller's wait touches next fault back in) and stay clear
  // of the guard page at the bottom. An idle stream served from Run then keeps one page.
  constexpr std::uintptr_t kSlack = 16 << 10;
  auto top = reinterpret_cast<std::uintptr_t>(f->stack_top);
  auto sp = reinterpret_cast<std::uintptr_t>(&here);
  if (sp > top || top - sp > kFiberStackBytes - kSlack) return;
  std::uintptr_t lo = (top - kFiberStackBytes + kSlack + page - 1) / page * page;
  std::uintptr_t hi = (sp - 1024) / page * page;
  if (hi > lo) ::madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_DONTNEED);
}


namespace asio = boost::asio;

namespace {

bool PollFd(int fd, FdWait what, std::optional<std::chrono::steady_clock::time_point> deadline) {
  pollfd p{fd, static_cast<short>(what == FdWait::kWrite ? POLLOUT : POLLIN), 0};
  for (;;) {
    int timeout = -1;
    if (deadline) {
      auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline - std::chrono::steady_clock::now());
      timeout = left.count() > 0 ? static_cast<int>(left.count()) : 0;
    }
    int r = ::poll(&p, 1, timeout);
    if (r > 0) return true;
    if (r == 0) return false;
    if (errno != EINTR) return true;  // let the caller's read/write report it
  }
}

// What the deadline timer's handler shares with the waiting fiber: it may run after WaitFd
// returned (a completion already queued when the wait ended), so it holds the descriptor.
struct FiberWait {
  FiberWait(asio::io_context& ioc, int fd) : sd(ioc, fd) {}
  ~FiberWait() {
    if (sd.is_open()) sd.release();  // deregister from epoll; never close: the library owns it
  }
  asio::posix::stream_descriptor sd;
  bool timed_out = false;
};

}  // namespace

bool WaitFd(int fd, FdWait what, std::optional<std::chrono::steady_clock::time_point> deadline) {
  deadline = WithRequestDeadline(deadline);  // a request past its deadline stops waiting
  SuspendGuard guard;
  Fiber* f = guard.fiber();
  if (!f || !f->yield) return PollFd(fd, what, deadline);
  auto w = std::make_shared<FiberWait>(*f->ioc, fd);
  std::optional<asio::steady_timer> timer;
  if (deadline) {
    timer.emplace(*f->ioc, *deadline);
    timer->async_wait([w](boost::system::error_code ec) {
      if (ec) return;
      w->timed_out = true;
      boost::system::error_code ignored;
      w->sd.cancel(ignored);
    });
  }
  boost::system::error_code ec;
  w->sd.async_wait(what == FdWait::kWrite ? asio::posix::stream_descriptor::wait_write
                                          : asio::posix::stream_descriptor::wait_read,
                   (*f->yield)[ec]);
  if (timer) timer->cancel();
  bool ok = !w->timed_out;
  w->sd.release();
  return ok;
}

}  // namespace lux::core
