// formatFile / formatTree (format.h): parse, refuse on syntax errors, build the layout, print it.
#include "fmt/formatter.h"

#include "ast/ast.h"
#include "fmt/layout.h"
#include "parse/parse.h"

namespace lux::formatter {

std::optional<std::string> formatFile(const SourceFile& file, DiagEngine& diags, const FormatOptions& options) {
  ast::AstContext ctx;
  syntax::Tree tree;
  ParseResult parsed = parseProgram(file, ctx, diags, &tree);
  if (!parsed.program || diags.hasErrors() || tree.nodes.empty()) return std::nullopt;
  return formatTree(tree, file.text(), options);
}

std::string formatTree(const syntax::Tree& tree, std::string_view text, const FormatOptions& options) {
  return printLayout(buildLayout(tree, text), options);
}

}  // namespace lux::formatter
