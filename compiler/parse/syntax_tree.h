// The concrete syntax tree of a parsed file, without ANTLR types: every token the lexer produced
// (the statement-ending newlines the parser saw, and the comments of the hidden channels), and
// the parse tree's rule nodes, each named by its rule or its labelled alternative (`pipeExpr`,
// `block`, `objectLit`). Tools that work on the text as written (`luxc fmt`) read this; the rest
// of the compiler reads the AST. Filled by parseProgram when asked (parse.h).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lux::syntax {

struct Token {
  uint32_t kind = 0;  // the lexer's token type; names in Tree::kind_names
  uint32_t begin = 0;  // byte range in the source
  uint32_t end = 0;
  int32_t node = -1;  // the rule node holding it; -1 for comments (hidden channels) and EOF
  bool hidden = false;  // a comment (`//`, `/* */`, `///`)
};

struct Node {
  uint32_t label = 0;  // index in Tree::labels
  int32_t parent = -1;
  uint32_t first = 0;  // first and last token (indices in Tree::tokens); first > last when empty
  uint32_t last = 0;
};

struct Tree {
  std::vector<Token> tokens;  // in source order, EOF excluded
  std::vector<Node> nodes;  // parents before children; nodes[0] is the program
  std::vector<std::string> labels;  // rule or alternative names, e.g. "pipeExpr"
  std::vector<std::string> kind_names;  // the lexer's symbolic token names, by kind ("LBRACE")

  // The id of a label or token name, or -1 when the grammar has none by that name (a tool that
  // knows a construct by name keeps working, doing nothing special, when the grammar renames it).
  int labelId(std::string_view name) const;
  int kindId(std::string_view name) const;
};

}  // namespace lux::syntax
