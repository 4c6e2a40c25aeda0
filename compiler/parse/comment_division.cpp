// W0008: a trailing `//` comment that is Python's floor division (comment_division.h).
#include "parse/comment_division.h"

#include <cctype>
#include <set>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "LuxLexer.h"

namespace lux::parse {

using grammar::LuxLexer;

namespace {

bool isNameStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool isNameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\r' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// The operand a comment's (trimmed) text is, alone: a number (`2`, `1.5`), a name (`per`), a dotted name
// (`cfg.per_page`) or a call of one (`len(items)`). Its leading name, or "#" for a number; empty
// when the text is anything else (prose, two words, an operator, a marker such as `//~ E1012`).
std::string loneOperand(std::string_view text) {
  if (text.empty()) return "";
  size_t i = 0;
  if (std::isdigit(static_cast<unsigned char>(text[0]))) {
    bool dot = false;
    for (; i < text.size(); ++i) {
      if (text[i] == '.' && !dot && i + 1 < text.size()) dot = true;
      else if (!std::isdigit(static_cast<unsigned char>(text[i])) && text[i] != '_') return "";
    }
    return "#";
  }
  if (!isNameStart(text[0])) return "";
  while (i < text.size() && isNameChar(text[i])) ++i;
  std::string name(text.substr(0, i));
  while (i + 1 < text.size() && text[i] == '.' && isNameStart(text[i + 1]))
    for (++i; i < text.size() && isNameChar(text[i]);) ++i;
  if (i == text.size()) return name;
  if (text[i] != '(' || text.back() != ')') return "";
  int depth = 0;  // `len(items)`: one balanced call, nothing after it
  for (size_t k = i; k < text.size(); ++k) {
    if (text[k] == '(') ++depth;
    if (text[k] == ')' && --depth == 0 && k + 1 != text.size()) return "";
  }
  return depth == 0 ? name : "";
}

// `Json`, `User`: a type's name (a capital, then a small letter), which a comment names and a
// division does not divide by (a constant `PAGE_SIZE` may be divided by).
bool typeLike(const std::string& name) {
  return name.size() > 1 && std::isupper(static_cast<unsigned char>(name[0])) && std::islower(static_cast<unsigned char>(name[1]));
}

// A token that ends a division's left operand: `)`, `]`, a name or a number.
bool endsOperand(size_t type) {
  return type == LuxLexer::RPAREN || type == LuxLexer::RBRACKET || type == LuxLexer::IDENT || type == LuxLexer::INT ||
         type == LuxLexer::FLOAT;
}

struct Candidate {
  const antlr4::Token* comment;
  std::string text;     // after `//`, trimmed
  std::string operand;  // loneOperand of the text
};

}  // namespace

void warnCommentedDivision(const std::vector<std::unique_ptr<antlr4::Token>>& tokens, const TokenFilter& filter,
                           DiagEngine& diags) {
  std::set<std::string> names;  // names the code uses (not after `.`: `30.seconds` names no `seconds`)
  std::vector<Candidate> candidates;
  const antlr4::Token* last = nullptr;  // the last default-channel token, newlines aside
  for (const auto& t : tokens) {
    const size_t type = t->getType();
    if (t->getChannel() == antlr4::Token::DEFAULT_CHANNEL) {
      if (type == LuxLexer::NL || type == antlr4::Token::EOF) continue;
      if (type == LuxLexer::IDENT && !(last && last->getType() == LuxLexer::DOT)) names.insert(t->getText());
      last = t.get();
      continue;
    }
    if (type != LuxLexer::LINE_COMMENT || !last || last->getLine() != t->getLine() || !endsOperand(last->getType())) continue;
    const std::string comment = t->getText();
    const std::string_view text = trim(std::string_view(comment).substr(2));
    std::string operand = loneOperand(text);
    if (!operand.empty()) candidates.push_back({t.get(), std::string(text), operand});
  }
  for (const Candidate& c : candidates) {
    if (c.operand != "#" && !names.count(c.operand)) continue;  // a word of prose, no name of the code
    if (typeLike(c.operand)) continue;                          // `body = req.body // Json`: a type named
    diags.report(DiagId::CommentedDivision, filter.rangeOf(*c.comment), c.text)
        .help(fmt::format("for the division write `/ {}`: `/` on two Ints drops the remainder (the floor of values that "
                          "are not negative); for a comment, say more than one word or put it on a line of its own",
                          c.text));
  }
}

}  // namespace lux::parse
