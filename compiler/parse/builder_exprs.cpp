// AstBuilder, expressions: operators, literals, strings with interpolation and escapes,
// durations, object/array/record literals, lambdas, if and match.
#include <cctype>
#include <cerrno>
#include <cstdlib>

#include "parse/builder.h"
#include "parse/parse.h"
#include "parse/string_literal.h"
#include "lux_common/utf8.h"

namespace lux::parse {

using namespace lux::ast;

// --- ranges and names ------------------------------------------------------------------------

SourceRange AstBuilder::range(antlr4::Token* t) const { return t ? filter_.rangeOf(*t) : SourceRange{}; }
SourceRange AstBuilder::range(antlr4::tree::TerminalNode* t) const {
  return t ? filter_.rangeOf(*t->getSymbol()) : SourceRange{};
}
SourceRange AstBuilder::range(antlr4::ParserRuleContext* c) const {
  if (!c || !c->getStart()) return {};
  SourceRange b = filter_.rangeOf(*c->getStart());
  antlr4::Token* stop = c->getStop();
  if (!stop || stop->getTokenIndex() < c->getStart()->getTokenIndex()) return b;
  SourceRange e = filter_.rangeOf(*stop);
  return {b.begin, e.end < b.begin ? b.begin : e.end};
}
SourceRange AstBuilder::cover(antlr4::ParserRuleContext* from, antlr4::ParserRuleContext* to) const {
  return SourceRange::cover(range(from), range(to));
}

Ident AstBuilder::identToken(antlr4::Token* t) {
  if (!t || t->getType() == antlr4::Token::EOF) return {};
  return Ident{ctx_.intern(t->getText()), range(t)};
}
Ident AstBuilder::ident(LuxParser::IdentContext* c) {
  if (!c || c->exception || !c->getStart()) return {};
  return identToken(c->getStart());
}

Expr* AstBuilder::expr(antlr4::ParserRuleContext* c) {
  if (!c) return nullptr;
  if (expr_depth_ >= ParseLimits::kMaxRuleDepth) {
    // `1 + 1 + ... + 1` nests in the tree without nesting in ANTLR's recursion: stop here so no
    // later pass recurses deeper than the limit.
    if (!depth_reported_) {
      diags_.report(DiagId::NestingTooDeep, range(c), "expression", ParseLimits::kMaxRuleDepth)
          .help("split the expression into named parts");
      depth_reported_ = true;
    }
    return nullptr;
  }
  ++expr_depth_;
  expr_ = nullptr;
  c->accept(this);
  Expr* e = expr_;
  expr_ = nullptr;
  --expr_depth_;
  return e;
}

// --- operators -------------------------------------------------------------------------------

namespace {

bool durationUnit(llvm::StringRef name, DurationUnit& unit) {
  struct Entry {
    const char* name;
    DurationUnit unit;
  };
  static const Entry kUnits[] = {
      {"ms", DurationUnit::Milliseconds},     {"millisecond", DurationUnit::Milliseconds},
      {"milliseconds", DurationUnit::Milliseconds}, {"second", DurationUnit::Seconds},
      {"seconds", DurationUnit::Seconds},     {"minute", DurationUnit::Minutes},
      {"minutes", DurationUnit::Minutes},     {"hour", DurationUnit::Hours},
      {"hours", DurationUnit::Hours},         {"day", DurationUnit::Days},
      {"days", DurationUnit::Days},           {"week", DurationUnit::Weeks},
      {"weeks", DurationUnit::Weeks},
  };
  for (const Entry& e : kUnits) {
    if (name == e.name) {
      unit = e.unit;
      return true;
    }
  }
  return false;
}

}  // namespace

// `base?.member`: a MemberExpr marked optional.
antlrcpp::Any AstBuilder::visitOptMemberExpr(LuxParser::OptMemberExprContext* c) {
  Expr* base = expr(c->expr());
  Ident member = identToken(c->member);
  if (!base || member.empty()) return {};
  auto* m = ctx_.create<MemberExpr>(range(c), base, member);
  m->optional = true;
  expr_ = m;
  return {};
}

antlrcpp::Any AstBuilder::visitMemberExpr(LuxParser::MemberExprContext* c) {
  Expr* base = expr(c->expr());
  Ident member = identToken(c->member);
  if (!base || member.empty()) return {};
  DurationUnit unit;
  if ((llvm::isa<IntLit>(base) || llvm::isa<FloatLit>(base)) && durationUnit(member.name, unit)) {
    auto* d = ctx_.create<DurationLit>(range(c), base, unit, member.range);
    // A duration is Int milliseconds: a literal past the Int range could not be represented.
    if (!(d->milliseconds() < 9223372036854775808.0))
      diags_.report(DiagId::IntegerTooLarge, range(c), c->getText())
          .help("a duration is Int milliseconds, at most 9223372036854775807 ms (about 292 million years)");
    expr_ = d;
  } else {
    expr_ = ctx_.create<MemberExpr>(range(c), base, member);
  }
  return {};
}

// The arguments of a call; named ones (`port: 8080`) make one object, the last argument, as the
// family passes them (a parameter `{ host, port }` takes it apart).
bool AstBuilder::args(LuxParser::ArgListContext* c, llvm::SmallVectorImpl<Expr*>& out) {
  if (!c) return true;
  llvm::SmallVector<ObjectEntry*, 4> named;
  SourceRange named_range;
  antlr4::Token* name = nullptr;    // the `name:` before the next expression
  antlr4::Token* spread = nullptr;  // the `...` before it (`f(...xs)`)
  for (antlr4::tree::ParseTree* child : c->children) {
    if (auto* t = dynamic_cast<antlr4::tree::TerminalNode*>(child)) {
      size_t k = t->getSymbol()->getType();
      if (k == LuxParser::ELLIPSIS) spread = t->getSymbol();
      else if (k != LuxParser::COMMA && k != LuxParser::COLON) name = t->getSymbol();  // a name, keywords too
      continue;
    }
    auto* x = dynamic_cast<LuxParser::ExprContext*>(child);
    if (!x) continue;
    Expr* e = expr(x);
    if (!e) return false;
    e = implicitItArgument(x, e);
    if (spread) {
      e = ctx_.create<UnaryExpr>(SourceRange::cover(range(spread), e->range()), UnaryOp::Spread, e);
      spread = nullptr;
    }
    if (!name) {
      out.push_back(e);
      continue;
    }
    Ident key = identToken(name);
    name = nullptr;
    if (key.empty()) return false;
    SourceRange r{key.range.begin, e->range().end};
    named_range = named.empty() ? r : SourceRange::cover(named_range, r);
    named.push_back(ctx_.create<ObjectEntry>(r, ObjectEntry::Form::Named, key, e));
  }
  if (!named.empty()) out.push_back(ctx_.create<ObjectExpr>(named_range, copy(named)));
  return true;
}

antlrcpp::Any AstBuilder::visitCallExpr(LuxParser::CallExprContext* c) {
  Expr* callee = expr(c->expr());
  llvm::SmallVector<Expr*, 4> list;
  if (!callee || !c->RPAREN() || !args(c->argList(), list)) return {};
  expr_ = ctx_.create<CallExpr>(range(c), callee, copy(list));
  return {};
}

antlrcpp::Any AstBuilder::visitIndexExpr(LuxParser::IndexExprContext* c) {
  Expr* base = expr(c->expr(0));
  Expr* index = expr(c->expr(1));
  if (base && index) expr_ = ctx_.create<IndexExpr>(range(c), base, index);
  return {};
}

antlrcpp::Any AstBuilder::visitUnwrapExpr(LuxParser::UnwrapExprContext* c) {
  if (Expr* e = expr(c->expr())) expr_ = ctx_.create<UnwrapExpr>(range(c), e);
  return {};
}

antlrcpp::Any AstBuilder::visitUnaryExpr(LuxParser::UnaryExprContext* c) {
  Expr* e = expr(c->expr());
  if (!e || !c->op) return {};
  expr_ = ctx_.create<UnaryExpr>(range(c), c->op->getType() == LuxParser::MINUS ? UnaryOp::Neg : UnaryOp::Not, e);
  return {};
}

// `not a` is `!a`; only its precedence differs (the grammar's notExpr).
antlrcpp::Any AstBuilder::visitNotExpr(LuxParser::NotExprContext* c) {
  if (Expr* e = expr(c->expr())) expr_ = ctx_.create<UnaryExpr>(range(c), UnaryOp::Not, e);
  return {};
}

// `x in xs` / `x not in xs`: BinaryExpr In/NotIn, the element on the left.
antlrcpp::Any AstBuilder::visitInExpr(LuxParser::InExprContext* c) {
  Expr* lhs = expr(c->expr(0));
  Expr* rhs = expr(c->expr(1));
  if (lhs && rhs) expr_ = ctx_.create<BinaryExpr>(range(c), c->NOT() ? BinaryOp::NotIn : BinaryOp::In, lhs, rhs);
  return {};
}

antlrcpp::Any AstBuilder::visitAwaitExpr(LuxParser::AwaitExprContext* c) {
  if (Expr* e = expr(c->expr())) expr_ = ctx_.create<AwaitExpr>(range(c), e);
  return {};
}

// The family's `a ++ b` joins Strings and lists as `+` does.
antlrcpp::Any AstBuilder::visitConcatExpr(LuxParser::ConcatExprContext* c) {
  Expr* lhs = expr(c->expr(0));
  Expr* rhs = expr(c->expr(1));
  if (!lhs || !rhs) return {};
  expr_ = ctx_.create<BinaryExpr>(range(c), BinaryOp::Add, lhs, rhs);
  return {};
}

antlrcpp::Any AstBuilder::visitBinaryExpr(LuxParser::BinaryExprContext* c) {
  Expr* lhs = expr(c->expr(0));
  Expr* rhs = expr(c->expr(1));
  if (!lhs || !rhs || !c->op) return {};
  BinaryOp op;
  switch (c->op->getType()) {
    case LuxParser::PLUS: op = BinaryOp::Add; break;
    case LuxParser::MINUS: op = BinaryOp::Sub; break;
    case LuxParser::STAR: op = BinaryOp::Mul; break;
    case LuxParser::SLASH: op = BinaryOp::Div; break;
    case LuxParser::PERCENT: op = BinaryOp::Mod; break;
    case LuxParser::EQEQ: op = BinaryOp::Eq; break;
    case LuxParser::NEQ: op = BinaryOp::Ne; break;
    case LuxParser::LT: op = BinaryOp::Lt; break;
    case LuxParser::LE: op = BinaryOp::Le; break;
    case LuxParser::GT: op = BinaryOp::Gt; break;
    case LuxParser::GE: op = BinaryOp::Ge; break;
    case LuxParser::ANDAND: case LuxParser::AND: op = BinaryOp::And; break;
    case LuxParser::OROR: case LuxParser::OR: op = BinaryOp::Or; break;
    case LuxParser::QQ: op = BinaryOp::Coalesce; break;
    case LuxParser::STARSTAR: op = BinaryOp::Pow; break;
    default: return {};
  }
  if (Expr* chain = compareChain(c, lhs, op, rhs)) {
    expr_ = chain;
    return {};
  }
  auto* b = ctx_.create<BinaryExpr>(range(c), op, lhs, rhs);
  b->word = c->op->getType() == LuxParser::AND || c->op->getType() == LuxParser::OR;
  expr_ = b;
  return {};
}

antlrcpp::Any AstBuilder::visitRangeExpr(LuxParser::RangeExprContext* c) {
  Expr* lo = expr(c->expr(0));
  Expr* hi = expr(c->expr(1));
  if (lo && hi && c->op) expr_ = ctx_.create<RangeExpr>(range(c), lo, hi, c->op->getType() == LuxParser::DOTDOTEQ);
  return {};
}

antlrcpp::Any AstBuilder::visitPipeExpr(LuxParser::PipeExprContext* c) {
  Expr* value = expr(c->expr());
  auto* t = c->pipeTarget();
  if (!value || !t || t->exception) return {};
  bool failed = false;
  if (Expr* e = pipeForm(c, value, failed); e || failed) {
    expr_ = e;
    return {};
  }
  Ident head = identToken(t->head);
  if (head.empty()) return {};
  Expr* target = ctx_.create<NameExpr>(head.range, head);
  for (antlr4::Token* m : t->members) {
    Ident member = identToken(m);
    if (member.empty()) return {};
    target = ctx_.create<MemberExpr>(SourceRange::cover(target->range(), member.range), target, member);
  }
  if (t->LPAREN()) {
    llvm::SmallVector<Expr*, 4> list;
    if (!t->RPAREN() || !args(t->argList(), list)) return {};
    if (Expr* call = placeholderCall(c, value, target, list)) {
      expr_ = call;
      return {};
    }
    target = ctx_.create<CallExpr>(range(t), target, copy(list));
  }
  expr_ = ctx_.create<PipeExpr>(range(c), value, target);
  return {};
}

// --- literals --------------------------------------------------------------------------------

namespace {
// `10_000_000`, `1_000.5`, `0xff_ff`: each `_` stands between two digits of the literal's base
// (so never first, last, doubled or next to `.`, `x`, `b` or an exponent).
bool separatorsOk(const std::string& text, size_t start, int base) {
  auto digit = [base](char c) { return base == 16 ? std::isxdigit(static_cast<unsigned char>(c)) != 0 : base == 2 ? (c == '0' || c == '1') : (c >= '0' && c <= '9'); };
  for (size_t i = start; i < text.size(); ++i) {
    if (text[i] != '_') continue;
    if (i == start || i + 1 == text.size() || !digit(text[i - 1]) || !digit(text[i + 1])) return false;
  }
  return true;
}
}  // namespace

Expr* AstBuilder::intLiteral(antlr4::Token* t) {
  std::string text = t->getText();
  std::string digits;
  int base = 10;
  size_t start = 0;
  if (text.size() > 1 && text[0] == '0' && (text[1] == 'x' || text[1] == 'b')) {
    base = text[1] == 'x' ? 16 : 2;
    start = 2;
  }
  for (size_t i = start; i < text.size(); ++i) {
    if (text[i] != '_') digits += text[i];
  }
  if (!digits.empty() && !separatorsOk(text, start, base)) diags_.report(DiagId::NumericSeparator, range(t), text);
  if (digits.empty()) {
    diags_.report(DiagId::InvalidNumber, range(t), text);
    return ctx_.create<IntLit>(range(t), 0);
  }
  errno = 0;
  unsigned long long v = std::strtoull(digits.c_str(), nullptr, base);
  if (errno == ERANGE || v > static_cast<unsigned long long>(INT64_MAX)) {
    diags_.report(DiagId::IntegerTooLarge, range(t), text).help("the largest integer is 9223372036854775807");
    v = static_cast<unsigned long long>(INT64_MAX);
  }
  return ctx_.create<IntLit>(range(t), static_cast<uint64_t>(v));
}

Expr* AstBuilder::floatLiteral(antlr4::Token* t) {
  std::string text;
  for (char ch : t->getText()) {
    if (ch != '_') text += ch;
  }
  if (!separatorsOk(t->getText(), 0, 10)) diags_.report(DiagId::NumericSeparator, range(t), t->getText());
  double v = std::strtod(text.c_str(), nullptr);
  return ctx_.create<FloatLit>(range(t), v);
}

antlrcpp::Any AstBuilder::visitIntLit(LuxParser::IntLitContext* c) {
  expr_ = intLiteral(c->INT()->getSymbol());
  return {};
}

antlrcpp::Any AstBuilder::visitFloatLit(LuxParser::FloatLitContext* c) {
  expr_ = floatLiteral(c->FLOAT()->getSymbol());
  return {};
}

antlrcpp::Any AstBuilder::visitBoolLit(LuxParser::BoolLitContext* c) {
  expr_ = ctx_.create<BoolLit>(range(c), c->TRUE() != nullptr);
  return {};
}

antlrcpp::Any AstBuilder::visitStrLit(LuxParser::StrLitContext* c) {
  expr_ = str(c->str());
  return {};
}

// --- strings ---------------------------------------------------------------------------------

void AstBuilder::cookEscape(antlr4::Token* t, std::string& out) {
  std::string text = t->getText();  // `\x` or `\u{...}` (or a lone `\` before a newline)
  if (text.size() < 2) {
    diags_.report(DiagId::InvalidEscape, range(t), text);
    return;
  }
  switch (text[1]) {
    case 'n': out += '\n'; return;
    case 't': out += '\t'; return;
    case 'r': out += '\r'; return;
    case '0': out += '\0'; return;
    case '\\': out += '\\'; return;
    case '"': out += '"'; return;
    case '\'': out += '\''; return;
    case '{': out += '{'; return;
    case '}': out += '}'; return;
    case '`': out += '`'; return;
    case '$': out += '$'; return;
    case 'u': {
      // `\u{1F600}`: 1 to 6 hex digits naming a Unicode scalar value.
      bool ok = text.size() >= 5 && text[2] == '{' && text.back() == '}' && text.size() <= 10;
      uint32_t cp = 0;
      if (ok) {
        for (size_t i = 3; i + 1 < text.size(); ++i) {
          char h = text[i];
          int v = (h >= '0' && h <= '9') ? h - '0'
                  : (h >= 'a' && h <= 'f') ? h - 'a' + 10
                  : (h >= 'A' && h <= 'F') ? h - 'A' + 10
                                           : -1;
          if (v < 0) {
            ok = false;
            break;
          }
          cp = cp * 16 + static_cast<uint32_t>(v);
        }
      }
      if (!ok || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        diags_.report(DiagId::InvalidUnicodeEscape, range(t), text);
        return;
      }
      common::AppendUtf8(out, cp);
      return;
    }
    default:
      diags_.report(DiagId::InvalidEscape, range(t), text)
          .help("valid escapes: \\n \\t \\r \\0 \\\\ \\\" \\' \\` \\$ \\{ \\} \\u{XXXX}");
      out += text.substr(1);
      return;
  }
}

Expr* AstBuilder::str(LuxParser::StrContext* c) {
  if (!c || !c->STR_OPEN()) return nullptr;
  // The parts as written; the multi-line forms' text is shaped (dedent, newlines) before the
  // escapes are cooked, so an escaped `\n` never counts as a line break.
  const std::vector<LuxParser::StrPartContext*> source = c->strPart();
  std::vector<StringPiece> pieces;
  pieces.reserve(source.size());
  for (size_t k = 0; k < source.size(); ++k) {
    if (auto* t = dynamic_cast<LuxParser::StrTextContext*>(source[k])) {
      pieces.push_back({StringPiece::Kind::kText, t->STR_TEXT()->getText(), k});
    } else if (auto* e = dynamic_cast<LuxParser::StrEscapeContext*>(source[k])) {
      pieces.push_back({StringPiece::Kind::kEscape, e->STR_ESCAPE()->getText(), k});
    } else if (dynamic_cast<LuxParser::StrInterpContext*>(source[k])) {
      pieces.push_back({StringPiece::Kind::kInterp, {}, k});
    }
  }
  const StringShape shape = stringShapeOf(c->STR_OPEN()->getText());
  if (shape.multiline) shapeMultilineText(pieces, shape);
  llvm::SmallVector<Expr*, 4> parts;
  std::string text;
  SourceRange text_range{};
  bool has_text = false;
  bool interpolated = false;
  auto flush = [&] {
    if (has_text && !text.empty()) parts.push_back(ctx_.create<StringLit>(text_range, ctx_.copyString(text)));
    text.clear();
    has_text = false;
  };
  for (const StringPiece& piece : pieces) {
    auto* part = source[piece.index];
    if (piece.kind == StringPiece::Kind::kInterp) {
      auto* i = static_cast<LuxParser::StrInterpContext*>(part);
      interpolated = true;
      flush();
      if (!i->expr()) {
        if (!i->exception) diags_.report(DiagId::EmptyInterpolation, range(i)).help("write `\\{` for a literal `{`");
        continue;
      }
      if (Expr* e = expr(i->expr())) parts.push_back(e);
      continue;
    }
    SourceRange r = range(part);
    text_range = has_text ? SourceRange::cover(text_range, r) : r;
    has_text = true;
    if (piece.kind == StringPiece::Kind::kText) {
      text += piece.text;
    } else if (!isLineContinuation(piece.text)) {
      cookEscape(static_cast<LuxParser::StrEscapeContext*>(part)->STR_ESCAPE()->getSymbol(), text);
    }
  }
  if (!interpolated) {
    return ctx_.create<StringLit>(range(c), ctx_.copyString(text));
  }
  flush();
  return ctx_.create<InterpolatedString>(range(c), copy(parts));
}

StringLit* AstBuilder::constStr(LuxParser::StrContext* c, const char* what) {
  Expr* e = str(c);
  if (!e) return nullptr;
  if (auto* s = llvm::dyn_cast<StringLit>(e)) return s;
  diags_.report(DiagId::InterpolationNotAllowed, e->range(), what).help("write `\\{` for a literal `{`");
  std::string text;
  for (Expr* p : llvm::cast<InterpolatedString>(e)->parts) {
    if (auto* s = llvm::dyn_cast<StringLit>(p)) text += s->value.str();
  }
  return ctx_.create<StringLit>(e->range(), ctx_.copyString(text));
}

// --- compound literals -------------------------------------------------------------------------

ObjectEntry* AstBuilder::objEntry(LuxParser::ObjEntryContext* c, bool allow_computed) {
  if (!c || c->exception) return nullptr;
  if (auto* k = dynamic_cast<LuxParser::ComputedEntryContext*>(c)) return computedEntry(k, allow_computed);
  if (auto* n = dynamic_cast<LuxParser::NamedEntryContext*>(c)) {
    Ident key = identToken(n->key);
    Expr* value = expr(n->expr());
    if (key.empty() || !value) return nullptr;
    return ctx_.create<ObjectEntry>(range(c), ObjectEntry::Form::Named, key, value);
  }
  if (auto* q = dynamic_cast<LuxParser::QuotedEntryContext*>(c)) {
    StringLit* key = constStr(q->str(), "an object key");
    Expr* value = expr(q->expr());
    if (!key || !value) return nullptr;
    return ctx_.create<ObjectEntry>(range(c), ObjectEntry::Form::Quoted, Ident{key->value, key->range()}, value);
  }
  if (auto* s = dynamic_cast<LuxParser::ShorthandEntryContext*>(c)) {
    Ident name = ident(s->ident());
    if (name.empty()) return nullptr;
    return ctx_.create<ObjectEntry>(range(c), ObjectEntry::Form::Shorthand, name,
                                    ctx_.create<NameExpr>(name.range, name));
  }
  if (auto* sp = dynamic_cast<LuxParser::SpreadEntryContext*>(c)) {
    Expr* value = expr(sp->expr());
    if (!value) return nullptr;
    return ctx_.create<ObjectEntry>(range(c), ObjectEntry::Form::Spread, Ident{}, value);
  }
  return nullptr;
}

ObjectExpr* AstBuilder::objectLit(LuxParser::ObjectLitContext* c, bool value) {
  if (!c) return nullptr;
  if (!c->compFor().empty()) {
    diags_.report(DiagId::DictCompNotValue, range(c))
        .help("write the options out as `{ key: value, ... }`; a comprehension builds a value in a function or handler");
    return nullptr;
  }
  llvm::SmallVector<ObjectEntry*, 8> entries;
  for (auto* e : c->objEntry()) {
    if (ObjectEntry* entry = objEntry(e, value)) entries.push_back(entry);
  }
  return ctx_.create<ObjectExpr>(range(c), copy(entries));
}

antlrcpp::Any AstBuilder::visitObjectExpr(LuxParser::ObjectExprContext* c) {
  auto* lit = c->objectLit();
  expr_ = lit && !lit->compFor().empty() ? dictComprehension(lit) : objectLit(lit, /*value=*/true);
  return {};
}

// A record construction's first entry: `key: value`, `"key": value` or `...spread`.
bool AstBuilder::recordFirstEntry(LuxParser::RecordFirstEntryContext* first, llvm::SmallVectorImpl<ObjectEntry*>& entries) {
  Expr* value = expr(first->expr());
  if (!value) return false;
  if (first->ELLIPSIS()) {
    entries.push_back(ctx_.create<ObjectEntry>(range(first), ObjectEntry::Form::Spread, Ident{}, value));
  } else if (first->key) {
    entries.push_back(ctx_.create<ObjectEntry>(range(first), ObjectEntry::Form::Named, identToken(first->key), value));
  } else {
    StringLit* key = constStr(first->str(), "a field name");
    if (!key) return false;
    entries.push_back(
        ctx_.create<ObjectEntry>(range(first), ObjectEntry::Form::Quoted, Ident{key->value, key->range()}, value));
  }
  return true;
}

antlrcpp::Any AstBuilder::visitRecordLit(LuxParser::RecordLitContext* c) {
  Ident type_name = identToken(c->type_name);
  auto* first = c->recordFirstEntry();
  if (type_name.empty() || (!first && !c->RECORD_LBRACE()) || (first && first->exception)) return {};
  llvm::SmallVector<ObjectEntry*, 8> entries;
  if (first && !recordFirstEntry(first, entries)) return {};
  for (auto* e : c->objEntry()) {
    if (ObjectEntry* entry = objEntry(e)) entries.push_back(entry);
  }
  expr_ = ctx_.create<RecordExpr>(range(c), type_name, copy(entries));
  return {};
}

antlrcpp::Any AstBuilder::visitNameRef(LuxParser::NameRefContext* c) {
  Ident name = identToken(c->name);
  if (!name.empty()) expr_ = ctx_.create<NameExpr>(range(c), name);
  return {};
}

antlrcpp::Any AstBuilder::visitParenExpr(LuxParser::ParenExprContext* c) {
  if (c->COMMA().empty()) {  // parentheses leave no node; the inner expression keeps its own range
    expr_ = expr(c->expr(0));
    return {};
  }
  llvm::SmallVector<Expr*, 4> elements;  // a tuple: a list
  for (auto* e : c->expr()) {
    Expr* el = expr(e);
    if (!el) return {};
    elements.push_back(el);
  }
  expr_ = ctx_.create<ArrayExpr>(range(c), copy(elements));
  return {};
}

antlrcpp::Any AstBuilder::visitArrayLit(LuxParser::ArrayLitContext* c) {
  if (!c->compFor().empty()) {
    expr_ = listComprehension(c);
    return {};
  }
  llvm::SmallVector<Expr*, 8> elements;
  for (auto* el : c->arrayElem()) {
    Expr* e = expr(el->expr());
    if (!e) return {};
    if (el->ELLIPSIS()) e = ctx_.create<UnaryExpr>(range(el), UnaryOp::Spread, e);
    elements.push_back(e);
  }
  expr_ = ctx_.create<ArrayExpr>(range(c), copy(elements));
  return {};
}

antlrcpp::Any AstBuilder::visitLambdaExpr(LuxParser::LambdaExprContext* c) {
  expr_ = fnLambda(c, c->paramList(), c->ARROW() ? c->typeExpr() : nullptr, c->block(), c->expr());
  return {};
}

// `try { f() } catch e { 0 }` as a value: a block whose one statement is the try, which gives
// the block the try body's value or the catch body's (emit_stmt.cpp, Emitter::block).
antlrcpp::Any AstBuilder::visitTryExpr(LuxParser::TryExprContext* c) {
  TryStmt* t = tryStmt(c, c->block(), c->CATCH() != nullptr, c->catchBinding() ? c->catchBinding()->ident() : nullptr, c->FINALLY() != nullptr);
  if (!t) return {};
  llvm::SmallVector<Stmt*, 1> stmts{t};
  expr_ = ctx_.create<BlockExpr>(range(c), copy(stmts));
  return {};
}

// `typeof x` is the call `typeof(x)` of the built-in of that name (JavaScript's type names).
antlrcpp::Any AstBuilder::visitTypeofExpr(LuxParser::TypeofExprContext* c) {
  Expr* operand = expr(c->expr());
  if (!operand) return {};
  SourceRange kw = range(c->TYPEOF()->getSymbol());
  auto* callee = ctx_.create<NameExpr>(kw, Ident{"typeof", kw});
  llvm::SmallVector<Expr*, 1> args{operand};
  expr_ = ctx_.create<CallExpr>(range(c), callee, copy(args));
  return {};
}

// `cond ? a : b` is `if cond { a } else { b }`: each side a block holding its expression.
antlrcpp::Any AstBuilder::visitTernaryExpr(LuxParser::TernaryExprContext* c) {
  Expr* cond = expr(c->expr(0));
  Expr* yes = expr(c->expr(1));
  Expr* no = expr(c->expr(2));
  if (!cond || !yes || !no) return {};
  auto body = [&](Expr* e) {
    llvm::SmallVector<Stmt*, 1> stmts{ctx_.create<ExprStmt>(e->range(), e)};
    return ctx_.create<BlockExpr>(e->range(), copy(stmts));
  };
  BlockExpr* then_body = body(yes);
  llvm::SmallVector<IfBranch*, 1> branches{
      ctx_.create<IfBranch>(SourceRange{cond->range().begin, yes->range().end}, cond, then_body)};
  expr_ = ctx_.create<IfExpr>(range(c), copy(branches), body(no));
  return {};
}

antlrcpp::Any AstBuilder::visitIfExpr(LuxParser::IfExprContext* c) {
  llvm::SmallVector<IfBranch*, 4> branches;
  Expr* cond = expr(c->expr());
  // `if (!x) return e` (no braces): the one statement that leaves is the branch's block.
  const auto body = [&](LuxParser::BlockContext* b, LuxParser::ArmLeaveContext* leave) -> BlockExpr* {
    if (leave) return llvm::cast_or_null<BlockExpr>(armLeave(leave));
    return b ? block(b) : nullptr;
  };
  BlockExpr* then_body = body(c->then_block, c->then_leave);
  if (!cond || !then_body) return {};
  branches.push_back(ctx_.create<IfBranch>(SourceRange{range(c).begin, then_body->range().end}, cond, then_body));
  for (auto* e : c->elseIf()) {
    Expr* econd = expr(e->expr());
    BlockExpr* ebody = body(e->block(), e->armLeave());
    if (!econd || !ebody) return {};
    branches.push_back(ctx_.create<IfBranch>(range(e), econd, ebody));
  }
  BlockExpr* else_body = nullptr;
  if (c->ELSE()) {
    else_body = body(c->else_block, c->else_leave);
    if (!else_body) return {};
  }
  expr_ = ctx_.create<IfExpr>(range(c), copy(branches), else_body);
  return {};
}

// `=> return e`, `=> throw e`, `=> break`, `=> continue`: the arm's body is a block holding
// that one statement (it has no value: the arm leaves).
Expr* AstBuilder::armLeave(LuxParser::ArmLeaveContext* c) {
  Stmt* s = nullptr;
  if (auto* r = dynamic_cast<LuxParser::ArmReturnContext*>(c)) {
    Expr* value = r->expr() ? expr(r->expr()) : nullptr;
    if (r->expr() && !value) return nullptr;
    s = ctx_.create<ReturnStmt>(range(c), value);
  } else if (auto* t = dynamic_cast<LuxParser::ArmThrowContext*>(c)) {
    Expr* value = expr(t->expr());
    if (!value) return nullptr;
    s = ctx_.create<ThrowStmt>(range(c), value);
  } else if (auto* b = dynamic_cast<LuxParser::ArmBreakContext*>(c)) {
    auto* br = ctx_.create<BreakStmt>(range(c));
    if (b->ident()) br->label = ident(b->ident());
    s = br;
  } else if (auto* k = dynamic_cast<LuxParser::ArmContinueContext*>(c)) {
    auto* co = ctx_.create<ContinueStmt>(range(c));
    if (k->ident()) co->label = ident(k->ident());
    s = co;
  } else {
    return nullptr;
  }
  llvm::SmallVector<Stmt*, 1> stmts{s};
  return ctx_.create<BlockExpr>(range(c), copy(stmts));
}

antlrcpp::Any AstBuilder::visitMatchExpr(LuxParser::MatchExprContext* c) {
  Expr* subject = expr(c->expr());
  if (!subject) return {};
  checkSeparators(c);
  llvm::SmallVector<MatchArm*, 8> arms;
  for (auto* a : c->matchArm()) {
    if (a->exception) continue;
    Pattern* p = pattern(a->pattern());
    Expr* guard = nullptr;
    if (a->IF()) {
      guard = expr(a->expr().empty() ? nullptr : a->expr(0));
      if (!guard) continue;
    }
    Expr* body = nullptr;
    if (a->block()) {
      body = block(a->block());
    } else if (a->armLeave()) {
      body = armLeave(a->armLeave());
    } else {
      size_t want = a->IF() ? 1 : 0;
      if (a->expr().size() > want) body = expr(a->expr(want));
    }
    if (!p || !body) continue;
    arms.push_back(ctx_.create<MatchArm>(range(a), p, guard, body));
  }
  expr_ = ctx_.create<MatchExpr>(range(c), subject, copy(arms));
  return {};
}

}  // namespace lux::parse
