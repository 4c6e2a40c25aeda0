// SyntaxErrorStrategy: ANTLR's recovery, luxc's wording (syntax_errors.h).
#include "parse/syntax_errors.h"

#include <set>
#include <string>
#include <vector>

#include "LuxLexer.h"
#include "LuxParser.h"
#include "parse/family_spellings.h"
#include "parse/keywords.h"

namespace lux::parse {

using grammar::LuxLexer;
using grammar::LuxParser;

namespace {

// A token type as an expected item: "`)`", "a name", "a newline".
std::string expectedName(const antlr4::dfa::Vocabulary& vocab, size_t type) {
  switch (type) {
    case antlr4::Token::EOF: return "end of file";
    case LuxLexer::NL: case LuxLexer::SEMI: return "a newline";
    case LuxLexer::IDENT: return "a name";
    case LuxLexer::INT: case LuxLexer::FLOAT: return "a number";
    case LuxLexer::STR_OPEN: return "a string";
    case LuxLexer::STR_CLOSE: return "`\"`";
    case LuxLexer::STR_INTERP: case LuxLexer::LBRACE: case LuxLexer::RECORD_LBRACE: return "`{`";
    case LuxLexer::RBRACE: return "`}`";
    case LuxLexer::GUARD_ARROW: return "`=>`";
    case LuxLexer::STR_TEXT: case LuxLexer::STR_ESCAPE: return "string text";
    default: break;
  }
  std::string lit = vocab.getLiteralName(type);
  if (lit.size() >= 2 && lit.front() == '\'') lit = lit.substr(1, lit.size() - 2);
  if (lit.empty()) lit = vocab.getSymbolicName(type);
  return "`" + lit + "`";
}

// What the parser was in the middle of, for expected sets too large to list.
const char* ruleCategory(size_t rule) {
  switch (rule) {
    case LuxParser::RuleProgram: case LuxParser::RuleTopItem:
      return "`server`, `shared`, `fn`, `type`, `impl` or a binding";
    case LuxParser::RuleServerBlock: case LuxParser::RuleServerItem:
      return "a server item (`fn`, `route`, `env`, `db`, `model`, `schedule`, ...)";
    case LuxParser::RuleSharedBlock: case LuxParser::RuleSharedItem:
      return "a `type`, `impl`, `fn` or binding";
    case LuxParser::RuleImplDecl: case LuxParser::RuleImplBody: return "a method (`fn name(self) { ... }`)";
    case LuxParser::RuleTraitDecl: case LuxParser::RuleTraitBody: case LuxParser::RuleTraitMethod:
      return "a method (`fn name() -> Type`, or with a body in a trait)";
    case LuxParser::RuleTypeExpr: return "a type";
    case LuxParser::RulePattern: case LuxParser::RulePatternAtom: case LuxParser::RuleLiteralPattern:
    case LuxParser::RuleMatchArm:
      return "a pattern";
    case LuxParser::RuleObjectLit: case LuxParser::RuleObjEntry: case LuxParser::RuleRecordFirstEntry:
      return "an entry (`key: value`)";
    case LuxParser::RuleParamList: case LuxParser::RuleParam: return "a parameter";
    case LuxParser::RuleRoutesValue: return "a literal (a string, a number, `true` or `false`)";
    case LuxParser::RuleRoutesDecl: case LuxParser::RuleRoutesItem:
      return "a route group item (`route`, `fn`, `middleware fn` or `routes`)";
    case LuxParser::RuleBlock: case LuxParser::RuleStmt: return "a statement";
    case LuxParser::RuleTypeDecl: case LuxParser::RuleTypeMember: case LuxParser::RuleVariantField:
      return "a field or variant";
    default: return "an expression";
  }
}

// A keyword with settings (`db`, `auth`, `openapi`, ...: role Settings in grammar/keywords.def)
// starting an item right before `t` (`db "x.db"`, `openapi title: "x"`): that keyword, whose
// settings belong in braces; else null.
// `discover "name" with`: `t` follows a string (STR_OPEN ... STR_CLOSE) right after `discover`.
bool afterDiscoverName(antlr4::Parser* parser, antlr4::Token* t) {
  if (!t) return false;
  antlr4::TokenStream* tokens = parser->getTokenStream();
  size_t index = t->getTokenIndex();
  auto previous = [&]() -> antlr4::Token* {
    while (index-- > 0) {
      antlr4::Token* p = tokens->get(index);
      if (p->getChannel() == antlr4::Token::DEFAULT_CHANNEL) return p;
    }
    return nullptr;
  };
  antlr4::Token* p = previous();
  if (!p || p->getType() != LuxLexer::STR_CLOSE) return false;
  while ((p = previous()) && p->getType() != LuxLexer::STR_OPEN) {
    if (p->getType() == LuxLexer::NL) return false;
  }
  p = p ? previous() : nullptr;
  return p && p->getType() == LuxLexer::DISCOVER;
}

// `else` not followed by `{` (`if a { 1 } else 2`): the token after it, which is the mistake;
// else null. (`else` may also end a `guard` condition, so the parser stops at `else` itself.)
antlr4::Token* afterBlocklessElse(antlr4::Parser* parser, antlr4::Token* t) {
  if (!t || t->getType() != LuxLexer::ELSE) return nullptr;
  antlr4::TokenStream* tokens = parser->getTokenStream();
  for (size_t index = t->getTokenIndex() + 1; index < tokens->size(); ++index) {
    antlr4::Token* n = tokens->get(index);
    if (n->getChannel() != antlr4::Token::DEFAULT_CHANNEL) continue;
    if (n->getType() == LuxLexer::LBRACE || n->getType() == LuxLexer::IF) return nullptr;
    return n;
  }
  return nullptr;
}

antlr4::Token* blockKeywordBefore(antlr4::Parser* parser, antlr4::Token* t) {
  if (!t || t->getType() == LuxLexer::LBRACE || !parser->getContext()) return nullptr;
  switch (parser->getContext()->getRuleIndex()) {
    case LuxParser::RuleProgram: case LuxParser::RuleTopItem: case LuxParser::RuleSharedBlock:
    case LuxParser::RuleSharedItem: case LuxParser::RuleServerBlock: case LuxParser::RuleServerItem:
    case LuxParser::RuleServerOnlyItem: case LuxParser::RuleConfigDecl: case LuxParser::RuleOpenapiDecl:
      break;
    default: return nullptr;
  }
  antlr4::TokenStream* tokens = parser->getTokenStream();
  auto previous = [&](size_t index) -> antlr4::Token* {
    while (index-- > 0) {
      antlr4::Token* p = tokens->get(index);
      if (p->getChannel() == antlr4::Token::DEFAULT_CHANNEL) return p;
    }
    return nullptr;
  };
  antlr4::Token* kw = previous(t->getTokenIndex());
  if (!kw) return nullptr;
  if (!hasRole(kw->getType(), KeywordRole::Settings)) return nullptr;
  antlr4::Token* before = previous(kw->getTokenIndex());
  bool starts_item = !before || before->getType() == LuxLexer::NL || before->getType() == LuxLexer::SEMI ||
                     before->getType() == LuxLexer::LBRACE;
  return starts_item ? kw : nullptr;
}

}  // namespace

std::string describeToken(antlr4::Token* t) {
  if (!t) return "end of file";
  switch (t->getType()) {
    case antlr4::Token::EOF: return "end of file";
    case LuxLexer::NL: return "end of line";
    case LuxLexer::STR_OPEN: return "a string";
    case LuxLexer::STR_CLOSE: return "end of string";
    case LuxLexer::INT: case LuxLexer::FLOAT: return "number `" + t->getText() + "`";
    case LuxLexer::IDENT: return "`" + t->getText() + "`";
    default: break;
  }
  if (isKeyword(t->getType())) return "keyword `" + t->getText() + "`";
  return "`" + t->getText() + "`";
}

std::string SyntaxErrorStrategy::describeExpected(antlr4::Parser* parser, const antlr4::misc::IntervalSet& expected) const {
  const antlr4::dfa::Vocabulary& vocab = parser->getVocabulary();
  std::vector<std::string> names;
  std::set<std::string> seen;
  // `if c` then a block, or (JavaScript's braceless form) `return`/`throw`/`break`/`continue`:
  // the block is what to name.
  const bool if_body = expected.contains(static_cast<size_t>(LuxLexer::LBRACE)) &&
                       expected.contains(static_cast<size_t>(LuxLexer::RETURN));
  for (ssize_t type : expected.toList()) {
    if (type < 0) continue;
    if (if_body && (type == LuxLexer::RETURN || type == LuxLexer::THROW || type == LuxLexer::BREAK ||
                    type == LuxLexer::CONTINUE))
      continue;
    std::string n = expectedName(vocab, static_cast<size_t>(type));
    if (seen.insert(n).second) names.push_back(n);
  }
  bool wants_end = expected.contains(static_cast<size_t>(LuxLexer::NL));
  if (wants_end && names.size() > 4) return "the end of the statement";
  if (names.empty() || names.size() > 4) {
    size_t rule = parser->getContext() ? parser->getContext()->getRuleIndex() : static_cast<size_t>(LuxParser::RuleExpr);
    return ruleCategory(rule);
  }
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += i + 1 == names.size() ? " or " : ", ";
    out += names[i];
  }
  return out;
}

void SyntaxErrorStrategy::report(antlr4::Parser* parser, antlr4::Token* offending,
                                 const antlr4::misc::IntervalSet& expected, std::string expected_text) {
  if (antlr4::Token* after = afterBlocklessElse(parser, offending)) {
    offending = after;
    expected_text = "`{` after `else`";
  }
  SourceRange at = offending ? filter_.rangeOf(*offending) : SourceRange{};
  for (const SourceRange& s : filter_.suppressedRanges()) {
    if (at.begin >= s.begin && at.begin <= s.end) return;
  }
  uint32_t line = diags_.file().lineCol(at.begin).line;
  if (line == last_line_) return;  // one error per line: the rest is usually its echo
  size_t offending_type = offending ? offending->getType() : static_cast<size_t>(antlr4::Token::EOF);
  // After an error, recovery often leaves a `}` or the end of file unmatched; unbalanced
  // brackets are the token filter's to report, so these are echoes.
  if (last_line_ != 0 && (offending_type == LuxLexer::RBRACE || offending_type == antlr4::Token::EOF)) return;
  last_line_ = line;

  error_lines.insert(line);
  size_t type = offending ? offending->getType() : static_cast<size_t>(antlr4::Token::EOF);
  if (expected_text.empty() && expected.contains(type)) {
    // The set names the very token found (the parser's prediction left a path open that the
    // token does not take: `f(1,,2)`): what the rule wants there is the better word.
    size_t rule = parser->getContext() ? parser->getContext()->getRuleIndex() : static_cast<size_t>(LuxParser::RuleExpr);
    expected_text = ruleCategory(rule);
  }
  if (expected_text.empty()) expected_text = describeExpected(parser, expected);
  auto b = diags_.report(DiagId::UnexpectedToken, at, expected_text, describeToken(offending));
  if (std::string family = familySpellingHelp(parser, offending, expected_text); !family.empty()) {
    b.help(family);  // a spelling of the language family that Lux writes another way
    return;
  }
  if (type == LuxLexer::NL && expected.contains(static_cast<size_t>(LuxLexer::INT))) {
    // A value was expected (after `throw`): a `{` there would start an object, not a body.
    b.help("a line break ends the statement here: put the value on the same line");
  } else if (type == LuxLexer::NL && expected.contains(static_cast<size_t>(LuxLexer::LBRACE))) {
    b.help("a line break ends the declaration here: put the `{` on the same line");
  }
  if (antlr4::Token* kw = blockKeywordBefore(parser, offending)) {
    b.help("`" + kw->getText() + "` takes its settings as an object on the same line: `" + kw->getText() + " { key: value }`");
  }
  if (type == LuxLexer::WITH && afterDiscoverName(parser, offending)) {
    b.help("a `discover` takes options after its URL: `discover \"name\" at \"http://host:port\" with { ... }`; "
           "without a URL (a server of this program), in a block: `discover \"name\" { circuit_breaker: { ... } }`");
  } else if (type == LuxLexer::WITH) {
    // A `with` the misplaced-option repair could not place (misplaced_options.cpp): say where
    // options go rather than that `with` is a keyword.
    b.help("options go right before the body of a `schedule` or `background fn` (`fn f() with { ... } { }`), "
           "after the event of a `subscribe` (`subscribe \"e\" with { ... } fn(x) { }`), after the path of a "
           "`route` (`with auth =>`) and after the URL of a `discover`; other declarations take none");
  } else if (offending && isKeyword(type) && expected.contains(static_cast<size_t>(LuxLexer::IDENT))) {
    b.help("`" + offending->getText() + "` is a keyword and cannot be used as a name here");
  }
}

void SyntaxErrorStrategy::reportNoViableAlternative(antlr4::Parser* parser, const antlr4::NoViableAltException& e) {
  // The offending token is where prediction gave up; expected is what could start the rule. When
  // prediction read past a keyword that starts the rule (`schedule "x" with ...`), "expected
  // `schedule`" would name a token that is there: name the declaration instead.
  antlr4::Token* start = e.getStartToken();
  antlr4::Token* offending = e.getOffendingToken();
  const antlr4::misc::IntervalSet expected = e.getExpectedTokens();
  std::string text;
  const size_t kw = start ? start->getType() : antlr4::Token::INVALID_TYPE;
  const bool declaration = hasRole(kw, KeywordRole::Declaration) || isSoftKeyword(kw);
  if (declaration && offending && start != offending && expected.contains(kw))
    text = "the rest of the `" + start->getText() + "` declaration";
  // `type Handler = (Int) -> String`: after `=` comes a type (or TypeScript's `{ fields }`).
  if (kw == LuxLexer::TYPE && offending && offending->getTokenIndex() > 0 &&
      parser->getTokenStream()->get(offending->getTokenIndex() - 1)->getType() == LuxLexer::ASSIGN)
    text = "a type";
  // `for 1 in xs`: the loop's name or pattern (three alternatives of a statement start with `for`).
  if (kw == LuxLexer::FOR && offending && start != offending) text = "a name or a pattern (`x`, `[k, v]`, `{ a, b }`)";
  report(parser, offending, expected, text);
}

void SyntaxErrorStrategy::reportInputMismatch(antlr4::Parser* parser, const antlr4::InputMismatchException& e) {
  // `route GET "/" h`: a name after the path reads as the start of `body: T`; the mistake is
  // the name itself (a handler without `=>`), not a missing `:` after it.
  antlr4::ParserRuleContext* ctx = parser->getContext();
  if (ctx && ctx->getRuleIndex() == LuxParser::RuleRouteBody && ctx->start && e.getOffendingToken() &&
      e.getOffendingToken()->getType() != LuxLexer::COLON) {
    report(parser, ctx->start, e.getExpectedTokens(), "`body: Type`, `with`, `->` or `=>`");
    return;
  }
  report(parser, e.getOffendingToken(), e.getExpectedTokens());
}

void SyntaxErrorStrategy::reportFailedPredicate(antlr4::Parser* parser, const antlr4::FailedPredicateException& e) {
  report(parser, e.getOffendingToken(), e.getExpectedTokens());
}

void SyntaxErrorStrategy::reportUnwantedToken(antlr4::Parser* parser) {
  if (inErrorRecoveryMode(parser)) return;
  beginErrorCondition(parser);
  report(parser, parser->getCurrentToken(), getExpectedTokens(parser));
}

void SyntaxErrorStrategy::reportMissingToken(antlr4::Parser* parser) {
  if (inErrorRecoveryMode(parser)) return;
  beginErrorCondition(parser);
  report(parser, parser->getCurrentToken(), getExpectedTokens(parser));
}

}  // namespace lux::parse
