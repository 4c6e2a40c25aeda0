// A Lux `throw` (lux::ThrownError) through the request's error path and a catch, and the lines
// Lux code writes with `log.*` (lux::rt::Log, lux::stdlib::LogInfo): fields, levels, formats.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <lux/lux.h>
#include <lux/stdlib.h>

#include "core/log.h"

namespace {

// Captures what the runtime logs while it lives (LogConfig's descriptor is a pipe).
class LogCapture {
 public:
  LogCapture(lux::LogLevel level, lux::LogFormat format) {
    REQUIRE(::pipe(fds_) == 0);
    lux::core::LogConfig().fd = fds_[1];
    lux::core::LogConfig().level = level;
    lux::core::LogConfig().format = format;
  }
  ~LogCapture() {
    lux::core::LogConfig() = lux::core::LogSettings{};
    ::close(fds_[0]);
    ::close(fds_[1]);
  }
  std::string Take() {
    ::close(fds_[1]);
    fds_[1] = ::dup(2);  // closed again by the destructor
    lux::core::LogConfig().fd = 2;
    std::string text;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fds_[0], buf, sizeof buf)) > 0) text.append(buf, static_cast<std::size_t>(n));
    return text;
  }

 private:
  int fds_[2];
};

}  // namespace

TEST_CASE("a thrown value's message: the String, its message field, else its JSON") {
  REQUIRE(std::string(lux::ThrownError(lux::Value("plain")).what()) == "plain");
  REQUIRE(std::string(lux::ThrownError(lux::Value{{"message", "m"}, {"code", 7}}).what()) == "m");
  REQUIRE(std::string(lux::ThrownError(lux::Value{{"code", 7}}).what()) == "{\"code\":7}");
  REQUIRE(std::string(lux::ThrownError(lux::Value(3)).what()) == "3");
}

TEST_CASE("catch binds the thrown value itself, a runtime error as {message, status}") {
  lux::Value record{{"code", 422}, {"message", "negative"}};
  try {
    throw lux::ThrownError(record);
  } catch (const std::exception& e) {
    REQUIRE(lux::stdlib::ErrorValue(e) == record);
  }
  try {
    throw lux::Error("db down", 503);
  } catch (const std::exception& e) {
    lux::Value v = lux::stdlib::ErrorValue(e);
    REQUIRE(v["message"].AsString() == "db down");
    REQUIRE(v["status"].AsInt() == 503);
  }
}

TEST_CASE("a thrown value reaches on_error as err.value, the client gets a 500 without it") {
  lux::App app;
  lux::Value seen;
  app.Route("GET", "/boom", [](lux::Request&) -> lux::Response {
    throw lux::ThrownError(lux::Value{{"message", "secret detail"}, {"code", 7}});
  });
  app.OnError([&](const lux::Error& err, lux::Request&, lux::Response& res) {
    seen = err.ToValue();
    return res;
  });
  lux::Request r;
  r.method = "GET";
  r.target = r.path = "/boom";
  lux::Response res = app.Handle(r);
  REQUIRE(res.status == 500);
  REQUIRE(res.body.find("secret detail") == std::string::npos);
  REQUIRE(lux::ParseJson(res.body)["error"].AsString() == "internal server error");
  REQUIRE(seen["message"].AsString() == "secret detail");
  REQUIRE(seen["status"].AsInt() == 500);
  REQUIRE(seen["value"]["code"].AsInt() == 7);
}

TEST_CASE("log.info writes msg and a last object's fields, below the level nothing") {
  {
    LogCapture cap(lux::LogLevel::kInfo, lux::LogFormat::kText);
    lux::stdlib::LogInfo({lux::Value("created"), lux::Value(3), lux::Value{{"id", 3}, {"who", "a b"}, {"tags", lux::Value::MakeArray()}}});
    lux::stdlib::LogDebug({lux::Value("hidden")});
    lux::stdlib::LogWarn({lux::Value{{"only", 1}}});  // a lone object is the message
    std::string text = cap.Take();
    REQUIRE_THAT(text, Catch::Contains("level=info msg=\"created 3\" id=3 who=\"a b\" tags=[]\n"));
    REQUIRE(text.find("hidden") == std::string::npos);
    REQUIRE_THAT(text, Catch::Contains("level=warn msg=\"{\\\"only\\\":1}\"\n"));
  }
  {
    LogCapture cap(lux::LogLevel::kDebug, lux::LogFormat::kJson);
    lux::stdlib::LogError({lux::Value("failed"), lux::Value{{"n", 2}, {"x", 1.5}, {"ok", true}, {"o", lux::Value{{"a", 1}}}}});
    lux::stdlib::LogDebug({lux::Value("shown"), lux::Value{{"msg", "mine"}, {"request_id", "spoofed"}}});
    std::string text = cap.Take();
    std::size_t nl = text.find('\n');
    REQUIRE(nl != std::string::npos);
    lux::Value line = lux::ParseJson(text.substr(0, nl));
    REQUIRE(line["level"].AsString() == "error");
    REQUIRE(line["msg"].AsString() == "failed");
    REQUIRE(line["n"].AsInt() == 2);
    REQUIRE(line["x"].AsFloat() == 1.5);
    REQUIRE(line["ok"].AsBool());
    REQUIRE(line["o"]["a"].AsInt() == 1);
    REQUIRE_THAT(text.substr(nl + 1),
                 Catch::Contains("\"level\":\"debug\",\"msg\":\"shown\",\"field_msg\":\"mine\",\"field_request_id\":\"spoofed\"}"));
  }
}
