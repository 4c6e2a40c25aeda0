// OTLP JSON encoding (see otlp_json.h).
#include "tracing/otlp_json.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "tracing/version.h"

namespace lux::tracing {
namespace {

// Bytes a JSON string holds as they are (printable ASCII but '"' and '\\').
constexpr std::array<bool, 256> kPlain = [] {
  std::array<bool, 256> t{};
  for (int c = 0x20; c < 0x80; ++c) t[static_cast<std::size_t>(c)] = c != '"' && c != '\\';
  return t;
}();

// Length of the valid UTF-8 sequence at s[i], or 0.
std::size_t Utf8Length(std::string_view s, std::size_t i) {
  auto c = static_cast<unsigned char>(s[i]);
  std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k)
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 0;
  if (n == 2 && c < 0xC2) return 0;  // overlong
  return n;
}

void AppendInt(std::int64_t v, std::string& out) {
  char buf[24];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, p);
}

void AppendQuotedInt(std::int64_t v, std::string& out) {
  out.push_back('"');
  AppendInt(v, out);
  out.push_back('"');
}

void AppendAnyValue(const Attribute& a, std::string& out) {
  switch (a.type) {
    case Attribute::Type::kString:
      out += "{\"stringValue\":";
      AppendJsonString(a.s, out);
      break;
    case Attribute::Type::kInt:
      out += "{\"intValue\":";
      AppendQuotedInt(a.i, out);
      break;
    case Attribute::Type::kBool:
      out += a.b ? "{\"boolValue\":true" : "{\"boolValue\":false";
      break;
    case Attribute::Type::kDouble: {
      out += "{\"doubleValue\":";
      if (std::isfinite(a.d)) {
        char buf[40];
        auto [p, ec] = std::to_chars(buf, buf + sizeof buf, a.d);
        out.append(buf, p);
      } else {
        out += std::isnan(a.d) ? "\"NaN\"" : a.d > 0 ? "\"Infinity\"" : "\"-Infinity\"";
      }
      break;
    }
  }
  out.push_back('}');
}

void AppendKeyValue(std::string_view key, const Attribute& a, std::string& out) {
  out += "{\"key\":";
  AppendJsonString(key, out);
  out += ",\"value\":";
  AppendAnyValue(a, out);
  out.push_back('}');
}

// A span attribute: its key is a name of the semantic conventions (plain ASCII, a literal of
// the runtime's call sites), written without escaping.
void AppendSpanAttribute(const Attribute& a, std::string& out) {
  out += "{\"key\":\"";
  out += a.key;
  out += "\",\"value\":";
  AppendAnyValue(a, out);
  out.push_back('}');
}

void AppendSpan(const SpanData& s, std::string& out) {
  out += "{\"traceId\":\"";
  out += s.ctx.trace_id;
  out += "\",\"spanId\":\"";
  out += s.ctx.span_id;
  out.push_back('"');
  if (!s.ctx.parent_id.empty()) {
    out += ",\"parentSpanId\":\"";
    out += s.ctx.parent_id;
    out.push_back('"');
  }
  out += ",\"flags\":";
  AppendInt(s.ctx.flags, out);
  out += ",\"name\":";
  AppendJsonString(s.name, out);
  out += ",\"kind\":";
  AppendInt(static_cast<int>(s.kind), out);
  out += ",\"startTimeUnixNano\":";
  AppendQuotedInt(s.start_ns, out);
  out += ",\"endTimeUnixNano\":";
  AppendQuotedInt(s.end_ns, out);
  out += ",\"attributes\":[";
  for (std::size_t i = 0; i < s.attributes.size(); ++i) {
    if (i) out.push_back(',');
    AppendSpanAttribute(s.attributes[i], out);
  }
  out.push_back(']');
  if (!s.links.empty()) {
    out += ",\"links\":[";
    for (std::size_t i = 0; i < s.links.size(); ++i) {
      if (i) out.push_back(',');
      out += "{\"traceId\":\"" + s.links[i].trace_id + "\",\"spanId\":\"" + s.links[i].span_id + "\"}";
    }
    out.push_back(']');
  }
  // STATUS_CODE_UNSET (0) unless an error: STATUS_CODE_ERROR (2) with its message.
  out += ",\"status\":{";
  if (s.error) {
    out += "\"code\":2,\"message\":";
    AppendJsonString(s.status_message, out);
  }
  out += "}}";
}

// What a request's span takes encoded (about 1.1 KB with its attributes): one allocation for
// the batch's text in the common case.
constexpr std::size_t kBytesPerSpan = 1536;

}  // namespace

void AppendJsonString(std::string_view s, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  std::size_t i = 0;
  while (i < s.size()) {
    // The longest run of bytes written as they are, appended at once.
    std::size_t run = i;
    while (run < s.size() && kPlain[static_cast<unsigned char>(s[run])]) ++run;
    out.append(s.data() + i, run - i);
    i = run;
    if (i == s.size()) break;
    auto c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
      ++i;
    } else if (c < 0x20) {
      switch (c) {
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
          out += "\\u00";
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 0xF]);
      }
      ++i;
    } else if (std::size_t n = Utf8Length(s, i)) {
      out.append(s.data() + i, n);
      i += n;
    } else {
      out += "\\ufffd";
      ++i;
    }
  }
  out.push_back('"');
}

std::string EncodeOtlpJson(const Resource& resource, const std::vector<std::unique_ptr<SpanData>>& spans) {
  std::string out;
  out.reserve(512 + spans.size() * kBytesPerSpan);
  out += "{\"resourceSpans\":[{\"resource\":{\"attributes\":[";
  for (std::size_t i = 0; i < resource.attributes.size(); ++i) {
    if (i) out.push_back(',');
    Attribute a;
    a.s = resource.attributes[i].second;
    AppendKeyValue(resource.attributes[i].first, a, out);
  }
  out += "]},\"scopeSpans\":[{\"scope\":{\"name\":\"";
  out += kScopeName;
  out += "\",\"version\":\"";
  out += kRuntimeVersion;
  out += "\"},\"spans\":[";
  for (std::size_t i = 0; i < spans.size(); ++i) {
    if (i) out.push_back(',');
    AppendSpan(*spans[i], out);
  }
  out += "]}]}]}";
  return out;
}

}  // namespace lux::tracing
