// UTF-8 of one code point, header only: its encoding (the compiler's string escapes `\u{1F600}`,
// the JSON parser's `\u` escapes, the stdlib's String.fromCharCode) and the cutting and decoding
// of a string's characters (the stdlib's character-wise String functions).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace lux::common {

// Appends the UTF-8 bytes of code point `cp` (at most 0x10FFFF; the caller refuses others).
inline void AppendUtf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// The length of the UTF-8 sequence that starts with byte `c` (1 for a stray continuation byte or
// a byte that starts none, so a malformed string still splits into pieces that cover it).
inline std::size_t Utf8SequenceLength(unsigned char c) {
  if (c >= 0xF0 && c < 0xF8) return 4;
  if (c >= 0xE0) return c < 0xF0 ? 3 : 1;
  if (c >= 0xC0) return 2;
  return 1;
}

// The code point of one whole UTF-8 sequence `seq` (as Utf8SequenceLength cuts it), or -1 when it
// is malformed (a lead byte without its continuation bytes, a stray byte).
inline std::int64_t DecodeUtf8(std::string_view seq) {
  if (seq.empty()) return -1;
  const auto lead = static_cast<unsigned char>(seq[0]);
  if (lead < 0x80) return lead;
  const std::size_t n = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 0;
  if (n == 0 || seq.size() != n) return -1;
  std::int64_t cp = lead & (0x7F >> n);
  for (std::size_t i = 1; i < n; ++i) {
    const auto c = static_cast<unsigned char>(seq[i]);
    if ((c & 0xC0) != 0x80) return -1;
    cp = (cp << 6) | (c & 0x3F);
  }
  return cp;
}

}  // namespace lux::common
