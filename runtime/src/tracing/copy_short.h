// CopyShort: a copy of a few bytes by word moves, inline: the span's attribute values on the
// request's thread (SpanData::Add) and the encoder's strings (otlp_json.cpp) are mostly under
// 32 bytes, for which a call to memcpy costs more than the copy. Entry point: CopyShort.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace lux::tracing {

// Copies n bytes with a few word moves when n <= 32 (keys, ids, most values), else memcpy: the
// library call costs more than the copy for such lengths. No byte outside [dst, dst + n) is
// written.
inline void CopyShort(char* dst, const char* src, std::size_t n) {
  if (n > 32) {
    std::memcpy(dst, src, n);
  } else if (n >= 16) {
    std::uint64_t a, b, c, d;
    std::memcpy(&a, src, 8);
    std::memcpy(&b, src + 8, 8);
    std::memcpy(&c, src + n - 16, 8);
    std::memcpy(&d, src + n - 8, 8);
    std::memcpy(dst, &a, 8);
    std::memcpy(dst + 8, &b, 8);
    std::memcpy(dst + n - 16, &c, 8);
    std::memcpy(dst + n - 8, &d, 8);
  } else if (n >= 8) {
    std::uint64_t a, b;
    std::memcpy(&a, src, 8);
    std::memcpy(&b, src + n - 8, 8);
    std::memcpy(dst, &a, 8);
    std::memcpy(dst + n - 8, &b, 8);
  } else if (n >= 4) {
    std::uint32_t a, b;
    std::memcpy(&a, src, 4);
    std::memcpy(&b, src + n - 4, 4);
    std::memcpy(dst, &a, 4);
    std::memcpy(dst + n - 4, &b, 4);
  } else if (n > 0) {
    dst[0] = src[0];
    dst[n / 2] = src[n / 2];
    dst[n - 1] = src[n - 1];
  }
}

}  // namespace lux::tracing
