// Deep recursion fails, it does not crash (runtime/src/core/stack.cpp).
#pragma once

namespace lux {

// Throws lux::Error ("stack overflow: ...") when the calling fiber or thread has less than a
// reserve of its stack left, so that deep recursion fails the request (500), job or hook that
// recursed instead of killing the process at the stack's guard page. Generated functions call it
// on entry; the copy and the JSON writing of nested values call it every 64 levels.
void CheckStack();

}  // namespace lux
