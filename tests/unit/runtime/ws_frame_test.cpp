// The WebSocket frame codec (runtime/src/ws/frame.h) and the ASCII fast path of ValidUtf8: header
// lengths at every encoding boundary, a header cut at every byte, the 64-bit length's top bit,
// unmasking eight bytes at a time against the byte-by-byte definition, and server frames.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "ws/frame.h"
#include "ws/utf8.h"

namespace {

using lux::ws::FrameHeader;
using lux::ws::HeaderResult;

// A masked client frame header as RFC 6455 5.2 lays it out.
std::vector<std::uint8_t> ClientHeader(std::uint8_t first, std::uint64_t len, const std::uint8_t mask[4]) {
  std::vector<std::uint8_t> h{first};
  if (len < 126) {
    h.push_back(static_cast<std::uint8_t>(0x80 | len));
  } else if (len <= 0xFFFF) {
    h.push_back(0x80 | 126);
    h.push_back(static_cast<std::uint8_t>(len >> 8));
    h.push_back(static_cast<std::uint8_t>(len));
  } else {
    h.push_back(0x80 | 127);
    for (int i = 7; i >= 0; --i) h.push_back(static_cast<std::uint8_t>(len >> (8 * i)));
  }
  h.insert(h.end(), mask, mask + 4);
  return h;
}

}  // namespace

TEST_CASE("frame headers: every length encoding, cut at every byte, and the length's top bit", "[ws]") {
  const std::uint8_t mask[4] = {0x11, 0x22, 0x33, 0x44};
  for (std::uint64_t len : {0ull, 1ull, 125ull, 126ull, 127ull, 65535ull, 65536ull, (1ull << 40) + 5}) {
    std::vector<std::uint8_t> h = ClientHeader(0x81, len, mask);
    for (std::size_t n = 0; n < h.size(); ++n) {
      FrameHeader f;
      CHECK(lux::ws::ParseFrameHeader(h.data(), n, f) == HeaderResult::kNeedMore);
    }
    FrameHeader f;
    REQUIRE(lux::ws::ParseFrameHeader(h.data(), h.size(), f) == HeaderResult::kOk);
    CHECK(f.fin);
    CHECK(f.rsv == 0);
    CHECK(f.opcode == lux::ws::kOpText);
    CHECK(f.masked);
    CHECK(f.length == len);
    CHECK(f.size == h.size());
    CHECK(std::equal(mask, mask + 4, f.mask));
  }
  // RSV bits, opcode and an unmasked frame are reported as sent (the connection rejects them).
  const std::uint8_t unmasked[] = {0x70 | 0x03, 0x05};
  FrameHeader f;
  REQUIRE(lux::ws::ParseFrameHeader(unmasked, sizeof unmasked, f) == HeaderResult::kOk);
  CHECK_FALSE(f.fin);
  CHECK(f.rsv == 7);
  CHECK(f.opcode == 3);
  CHECK_FALSE(f.masked);
  CHECK(f.size == 2);
  const std::uint8_t top_bit[] = {0x82, 0x80 | 127, 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4};
  CHECK(lux::ws::ParseFrameHeader(top_bit, sizeof top_bit, f) == HeaderResult::kBadLength);
}

TEST_CASE("Unmask matches the byte-by-byte XOR for every length and alignment", "[ws]") {
  const std::uint8_t key[4] = {0xA5, 0x3C, 0x0F, 0xF0};
  for (std::size_t offset = 0; offset < 8; ++offset) {
    for (std::size_t n = 0; n <= 70; ++n) {
      std::vector<std::uint8_t> data(offset + n);
      for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i * 31 + 7);
      std::vector<std::uint8_t> want = data;
      for (std::size_t i = 0; i < n; ++i) want[offset + i] ^= key[i % 4];
      lux::ws::Unmask(data.data() + offset, n, key);
      REQUIRE(data == want);
    }
  }
}

TEST_CASE("server frames: FIN, no mask, the shortest length encoding", "[ws]") {
  auto head = [](std::size_t n) {
    std::string out;
    lux::ws::AppendFrame(out, lux::ws::kOpBinary, std::string(n, 'x'));
    REQUIRE(out.size() >= n);
    return out.substr(0, out.size() - n);
  };
  CHECK(head(0) == std::string("\x82\x00", 2));
  CHECK(head(125) == std::string("\x82\x7d", 2));
  CHECK(head(126) == std::string("\x82\x7e\x00\x7e", 4));
  CHECK(head(65535) == std::string("\x82\x7e\xff\xff", 4));
  CHECK(head(65536) == std::string("\x82\x7f\x00\x00\x00\x00\x00\x01\x00\x00", 10));
  std::string close;
  lux::ws::AppendFrame(close, lux::ws::kOpClose, std::string("\x03\xe8" "bye", 5));
  CHECK(close == std::string("\x88\x05\x03\xe8" "bye", 7));
}

TEST_CASE("ValidUtf8 finds a bad byte at any position of a long ASCII run", "[ws]") {
  std::string ascii(40, 'a');
  CHECK(lux::ws::ValidUtf8(ascii));
  for (std::size_t at = 0; at < ascii.size(); ++at) {
    std::string bad = ascii;
    bad[at] = '\xff';
    CHECK_FALSE(lux::ws::ValidUtf8(bad));
    std::string cut = ascii.substr(0, at) + "\xce";  // a sequence cut short after the run
    CHECK_FALSE(lux::ws::ValidUtf8(cut));
    std::string good = ascii.substr(0, at) + "\xce\xba" + ascii.substr(at);  // κ inside the run
    CHECK(lux::ws::ValidUtf8(good));
  }
}
