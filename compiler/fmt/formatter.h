// `luxc fmt`'s formatter: source text → the canonical layout of the same program.
// Entry points: formatFile (parses; refuses a file with syntax errors) and formatTree (lays out a
// syntax tree already parsed). docs/tools.md lists the layout rules. (Not named format.h:
// <fmt/format.h> is the fmt library's header, and compiler/ is on the include path.)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "diag/diag.h"
#include "diag/source.h"
#include "parse/syntax_tree.h"

namespace lux::formatter {

struct FormatOptions {
  // Lines are kept within this many columns where a break is allowed (argument lists, object
  // literals, `|>` chains); a single token longer than that stays as it is.
  uint32_t width = 100;
  // Spaces per indentation level (the family's formatter indents by two).
  uint32_t indent = 2;
};

// The formatted text of `file`, or nullopt when it does not parse (the syntax errors are in
// `diags`; the caller renders them). Runs the parser: call it on a thread with a large stack
// (as the driver does for every front-end stage).
std::optional<std::string> formatFile(const SourceFile& file, DiagEngine& diags, const FormatOptions& options = {});

// Lays out a parsed file: `text` is the source the tree was parsed from.
std::string formatTree(const syntax::Tree& tree, std::string_view text, const FormatOptions& options = {});

}  // namespace lux::formatter
