// Positions as LSP counts them: 0-based lines and UTF-16 code units within a line, to and from
// byte offsets into UTF-8 text. Entry point: LineIndex (built once per text version).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace lux::lsp {

struct Position {
  uint32_t line = 0;
  uint32_t character = 0;  // UTF-16 code units
};

class LineIndex {
 public:
  explicit LineIndex(std::string_view text);
  // The byte offset of a position; a character past the line's end clamps to it, a line past
  // the last clamps to the end of the text.
  uint32_t offsetOf(Position p) const;
  Position positionOf(uint32_t offset) const;

 private:
  std::string_view text_;
  std::vector<uint32_t> starts_;
};

// UTF-16 code units of the UTF-8 sequence starting with byte `lead` (a 4-byte sequence is a
// surrogate pair); invalid bytes count one each.
inline uint32_t utf8Length(unsigned char lead) {
  return lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 1;
}

}  // namespace lux::lsp
