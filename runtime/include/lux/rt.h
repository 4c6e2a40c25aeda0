// Helpers that generated code calls (namespace lux::rt): the current request's id, locals and
// trace context, fiber-aware sleep, and the program entry point. Hand-written C++ may use them
// too, but they are shaped for the code generator.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

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
// Waits `ms` milliseconds; on a fiber other requests keep being served meanwhile. In a test
// executable (simulated clock, lux/testing.h) it moves the clock forward instead of waiting.
void Sleep(std::int64_t ms);
// `Date.now()`: milliseconds since the Unix epoch on the process's clock (the real one, or the
// simulated clock of a test executable).
std::int64_t NowMs();
// `with_lock(fn() { ... })`: runs `body` holding the server process's one lock (FIFO, reentrant
// on the same fiber or thread). A fiber waiting for it suspends, so its I/O thread serves other
// requests meanwhile; the body may itself wait (a query, a fetch) while it holds the lock.
Value WithLock(const std::function<Value()>& body);

// Typed inputs. A client sending the wrong type is a 400 naming the input, not a 500:
//   `fn get(id: Int)` on /items/:id   -> ParamInt(req, "id")
//   `fn list(limit: Option<Int>)`     -> QueryInt(req, "limit")
//   `fn create(u: User)` (JSON body)  -> BodyAs<User>(req)
std::int64_t ParamInt(const Request& req, std::string_view name);
double ParamFloat(const Request& req, std::string_view name);
std::optional<std::int64_t> QueryInt(const Request& req, std::string_view name);
std::optional<double> QueryFloat(const Request& req, std::string_view name);
std::optional<bool> QueryBool(const Request& req, std::string_view name);
template <typename T>
T BodyAs(const Request& req) {
  T out{};
  const Value& body = req.Json();  // 400 with position on malformed JSON
  try {
    FromValue(body, out);  // ADL finds the record's FromValue
  } catch (const TypeError& e) {
    throw HttpError(400, std::string("invalid request body: ") + e.what());
  }
  return out;
}

// One structured log line from Lux code (`log.info(msg, { k: v })`): fields from an object
// (Strings and numbers as such, anything else as its JSON), plus the request id, and the job
// id and name inside a job. Filtered by LUX_LOG_LEVEL, formatted by LUX_LOG_FORMAT.
void Log(LogLevel level, const std::string& msg, const Value& fields);

// The line `print(...)` writes to stdout for `text` (newline included). Outside a request,
// job run or event delivery: `text` itself. Inside one, text lines (LUX_LOG_FORMAT=text) add
// ` request_id=<id>` (and ` trace_id=<t> span_id=<s>` with tracing on); JSON lines are
// objects {ts, level: "info", msg: text, source: "print", request_id, trace_id, span_id}.
std::string PrintLine(std::string_view text);

// Program entry point for generated code:
//   int main(int argc, char** argv) { return lux::rt::RunMain(argc, argv, "api", &Setup); }
// Setup reads env values and registers routes/hooks; a StartupError thrown there (or by
// binding) prints `<name>: <message>` as one line and returns 1. Otherwise runs App::Run.
int RunMain(int argc, char** argv, const char* name, void (*setup)(App&));

}  // namespace lux::rt
