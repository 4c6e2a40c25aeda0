// Syntax errors in luxc's words: an ANTLR error strategy that keeps ANTLR's recovery but reports
// through DiagEngine with clear wording ("expected an expression, found `}`") instead of ANTLR's
// raw messages. Cascades are held back: nothing inside ranges the token filter already reported
// (unclosed brackets, unterminated strings), and at most one error per line.
#pragma once

#include <antlr4-runtime.h>

#include <set>

#include "diag/diag.h"
#include "parse/token_filter.h"

namespace lux::parse {

class SyntaxErrorStrategy : public antlr4::DefaultErrorStrategy {
 public:
  SyntaxErrorStrategy(DiagEngine& diags, const TokenFilter& filter) : diags_(diags), filter_(filter) {}

 protected:
  void reportNoViableAlternative(antlr4::Parser* parser, const antlr4::NoViableAltException& e) override;
  void reportInputMismatch(antlr4::Parser* parser, const antlr4::InputMismatchException& e) override;
  void reportFailedPredicate(antlr4::Parser* parser, const antlr4::FailedPredicateException& e) override;
  void reportUnwantedToken(antlr4::Parser* parser) override;
  void reportMissingToken(antlr4::Parser* parser) override;

 private:
  // `expected_text` replaces the description of `expected` when given.
  void report(antlr4::Parser* parser, antlr4::Token* offending, const antlr4::misc::IntervalSet& expected,
              std::string expected_text = "");
  std::string describeExpected(antlr4::Parser* parser, const antlr4::misc::IntervalSet& expected) const;

  DiagEngine& diags_;
  const TokenFilter& filter_;
  uint32_t last_line_ = 0;

 public:
  // Lines with a reported syntax error (the AST builder does not report a second one there).
  std::set<uint32_t> error_lines;
};

// "`fn`", "end of file", "number `42`", ...: how a token is named in a message.
std::string describeToken(antlr4::Token* t);

}  // namespace lux::parse
