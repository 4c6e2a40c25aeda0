// The access log's own formatter (core::LogAccess) against the general one (core::Log) with the
// same fields: the same line, byte for byte, in both formats, for plain values, values that
// need quoting or escaping, and with a trace's ids; the duration's three decimals; the
// word-at-a-time NeedsQuote against a byte-by-byte reference.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <lux/lux.h>

#include "core/log.h"

namespace {

// The lines written while `write` runs, in `format`, each without its timestamp (the part
// before the level), which the two formatters read from the clock at different instants.
template <typename F>
std::vector<std::string> Lines(lux::LogFormat format, F&& write) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  lux::core::LogConfig().fd = fds[1];
  lux::core::LogConfig().level = lux::LogLevel::kInfo;
  lux::core::LogConfig().format = format;
  write();
  lux::core::LogConfig() = lux::core::LogSettings{};
  ::close(fds[1]);
  std::string text;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fds[0], buf, sizeof buf)) > 0) text.append(buf, static_cast<std::size_t>(n));
  ::close(fds[0]);
  std::vector<std::string> lines;
  for (std::size_t at = 0, nl; (nl = text.find('\n', at)) != std::string::npos; at = nl + 1) {
    std::string line = text.substr(at, nl - at);
    std::size_t level = line.find(format == lux::LogFormat::kJson ? "\"level\"" : "level=");
    REQUIRE(level != std::string::npos);
    lines.push_back(line.substr(level));
  }
  return lines;
}

struct Case {
  std::string method, path, request_id, ip;
  int status;
  std::int64_t ns;
  bool traced;
};

}  // namespace

TEST_CASE("access log lines: LogAccess writes what Log writes with the same fields") {
  lux::TraceContext trace;
  REQUIRE(lux::TraceId::FromHex("4bf92f3577b34da6a3ce929d0e0e4736", trace.trace_id));
  REQUIRE(lux::SpanId::FromHex("00f067aa0ba902b7", trace.span_id));
  const Case cases[] = {
      {"GET", "/hello", "3e2b5a55-7a44-4f37-8d43-6e1d3c1c2a11", "127.0.0.1", 200, 1'234'567, false},
      {"POST", "/a path/with \"quotes\"=\\", "id.1:2", "::1", 404, 0, true},
      {"-", "-", "x", "10.0.0.1", 431, 999, false},
      {"GET", "/caf\xc3\xa9\t\x01", "r", "", 500, 12'345'678'901, true},
  };
  for (lux::LogFormat format : {lux::LogFormat::kText, lux::LogFormat::kJson}) {
    for (const Case& c : cases) {
      std::vector<std::string> lines = Lines(format, [&] {
        lux::core::AccessLogLine line;
        line.method = c.method;
        line.path = c.path;
        line.status = c.status;
        line.duration_ns = c.ns;
        line.request_id = c.request_id;
        line.ip = c.ip;
        line.trace = c.traced ? &trace : nullptr;
        lux::core::LogAccess(line);
        double ms = static_cast<double>(c.ns) / 1e6;
        if (c.traced) {
          lux::core::Log(lux::LogLevel::kInfo, "request",
                         {{"method", c.method}, {"path", c.path}, {"status", c.status}, {"duration_ms", ms},
                          {"request_id", c.request_id}, {"ip", c.ip}, {"trace_id", "4bf92f3577b34da6a3ce929d0e0e4736"},
                          {"span_id", "00f067aa0ba902b7"}});
        } else {
          lux::core::Log(lux::LogLevel::kInfo, "request",
                         {{"method", c.method}, {"path", c.path}, {"status", c.status}, {"duration_ms", ms},
                          {"request_id", c.request_id}, {"ip", c.ip}});
        }
      });
      REQUIRE(lines.size() == 2);
      CAPTURE(c.path);
      REQUIRE(lines[0] == lines[1]);
    }
  }
}

TEST_CASE("access log lines: the duration in milliseconds with three decimals, rounded") {
  auto duration = [](std::int64_t ns) {
    std::vector<std::string> lines = Lines(lux::LogFormat::kText, [&] {
      lux::core::AccessLogLine line;
      line.method = "GET";
      line.path = "/";
      line.duration_ns = ns;
      lux::core::LogAccess(line);
    });
    REQUIRE(lines.size() == 1);
    std::size_t at = lines[0].find("duration_ms=") + 12;
    return lines[0].substr(at, lines[0].find(' ', at) - at);
  };
  REQUIRE(duration(0) == "0.000");
  REQUIRE(duration(-5) == "0.000");
  REQUIRE(duration(499) == "0.000");
  REQUIRE(duration(1'234'567) == "1.235");
  REQUIRE(duration(999'600) == "1.000");
  REQUIRE(duration(61'000'000'000) == "61000.000");
}

TEST_CASE("access log lines: nothing below the info level") {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  lux::core::LogConfig().fd = fds[1];
  lux::core::LogConfig().level = lux::LogLevel::kWarn;
  lux::core::AccessLogLine line;
  line.method = "GET";
  lux::core::LogAccess(line);
  lux::core::LogConfig() = lux::core::LogSettings{};
  ::close(fds[1]);
  char buf[16];
  REQUIRE(::read(fds[0], buf, sizeof buf) == 0);
  ::close(fds[0]);
}

TEST_CASE("access log lines: NeedsQuote finds every byte that needs quotes, at every position") {
  auto reference = [](std::string_view s) {
    if (s.empty()) return true;
    for (char c : s) {
      auto b = static_cast<unsigned char>(c);
      if (b < 0x20 || b == ' ' || b == '"' || b == '=' || b == '\\') return true;
    }
    return false;
  };
  REQUIRE(lux::core::NeedsQuote(""));
  for (std::size_t len = 1; len <= 25; ++len) {
    for (std::size_t at = 0; at < len; ++at) {
      for (int b = 0; b < 256; ++b) {
        // The other bytes plain, and the plain ones next to the tested values (0x21, 0x7f, 0x80,
        // 0xff) to catch a borrow that leaks from one byte into another.
        for (char fill : {'a', '\x21', '\x7f', '\x80', '\xff'}) {
          std::string s(len, fill);
          s[at] = static_cast<char>(b);
          if (lux::core::NeedsQuote(s) != reference(s)) {
            CAPTURE(len, at, b, static_cast<int>(static_cast<unsigned char>(fill)));
            REQUIRE(lux::core::NeedsQuote(s) == reference(s));
          }
        }
      }
    }
  }
  // Every value the access log meets in practice.
  REQUIRE_FALSE(lux::core::NeedsQuote("GET"));
  REQUIRE_FALSE(lux::core::NeedsQuote("/hello"));
  REQUIRE_FALSE(lux::core::NeedsQuote("4bf92f3577b34da6a3ce929d0e0e4736"));
  REQUIRE_FALSE(lux::core::NeedsQuote("127.0.0.1"));
  REQUIRE(lux::core::NeedsQuote("/a path"));
  REQUIRE(lux::core::NeedsQuote("0123456789abcdef="));
}
