// Fills syntax::Tree (syntax_tree.h) from the ANTLR token stream and parse tree: the one place
// that turns ANTLR's context classes into names (`LuxParser::PipeExprContext` → "pipeExpr").
#include "parse/syntax_tree.h"

#include <cstdint>
#include <typeinfo>
#include <unordered_map>

#include "parse/syntax_tree_build.h"

namespace lux::syntax {

int Tree::labelId(std::string_view name) const {
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] == name) return static_cast<int>(i);
  }
  return -1;
}

int Tree::kindId(std::string_view name) const {
  for (size_t i = 0; i < kind_names.size(); ++i) {
    if (kind_names[i] == name) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace lux::syntax

namespace lux::parse {
namespace {

// "pipeExpr" from the class name of a context (`lux::grammar::LuxParser::PipeExprContext`, as
// the Itanium ABI spells it in typeid names: "...9LuxParser15PipeExprContextE").
std::string labelOf(const antlr4::ParserRuleContext& ctx) {
  std::string_view mangled = typeid(ctx).name();
  std::string_view marker = "9LuxParser";
  size_t at = mangled.find(marker);
  if (at == std::string_view::npos) return "rule";
  at += marker.size();
  size_t len = 0;
  while (at < mangled.size() && mangled[at] >= '0' && mangled[at] <= '9') len = len * 10 + (mangled[at++] - '0');
  std::string name(mangled.substr(at, len));
  constexpr std::string_view kSuffix = "Context";
  if (name.size() > kSuffix.size() && name.compare(name.size() - kSuffix.size(), kSuffix.size(), kSuffix) == 0) {
    name.resize(name.size() - kSuffix.size());
  }
  if (!name.empty() && name[0] >= 'A' && name[0] <= 'Z') name[0] = static_cast<char>(name[0] - 'A' + 'a');
  return name;
}

class TreeFiller {
 public:
  TreeFiller(syntax::Tree& out, const TokenFilter& filter) : out_(out), filter_(filter) {}

  void tokens(antlr4::BufferedTokenStream& stream) {
    out_.tokens.reserve(stream.size());
    for (antlr4::Token* t : stream.getTokens()) {
      if (t->getType() == antlr4::Token::EOF) break;
      SourceRange r = filter_.rangeOf(*t);
      // The braces the token filter puts around a braceless `if (c) statement` (family_tokens.cpp)
      // are not in the text: the formatter prints the statement as written.
      const bool synthetic_brace = r.size() == 0 && (t->getType() == grammar::LuxLexer::LBRACE || t->getType() == grammar::LuxLexer::RBRACE);
      index_.push_back(static_cast<uint32_t>(out_.tokens.size()));
      dropped_.push_back(synthetic_brace);
      if (synthetic_brace) continue;
      syntax::Token tok;
      // A record's `{` the token filter retyped (RECORD_LBRACE) is laid out as any `{`.
      const size_t kind = t->getType() == grammar::LuxLexer::RECORD_LBRACE ? size_t{grammar::LuxLexer::LBRACE} : t->getType();
      tok.kind = static_cast<uint32_t>(kind);
      tok.begin = r.begin;
      tok.end = r.end;
      // A word the parser skips (`async`) is printed like any token: it belongs to the rule of the
      // token after it (keptWords).
      tok.hidden = t->getChannel() != antlr4::Token::DEFAULT_CHANNEL && t->getChannel() != TokenFilter::kSkippedWordChannel;
      if (t->getChannel() == TokenFilter::kSkippedWordChannel) skipped_.push_back(out_.tokens.size());
      out_.tokens.push_back(tok);
    }
  }

  // Walks the tree with an explicit stack (rules nest up to ParseLimits::kMaxRuleDepth).
  void nodes(antlr4::ParserRuleContext* root) {
    struct Item {
      antlr4::ParserRuleContext* ctx;
      int32_t parent;
    };
    std::vector<Item> todo{{root, -1}};
    while (!todo.empty()) {
      Item item = todo.back();
      todo.pop_back();
      int32_t id = addNode(*item.ctx, item.parent);
      for (size_t i = item.ctx->children.size(); i-- > 0;) {
        antlr4::tree::ParseTree* child = item.ctx->children[i];
        // Most children are plain terminals: a type_info comparison is cheaper than a cast.
        auto* rule = typeid(*child) == typeid(antlr4::tree::TerminalNodeImpl)
                         ? nullptr
                         : dynamic_cast<antlr4::ParserRuleContext*>(child);
        if (rule) {
          todo.push_back({rule, id});
        } else {  // a terminal (or an error node, also a terminal)
          size_t index = static_cast<antlr4::tree::TerminalNode*>(child)->getSymbol()->getTokenIndex();
          if (index < index_.size() && !dropped_[index]) out_.tokens[index_[index]].node = id;
        }
      }
    }
  }

  void keptWords() {
    // From the last: a kept word before another (`for (const x of xs)`) takes the node the later
    // one has already taken.
    for (auto it = skipped_.rbegin(); it != skipped_.rend(); ++it) {
      size_t i = *it;
      for (size_t k = i + 1; k < out_.tokens.size(); ++k) {
        if (out_.tokens[k].hidden) continue;
        out_.tokens[i].node = out_.tokens[k].node;
        break;
      }
    }
  }

 private:
  std::vector<size_t> skipped_;  // tokens on TokenFilter::kSkippedWordChannel
  // By index in the token stream: the index in out_.tokens (of the next one kept, for a dropped
  // token), and whether it was dropped.
  std::vector<uint32_t> index_;
  std::vector<bool> dropped_;

  // A node's first (or last) token in out_.tokens: a dropped one's next (or previous) one.
  uint32_t tokenAt(size_t stream_index, bool last) const {
    if (stream_index >= index_.size()) return static_cast<uint32_t>(stream_index);
    const uint32_t i = index_[stream_index];
    return last && dropped_[stream_index] && i > 0 ? i - 1 : i;
  }

  int32_t addNode(antlr4::ParserRuleContext& ctx, int32_t parent) {
    syntax::Node node;
    node.parent = parent;
    node.label = labelId(ctx);
    antlr4::Token* start = ctx.getStart();
    antlr4::Token* stop = ctx.getStop();
    node.first = start ? tokenAt(start->getTokenIndex(), false) : 1;
    node.last = stop ? tokenAt(stop->getTokenIndex(), true) : 0;
    out_.nodes.push_back(node);
    return static_cast<int32_t>(out_.nodes.size() - 1);
  }

  // A direct-mapped cache in front of the map: a file has a few dozen context classes.
  uint32_t labelId(antlr4::ParserRuleContext& ctx) {
    const std::type_info* type = &typeid(ctx);
    size_t slot = (reinterpret_cast<uintptr_t>(type) >> 4) % kCacheSlots;
    if (cache_[slot].type == type) return cache_[slot].id;
    auto [it, added] = label_ids_.try_emplace(type, 0);
    if (added) {
      it->second = static_cast<uint32_t>(out_.labels.size());
      out_.labels.push_back(labelOf(ctx));
    }
    cache_[slot] = {type, it->second};
    return it->second;
  }

  static constexpr size_t kCacheSlots = 127;
  struct CacheSlot {
    const std::type_info* type = nullptr;
    uint32_t id = 0;
  };
  CacheSlot cache_[kCacheSlots];
  syntax::Tree& out_;
  const TokenFilter& filter_;
  // By the address of the class's type_info (one per class in a program linked as luxc is),
  // cheaper than hashing its name as std::type_index does.
  std::unordered_map<const std::type_info*, uint32_t> label_ids_;
};

}  // namespace

void fillSyntaxTree(antlr4::ParserRuleContext* root, antlr4::BufferedTokenStream& stream, const TokenFilter& filter,
                    const antlr4::dfa::Vocabulary& vocabulary, syntax::Tree& out) {
  out = syntax::Tree{};
  for (size_t kind = 0; kind <= vocabulary.getMaxTokenType(); ++kind) {
    out.kind_names.push_back(vocabulary.getSymbolicName(kind));
  }
  TreeFiller filler(out, filter);
  filler.tokens(stream);
  filler.nodes(root);
  filler.keptWords();
}

}  // namespace lux::parse
