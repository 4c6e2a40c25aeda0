// CheckStack (lux/value.h): deep recursion fails the request, job or hook that recursed with an
// Error instead of running into the stack's guard page (a SIGSEGV that kills the process and
// every connection with it).
#include <pthread.h>

#include <cstdint>
#include <string>

#include "core/fiber.h"
#include "lux/error.h"
#include "lux/stack.h"
#include "lux/value.h"

namespace lux {
namespace {

// Kept free below the deepest frame a check lets through: what the failure itself needs (the
// Error's message, the unwinding, the 500 answer and its log line) and a runtime call between
// two checks (a JSON write, a copy, a log line) may take.
constexpr std::uintptr_t kReserveBytes = 64 << 10;

// The calling thread's own stack [low, high) (main thread, job workers, event lanes); computed once.
struct ThreadStack {
  std::uintptr_t low = 0, high = 0;
};
thread_local ThreadStack tl_thread_stack;
thread_local bool tl_thread_stack_known = false;

const ThreadStack& OwnStack() {
  if (!tl_thread_stack_known) {
    tl_thread_stack_known = true;
    pthread_attr_t attr;
    if (pthread_getattr_np(pthread_self(), &attr) == 0) {
      void* addr = nullptr;
      std::size_t size = 0;
      if (pthread_attr_getstack(&attr, &addr, &size) == 0) {
        tl_thread_stack.low = reinterpret_cast<std::uintptr_t>(addr);
        tl_thread_stack.high = tl_thread_stack.low + size;
      }
      pthread_attr_destroy(&attr);
    }
  }
  return tl_thread_stack;
}

[[noreturn]] void Overflow() {
  throw Error("stack overflow: calls or values nested too deep (a recursion without an end, or one deeper than "
              "this server's stack holds)");
}

}  // namespace

void CheckStack() {
  char probe = 0;
  auto sp = reinterpret_cast<std::uintptr_t>(&probe);
  if (const core::Fiber* f = core::tl_fiber; f && f->stack_top) {
    auto top = reinterpret_cast<std::uintptr_t>(f->stack_top);
    // On the connection's fiber: its stack spans kFiberStackBytes below (about) stack_top.
    if (sp <= top && top - sp < core::kFiberStackBytes) {
      if (top - sp > core::kFiberStackBytes - kReserveBytes) Overflow();
      return;
    }
  }
  const ThreadStack& own = OwnStack();
  if (sp >= own.low && sp < own.high && sp - own.low < kReserveBytes) Overflow();
}

}  // namespace lux
