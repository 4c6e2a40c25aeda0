// LineIndex: byte offsets ↔ (line, UTF-16 character).
#include "lsp/position.h"

#include <algorithm>

namespace lux::lsp {

LineIndex::LineIndex(std::string_view text) : text_(text) {
  starts_.push_back(0);
  for (uint32_t i = 0; i < text.size(); ++i)
    if (text[i] == '\n') starts_.push_back(i + 1);
}

uint32_t LineIndex::offsetOf(Position p) const {
  if (p.line >= starts_.size()) return static_cast<uint32_t>(text_.size());
  uint32_t at = starts_[p.line];
  uint32_t end = p.line + 1 < starts_.size() ? starts_[p.line + 1] - 1 : static_cast<uint32_t>(text_.size());
  uint32_t units = 0;
  while (at < end && units < p.character) {
    uint32_t len = utf8Length(static_cast<unsigned char>(text_[at]));
    if (at + len > end) len = 1;
    units += len == 4 ? 2 : 1;
    at += len;
  }
  return at;
}

Position LineIndex::positionOf(uint32_t offset) const {
  offset = std::min<uint32_t>(offset, static_cast<uint32_t>(text_.size()));
  auto it = std::upper_bound(starts_.begin(), starts_.end(), offset);
  uint32_t line = static_cast<uint32_t>(it - starts_.begin()) - 1;
  uint32_t units = 0;
  for (uint32_t at = starts_[line]; at < offset;) {
    uint32_t len = utf8Length(static_cast<unsigned char>(text_[at]));
    if (at + len > offset) len = 1;
    units += len == 4 ? 2 : 1;
    at += len;
  }
  return {line, units};
}

}  // namespace lux::lsp
