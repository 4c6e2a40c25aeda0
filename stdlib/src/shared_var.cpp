// SharedVar: the lock around a mutable server binding (see lux/stdlib.h).
#include <mutex>

#include "lux/rt.h"
#include "lux/stdlib.h"

namespace lux::stdlib {

namespace {
std::recursive_mutex& Mu(void* p) { return *static_cast<std::recursive_mutex*>(p); }
}  // namespace

SharedVar::SharedVar() : mu_(new std::recursive_mutex) {}
SharedVar::SharedVar(Value v) : mu_(new std::recursive_mutex), v_(std::move(v)) {}
SharedVar::~SharedVar() { delete static_cast<std::recursive_mutex*>(mu_); }

Value SharedVar::Load() const {
  std::lock_guard<std::recursive_mutex> lock(Mu(mu_));
  return v_;
}

void SharedVar::Store(Value v) {
  std::lock_guard<std::recursive_mutex> lock(Mu(mu_));
  v_ = std::move(v);
}

void SharedVar::Update(const std::function<void(Value&)>& change) {
  std::lock_guard<std::recursive_mutex> lock(Mu(mu_));
  change(v_);
}

Value WithLock(const Value& body) {
  return rt::WithLock([&] { return Call(body, {}); });
}

}  // namespace lux::stdlib
