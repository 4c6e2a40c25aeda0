// The WebSocket frame codec (RFC 6455 section 5) the connections of ws.cpp read and write with:
// ParseFrameHeader reads a client frame's header, Unmask removes its mask eight bytes at a time,
// AppendFrame writes a server frame (never masked) into an output buffer. Pure functions over
// bytes, so the unit tests drive them without a socket.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace lux::ws {

enum Opcode : std::uint8_t {
  kOpContinuation = 0x0,
  kOpText = 0x1,
  kOpBinary = 0x2,
  kOpClose = 0x8,
  kOpPing = 0x9,
  kOpPong = 0xA,
};

// A control frame carries at most this many payload bytes (RFC 6455 5.5).
inline constexpr std::size_t kMaxControlPayload = 125;
// The longest frame header: 2 bytes, 8 of extended length, 4 of mask.
inline constexpr std::size_t kMaxFrameHeader = 14;

struct FrameHeader {
  bool fin = false;
  std::uint8_t rsv = 0;     // the three reserved bits (no extension is negotiated: must be 0)
  std::uint8_t opcode = 0;  // the four opcode bits as sent
  bool masked = false;
  std::uint64_t length = 0;
  std::uint8_t mask[4] = {0, 0, 0, 0};
  std::size_t size = 0;  // bytes of the header itself
};

enum class HeaderResult { kNeedMore, kOk, kBadLength };

// Reads the header at the start of [p, p + n). kNeedMore until all of it arrived; kBadLength for
// a 64-bit length with its top bit set (RFC 6455 5.2). The caller checks the rest (opcode, RSV,
// mask, control frame rules).
inline HeaderResult ParseFrameHeader(const std::uint8_t* p, std::size_t n, FrameHeader& h) {
  if (n < 2) return HeaderResult::kNeedMore;
  h.fin = (p[0] & 0x80) != 0;
  h.rsv = static_cast<std::uint8_t>((p[0] >> 4) & 0x7);
  h.opcode = static_cast<std::uint8_t>(p[0] & 0x0F);
  h.masked = (p[1] & 0x80) != 0;
  std::uint64_t len = p[1] & 0x7F;
  std::size_t at = 2;
  if (len == 126) {
    if (n < 4) return HeaderResult::kNeedMore;
    len = (std::uint64_t{p[2]} << 8) | p[3];
    at = 4;
  } else if (len == 127) {
    if (n < 10) return HeaderResult::kNeedMore;
    len = 0;
    for (int i = 0; i < 8; ++i) len = (len << 8) | p[2 + i];
    if (len >> 63) return HeaderResult::kBadLength;
    at = 10;
  }
  if (h.masked) {
    if (n < at + 4) return HeaderResult::kNeedMore;
    std::memcpy(h.mask, p + at, 4);
    at += 4;
  }
  h.length = len;
  h.size = at;
  return HeaderResult::kOk;
}

// XORs [p, p + n) with the 4-byte mask key, eight bytes per step (the key repeated twice in one
// 64-bit word), then the tail byte by byte.
inline void Unmask(std::uint8_t* p, std::size_t n, const std::uint8_t key[4]) {
  std::uint32_t k32;
  std::memcpy(&k32, key, 4);
  const std::uint64_t k64 = (std::uint64_t{k32} << 32) | k32;
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, p + i, 8);
    w ^= k64;
    std::memcpy(p + i, &w, 8);
  }
  for (; i < n; ++i) p[i] ^= key[i & 3];
}

// Appends one unfragmented server frame (FIN set, no mask) with `payload` to `out`.
inline void AppendFrame(std::string& out, std::uint8_t opcode, std::string_view payload) {
  char head[10];
  std::size_t h = 0;
  head[h++] = static_cast<char>(0x80 | opcode);
  const std::uint64_t n = payload.size();
  if (n < 126) {
    head[h++] = static_cast<char>(n);
  } else if (n <= 0xFFFF) {
    head[h++] = 126;
    head[h++] = static_cast<char>(n >> 8);
    head[h++] = static_cast<char>(n & 0xFF);
  } else {
    head[h++] = 127;
    for (int i = 7; i >= 0; --i) head[h++] = static_cast<char>((n >> (8 * i)) & 0xFF);
  }
  out.append(head, h);
  out.append(payload.data(), payload.size());
}

}  // namespace lux::ws
