// The language family's spellings that Lux writes another way (`[x for x in xs]`, `(a, b)`,
// `let [a, b] = ...`, a named `fn` inside a function, `async fn`, `try` as a value, list
// patterns): the help line of the syntax error they cause, saying what to write instead. Entry
// point: familySpellingHelp (E1012).
#pragma once

#include <antlr4-runtime.h>

#include <string>

namespace lux::parse {

// The help for a syntax error at `offending`, or "" when it is no family spelling. `expected`
// is the error's "expected ..." text.
std::string familySpellingHelp(antlr4::Parser* parser, antlr4::Token* offending, const std::string& expected);

}  // namespace lux::parse
