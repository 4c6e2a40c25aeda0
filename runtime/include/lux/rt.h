// Helpers that generated code calls (namespace lux::rt): the current request's id, locals and
// trace context, fiber-aware sleep, and the program entry point. Hand-written C++ may use them
// too, but they are shaped for the code generator.
#pragma once

#include <cstdint>
#include <string>

#include "lux/http.h"

namespace lux::rt {

// The request being served by the calling fiber, or nullptr (on_start, jobs, main).
Request* CurrentRequest();
// `__getRequestId()` / `request_id()`: the current request id, "" outside a request.
const std::string& RequestId();
// `__getLocals()`: the current request's locals object. Outside a request, a per-thread object.
Value& Locals();
// True when running on a server fiber: blocking waits suspend only this request.
bool InFiber();
// Waits `ms` milliseconds; on a fiber other requests keep being served meanwhile.
void Sleep(std::int64_t ms);

// Program entry point for generated code:
//   int main(int argc, char** argv) { return lux::rt::RunMain(argc, argv, "api", &Setup); }
// Setup reads env values and registers routes/hooks; a StartupError thrown there (or by
// binding) prints `<name>: <message>` as one line and returns 1. Otherwise runs App::Run.
int RunMain(int argc, char** argv, const char* name, void (*setup)(App&));

}  // namespace lux::rt
