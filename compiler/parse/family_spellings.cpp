// What to write instead of the family's spellings that are not Lux (family_spellings.h).
#include "parse/family_spellings.h"

#include <cctype>

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

// Is the parser inside a `C` (a rule's context class, or a labelled alternative's)?
template <typename C>
bool inRule(antlr4::Parser* parser) {
  for (antlr4::tree::ParseTree* c = parser->getContext(); c; c = c->parent)
    if (dynamic_cast<C*>(c)) return true;
  return false;
}

// The first token of the statement or item `t` is in: walking back over balanced brackets to a
// line break, `;` or an unbalanced `{`/`}` (null when there is none before it).
antlr4::Token* statementStart(antlr4::TokenStream* tokens, antlr4::Token* t) {
  antlr4::Token* first = t;
  int depth = 0;
  for (antlr4::Token* p = neighbour(tokens, t, -1); p; first = p, p = neighbour(tokens, p, -1)) {
    size_t k = p->getType();
    if (k == LuxLexer::RPAREN || k == LuxLexer::RBRACKET || k == LuxLexer::RBRACE) {
      if (depth == 0 && k == LuxLexer::RBRACE) return first;
      ++depth;
    } else if (k == LuxLexer::LPAREN || k == LuxLexer::LBRACKET || k == LuxLexer::LBRACE) {
      if (depth == 0) return first;
      --depth;
    } else if (depth == 0 && (k == LuxLexer::NL || k == LuxLexer::SEMI)) {
      return first;
    }
  }
  return first;
}

// The family's spellings of types and control flow that Lux writes another way.
std::string familyTypeSpellingHelp(antlr4::Parser* parser, antlr4::Token* t, const std::string& expected) {
  antlr4::TokenStream* tokens = parser->getTokenStream();
  antlr4::Token* p = neighbour(tokens, t, -1);
  const size_t type = t->getType();
  const size_t prev = p ? p->getType() : antlr4::Token::EOF;
  if (type == LuxLexer::IDENT && t->getText() == "is" &&
      (prev == LuxLexer::IDENT || prev == LuxLexer::RPAREN || prev == LuxLexer::RBRACKET))
    return "Lux has no `is`: a value's type is known when the program is compiled; test an Option with "
           "`x.is_some()` (or `x != nil`), a Result with `r.is_ok()`, a variant with `match`";
  if (type == LuxLexer::LBRACKET && prev == LuxLexer::IDENT) {  // Python's `Dict[str, int]`, `List[str]`
    const std::string name = p->getText();
    if (name == "Dict" || name == "dict" || name == "Mapping")
      return "Lux has no map type: an object keyed by String is one (`m = {}`, `m[key] = value`), and its type is "
             "`Json` (or leave the type out)";
    if (name == "List" || name == "list" || name == "Sequence") return "a list type is written `[T]`: `[String]`";
    if (name == "Optional") return "an optional type is written `Option<T>`: `Option<String>`";
  }
  if (type == LuxLexer::LPAREN && expected == "a type")
    return "a function type is written `fn(Int, String) -> Bool`";
  if (type == LuxLexer::BAR) {
    antlr4::Token* s = statementStart(tokens, t);
    if ((s && s->getType() == LuxLexer::TYPE) || inRule<LuxParser::ParamListContext>(parser))
      return "Lux has no union types: declare an enum whose variants carry the values "
             "(`type Value { Text(String), Number(Int) }`) and `match` on it";
  }
  return "";
}

}  // namespace

// Express's `app.get("/", handler)`, nginx's `listen 8080`, JavaScript's rest parameter
// `fn f(...roles)`: where a server item or a parameter was expected.
std::string familyItemSpellingHelp(antlr4::Parser* parser, antlr4::Token* t, antlr4::Token* p) {
  antlr4::TokenStream* tokens = parser->getTokenStream();
  const size_t type = t->getType();
  const bool item_start = p && p->getType() == LuxLexer::IDENT && statementStart(tokens, t) == p;
  if (type == LuxLexer::DOT && item_start && (p->getText() == "app" || p->getText() == "router")) {
    antlr4::Token* method = neighbour(tokens, t, 1);
    std::string m = method ? method->getText() : "get";
    for (char& c : m) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (m != "GET" && m != "POST" && m != "PUT" && m != "PATCH" && m != "DELETE") m = "GET";
    return "a server declares its routes as items, not calls: `route " + m +
           " \"/path\" => fn(req) { ... }` inside `server { }`";
  }
  if (type == LuxLexer::INT && item_start && p->getText() == "listen")
    return "a server's port is the item `port " + t->getText() + "`; `--port N` and `$PORT` override it when the "
           "server starts";
  if (type == LuxLexer::ELLIPSIS && inRule<LuxParser::ParamListContext>(parser))
    return "Lux has no rest parameters: take a list (`fn f(roles: [String])`, called as `f([\"a\", \"b\"])`); "
           "`...xs` spreads a list into a list literal or an argument list";
  return "";
}

std::string familySpellingHelp(antlr4::Parser* parser, antlr4::Token* t, const std::string& expected) {
  if (!t) return "";
  if (std::string item = familyItemSpellingHelp(parser, t, neighbour(parser->getTokenStream(), t, -1)); !item.empty())
    return item;
  antlr4::TokenStream* tokens = parser->getTokenStream();
  antlr4::Token* p = neighbour(tokens, t, -1);
  // `concurrent { users = spawn f() }`: the error is somewhere after `concurrent {` (the `{` reads
  // as an object or a destructuring pattern).
  for (antlr4::Token* k = p; k && k->getType() != LuxLexer::NL; k = neighbour(tokens, k, -1)) {
    antlr4::Token* head = k->getType() == LuxLexer::LBRACE ? neighbour(tokens, k, -1) : nullptr;
    if (head && head->getText() == "concurrent")
      return "Lux has no `concurrent { x = spawn f() }` blocks: a request already runs beside the others, so call "
             "the functions in turn (`users = fetch_users()`), or hand slow work to a `background fn` with `spawn_job`";
  }
  return familyTypeSpellingHelp(parser, t, expected);
}

}  // namespace lux::parse
