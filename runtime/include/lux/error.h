// Errors that cross the runtime's boundary: lux::Error (what Lux code throws and what
// on_error receives), lux::ThrownError (the value of a Lux `throw`), lux::HttpError (an error whose message is safe to show the client) and
// lux::StartupError (a start-up failure: printed as one line, non-zero exit).
#pragma once

#include <stdexcept>
#include <string>

#include "lux/value.h"

namespace lux {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message, int status = 500, Value data = {})
      : std::runtime_error(message), status_(status), data_(std::move(data)) {}
  // The HTTP status a handler error maps to when no on_error handles it.
  int status() const { return status_; }
  std::string message() const { return what(); }
  const Value& data() const { return data_; }
  // True when the message may be sent to the client (HttpError). A plain Error or any other
  // exception becomes `{"error":"internal server error"}`: internals never leak.
  virtual bool exposed() const { return false; }
  // {message, status, data?, value?} for Lux code (`err.message`; `err.value` is what a
  // `throw` raised).
  Value ToValue() const;
  // The value a Lux `throw` raised (null for any other error). Kept by copies of the Error, so
  // the request's error path and on_error see it.
  const Value& thrown() const { return thrown_; }
  bool is_thrown() const { return is_thrown_; }

 protected:
  void SetThrown(Value v) {
    thrown_ = std::move(v);
    is_thrown_ = true;
  }

 private:
  int status_;
  Value data_;
  Value thrown_;
  bool is_thrown_ = false;
};

// `throw value` in Lux: any value (a String, a record, an object). Its message is the value
// when it is a String, else its `message` field when that is a String, else its JSON. Its
// status is the object's `status` (or `statusCode`) when that is 400-599, else 500: a request
// it escapes answers that status, with the message for a 4xx and `internal server error` else.
class ThrownError : public Error {
 public:
  explicit ThrownError(Value value);
};

// A client-facing error: `throw lux::HttpError(404, "user not found")` answers
// 404 {"error":"user not found","request_id":...}.
class HttpError : public Error {
 public:
  HttpError(int status, const std::string& message, Value data = {}) : Error(message, status, std::move(data)) {}
  bool exposed() const override { return true; }
};

// A failure `value` causes (a text that is not a number, a value of the wrong kind): a 400
// HttpError with `message` when the client sent the value (Value::FromClient), else a plain
// Error (500, the message kept from the client).
[[noreturn]] inline void ClientOrError(const Value& value, const std::string& message) {
  if (value.FromClient()) throw HttpError(400, message);
  throw Error(message);
}

// A start-up failure (bad env value, port in use, bad flag): lux::rt::RunMain and App::Run
// print `<program>: <message>` as one line on stderr and exit non-zero.
class StartupError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace lux
