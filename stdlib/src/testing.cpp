// The test built-ins (stdlib/builtins.def, form Test): assertions with readable failures, the
// in-process client (get/post/put/patch/delete), the simulated clock, jobs.drain() and
// events.published(), mock_service. All but the assertions forward to lux::testing (runtime/src/testing/).
#include <optional>
#include <string>

#include "lux/stdlib.h"
#include "lux/testing.h"

namespace lux::stdlib {

namespace {

// Values in failure messages: JSON (records and lists as objects and arrays, strings quoted),
// cut at kShownBytes so that a large body does not flood the report.
constexpr std::size_t kShownBytes = 2000;

std::string Shown(const Value& v) {
  std::string s = v.IsFunction() ? std::string("<function>") : ToJson(v);
  if (s.size() > kShownBytes) s = s.substr(0, kShownBytes) + "...";
  return s;
}

const Value& Arg(std::initializer_list<Value> args, std::size_t i) {
  static const Value kNull;
  return i < args.size() ? *(args.begin() + i) : kNull;
}

[[noreturn]] void Failed(const char* where, const std::string& what) {
  throw testing::AssertionFailed(std::string(where) + ": " + what);
}

// `expected X, found Y` on one line when both are short, else one value per line.
std::string Difference(const std::string& expected, const std::string& found) {
  if (expected.size() + found.size() <= 80) return "expected " + expected + ", found " + found;
  return "\n  expected: " + expected + "\n     found: " + found;
}

Value Request(const char* method, std::initializer_list<Value> args, bool with_body) {
  const Value& target = Arg(args, 0);
  if (!target.IsString()) throw Error(std::string(method) + ": the path must be a String");
  const Value& body = with_body ? Arg(args, 1) : Value();
  const Value& headers = Arg(args, with_body ? 2 : 1);
  return testing::Request(method, target.AsString(), with_body ? &body : nullptr, headers);
}

}  // namespace

Value TestAssert(std::initializer_list<Value> args, const char* where) {
  const Value& cond = Arg(args, 0);
  if (cond.IsBool() && cond.AsBool()) return Value();
  const Value& message = Arg(args, 1);
  Failed(where, message.IsString() ? "assertion failed: " + message.AsString() : std::string("assertion failed"));
}

Value TestAssertEq(std::initializer_list<Value> args, const char* where) {
  const Value& found = Arg(args, 0);
  const Value& expected = Arg(args, 1);
  if (found == expected) return Value();
  Failed(where, "assert_eq failed: " + Difference(Shown(expected), Shown(found)));
}

Value TestAssertNe(std::initializer_list<Value> args, const char* where) {
  const Value& found = Arg(args, 0);
  const Value& other = Arg(args, 1);
  if (!(found == other)) return Value();
  Failed(where, "assert_ne failed: both are " + Shown(found));
}

Value TestAssertThrows(std::initializer_list<Value> args, const char* where) {
  const Value& fn = Arg(args, 0);
  const Value& text = Arg(args, 1);
  std::string message;
  try {
    fn.Call({});
  } catch (const testing::AssertionFailed&) {
    throw;
  } catch (const std::exception& e) {
    message = e.what();
    if (text.IsString() && message.find(text.AsString()) == std::string::npos)
      Failed(where, "assert_throws: the error does not mention " + Shown(text) + ": " + Shown(Value(message)));
    return Value(message);
  }
  Failed(where, "assert_throws: the function returned without an error");
}

Value TestGet(std::initializer_list<Value> args, const char*) { return Request("GET", args, false); }
Value TestDelete(std::initializer_list<Value> args, const char*) { return Request("DELETE", args, false); }
Value TestPost(std::initializer_list<Value> args, const char*) { return Request("POST", args, true); }
Value TestPut(std::initializer_list<Value> args, const char*) { return Request("PUT", args, true); }
Value TestPatch(std::initializer_list<Value> args, const char*) { return Request("PATCH", args, true); }

Value TestClockAdvance(std::initializer_list<Value> args, const char*) {
  const Value& d = Arg(args, 0);
  testing::AdvanceClock(d.IsFloat() ? static_cast<std::int64_t>(d.AsFloat()) : d.AsInt());
  return Value();
}

Value TestClockNow(std::initializer_list<Value>, const char*) {
  return Value(static_cast<long long>(testing::ClockNow()));
}

Value TestClockSet(std::initializer_list<Value> args, const char* where) {
  const Value& t = Arg(args, 0);
  std::int64_t at = 0;
  if (t.IsString()) {
    std::optional<std::int64_t> parsed = ParseInstant(t.AsString());
    if (!parsed) Failed(where, "clock.set: \"" + t.AsString() + "\" is not a date and time (2026-03-01T03:00:00Z)");
    at = *parsed;
  } else {
    at = t.AsInt();
  }
  testing::SetClock(at);
  return Value();
}

Value TestJobsDrain(std::initializer_list<Value>, const char*) {
  return Value(static_cast<long long>(testing::DrainJobs()));
}

Value TestMockService(std::initializer_list<Value> args, const char*) {
  const Value& service = Arg(args, 0);
  if (!service.IsString()) throw Error("mock_service: the service must be named by a String");
  testing::MockService(service.AsString(), Arg(args, 1));
  return Value();
}

Value TestForm(std::initializer_list<Value> args, const char*) { return testing::Form(Arg(args, 0)); }

Value TestFilePart(std::initializer_list<Value> args, const char*) {
  auto text = [](const Value& v) { return v.IsNull() ? std::string() : v.IsString() ? v.AsString() : ToJson(v); };
  return testing::FilePart(text(Arg(args, 0)), text(Arg(args, 1)), text(Arg(args, 2)));
}

Value TestEventsPublished(std::initializer_list<Value> args, const char*) {
  const Value& event = Arg(args, 0);
  return testing::Published(event.IsString() ? event.AsString() : ToJson(event));
}

}  // namespace lux::stdlib
