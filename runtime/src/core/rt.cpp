// lux::rt helpers for generated code: current request, id, locals, fiber-aware sleep, RunMain.
#include "lux/rt.h"
#include "tracing/tracing.h"

#include <boost/asio/steady_timer.hpp>
#include <algorithm>
#include <cstdio>
#include <thread>

#include "core/deadline.h"
#include "core/fiber.h"
#include "core/log.h"
#include "jobs/clock.h"
#include "lux/env.h"

namespace lux::rt {

Request* CurrentRequest() { return core::tl_fiber ? core::tl_fiber->request : nullptr; }

const std::string& RequestId() {
  static const std::string kEmpty;
  Request* r = CurrentRequest();
  if (r) return r->id;
  return core::tl_job_request_id ? *core::tl_job_request_id : kEmpty;
}

Value& Locals() {
  if (Request* r = CurrentRequest()) {
    if (r->locals.IsNull()) r->locals = Value::MakeObject();  // created on first use
    return r->locals;
  }
  thread_local Value outside = Value::MakeObject();
  return outside;
}

namespace {
void SleepFor(std::int64_t ms);
}  // namespace

bool InFiber() { return core::tl_fiber != nullptr && core::tl_fiber->yield != nullptr; }

std::int64_t NowMs() { return jobs::SystemClock().NowMs(); }

void Sleep(std::int64_t ms) {
  if (ms < 0) ms = 0;
  if (jobs::ManualClock* sim = jobs::SimulatedClock()) {  // a test: time moves, nothing waits
    sim->Advance(ms);
    return;
  }
  // A request with a deadline sleeps at most until it, then stops (core/deadline.h).
  bool cut = false;
  if (auto deadline = core::CurrentDeadline()) {
    auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline - core::Clock::now()).count();
    if (left <= ms) {
      cut = true;
      ms = std::max<std::int64_t>(left, 0);
    }
  }
  SleepFor(ms);
  if (cut) core::ThrowDeadlineExceeded();
}

namespace {
void SleepFor(std::int64_t ms) {
  core::SuspendGuard guard;
  core::Fiber* f = guard.fiber();
  if (!f || !f->yield) {
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    return;
  }
  if (core::IdleWork* idle = f->idle) {  // an SSE handler: channel events go out meanwhile
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (idle->WaitUntil(until) && idle->Run()) {
    }
    core::tl_fiber = f;
    if (std::chrono::steady_clock::now() >= until) return;
    ms = std::chrono::ceil<std::chrono::milliseconds>(until - std::chrono::steady_clock::now()).count();
  }
  boost::asio::steady_timer timer(*f->ioc, std::chrono::milliseconds(ms));
  boost::system::error_code ec;
  timer.async_wait((*f->yield)[ec]);
}
}  // namespace

namespace {
[[noreturn]] void BadInput(const char* where, std::string_view name, const char* type, const std::string& got) {
  throw HttpError(400, std::string(where) + " `" + std::string(name) + "` must be " + type + ", got \"" +
                           got.substr(0, 64) + "\"");
}
}  // namespace

std::int64_t ParamInt(const Request& req, std::string_view name) {
  std::string v = req.Param(name).value_or("");
  auto r = ParseIntStrict(v);
  if (!r) BadInput("path parameter", name, "an Int", v);
  return *r;
}

double ParamFloat(const Request& req, std::string_view name) {
  std::string v = req.Param(name).value_or("");
  auto r = ParseFloatStrict(v);
  if (!r) BadInput("path parameter", name, "a Float", v);
  return *r;
}

std::optional<std::int64_t> QueryInt(const Request& req, std::string_view name) {
  auto v = req.Query(name);
  if (!v || v->empty()) return std::nullopt;
  auto r = ParseIntStrict(*v);
  if (!r) BadInput("query parameter", name, "an Int", *v);
  return r;
}

std::optional<double> QueryFloat(const Request& req, std::string_view name) {
  auto v = req.Query(name);
  if (!v || v->empty()) return std::nullopt;
  auto r = ParseFloatStrict(*v);
  if (!r) BadInput("query parameter", name, "a Float", *v);
  return r;
}

std::optional<bool> QueryBool(const Request& req, std::string_view name) {
  auto v = req.Query(name);
  if (!v || v->empty()) return std::nullopt;
  auto r = ParseBoolStrict(*v);
  if (!r) BadInput("query parameter", name, "a Bool", *v);
  return r;
}

int RunMain(int argc, char** argv, const char* name, void (*setup)(App&)) {
  try {
    App app(name);
    tracing::RegisterTracing(app);  // every server: on when an OTLP endpoint is set
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
