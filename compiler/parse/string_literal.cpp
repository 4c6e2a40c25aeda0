// The multi-line string forms' text: dedent and newlines (string_literal.h).
#include "parse/string_literal.h"

namespace lux::parse {
namespace {

bool isBlank(char c) { return c == ' ' || c == '\t'; }

bool allBlank(std::string_view s) {
  for (char c : s)
    if (!isBlank(c)) return false;
  return true;
}

// The first line: dropped with its newline when nothing but spaces and tabs follow the opening
// delimiter on it. Returns whether it was.
bool dropOpeningLine(std::vector<StringPiece>& pieces) {
  if (pieces.empty() || pieces[0].kind != StringPiece::Kind::kText) return false;
  std::string& text = pieces[0].text;
  size_t nl = text.find('\n');
  if (nl == std::string::npos) return false;
  size_t end = nl > 0 && text[nl - 1] == '\r' ? nl - 1 : nl;
  if (!allBlank(std::string_view(text).substr(0, end))) return false;
  text.erase(0, nl + 1);
  return true;
}

// The last line: when the closing delimiter stands alone on it (after spaces and tabs), it is
// dropped with the newline before it, and its spaces and tabs are returned (the indentation to
// remove). Otherwise nothing changes and "" is returned (no indentation to remove either).
std::string dropClosingLine(std::vector<StringPiece>& pieces, bool opening_dropped) {
  if (pieces.empty() || pieces.back().kind != StringPiece::Kind::kText) return {};
  std::string& text = pieces.back().text;
  size_t nl = text.rfind('\n');
  if (nl == std::string::npos) {
    // The line starts where this piece does: right after the dropped opening line, or after a
    // `\` that ended the line before.
    bool line_start = pieces.size() == 1 ? opening_dropped
                                         : pieces[pieces.size() - 2].kind == StringPiece::Kind::kEscape &&
                                               isLineContinuation(pieces[pieces.size() - 2].text);
    if (!line_start || !allBlank(text)) return {};
    std::string indent = text;
    text.clear();
    return indent;
  }
  if (!allBlank(std::string_view(text).substr(nl + 1))) return {};
  std::string indent = text.substr(nl + 1);
  size_t from = nl > 0 && text[nl - 1] == '\r' ? nl - 1 : nl;
  text.erase(from);
  return indent;
}

// Removes from `text` at `at` as much of `indent` as the text starts with there.
void stripIndent(std::string& text, size_t at, std::string_view indent) {
  size_t n = 0;
  while (n < indent.size() && at + n < text.size() && text[at + n] == indent[n]) ++n;
  text.erase(at, n);
}

void dedent(std::vector<StringPiece>& pieces, std::string_view indent, bool line_start) {
  for (StringPiece& piece : pieces) {
    if (piece.kind == StringPiece::Kind::kText) {
      std::string& text = piece.text;
      if (line_start) stripIndent(text, 0, indent);
      for (size_t nl = text.find('\n'); nl != std::string::npos; nl = text.find('\n', nl + 1))
        stripIndent(text, nl + 1, indent);
      line_start = false;
    } else {
      line_start = piece.kind == StringPiece::Kind::kEscape && isLineContinuation(piece.text);
    }
  }
}

void normalizeNewlines(std::string& text) {
  size_t out = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
    text[out++] = text[i];
  }
  text.resize(out);
}

}  // namespace

StringShape stringShapeOf(std::string_view opener) {
  if (!opener.empty() && (opener[0] == 'f' || opener[0] == 'r')) opener.remove_prefix(1);
  StringShape shape;
  shape.dedent = opener.size() == 3;
  shape.multiline = shape.dedent || opener == "`";
  return shape;
}

bool isLineContinuation(std::string_view escape) {
  return escape.size() >= 2 && (escape[1] == '\n' || escape[1] == '\r');
}

void shapeMultilineText(std::vector<StringPiece>& pieces, StringShape shape) {
  if (shape.dedent) {
    bool opening_dropped = dropOpeningLine(pieces);
    std::string indent = dropClosingLine(pieces, opening_dropped);
    if (!indent.empty()) dedent(pieces, indent, opening_dropped);
  }
  for (StringPiece& piece : pieces)
    if (piece.kind == StringPiece::Kind::kText) normalizeNewlines(piece.text);
}

}  // namespace lux::parse
