// Private to compiler/fmt: the layout document the builder (layout_build.cpp) makes from the
// syntax tree and the printer (layout_print.cpp) turns into text. A flat list of operations:
// text, line breaks that a group may take or not, groups, indentation, and item marks (the
// printer puts a blank line between top-level and multi-line declarations from them).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fmt/formatter.h"
#include "parse/syntax_tree.h"

namespace lux::formatter {

enum class OpKind : uint8_t {
  kText,        // text; `space` asks for one space before it unless a line starts there
  kLine,        // a space when the enclosing group is flat, else a line break
  kSoftLine,    // nothing when the enclosing group is flat, else a line break
  kHardLine,    // always a line break; `blank` asks for one blank line
  kGroupBegin,  // a group: flat when it fits (up to its hugged last element) and `must_break` is unset
  kGroupEnd,
  kIndentBegin,
  kIndentEnd,
  kItemBegin,  // a declaration starts (before its leading comments); `container`: its parent
  kItemCode,   // ... its first token follows
  kItemEnd,
};

struct Op {
  OpKind kind = OpKind::kText;
  bool space = false;       // kText: a space before it
  bool blank = false;       // kHardLine: a blank line
  bool opener = false;      // kText: `{`, `(`, `[` (no blank line after it)
  bool closer = false;      // kText: `}`, `)`, `]` (no blank line before it)
  bool comment = false;     // kText: a comment (its width does not decide a group's breaking)
  bool must_break = false;  // kGroupBegin: a line break inside it is forced (a statement's end,
                            // a comment), or it is a `{ }` holding a group that must break
  bool brace = false;       // kGroupBegin: a `{ }` group
  bool holds_break = false; // kGroupBegin: some group inside it must break
  uint32_t hug = 0;         // kGroupBegin: the group of its last element (`f(a, { ... })`), which
                            // may break while this one stays flat; 0: none
  bool top_level = false;   // kItemBegin: the container is the program
  int32_t container = -1;   // kItemBegin
  std::string_view text;
};

std::vector<Op> buildLayout(const syntax::Tree& tree, std::string_view text);
std::string printLayout(const std::vector<Op>& ops, const FormatOptions& options);

}  // namespace lux::formatter
