// A test executable (`luxc test`): the runner generated mains call, and what the test built-ins
// (stdlib/src/testing.cpp) do inside a test — the in-process client, the simulated clock, the
// job and event drains, assertion failures. Each test gets a fresh App (the server's Register),
// opened in RunMode::kTest on an in-memory database, job store and outbox, with the process's
// clock simulated. Served programs never include this header.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "lux/http.h"
#include "lux/value.h"

namespace lux::testing {

struct TestCase {
  const char* name;
  Value (*run)();
  const char* where;       // "file.lux:LINE" of the `test`
  std::int64_t timeout_ms; // 0: kDefaultTimeoutMs
};

// A test running longer than this in real time (its server's start included) fails, unless the
// test gives its own `timeout`: the tests run in a forked child, which the runner kills and
// replaces with one that goes on with the next test (docs/runtime.md, "Test executables").
inline constexpr std::int64_t kDefaultTimeoutMs = 60'000;
// Where the simulated clock starts for every test: 2026-01-01T00:00:00Z, a Thursday.
inline constexpr std::int64_t kClockStartMs = 1'767'225'600'000;

// The generated main: `--filter TEXT` (a test runs when its name contains TEXT), `--list`.
// Prints `test NAME ... ok|FAILED`, the failures, and a summary; returns 1 when a test failed.
// `setup` is the server's Register, or nullptr for a program without servers.
int TestMain(int argc, char** argv, const char* program, void (*setup)(App&), const TestCase* tests,
             std::size_t count);

// An assertion that did not hold: the message says where and what (`a.lux:12: ...`).
class AssertionFailed : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The calls of the test built-ins (all need a running test; otherwise lux::Error).
// A request through the whole HTTP stack of the test's App, without a socket: the answer as
// {status, headers (lower-case names), body (text), json (the body parsed, or null)}.
Value Request(std::string_view method, const std::string& target, const Value* body, const Value& headers);
// Moves the simulated clock forward by `ms`, running in time order every schedule tick, due
// job (delayed, retried) and local event delivery in that span.
void AdvanceClock(std::int64_t ms);
// Sets the simulated clock (forward: as AdvanceClock; backward: only the clock moves).
void SetClock(std::int64_t ms);
std::int64_t ClockNow();
// Runs the due jobs (and the jobs and events they bring) on this thread until none is left;
// returns how many job attempts ran.
std::int64_t DrainJobs();
// Replaces, for the rest of the running test, the functions of discovered `service` that
// `functions` (an object of functions) names: RPC calls of them run the function instead of
// reaching the peer (arguments and result through JSON); the service's other functions fail as
// an offline peer does. A later call for the same service adds to (and replaces) the earlier ones.
void MockService(const std::string& service, const Value& functions);
// `form(fields)`: a body the client sends as multipart/form-data (a part per field, a list as
// several parts of one name, a FilePart value as a file). The value is an object holding the
// fields under kFormKey; posted as anything but a request body it is that object.
inline constexpr const char* kFormKey = "$lux_form";
inline constexpr const char* kFilePartKey = "$lux_file_part";
Value Form(const Value& fields);
// `file_part(filename, content, type?)`: a file of a form (type: application/octet-stream).
Value FilePart(const std::string& filename, const std::string& content, const std::string& type);
// The payloads published under `event` since the test began, oldest first.
Value Published(const std::string& event);

}  // namespace lux::testing
