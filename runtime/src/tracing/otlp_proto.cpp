// OTLP protobuf encoding (see otlp_proto.h). Field numbers and wire types are those of
// opentelemetry-proto (trace/v1/trace.proto, common/v1/common.proto, resource/v1/resource.proto,
// collector/trace/v1/trace_service.proto); each tag below names its message and field.
#include "tracing/otlp_proto.h"

#include <bit>
#include <cstdint>
#include <cstring>

#include "core/utf8.h"
#include "tracing/copy_short.h"
#include "tracing/version.h"

namespace lux::tracing {
namespace {

// Tags: (field number << 3) | wire type (0 varint, 1 fixed64, 2 length-delimited, 5 fixed32).
// ExportTraceServiceRequest.resource_spans, ResourceSpans.resource, ScopeSpans.scope,
// Resource.attributes, InstrumentationScope.name, KeyValue.key, AnyValue.string_value,
// Span.trace_id, Span.Link.trace_id: field 1, length-delimited.
constexpr std::uint8_t kField1Bytes = 0x0A;
// ResourceSpans.scope_spans, ScopeSpans.spans, InstrumentationScope.version, KeyValue.value,
// Span.span_id, Span.Link.span_id, Status.message: field 2, length-delimited.
constexpr std::uint8_t kField2Bytes = 0x12;
constexpr std::uint8_t kSpanParentId = 0x22;     // Span.parent_span_id = 4 (bytes)
constexpr std::uint8_t kSpanName = 0x2A;         // Span.name = 5 (string)
constexpr std::uint8_t kSpanKind = 0x30;         // Span.kind = 6 (enum)
constexpr std::uint8_t kSpanStart = 0x39;        // Span.start_time_unix_nano = 7 (fixed64)
constexpr std::uint8_t kSpanEnd = 0x41;          // Span.end_time_unix_nano = 8 (fixed64)
constexpr std::uint8_t kSpanAttribute = 0x4A;    // Span.attributes = 9 (KeyValue)
constexpr std::uint8_t kSpanLink = 0x6A;         // Span.links = 13 (Link)
constexpr std::uint8_t kSpanStatus = 0x7A;       // Span.status = 15 (Status)
constexpr std::uint8_t kSpanFlags[] = {0x85, 0x01};  // Span.flags = 16 (fixed32): a two-byte tag
constexpr std::uint8_t kStatusCode = 0x18;       // Status.code = 3 (enum)
constexpr std::uint8_t kStatusCodeError = 2;     // STATUS_CODE_ERROR
constexpr std::uint8_t kAnyBool = 0x10;          // AnyValue.bool_value = 2
constexpr std::uint8_t kAnyInt = 0x18;           // AnyValue.int_value = 3 (int64 varint)
constexpr std::uint8_t kAnyDouble = 0x21;        // AnyValue.double_value = 4 (fixed64)

// The most bytes of a varint (a 64-bit value), and of the length of a message under 4 GB.
constexpr std::size_t kMaxVarint = 10;
constexpr std::size_t kMaxLength = 5;
// A span's length is patched in after its body: room for a two-byte varint (128 bytes to
// 16 KB, the common span) is left before the body; a shorter or longer one moves the body.
constexpr std::size_t kSpanLengthRoom = 2;
// The outer lengths (ResourceSpans, ScopeSpans) are taken to be three-byte varints (16 KB to
// 2 MB: a batch of a few dozen spans and more); other sizes move the batch once.
constexpr std::size_t kOuterLengthGuess = 3;

// A KeyValue of a string whose key and value take at most this many bytes: 127 minus the six
// bytes of tags and one-byte lengths inside it.
constexpr std::size_t kShortKeyValue = 127 - 6;

constexpr std::size_t VarintSize(std::uint64_t v) { return (static_cast<std::size_t>(std::bit_width(v | 1)) + 6) / 7; }

constexpr std::uint64_t kHigh = 0x8080808080808080ull;

// Whether `s` is all ASCII: up to 16 bytes by two overlapping loads (most values), longer ones
// eight bytes a step and the tail by one more overlapping load.
inline bool Ascii(std::string_view s) {
  const char* p = s.data();
  const std::size_t n = s.size();
  if (n >= 8) {
    std::uint64_t acc, w;
    std::memcpy(&acc, p, 8);
    for (std::size_t i = 8; i + 8 <= n; i += 8) {
      std::memcpy(&w, p + i, 8);
      acc |= w;
    }
    std::memcpy(&w, p + n - 8, 8);
    return ((acc | w) & kHigh) == 0;
  }
  if (n >= 4) {
    std::uint32_t a, b;
    std::memcpy(&a, p, 4);
    std::memcpy(&b, p + n - 4, 4);
    return ((a | b) & 0x80808080u) == 0;
  }
  if (n == 0) return true;
  return ((static_cast<unsigned char>(p[0]) | static_cast<unsigned char>(p[n / 2]) |
           static_cast<unsigned char>(p[n - 1])) & 0x80) == 0;
}

// Length of the well-formed UTF-8 sequence at s[i] (1 for ASCII), or 0.
inline std::size_t Utf8Length(std::string_view s, std::size_t i) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  return p[i] < 0x80 ? 1 : core::Utf8SequenceLength(p + i, p + s.size());
}

// The size of `s` as a protobuf string: each byte that is not part of valid UTF-8 becomes
// U+FFFD (three bytes). Equal to s.size() exactly when `s` is valid UTF-8.
std::size_t Utf8SizeSlow(std::string_view s);
inline std::size_t Utf8Size(std::string_view s) { return Ascii(s) ? s.size() : Utf8SizeSlow(s); }

std::size_t Utf8SizeSlow(std::string_view s) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size();) {
    if (std::size_t k = Utf8Length(s, i)) {
      n += k;
      i += k;
    } else {
      n += 3;
      ++i;
    }
  }
  return n;
}

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "fixed64 and fixed32 are written as little-endian words");

// The encoded attributes of a server span's Host and User-Agent (ForEachServerHostAttribute),
// kept from the last server span this thread encoded, with what they were made from.
struct HostAttributes {
  ServerHostKey key;
  std::string bytes;
};
thread_local HostAttributes tl_host_attributes;

// Writes into room the caller reserved (see SpanBound): no checks, no temporaries.
class Writer {
 public:
  explicit Writer(char* p) : p_(p) {}
  char* pos() const { return p_; }

  void Byte(std::uint8_t b) { *p_++ = static_cast<char>(b); }
  void Varint(std::uint64_t v) {
    while (v >= 0x80) {
      *p_++ = static_cast<char>(v | 0x80);
      v >>= 7;
    }
    *p_++ = static_cast<char>(v);
  }
  void Fixed64(std::uint64_t v) {
    std::memcpy(p_, &v, 8);
    p_ += 8;
  }
  void Fixed32(std::uint32_t v) {
    std::memcpy(p_, &v, 4);
    p_ += 4;
  }
  void Raw(std::string_view s) {
    CopyShort(p_, s.data(), s.size());
    p_ += s.size();
  }
  // An id: a field's tag, its length and its bytes.
  template <std::size_t N>
  void Id(std::uint8_t tag, const TraceIdBytes<N>& id) {
    p_[0] = static_cast<char>(tag);
    p_[1] = static_cast<char>(N);
    std::memcpy(p_ + 2, id.bytes, N);
    p_ += 2 + N;
  }
  // `s` with its size as UTF-8 (`size`, from Utf8Size): copied as it is when valid.
  void Utf8(std::string_view s, std::size_t size) {
    Varint(size);
    if (size == s.size()) {
      Raw(s);
      return;
    }
    Utf8Replacing(s);
  }
  // `s` with each byte that is not part of valid UTF-8 replaced by U+FFFD.
  void Utf8Replacing(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
      if (std::size_t k = Utf8Length(s, i)) {
        Raw(s.substr(i, k));
        i += k;
      } else {
        Raw("\xEF\xBF\xBD");
        ++i;
      }
    }
  }
  void StringField(std::uint8_t tag, std::string_view s) {
    Byte(tag);
    Utf8(s, Utf8Size(s));
  }

  // One KeyValue under `tag`: its length computed from its parts, then the parts.
  void KeyValue(std::uint8_t tag, const Attribute& a) {
    if (a.type == Attribute::Type::kString) {
      StringKeyValue(tag, a.key, a.str());
    } else if (a.type == Attribute::Type::kInt) {
      IntKeyValue(tag, a.key, a.i);
    } else {
      KeyValueAnySize(tag, a);
    }
  }

  // A KeyValue with a string value. The common one, an ASCII value in a KeyValue under 128
  // bytes, has every length in one byte: tag, length, key's tag and length, key, value's tag
  // and length, string's tag and length, string. `key` is a name of the semantic conventions
  // (plain ASCII, a literal of the runtime's call sites). Inline: a server span writes nine.
  [[gnu::always_inline]] void StringKeyValue(std::uint8_t tag, std::string_view key_text, std::string_view v,
                                             bool known_ascii = false) {
    const std::size_t key = key_text.size();
    if (key + v.size() <= kShortKeyValue && (known_ascii || Ascii(v))) {
      char* p = p_;
      p[0] = static_cast<char>(tag);
      p[1] = static_cast<char>(key + v.size() + 6);
      p[2] = static_cast<char>(kField1Bytes);  // KeyValue.key
      p[3] = static_cast<char>(key);
      CopyShort(p + 4, key_text.data(), key);
      p += 4 + key;
      p[0] = static_cast<char>(kField2Bytes);  // KeyValue.value
      p[1] = static_cast<char>(v.size() + 2);
      p[2] = static_cast<char>(kField1Bytes);  // AnyValue.string_value
      p[3] = static_cast<char>(v.size());
      CopyShort(p + 4, v.data(), v.size());
      p_ = p + 4 + v.size();
      return;
    }
    Attribute a;
    a.key = key_text;
    a.SetString(v);
    KeyValueAnySize(tag, a);
  }

  // A KeyValue with an integer (status codes, ports): its varint first, then the one-byte
  // lengths around it.
  [[gnu::always_inline]] void IntKeyValue(std::uint8_t tag, std::string_view key_text, std::int64_t i) {
    const std::size_t key = key_text.size();
    if (key > kShortKeyValue) {
      Attribute a;
      a.type = Attribute::Type::kInt;
      a.key = key_text;
      a.i = i;
      KeyValueAnySize(tag, a);
      return;
    }
    char value[kMaxVarint];
    Writer vw(value);
    vw.Varint(static_cast<std::uint64_t>(i));
    const std::size_t n = static_cast<std::size_t>(vw.pos() - value);
    char* p = p_;
    p[0] = static_cast<char>(tag);
    p[1] = static_cast<char>(key + n + 5);
    p[2] = static_cast<char>(kField1Bytes);  // KeyValue.key
    p[3] = static_cast<char>(key);
    CopyShort(p + 4, key_text.data(), key);
    p += 4 + key;
    p[0] = static_cast<char>(kField2Bytes);  // KeyValue.value
    p[1] = static_cast<char>(n + 1);
    p[2] = static_cast<char>(kAnyInt);
    // All kMaxVarint bytes (two fixed moves): the room counts that many for an integer, and
    // the bytes past the varint are written over by what follows or trimmed.
    std::memcpy(p + 3, value, kMaxVarint);
    p_ = p + 3 + n;
  }

  void KeyValueAnySize(std::uint8_t tag, const Attribute& a) {
    std::size_t value = 0;  // the AnyValue's body
    std::size_t str_size = 0;
    switch (a.type) {
      case Attribute::Type::kString:
        str_size = Utf8Size(a.str());
        value = 1 + VarintSize(str_size) + str_size;
        break;
      case Attribute::Type::kInt: value = 1 + VarintSize(static_cast<std::uint64_t>(a.i)); break;
      case Attribute::Type::kBool: value = 2; break;
      case Attribute::Type::kDouble: value = 9; break;
    }
    // The key is a name of the semantic conventions (plain ASCII, a literal of the runtime's
    // call sites): its size as UTF-8 is its size.
    const std::size_t key = a.key.size();
    Byte(tag);
    Varint(1 + VarintSize(key) + key + 1 + VarintSize(value) + value);
    Byte(kField1Bytes);  // KeyValue.key
    Varint(key);
    Raw(a.key);
    Byte(kField2Bytes);  // KeyValue.value
    Varint(value);
    switch (a.type) {
      case Attribute::Type::kString:
        Byte(kField1Bytes);  // AnyValue.string_value
        Utf8(a.str(), str_size);
        break;
      case Attribute::Type::kInt:
        Byte(kAnyInt);
        Varint(static_cast<std::uint64_t>(a.i));  // int64: a negative value takes ten bytes
        break;
      case Attribute::Type::kBool:
        Byte(kAnyBool);
        Byte(a.b ? 1 : 0);
        break;
      case Attribute::Type::kDouble: {
        Byte(kAnyDouble);
        std::uint64_t bits;
        std::memcpy(&bits, &a.d, 8);
        Fixed64(bits);
        break;
      }
    }
  }

  // One ScopeSpans.spans entry: its tag, its length (patched in when the body is written) and
  // the Span message, fields in the order of their numbers.
  void Span(const SpanData& s) {
    Byte(kField2Bytes);  // ScopeSpans.spans
    char* length_at = p_;
    p_ += kSpanLengthRoom;
    char* body = p_;
    Id(kField1Bytes, s.ctx.trace_id);  // Span.trace_id
    Id(kField2Bytes, s.ctx.span_id);   // Span.span_id
    if (!s.ctx.parent_id.empty()) Id(kSpanParentId, s.ctx.parent_id);
    if (s.name.empty() && s.server.set()) {  // a server span: its name from the fixed fields
      char buf[kServerNameRoom];
      std::string long_name;
      StringField(kSpanName, ServerSpanName(s.server, buf, long_name));
    } else {
      StringField(kSpanName, s.name);
    }
    Byte(kSpanKind);
    Byte(static_cast<std::uint8_t>(s.kind));
    Byte(kSpanStart);
    Fixed64(static_cast<std::uint64_t>(s.start_ns));
    Byte(kSpanEnd);
    Fixed64(static_cast<std::uint64_t>(s.end_ns));
    for (const Attribute& a : s.attributes) KeyValue(kSpanAttribute, a);
    if (s.server.set()) {  // a server span's request attributes, from its fixed fields
      // The texts checked for ASCII once, all together, rather than value by value (every value
      // is a part of them, or the scheme's constant).
      const bool ascii = Ascii(s.server.text());
      auto str = [&](std::string_view key, std::string_view v) { StringKeyValue(kSpanAttribute, key, v, ascii); };
      auto num = [&](std::string_view key, std::int64_t v) { IntKeyValue(kSpanAttribute, key, v); };
      ForEachServerRequestAttribute(s.server, str, num);
      // Those of Host and User-Agent: the bytes the previous server span wrote when its Host
      // and User-Agent were the same (most clients send the same ones on every request).
      HostAttributes& last = tl_host_attributes;
      if (last.key.Matches(s.server)) {
        Raw(last.bytes);
      } else {
        char* from = p_;
        ForEachServerHostAttribute(s.server, str, num);
        last.key.Set(s.server);
        last.bytes.assign(from, static_cast<std::size_t>(p_ - from));
      }
    }
    for (const Link& l : s.links) {
      Byte(kSpanLink);
      Varint(2 + TraceId::kSize + 2 + SpanId::kSize);
      Id(kField1Bytes, l.trace_id);  // Link.trace_id
      Id(kField2Bytes, l.span_id);   // Link.span_id
    }
    // Status: absent is STATUS_CODE_UNSET; an error has its message (written even when empty,
    // as the JSON encoding does) and its code.
    if (s.error) {
      std::size_t msg = Utf8Size(s.status_message);
      Byte(kSpanStatus);
      Varint(1 + VarintSize(msg) + msg + 2);
      Byte(kField2Bytes);  // Status.message
      Utf8(s.status_message, msg);
      Byte(kStatusCode);
      Byte(kStatusCodeError);
    }
    Byte(kSpanFlags[0]);
    Byte(kSpanFlags[1]);
    Fixed32(static_cast<std::uint32_t>(s.ctx.flags));
    PatchLength(length_at, body);
  }

 private:
  // Writes the length of [body, p_) at `at`, moving the body when its varint is not
  // kSpanLengthRoom bytes long (the room reserved covers the longer case).
  void PatchLength(char* at, char* body) {
    const std::size_t n = static_cast<std::size_t>(p_ - body);
    const std::size_t size = VarintSize(n);
    if (size != kSpanLengthRoom) {
      std::memmove(at + size, body, n);
      p_ = at + size + n;
    }
    Writer(at).Varint(n);
  }

  char* p_;
};

// The longest encoding Writer::Span can produce for `s`: every string at its worst (each byte
// U+FFFD), every varint at its longest.
std::size_t SpanBound(const SpanData& s) {
  // The span's tag and length (room for the longest), ids' tags and lengths, kind, times, flags,
  // name's and status's tags and lengths.
  constexpr std::size_t kFixed = 1 + kMaxLength + 6 + 2 + 18 + 6 + 3 * (1 + kMaxLength) + 2 + 16;
  constexpr std::size_t kPerAttribute = 4 * (1 + kMaxLength) + 1 + kMaxVarint;
  constexpr std::size_t kPerLink = 1 + kMaxLength + 4;
  std::size_t n = kFixed + TraceId::kSize + 2 * SpanId::kSize +
                  3 * (s.name.size() + s.status_message.size());
  for (const Attribute& a : s.attributes)
    n += kPerAttribute + a.key.size() + (a.type == Attribute::Type::kString ? 3 * a.str().size() : 0);
  n += s.links.size() * (kPerLink + TraceId::kSize + SpanId::kSize);
  // A server span's attributes: at most 20 bytes of tags and lengths each (a key under 128
  // bytes), integers of at most 10 bytes.
  constexpr std::size_t kPerServerAttribute = 1 + kMaxLength + 2 + 1 + kMaxLength + 1 + kMaxLength;
  if (s.server.set())
    n += 3 * ServerSpanNameSize(s.server) + kServerAttributes * kPerServerAttribute + kServerKeysSize +
         kServerIntegers * kMaxVarint +
         kServerScheme.size() + 3 * s.server.text_size();
  return n;
}

// `tag`, then `body`'s length and bytes.
void AppendField(std::string& out, std::uint8_t tag, std::string_view body) {
  char head[1 + kMaxVarint];
  Writer w(head);
  w.Byte(tag);
  w.Varint(body.size());
  out.append(head, static_cast<std::size_t>(w.pos() - head));
  out.append(body);
}

// A KeyValue with a string value (the resource's attributes), as a field under `tag`.
void AppendStringKeyValue(std::string& out, std::uint8_t tag, std::string_view key, std::string_view value) {
  Attribute a;
  a.key = key;
  a.SetString(value);
  std::string kv(4 * (1 + kMaxVarint) + 3 * (key.size() + value.size()), '\0');
  Writer w(kv.data());
  w.KeyValue(tag, a);
  kv.resize(static_cast<std::size_t>(w.pos() - kv.data()));
  out += kv;
}

}  // namespace

void EncodeOtlpProto(const Resource& resource, const std::vector<std::unique_ptr<SpanData>>& spans, std::string& out) {
  // What comes before the spans, but for the two outer lengths: the resource and the scope.
  std::string attrs;
  for (const auto& [k, v] : resource.attributes) AppendStringKeyValue(attrs, kField1Bytes, k, v);  // Resource.attributes
  std::string head1;  // ResourceSpans.resource, then the tag of ResourceSpans.scope_spans
  AppendField(head1, kField1Bytes, attrs);
  head1.push_back(static_cast<char>(kField2Bytes));
  std::string scope;  // InstrumentationScope.name, .version
  AppendField(scope, kField1Bytes, kScopeName);
  AppendField(scope, kField2Bytes, kRuntimeVersion);
  std::string head2;  // ScopeSpans.scope
  AppendField(head2, kField1Bytes, scope);

  const std::size_t old = out.size();
  const std::size_t gap = 1 + kOuterLengthGuess + head1.size() + kOuterLengthGuess + head2.size();
  out.resize(old + gap);
  // Each span is written at `end` into room for its longest encoding. The string is not cut
  // back after each span: the next one's room overlaps the last one's unused room, so only the
  // growth is zero-filled (about the bytes written, not their bound).
  std::size_t end = out.size();
  for (const auto& span : spans) {
    const SpanData& s = *span;
    const std::size_t bound = SpanBound(s);
    if (out.size() < end + bound) {
      if (out.capacity() < end + bound) out.reserve(std::max(end + bound, 2 * out.capacity()));
      out.resize(end + bound);
    }
    Writer w(out.data() + end);
    w.Span(s);
    end = static_cast<std::size_t>(w.pos() - out.data());
  }
  out.resize(end);
  const std::uint64_t scope_spans = head2.size() + (out.size() - old - gap);
  const std::uint64_t resource_spans = head1.size() + VarintSize(scope_spans) + scope_spans;
  std::string prefix;  // ExportTraceServiceRequest.resource_spans: its tag, length, head1, ...
  {
    char buf[2 * kMaxVarint + 1];
    Writer w(buf);
    w.Byte(kField1Bytes);
    w.Varint(resource_spans);
    prefix.append(buf, static_cast<std::size_t>(w.pos() - buf));
    prefix += head1;
    Writer l(buf);
    l.Varint(scope_spans);
    prefix.append(buf, static_cast<std::size_t>(l.pos() - buf));
    prefix += head2;
  }
  if (prefix.size() > gap) {
    out.insert(old, prefix.size() - gap, '\0');  // lengths longer than guessed: the batch moves once
  } else if (prefix.size() < gap) {
    out.erase(old, gap - prefix.size());  // shorter (a small batch)
  }
  std::memcpy(out.data() + old, prefix.data(), prefix.size());
}

std::string EncodeOtlpProto(const Resource& resource, const std::vector<std::unique_ptr<SpanData>>& spans) {
  std::string out;
  EncodeOtlpProto(resource, spans, out);
  return out;
}

}  // namespace lux::tracing
