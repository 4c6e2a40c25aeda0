// Logging and the cached Date header (see log.h).
#include "core/log.h"

#include "lux/rt.h"

#include "core/fiber.h"
#include "tracing/span.h"

#include <unistd.h>

#include <array>
#include <cstdint>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <vector>

namespace lux::core {
namespace {

thread_local bool tl_buffered = false;
thread_local std::string tl_buffer;
std::mutex g_write_mutex;

void WriteAll(int fd, const char* p, std::size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w <= 0) return;  // logging never throws; a closed stderr drops lines
    p += w;
    n -= static_cast<std::size_t>(w);
  }
}

const char* LevelName(LogLevel l) {
  switch (l) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarn: return "warn";
    case LogLevel::kError: return "error";
    case LogLevel::kOff: return "off";
  }
  return "info";
}

// Bytes that make a logfmt value need quotes: controls, space, '"', '=', '\\'.
constexpr std::array<bool, 256> kNeedsQuote = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[static_cast<std::size_t>(c)] = true;
  for (unsigned char c : {' ', '"', '=', '\\'}) t[c] = true;
  return t;
}();

// Nonzero when a byte of `w` is one kNeedsQuote marks, eight bytes per step: below 0x21
// (controls and space), or equal to '"', '=' or '\\'. The classic bit tricks, exact as a
// yes/no answer: (w - 0x01..*n) & ~w & 0x80.. is nonzero iff some byte is below n (n <= 0x80),
// and a byte equal to c is a zero byte of w ^ 0x01..*c.
constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
constexpr std::uint64_t kHighs = 0x8080808080808080ULL;
constexpr std::uint64_t HasZeroByte(std::uint64_t w) { return (w - kOnes) & ~w & kHighs; }
constexpr std::uint64_t QuoteBytesIn(std::uint64_t w) {
  return ((w - kOnes * 0x21) & ~w & kHighs) | HasZeroByte(w ^ (kOnes * '"')) | HasZeroByte(w ^ (kOnes * '=')) |
         HasZeroByte(w ^ (kOnes * '\\'));
}

}  // namespace

bool NeedsQuote(std::string_view s) {
  std::size_t n = s.size();
  const char* p = s.data();
  if (n < 8) {
    if (n == 0) return true;
    for (std::size_t i = 0; i < n; ++i)
      if (kNeedsQuote[static_cast<unsigned char>(p[i])]) return true;
    return false;
  }
  // Whole words, then the last eight bytes (overlapping what was already checked).
  std::uint64_t w;
  for (std::size_t i = 0; i + 8 <= n; i += 8) {
    std::memcpy(&w, p + i, 8);
    if (QuoteBytesIn(w)) return true;
  }
  if (n % 8 == 0) return false;
  std::memcpy(&w, p + n - 8, 8);
  return QuoteBytesIn(w) != 0;
}

namespace {

void AppendQuoted(std::string_view s, std::string& out) {
  out.push_back('"');
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

void AppendNumber(const LogField& f, std::string& out) {
  char buf[32];
  if (f.kind == LogField::Kind::kInt) {
    auto [p, ec] = std::to_chars(buf, buf + sizeof buf, f.i);
    out.append(buf, p);
  } else {
    auto [p, ec] = std::to_chars(buf, buf + sizeof buf, f.f, std::chars_format::fixed, 3);
    out.append(buf, p);
  }
}

void TwoDigits(int v, std::string& out) {
  out.push_back(static_cast<char>('0' + v / 10));
  out.push_back(static_cast<char>('0' + v % 10));
}

}  // namespace

LogSettings& LogConfig() {
  static LogSettings settings;
  return settings;
}

bool LogEnabled(LogLevel level) {
  return level != LogLevel::kOff && static_cast<int>(level) >= static_cast<int>(LogConfig().level);
}

namespace {

// "2024-05-01T12:00:00.123Z" (24 bytes) at p; the part to the second is formatted once a second.
char* PutIsoTime(std::chrono::system_clock::time_point tp, char* p) {
  thread_local std::time_t cached_sec = -1;
  thread_local char cached[20];
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(tp.time_since_epoch()).count();
  std::time_t sec = static_cast<std::time_t>(ms / 1000);
  if (sec != cached_sec) {
    std::tm tm{};
    gmtime_r(&sec, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                  tm.tm_hour, tm.tm_min, tm.tm_sec);
    std::memcpy(cached, buf, 19);
    cached_sec = sec;
  }
  std::memcpy(p, cached, 19);
  p += 19;
  int milli = static_cast<int>(ms % 1000);
  *p++ = '.';
  *p++ = static_cast<char>('0' + milli / 100);
  *p++ = static_cast<char>('0' + milli / 10 % 10);
  *p++ = static_cast<char>('0' + milli % 10);
  *p++ = 'Z';
  return p;
}

}  // namespace

void AppendIsoTime(std::chrono::system_clock::time_point tp, std::string& out) {
  char buf[24];
  out.append(buf, PutIsoTime(tp, buf));
}

void Log(LogLevel level, std::string_view msg, std::initializer_list<LogField> given) {
  Log(level, msg, given.begin(), given.end());
}

void Log(LogLevel level, std::string_view msg, const LogField* given_begin, const LogField* given_end) {
  if (!LogEnabled(level)) return;
  // Every line written while serving a request (or running a job or event handler it caused)
  // carries that request's id, and inside a job the job's id and name, whether or not the
  // caller named them.
  const std::string& rid = rt::RequestId();
  bool named_rid = false, named_job = false, named_trace = false;
  for (const LogField* f = given_begin; f != given_end; ++f) {
    named_rid |= f->key == "request_id";
    named_job |= f->key == "job_id";
    named_trace |= f->key == "trace_id";
  }
  bool add_rid = !named_rid && !rid.empty();
  bool add_job = !named_job && tl_job_id && tl_job_name;
  // With tracing on, a line written inside a request, job run or event delivery names its
  // trace and span, so a log search finds the trace and the other way round.
  const TraceContext* trace = !named_trace && tracing::Enabled() ? tracing::CurrentContext() : nullptr;
  if (trace && trace->trace_id.empty()) trace = nullptr;
  char trace_hex[TraceId::kHexSize + SpanId::kHexSize];
  if (trace) trace->span_id.WriteHex(trace->trace_id.WriteHex(trace_hex));
  std::vector<LogField> extended;
  if (add_rid || add_job || trace) {
    extended.assign(given_begin, given_end);
    if (add_rid) extended.emplace_back("request_id", rid);
    if (add_job) {
      extended.emplace_back("job_id", *tl_job_id);
      extended.emplace_back("job", *tl_job_name);
    }
    if (trace) {
      extended.emplace_back("trace_id", std::string_view(trace_hex, TraceId::kHexSize));
      extended.emplace_back("span_id", std::string_view(trace_hex + TraceId::kHexSize, SpanId::kHexSize));
    }
  }
  const LogField* fields_begin = extended.empty() ? given_begin : extended.data();
  const LogField* fields_end = extended.empty() ? given_end : extended.data() + extended.size();
  struct Range {
    const LogField* b;
    const LogField* e;
    const LogField* begin() const { return b; }
    const LogField* end() const { return e; }
  } fields{fields_begin, fields_end};
  const LogSettings& cfg = LogConfig();
  std::string local;
  std::string& out = tl_buffered ? tl_buffer : local;
  if (cfg.format == LogFormat::kJson) {
    out += "{\"ts\":\"";
    AppendIsoTime(std::chrono::system_clock::now(), out);
    out += "\",\"level\":\"";
    out += LevelName(level);
    out += "\",\"msg\":";
    AppendJson(Value(msg), out);
    for (const LogField& f : fields) {
      out.push_back(',');
      AppendJson(Value(f.key), out);
      out.push_back(':');
      if (f.kind == LogField::Kind::kStr) {
        AppendJson(Value(f.s), out);
      } else if (f.kind == LogField::Kind::kJson) {
        out += f.s;
      } else {
        AppendNumber(f, out);
      }
    }
    out += "}\n";
  } else {
    out += "ts=";
    AppendIsoTime(std::chrono::system_clock::now(), out);
    out += " level=";
    out += LevelName(level);
    out += " msg=";
    if (NeedsQuote(msg)) AppendQuoted(msg, out); else out += msg;
    for (const LogField& f : fields) {
      out.push_back(' ');
      out += f.key;
      out.push_back('=');
      if (f.kind == LogField::Kind::kStr || f.kind == LogField::Kind::kJson) {
        if (NeedsQuote(f.s)) AppendQuoted(f.s, out); else out += f.s;
      } else {
        AppendNumber(f, out);
      }
    }
    out.push_back('\n');
  }
  if (!tl_buffered) {
    std::lock_guard<std::mutex> lock(g_write_mutex);
    WriteAll(cfg.fd, local.data(), local.size());
  } else if (tl_buffer.size() >= kLogBufferFlushBytes) {
    FlushThreadLog();
  }
}

namespace {

// A string field's value as Log writes it: logfmt quotes it when needed; JSON text escapes it
// (a string with nothing to escape is copied as is, the rest goes through AppendJson).
void AppendTextValue(std::string_view s, std::string& out) {
  if (NeedsQuote(s)) AppendQuoted(s, out);
  else out += s;
}

void AppendJsonValue(std::string_view s, std::string& out) {
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f || c == '"' || c == '\\') {
      AppendJson(Value(s), out);
      return;
    }
  }
  out.push_back('"');
  out += s;
  out.push_back('"');
}

// Milliseconds with three decimals from nanoseconds (what to_chars(fixed, 3) gives for the
// double, without its cost): 1234567 ns -> "1.235". At most 20 bytes at p.
char* PutMillis(std::int64_t ns, char* p) {
  std::int64_t us = ns <= 0 ? 0 : (ns + 500) / 1000;
  p = std::to_chars(p, p + 16, us / 1000).ptr;
  *p++ = '.';
  int frac = static_cast<int>(us % 1000);
  *p++ = static_cast<char>('0' + frac / 100);
  *p++ = static_cast<char>('0' + frac / 10 % 10);
  *p++ = static_cast<char>('0' + frac % 10);
  return p;
}

void AppendMillis(std::int64_t ns, std::string& out) {
  char buf[24];
  out.append(buf, PutMillis(ns, buf));
}

void AppendInt(long long v, std::string& out) {
  char buf[24];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, p);
}

}  // namespace

void LogAccess(const AccessLogLine& line) {
  if (!LogEnabled(LogLevel::kInfo)) return;
  const LogSettings& cfg = LogConfig();
  std::string local;
  std::string& out = tl_buffered ? tl_buffer : local;
  // The ids' hex digits (plain hex: never quoted).
  char trace_hex[TraceId::kHexSize + SpanId::kHexSize];
  std::string_view trace_id, span_id;
  if (line.trace) {
    line.trace->span_id.WriteHex(line.trace->trace_id.WriteHex(trace_hex));
    trace_id = std::string_view(trace_hex, TraceId::kHexSize);
    span_id = std::string_view(trace_hex + TraceId::kHexSize, SpanId::kHexSize);
  }
  if (cfg.format == LogFormat::kJson) {
    out += "{\"ts\":\"";
    AppendIsoTime(std::chrono::system_clock::now(), out);
    out += "\",\"level\":\"info\",\"msg\":\"request\",\"method\":";
    AppendJsonValue(line.method, out);
    out += ",\"path\":";
    AppendJsonValue(line.path, out);
    out += ",\"status\":";
    AppendInt(line.status, out);
    out += ",\"duration_ms\":";
    AppendMillis(line.duration_ns, out);
    out += ",\"request_id\":";
    AppendJsonValue(line.request_id, out);
    out += ",\"ip\":";
    AppendJsonValue(line.ip, out);
    if (line.trace) {
      out += ",\"trace_id\":";
      AppendJsonValue(trace_id, out);
      out += ",\"span_id\":";
      AppendJsonValue(span_id, out);
    }
    out += "}\n";
  } else if (!NeedsQuote(line.method) && !NeedsQuote(line.path) && !NeedsQuote(line.request_id) &&
             !NeedsQuote(line.ip)) {
    // The usual line: no value to quote, so its length is bounded before a byte is written;
    // sized once and written through a pointer.
    std::size_t bound = 192 + line.method.size() + line.path.size() + line.request_id.size() + line.ip.size() +
                        trace_id.size() + span_id.size();
    std::size_t old = out.size();
    out.resize(old + bound);
    char* p = out.data() + old;
    // Inlined, so that each constant piece is a copy of known size rather than a memcpy call.
    auto put = [&p](std::string_view v) __attribute__((always_inline)) {
      std::memcpy(p, v.data(), v.size());
      p += v.size();
    };
    put("ts=");
    p = PutIsoTime(std::chrono::system_clock::now(), p);
    put(" level=info msg=request method=");
    put(line.method);
    put(" path=");
    put(line.path);
    put(" status=");
    p = std::to_chars(p, p + 12, line.status).ptr;
    put(" duration_ms=");
    p = PutMillis(line.duration_ns, p);
    put(" request_id=");
    put(line.request_id);
    put(" ip=");
    put(line.ip);
    if (line.trace) {
      put(" trace_id=");
      put(trace_id);
      put(" span_id=");
      put(span_id);
    }
    *p++ = '\n';
    out.resize(static_cast<std::size_t>(p - out.data()));
  } else {
    out += "ts=";
    AppendIsoTime(std::chrono::system_clock::now(), out);
    out += " level=info msg=request method=";
    AppendTextValue(line.method, out);
    out += " path=";
    AppendTextValue(line.path, out);
    out += " status=";
    AppendInt(line.status, out);
    out += " duration_ms=";
    AppendMillis(line.duration_ns, out);
    out += " request_id=";
    AppendTextValue(line.request_id, out);
    out += " ip=";
    AppendTextValue(line.ip, out);
    if (line.trace) {
      out += " trace_id=";
      AppendTextValue(trace_id, out);
      out += " span_id=";
      AppendTextValue(span_id, out);
    }
    out.push_back('\n');
  }
  if (!tl_buffered) {
    std::lock_guard<std::mutex> lock(g_write_mutex);
    WriteAll(cfg.fd, local.data(), local.size());
  } else if (tl_buffer.size() >= kLogBufferFlushBytes) {
    FlushThreadLog();
  }
}

}  // namespace lux::core

namespace lux::rt {

void Log(LogLevel level, const std::string& msg, const Value& fields) {
  if (!core::LogEnabled(level)) return;
  std::vector<std::string> texts;  // the fields' text, alive until the line is written
  std::vector<core::LogField> out;
  if (fields.IsObject()) {
    const auto& obj = fields.AsObject();
    texts.reserve(2 * obj.size());
    out.reserve(obj.size());
    for (const auto& [given_key, v] : obj) {
      // The keys the line itself uses are taken: a field named like one is `field_<key>`.
      std::string_view key = given_key;
      for (std::string_view taken : {"ts", "level", "msg", "request_id", "job_id", "job", "trace_id", "span_id"}) {
        if (key != taken) continue;
        texts.push_back("field_" + std::string(taken));
        key = texts.back();
        break;
      }
      if (v.IsString()) {
        out.emplace_back(key, v.AsString());
      } else if (v.IsInt()) {
        out.emplace_back(key, static_cast<long long>(v.AsInt()));
      } else {
        texts.push_back(ToJson(v));
        core::LogField f(key, texts.back());
        f.kind = core::LogField::Kind::kJson;
        out.push_back(f);
      }
    }
  }
  core::Log(level, msg, out.data(), out.data() + out.size());
}

std::string PrintLine(std::string_view text) {
  const std::string& rid = RequestId();
  const TraceContext* trace = tracing::Enabled() ? tracing::CurrentContext() : nullptr;
  if (trace && trace->trace_id.empty()) trace = nullptr;
  const std::string trace_id = trace ? trace->trace_id.Hex() : std::string();
  const std::string span_id = trace ? trace->span_id.Hex() : std::string();
  std::string out;
  if (core::LogConfig().format == LogFormat::kJson) {
    out += "{\"ts\":\"";
    core::AppendIsoTime(std::chrono::system_clock::now(), out);
    out += "\",\"level\":\"info\",\"msg\":";
    AppendJson(Value(text), out);
    out += ",\"source\":\"print\"";
    if (!rid.empty()) {
      out += ",\"request_id\":";
      AppendJson(Value(rid), out);
    }
    if (trace) out += ",\"trace_id\":\"" + trace_id + "\",\"span_id\":\"" + span_id + "\"";
    out += "}\n";
    return out;
  }
  out.reserve(text.size() + 64);
  out += text;
  if (!rid.empty()) {
    out += " request_id=";
    if (core::NeedsQuote(rid)) core::AppendQuoted(rid, out); else out += rid;
  }
  if (trace) out += " trace_id=" + trace_id + " span_id=" + span_id;
  out.push_back('\n');
  return out;
}

}  // namespace lux::rt

namespace lux::core {

void SetThreadLogBuffered(bool on) {
  if (!on) FlushThreadLog();
  tl_buffered = on;
}

void FlushThreadLog() {
  if (tl_buffer.empty()) return;
  {
    std::lock_guard<std::mutex> lock(g_write_mutex);
    WriteAll(LogConfig().fd, tl_buffer.data(), tl_buffer.size());
  }
  tl_buffer.clear();
}

std::string FormatHttpDate(std::time_t t) {
  static const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday], tm.tm_mday,
                kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::string_view CachedHttpDate() {
  thread_local std::time_t cached_sec = -1;
  thread_local std::string cached;
  std::time_t now = std::time(nullptr);
  if (now != cached_sec) {
    cached = FormatHttpDate(now);
    cached_sec = now;
  }
  return cached;
}

}  // namespace lux::core
