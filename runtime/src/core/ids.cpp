// Request-id validation/generation and traceparent parsing (see ids.h).
#include "core/ids.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <random>

namespace lux::core {
namespace {

std::uint64_t NextRandom() {
  thread_local std::uint64_t state = [] {
    std::random_device rd;
    return (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  }();
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace

constexpr char kHex[] = "0123456789abcdef";

// Every byte's two hex digits, so that an id is written two digits per step.
struct HexPairs {
  char pair[512] = {};
  constexpr HexPairs() {
    for (int b = 0; b < 256; ++b) {
      pair[2 * b] = kHex[b >> 4];
      pair[2 * b + 1] = kHex[b & 15];
    }
  }
};
constexpr HexPairs kHexPairs;

namespace {

// The `bytes` low-order bytes of v as hex, most significant first.
char* PutHex(std::uint64_t v, int bytes, char* out) {
  for (int i = bytes - 1; i >= 0; --i) {
    std::memcpy(out, kHexPairs.pair + 2 * ((v >> (8 * i)) & 0xFF), 2);
    out += 2;
  }
  return out;
}

bool IsLowerHex(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

// The value of a hex digit of either case.
int HexValue(char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; }


}  // namespace

bool IsValidRequestId(std::string_view id) {
  if (id.empty() || id.size() > kMaxRequestIdLength) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
              c == '_' || c == '.' || c == ':';
    if (!ok) return false;
  }
  return true;
}

std::string RandomHex(int bytes) {
  char buf[64];
  std::string out;
  while (bytes > 0) {
    int n = std::min(bytes, 32);
    char* p = buf;
    for (int left = n; left > 0; left -= 8) p = PutHex(NextRandom(), std::min(left, 8), p);
    out.append(buf, p);
    bytes -= n;
  }
  return out;
}

std::string NewRequestId() {
  std::string id;
  NewRequestId(id);
  return id;
}

void NewRequestId(std::string& out) {
  std::uint64_t hi = NextRandom(), lo = NextRandom();
  hi = (hi & 0xFFFFFFFFFFFF0FFFull) | 0x0000000000004000ull;  // version 4
  lo = (lo & 0x3FFFFFFFFFFFFFFFull) | 0x8000000000000000ull;  // variant 10
  // 8-4-4-4-12 hex digits.
  char buf[36];
  char* p = PutHex(hi >> 32, 4, buf);
  *p++ = '-';
  p = PutHex(hi >> 16, 2, p);
  *p++ = '-';
  p = PutHex(hi, 2, p);
  *p++ = '-';
  p = PutHex(lo >> 48, 2, p);
  *p++ = '-';
  PutHex(lo, 6, p);
  out.clear();  // clear and append: libstdc++'s assign goes through its general replace
  out.append(buf, 36);
}

std::optional<TraceContext> ParseTraceparent(std::string_view h) {
  // version(2) - trace-id(32) - parent-id(16) - flags(2) [ - future fields for versions > 00 ]
  if (h.size() < 55) return std::nullopt;
  if (h[2] != '-' || h[35] != '-' || h[52] != '-') return std::nullopt;
  std::string_view version = h.substr(0, 2), trace = h.substr(3, 32), parent = h.substr(36, 16),
                   flags = h.substr(53, 2);
  if (!IsLowerHex(version) || version == "ff") return std::nullopt;
  if (version == "00" && h.size() != 55) return std::nullopt;
  if (version != "00" && h.size() > 55 && h[55] != '-') return std::nullopt;
  if (!IsLowerHex(trace) || !IsLowerHex(parent) || !IsLowerHex(flags)) return std::nullopt;
  TraceContext t;
  TraceId::FromHex(trace, t.trace_id);
  SpanId::FromHex(parent, t.parent_id);
  if (t.trace_id.empty() || t.parent_id.empty()) return std::nullopt;  // all-zero ids are invalid
  t.flags = static_cast<std::uint8_t>(HexValue(flags[0]) * 16 + HexValue(flags[1]));
  return t;
}

namespace {
// A new random id, never all zeros (no id, an invalid W3C id).
template <std::size_t N>
void RandomId(TraceIdBytes<N>& id) {
  do {
    for (std::size_t i = 0; i < N; i += 8) {
      std::uint64_t w = NextRandom();
      std::memcpy(id.bytes + i, &w, 8);
    }
  } while (id.empty());
}
}  // namespace

void NewTraceId(TraceId& id) { RandomId(id); }
void NewSpanId(SpanId& id) { RandomId(id); }

TraceContext MakeTraceContext(std::optional<std::string_view> incoming) {
  TraceContext t;
  if (incoming) {
    if (auto parsed = ParseTraceparent(*incoming)) t = *parsed;
  }
  if (t.trace_id.empty()) {
    RandomId(t.trace_id);
    t.flags = 0x01;  // sampled: a trace that starts here is recorded
  }
  RandomId(t.span_id);
  return t;
}

}  // namespace lux::core

namespace lux {

template <std::size_t N>
bool TraceIdBytes<N>::empty() const {
  std::uint64_t any = 0;
  for (std::size_t i = 0; i < N; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, bytes + i, 8);
    any |= w;
  }
  return any == 0;
}

template <std::size_t N>
char* TraceIdBytes<N>::WriteHex(char* out) const {
  for (std::size_t i = 0; i < N; ++i) {
    std::memcpy(out, core::kHexPairs.pair + 2 * bytes[i], 2);
    out += 2;
  }
  return out;
}

template <std::size_t N>
std::string TraceIdBytes<N>::Hex() const {
  if (empty()) return std::string();
  char buf[2 * N];
  WriteHex(buf);
  return std::string(buf, 2 * N);
}

template <std::size_t N>
bool TraceIdBytes<N>::FromHex(std::string_view hex, TraceIdBytes& out) {
  if (hex.size() != 2 * N) return false;
  for (char c : hex)
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  for (std::size_t i = 0; i < N; ++i)
    out.bytes[i] = static_cast<unsigned char>(core::HexValue(hex[2 * i]) * 16 + core::HexValue(hex[2 * i + 1]));
  return true;
}

template struct TraceIdBytes<16>;
template struct TraceIdBytes<8>;

std::string TraceContext::ChildTraceparent() const {
  // 00-<trace_id>-<span_id>-<flags>: this request's span is the parent of the outgoing call.
  char buf[55];
  char* p = buf;
  *p++ = '0';
  *p++ = '0';
  *p++ = '-';
  p = trace_id.WriteHex(p);
  *p++ = '-';
  p = span_id.WriteHex(p);
  *p++ = '-';
  std::memcpy(p, core::kHexPairs.pair + 2 * flags, 2);
  return std::string(buf, 55);
}

}  // namespace lux
