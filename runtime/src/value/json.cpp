// Hand-written JSON parser and serialiser for lux::Value (entry points ParseJson, AppendJson,
// ToJson, ToJsonPretty). Measured against nlohmann::json in bench/runtime/json_bench.cpp: a
// direct parse into Value avoids the second tree nlohmann would build, and header users never
// pay nlohmann's compile cost. The parser is linear in the input (objects index their keys
// once they grow, see Object) and enforces the limits of value.h; strings are checked to be
// UTF-8 on the way in and are made UTF-8 on the way out.
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "lux/stack.h"
#include "lux/value.h"

#include "core/utf8.h"
#include "lux_common/utf8.h"

namespace lux {
namespace {

using core::Utf8SequenceLength;

// A key quoted for an error message: control and non-ASCII bytes as \xNN, at most 40 bytes.
std::string QuoteKey(std::string_view key) {
  std::string out = "\"";
  for (std::size_t i = 0; i < key.size() && i < 40; ++i) {
    unsigned char c = static_cast<unsigned char>(key[i]);
    if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  if (key.size() > 40) out += "...";
  return out + "\"";
}

class Parser {
 public:
  explicit Parser(std::string_view text) : p_(text.data()), begin_(text.data()), end_(text.data() + text.size()) {}

  Value ParseDocument() {
    SkipWs();
    Value v = ParseValue(0);
    SkipWs();
    if (p_ != end_) Fail("unexpected trailing characters");
    return v;
  }

 private:
  [[noreturn]] void Fail(const std::string& msg) {
    std::size_t offset = static_cast<std::size_t>(p_ - begin_);
    int line = 1, col = 1;
    for (const char* q = begin_; q < p_; ++q) {
      if (*q == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    throw JsonError("invalid JSON at line " + std::to_string(line) + " column " + std::to_string(col) + ": " +
                        msg,
                    offset, line, col);
  }

  void SkipWs() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }

  Value ParseValue(int depth) {
    if (p_ >= end_) Fail("unexpected end of input");
    if (++values_ > kMaxJsonValues)
      Fail("more than " + std::to_string(kMaxJsonValues) + " values in one document (the limit)");
    switch (*p_) {
      case '{': return ParseObject(depth + 1);
      case '[': return ParseArray(depth + 1);
      case '"': {
        std::string s;
        ParseString(s);
        return Value(std::move(s));
      }
      case 't': Literal("true"); return Value(true);
      case 'f': Literal("false"); return Value(false);
      case 'n': Literal("null"); return Value();
      default:
        if (*p_ == '-' || (*p_ >= '0' && *p_ <= '9')) return ParseNumber();
        Fail(std::string("unexpected character '") + Printable(*p_) + "'");
    }
  }

  static std::string Printable(char c) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(c));
      return buf;
    }
    return std::string(1, c);
  }

  void Literal(const char* word) {
    std::size_t n = std::strlen(word);
    if (static_cast<std::size_t>(end_ - p_) < n || std::memcmp(p_, word, n) != 0) Fail("invalid literal");
    p_ += n;
  }

  Value ParseNumber() {
    const char* start = p_;
    bool is_float = false;
    if (*p_ == '-') ++p_;
    if (p_ >= end_) Fail("unexpected end of input in number");
    if (*p_ == '0') {
      ++p_;
    } else if (*p_ >= '1' && *p_ <= '9') {
      while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    } else {
      Fail("invalid number");
    }
    if (p_ < end_ && *p_ == '.') {
      is_float = true;
      ++p_;
      if (p_ >= end_ || !(*p_ >= '0' && *p_ <= '9')) Fail("expected digit after '.'");
      while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    }
    if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
      is_float = true;
      ++p_;
      if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (p_ >= end_ || !(*p_ >= '0' && *p_ <= '9')) Fail("expected digit in exponent");
      while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    }
    if (!is_float) {
      long long i = 0;
      auto [ptr, ec] = std::from_chars(start, p_, i);
      if (ec == std::errc() && ptr == p_) return Value(i);
      // Integer overflow: fall back to a float, as JavaScript would.
    }
    double d = 0;
    auto [ptr, ec] = std::from_chars(start, p_, d);
    if (ec != std::errc() || ptr != p_) {
      if (ec == std::errc::result_out_of_range) {
        const char* save = p_;
        p_ = start;
        (void)save;
        Fail("number out of range");
      }
      Fail("invalid number");
    }
    return Value(d);
  }

  static int Hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  unsigned ParseHex4() {
    if (end_ - p_ < 4) Fail("truncated \\u escape");
    unsigned v = 0;
    for (int i = 0; i < 4; ++i) {
      int h = Hex(p_[i]);
      if (h < 0) Fail("invalid \\u escape");
      v = (v << 4) | static_cast<unsigned>(h);
    }
    p_ += 4;
    return v;
  }

  void ParseString(std::string& out) {
    ++p_;  // opening quote
    for (;;) {
      const char* run = p_;
      while (p_ < end_ && *p_ != '"' && *p_ != '\\' && static_cast<unsigned char>(*p_) >= 0x20) {
        if (static_cast<unsigned char>(*p_) >= 0x80) {
          std::size_t n = Utf8SequenceLength(reinterpret_cast<const unsigned char*>(p_),
                                     reinterpret_cast<const unsigned char*>(end_));
          if (n == 0) Fail("invalid UTF-8 in string");
          p_ += n;
        } else {
          ++p_;
        }
      }
      out.append(run, p_);
      if (p_ >= end_) Fail("unterminated string");
      char c = *p_;
      if (c == '"') {
        ++p_;
        return;
      }
      if (c != '\\') Fail("control character in string");
      ++p_;
      if (p_ >= end_) Fail("unterminated string");
      char e = *p_++;
      switch (e) {
        case '"': out.push_back('"'); break;
        case '\\': out.push_back('\\'); break;
        case '/': out.push_back('/'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case 't': out.push_back('\t'); break;
        case 'u': {
          unsigned cp = ParseHex4();
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') Fail("unpaired surrogate in \\u escape");
            p_ += 2;
            unsigned lo = ParseHex4();
            if (lo < 0xDC00 || lo > 0xDFFF) Fail("invalid low surrogate in \\u escape");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            Fail("unpaired surrogate in \\u escape");
          }
          common::AppendUtf8(out, cp);
          break;
        }
        default: --p_; Fail("invalid escape");
      }
    }
  }

  Value ParseArray(int depth) {
    if (depth > kMaxJsonDepth) Fail("nesting deeper than " + std::to_string(kMaxJsonDepth));
    ++p_;
    Array a;
    SkipWs();
    if (p_ < end_ && *p_ == ']') {
      ++p_;
      return Value(std::move(a));
    }
    for (;;) {
      SkipWs();
      a.push_back(ParseValue(depth));
      SkipWs();
      if (p_ >= end_) Fail("unexpected end of input in array");
      if (*p_ == ',') {
        ++p_;
        continue;
      }
      if (*p_ == ']') {
        ++p_;
        return Value(std::move(a));
      }
      Fail("expected ',' or ']' in array");
    }
  }

  Value ParseObject(int depth) {
    if (depth > kMaxJsonDepth) Fail("nesting deeper than " + std::to_string(kMaxJsonDepth));
    ++p_;
    Object o;
    SkipWs();
    if (p_ < end_ && *p_ == '}') {
      ++p_;
      return Value(std::move(o));
    }
    for (;;) {
      SkipWs();
      if (p_ >= end_ || *p_ != '"') Fail("expected string key in object");
      const char* key_start = p_;
      if (o.size() == kMaxJsonObjectKeys)
        Fail("more than " + std::to_string(kMaxJsonObjectKeys) + " keys in one object (the limit)");
      std::string key;
      ParseString(key);
      if (o.Contains(key)) {
        p_ = key_start;
        Fail("duplicate key " + QuoteKey(key) + " in object");
      }
      SkipWs();
      if (p_ >= end_ || *p_ != ':') Fail("expected ':' after object key");
      ++p_;
      SkipWs();
      o.Insert(std::move(key), ParseValue(depth));
      SkipWs();
      if (p_ >= end_) Fail("unexpected end of input in object");
      if (*p_ == ',') {
        ++p_;
        continue;
      }
      if (*p_ == '}') {
        ++p_;
        return Value(std::move(o));
      }
      Fail("expected ',' or '}' in object");
    }
  }

  const char* p_;
  const char* begin_;
  const char* end_;
  std::size_t values_ = 0;
};

// Bytes written as they are without a look at what follows: printable ASCII except '"' and '\\'.
constexpr std::array<bool, 256> kJsonPlain = [] {
  std::array<bool, 256> t{};
  for (int c = 0x20; c < 0x80; ++c) t[static_cast<std::size_t>(c)] = c != '"' && c != '\\';
  return t;
}();

void AppendString(const std::string& s, std::string& out) {
  static const char kHex[] = "0123456789abcdef";
  out.push_back('"');
  const char* p = s.data();
  const char* end = p + s.size();
  while (p < end) {
    const char* run = p;
    while (p < end && *p != '"' && *p != '\\' && static_cast<unsigned char>(*p) >= 0x20) {
      if (kJsonPlain[static_cast<unsigned char>(*p)]) {  // one table step for the common byte
        ++p;
        while (p < end && kJsonPlain[static_cast<unsigned char>(*p)]) ++p;
        continue;
      }
      std::size_t n = Utf8SequenceLength(reinterpret_cast<const unsigned char*>(p), reinterpret_cast<const unsigned char*>(end));
      if (n == 0) break;
      p += n;
    }
    out.append(run, static_cast<std::size_t>(p - run));  // (pointer, length): no overlap handling
    if (p >= end) break;
    if (static_cast<unsigned char>(*p) >= 0x80) {  // not UTF-8: one replacement character per byte
      out.append("\xEF\xBF\xBD");
      ++p;
      continue;
    }
    char c = *p++;
    switch (c) {
      case '"': out.append("\\\""); break;
      case '\\': out.append("\\\\"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      case '\b': out.append("\\b"); break;
      case '\f': out.append("\\f"); break;
      default:
        out.append("\\u00");
        out.push_back(kHex[(c >> 4) & 0xF]);
        out.push_back(kHex[c & 0xF]);
    }
  }
  out.push_back('"');
}

void AppendFloat(double d, std::string& out) {
  if (!std::isfinite(d)) {
    out.append("null");
    return;
  }
  char buf[32];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, d);
  std::string_view sv(buf, static_cast<std::size_t>(ptr - buf));
  out.append(sv);
  // Keep floats recognisable as floats when they round-trip (1.0 stays 1.0, not 1).
  if (sv.find_first_of(".eEn") == std::string_view::npos) out.append(".0");
}

void Append(const Value& v, std::string& out, int indent, int level) {
  auto newline = [&](int lvl) {
    if (indent < 0) return;
    out.push_back('\n');
    out.append(static_cast<std::size_t>(indent * lvl), ' ');
  };
  switch (v.kind()) {
    case Value::Kind::kNull:
    case Value::Kind::kFunction: out.append("null"); break;
    case Value::Kind::kBool: out.append(v.AsBool() ? "true" : "false"); break;
    case Value::Kind::kInt: {
      char buf[24];
      auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, static_cast<long long>(v.AsInt()));
      out.append(buf, ptr);
      break;
    }
    case Value::Kind::kFloat: AppendFloat(v.AsFloat(), out); break;
    case Value::Kind::kString: AppendString(v.AsString(), out); break;
    case Value::Kind::kArray: {
      if ((level & 63) == 63) CheckStack();  // a value nested deeper than the stack holds fails, never crashes
      const Array& a = v.AsArray();
      out.push_back('[');
      for (std::size_t i = 0; i < a.size(); ++i) {
        if (i) out.push_back(',');
        newline(level + 1);
        Append(a[i], out, indent, level + 1);
      }
      if (!a.empty()) newline(level);
      out.push_back(']');
      break;
    }
    case Value::Kind::kObject: {
      if ((level & 63) == 63) CheckStack();
      const Object& o = v.AsObject();
      out.push_back('{');
      bool first = true;
      for (const auto& [k, x] : o) {
        if (!first) out.push_back(',');
        first = false;
        newline(level + 1);
        AppendString(k, out);
        out.push_back(':');
        if (indent >= 0) out.push_back(' ');
        Append(x, out, indent, level + 1);
      }
      if (!o.empty()) newline(level);
      out.push_back('}');
      break;
    }
  }
}

}  // namespace

Value ParseJson(std::string_view text) { return Parser(text).ParseDocument(); }

void AppendJson(const Value& v, std::string& out) { Append(v, out, -1, 0); }

std::string ToJson(const Value& v) {
  std::string out;
  Append(v, out, -1, 0);
  return out;
}

std::string ToJsonPretty(const Value& v) {
  std::string out;
  Append(v, out, 2, 0);
  return out;
}

}  // namespace lux
