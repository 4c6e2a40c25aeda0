// What a string literal's opener says about its text, and the shaping of the multi-line forms'
// text (docs/language.md "Lexical structure"): the AST builder (builder_exprs.cpp) reads a
// literal's tokens into StringPieces, shapes them here, then cooks the escapes.
// - `"""` and `'''` (also `f"""`, `f'''`, `r"""`, `r'''`) are dedented: a blank rest of the
//   opening line is dropped with its newline; a closing delimiter alone on its line (after spaces
//   and tabs) drops that line and the newline before it, and its indentation is removed from the
//   start of every line, as much of it as the line starts with;
// - in every multi-line form (also `` ` ``) a `\r\n` of the source is `\n`.
// Entry points: stringShapeOf, shapeMultilineText.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace lux::parse {

// A literal's form, from its opening delimiter (`"`, `f'`, `"""`, `r'''`, `` ` ``, ...).
struct StringShape {
  bool multiline = false;  // `"""`, `'''` and `` ` `` (with or without a prefix)
  bool dedent = false;     // the triple-quoted forms
};

StringShape stringShapeOf(std::string_view opener);

// One part of a literal as written: text (raw forms: everything), an escape, an interpolation.
struct StringPiece {
  enum class Kind : unsigned char { kText, kEscape, kInterp };
  Kind kind = Kind::kText;
  std::string text;  // kText: the source text, shaped in place; kEscape: the escape as written
  size_t index = 0;  // the builder's: which part of the literal
};

// Whether an escape's source text is a `\` before a newline (it joins the lines).
bool isLineContinuation(std::string_view escape);

// Dedents (when `shape.dedent`) and normalizes the newlines of a multi-line literal's text pieces.
void shapeMultilineText(std::vector<StringPiece>& pieces, StringShape shape);

}  // namespace lux::parse
