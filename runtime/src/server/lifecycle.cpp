// The components' lifecycle (see lifecycle.h): the ordered list, Up with its unwinding, Down.
#include "server/lifecycle.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>

#include "core/log.h"
#include "lux/services.h"

namespace lux::server {
namespace {

// The one line a failed step turns into.
StartupError Named(const std::string& prefix, const std::exception& e) {
  if (auto* s = dynamic_cast<const StartupError*>(&e)) return *s;  // names its own cause
  return StartupError(prefix + e.what());
}

void Logged(const char* step, const std::string& who, const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    core::Log(LogLevel::kError, step, {{"component", who}, {"error", std::string(e.what())}});
  } catch (...) {
    core::Log(LogLevel::kError, step, {{"component", who}, {"error", "unknown exception"}});
  }
}

}  // namespace

Component& Lifecycle::Add(std::unique_ptr<Component> component) {
  if (sealed_) throw std::invalid_argument("runtime component `" + component->name() + "` added after the start began");
  if (Find(component->order()))
    throw std::invalid_argument("runtime component `" + component->name() + "` is registered twice");
  auto at = std::upper_bound(list_.begin(), list_.end(), component->order(),
                             [](Order o, const std::unique_ptr<Component>& c) { return o < c->order(); });
  return **list_.insert(at, std::move(component));
}

Component* Lifecycle::Find(Order order) const {
  for (const auto& c : list_)
    if (c->order() == order) return c.get();
  return nullptr;
}

Component* Lifecycle::CommandProvider(std::string_view command) const {
  for (const auto& c : list_)
    if (c->ProvidesCommand(command)) return c.get();
  return nullptr;
}

bool Lifecycle::Up(Host& host, const std::function<bool()>& stop_requested) {
  const RunMode run = host.Mode();
  sealed_ = true;
  // Work a started component already runs gets the drain grace, as in a normal stop.
  auto grace = [&] { return Deadline::clock::now() + std::chrono::milliseconds(host.Options().drain_timeout_ms); };
  auto stop = [&] {
    if (!stop_requested || !stop_requested()) return false;
    Unwind(grace());
    return true;
  };
  for (const auto& c : list_) {
    if (!c->TakesPart(run)) continue;
    try {
      c->Open(host);
    } catch (const std::exception& e) {
      StartupError error = Named(c->name() + ": ", e);
      Logged("close failed", c->name(), [&] { c->Close(); });  // a partial Open leaves nothing
      Unwind(Deadline::clock::now());
      throw error;
    }
    opened_.push_back(c.get());
    if (stop()) return false;
  }
  if (run != RunMode::kAdmin) {
    for (auto& hook : on_start) {
      std::optional<CallResult> failed;
      try {
        hook();
        failed = rt::TakeCallFailure();  // a failed call it kept (lux/services.h)
      } catch (const std::exception& e) {
        StartupError error = Named("on_start failed: ", e);
        Unwind(Deadline::clock::now());
        throw error;
      }
      if (failed) {
        StartupError error("on_start failed: " + failed->error);
        Unwind(Deadline::clock::now());
        throw error;
      }
    }
    hooks_ran_ = true;
    if (stop()) return false;
  }
  if (run != RunMode::kServe) return true;
  for (Component* c : opened_) {
    try {
      c->Start(host);
    } catch (const std::exception& e) {
      StartupError error = Named(c->name() + ": ", e);
      Logged("stop failed", c->name(), [&] { c->Stop(grace()); });  // a partial Start
      Unwind(grace());
      throw error;
    }
    started_.push_back(c);
    if (stop()) return false;
  }
  return true;
}

void Lifecycle::Down(Deadline deadline) { Unwind(deadline); }

void Lifecycle::HandOver(Deadline deadline) {
  for (auto it = started_.rbegin(); it != started_.rend(); ++it)
    Logged("hand-over failed", (*it)->name(), [&] { (*it)->HandOver(deadline); });
}

void Lifecycle::DecorateEarlyAnswer(const Request& head, Response& res) const {
  for (const Component* c : opened_) c->DecorateEarlyAnswer(head, res);
}

void Lifecycle::Unwind(Deadline deadline) {
  while (!started_.empty()) {
    Component* c = started_.back();
    started_.pop_back();
    Logged("stop failed", c->name(), [&] { c->Stop(deadline); });
  }
  if (hooks_ran_) {
    hooks_ran_ = false;
    for (auto it = on_stop.rbegin(); it != on_stop.rend(); ++it) {
      try {
        (*it)();
        if (std::optional<CallResult> failed = rt::TakeCallFailure())  // a failed call it kept (lux/services.h)
          core::Log(LogLevel::kError, "on_stop failed", {{"error", failed->error}});
      } catch (const std::exception& e) {
        core::Log(LogLevel::kError, "on_stop failed", {{"error", std::string(e.what())}});
      }
    }
  }
  while (!opened_.empty()) {
    Component* c = opened_.back();
    opened_.pop_back();
    Logged("close failed", c->name(), [&] { c->Close(); });
  }
}

}  // namespace lux::server
