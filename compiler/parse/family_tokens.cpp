// Other languages' forms that the token filter (token_filter.h) recognises from its tokens, each
// with one report that writes the Lux form and a repair of the stream, so that the rest of the
// file parses as usual: a regex quantifier in a string (`"[a-z]{3,32}"`, E1032; `"{5}"`, W0006),
// a JavaScript regex literal (E1033), `switch` (E1034), Python's `a if c else b` (E1035), `let x`
// without a value (E1036), `import` (E1037) and `class` (E1038). Entry points: the TokenFilter
// methods declared under "Other languages' forms" in token_filter.h, called from nextToken.
#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "parse/token_filter.h"

namespace lux::parse {

using grammar::LuxLexer;

namespace {

constexpr size_t kMaxLookahead = 4096;  // tokens a construct may span before it is left alone

bool opens(size_t type) {
  return type == LuxLexer::LPAREN || type == LuxLexer::LBRACKET || type == LuxLexer::LBRACE ||
         type == LuxLexer::STR_INTERP;
}

bool closes(size_t type) {
  return type == LuxLexer::RPAREN || type == LuxLexer::RBRACKET || type == LuxLexer::RBRACE;
}

bool isWord(const antlr4::Token& t, const char* word) {
  return t.getType() == LuxLexer::IDENT && t.getText() == word;
}

// Where a value starts: after these a `/` cannot be a division.
bool startsOperand(size_t prev) {
  switch (prev) {
    case LuxLexer::LPAREN: case LuxLexer::COMMA: case LuxLexer::ASSIGN: case LuxLexer::COLON:
    case LuxLexer::LBRACKET: case LuxLexer::RETURN: case LuxLexer::FAT_ARROW: case LuxLexer::EQEQ:
    case LuxLexer::NEQ: case LuxLexer::ANDAND: case LuxLexer::OROR: case LuxLexer::QUESTION: case LuxLexer::IF:
    case LuxLexer::ELIF: case LuxLexer::WHILE: case LuxLexer::NOT:
      return true;
    default: return false;
  }
}

// Where a value ends: a Python conditional's `if` follows one.
bool endsOperand(size_t prev) {
  switch (prev) {
    case LuxLexer::IDENT: case LuxLexer::INT: case LuxLexer::FLOAT: case LuxLexer::TRUE: case LuxLexer::FALSE:
    case LuxLexer::STR_CLOSE: case LuxLexer::RPAREN: case LuxLexer::RBRACKET:
      return true;
    default: return false;
  }
}

void setChannel(antlr4::Token& t, size_t channel) {
  if (auto* w = dynamic_cast<antlr4::WritableToken*>(&t)) w->setChannel(channel);
}

void setType(antlr4::Token& t, size_t type) {
  if (auto* w = dynamic_cast<antlr4::WritableToken*>(&t)) w->setType(type);
}

}  // namespace

void TokenFilter::putBack(Ahead& ahead) {
  for (auto it = ahead.rbegin(); it != ahead.rend(); ++it) ready_.push_front(std::move(*it));
  ahead.clear();
}

size_t TokenFilter::pullNext(Ahead& ahead) {
  for (;;) {
    ahead.push_back(takeRaw());
    const antlr4::Token& n = *ahead.back();
    if (n.getType() == antlr4::Token::EOF || n.getChannel() == antlr4::Token::DEFAULT_CHANNEL) return n.getType();
  }
}

// Off the parser's channel (the formatter still prints them); the end of file stays.
void TokenFilter::skipTokens(Ahead& ahead, size_t from, size_t to) {
  for (size_t i = from; i <= to && i < ahead.size(); ++i) {
    antlr4::Token& t = *ahead[i];
    if (t.getType() != antlr4::Token::EOF && t.getChannel() == antlr4::Token::DEFAULT_CHANNEL)
      setChannel(t, kSkippedWordChannel);
  }
}

std::string TokenFilter::sourceOf(const antlr4::Token& first, const antlr4::Token& last) const {
  return std::string(diags_.file().slice(SourceRange::cover(rangeOf(first), rangeOf(last))));
}

// The last default-channel token of `ahead` at or before `i` (a comment before a line break is not
// part of what ends there).
size_t TokenFilter::significantBefore(const Ahead& ahead, size_t i) {
  while (i > 0 && ahead[i]->getChannel() != antlr4::Token::DEFAULT_CHANNEL) --i;
  return i;
}

bool TokenFilter::atStatementStart() const {
  return prev_type_ == antlr4::Token::INVALID_TYPE || prev_type_ == LuxLexer::NL || prev_type_ == LuxLexer::SEMI ||
         prev_type_ == LuxLexer::LBRACE;
}

// `"^[a-z]{3,32}$"`: a regex quantifier reads as an interpolation of `3,32`, which is no
// expression (E1032: the interpolation is dropped, so the string parses); `"^\\d{5}$"` is an
// interpolation of 5, which the string holds as `5` (W0006, kept).
bool TokenFilter::dropsQuantifier(const antlr4::Token& interp) {
  Ahead ahead;
  std::string counts;
  size_t k = pullNext(ahead);
  while (counts.size() < 24 && (k == LuxLexer::INT || k == LuxLexer::COMMA)) {
    counts += ahead.back()->getText();
    k = pullNext(ahead);
  }
  const bool shape = k == LuxLexer::RBRACE && !counts.empty() && counts[0] != ',' &&
                     counts.find(",,") == std::string::npos && std::count(counts.begin(), counts.end(), ',') <= 1;
  if (!shape) {
    putBack(ahead);
    return false;
  }
  const SourceRange at = SourceRange::cover(rangeOf(interp), rangeOf(*ahead.back()));
  const std::string help = fmt::format(
      "`{{` starts an interpolation: write `\\{{{}}}` for the text, or use a raw string `r\"...\"` or a "
      "single-quoted string `'...'`, which do not interpolate",
      counts);
  if (counts.find(',') == std::string::npos) {
    diags_.report(DiagId::NumberInterpolation, at, counts).help(help);
    putBack(ahead);
    return false;
  }
  diags_.report(DiagId::QuantifierInterpolation, at, counts, counts).help(help);
  noteError(at);
  return true;  // the `}` popped the interpolation's lexer mode: the string goes on
}

namespace {

// The end (one past the closing `/` and its flags) of a regex literal whose `/` is at `begin`, or
// 0 when the line has none (or it holds a quote, which would start a string for the lexer).
uint32_t regexLiteralEnd(std::string_view text, uint32_t begin) {
  bool in_class = false;
  uint32_t i = begin + 1;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n' || c == '"' || c == '\'' || c == '`') return 0;
    if (c == '\\' && i + 1 < text.size() && text[i + 1] != '\n') {
      ++i;
    } else if (c == '[') {
      in_class = true;
    } else if (c == ']') {
      in_class = false;
    } else if (c == '/' && !in_class) {
      break;
    }
  }
  if (i >= text.size() || i == begin + 1) return 0;
  std::string_view pattern = text.substr(begin, i - begin);
  if (std::count(pattern.begin(), pattern.end(), '{') != std::count(pattern.begin(), pattern.end(), '}')) return 0;
  uint32_t end = i + 1;
  while (end < text.size() && std::isalpha(static_cast<unsigned char>(text[end]))) ++end;
  return end;
}

}  // namespace

// JavaScript's `/[^a-z0-9]+/g` where a value starts: E1033, whose help writes the call of the
// regex built-in with the pattern as a raw string. Its tokens are dropped (stray characters in it
// unreported) and the `/` reads as a name, so the line parses on.
bool TokenFilter::replacesRegexLiteral(antlr4::Token& slash) {
  if (!startsOperand(prev_type_)) return false;
  const std::string_view text = diags_.file().text();
  const uint32_t begin = rangeOf(slash).begin;
  const uint32_t end = regexLiteralEnd(text, begin);
  if (end == 0) return false;
  const std::string literal(text.substr(begin, end - begin));
  const size_t close = literal.rfind('/');
  const std::string pattern = "r\"" + literal.substr(1, close - 1) + "\"";
  std::string flags = literal.substr(close + 1);
  flags.erase(std::remove(flags.begin(), flags.end(), 'g'), flags.end());  // every match is replaced already
  const std::string flag_arg = flags.empty() ? "" : ", \"" + flags + "\"";
  quiet_errors_ = true;
  for (;;) {
    auto t = takeRaw();
    if (t->getType() == antlr4::Token::EOF || rangeOf(*t).begin >= end) {
      ready_.push_front(std::move(t));
      break;
    }
  }
  quiet_errors_ = false;
  // The method it was written with: `s.replace(/x/g, "-")`, `/x/.test(s)`.
  const size_t n = emitted_.size();
  const bool method_arg = n >= 3 && emitted_[n - 1].type == LuxLexer::LPAREN && emitted_[n - 3].type == LuxLexer::DOT;
  const std::string method = method_arg ? std::string(diags_.file().slice(emitted_[n - 2].range)) : "";
  // The string it works on: the name before `.replace(`, the argument of `.test(...)`.
  std::string subject = "s";
  if (method_arg && n >= 4 && emitted_[n - 4].type == LuxLexer::IDENT) subject = diags_.file().slice(emitted_[n - 4].range);
  const bool test = text.substr(end).starts_with(".test(");
  if (const size_t arg = end + 6, close = text.find(')', arg); test && close != std::string_view::npos &&
                                                                 close > arg && text.substr(arg, close - arg).find_first_of("(\n") == std::string_view::npos)
    subject = text.substr(arg, close - arg);
  std::string help;
  if (test) {
    help = fmt::format("write `regex_test({}, {}{})`: a pattern is a string given to the regex built-ins", subject, pattern,
                       flag_arg);
  } else if (method == "replace" || method == "replaceAll") {
    help = fmt::format("write `regex_replace({}, {}, replacement{})`: every match is replaced", subject, pattern, flag_arg);
  } else if (method == "match" || method == "split") {
    help = fmt::format("write `regex_{}({}, {}{})`: a pattern is a string given to the regex built-ins",
                       method == "match" ? "match" : "split", subject, pattern, flag_arg);
  } else {
    help = fmt::format("write the pattern as a raw string, `{}`, and give it to a regex built-in: `regex_test(s, {}{})`, "
                       "`regex_replace(s, {}, \"-\"{})`, `regex_match`, `regex_find_all`, `regex_split`",
                       pattern, pattern, flag_arg, pattern, flag_arg);
  }
  const SourceRange at{begin, end};
  diags_.report(DiagId::RegexLiteral, at, literal).help(help);
  noteError(at);
  suppressed_.push_back(at);
  setType(slash, LuxLexer::IDENT);
  if (auto* w = dynamic_cast<antlr4::WritableToken*>(&slash)) w->setText("regex");
  return true;
}

// JavaScript's `switch (x) { case 0: ...; break; default: ... }` where a statement starts:
// E1034, whose help writes the `match` with the cases' values. The whole statement goes off the
// parser's channel.
bool TokenFilter::skipsSwitch(const antlr4::Token& t) {
  if (!isWord(t, "switch") || !atStatementStart()) return false;
  Ahead ahead;
  size_t close_paren = 0, body = 0, end = 0;
  int depth = 0;
  for (size_t k = pullNext(ahead); ahead.size() < kMaxLookahead && k != antlr4::Token::EOF; k = pullNext(ahead)) {
    const size_t i = ahead.size() - 1;
    if (i == 0 && k != LuxLexer::LPAREN) break;
    if (close_paren > 0 && body == 0 && k != LuxLexer::LBRACE) break;
    if (opens(k) && depth++ == 0 && close_paren > 0) body = i;
    if (closes(k) && --depth == 0) {
      if (close_paren == 0) {
        close_paren = i;
      } else {
        end = i;
        break;
      }
    }
  }
  if (end == 0) {
    putBack(ahead);
    return false;
  }
  // The cases' values (`case 1: case 2:` falls through: `1 | 2`) and whether a `default` is there.
  std::string arms;
  bool joined = false, has_default = false;
  depth = 0;
  for (size_t i = body + 1, value = 0; i < end; ++i) {
    const size_t k = ahead[i]->getType();
    if (opens(k)) ++depth;
    if (closes(k)) --depth;
    if (depth != 0) continue;
    if (isWord(*ahead[i], "case")) {
      value = i + 1;
    } else if (isWord(*ahead[i], "default")) {
      has_default = true;
    } else if (k == LuxLexer::COLON && value > 0 && value < i) {
      arms += (arms.empty() ? "" : joined ? " | " : " => ..., ") + sourceOf(*ahead[value], *ahead[i - 1]);
      size_t next = i + 1;
      while (next < end && ahead[next]->getType() == LuxLexer::NL) ++next;
      joined = next < end && isWord(*ahead[next], "case");
      value = 0;
    }
  }
  if (!arms.empty()) arms += " => ...";
  if (has_default) arms += arms.empty() ? "_ => ..." : ", _ => ...";
  const std::string subject = close_paren > 1 ? sourceOf(*ahead[1], *ahead[close_paren - 1]) : "x";
  const SourceRange at = SourceRange::cover(rangeOf(t), rangeOf(*ahead[close_paren]));
  diags_.report(DiagId::SwitchStatement, at)
      .help(fmt::format("write `match {} {{ {} }}`: an arm's value or block is what it does, with no `break`",
                        subject, arms.empty() ? "value => ..., _ => ..." : arms));
  noteError(at);
  skipTokens(ahead, 0, end);
  putBack(ahead);
  return true;
}

// Python's `"big" if len(xs) > 2 else "small"` (an `if` right after a value, with an `else` on the
// line before any `{`): E1035, whose help writes `len(xs) > 2 ? "big" : "small"`. The `if` and
// `else` then read as `?` and `:`, so the line parses on.
void TokenFilter::rewritesPythonConditional(antlr4::Token& if_token) {
  if (if_token.getType() != LuxLexer::IF || !endsOperand(prev_type_) || emitted_.empty()) return;
  Ahead ahead;
  size_t else_at = 0, last = 0;
  int depth = 0;
  for (size_t k = pullNext(ahead); ahead.size() < 256; k = pullNext(ahead)) {
    const size_t i = ahead.size() - 1;
    if (depth == 0 && (k == LuxLexer::NL || k == LuxLexer::SEMI || k == LuxLexer::COMMA || k == LuxLexer::FOR ||
                       k == LuxLexer::FAT_ARROW || k == LuxLexer::LBRACE || closes(k) || k == antlr4::Token::EOF)) {
      if (else_at > 0 && i > else_at + 1) last = significantBefore(ahead, i - 1);
      break;
    }
    if (opens(k)) ++depth;
    if (closes(k)) --depth;
    if (depth == 0 && k == LuxLexer::ELSE && else_at == 0) {
      if (i == 0) break;
      else_at = i;
    }
  }
  if (last == 0) {
    putBack(ahead);
    return;
  }
  // The value before the `if`: back to what starts it at its level.
  size_t first = emitted_.size() - 1;
  for (int level = 0; first > 0; --first) {
    const size_t k = emitted_[first].type;
    if (closes(k)) ++level;
    if (opens(k) && level-- == 0) break;
    const size_t before = emitted_[first - 1].type;
    if (level == 0 && (before == LuxLexer::ASSIGN || before == LuxLexer::COLON || before == LuxLexer::COMMA ||
                       before == LuxLexer::NL || before == LuxLexer::SEMI || before == LuxLexer::RETURN ||
                       before == LuxLexer::FAT_ARROW || before == LuxLexer::LPAREN || before == LuxLexer::LBRACKET ||
                       before == LuxLexer::LBRACE || before == LuxLexer::STR_INTERP))
      break;
  }
  const SourceFile& file = diags_.file();
  const std::string value(file.slice(SourceRange::cover(emitted_[first].range, emitted_.back().range)));
  const std::string condition = sourceOf(*ahead[0], *ahead[else_at - 1]);
  const std::string other = sourceOf(*ahead[else_at + 1], *ahead[last]);
  const SourceRange at = SourceRange::cover(emitted_[first].range, rangeOf(*ahead[last]));
  diags_.report(DiagId::PythonConditional, at)
      .help(fmt::format("write `{} ? {} : {}` (or `if {} {{ {} }} else {{ {} }}`)", condition, value, other, condition,
                        value, other));
  noteError(at);
  setType(if_token, LuxLexer::QUESTION);
  setType(*ahead[else_at], LuxLexer::COLON);
  putBack(ahead);
}

// JavaScript's `let label;` (a binding without a value, assigned later): E1036, whose help gives
// it one. The declaration goes off the parser's channel, so the assignments after it parse.
bool TokenFilter::skipsLetWithoutValue(const antlr4::Token& t) {
  const size_t kw = t.getType();
  if ((kw != LuxLexer::LET && kw != LuxLexer::VAR) || !atStatementStart()) return false;
  Ahead ahead;
  size_t k = pullNext(ahead);
  const bool named = k == LuxLexer::IDENT;
  size_t colon = 0, last = 0;  // the `:` of a type; the declaration's last token
  auto ends = [](size_t type) {
    return type == LuxLexer::NL || type == LuxLexer::SEMI || type == LuxLexer::RBRACE || type == antlr4::Token::EOF;
  };
  while (named && ahead.size() < 64) {
    k = pullNext(ahead);
    if (k == LuxLexer::ASSIGN || ends(k) || (colon == 0 && k != LuxLexer::COLON)) break;
    if (k == LuxLexer::COLON && colon == 0) colon = ahead.size() - 1;
    last = ahead.size() - 1;
  }
  if (!named || !ends(k) || (colon > 0 && last == colon)) {
    putBack(ahead);
    return false;
  }
  const std::string name = ahead[0]->getText();
  const std::string type = colon > 0 && colon < last ? sourceOf(*ahead[colon + 1], *ahead[last]) : "";
  // Without a type the value is nil: the binding then takes whatever it is given (a String
  // start would make `data = JSON.parse(text)` fail at run time on every object).
  std::string value = "nil";
  if (type == "String") value = "\"\"";
  if (type == "Int") value = "0";
  if (type == "Float") value = "0.0";
  if (type == "Bool") value = "false";
  if (type.starts_with("[")) value = "[]";
  const SourceRange at = SourceRange::cover(rangeOf(t), rangeOf(*ahead[last]));
  diags_.report(DiagId::LetWithoutValue, at, sourceOf(t, *ahead[last]))
      .help(fmt::format("give it a first value, `var {}{} = {}`, and assign it in every branch (`{} = ...`), or bind "
                        "the value of an `if`: `{} = if c {{ a }} else {{ b }}`",
                        name, type.empty() ? "" : ": " + type, value, name, name));
  noteError(at);
  skipTokens(ahead, 0, last);
  putBack(ahead);
  return true;
}

// Python's `} except Exception as e {` (also `except Exception {`, `except {`) after a block: E1012
// with the Lux to write, then `catch e {` for the parser (the exception's type and `as` skipped).
void TokenFilter::rewritesExcept(antlr4::Token& t) {
  if (t.getType() != LuxLexer::IDENT || t.getText() != "except" || prev_type_ != LuxLexer::RBRACE) return;
  Ahead ahead;
  size_t k = pullNext(ahead);
  size_t skip_to = 0;  // the tokens before ahead[skip_to] are skipped
  if (k == LuxLexer::IDENT) {
    k = pullNext(ahead);
    skip_to = 1;
    if (k == LuxLexer::IDENT && ahead.back()->getText() == "as") {
      skip_to = ahead.size();
      k = pullNext(ahead);
      k = k == LuxLexer::IDENT ? pullNext(ahead) : antlr4::Token::INVALID_TYPE;
    }
  }
  if (k != LuxLexer::LBRACE) {
    putBack(ahead);
    return;
  }
  const antlr4::Token& last = ahead.size() > 1 ? *ahead[ahead.size() - 2] : t;  // before the `{`
  const std::string lux = skip_to > 1 ? "`catch " + ahead[skip_to]->getText() + "`" : "`catch`";
  const SourceRange at = SourceRange::cover(rangeOf(t), rangeOf(last));
  diags_.report(DiagId::UnexpectedToken, at, lux, "`" + sourceOf(t, last) + "`")
      .help("Lux catches with `catch e { ... }` after the `try` block (Python's `except Exception as e`): every "
            "error is caught, and `e.message` is its text");
  noteError(at);
  if (auto* w = dynamic_cast<antlr4::WritableToken*>(&t)) w->setType(LuxLexer::CATCH);
  if (skip_to > 0) skipTokens(ahead, 0, skip_to - 1);
  putBack(ahead);
}

namespace {

// The fields a JavaScript class sets (`this.name = ...`) and its methods (`name(...) {` at its
// top level, the constructor left out), for E1038's help.
std::pair<std::vector<std::string>, std::vector<std::string>> classMembers(const std::vector<std::unique_ptr<antlr4::Token>>& ahead,
                                                                          size_t body, size_t end) {
  std::vector<std::string> fields, methods;
  int depth = 0;
  for (size_t i = body + 1; i + 3 < end; ++i) {
    const size_t k = ahead[i]->getType();
    if (depth == 0 && k == LuxLexer::IDENT && ahead[i + 1]->getType() == LuxLexer::LPAREN &&
        ahead[i]->getText() != "constructor")
      methods.push_back(ahead[i]->getText());
    if (opens(k)) ++depth;
    if (closes(k)) --depth;
    if (isWord(*ahead[i], "this") && ahead[i + 1]->getType() == LuxLexer::DOT && ahead[i + 3]->getType() == LuxLexer::ASSIGN &&
        std::find(fields.begin(), fields.end(), ahead[i + 2]->getText()) == fields.end())
      fields.push_back(ahead[i + 2]->getText());
  }
  return {fields, methods};
}

}  // namespace

// `import { x } from "x"` (also `import x from`, `import * as x from`, `import "x"`) where a top-level
// item starts: E1037, the line off the parser's channel. `class User { constructor(...) { ... } }`:
// E1038, whose help writes the type of the fields it sets and the `impl` of its methods; the class
// off the parser's channel.
bool TokenFilter::skipsImportOrClass(const antlr4::Token& t) {
  const bool import = isWord(t, "import"), is_class = isWord(t, "class");
  if ((!import && !is_class) || !atStatementStart() || !open_.empty()) return false;
  Ahead ahead;
  size_t k = pullNext(ahead);
  const bool shape = import ? (k == LuxLexer::IDENT || k == LuxLexer::LBRACE || k == LuxLexer::STAR || k == LuxLexer::STR_OPEN)
                            : k == LuxLexer::IDENT;
  size_t body = 0, end = 0;
  int depth = 0;
  for (; shape && ahead.size() < kMaxLookahead && k != antlr4::Token::EOF; k = pullNext(ahead)) {
    const size_t i = ahead.size() - 1;
    if (import && depth == 0 && (k == LuxLexer::NL || k == LuxLexer::SEMI)) {
      end = significantBefore(ahead, i - 1);
      break;
    }
    if (opens(k) && depth++ == 0 && is_class && body == 0) body = i;
    if (closes(k) && --depth == 0 && is_class) {
      end = i;
      break;
    }
  }
  if (import && k == antlr4::Token::EOF && ahead.size() > 1) end = significantBefore(ahead, ahead.size() - 2);
  if (end == 0 || (is_class && body == 0)) {
    putBack(ahead);
    return false;
  }
  if (import) {
    const SourceRange at = SourceRange::cover(rangeOf(t), rangeOf(*ahead[end]));
    diags_.report(DiagId::ImportStatement, at)
        .help("delete the line: the built-in functions and modules (`Math`, `Date`, `db`, ...; docs/stdlib.md) are in "
              "scope everywhere");
    noteError(at);
  } else {
    const std::string name = ahead[0]->getText();
    auto [fields, methods] = classMembers(ahead, body, end);
    std::string type = fields.empty() ? "name: ..." : "";
    for (const std::string& f : fields) type += (type.empty() ? "" : ", ") + f + ": ...";
    const std::string method = methods.empty() ? "describe" : methods[0];
    const SourceRange at = SourceRange::cover(rangeOf(t), rangeOf(*ahead[0]));
    diags_.report(DiagId::ClassDeclaration, at, name)
        .help(fmt::format("write `type {0} {{ {1} }}` (each field with its type) and its methods in `impl {0} {{ fn {2}(self) "
                          "{{ ... }} }}`; `{0} {{ {3}: ... }}` builds one",
                          name, type, method, fields.empty() ? "name" : fields[0]));
    noteError(at);
  }
  skipTokens(ahead, 0, end);
  putBack(ahead);
  return true;
}

// JavaScript's `if (cond) errors.push("...")`: after a condition in parentheses, a statement on the
// same line that starts with a name (a name cannot continue the condition, so this is no other
// reading) is the body; it is read as if written in braces, `if (cond) { errors.push("...") }`, up
// to the end of the line, a `;` or an `else` (whose statement, `else out.push(b)`, is read the
// same way). (`return`, `throw`, `break`, `continue` after the condition are the grammar's own.)
// The braces are zero-width tokens, which the formatter leaves out (syntax_tree.cpp).
void TokenFilter::bracesIfBody(const antlr4::Token& if_token) {
  if (if_token.getType() != LuxLexer::IF || !atStatementStart()) return;
  Ahead ahead;
  size_t k = pullNext(ahead), close = 0;
  int depth = 0;
  for (bool paren = k == LuxLexer::LPAREN; paren && ahead.size() < 256 && k != antlr4::Token::EOF; k = pullNext(ahead)) {
    if (opens(k)) ++depth;
    if (closes(k) && --depth == 0) {
      close = ahead.size() - 1;
      break;
    }
  }
  // A statement that starts with a name (`if (x) is String` is the family's type test,
  // family_spellings.cpp) and runs to the end of the line, a `;`, an `else` or a closing bracket:
  // the index of what ends it, or 0.
  auto statementEnd = [&]() -> size_t {
    const size_t first = pullNext(ahead);
    const std::string word = ahead.back()->getText();
    if (first != LuxLexer::IDENT || word == "is" || word == "instanceof") return 0;
    for (size_t t = pullNext(ahead), level = 0; ahead.size() < kMaxLookahead; t = pullNext(ahead)) {
      if (level == 0 && (t == LuxLexer::NL || t == LuxLexer::SEMI || t == LuxLexer::ELSE || closes(t) ||
                         t == antlr4::Token::EOF))
        return ahead.size() - 1;
      if (opens(t)) ++level;
      if (closes(t)) --level;
    }
    return 0;
  };
  auto brace = [&](size_t body, size_t end) {  // `{` before ahead[body], `}` after the statement ending at `end`
    end = significantBefore(ahead, end - 1) + 1;  // a comment stays after the `}`
    const auto at = [&](size_t i) { return static_cast<uint32_t>(ahead[i]->getStartIndex()); };
    ahead.insert(ahead.begin() + static_cast<std::ptrdiff_t>(end), synthetic(LuxLexer::RBRACE, at(end), at(end)));
    ahead.insert(ahead.begin() + static_cast<std::ptrdiff_t>(body), synthetic(LuxLexer::LBRACE, at(body), at(body)));
  };
  const size_t end = close > 0 ? statementEnd() : 0;
  if (end > 0 && ahead[end]->getType() == LuxLexer::ELSE) {
    const size_t else_end = statementEnd();
    if (else_end > 0) brace(end + 1, else_end);
  }
  if (end > 0) brace(close + 1, end);
  putBack(ahead);
}

}  // namespace lux::parse
