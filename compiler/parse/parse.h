// The parsing stage: source text → luxc's AST, syntax errors reported through DiagEngine.
// Entry point: parseProgram. ANTLR (grammar/LuxLexer.g4.in, LuxParser.g4.in) is used inside this
// directory only; nothing here exposes its types.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ast/ast.h"
#include "diag/diag.h"
#include "diag/source.h"
#include "parse/syntax_tree.h"

namespace lux {

struct ParseResult {
  // Non-null whenever parsing got far enough to build a tree, even with syntax errors (error
  // recovery drops what it could not parse). Null when the input could not be tokenized at
  // all (invalid UTF-8, NUL bytes, too large, nested too deeply).
  ast::Program* program = nullptr;
  // True when the fast SLL pass failed and the full LL pass ran (a syntax error, or input the
  // grammar can only decide with full context: worth knowing when tuning the grammar).
  // Passes: SLL bailing out → LL bailing out → SLL with recovery and reports (parse.cpp says why).
  bool used_full_ll = false;
};

struct ParseLimits {
  // Brackets (`(`, `[`, `{` and string interpolations) may nest this deep. Real programs stay
  // below 20; the limit keeps the recursive parser, the AST builder and every later recursive
  // pass (checker, emitter, dumper) far from the stack's end on any thread.
  static constexpr uint32_t kMaxBracketDepth = 256;
  // Rule invocations of the ANTLR parser may nest this deep: catches deep nesting without
  // brackets (`- - - - x`, `fn(a) fn(b) ...`, `Option<Option<...>>`).
  static constexpr uint32_t kMaxRuleDepth = 2000;
  // Bytes of source the parser accepts. The ANTLR token objects and parse tree take about 120
  // bytes of memory per source byte (measured on seed 002 repeated to 10,000 lines: 40 MB for
  // 330 KB), so 2 MiB (~60,000 lines, far beyond any real service) peaks near 250 MB.
  static constexpr size_t kMaxSourceBytes = 2u << 20;
};

// `syntax`, when given, receives the concrete syntax tree too (tokens with comments, rule nodes),
// filled when the parse produced a tree.
ParseResult parseProgram(const SourceFile& file, ast::AstContext& ctx, DiagEngine& diags,
                         syntax::Tree* syntax = nullptr);

}  // namespace lux
