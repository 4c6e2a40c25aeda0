// OTLP JSON encoding (see otlp_json.h).
#include "tracing/otlp_json.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstring>

#include "core/utf8.h"
#include "tracing/copy_short.h"
#include "tracing/version.h"

namespace lux::tracing {
namespace {

constexpr char kHex[] = "0123456789abcdef";

// Bytes a JSON string holds as they are (printable ASCII but '"' and '\\').
constexpr std::array<bool, 256> kPlain = [] {
  std::array<bool, 256> t{};
  for (int c = 0x20; c < 0x80; ++c) t[static_cast<std::size_t>(c)] = c != '"' && c != '\\';
  return t;
}();

// The most bytes one input byte takes in a JSON string (`\u00XX`, `\ufffd`).
constexpr std::size_t kMaxEscape = 6;
// The most bytes of a decimal int64 ("-9223372036854775808") or a double (shortest round trip).
constexpr std::size_t kMaxNumber = 32;

// The smallest 19-digit number, and "00" to "99" for writing two digits at a time.
constexpr std::int64_t kNineteenDigits = 1'000'000'000'000'000'000;
constexpr char kDigitPairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

// `v` (below 10^8) as eight ASCII digits, most significant first in memory (little-endian):
// split into two 4-digit halves, then each lane by 100 and by 10 with multiply-shifts, all
// lanes of a 64-bit word at once (no loop, no division).
inline std::uint64_t EightDigits(std::uint32_t v) {
  std::uint64_t merged = (v / 10'000) | (static_cast<std::uint64_t>(v % 10'000) << 32);  // abcd, efgh
  std::uint64_t hundreds = ((merged * 10'486) >> 20) & 0x0000007F0000007Full;               // ab, ef
  merged = hundreds | ((merged - hundreds * 100) << 16);                                      // ab cd ef gh
  std::uint64_t tens = ((merged * 103) >> 10) & 0x000F000F000F000Full;                         // a c e g
  return (tens | ((merged - tens * 10) << 8)) + 0x3030303030303030ull;
}
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "EightDigits writes little-endian words");

// True when one of the 8 bytes of `w` is one a JSON string cannot hold as it is: below 0x20,
// '"', '\\', or from 0x80.
constexpr std::uint64_t kOnes = 0x0101010101010101ull;
constexpr std::uint64_t kHigh = 0x8080808080808080ull;
inline bool SpecialByte(std::uint64_t w) {
  std::uint64_t low = (w - kOnes * 0x20) & ~w;
  std::uint64_t quote = w ^ (kOnes * '"');
  std::uint64_t bslash = w ^ (kOnes * '\\');
  return ((low | ((quote - kOnes) & ~quote) | ((bslash - kOnes) & ~bslash) | w) & kHigh) != 0;
}

// Whether `s` (at most 16 bytes) holds no byte a JSON string cannot hold as it is, checked with
// at most two overlapping word loads (the same ones CopyShort makes) instead of a loop.
inline bool ShortPlain(std::string_view s) {
  const char* p = s.data();
  const std::size_t n = s.size();
  if (n >= 8) {  // 8 to 16 bytes: the first 8 and the last 8 cover them all
    std::uint64_t a, b;
    std::memcpy(&a, p, 8);
    std::memcpy(&b, p + n - 8, 8);
    return !SpecialByte(a) && !SpecialByte(b);
  }
  if (n >= 4) {
    std::uint32_t a, b;
    std::memcpy(&a, p, 4);
    std::memcpy(&b, p + n - 4, 4);
    return !SpecialByte(a | (static_cast<std::uint64_t>(b) << 32));
  }
  if (n == 0) return true;
  // 1 to 3 bytes: first, middle and last, in a word of spaces (plain).
  std::uint64_t w = 0x2020202020000000ull | static_cast<unsigned char>(p[0]) |
                    (static_cast<std::uint64_t>(static_cast<unsigned char>(p[n / 2])) << 8) |
                    (static_cast<std::uint64_t>(static_cast<unsigned char>(p[n - 1])) << 16);
  return !SpecialByte(w);
}

// Index of the first byte at or after `i` that a JSON string cannot hold as it is (a control
// character, '"', '\\', or a byte from 0x80: UTF-8 to check), or s.size(). Eight bytes a step.
// The last step covers the tail (fewer than 8 bytes) with one word too: the string's last 8
// bytes when it has 8, else its bytes gathered by overlapping loads, so that a common short
// value is checked without a byte loop; only a word with a special byte is scanned bytewise.
std::size_t PlainRun(std::string_view s, std::size_t i) {
  const char* p = s.data();
  const std::size_t n = s.size();
  while (i + 8 <= n) {
    std::uint64_t w;
    std::memcpy(&w, p + i, 8);
    if (SpecialByte(w)) break;
    i += 8;
  }
  if (i + 8 > n && i < n) {  // a tail of 1 to 7 bytes
    std::uint64_t w;
    if (n >= 8) {
      std::memcpy(&w, p + n - 8, 8);  // bytes before i were checked already
    } else if (n - i >= 4) {
      std::uint32_t a, b;
      std::memcpy(&a, p + i, 4);
      std::memcpy(&b, p + n - 4, 4);
      w = a | (static_cast<std::uint64_t>(b) << 32);
    } else {
      if (ShortPlain(s.substr(i))) return n;  // 1 to 3 bytes
      w = kHigh;  // a special byte: the bytewise scan below finds it
    }
    if (!SpecialByte(w)) return n;
  }
  while (i < n && kPlain[static_cast<unsigned char>(p[i])]) ++i;
  return i;
}

// Length of the well-formed UTF-8 sequence at s[i] (1 for ASCII), or 0.
inline std::size_t Utf8Length(std::string_view s, std::size_t i) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  return p[i] < 0x80 ? 1 : core::Utf8SequenceLength(p + i, p + s.size());
}

// Writes into room the caller reserved (see SpanBound): no checks, no temporaries.
class Writer {
 public:
  explicit Writer(char* p) : p_(p) {}
  char* pos() const { return p_; }

  template <std::size_t N>
  void Lit(const char (&s)[N]) {  // a string literal, its length known at compile time
    std::memcpy(p_, s, N - 1);
    p_ += N - 1;
  }
  void Raw(std::string_view s) {
    CopyShort(p_, s.data(), s.size());
    p_ += s.size();
  }
  void Char(char c) { *p_++ = c; }
  // An id's lowercase hex digits.
  template <std::size_t N>
  void Hex(const TraceIdBytes<N>& id) {
    p_ = id.WriteHex(p_);
  }
  void Int(std::int64_t v) {
    if (v >= kNineteenDigits) {  // a Unix time in nanoseconds (2001 to 2286): fixed width
      auto u = static_cast<std::uint64_t>(v);
      std::uint64_t head = u / 10'000'000'000'000'000;  // 100 to 922: three digits
      std::uint64_t rest = u % 10'000'000'000'000'000;
      *p_++ = static_cast<char>('0' + head / 100);
      std::memcpy(p_, kDigitPairs + 2 * (head % 100), 2);
      std::uint64_t hi = EightDigits(static_cast<std::uint32_t>(rest / 100'000'000));
      std::uint64_t lo = EightDigits(static_cast<std::uint32_t>(rest % 100'000'000));
      std::memcpy(p_ + 2, &hi, 8);
      std::memcpy(p_ + 10, &lo, 8);
      p_ += 18;
      return;
    }
    if (v >= 0 && v < 100) {  // flags, kinds and the like
      if (v >= 10) *p_++ = kDigitPairs[2 * v];
      *p_++ = kDigitPairs[2 * v + 1];
      return;
    }
    if (v >= 100 && v < 10'000) {  // ports below 10000, status codes
      if (v >= 1000) {
        std::memcpy(p_, kDigitPairs + 2 * (v / 100), 2);
        p_ += 2;
      } else {
        *p_++ = static_cast<char>('0' + v / 100);
      }
      std::memcpy(p_, kDigitPairs + 2 * (v % 100), 2);
      p_ += 2;
      return;
    }
    p_ = std::to_chars(p_, p_ + kMaxNumber, v).ptr;
  }
  void QuotedInt(std::int64_t v) {
    Char('"');
    Int(v);
    Char('"');
  }
  void Double(double d) {
    if (std::isfinite(d)) {
      p_ = std::to_chars(p_, p_ + kMaxNumber, d).ptr;
    } else if (std::isnan(d)) {
      Lit("\"NaN\"");
    } else if (d > 0) {
      Lit("\"Infinity\"");
    } else {
      Lit("\"-Infinity\"");
    }
  }
  // `s` as a JSON string: quotes, escapes; invalid UTF-8 bytes become U+FFFD.
  void String(std::string_view s) {
    Char('"');
    if (s.size() <= 16 && ShortPlain(s)) {  // most values: a few word loads, tests and moves
      Raw(s);
      Char('"');
      return;
    }
    std::size_t i = 0;
    while (i < s.size()) {
      std::size_t run = PlainRun(s, i);  // the longest run of bytes written as they are
      Raw(s.substr(i, run - i));
      i = run;
      if (i == s.size()) break;
      auto c = static_cast<unsigned char>(s[i]);
      if (c == '"' || c == '\\') {
        Char('\\');
        Char(static_cast<char>(c));
        ++i;
      } else if (c < 0x20) {
        switch (c) {
          case '\n': Lit("\\n"); break;
          case '\r': Lit("\\r"); break;
          case '\t': Lit("\\t"); break;
          default:
            Lit("\\u00");
            Char(kHex[c >> 4]);
            Char(kHex[c & 0xF]);
        }
        ++i;
      } else if (std::size_t n = Utf8Length(s, i)) {
        Raw(s.substr(i, n));
        i += n;
      } else {
        Lit("\\ufffd");
        ++i;
      }
    }
    Char('"');
  }

  void AnyValue(const Attribute& a) {
    switch (a.type) {
      case Attribute::Type::kString:
        Lit("{\"stringValue\":");
        String(a.str());
        break;
      case Attribute::Type::kInt:
        Lit("{\"intValue\":");
        QuotedInt(a.i);
        break;
      case Attribute::Type::kBool:
        if (a.b) {
          Lit("{\"boolValue\":true");
        } else {
          Lit("{\"boolValue\":false");
        }
        break;
      case Attribute::Type::kDouble:
        Lit("{\"doubleValue\":");
        Double(a.d);
        break;
    }
    Char('}');
  }

  void Span(const SpanData& s) {
    Lit("{\"traceId\":\"");
    Hex(s.ctx.trace_id);
    Lit("\",\"spanId\":\"");
    Hex(s.ctx.span_id);
    Char('"');
    if (!s.ctx.parent_id.empty()) {
      Lit(",\"parentSpanId\":\"");
      Hex(s.ctx.parent_id);
      Char('"');
    }
    Lit(",\"flags\":");
    Int(s.ctx.flags);
    Lit(",\"name\":");
    if (s.name.empty() && s.server.set()) {  // a server span: its name from the fixed fields
      char buf[kServerNameRoom];
      std::string long_name;
      String(ServerSpanName(s.server, buf, long_name));
    } else {
      String(s.name);
    }
    Lit(",\"kind\":");
    Int(static_cast<int>(s.kind));
    Lit(",\"startTimeUnixNano\":");
    QuotedInt(s.start_ns);
    Lit(",\"endTimeUnixNano\":");
    QuotedInt(s.end_ns);
    Lit(",\"attributes\":[");
    bool first = true;
    for (const Attribute& a : s.attributes) {
      if (!first) Char(',');
      first = false;
      // The key is a name of the semantic conventions (plain ASCII, a literal of the runtime's
      // call sites), written without escaping.
      Lit("{\"key\":\"");
      Raw(a.key);
      Lit("\",\"value\":");
      AnyValue(a);
      Char('}');
    }
    if (s.server.set()) {  // a server span's request attributes, from its fixed fields
      ForEachServerAttribute(
          s.server,
          [&](std::string_view key, std::string_view v) {
            if (!first) Char(',');
            first = false;
            Lit("{\"key\":\"");
            Raw(key);
            Lit("\",\"value\":{\"stringValue\":");
            String(v);
            Lit("}}");
          },
          [&](std::string_view key, std::int64_t v) {
            if (!first) Char(',');
            first = false;
            Lit("{\"key\":\"");
            Raw(key);
            Lit("\",\"value\":{\"intValue\":");
            QuotedInt(v);
            Lit("}}");
          });
    }
    Char(']');
    if (!s.links.empty()) {
      Lit(",\"links\":[");
      for (std::size_t i = 0; i < s.links.size(); ++i) {
        if (i) Char(',');
        Lit("{\"traceId\":\"");
        Hex(s.links[i].trace_id);
        Lit("\",\"spanId\":\"");
        Hex(s.links[i].span_id);
        Lit("\"}");
      }
      Char(']');
    }
    // STATUS_CODE_UNSET (0) unless an error: STATUS_CODE_ERROR (2) with its message.
    Lit(",\"status\":{");
    if (s.error) {
      Lit("\"code\":2,\"message\":");
      String(s.status_message);
    }
    Lit("}}");
  }

 private:
  char* p_;
};

// The longest text Writer::Span can produce for `s`: the fixed parts, every string escaped at
// its worst, every number at its longest. Kept tight: the room is zero-filled before it is
// written, and a common span's room (under 2 KB) fills with vector stores.
std::size_t SpanBound(const SpanData& s) {
  // The keys and punctuation of a span, all optional parts present (about 240).
  constexpr std::size_t kFixed = 256 + 3 * kMaxNumber;
  // `{"key":"` `","value":` `{"doubleValue":` `}}` and a comma.
  constexpr std::size_t kPerAttribute = 40;
  constexpr std::size_t kPerLink = 40;
  std::size_t n = kFixed + TraceId::kHexSize + 2 * SpanId::kHexSize +
                  kMaxEscape * (s.name.size() + s.status_message.size());
  for (const Attribute& a : s.attributes)
    n += kPerAttribute + a.key.size() +
         (a.type == Attribute::Type::kString ? 2 + kMaxEscape * a.str().size() : kMaxNumber);
  n += s.links.size() * (kPerLink + TraceId::kHexSize + SpanId::kHexSize);
  if (s.server.set())
    n += kMaxEscape * ServerSpanNameSize(s.server) + kServerAttributes * kPerAttribute + kServerKeysSize +
         kServerIntegers * kMaxNumber + kServerScheme.size() +
         kMaxEscape * s.server.text_size();
  return n;
}

// Runs `write` with a Writer over `bound` bytes reserved at the end of `out`, then trims `out`
// to what was written. Growth beyond the capacity doubles it, so a reused buffer settles.
template <typename F>
void WriteBounded(std::string& out, std::size_t bound, F&& write) {
  std::size_t old = out.size();
  if (out.capacity() < old + bound) out.reserve(std::max(old + bound, 2 * out.capacity()));
  out.resize(old + bound);
  Writer w(out.data() + old);
  write(w);
  out.resize(static_cast<std::size_t>(w.pos() - out.data()));
}

}  // namespace

void AppendJsonString(std::string_view s, std::string& out) {
  WriteBounded(out, 2 + kMaxEscape * s.size(), [&](Writer& w) { w.String(s); });
}

void EncodeOtlpJson(const Resource& resource, const std::vector<std::unique_ptr<SpanData>>& spans, std::string& out) {
  out += "{\"resourceSpans\":[{\"resource\":{\"attributes\":[";
  for (std::size_t i = 0; i < resource.attributes.size(); ++i) {
    if (i) out.push_back(',');
    out += "{\"key\":";
    AppendJsonString(resource.attributes[i].first, out);
    out += ",\"value\":{\"stringValue\":";
    AppendJsonString(resource.attributes[i].second, out);
    out += "}}";
  }
  out += "]},\"scopeSpans\":[{\"scope\":{\"name\":\"";
  out += kScopeName;
  out += "\",\"version\":\"";
  out += kRuntimeVersion;
  out += "\"},\"spans\":[";
  for (std::size_t i = 0; i < spans.size(); ++i) {
    const SpanData& s = *spans[i];
    WriteBounded(out, 1 + SpanBound(s), [&](Writer& w) {
      if (i) w.Char(',');
      w.Span(s);
    });
  }
  out += "]}]}]}";
}

std::string EncodeOtlpJson(const Resource& resource, const std::vector<std::unique_ptr<SpanData>>& spans) {
  std::string out;
  EncodeOtlpJson(resource, spans, out);
  return out;
}

}  // namespace lux::tracing
