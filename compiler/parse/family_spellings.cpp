// What to write instead of the family's spellings that are not Lux (family_spellings.h).
#include "parse/family_spellings.h"

#include "LuxLexer.h"
#include "LuxParser.h"

namespace lux::parse {

using grammar::LuxLexer;
using grammar::LuxParser;

namespace {

antlr4::Token* neighbour(antlr4::TokenStream* tokens, antlr4::Token* t, int step) {
  size_t i = t->getTokenIndex();
  while (true) {
    if (step < 0 && i == 0) return nullptr;
    i = step < 0 ? i - 1 : i + 1;
    if (i >= tokens->size()) return nullptr;
    antlr4::Token* n = tokens->get(i);
    if (n->getChannel() == antlr4::Token::DEFAULT_CHANNEL) return n;
  }
}

// Does a statement start right after `p` (nothing, a line break, `;`, `{` or `}` before it)?
bool statementStartsAfter(antlr4::Token* p) {
  if (!p) return true;
  switch (p->getType()) {
    case LuxLexer::NL: case LuxLexer::SEMI: case LuxLexer::LBRACE: case LuxLexer::RBRACE: return true;
    default: return false;
  }
}

// Is the parser inside a `C` (a rule's context class, or a labelled alternative's)?
template <typename C>
bool inRule(antlr4::Parser* parser) {
  for (antlr4::tree::ParseTree* c = parser->getContext(); c; c = c->parent)
    if (dynamic_cast<C*>(c)) return true;
  return false;
}

// Is `t` inside parentheses that group an expression (`(a, b)`), not a call's (`f(a,,b)`)? The
// `(` that opens them follows no name, `)` or `]`, and the token before `t` is an expression's end.
bool groupingParenBefore(antlr4::TokenStream* tokens, antlr4::Token* t) {
  antlr4::Token* p = neighbour(tokens, t, -1);
  if (!p || p->getType() == LuxLexer::COMMA || p->getType() == LuxLexer::LPAREN) return false;
  int depth = 0;
  for (int steps = 0; p && steps < 500; ++steps, p = neighbour(tokens, p, -1)) {
    size_t k = p->getType();
    if (k == LuxLexer::RPAREN || k == LuxLexer::RBRACKET || k == LuxLexer::RBRACE) ++depth;
    else if (k == LuxLexer::LBRACKET || k == LuxLexer::LBRACE) --depth;
    else if (k == LuxLexer::LPAREN && depth-- == 0) {
      antlr4::Token* before = neighbour(tokens, p, -1);
      size_t b = before ? before->getType() : antlr4::Token::EOF;
      return b != LuxLexer::IDENT && b != LuxLexer::RPAREN && b != LuxLexer::RBRACKET && b != LuxLexer::FN;
    }
    if (depth < 0) return false;
  }
  return false;
}

}  // namespace

std::string familySpellingHelp(antlr4::Parser* parser, antlr4::Token* t, const std::string& expected) {
  if (!t) return "";
  antlr4::TokenStream* tokens = parser->getTokenStream();
  antlr4::Token* p = neighbour(tokens, t, -1);
  const size_t type = t->getType();
  const size_t prev = p ? p->getType() : antlr4::Token::EOF;
  if (type == LuxLexer::FOR && !statementStartsAfter(p))
    return "Lux has no comprehensions: write `xs |> filter(fn(x) condition) |> map(fn(x) value)` "
           "(or a `for` loop adding to a `var` list)";
  if (type == LuxLexer::TRY && !statementStartsAfter(p))
    return "`try` is a statement, not a value: assign in its body and its catch "
           "(`var r = 0` then `try { r = f() } catch e { r = -1 }`), or end a block with it";
  if (prev == LuxLexer::FN && type == LuxLexer::IDENT && expected == "`(`" && statementStartsAfter(neighbour(tokens, p, -1)))
    return "a function inside a function is a lambda bound to a name: `" + t->getText() +
           " = fn(x: Int) -> Int { ... }` (or declare `fn " + t->getText() + "` beside the others)";
  if (type == LuxLexer::FN && p && p->getText() == "async")
    return "Lux has no `async`: every function may wait (requests run on fibers), so write `fn` without it; "
           "`await x` is accepted and is `x`";
  if (type == LuxLexer::COMMA && expected == "`)`" && groupingParenBefore(tokens, t))
    return "Lux has no tuples: use a list `[a, b]` or an object `{ first: a, second: b }`";
  if (type == LuxLexer::LBRACKET && prev == LuxLexer::LET)
    return "destructuring takes an object pattern (`let { a, b } = value`); for a list, index it: "
           "`a = xs[0]`, `b = xs[1]`";
  if (type == LuxLexer::LBRACKET && (inRule<LuxParser::MatchExprContext>(parser) || inRule<LuxParser::MatchArmContext>(parser)))
    return "match has no list patterns: match on `len(xs)` and index the list "
           "(`match len(xs) { 0 => ..., 1 => xs[0], _ => ... }`)";
  if (type == LuxLexer::ASSIGN && prev == LuxLexer::IDENT) {
    antlr4::Token* open = neighbour(tokens, p, -1);
    antlr4::Token* head = open && open->getType() == LuxLexer::LBRACE ? neighbour(tokens, open, -1) : nullptr;
    if (head && head->getText() == "concurrent")
      return "Lux has no `concurrent { x = spawn f() }` blocks: a request already runs beside the others, so call "
             "the functions in turn (`users = fetch_users()`), or hand slow work to a `background fn` with `spawn_job`";
  }
  return "";
}

}  // namespace lux::parse
