// Maps ANTLR's code-point indices to the byte offsets luxc's SourceRanges use, and checks that
// the source is text luxc can lex (valid UTF-8, no NUL bytes) before ANTLR ever sees it.
// Entry points: checkSourceBytes (reports E1001/E1002), SourceMap.
#pragma once

#include <antlr4-runtime.h>

#include <cstdint>
#include <string_view>
#include <vector>

#include "diag/diag.h"

namespace lux::parse {

// Reports every NUL byte and invalid UTF-8 sequence (up to a few) and returns false if any.
bool checkSourceBytes(std::string_view text, DiagEngine& diags);

class SourceMap {
 public:
  // `text` must be valid UTF-8. A leading BOM is skipped by ANTLR's input stream, so code point 0
  // is the character after it.
  explicit SourceMap(std::string_view text);
  // Byte offset of code point `cp` (cp may equal the number of code points: the end).
  uint32_t byteOffset(size_t cp) const {
    if (ascii_) return static_cast<uint32_t>(cp + bom_);
    return cp < cp_to_byte_.size() ? cp_to_byte_[cp] : end_;
  }
  uint32_t end() const { return end_; }

 private:
  bool ascii_ = true;
  uint32_t bom_ = 0;
  uint32_t end_ = 0;
  std::vector<uint32_t> cp_to_byte_;  // only when the text is not pure ASCII
};

// ANTLR's input stream over already-validated UTF-8, without its slow paths: decoding is a
// plain loop (ANTLR's goes through std::wstring_convert), and token text is sliced from the
// original bytes instead of re-encoding UTF-32 for every name and literal.
class SourceCharStream : public antlr4::ANTLRInputStream {
 public:
  SourceCharStream(std::string_view text, const SourceMap& map);
  std::string getText(const antlr4::misc::Interval& interval) override;

 private:
  std::string_view text_;
  const SourceMap& map_;
};

}  // namespace lux::parse
