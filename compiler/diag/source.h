// A loaded .lux source file and byte ranges into it.
// Entry points: SourceFile::load / SourceFile::fromString, SourceFile::lineCol.
// Every AST node and diagnostic carries a SourceRange; line/column are computed on demand.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lux {

// Byte offsets into one SourceFile; `end` is exclusive. An empty range marks a point.
struct SourceRange {
  uint32_t begin = 0;
  uint32_t end = 0;

  static SourceRange point(uint32_t at) { return {at, at}; }
  static SourceRange cover(SourceRange a, SourceRange b) {
    return {a.begin < b.begin ? a.begin : b.begin, a.end > b.end ? a.end : b.end};
  }
  uint32_t size() const { return end > begin ? end - begin : 0; }
  bool operator==(const SourceRange&) const = default;
};

// 1-based line and column; the column counts code points, so a caret lines up under UTF-8 text.
struct LineCol {
  uint32_t line = 1;
  uint32_t column = 1;
};

class SourceFile {
 public:
  // Files larger than this are rejected before parsing (E0003): a Lux program is a service
  // definition, and 64 MiB keeps the 32-bit offsets and the front end's memory well bounded.
  static constexpr size_t kMaxFileBytes = 64u << 20;

  static SourceFile fromString(std::string path, std::string text);
  // Reads a file; on failure returns nullopt and sets `error` to the OS's reason.
  static std::optional<SourceFile> load(const std::string& path, std::string& error);

  const std::string& path() const { return path_; }
  std::string_view text() const { return text_; }
  LineCol lineCol(uint32_t offset) const;
  // The text of a 1-based line, without its line terminator.
  std::string_view lineText(uint32_t line) const;
  uint32_t lineCount() const { return static_cast<uint32_t>(line_starts_.size()); }
  std::string_view slice(SourceRange r) const;

 private:
  SourceFile(std::string path, std::string text);
  std::string path_;
  std::string text_;
  std::vector<uint32_t> line_starts_;
};

// Number of code points in a UTF-8 byte sequence; invalid bytes count one each.
uint32_t countCodePoints(std::string_view bytes);

}  // namespace lux
