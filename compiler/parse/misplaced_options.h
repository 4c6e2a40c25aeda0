// Misplaced `with` on a declaration, repaired before parsing so that one mistake gives one
// diagnostic. `schedule "0 9 * * 1-5" with { tz: "UTC" } fn f() { }` puts the options where
// `subscribe` takes them; ANTLR alone would report the `with`, lose the rest of the server block
// and then report the next declarations as outside any server. Instead E1023 names the expected
// form and the options are moved to their place, so parsing and checking go on as if the user had
// written it right; a plain `fn` takes no options (E1024) and they are dropped.
// Entry point: repairMisplacedOptions(), between TokenFilter and the parser (parse.cpp).
#pragma once

#include <antlr4-runtime.h>

#include <memory>
#include <vector>

#include "diag/diag.h"
#include "parse/token_filter.h"

namespace lux::parse {

// Reorders `tokens` (the filtered stream, EOF last) in place and reports each misplaced `with`.
void repairMisplacedOptions(std::vector<std::unique_ptr<antlr4::Token>>& tokens, const TokenFilter& filter,
                            DiagEngine& diags);

}  // namespace lux::parse
