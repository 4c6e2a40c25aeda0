// TokenFilter: significant newlines, lexical error reports and bracket matching (token_filter.h).
#include "parse/token_filter.h"

#include <fmt/format.h>

#include <string>

#include "parse/keywords.h"
#include "parse/parse.h"

namespace lux::parse {

using grammar::LuxLexer;

TokenFilter::TokenFilter(ModalLexer& lexer, const SourceMap& map, DiagEngine& diags)
    : lexer_(lexer), map_(map), diags_(diags) {}

namespace {

// What closes a string opened with `open` (`"`, `f"`, `r'''`, ...), as E1004 names it.
std::string closingQuote(const std::string& open) {
  std::string quote = !open.empty() && (open[0] == 'f' || open[0] == 'r') ? open.substr(1) : open;
  return quote == "`" ? "a closing `` ` ``" : "`" + quote + "`";
}

// Whether a string opened with `open` spans lines: the triple-quoted forms and `` ` ``.
bool spansLines(const std::string& open) { return open == "`" || (open.size() >= 3 && open[open.size() - 2] == open.back()); }

}  // namespace

SourceRange TokenFilter::rangeOf(const antlr4::Token& t) const {
  size_t start = t.getStartIndex();
  size_t stop = t.getStopIndex();
  uint32_t b = map_.byteOffset(start);
  uint32_t e = (stop == INVALID_INDEX || stop + 1 < start) ? b : map_.byteOffset(stop + 1);
  if (t.getType() == antlr4::Token::EOF) return SourceRange::point(map_.end());
  return {b, e < b ? b : e};
}

std::unique_ptr<antlr4::Token> TokenFilter::synthetic(size_t type, uint32_t cp_start, uint32_t cp_stop_exclusive) {
  auto tok = std::make_unique<antlr4::CommonToken>(
      std::make_pair(static_cast<antlr4::TokenSource*>(this), lexer_.getInputStream()), type,
      antlr4::Token::DEFAULT_CHANNEL, cp_start, cp_stop_exclusive - 1);
  tok->setText(type == LuxLexer::NL ? "\n" : "");
  return tok;
}

// Raw tokens from the lexer with lexical errors reported and repaired.
std::unique_ptr<antlr4::Token> TokenFilter::pullRaw() {
  for (;;) {
    std::unique_ptr<antlr4::Token> t;
    if (!raw_pending_.empty()) {
      t = std::move(raw_pending_.front());
      raw_pending_.pop_front();
    } else {
      t = lexer_.nextToken();
    }
    switch (t->getType()) {
      case LuxLexer::ERROR_CHAR: {
        SourceRange r = rangeOf(*t);
        // One report per run of stray characters.
        if (r.begin != last_error_char_end_ && !quiet_errors_) {
          auto d = diags_.report(DiagId::UnexpectedCharacter, r, t->getText());
          if (t->getText() == "@")  // Python's and NestJS's `@app.get("/")`, `@get("/")` decorators
            d.help("Lux has no decorators: a server declares a route with `route GET \"/\" => fn(req) { ... }` "
                   "(or `=> home`, naming a function)");
          noteError(r);
        }
        last_error_char_end_ = r.end;
        continue;
      }
      case LuxLexer::UNTERMINATED_BLOCK_COMMENT: {
        SourceRange r = rangeOf(*t);
        diags_.report(DiagId::UnterminatedBlockComment, SourceRange{r.begin, r.begin + 2})
            .note(SourceRange::point(map_.end()), "the file ends here");
        eof_swallowed_ = true;
        continue;
      }
      case LuxLexer::STR_OPEN: {
        std::string open = t->getText();
        strings_.push_back(OpenString{rangeOf(*t), closingQuote(open), spansLines(open)});
        return t;
      }
      case LuxLexer::STR_CLOSE:
        if (!strings_.empty()) strings_.pop_back();
        return t;
      case LuxLexer::STR_NEWLINE: {
        // `"abc` then a newline: report, close the string here, keep the newline.
        SourceRange nl = rangeOf(*t);
        SourceRange open = strings_.empty() ? nl : strings_.back().range;
        std::string quote = strings_.empty() ? closingQuote("\"") : strings_.back().quote;
        if (!strings_.empty()) strings_.pop_back();
        diags_.report(DiagId::UnterminatedString, SourceRange{open.begin, nl.begin}, quote, "line");
        noteError(open);
        suppressed_.push_back(SourceRange{open.begin, nl.end});
        size_t start = t->getStartIndex();
        raw_pending_.push_front(synthetic(LuxLexer::NL, static_cast<uint32_t>(start),
                                          static_cast<uint32_t>(t->getStopIndex() + 1)));
        return synthetic(LuxLexer::STR_CLOSE, static_cast<uint32_t>(start), static_cast<uint32_t>(start));
      }
      case antlr4::Token::EOF:
        if (!strings_.empty() && !eof_done_) {
          // The file ends inside a string (the lexer is still in string mode).
          reportUnterminatedAtEof();
          size_t at = t->getStartIndex();
          raw_pending_.push_front(std::move(t));
          return synthetic(LuxLexer::STR_CLOSE, static_cast<uint32_t>(at), static_cast<uint32_t>(at));
        }
        return t;
      default:
        return t;
    }
  }
}

// One report for the strings open at the end of the file: the outermost one (a string inside
// an interpolation is usually the closing delimiter of a string whose `{` has no `}`, opening a
// new one). A string that spans lines is reported at its opening delimiter.
void TokenFilter::reportUnterminatedAtEof() {
  const OpenString open = strings_.front();
  strings_.clear();
  eof_swallowed_ = true;
  suppressed_.push_back(SourceRange{open.range.begin, map_.end()});
  if (!open.multiline) {
    diags_.report(DiagId::UnterminatedString, SourceRange{open.range.begin, map_.end()}, open.quote, "line");
    return;
  }
  // What follows the opener was read as text, or (after a `{` without its `}`) as code: later
  // reports on those lines would be echoes.
  const SourceFile& file = diags_.file();
  for (uint32_t line = file.lineCol(open.range.begin).line, last = file.lineCol(map_.end()).line; line <= last; ++line)
    error_lines_.insert(line);
  auto b = diags_.report(DiagId::UnterminatedString, open.range, open.quote, "file");
  const Open* interp = nullptr;
  for (const Open& o : open_) {
    if (o.type == LuxLexer::STR_INTERP && o.range.begin > open.range.begin) {
      interp = &o;
      break;
    }
  }
  if (interp) {
    b.note(interp->range, "this interpolation is not closed with `}`: the string's text after it was read as code")
        .help("write `\\{` for a literal `{`");
  } else {
    b.note(SourceRange::point(map_.end()), "the file ends here")
        .help(open.quote[0] == '`' ? "a triple-quoted string spans lines up to the next " + open.quote
                                   : "a template literal spans lines up to its closing `` ` ``");
  }
}

namespace {

bool isOpener(size_t type) {
  return type == LuxLexer::LBRACE || type == LuxLexer::LPAREN || type == LuxLexer::LBRACKET ||
         type == LuxLexer::STR_INTERP;
}

size_t closerFor(size_t opener) {
  switch (opener) {
    case LuxLexer::LPAREN: return LuxLexer::RPAREN;
    case LuxLexer::LBRACKET: return LuxLexer::RBRACKET;
    default: return LuxLexer::RBRACE;
  }
}

const char* closerText(size_t opener) {
  switch (opener) {
    case LuxLexer::LPAREN: return ")";
    case LuxLexer::LBRACKET: return "]";
    default: return "}";
  }
}

const char* openerTextForCloser(size_t closer) {
  switch (closer) {
    case LuxLexer::RPAREN: return "(";
    case LuxLexer::RBRACKET: return "[";
    default: return "{";
  }
}

// Modes the lexer pushed for an opener: `{` pushes DEFAULT; an interpolation pushed DEFAULT
// and sits inside the string's STR mode.
int lexerModesOf(size_t opener) {
  if (opener == LuxLexer::LBRACE) return 1;
  if (opener == LuxLexer::STR_INTERP) return 2;
  return 0;
}

}  // namespace

const char* TokenFilter::constructName(const Open& open) const {
  if (open.type == LuxLexer::LPAREN) return "`(`";
  if (open.type == LuxLexer::LBRACKET) return "`[`";
  if (open.type == LuxLexer::STR_INTERP) return "string interpolation";
  size_t i = open.emitted_index;
  if (i == 0) return "object literal";
  size_t before = emitted_[i - 1].type;
  switch (before) {
    case LuxLexer::ASSIGN: case LuxLexer::COLON: case LuxLexer::COMMA: case LuxLexer::LPAREN:
    case LuxLexer::LBRACKET: case LuxLexer::RETURN: case LuxLexer::THROW: case LuxLexer::NL: case LuxLexer::SEMI:
    case LuxLexer::LBRACE: case LuxLexer::STR_INTERP:
      return "object literal";
    case LuxLexer::FAT_ARROW: case LuxLexer::GUARD_ARROW:
      return "match arm block";
    default:
      break;
  }
  // Walk back along the line to the keyword that introduced the block.
  for (size_t k = i, steps = 0; k-- > 0 && steps < 64; ++steps) {
    switch (emitted_[k].type) {
      case LuxLexer::NL: case LuxLexer::SEMI: case LuxLexer::LBRACE: case LuxLexer::RBRACE:
        return "block";
      case LuxLexer::SERVER: return "server block";
      case LuxLexer::SHARED: return "shared block";
      case LuxLexer::FN: return "function body";
      case LuxLexer::MATCH: return "match block";
      case LuxLexer::IF: case LuxLexer::ELIF: case LuxLexer::ELSE: return "if block";
      case LuxLexer::FOR: case LuxLexer::WHILE: return "loop body";
      case LuxLexer::TRY: case LuxLexer::CATCH: case LuxLexer::FINALLY: return "try block";
      case LuxLexer::TYPE: return "type declaration";
      case LuxLexer::MODEL: return "model declaration";
      case LuxLexer::DB: return "`db` block";
      case LuxLexer::AUTH: return "`auth` block";
      case LuxLexer::CORS: return "`cors` block";
      case LuxLexer::RATE_LIMIT: return "`rate_limit` block";
      case LuxLexer::OPENAPI: return "`openapi` block";
      case LuxLexer::WITH: return "`with` block";
      case LuxLexer::DISCOVER: return "`discover` block";
      case LuxLexer::ON_START: return "`on_start` block";
      case LuxLexer::ON_STOP: return "`on_stop` block";
      case LuxLexer::ON_ERROR: return "`on_error` block";
      case LuxLexer::SCHEDULE: return "schedule block";
      default: break;
    }
  }
  return "block";
}

bool TokenFilter::track(antlr4::Token& t) {
  size_t type = t.getType();
  if (type == LuxLexer::STR_OPEN) string_lines_.push_back(spansLines(t.getText()));
  if (type == LuxLexer::STR_CLOSE && !string_lines_.empty()) string_lines_.pop_back();
  if (isOpener(type)) {
    SourceRange r = rangeOf(t);
    if (open_.size() >= ParseLimits::kMaxBracketDepth) {
      diags_.report(DiagId::NestingTooDeep, r, "brackets", ParseLimits::kMaxBracketDepth)
          .help("split the expression into named parts");
      fatal_ = true;
      return false;
    }
    bool multiline = type == LuxLexer::STR_INTERP && !string_lines_.empty() && string_lines_.back();
    open_.push_back({type, r, emitted_.size(), multiline});
    return true;
  }
  if (type != LuxLexer::RPAREN && type != LuxLexer::RBRACKET && type != LuxLexer::RBRACE) return true;
  SourceRange r = rangeOf(t);
  if (!open_.empty() && closerFor(open_.back().type) == type) {
    open_.pop_back();
    return true;
  }
  // Does it close something further out?
  size_t match = open_.size();
  for (size_t k = open_.size(); k-- > 0;) {
    if (closerFor(open_[k].type) == type) {
      match = k;
      break;
    }
  }
  if (match == open_.size()) {
    diags_.report(DiagId::UnmatchedClosingDelimiter, r, t.getText(), openerTextForCloser(type));
    noteError(r);  // one report per line: the parse of this line is its echo
    // The lexer popped a mode for a `}` only when one was pushed: nothing to undo here.
    return false;
  }
  const Open& inner = open_.back();
  diags_.report(DiagId::MismatchedDelimiter, r, t.getText(), closerText(inner.type), constructName(inner))
      .note(inner.range, std::string("the ") + constructName(inner) + " opened here");
  noteError(r);
  suppressed_.push_back(SourceRange{r.begin, map_.end()});
  // Drop the unclosed openers in between, keeping the lexer's mode stack in step with them.
  // A `}` already popped one mode for the innermost `{`; everything else is undone here.
  bool closer_popped = type == LuxLexer::RBRACE;
  while (open_.size() > match + 1) {
    int modes = lexerModesOf(open_.back().type);
    if (closer_popped && modes > 0) {
      --modes;
      closer_popped = false;
    }
    for (int m = 0; m < modes; ++m) {
      if (!lexer_.modeStackEmpty()) lexer_.popMode();
    }
    open_.pop_back();
  }
  open_.pop_back();
  return true;
}

void TokenFilter::emitted(const antlr4::Token& t) {
  if (t.getChannel() != antlr4::Token::DEFAULT_CHANNEL) return;
  size_t type = t.getType();
  if (type != antlr4::Token::EOF) saw_tokens_ = saw_tokens_ || type != LuxLexer::NL;
  emitted_.push_back({type, rangeOf(t)});
  prev_prev_type_ = prev_type_;
  prev_type_ = type;
}

bool TokenFilter::endsStatement() const {
  switch (prev_type_) {
    case LuxLexer::IDENT: case LuxLexer::INT: case LuxLexer::FLOAT: case LuxLexer::TRUE:
    case LuxLexer::FALSE: case LuxLexer::STR_CLOSE: case LuxLexer::RPAREN: case LuxLexer::RBRACKET:
    case LuxLexer::RBRACE: case LuxLexer::BANG: case LuxLexer::GT:
      return true;
    case LuxLexer::THROW:
      // `throw` needs its value on the same line: a newline after it is kept, so a bare
      // `throw` is a syntax error there and never raises the next line's expression.
      return true;
    default: {
      auto kw = keywordOf(prev_type_);
      if (!kw) return false;
      // Soft keywords are names; `x.type`, `x?.type`: any keyword after `.` or `?.` is a member name.
      return kw->cls == KeywordClass::Soft || kw->role == KeywordRole::EndsStatement ||
             prev_prev_type_ == LuxLexer::DOT || prev_prev_type_ == LuxLexer::QDOT;
    }
  }
}

// A `=>` ends a guard when, going back on its arm (to a separator or the bracket around it), an
// `if` comes before any other `=>`: only a match arm puts `if` and `=>` at one level without a
// separator between. The parser then tells the arm's `=>` from an arrow lambda's (`x => ...`)
// by the token, where its SLL prediction could not. The walk is bounded; past the bound the
// `=>` stays FAT_ARROW, which the grammar also takes after a guard (deciding it with full LL).
bool TokenFilter::endsGuard() const {
  constexpr size_t kMaxSteps = 256;
  int depth = 0;
  for (size_t k = emitted_.size(), steps = 0; k-- > 0 && steps < kMaxSteps; ++steps) {
    size_t type = emitted_[k].type;
    if (type == LuxLexer::RPAREN || type == LuxLexer::RBRACKET || type == LuxLexer::RBRACE) {
      ++depth;
    } else if (isOpener(type)) {
      if (depth-- == 0) return false;
    } else if (depth == 0) {
      switch (type) {
        case LuxLexer::IF: return true;
        case LuxLexer::NL: case LuxLexer::SEMI: case LuxLexer::COMMA: case LuxLexer::FAT_ARROW:
        case LuxLexer::GUARD_ARROW:
          return false;
        default: break;
      }
    }
  }
  return false;
}

bool TokenFilter::continuesLine(size_t next_type) {
  switch (next_type) {
    case LuxLexer::PIPE_OP: case LuxLexer::DOT: case LuxLexer::ELSE: case LuxLexer::ELIF:
    case LuxLexer::CATCH: case LuxLexer::FINALLY: case LuxLexer::RBRACE: case LuxLexer::ANDAND:
    case LuxLexer::OROR: case LuxLexer::AND: case LuxLexer::OR: case LuxLexer::QDOT: case LuxLexer::RPAREN: case LuxLexer::RBRACKET: case antlr4::Token::EOF:
    // Prettier's layout of a long `??` and of a conditional: `a\n  ?? b`, `c\n  ? x\n  : y`.
    case LuxLexer::QQ: case LuxLexer::QUESTION: case LuxLexer::COLON:
      return true;
    default:
      return false;
  }
}

void TokenFilter::closeInterpolationsAtNewline(const antlr4::Token& nl) {
  // An interpolation of a one-line string cannot span lines: `"a {b` then a newline. Close
  // everything back to the outermost such interpolation, and the string around it.
  size_t outer = open_.size();
  for (size_t k = 0; k < open_.size(); ++k) {
    if (open_[k].type == LuxLexer::STR_INTERP && !open_[k].multiline) {
      outer = k;
      break;
    }
  }
  if (outer == open_.size()) return;
  SourceRange nl_range = rangeOf(nl);
  SourceRange str_open = strings_.empty() ? open_[outer].range : strings_.back().range;
  std::string quote = strings_.empty() ? closingQuote("\"") : strings_.back().quote;
  for (const OpenString& s : strings_) {
    if (s.range.begin < open_[outer].range.begin) {
      str_open = s.range;
      quote = s.quote;
    }
  }
  diags_.report(DiagId::UnterminatedString, SourceRange{str_open.begin, nl_range.begin}, quote, "line")
      .note(open_[outer].range, "this interpolation is not closed with `}` before the end of the line");
  suppressed_.push_back(SourceRange{str_open.begin, nl_range.end});
  uint32_t at = static_cast<uint32_t>(nl.getStartIndex());
  while (open_.size() > outer) {
    size_t type = open_.back().type;
    for (int m = 0; m < lexerModesOf(type); ++m) {
      if (!lexer_.modeStackEmpty()) lexer_.popMode();
    }
    auto closer = synthetic(closerFor(type), at, at);
    emitted(*closer);
    out_.push_back(std::move(closer));
    if (type == LuxLexer::STR_INTERP) {
      if (!strings_.empty()) strings_.pop_back();
      if (!string_lines_.empty()) string_lines_.pop_back();
      auto close = synthetic(LuxLexer::STR_CLOSE, at, at);
      emitted(*close);
      out_.push_back(std::move(close));
    }
    open_.pop_back();
  }
}

void TokenFilter::reportUnclosedAtEof(const antlr4::Token& eof) {
  if (open_.empty()) return;
  if (eof_swallowed_) {
    // The brackets were closed inside the unterminated comment or string: already reported.
    suppressed_.push_back(SourceRange{open_.back().range.begin, map_.end()});
    return;
  }
  const Open& inner = open_.back();
  SourceRange at = rangeOf(eof);
  auto b = diags_.report(DiagId::UnclosedDelimiter, at, closerText(inner.type), constructName(inner));
  b.note(inner.range, std::string("the ") + constructName(inner) + " opened here");
  // The `}` usually went missing further in: the first `}` that starts a line less indented than
  // the line of the `{` it closes points at the block that lacks one.
  const SourceFile& file = diags_.file();
  auto indent = [&](uint32_t offset) {
    std::string_view line = file.lineText(file.lineCol(offset).line);
    size_t n = 0;
    while (n < line.size() && (line[n] == ' ' || line[n] == '\t')) ++n;
    return n;
  };
  std::vector<size_t> stack;  // indices into emitted_ of open `{`
  for (size_t i = 0; i < emitted_.size(); ++i) {
    size_t type = emitted_[i].type;
    if (type == LuxLexer::LBRACE) {
      stack.push_back(i);
    } else if (type == LuxLexer::RBRACE && !stack.empty()) {
      size_t opener = stack.back();
      stack.pop_back();
      uint32_t at_close = emitted_[i].range.begin;
      bool starts_line = i == 0 || file.lineCol(emitted_[i - 1].range.begin).line != file.lineCol(at_close).line;
      if (starts_line && indent(at_close) < indent(emitted_[opener].range.begin)) {
        Open suspect{LuxLexer::LBRACE, emitted_[opener].range, opener};
        b.note(suspect.range, std::string("this ") + constructName(suspect) +
                                  " may be the one missing its `}`: the `}` closing it is less indented");
        break;
      }
    }
  }
  suppressed_.push_back(SourceRange{inner.range.begin, map_.end()});
}

std::unique_ptr<antlr4::Token> TokenFilter::takeRaw() {
  if (ready_.empty()) return pullRaw();
  auto t = std::move(ready_.front());
  ready_.pop_front();
  return t;
}

std::unique_ptr<antlr4::Token> TokenFilter::nextSignificant(std::vector<std::unique_ptr<antlr4::Token>>& hidden) {
  for (;;) {
    auto t = takeRaw();
    if (t->getType() == LuxLexer::NL) continue;
    if (t->getChannel() != antlr4::Token::DEFAULT_CHANNEL) {
      hidden.push_back(std::move(t));
      continue;
    }
    return t;
  }
}

// `async fn ...`, `async (a, b) => ...`, `async x => ...`: the family marks the functions that
// wait; every Lux function may wait (requests run on fibers), so the parser skips the word there
// (it goes on kSkippedWordChannel, which the formatter prints). A name `async` anywhere else stays
// a name. The tokens looked at go back to be read again.
bool TokenFilter::dropsAsync(const antlr4::Token& t) {
  if (t.getType() != LuxLexer::IDENT || t.getText() != "async") return false;
  std::vector<std::unique_ptr<antlr4::Token>> ahead;
  auto next = [&]() -> size_t {
    for (;;) {
      ahead.push_back(takeRaw());
      const antlr4::Token& n = *ahead.back();
      if (n.getChannel() == antlr4::Token::DEFAULT_CHANNEL && n.getType() != LuxLexer::NL) return n.getType();
      if (n.getType() == antlr4::Token::EOF) return antlr4::Token::EOF;
    }
  };
  bool drop = false;
  size_t first = next();
  if (first == LuxLexer::FN) {
    drop = true;
  } else if (first == LuxLexer::IDENT) {
    drop = next() == LuxLexer::FAT_ARROW;
  } else if (first == LuxLexer::LPAREN) {
    int depth = 1;
    for (int steps = 0; depth > 0 && steps < 256; ++steps) {
      size_t k = next();
      if (k == antlr4::Token::EOF) break;
      if (k == LuxLexer::LPAREN) ++depth;
      if (k == LuxLexer::RPAREN) --depth;
    }
    drop = depth == 0 && next() == LuxLexer::FAT_ARROW;
  }
  for (auto it = ahead.rbegin(); it != ahead.rend(); ++it) ready_.push_front(std::move(*it));
  return drop;
}

// JavaScript's `new Error("...")`, `new Date()`: the constructor is a call of the function of
// that name, so the parser skips `new` before a capitalised name on the same line (onto
// kSkippedWordChannel, as `async`). A name `new` anywhere else stays a name.
bool TokenFilter::dropsNew(const antlr4::Token& t) {
  if (t.getType() != LuxLexer::IDENT || t.getText() != "new") return false;
  std::unique_ptr<antlr4::Token> next = takeRaw();
  const std::string n = next->getText();
  bool drop = next->getType() == LuxLexer::IDENT && !n.empty() && n[0] >= 'A' && n[0] <= 'Z';
  ready_.push_front(std::move(next));
  return drop;
}

// JavaScript's `delete obj.key` / `delete obj[key]`: the word `delete` at the start of a statement
// and before a name is the grammar's DELETE_OP (deleteStmt). A name `delete` anywhere else stays
// a name (`Link.delete(id)`, `http.delete(url)`, a variable `delete`).
void TokenFilter::marksDelete(antlr4::Token& t) {
  if (t.getType() != LuxLexer::IDENT || t.getText() != "delete" || !atStatementStart()) return;
  std::unique_ptr<antlr4::Token> next = takeRaw();
  const bool mark = next->getType() == LuxLexer::IDENT;
  ready_.push_front(std::move(next));
  if (auto* w = dynamic_cast<antlr4::WritableToken*>(&t); w && mark) w->setType(LuxLexer::DELETE_OP);
}

// `Point { x, y }`: a record construction whose first field is a shorthand (JavaScript's `{ x, y }`).
// After a name, `{ x, ...` would read as a block, so the `{` is RECORD_LBRACE (recordLit) only
// where no block can follow: after a capitalised name that comes after `(`, `[`, `=`, `:`,
// `return`, `=>`, a `,` inside `( )` or `[ ]`, or where a statement starts; and only when a name
// and then `,` or `}` come first inside. Called after track() put the `{` on open_ and before emitted() records it.
void TokenFilter::marksRecordBrace(antlr4::Token& t) {
  const size_t n = emitted_.size();
  if (n < 2 || emitted_[n - 1].type != LuxLexer::IDENT) return;
  const std::string_view name = diags_.file().slice(emitted_[n - 1].range);
  if (name.empty() || name[0] < 'A' || name[0] > 'Z') return;
  const size_t before = emitted_[n - 2].type;
  const bool in_brackets = open_.size() >= 2 && (open_[open_.size() - 2].type == LuxLexer::LPAREN ||
                                                 open_[open_.size() - 2].type == LuxLexer::LBRACKET);
  switch (before) {
    case LuxLexer::LPAREN: case LuxLexer::LBRACKET: case LuxLexer::ASSIGN: case LuxLexer::COLON:
    case LuxLexer::RETURN: case LuxLexer::FAT_ARROW:
    // Where a statement starts (a function's last expression): a capitalised name then `{ x, ...`
    // is no other construct there (a server's `jobs { }`-style blocks have lower-case names).
    case LuxLexer::NL: case LuxLexer::SEMI: case LuxLexer::LBRACE:
      break;
    case LuxLexer::COMMA:
      if (!in_brackets) return;
      break;
    default:
      return;
  }
  Ahead ahead;
  size_t k = pullNext(ahead);
  while (k == LuxLexer::NL) k = pullNext(ahead);
  bool shorthand = false;
  if (isName(k)) {
    k = pullNext(ahead);
    while (k == LuxLexer::NL) k = pullNext(ahead);
    shorthand = k == LuxLexer::COMMA || k == LuxLexer::RBRACE;
  }
  putBack(ahead);
  if (auto* w = dynamic_cast<antlr4::WritableToken*>(&t); w && shorthand) w->setType(LuxLexer::RECORD_LBRACE);
}

// The family's (and Rust's) error propagation `parse(s)?`: a `?` that ends an operand (a line
// break, `)`, `]`, `}`, `,`, `;`, `.` or a binary operator follows; a conditional's `?` is
// followed by its value) is Lux's postfix `!`, which returns a None or an Err from the function.
bool TokenFilter::propagatesQuestion(const antlr4::Token& t) {
  if (t.getType() != LuxLexer::QUESTION) return false;
  std::vector<std::unique_ptr<antlr4::Token>> ahead;
  for (;;) {
    ahead.push_back(takeRaw());
    if (ahead.back()->getType() == antlr4::Token::EOF || ahead.back()->getChannel() == antlr4::Token::DEFAULT_CHANNEL) break;
  }
  const size_t k = ahead.back()->getType();
  for (auto it = ahead.rbegin(); it != ahead.rend(); ++it) ready_.push_front(std::move(*it));
  switch (k) {
    case LuxLexer::NL: case LuxLexer::RPAREN: case LuxLexer::RBRACKET: case LuxLexer::RBRACE:
    case LuxLexer::COMMA: case LuxLexer::SEMI: case LuxLexer::DOT: case antlr4::Token::EOF:
    // A binary operator (never the start of a conditional's value; `-` may be, and stays out).
    case LuxLexer::PLUS: case LuxLexer::STAR: case LuxLexer::SLASH: case LuxLexer::PERCENT: case LuxLexer::STARSTAR:
    case LuxLexer::EQEQ: case LuxLexer::NEQ: case LuxLexer::LE: case LuxLexer::GE: case LuxLexer::LT: case LuxLexer::GT:
    case LuxLexer::ANDAND: case LuxLexer::OROR: case LuxLexer::PIPE_OP: case LuxLexer::QQ: case LuxLexer::PLUSPLUS:
      return true;
    default: return false;
  }
}

// JavaScript's `count++` as a statement: `++` is Lux's concatenation, which would take the next
// line as its right side (`count + items.push(x)`), so a `++` that ends a statement is E1027
// (its help says `count += 1`) and is dropped. The tokens looked at go back to be read again.
bool TokenFilter::endsWithIncrement(const antlr4::Token& t) {
  std::vector<std::unique_ptr<antlr4::Token>> ahead;
  size_t k = antlr4::Token::EOF;
  for (;;) {
    ahead.push_back(takeRaw());
    k = ahead.back()->getType();
    if (k == antlr4::Token::EOF || ahead.back()->getChannel() == antlr4::Token::DEFAULT_CHANNEL) break;
  }
  for (auto it = ahead.rbegin(); it != ahead.rend(); ++it) ready_.push_front(std::move(*it));
  if (k != LuxLexer::NL && k != LuxLexer::SEMI && k != LuxLexer::RBRACE && k != antlr4::Token::EOF) return false;
  std::string target;
  if (!emitted_.empty() && emitted_.back().type == LuxLexer::IDENT) target = std::string(diags_.file().slice(emitted_.back().range));
  diags_.report(DiagId::PostfixIncrement, rangeOf(t), "++")
      .help(target.empty() ? "write `x += 1`" : fmt::format("write `{} += 1`", target));
  noteError(rangeOf(t));
  return true;
}

// JavaScript's `for (const x of xs) { ... }` (also `let`, `var`, no keyword, a list or object
// pattern) and `for x of xs`, after the `for`: the loop `for x in xs`. The parentheses and the
// keyword go on kSkippedWordChannel (the formatter keeps them) and `of` becomes IN. The tokens
// looked at go back to be read again, changed or not.
void TokenFilter::rewriteForOf(const antlr4::Token& for_token) {
  constexpr size_t kMaxTokens = 256;
  std::vector<std::unique_ptr<antlr4::Token>> ahead;
  auto put_back = [&] {
    for (auto it = ahead.rbegin(); it != ahead.rend(); ++it) ready_.push_front(std::move(*it));
  };
  ahead.push_back(takeRaw());
  const bool parens = ahead[0]->getType() == LuxLexer::LPAREN;
  int depth = parens ? 1 : 0;
  size_t of = 0, close = 0;
  std::vector<size_t> semis;  // `;` inside the parentheses: JavaScript's C-style loop
  while (ahead.size() < kMaxTokens) {
    if (!parens && ahead.size() > 1 && ahead.back()->getType() == LuxLexer::LBRACE && depth == 1) break;
    ahead.push_back(takeRaw());
    const antlr4::Token& n = *ahead.back();
    size_t k = n.getType();
    if (k == antlr4::Token::EOF || k == LuxLexer::NL) break;
    if (k == LuxLexer::IDENT && n.getText() == "of" && depth == (parens ? 1 : 0) && of == 0) of = ahead.size() - 1;
    if (k == LuxLexer::SEMI && parens && depth == 1) semis.push_back(ahead.size() - 1);
    if (isOpener(k)) ++depth;
    if (k == LuxLexer::RPAREN || k == LuxLexer::RBRACKET || k == LuxLexer::RBRACE) {
      if (--depth == 0 && parens) {
        close = ahead.size() - 1;
        break;
      }
    }
    if (!parens && k == LuxLexer::LBRACE && depth == 1) break;  // the loop's body
  }
  if (parens && close > 0 && semis.size() == 2) {
    reportCStyleFor(for_token, ahead, semis[0], semis[1], close);
    put_back();
    return;
  }
  if (of == 0 || (parens && close == 0)) {
    put_back();
    return;
  }
  auto skip = [](antlr4::Token& tok) {
    if (auto* w = dynamic_cast<antlr4::WritableToken*>(&tok)) w->setChannel(kSkippedWordChannel);
  };
  if (auto* w = dynamic_cast<antlr4::WritableToken*>(ahead[of].get())) w->setType(LuxLexer::IN);
  if (parens) {
    skip(*ahead[0]);
    skip(*ahead[close]);
    size_t k = ahead[1]->getType();
    if (k == LuxLexer::CONST || k == LuxLexer::LET || k == LuxLexer::VAR) skip(*ahead[1]);
  }
  put_back();
}

// JavaScript's `for (let i = 0; i < n; i++) { ... }`: E1031, whose help writes the range loop when
// the header has that shape. The header is then read as `for i in 0` (the other tokens of the
// parentheses go off the parser's channel), so that the body parses and no other error follows.
void TokenFilter::reportCStyleFor(const antlr4::Token& for_token, std::vector<std::unique_ptr<antlr4::Token>>& ahead,
                                  size_t semi1, size_t semi2, size_t close) {
  auto type = [&](size_t i) { return i < ahead.size() ? ahead[i]->getType() : antlr4::Token::EOF; };
  auto text = [&](size_t from, size_t to) {  // the source of tokens from..to, inclusive
    if (from > to) return std::string();
    return std::string(diags_.file().slice(SourceRange::cover(rangeOf(*ahead[from]), rangeOf(*ahead[to]))));
  };
  const size_t name = (type(1) == LuxLexer::LET || type(1) == LuxLexer::VAR || type(1) == LuxLexer::CONST) ? 2 : 1;
  const bool named = type(name) == LuxLexer::IDENT && type(name + 1) == LuxLexer::ASSIGN && name + 2 < semi1;
  std::string help = "write a range loop, `for i in 0..n { ... }` (`0..=n` includes `n`), or a `while` loop";
  auto isName = [&](size_t i) { return type(i) == LuxLexer::IDENT && ahead[i]->getText() == ahead[name]->getText(); };
  // The step counts up by one: `i++`, `++i` or `i += 1`.
  const size_t step = semi2 + 1;
  const bool by_one = (close == step + 2 && ((isName(step) && type(step + 1) == LuxLexer::PLUSPLUS) ||
                                             (type(step) == LuxLexer::PLUSPLUS && isName(step + 1)))) ||
                      (close == step + 3 && isName(step) && type(step + 1) == LuxLexer::PLUS_EQ &&
                       ahead[step + 2]->getText() == "1");
  if (named && by_one && isName(semi1 + 1) && (type(semi1 + 2) == LuxLexer::LT || type(semi1 + 2) == LuxLexer::LE) &&
      semi1 + 3 < semi2) {
    help = fmt::format("write `for {} in {}{}{} {{ ... }}`", ahead[name]->getText(), text(name + 2, semi1 - 1),
                       type(semi1 + 2) == LuxLexer::LE ? "..=" : "..", text(semi1 + 3, semi2 - 1));
  }
  SourceRange header = SourceRange::cover(rangeOf(for_token), rangeOf(*ahead[close]));
  diags_.report(DiagId::CStyleFor, header).help(help);
  noteError(header);
  for (size_t i = 0; i <= close; ++i) {
    const bool kept = named && (i == name || i == name + 1 || i == name + 2);  // `i`, `=` as `in`, the start
    if (kept && i == name + 1) {
      if (auto* w = dynamic_cast<antlr4::WritableToken*>(ahead[i].get())) w->setType(LuxLexer::IN);
    }
    if (!kept)
      if (auto* w = dynamic_cast<antlr4::WritableToken*>(ahead[i].get())) w->setChannel(kSkippedWordChannel);
  }
}

std::unique_ptr<antlr4::Token> TokenFilter::nextToken() {
  for (;;) {
    if (!out_.empty()) {
      auto t = std::move(out_.front());
      out_.pop_front();
      return t;
    }
    if (fatal_ || eof_done_) {
      auto eof = synthetic(antlr4::Token::EOF, static_cast<uint32_t>(lexer_.getInputStream()->size()),
                           static_cast<uint32_t>(lexer_.getInputStream()->size()));
      return eof;
    }
    auto t = takeRaw();
    if (t->getChannel() != antlr4::Token::DEFAULT_CHANNEL) return t;  // doc comments
    if (t->getType() == LuxLexer::NL) {
      bool in_interp = false;
      for (const Open& o : open_) in_interp = in_interp || (o.type == LuxLexer::STR_INTERP && !o.multiline);
      if (in_interp) closeInterpolationsAtNewline(*t);
      bool at_statement_level = open_.empty() || open_.back().type == LuxLexer::LBRACE;
      bool ends = at_statement_level && endsStatement();
      std::vector<std::unique_ptr<antlr4::Token>> hidden;
      auto next = nextSignificant(hidden);
      if (ends && !continuesLine(next->getType())) {
        emitted(*t);
        out_.push_back(std::move(t));
      }
      for (auto& h : hidden) out_.push_back(std::move(h));
      ready_.push_front(std::move(next));
      continue;
    }
    if (t->getType() == antlr4::Token::EOF) {
      reportUnclosedAtEof(*t);
      eof_done_ = true;
      emitted(*t);
      return t;
    }
    if (t->getType() == LuxLexer::STR_INTERP) {
      // `"a {} b"`: report here, where the parser would only see a missing expression.
      auto next = takeRaw();
      if (next->getType() == LuxLexer::RBRACE) {
        SourceRange r = rangeOf(*t);
        diags_.report(DiagId::EmptyInterpolation, SourceRange{r.begin, rangeOf(*next).end})
            .help("write `\\{` for a literal `{`");
        continue;
      }
      ready_.push_front(std::move(next));
      if (dropsQuantifier(*t)) continue;
    }
    if (t->getType() == LuxLexer::PLUSPLUS && endsWithIncrement(*t)) continue;
    if (propagatesQuestion(*t))
      if (auto* w = dynamic_cast<antlr4::WritableToken*>(t.get())) w->setType(LuxLexer::BANG);
    if (t->getType() == LuxLexer::SLASH) replacesRegexLiteral(*t);
    rewritesPythonConditional(*t);
    bracesIfBody(*t);
    marksDelete(*t);
    rewritesExcept(*t);
    if (t->getType() == LuxLexer::FOR) rewriteForOf(*t);
    if (dropsAsync(*t) || dropsNew(*t) || skipsSwitch(*t) || skipsLetWithoutValue(*t) || skipsImportOrClass(*t)) {
      if (auto* w = dynamic_cast<antlr4::WritableToken*>(t.get())) w->setChannel(kSkippedWordChannel);
      return t;
    }
    if (!track(*t)) {
      if (fatal_) continue;
      continue;  // dropped closer
    }
    if (t->getType() == LuxLexer::LBRACE) marksRecordBrace(*t);
    if (t->getType() == LuxLexer::FAT_ARROW && endsGuard()) {
      if (auto* w = dynamic_cast<antlr4::WritableToken*>(t.get())) w->setType(LuxLexer::GUARD_ARROW);
    }
    emitted(*t);
    return t;
  }
}

}  // namespace lux::parse
