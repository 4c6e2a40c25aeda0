// rt::WithLock: the one lock of a server process around `with_lock(fn() { ... })`. Handlers run
// on fibers of several I/O threads and jobs, schedules and subscribers on threads of their own,
// and the body may wait (a query, a fetch, `sleep`) while it holds the lock. So a waiter on a
// fiber suspends (its I/O thread keeps serving other requests) and a waiter on a plain thread
// blocks; the lock passes to waiters in arrival order (FIFO: none starves). The same fiber or
// thread may take it again inside its body (reentrant). Entry point: rt::WithLock.
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "core/fiber.h"
#include "lux/rt.h"

namespace lux::rt {
namespace {

// Who holds the lock: the fiber's yield context on a fiber, else the thread.
const void* CurrentOwner() {
  if (core::tl_fiber && core::tl_fiber->yield) return core::tl_fiber->yield;
  thread_local char tag;
  return &tag;
}

struct Waiter {
  const void* owner = nullptr;
  bool granted = false;                           // under ServerLock::mu
  boost::asio::steady_timer* timer = nullptr;     // a fiber's wake-up; null for a thread
  std::condition_variable cv;                     // a thread's wake-up
};

class ServerLock {
 public:
  void Acquire() {
    const void* me = CurrentOwner();
    std::unique_lock<std::mutex> lk(mu_);
    if (owner_ == me) {
      ++depth_;
      return;
    }
    if (!owner_) {
      owner_ = me;
      depth_ = 1;
      return;
    }
    Waiter w;
    w.owner = me;
    waiters_.push_back(&w);
    core::SuspendGuard guard;
    core::Fiber* f = guard.fiber();
    if (f && f->yield) {
      // mu_ is never held across the suspension: Release posts the wake-up to this fiber's
      // io_context, which runs it only once this fiber has suspended (one thread per context).
      boost::asio::steady_timer timer(*f->ioc, boost::asio::steady_timer::time_point::max());
      w.timer = &timer;
      while (!w.granted) {
        lk.unlock();
        boost::system::error_code ec;
        timer.async_wait((*f->yield)[ec]);
        lk.lock();
      }
    } else {
      w.cv.wait(lk, [&] { return w.granted; });
    }
  }

  void Release() {
    std::lock_guard<std::mutex> lk(mu_);
    if (--depth_ > 0) return;
    if (waiters_.empty()) {
      owner_ = nullptr;
      return;
    }
    Waiter* next = waiters_.front();
    waiters_.pop_front();
    owner_ = next->owner;  // handed over: nobody can take it in between
    depth_ = 1;
    next->granted = true;
    if (next->timer) {
      boost::asio::steady_timer* t = next->timer;
      boost::asio::post(t->get_executor(), [t] { t->cancel(); });
    } else {
      next->cv.notify_one();
    }
  }

 private:
  std::mutex mu_;  // guards the fields below; held only for these few lines, never while waiting
  const void* owner_ = nullptr;
  int depth_ = 0;
  std::deque<Waiter*> waiters_;
};

ServerLock& TheLock() {
  static ServerLock lock;
  return lock;
}

}  // namespace

Value WithLock(const std::function<Value()>& body) {
  ServerLock& lock = TheLock();
  lock.Acquire();
  struct Unlock {
    ServerLock& l;
    ~Unlock() { l.Release(); }
  } unlock{lock};
  return body();
}

}  // namespace lux::rt
