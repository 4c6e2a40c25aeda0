// Byte-level checks of the source (UTF-8, NUL) and the code point → byte offset map.
#include "parse/source_map.h"

namespace lux::parse {
namespace {

// After this many byte-level errors the rest of the file is not worth reporting: one bad byte
// usually means a binary or mis-encoded file, and a few positions are enough to find it.
constexpr int kMaxByteErrors = 5;

// Length of the valid UTF-8 sequence starting at text[i], or 0 if invalid (overlong forms,
// surrogates and code points above U+10FFFF are invalid, as ANTLR's decoder would reject them).
size_t utf8SequenceLength(std::string_view text, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char c = byte(i);
  if (c < 0x80) return 1;
  size_t len;
  uint32_t cp;
  if ((c & 0xE0) == 0xC0) {
    len = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + len > text.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000)) return 0;
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

}  // namespace

bool checkSourceBytes(std::string_view text, DiagEngine& diags) {
  int errors = 0;
  for (size_t i = 0; i < text.size() && errors < kMaxByteErrors;) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == 0) {
      diags.report(DiagId::NulByte, SourceRange{static_cast<uint32_t>(i), static_cast<uint32_t>(i + 1)});
      ++errors;
      ++i;
      continue;
    }
    size_t len = utf8SequenceLength(text, i);
    if (len == 0) {
      diags.report(DiagId::InvalidUtf8, SourceRange{static_cast<uint32_t>(i), static_cast<uint32_t>(i + 1)}, c)
          .help("save the file as UTF-8");
      ++errors;
      // One report per bad sequence: skip the continuation bytes that follow.
      for (++i; i < text.size() && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80; ++i) {
      }
      continue;
    }
    i += len;
  }
  return errors == 0;
}

SourceMap::SourceMap(std::string_view text) : end_(static_cast<uint32_t>(text.size())) {
  size_t start = 0;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") {
    bom_ = 3;
    start = 3;
  }
  for (size_t i = start; i < text.size(); ++i) {
    if (static_cast<unsigned char>(text[i]) >= 0x80) {
      ascii_ = false;
      break;
    }
  }
  if (ascii_) return;
  cp_to_byte_.reserve(text.size() + 1);
  for (size_t i = start; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) cp_to_byte_.push_back(static_cast<uint32_t>(i));
  }
  cp_to_byte_.push_back(end_);
}

SourceCharStream::SourceCharStream(std::string_view text, const SourceMap& map) : text_(text), map_(map) {
  start_ = text.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;
  size_ = 0;
  for (size_t i = start_; i < text.size(); ++i) size_ += (static_cast<unsigned char>(text[i]) & 0xC0) != 0x80;
}

void SourceCharStream::consume() {
  if (p_ >= size_) throw antlr4::IllegalStateException("cannot consume EOF");
  ++p_;
}

// As ANTLRInputStream::LA: i = 1 is the current character, i = -1 the one before it.
size_t SourceCharStream::LA(ssize_t i) {
  if (i == 0) return 0;
  ssize_t at = static_cast<ssize_t>(p_) + (i < 0 ? i : i - 1);
  if (at < 0 || static_cast<size_t>(at) >= size_) return antlr4::IntStream::EOF;
  size_t b = map_.byteOffset(static_cast<size_t>(at));
  auto c = static_cast<unsigned char>(text_[b]);
  if (c < 0x80) return c;
  uint32_t cp;
  size_t len;
  if ((c & 0xE0) == 0xC0) {
    cp = c & 0x1F;
    len = 2;
  } else if ((c & 0xF0) == 0xE0) {
    cp = c & 0x0F;
    len = 3;
  } else {
    cp = c & 0x07;
    len = 4;
  }
  for (size_t k = 1; k < len && b + k < text_.size(); ++k) cp = (cp << 6) | (static_cast<unsigned char>(text_[b + k]) & 0x3F);
  return cp;
}

void SourceCharStream::seek(size_t index) {
  p_ = index < size_ ? index : size_;
}

std::string SourceCharStream::getText(const antlr4::misc::Interval& interval) {
  if (interval.a < 0 || interval.b < interval.a) return {};
  size_t size = size_;
  auto a = static_cast<size_t>(interval.a);
  auto b = static_cast<size_t>(interval.b);
  if (a >= size) return {};
  if (b >= size) b = size - 1;
  uint32_t begin = map_.byteOffset(a);
  uint32_t end = map_.byteOffset(b + 1);
  return std::string(text_.substr(begin, end - begin));
}

}  // namespace lux::parse
