// The token source between the lexer (lexer.h) and LuxParser. It
// - keeps a newline only where it ends a statement (Go-style, see docs/language.md "Newlines"):
//   outside (), [] and interpolations, after a token that can end an expression, and not before
//   a line that continues the previous one (`|>`, `.`, `else`, `elif`, `catch`, `&&`, `||`, `}`);
// - reports lexical errors (stray characters, unterminated strings and comments) and repairs the
//   stream so parsing goes on (an unterminated string is closed at the end of its line);
// - matches brackets, reporting unclosed and mismatched ones with the opener's position, and
//   stops at kMaxBracketDepth (E1008) before the recursive parser could run out of stack.
#pragma once

#include <antlr4-runtime.h>

#include <deque>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "LuxLexer.h"
#include "diag/diag.h"
#include "parse/lexer.h"
#include "parse/source_map.h"

namespace lux::parse {

// A default-channel token as the filter passed it on (for error messages that look back).
struct FilteredToken {
  size_t type;
  SourceRange range;
};

class TokenFilter : public antlr4::TokenSource {
 public:
  // The channel of a word the parser skips but the formatter keeps: `async` before a function,
  // `new` before a constructor's name.
  static constexpr size_t kSkippedWordChannel = 3;

  TokenFilter(ModalLexer& lexer, const SourceMap& map, DiagEngine& diags);

  std::unique_ptr<antlr4::Token> nextToken() override;
  size_t getLine() const override { return lexer_.getLine(); }
  size_t getCharPositionInLine() override { return lexer_.getCharPositionInLine(); }
  antlr4::CharStream* getInputStream() override { return lexer_.getInputStream(); }
  std::string getSourceName() override { return lexer_.getSourceName(); }
  antlr4::TokenFactory<antlr4::CommonToken>* getTokenFactory() override { return lexer_.getTokenFactory(); }

  // Brackets nested beyond the limit: the stream was cut short and must not be parsed.
  bool fatal() const { return fatal_; }
  // Whether any default-channel token other than EOF was seen.
  bool sawTokens() const { return saw_tokens_; }
  // Parser errors inside these byte ranges are consequences of errors already reported here.
  const std::vector<SourceRange>& suppressedRanges() const { return suppressed_; }
  const std::vector<FilteredToken>& tokens() const { return emitted_; }
  // Lines where a lexical error was reported (later reports on them would be echoes).
  const std::set<uint32_t>& errorLines() const { return error_lines_; }

  SourceRange rangeOf(const antlr4::Token& t) const;

 private:
  struct Open {
    size_t type;  // LBRACE, LPAREN, LBRACKET or STR_INTERP
    SourceRange range;
    size_t emitted_index;  // index in emitted_ of the opener
    bool multiline = false;  // STR_INTERP: in a string that spans lines (it may span lines too)
  };

  std::unique_ptr<antlr4::Token> pullRaw();
  std::unique_ptr<antlr4::Token> takeRaw();  // a looked-ahead token, else pullRaw()
  bool dropsAsync(const antlr4::Token& t);  // `async` before a function: off the parser's channel
  bool dropsNew(const antlr4::Token& t);    // `new` before a capitalised name: the same
  void marksDelete(antlr4::Token& t);       // `delete obj.key` at a statement's start: DELETE_OP
  void marksRecordBrace(antlr4::Token& t);  // `f(Point { x, y })`: the `{` is RECORD_LBRACE
  void rewriteForOf(const antlr4::Token& for_token);  // `for (const x of xs)`: `for x in xs`
  void reportCStyleFor(const antlr4::Token& for_token, std::vector<std::unique_ptr<antlr4::Token>>& ahead,
                       size_t semi1, size_t semi2, size_t close);  // `for (let i = 0; i < n; i++)`: E1031
  bool propagatesQuestion(const antlr4::Token& t);
  // Other languages' forms, each one report and a repair so the rest parses (family_tokens.cpp).
  using Ahead = std::vector<std::unique_ptr<antlr4::Token>>;
  void putBack(Ahead& ahead);
  size_t pullNext(Ahead& ahead);  // the next default-channel token (a newline too) into `ahead`; its type
  void skipTokens(Ahead& ahead, size_t from, size_t to);
  std::string sourceOf(const antlr4::Token& first, const antlr4::Token& last) const;
  static size_t significantBefore(const Ahead& ahead, size_t i);
  bool atStatementStart() const;
  bool dropsQuantifier(const antlr4::Token& interp);     // `"[a-z]{3,32}"`: E1032; `"{5}"`: W0006
  bool replacesRegexLiteral(antlr4::Token& slash);        // `/[^a-z]+/g`: E1033
  bool skipsSwitch(const antlr4::Token& t);               // `switch (x) { case 0: ... }`: E1034
  void rewritesPythonConditional(antlr4::Token& if_token);  // `a if c else b`: E1035
  bool skipsLetWithoutValue(const antlr4::Token& t);      // `let label` (JavaScript's `let x;`): E1036
  void rewritesExcept(antlr4::Token& t);                  // `} except Exception as e {`: E1012, `catch e {`
  bool skipsImportOrClass(const antlr4::Token& t);        // `import ... from "x"`, `class User { }`: E1037, E1038
  void bracesIfBody(const antlr4::Token& if_token);       // `if (c) errors.push(x)`: `if (c) { errors.push(x) }`
  bool quiet_errors_ = false;  // pullRaw drops stray characters without a report (inside a regex literal)
  bool endsWithIncrement(const antlr4::Token& t);  // `count++` as a statement: E1027
  std::unique_ptr<antlr4::Token> nextSignificant(std::vector<std::unique_ptr<antlr4::Token>>& hidden);
  // Bracket bookkeeping for a default-channel token; false when the token must be dropped.
  bool track(antlr4::Token& t);
  void emitted(const antlr4::Token& t);
  std::unique_ptr<antlr4::Token> synthetic(size_t type, uint32_t cp_start, uint32_t cp_stop_exclusive);
  void closeInterpolationsAtNewline(const antlr4::Token& nl);
  void reportUnclosedAtEof(const antlr4::Token& eof);
  bool endsStatement() const;
  // Whether a `=>` about to be emitted ends a match arm's guard (`n if n > max =>`).
  bool endsGuard() const;
  static bool continuesLine(size_t next_type);
  const char* constructName(const Open& open) const;

  ModalLexer& lexer_;
  const SourceMap& map_;
  DiagEngine& diags_;
  std::deque<std::unique_ptr<antlr4::Token>> raw_pending_;
  std::deque<std::unique_ptr<antlr4::Token>> ready_;  // pulled and processed, not yet passed on
  std::deque<std::unique_ptr<antlr4::Token>> out_;
  std::vector<Open> open_;
  struct OpenString {
    SourceRange range;
    std::string quote;  // what closes it, as E1004 names it: `"`, `"""`, a closing `` ` ``, ...
    bool multiline;     // `"""`, `'''` and `` ` `` (and their prefixed forms) span lines
  };
  std::vector<OpenString> strings_;  // open string literals (an interpolation can hold one)
  std::vector<bool> string_lines_;   // the same as track() sees them: whether each spans lines
  void reportUnterminatedAtEof();
  std::vector<FilteredToken> emitted_;
  std::vector<SourceRange> suppressed_;
  std::set<uint32_t> error_lines_;
  bool eof_swallowed_ = false;  // an unterminated comment or string ran to the end of file
  void noteError(SourceRange r) { error_lines_.insert(diags_.file().lineCol(r.begin).line); }
  size_t prev_type_ = antlr4::Token::INVALID_TYPE;
  size_t prev_prev_type_ = antlr4::Token::INVALID_TYPE;
  uint32_t last_error_char_end_ = UINT32_MAX;
  bool fatal_ = false;
  bool saw_tokens_ = false;
  bool eof_done_ = false;
};

}  // namespace lux::parse
