// lux::rt helpers for generated code: current request, id, locals, fiber-aware sleep, RunMain.
#include "lux/rt.h"

#include <boost/asio/steady_timer.hpp>
#include <cstdio>
#include <thread>

#include "core/fiber.h"
#include "core/log.h"

namespace lux::rt {

Request* CurrentRequest() { return core::tl_fiber ? core::tl_fiber->request : nullptr; }

const std::string& RequestId() {
  static const std::string kEmpty;
  Request* r = CurrentRequest();
  return r ? r->id : kEmpty;
}

Value& Locals() {
  if (Request* r = CurrentRequest()) {
    if (r->locals.IsNull()) r->locals = Value::MakeObject();  // created on first use
    return r->locals;
  }
  thread_local Value outside = Value::MakeObject();
  return outside;
}

bool InFiber() { return core::tl_fiber != nullptr; }

void Sleep(std::int64_t ms) {
  if (ms < 0) ms = 0;
  core::SuspendGuard guard;
  core::Fiber* f = guard.fiber();
  if (!f) {
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    return;
  }
  boost::asio::steady_timer timer(*f->ioc, std::chrono::milliseconds(ms));
  boost::system::error_code ec;
  timer.async_wait((*f->yield)[ec]);
}

int RunMain(int argc, char** argv, const char* name, void (*setup)(App&)) {
  try {
    App app(name);
    try {
      setup(app);
    } catch (const StartupError& e) {
      std::fprintf(stderr, "%s: %s\n", name, e.what());
      return 1;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s: setup failed: %s\n", name, e.what());
      return 1;
    }
    return app.Run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", name, e.what());
    return 1;
  }
}

}  // namespace lux::rt
