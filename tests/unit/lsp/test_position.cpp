// LineIndex: byte offsets ↔ (line, UTF-16 character), with characters of 1 to 4 UTF-8 bytes,
// surrogate pairs, invalid bytes, CRLF and positions past the end.
#include <catch2/catch.hpp>

#include "lsp/position.h"

using lux::lsp::LineIndex;
using lux::lsp::Position;

TEST_CASE("positions count UTF-16 code units", "[position]") {
  // "aé😀b": a (1 byte), é (2 bytes, 1 unit), 😀 (4 bytes, 2 units), b
  std::string text = "x\naé😀b\n";
  LineIndex lines(text);
  uint32_t b_offset = static_cast<uint32_t>(text.find('b'));
  Position p = lines.positionOf(b_offset);
  CHECK(p.line == 1);
  CHECK(p.character == 4);
  CHECK(lines.offsetOf({1, 4}) == b_offset);
  CHECK(lines.offsetOf({1, 2}) == text.find("😀"));
  // Inside a surrogate pair: the offset stays before the character.
  CHECK(lines.offsetOf({1, 3}) == text.find('b'));
}

TEST_CASE("positions past a line's end or the text's end clamp", "[position]") {
  std::string text = "ab\ncd";
  LineIndex lines(text);
  CHECK(lines.offsetOf({0, 99}) == 2);  // the end of line 0, before its newline
  CHECK(lines.offsetOf({7, 0}) == text.size());
  CHECK(lines.positionOf(999).line == 1);
  CHECK(lines.positionOf(999).character == 2);
}

TEST_CASE("invalid UTF-8 counts one unit per byte", "[position]") {
  std::string text = "a\xff\xfe" "b";
  LineIndex lines(text);
  CHECK(lines.positionOf(3).character == 3);
  CHECK(lines.offsetOf({0, 3}) == 3);
  // A truncated sequence at the end of the text is no reason to read past it.
  std::string cut = "a\xf0\x9f";
  LineIndex cut_lines(cut);
  CHECK(cut_lines.positionOf(3).character == 3);
}

TEST_CASE("round trip over every offset of a mixed text", "[position]") {
  std::string text = "server \"é\" {\r\n  x = \"😀😀\" // ü\n}\n";
  LineIndex lines(text);
  for (uint32_t off = 0; off <= text.size(); ++off) {
    // only offsets at character starts map back to themselves
    if (off < text.size() && (static_cast<unsigned char>(text[off]) & 0xC0) == 0x80) continue;
    CHECK(lines.offsetOf(lines.positionOf(off)) == off);
  }
}
