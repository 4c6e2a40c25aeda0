// The one definition of a well-formed UTF-8 sequence the runtime uses (Unicode 15, table 3-7):
// the JSON parser and serialiser, the OTLP encoders and the WebSocket text check all ask it.
#pragma once

#include <cstddef>

namespace lux::core {

// Length of the well-formed UTF-8 sequence of a non-ASCII lead byte at p (p < end), 0 when it
// is not one: overlong forms, surrogates (U+D800..DFFF), code points above U+10FFFF, truncated
// sequences and stray continuation bytes are all refused.
inline std::size_t Utf8SequenceLength(const unsigned char* p, const unsigned char* end) {
  unsigned char c = p[0];
  std::size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // the range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (static_cast<std::size_t>(end - p) < n) return 0;
  if (p[1] < lo || p[1] > hi) return 0;
  for (std::size_t i = 2; i < n; ++i)
    if (p[i] < 0x80 || p[i] > 0xBF) return 0;
  return n;
}

}  // namespace lux::core
