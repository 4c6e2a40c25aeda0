// UTF-8 validation (core/utf8.h: no overlong forms, no surrogates, at most U+10FFFF): a String the
// program sends is a text frame only when it is valid UTF-8 (a text frame that is not would make
// every client close the connection with 1007), else a binary frame; a text message a client
// sends must be valid UTF-8 (else the connection closes with 1007). ASCII runs are skipped 32 bytes
// at a time (four loads OR-ed, one test of the high bits), then eight, the usual case for JSON and chat.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "core/utf8.h"

namespace lux::ws {

inline bool ValidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  std::size_t n = s.size(), i = 0;
  while (i < n) {
    if (i + 32 <= n) {  // four words per test: one branch per 32 ASCII bytes
      std::uint64_t w[4];
      std::memcpy(w, p + i, 32);
      if (((w[0] | w[1] | w[2] | w[3]) & 0x8080808080808080ULL) == 0) {
        i += 32;
        continue;
      }
    }
    if (i + 8 <= n) {
      std::uint64_t w;
      std::memcpy(&w, p + i, 8);
      if ((w & 0x8080808080808080ULL) == 0) {
        i += 8;
        continue;
      }
    }
    unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = core::Utf8SequenceLength(p + i, p + n);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

}  // namespace lux::ws
