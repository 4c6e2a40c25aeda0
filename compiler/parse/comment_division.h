// Python's floor division `(a + b - 1) // per` is a Lux comment: the line still parses, as
// `(a + b - 1)`, and the program silently loses the division. warnCommentedDivision reports
// (W0008) a `//` comment that follows code on its line and reads as the division's right
// operand: a number, or a name the program uses (optionally called: `len(xs)`) — not a word of
// prose such as `x = 5 // seconds` (unless `seconds` is a name of the code), not a type's name
// (`body = req.body // Json`), and never a comment after an operator or of more than one word. Entry point: parse.cpp, on the filtered
// tokens before parsing.
#pragma once

#include <antlr4-runtime.h>

#include <memory>
#include <vector>

#include "diag/diag.h"
#include "parse/token_filter.h"

namespace lux::parse {

void warnCommentedDivision(const std::vector<std::unique_ptr<antlr4::Token>>& tokens, const TokenFilter& filter,
                           DiagEngine& diags);

}  // namespace lux::parse
