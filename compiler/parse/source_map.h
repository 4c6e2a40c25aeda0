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

// ANTLR's input stream over already-validated UTF-8, read in place: no decoded copy of the text
// (ANTLRInputStream keeps one of 4 bytes per character), a code point decoded when asked for
// (LA), and token text sliced from the original bytes. The hand-written lexer reads the bytes
// itself; tokens and ANTLR's error recovery reach the text through this stream, and the
// generated lexer (in the lexer's test) reads it like any CharStream.
class SourceCharStream final : public antlr4::CharStream {
 public:
  SourceCharStream(std::string_view text, const SourceMap& map);

  void consume() override;
  size_t LA(ssize_t i) override;
  ssize_t mark() override { return -1; }
  void release(ssize_t) override {}
  size_t index() override { return p_; }
  void seek(size_t index) override;
  size_t size() override { return size_; }
  std::string getSourceName() const override { return "<unknown>"; }
  std::string getText(const antlr4::misc::Interval& interval) override;
  std::string toString() const override { return std::string(text_.substr(start_)); }

 private:
  std::string_view text_;
  const SourceMap& map_;
  size_t start_;  // after a BOM, which ANTLR's input stream skips too
  size_t size_;  // code points
  size_t p_ = 0;
};

}  // namespace lux::parse
