// Lifecycle: the App's ordered list of components and the program's on_start/on_stop hooks,
// brought up and down in one fixed sequence (docs/architecture.md, "Runtime components"):
//
//   Up:   Open each component in order -> on_start hooks -> Start each component in order
//   Down: Stop each started component in reverse -> on_stop hooks (reverse) -> Close in reverse
//   HandOver (a swap, before Down): HandOver each started component in reverse
//
// Up unwinds what it did when a step fails (and throws one StartupError) or when a stop was
// requested meanwhile. server.cpp calls Up between binding and accepting and Down after the
// HTTP drain; command runs (run-task, jobs) call them too, without starting components.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "server/component.h"

namespace lux::server {

class Lifecycle {
 public:
  // At its place in the order; throws std::invalid_argument on a second component of an order
  // or once Up was called (the list is fixed from then on).
  Component& Add(std::unique_ptr<Component> component);
  bool sealed() const { return sealed_; }
  Component* Find(Order order) const;
  // The component that provides `command`, or nullptr.
  Component* CommandProvider(std::string_view command) const;
  const std::vector<std::unique_ptr<Component>>& components() const { return list_; }

  std::vector<Hook> on_start;
  std::vector<Hook> on_stop;

  // Opens the components taking part in host.Mode(), runs on_start (serving and run-task) and,
  // when serving, starts the components. A failure unwinds every step already taken and
  // throws StartupError: a component's own StartupError as it is, another exception as
  // "<component>: <what>", an on_start failure as "on_start failed: <what>". `stop_requested`
  // is asked after every step: when it says true, Up unwinds (Down) and returns false.
  bool Up(Host& host, const std::function<bool()>& stop_requested = {});
  // Stops the started components (reverse; running work gets until `deadline`), runs on_stop
  // when on_start ran (reverse registration order), closes the opened components (reverse).
  // Errors are logged. Idempotent: a second call does nothing.
  void Down(Deadline deadline);
  // A swap: Component::HandOver of every started component, in reverse (the scheduler before
  // the job workers, as Stop). Errors are logged. Down still follows.
  void HandOver(Deadline deadline);
  // Component::DecorateEarlyAnswer of every opened component, in order (serving only: the list
  // of opened components does not change while connections are served).
  void DecorateEarlyAnswer(const Request& head, Response& res) const;

 private:
  void Unwind(Deadline deadline);

  std::vector<std::unique_ptr<Component>> list_;  // sorted by order
  std::vector<Component*> opened_;                // in the order they opened
  std::vector<Component*> started_;
  bool hooks_ran_ = false;
  bool sealed_ = false;
};

}  // namespace lux::server
