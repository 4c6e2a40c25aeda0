// buildLayout: the syntax tree → layout operations (layout.h). Every token is printed, in order;
// what goes between two tokens is decided by their kinds and the rules holding them:
// - brackets `(` `[` `{` open groups: flat when they fit, else broken, one element per line (a
//   block whose statements are on lines of their own is always broken); a comma before a
//   closing bracket is dropped (the family's programs write none);
// - a `|>` chain is one group: flat when it fits, else one `|>` per line, indented;
// - nothing else of the source's layout counts, so formatting twice changes nothing;
// - newlines that end statements are kept (blank lines collapsed to one), others are dropped;
// - comments stay where they were: at the end of their line, or on a line of their own before
//   what follows them (at its indentation).
// Constructs the layout does not know by name are printed token by token with these rules, so a
// new grammar rule is formatted without a line here.
#include <algorithm>

#include "fmt/layout.h"

namespace lux::formatter {
namespace {

using syntax::Tree;

// Token kinds and rule labels the layout treats specially, looked up by name once per file
// (-1 when the grammar has no such name: the rule then simply does not apply).
struct Names {
  explicit Names(const Tree& t)
      : lbrace(t.kindId("LBRACE")), rbrace(t.kindId("RBRACE")), lparen(t.kindId("LPAREN")),
        rparen(t.kindId("RPAREN")), lbracket(t.kindId("LBRACKET")), rbracket(t.kindId("RBRACKET")),
        str_open(t.kindId("STR_OPEN")), str_close(t.kindId("STR_CLOSE")), str_text(t.kindId("STR_TEXT")),
        str_escape(t.kindId("STR_ESCAPE")), str_interp(t.kindId("STR_INTERP")), nl(t.kindId("NL")),
        semi(t.kindId("SEMI")), comma(t.kindId("COMMA")), dot(t.kindId("DOT")), colon(t.kindId("COLON")),
        ellipsis(t.kindId("ELLIPSIS")), dotdot(t.kindId("DOTDOT")), dotdoteq(t.kindId("DOTDOTEQ")),
        pipe(t.kindId("PIPE_OP")), minus(t.kindId("MINUS")), bang(t.kindId("BANG")), lt(t.kindId("LT")),
        gt(t.kindId("GT")), question(t.kindId("QUESTION")), else_kw(t.kindId("ELSE")), qdot(t.kindId("QDOT")), line_comment(t.kindId("LINE_COMMENT")),
        block_comment(t.kindId("BLOCK_COMMENT")), doc_comment(t.kindId("DOC_COMMENT")),
        paren_expr(t.labelId("parenExpr")), index_expr(t.labelId("indexExpr")),
        unwrap_expr(t.labelId("unwrapExpr")), unary_expr(t.labelId("unaryExpr")),
        literal_pattern(t.labelId("literalPattern")), routes_value(t.labelId("routesValue")),
        named_type(t.labelId("namedType")), type_params(t.labelId("typeParams")), pipe_expr(t.labelId("pipeExpr")), program(t.labelId("program")),
        sep(t.labelId("sep")), item_sep(t.labelId("itemSep")), slice_expr(t.labelId("sliceExpr")),
        open_slice_expr(t.labelId("openSliceExpr")), arrow_params(t.labelId("arrowParams")),
        catch_binding(t.labelId("catchBinding")), ternary_expr(t.labelId("ternaryExpr")),
        for_stmt(t.labelId("forStmt")), for_list_stmt(t.labelId("forListStmt")),
        for_object_stmt(t.labelId("forObjectStmt")), ident_rule(t.labelId("ident")) {
    // Commas that separate parts of one construct, not elements of a bracketed list.
    for (const char* name : {"forStmt", "compFor", "routeDecl", "routesDecl", "exprStmt", "returnStmt"})
      not_lists.push_back(t.labelId(name));
  }
  int lbrace, rbrace, lparen, rparen, lbracket, rbracket;
  int str_open, str_close, str_text, str_escape, str_interp, nl, semi, comma, dot, colon, ellipsis, dotdot,
      dotdoteq, pipe, minus, bang, lt, gt, question, else_kw, qdot, line_comment, block_comment, doc_comment;
  int paren_expr, index_expr, unwrap_expr, unary_expr, literal_pattern, routes_value, named_type, type_params, pipe_expr,
      program, sep, item_sep, slice_expr, open_slice_expr, arrow_params, catch_binding, ternary_expr, for_stmt,
      for_list_stmt, for_object_stmt, ident_rule;
  std::vector<int> not_lists;
};

bool endsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

constexpr uint32_t kNone = UINT32_MAX;

// What the builder knows about a bracket pair before printing it.
struct Bracket {
  uint32_t partner = kNone;  // the matching opener or closer (token index)
};

class Builder {
 public:
  Builder(const Tree& tree, std::string_view text) : t_(tree), text_(text), n_(tree) {}

  std::vector<Op> run() {
    prepare();
    ops_.reserve(t_.tokens.size() * 2);
    for (uint32_t i = 0; i < t_.tokens.size(); ++i) {
      const syntax::Token& tok = t_.tokens[i];
      if (consumed_[i]) continue;
      if (tok.hidden) {
        pending_comments_.push_back(i);
      } else if (is(tok, n_.nl)) {
        hardLine(blankAfter(i));
      } else {
        token(i);
      }
    }
    flushComments();
    return std::move(ops_);
  }

 private:
  // --- preparation: lines, brackets, lists, chains, items -------------------------------------
  void prepare() {
    size_t count = t_.tokens.size();
    consumed_.assign(count, false);
    brackets_.assign(count, Bracket{});
    line_.assign(count, 0);
    comma_list_.assign(count, false);
    group_op_.assign(count, 0);
    chain_ends_.assign(count, 0);
    chain_first_pipe_.assign(count, false);
    item_begin_.assign(count, -2);
    item_ends_.assign(count, 0);
    uint32_t line = 0, pos = 0;
    for (size_t i = 0; i < count; ++i) {
      line += static_cast<uint32_t>(std::count(text_.begin() + pos, text_.begin() + t_.tokens[i].begin, '\n'));
      line_[i] = line;
      pos = t_.tokens[i].begin;
    }
    matchBrackets();
    markChains();
    markItems();
  }

  int label(int32_t node) const { return node < 0 ? -1 : static_cast<int>(t_.nodes[node].label); }
  bool is(const syntax::Token& tok, int kind) const { return kind >= 0 && tok.kind == static_cast<uint32_t>(kind); }
  bool isOpener(const syntax::Token& tok) const {
    return is(tok, n_.lparen) || is(tok, n_.lbracket) || is(tok, n_.lbrace) || is(tok, n_.str_interp);
  }
  bool isCloser(const syntax::Token& tok) const {
    return is(tok, n_.rparen) || is(tok, n_.rbracket) || is(tok, n_.rbrace);
  }
  static bool contains(const std::vector<int>& v, int x) { return x >= 0 && std::find(v.begin(), v.end(), x) != v.end(); }

  // The node a comma separates elements of: climbs out of separator rules (`itemSep`).
  int32_t commaOwner(int32_t node) const {
    while (node >= 0 && (label(node) == n_.sep || label(node) == n_.item_sep)) node = t_.nodes[node].parent;
    return node;
  }

  // A comma separates the elements of the bracket `open` when it belongs to the bracket's rule,
  // or to a list rule that fills the brackets (`argList` in `f(a, b)`).
  bool separatesElements(uint32_t comma, uint32_t open) const {
    int32_t owner = commaOwner(t_.tokens[comma].node);
    int32_t open_node = t_.tokens[open].node;
    if (owner < 0 || open_node < 0 || contains(n_.not_lists, label(owner))) return false;
    if (owner == open_node) return true;
    const syntax::Node& o = t_.nodes[owner];
    return o.parent == open_node && o.first == nextDefault(open);
  }

  uint32_t nextDefault(uint32_t i) const {
    for (++i; i < t_.tokens.size(); ++i) {
      if (!t_.tokens[i].hidden) return i;
    }
    return kNone;
  }

  void matchBrackets() {
    std::vector<uint32_t> open;
    for (uint32_t i = 0; i < t_.tokens.size(); ++i) {
      const syntax::Token& tok = t_.tokens[i];
      if (tok.hidden) continue;
      if (isOpener(tok)) {
        open.push_back(i);
      } else if (isCloser(tok) && !open.empty()) {
        uint32_t o = open.back();
        open.pop_back();
        brackets_[o].partner = i;
        brackets_[i].partner = o;
      } else if (is(tok, n_.comma) && !open.empty() && separatesElements(i, open.back())) {
        comma_list_[i] = true;
      }
    }
  }

  // `a |> f |> g` is one chain: a group from its first token to its last, indented from its
  // first `|>` on.
  void markChains() {
    if (n_.pipe_expr < 0) return;
    std::vector<int32_t> roots;
    std::vector<bool> seen(t_.nodes.size(), false);
    for (uint32_t i = 0; i < t_.tokens.size(); ++i) {
      const syntax::Token& tok = t_.tokens[i];
      if (tok.hidden || !is(tok, n_.pipe) || tok.node < 0) continue;
      int32_t root = tok.node;
      while (t_.nodes[root].parent >= 0 && label(t_.nodes[root].parent) == n_.pipe_expr) root = t_.nodes[root].parent;
      const syntax::Node& r = t_.nodes[root];
      if (r.first > r.last || r.last >= t_.tokens.size()) continue;
      if (!seen[root]) {
        seen[root] = true;
        roots.push_back(root);
        chain_first_pipe_[i] = true;
      }
    }
    // Outer chains first where two start at the same token.
    std::stable_sort(roots.begin(), roots.end(), [&](int32_t a, int32_t b) {
      const syntax::Node &x = t_.nodes[a], &y = t_.nodes[b];
      return x.first != y.first ? x.first < y.first : x.last > y.last;
    });
    for (int32_t root : roots) {
      chain_starts_.push_back(t_.nodes[root].first);
      chain_ends_[t_.nodes[root].last]++;
    }
  }

  // Declarations: the outermost rule named `...Item` (topItem, serverItem, ...).
  void markItems() {
    for (size_t k = 0; k < t_.nodes.size(); ++k) {
      const syntax::Node& node = t_.nodes[k];
      if (!endsWith(t_.labels[node.label], "Item")) continue;
      if (node.parent >= 0 && endsWith(t_.labels[t_.nodes[node.parent].label], "Item")) continue;
      if (node.first > node.last || node.last >= t_.tokens.size()) continue;
      item_begin_[node.first] = node.parent;
      item_ends_[node.last]++;
    }
  }

  // --- emitting ---------------------------------------------------------------------------------
  Op& push(OpKind kind) {
    ops_.push_back(Op{});
    ops_.back().kind = kind;
    return ops_.back();
  }

  void text(std::string_view s, bool space) {
    Op& op = push(OpKind::kText);
    op.text = s;
    op.space = space && !after_line_;
    after_line_ = false;
    prev_comment_ = false;
    // The text of a string spanning lines is printed as written. The `{ }` around it break, as
    // around a group that must break; brackets around it stay flat up to it (`res.send(`).
    if (s.find('\n') != std::string_view::npos && !groups_.empty()) {
      Op& group = ops_[groups_.back()];
      group.holds_break = true;
      if (group.brace) group.must_break = true;
    }
  }

  void line(OpKind kind) {
    push(kind);
    after_line_ = true;
  }

  void hardLine(bool blank) {
    if (!groups_.empty()) ops_[groups_.back()].must_break = true;
    Op& op = push(OpKind::kHardLine);
    op.blank = blank;
    after_line_ = true;
    prev_ = kNone;
  }

  uint32_t groupBegin(bool brace) {
    groups_.push_back(static_cast<uint32_t>(ops_.size()));
    push(OpKind::kGroupBegin).brace = brace;
    return groups_.back();
  }

  // A group that must break makes every `{ }` around it break (a block holding a multi-line
  // statement); brackets and chains around it may stay flat up to it (`each(fn(x) {`).
  void groupEnd() {
    push(OpKind::kGroupEnd);
    if (groups_.empty()) return;
    const Op& closed = ops_[groups_.back()];
    bool breaks = closed.must_break || closed.holds_break;
    groups_.pop_back();
    if (breaks && !groups_.empty()) {
      Op& parent = ops_[groups_.back()];
      parent.holds_break = true;
      if (parent.brace) parent.must_break = true;
    }
  }

  std::string_view source(const syntax::Token& tok) const { return text_.substr(tok.begin, tok.end - tok.begin); }

  // A blank line follows token i when the source has one before the next token.
  bool blankAfter(uint32_t i) const {
    return i + 1 < t_.tokens.size() && line_[i + 1] >= line_[i] + 2;
  }

  // --- comments -------------------------------------------------------------------------------
  std::string_view commentText(const syntax::Token& tok) const {
    std::string_view s = source(tok);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
  }

  bool isLineComment(const syntax::Token& tok) const { return !is(tok, n_.block_comment); }

  // After a comment: a line break when it is a line comment or the next token is on another line.
  void afterComment(uint32_t c) {
    uint32_t next = c + 1;
    bool same_line = next < t_.tokens.size() && line_[next] == lineEnd(c);
    if (isLineComment(t_.tokens[c]) || !same_line) {
      hardLine(next < t_.tokens.size() && line_[next] >= lineEnd(c) + 2);
    } else {
      prev_comment_ = true;
    }
  }

  // The line a token ends on (a block comment may span lines).
  uint32_t lineEnd(uint32_t i) const {
    const syntax::Token& tok = t_.tokens[i];
    return line_[i] + static_cast<uint32_t>(std::count(text_.begin() + tok.begin, text_.begin() + tok.end, '\n'));
  }

  // Comments on the same line after token i, printed right after it.
  void trailingComments(uint32_t i) {
    uint32_t end_line = lineEnd(i);
    for (uint32_t k = i + 1; k < t_.tokens.size() && t_.tokens[k].hidden && line_[k] == end_line; ++k) {
      if (interp_depth_ > 0) break;
      if (consumed_[k]) {
        end_line = lineEnd(k);
        continue;
      }
      consumed_[k] = true;
      Op& op = push(OpKind::kText);
      op.text = commentText(t_.tokens[k]);
      op.space = true;
      op.comment = true;
      after_line_ = false;
      afterComment(k);
      end_line = lineEnd(k);
    }
  }

  // Comments on lines of their own, before the token about to be printed (or the end of file).
  void flushComments() {
    for (uint32_t c : pending_comments_) {
      bool blank = c > 0 && line_[c] >= lineEnd(c - 1) + 2 && !ops_.empty();
      hardLine(blank);
      Op& op = push(OpKind::kText);
      op.text = commentText(t_.tokens[c]);
      op.comment = true;
      after_line_ = false;
      afterComment(c);
    }
    pending_comments_.clear();
  }

  // --- tokens -----------------------------------------------------------------------------------
  void token(uint32_t i) {
    const syntax::Token& tok = t_.tokens[i];
    if (item_begin_[i] != -2) {
      Op& op = push(OpKind::kItemBegin);
      op.container = item_begin_[i];
      op.top_level = label(item_begin_[i]) == n_.program;
    }
    flushComments();
    if (item_begin_[i] != -2) push(OpKind::kItemCode);
    for (; next_chain_ < chain_starts_.size() && chain_starts_[next_chain_] == i; ++next_chain_) {
      if (interp_depth_ == 0) groupBegin(false);
    }
    if (isCloser(tok) && brackets_[i].partner != kNone) {
      closer(i);
    } else if (isOpener(tok) && brackets_[i].partner != kNone) {
      opener(i);
    } else if (is(tok, n_.comma)) {
      comma(i);
    } else if (is(tok, n_.pipe) && interp_depth_ == 0 && tok.node >= 0 && label(tok.node) == n_.pipe_expr) {
      if (chain_first_pipe_[i]) push(OpKind::kIndentBegin);
      line(OpKind::kLine);
      text(source(tok), false);
    } else if (elseAfterLeave(i)) {
      line(OpKind::kHardLine);
      text(source(tok), false);
    } else {
      text(source(tok), spaceBefore(i));
    }
    prev_ = i;
    afterToken(i);
  }

  // What follows a token's text: the ends of chains it closes, comments on its line, the line
  // break after a list's comma, the declarations it ends.
  void afterToken(uint32_t i) {
    for (uint32_t k = 0; k < chain_ends_[i] && interp_depth_ == 0; ++k) {
      push(OpKind::kIndentEnd);
      groupEnd();
    }
    trailingComments(i);
    if (comma_list_[i] && interp_depth_ == 0 && !trailing_comma_) line(OpKind::kLine);
    trailing_comma_ = false;
    for (uint32_t k = 0; k < item_ends_[i]; ++k) push(OpKind::kItemEnd);
  }

  void opener(uint32_t i) {
    const syntax::Token& tok = t_.tokens[i];
    const Bracket& b = brackets_[i];
    bool space = spaceBefore(i);
    if (is(tok, n_.str_interp)) {
      text(source(tok), false);
      ++interp_depth_;
      return;
    }
    bool empty = b.partner == i + 1;
    if (interp_depth_ > 0 || empty) {
      text(source(tok), space);
      ops_.back().opener = true;
      return;
    }
    group_op_[i] = groupBegin(is(tok, n_.lbrace));
    if (alwaysBreaks(i)) ops_[group_op_[i]].must_break = true;
    text(source(tok), space);
    ops_.back().opener = true;
    // The indentation and first line break come after the comments trailing the bracket.
    trailingComments(i);
    push(OpKind::kIndentBegin);
    line(is(tok, n_.lbrace) ? OpKind::kLine : OpKind::kSoftLine);
  }

  void closer(uint32_t i) {
    const syntax::Token& tok = t_.tokens[i];
    uint32_t open = brackets_[i].partner;
    if (is(t_.tokens[open], n_.str_interp)) {
      --interp_depth_;
      text(source(tok), false);
      return;
    }
    bool empty = open + 1 == i;
    if (interp_depth_ > 0 || empty) {
      text(source(tok), spaceBefore(i));
      ops_.back().closer = true;
      return;
    }
    if (!is(tok, n_.rbrace)) hugLastElement(open, i);
    push(OpKind::kIndentEnd);
    line(is(tok, n_.rbrace) ? OpKind::kLine : OpKind::kSoftLine);
    text(source(tok), false);
    ops_.back().closer = true;
    groupEnd();
  }

  // The bodies of declarations (`server`, `shared`, `routes`, `impl`, functions, hooks, schedules, ...),
  // of loops, `try` and an `if` statement are broken even when short; blocks inside expressions
  // (lambdas, an `if` value, `match` arms) and object literals only when they do not fit.
  bool alwaysBreaks(uint32_t open) const {
    int32_t node = t_.tokens[open].node;
    if (!is(t_.tokens[open], n_.lbrace) || node < 0) return false;
    const std::string& own = t_.labels[t_.nodes[node].label];
    if (endsWith(own, "Block") || own == "routesDecl" || own == "implBody" || own == "traitBody") return true;
    if (own != "block" || t_.nodes[node].parent < 0) return false;
    int32_t parent = t_.nodes[node].parent;
    const std::string& owner = t_.labels[t_.nodes[parent].label];
    if (endsWith(owner, "Decl") || owner == "traitMethod" || owner == "whileStmt" || owner == "loopStmt" || owner == "fnStmt" ||
        owner == "deferStmt" || owner == "loopElse")
      return true;
    if (owner == "forStmt" || owner == "forListStmt" || owner == "forObjectStmt") return true;
    if (owner == "ifExpr" || owner == "elseIf") return ifStatement(owner == "ifExpr" ? parent : t_.nodes[parent].parent);
    if (owner == "tryExpr") return ifStatement(parent);  // a try statement, not a value
    int32_t grand = t_.nodes[parent].parent;
    return grand >= 0 && endsWith(t_.labels[t_.nodes[grand].label], "Item");
  }

  // `if (a) return 1` / `else return 2`: an `else` after a braceless branch that leaves starts
  // its line when the `if` is a statement (one branch a line, as JavaScript writes it).
  bool elseAfterLeave(uint32_t i) const {
    if (!is(t_.tokens[i], n_.else_kw) || prev_ == kNone || interp_depth_ > 0) return false;
    for (int32_t node = t_.tokens[prev_].node; node >= 0; node = t_.nodes[node].parent) {
      const std::string& own = t_.labels[t_.nodes[node].label];
      if (own != "armReturn" && own != "armThrow" && own != "armBreak" && own != "armContinue") continue;
      const int32_t parent = t_.nodes[node].parent;
      if (parent < 0) return false;
      const std::string& owner = t_.labels[t_.nodes[parent].label];
      if (owner == "ifExpr") return ifStatement(parent);
      return owner == "elseIf" && ifStatement(t_.nodes[parent].parent);
    }
    return false;
  }

  // An `if` (or a `try`) that is a statement of its own (not a value inside an expression).
  bool ifStatement(int32_t if_node) const {
    if (if_node < 0) return false;
    int32_t stmt = t_.nodes[if_node].parent;
    return stmt >= 0 && t_.labels[t_.nodes[stmt].label] == "exprStmt" &&
           t_.nodes[stmt].first == t_.nodes[if_node].first && t_.nodes[stmt].last == t_.nodes[if_node].last;
  }

  // `f(a, { ... })`, `f(fn(x) { ... })`, `[{ ... }]`: when the last element of a `( )` or `[ ]`
  // list ends with a bracket group, the list may stay flat up to that group, which breaks on its
  // own. (A `{ }` never does: a block or an object is flat only when all of it fits.)
  void hugLastElement(uint32_t open, uint32_t close) {
    uint32_t last = kNone;
    for (uint32_t k = close; k-- > open + 1;) {
      const syntax::Token& tok = t_.tokens[k];
      if (tok.hidden || (is(tok, n_.comma) && comma_list_[k])) {
        if (tok.hidden) continue;
        break;  // a trailing comma: look before it
      }
      last = k;
      break;
    }
    if (last == kNone) {
      // `f(a, {...},)`: the element before the dropped comma
      for (uint32_t k = close; k-- > open + 1;) {
        if (t_.tokens[k].hidden || is(t_.tokens[k], n_.comma)) continue;
        last = k;
        break;
      }
    }
    if (last == kNone || !isCloser(t_.tokens[last]) || brackets_[last].partner == kNone) return;
    uint32_t inner = brackets_[last].partner;
    if (is(t_.tokens[inner], n_.str_interp) || group_op_[inner] == 0) return;
    ops_[group_op_[open]].hug = group_op_[inner];
  }

  void comma(uint32_t i) {
    uint32_t next = nextDefault(i);
    if (comma_list_[i] && next != kNone && isCloser(t_.tokens[next])) {
      trailing_comma_ = true;  // no line break after it
      if (!oneElementTuple(i, next)) return;  // dropped
    }
    text(source(t_.tokens[i]), false);
  }

  // `(x,)`: the comma before `close` is all that makes the parentheses a tuple; it stays.
  bool oneElementTuple(uint32_t comma, uint32_t close) const {
    int32_t owner = commaOwner(t_.tokens[comma].node);
    if (owner < 0 || label(owner) != n_.paren_expr) return false;
    for (uint32_t k = brackets_[close].partner + 1; k < comma; ++k)
      if (is(t_.tokens[k], n_.comma) && comma_list_[k] && commaOwner(t_.tokens[k].node) == owner) return false;
    return true;
  }

  // Whether `t` opens an arrow lambda's parameters (`(a, b) => ...`), spaced like a grouping `(`.
  bool arrowParamsOpen(const syntax::Token& t) const {
    return t.node >= 0 && label(t_.nodes[t.node].parent) == n_.arrow_params;
  }

  // Whether one space separates token i from the token printed before it on the same line.
  bool spaceBefore(uint32_t i) const {
    if (prev_comment_) return true;
    if (prev_ == kNone) return true;
    const syntax::Token& p = t_.tokens[prev_];
    const syntax::Token& c = t_.tokens[i];
    if (is(p, n_.str_open) || is(p, n_.str_text) || is(p, n_.str_escape) || is(p, n_.str_interp)) return false;
    if (is(c, n_.str_text) || is(c, n_.str_escape) || is(c, n_.str_close) || is(c, n_.str_interp)) return false;
    if (is(c, n_.rbrace)) {
      uint32_t o = brackets_[i].partner;
      if (o != kNone && is(t_.tokens[o], n_.str_interp)) return false;
      return !is(p, n_.lbrace);
    }
    if (is(p, n_.lbrace)) return true;
    if ((is(c, n_.question) || is(c, n_.colon)) && label(c.node) == n_.ternary_expr) return true;  // `a ? b : c`
    if (is(c, n_.comma) || is(c, n_.semi) || is(c, n_.rparen) || is(c, n_.rbracket) || is(c, n_.dot) ||
        is(c, n_.question) || is(c, n_.qdot) || is(c, n_.colon)) {
      return false;
    }
    if (is(p, n_.lparen) || is(p, n_.lbracket) || is(p, n_.dot) || is(p, n_.qdot) || is(p, n_.ellipsis)) return false;
    if (is(c, n_.dotdot) || is(c, n_.dotdoteq) || is(p, n_.dotdot) || is(p, n_.dotdoteq)) return false;
    bool prefix_op = (is(p, n_.minus) || is(p, n_.bang)) &&
                     (label(p.node) == n_.unary_expr || label(p.node) == n_.literal_pattern ||
                      label(p.node) == n_.routes_value);
    if (prefix_op) return false;
    if (is(c, n_.lparen)) {
      // A `(` of a `for` is the kept one of JavaScript's `for (const x of xs)`.
      int l = label(c.node);
      int up = c.node < 0 ? -1 : label(t_.nodes[c.node].parent);  // `(const x`: the `x`'s `ident`
      auto of_for = [&](int k) { return k == n_.for_stmt || k == n_.for_list_stmt || k == n_.for_object_stmt; };
      return l == n_.paren_expr || l == n_.catch_binding || of_for(l) || (l == n_.ident_rule && of_for(up)) ||
             arrowParamsOpen(c);
    }
    if (is(c, n_.lbracket) && label(c.node) == n_.index_expr) return false;
    // `xs[a:b:step]`, `xs[a..]`: written tight, as an index is.
    if (is(c, n_.lbracket) && (label(c.node) == n_.slice_expr || label(c.node) == n_.open_slice_expr)) return false;
    if (is(p, n_.colon) && label(p.node) == n_.slice_expr) return false;
    if (is(c, n_.bang) && label(c.node) == n_.unwrap_expr) return false;
    bool angle_c = label(c.node) == n_.named_type || label(c.node) == n_.type_params;
    bool angle_p = label(p.node) == n_.named_type || label(p.node) == n_.type_params;
    if ((is(c, n_.lt) || is(c, n_.gt)) && angle_c) return false;
    if (is(p, n_.lt) && angle_p) return false;
    return true;
  }

  const Tree& t_;
  std::string_view text_;
  Names n_;
  std::vector<Op> ops_;
  std::vector<bool> consumed_;
  std::vector<Bracket> brackets_;
  std::vector<uint32_t> line_;
  std::vector<bool> comma_list_;
  std::vector<uint32_t> group_op_;  // opener → its kGroupBegin op (0: none)
  std::vector<uint32_t> chain_starts_;  // first tokens of the chains, in token order
  size_t next_chain_ = 0;
  std::vector<uint32_t> chain_ends_;
  std::vector<bool> chain_first_pipe_;
  std::vector<int32_t> item_begin_;  // the container node of a declaration starting here; -2: none
  std::vector<uint32_t> item_ends_;
  std::vector<uint32_t> pending_comments_;
  std::vector<uint32_t> groups_;  // open kGroupBegin ops
  uint32_t prev_ = kNone;         // the last token printed on the current line
  bool prev_comment_ = false;  // a block comment was printed last, on this line
  bool after_line_ = true;
  bool trailing_comma_ = false;
  int interp_depth_ = 0;
};

}  // namespace

std::vector<Op> buildLayout(const syntax::Tree& tree, std::string_view text) {
  return Builder(tree, text).run();
}

}  // namespace lux::formatter
