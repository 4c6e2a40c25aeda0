// Diagnostics: the table of codes (diagnostics.def), the engine that collects reports, and
// the renderers (terminal text with source snippet and caret, or JSON for editors).
// Entry points: DiagEngine::report(DiagId, range, args...) → DiagBuilder (.note/.help),
// DiagEngine::render(std::ostream&, DiagFormat), DiagEngine::hasErrors().
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "source.h"

namespace lux {

enum class DiagId : uint16_t {
#define LUX_DIAG(Name, Code, Severity, Group, Format) Name,
#include "diagnostics.def"
  kCount
};

enum class Severity : uint8_t { Error, Warning, Note };

struct DiagInfo {
  std::string_view code;    // "E2101"
  Severity severity;
  std::string_view group;   // "unused", "syntax", ...
  std::string_view format;  // fmt format string
  std::string_view name;    // "UndefinedName"
};

const DiagInfo& diagInfo(DiagId id);
// All live diagnostics, in table order (for `luxc explain`, docs and the coverage test).
const std::vector<DiagInfo>& allDiagInfos();
std::optional<DiagId> findDiagByCode(std::string_view code);

struct DiagNote {
  std::optional<SourceRange> range;  // a note may point at a related declaration, or nowhere
  std::string message;
};

struct Diagnostic {
  DiagId id;
  Severity severity;  // the table's, possibly promoted to Error by -Werror
  SourceRange range;
  std::string message;
  std::vector<DiagNote> notes;
  std::vector<std::string> help;  // "did you mean `user`?"
  uint32_t order = 0;             // report order, for stable sorting
};

enum class DiagFormat { Text, Json };

class DiagEngine;

// Returned by DiagEngine::report to attach notes and help lines to the diagnostic just made.
class DiagBuilder {
 public:
  DiagBuilder(DiagEngine* engine, size_t index) : engine_(engine), index_(index) {}
  DiagBuilder& note(SourceRange range, std::string message);
  DiagBuilder& note(std::string message);
  DiagBuilder& help(std::string message);
  // Adds "did you mean `x`?" when `suggestion` is non-empty.
  DiagBuilder& didYouMean(std::string_view suggestion);

 private:
  DiagEngine* engine_;
  size_t index_;  // SIZE_MAX when the report was suppressed
};

class DiagEngine {
 public:
  // After this many errors further errors are dropped and one E0004 is reported: beyond it a
  // user reads nothing useful, and it bounds the work done on pathological inputs.
  static constexpr uint32_t kMaxErrors = 100;

  explicit DiagEngine(const SourceFile& file) : file_(&file) {}

  template <typename... Args>
  DiagBuilder report(DiagId id, SourceRange range, Args&&... args) {
    return reportFormatted(id, range,
                           fmt::format(fmt::runtime(diagInfo(id).format), std::forward<Args>(args)...));
  }
  // A report identical to an earlier one (same code, position and message) is dropped: one
  // mistake reaches the user once, however many passes notice it.
  DiagBuilder reportFormatted(DiagId id, SourceRange range, std::string message);

  // -Wno-<group>: silences the warnings of a group. -Werror: warnings become errors.
  void disableGroup(std::string_view group) { disabled_groups_.insert(std::string(group)); }
  void setWarningsAsErrors(bool on) { warnings_as_errors_ = on; }
  void setColor(bool on) { color_ = on; }

  bool hasErrors() const { return error_count_ > 0; }
  uint32_t errorCount() const { return error_count_; }
  uint32_t warningCount() const { return warning_count_; }
  const SourceFile& file() const { return *file_; }

  // Diagnostics sorted by position (then report order): output never depends on check order.
  std::vector<Diagnostic> sorted() const;
  void render(std::ostream& out, DiagFormat format) const;

 private:
  friend class DiagBuilder;
  void renderText(std::ostream& out, const Diagnostic& d) const;
  void renderSnippet(std::ostream& out, SourceRange range, std::string_view caret_color) const;
  const SourceFile* file_;
  std::vector<Diagnostic> diags_;
  std::set<std::string, std::less<>> disabled_groups_;
  std::set<std::tuple<DiagId, uint32_t, std::string>> reported_;  // (code, begin, message) seen
  bool warnings_as_errors_ = false;
  bool color_ = false;
  bool limit_reported_ = false;
  uint32_t error_count_ = 0;
  uint32_t warning_count_ = 0;
};

// The candidate closest to `name` by edit distance, if close enough to be a likely typo.
std::string_view closestMatch(std::string_view name, const std::vector<std::string_view>& candidates);

}  // namespace lux
