// Structured logging: one line per event, logfmt (`ts=... level=info msg=request k=v`) or JSON
// (LogFormat::kJson). Worker threads append to a per-thread buffer that the server flushes on a
// 100 ms tick or past kLogBufferFlushBytes (one write(2) per batch instead of per request);
// other threads write through at once. Entry points: LogConfig, Log, FlushThreadLog.
#pragma once

#include <chrono>
#include <ctime>
#include <string>
#include <string_view>

#include "lux/http.h"

namespace lux::core {

inline constexpr std::size_t kLogBufferFlushBytes = 16 << 10;

struct LogField {
  std::string_view key;
  // kJson: `s` is JSON text (written as is in JSON lines, as a string in text lines).
  enum class Kind { kStr, kInt, kFloat, kJson } kind = Kind::kStr;
  std::string_view s;
  long long i = 0;
  double f = 0;
  LogField(std::string_view k, std::string_view v) : key(k), s(v) {}
  LogField(std::string_view k, const char* v) : key(k), s(v) {}
  LogField(std::string_view k, const std::string& v) : key(k), s(v) {}
  LogField(std::string_view k, int v) : key(k), kind(Kind::kInt), i(v) {}
  LogField(std::string_view k, long long v) : key(k), kind(Kind::kInt), i(v) {}
  LogField(std::string_view k, double v) : key(k), kind(Kind::kFloat), f(v) {}
};

struct LogSettings {
  LogLevel level = LogLevel::kInfo;
  LogFormat format = LogFormat::kText;
  int fd = 2;
};
LogSettings& LogConfig();

bool LogEnabled(LogLevel level);
// Every line gets request_id inside a request (or a job it spawned) and job_id/job inside a
// job, unless the caller names them.
void Log(LogLevel level, std::string_view msg, std::initializer_list<LogField> fields);
void Log(LogLevel level, std::string_view msg, const LogField* begin, const LogField* end);
// The access log's line for one request: what Log(kInfo, "request", {method, path, status,
// duration_ms, request_id, ip[, trace_id, span_id]}) writes, byte for byte, formatted straight
// into the thread's buffer (no field list, no scan for the fields every line gets: the line
// names them all). `trace`: its ids are added when set (the caller passes it with tracing on).
struct AccessLogLine {
  std::string_view method;
  std::string_view path;
  int status = 0;
  std::int64_t duration_ns = 0;  // written as milliseconds with three decimals
  std::string_view request_id;
  std::string_view ip;
  const TraceContext* trace = nullptr;
};
void LogAccess(const AccessLogLine& line);
// Marks the calling thread as a buffered (worker) thread.
// True when a logfmt value must be quoted: empty, or holding a control byte, a space, '"', '='
// or '\\' (checked eight bytes at a time).
bool NeedsQuote(std::string_view s);

void SetThreadLogBuffered(bool on);
void FlushThreadLog();

// "Sun, 06 Nov 1994 08:49:37 GMT" (RFC 9110 IMF-fixdate), independent of locale.
std::string FormatHttpDate(std::time_t t);
// The Date header for now, formatted at most once per second per thread.
std::string_view CachedHttpDate();
// "2024-05-01T12:00:00.123Z"
void AppendIsoTime(std::chrono::system_clock::time_point tp, std::string& out);

}  // namespace lux::core
