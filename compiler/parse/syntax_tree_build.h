// Private to compiler/parse: fills a syntax::Tree from ANTLR's stream and tree (syntax_tree.cpp).
#pragma once

#include <antlr4-runtime.h>

#include "parse/syntax_tree.h"
#include "parse/token_filter.h"

namespace lux::parse {

void fillSyntaxTree(antlr4::ParserRuleContext* root, antlr4::BufferedTokenStream& stream, const TokenFilter& filter,
                    const antlr4::dfa::Vocabulary& vocabulary, syntax::Tree& out);

}  // namespace lux::parse
