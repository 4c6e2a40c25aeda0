// The event bus as a test executable drives it (lux::testing, runtime/src/testing/): publish
// hands each event to a recorder instead of the outbox, and the test runs the local subscribers
// itself, on its own thread, when it drains. Entry points: SetPublishRecorder, RunSubscribers.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "lux/value.h"

namespace lux::bus {

using PublishRecorder = std::function<void(std::string_view event, const Value& data)>;
// From now on every publish goes to `recorder` (empty: to the outbox again).
void SetPublishRecorder(PublishRecorder recorder);
// Runs this process's local subscribers of `event` with `data` on the calling thread, in
// registration order. Returns the error of each subscriber that threw.
std::vector<std::string> RunSubscribers(std::string_view event, const Value& data);

}  // namespace lux::bus
