// The hand-written lexer (lexer.h): grammar/LuxLexer.g4.in's rules as ANTLR applies them — the
// longest match wins, the rule listed first on a tie (keywords before IDENT) — with its modes
// (code, and one per string form) and their stack, and ANTLR's recovery where no rule matches
// (only a lone `\r` inside a one-line string: it and the character after it are dropped).
#include "parse/lexer.h"

#include <array>
#include <cstring>

#include "LuxLexer.h"

namespace lux::parse {
namespace {

using grammar::LuxLexer;

struct KeywordEntry {
  std::string_view spelling;
  int32_t type;
};

// Every keyword of grammar/keywords.def, bucketed by first letter (they all start with a-z).
struct KeywordTable {
  std::array<std::vector<KeywordEntry>, 26> by_letter;
  KeywordTable() {
#define LUX_KEYWORD(token, spelling, cls, role) \
  by_letter[spelling[0] - 'a'].push_back({spelling, static_cast<int32_t>(LuxLexer::token)});
#include "grammar/keywords.def"
#undef LUX_KEYWORD
  }
};

const KeywordTable& keywords() {
  static const KeywordTable table;
  return table;
}

bool isIdentStart(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool isIdentPart(unsigned char c) { return isIdentStart(c) || (c >= '0' && c <= '9'); }
bool isDigit(unsigned char c) { return c >= '0' && c <= '9'; }
bool isHex(unsigned char c) { return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == '_'; }

// Length of the UTF-8 sequence a lead byte starts (the text is valid UTF-8).
size_t sequenceLength(unsigned char c) {
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0) return 2;
  if ((c & 0xF0) == 0xE0) return 3;
  return 4;
}

// A string mode's rules (grammar/LuxLexer.g4.in, STR to RAW_TSQ_STR).
struct StringForm {
  char quote;          // `"`, `'` or `` ` ``
  bool triple;         // ended by three quotes; one or two are text
  bool braces;         // `{` opens an interpolation
  bool dollar_braces;  // `${` opens an interpolation; `$` alone is text
  bool escapes;        // `\` starts an escape (else it is text)
  bool multiline;      // newlines are text (else a newline ends the string: STR_NEWLINE)
  // The bytes that end a run of text (STR_TEXT: ~["\\{\r\n]+ and its siblings).
  std::array<bool, 256> stops{};

  constexpr StringForm(char q, bool t, bool b, bool d, bool e, bool m)
      : quote(q), triple(t), braces(b), dollar_braces(d), escapes(e), multiline(m) {
    stops[static_cast<unsigned char>(q)] = true;
    stops['{'] = b;
    stops['$'] = d;
    stops['\\'] = e;
    stops['\r'] = !m;
    stops['\n'] = !m;
  }
};

// Indexed by Lexer's Mode minus one (kDefault has none).
constexpr std::array<StringForm, 11> kStringForms = {
    //        quote triple braces  ${     escapes multiline
    StringForm{'"', false, true, false, true, false},     // STR
    StringForm{'\'', false, false, false, true, false},   // SQ_STR
    StringForm{'\'', false, true, false, true, false},    // FSQ_STR
    StringForm{'`', false, false, true, true, true},      // BT_STR
    StringForm{'"', true, true, false, true, true},       // TQ_STR
    StringForm{'\'', true, false, false, true, true},     // TSQ_STR
    StringForm{'\'', true, true, false, true, true},      // FTSQ_STR
    StringForm{'"', false, false, false, false, false},   // RAW_STR
    StringForm{'\'', false, false, false, false, false},  // RAW_SQ_STR
    StringForm{'"', true, false, false, false, true},     // RAW_TQ_STR
    StringForm{'\'', true, false, false, false, true},    // RAW_TSQ_STR
};

}  // namespace

// --- SourceToken --------------------------------------------------------------------------------

std::string_view SourceToken::textView() const {
  if (const std::string* replaced = lexer_->replacedTextOf(this)) return *replaced;
  return lexer_->slice(start_, end_);
}

std::string SourceToken::getText() const {
  if (const std::string* replaced = lexer_->replacedTextOf(this)) return *replaced;
  // As CommonToken: the text of [start, stop] while inside the input, else "<EOF>".
  size_t n = lexer_->codePoints();
  if (start_ < n && getStopIndex() < n) return std::string(lexer_->slice(start_, end_));
  return "<EOF>";
}

antlr4::TokenSource* SourceToken::getTokenSource() const { return const_cast<Lexer*>(lexer_); }

antlr4::CharStream* SourceToken::getInputStream() const { return const_cast<Lexer*>(lexer_)->getInputStream(); }

void SourceToken::setText(const std::string& text) { const_cast<Lexer*>(lexer_)->setTextOf(this, text); }

std::string SourceToken::toString() const {
  std::string text = getText();
  std::string shown;
  for (char c : text) {
    if (c == '\n') shown += "\\n";
    else if (c == '\r') shown += "\\r";
    else if (c == '\t') shown += "\\t";
    else shown += c;
  }
  return "[@" + std::to_string(static_cast<int64_t>(getTokenIndex())) + "," + std::to_string(start_) + ":" +
         std::to_string(static_cast<int64_t>(getStopIndex())) + "='" + shown + "',<" + std::to_string(type_) + ">" +
         (channel_ > 0 ? ",channel=" + std::to_string(channel_) : "") + "," + std::to_string(line_) + ":" +
         std::to_string(column_) + "]";
}

// --- Lexer --------------------------------------------------------------------------------------

Lexer::Lexer(std::string_view text, const SourceMap& map, antlr4::CharStream& input)
    : text_(text), map_(map), input_(input), code_points_(input.size()) {
  pos_ = text.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;  // ANTLR's input stream skips a BOM
  hit_eof_ = pos_ >= text.size();
}

std::string_view Lexer::slice(uint32_t start, uint32_t end) const {
  if (end <= start) return {};
  uint32_t b = map_.byteOffset(start);
  uint32_t e = map_.byteOffset(end > code_points_ ? code_points_ : end);
  return text_.substr(b, e - b);
}

const std::string* Lexer::replacedTextOf(const SourceToken* token) const {
  for (auto it = replaced_.rbegin(); it != replaced_.rend(); ++it)
    if (it->first == token) return &it->second;
  return nullptr;
}

void Lexer::pushMode(Mode m) {
  mode_stack_.push_back(mode_);
  mode_ = m;
}

void Lexer::popMode() {
  if (mode_stack_.empty()) throw antlr4::EmptyStackException();
  mode_ = static_cast<Mode>(mode_stack_.back());
  mode_stack_.pop_back();
}

void Lexer::advance(size_t to) {
  for (; pos_ < to; ++pos_) {
    auto c = static_cast<unsigned char>(text_[pos_]);
    if ((c & 0xC0) == 0x80) continue;  // a continuation byte: the code point was counted
    ++cp_;
    if (c == '\n') {
      ++line_;
      column_ = 0;
    } else {
      ++column_;
    }
  }
}

std::unique_ptr<antlr4::Token> Lexer::make(int32_t type, uint32_t channel, uint32_t start, uint32_t line,
                                           uint32_t column) {
  void* memory = arena_.Allocate(sizeof(SourceToken), alignof(SourceToken));
  return std::unique_ptr<antlr4::Token>(::new (memory) SourceToken(this, type, channel, start, cp_, line, column));
}

std::unique_ptr<antlr4::Token> Lexer::nextToken() {
  for (;;) {
    if (hit_eof_) return make(static_cast<int32_t>(antlr4::Token::EOF), antlr4::Token::DEFAULT_CHANNEL, cp_, line_, column_);
    uint32_t start = cp_, line = line_, column = column_;
    int32_t type = 0;
    uint32_t channel = antlr4::Token::DEFAULT_CHANNEL;
    bool produced = mode_ == kDefault ? scanDefault(type, channel) : scanString(type);  // both string modes
    if (pos_ >= text_.size()) hit_eof_ = true;
    if (!produced) continue;
    return make(type, channel, start, line, column);
  }
}

int32_t Lexer::keywordOrIdent(std::string_view word) const {
  auto first = static_cast<unsigned char>(word[0]);
  if (first >= 'a' && first <= 'z') {
    for (const KeywordEntry& k : keywords().by_letter[first - 'a'])
      if (k.spelling == word) return k.type;
  }
  return LuxLexer::IDENT;
}

// The end of the longest FLOAT or INT starting at `at` (a digit).
size_t Lexer::numberEnd(size_t at) const {
  size_t n = text_.size();
  auto byte = [&](size_t i) { return i < n ? static_cast<unsigned char>(text_[i]) : 0; };
  if (byte(at) == '0' && byte(at + 1) == 'x' && isHex(byte(at + 2))) {  // '0x' [0-9a-fA-F_]+
    size_t i = at + 2;
    while (isHex(byte(i))) ++i;
    return i;
  }
  if (byte(at) == '0' && byte(at + 1) == 'b' && (byte(at + 2) == '0' || byte(at + 2) == '1' || byte(at + 2) == '_')) {
    size_t i = at + 2;
    while (byte(i) == '0' || byte(i) == '1' || byte(i) == '_') ++i;
    return i;
  }
  auto digits = [&](size_t i) {  // DIGITS: [0-9] [0-9_]*, from a digit
    ++i;
    while (isDigit(byte(i)) || byte(i) == '_') ++i;
    return i;
  };
  auto exponent = [&](size_t i) {  // EXPONENT: [eE] [+-]? [0-9]+; `i` itself when there is none
    if (byte(i) != 'e' && byte(i) != 'E') return i;
    size_t k = i + 1;
    if (byte(k) == '+' || byte(k) == '-') ++k;
    if (!isDigit(byte(k))) return i;
    while (isDigit(byte(k))) ++k;
    return k;
  };
  size_t end = digits(at);
  if (byte(end) == '.' && isDigit(byte(end + 1))) return exponent(digits(end + 1));
  return exponent(end);
}

// WS: [ \t\f\u00A0\uFEFF]+ -> skip. The end of the run at `at` (`at` itself when there is none).
size_t Lexer::whitespaceEnd(size_t at) const {
  size_t n = text_.size();
  auto byte = [&](size_t i) { return i < n ? static_cast<unsigned char>(text_[i]) : 0; };
  size_t end = at;
  for (;;) {
    unsigned char d = byte(end);
    if (d == ' ' || d == '\t' || d == '\f') {
      ++end;
    } else if (d == 0xC2 && byte(end + 1) == 0xA0) {
      end += 2;
    } else if (d == 0xEF && byte(end + 1) == 0xBB && byte(end + 2) == 0xBF) {
      end += 3;
    } else {
      return end;
    }
  }
}

bool Lexer::scanDefault(int32_t& type, uint32_t& channel) {
  size_t n = text_.size();
  auto byte = [&](size_t i) { return i < n ? static_cast<unsigned char>(text_[i]) : 0; };
  size_t at = pos_;
  unsigned char c = byte(at);
  auto one = [&](int32_t t, size_t length = 1) {
    type = t;
    advance(at + length);
    return true;
  };
  auto either = [&](unsigned char next, int32_t two, int32_t single) {
    return byte(at + 1) == next ? one(two, 2) : one(single);
  };
  if (c == '"' || c == '\'' || c == 'f' || c == 'r') {  // a string's opener, also `f"` and `r'`
    Mode mode = kDefault;
    if (size_t length = stringOpener(at, mode)) {
      one(LuxLexer::STR_OPEN, length);
      pushMode(mode);
      return true;
    }
  }
  if (isIdentStart(c)) {
    size_t end = at + 1;
    while (isIdentPart(byte(end))) ++end;
    return one(keywordOrIdent(text_.substr(at, end - at)), end - at);
  }
  if (isDigit(c)) {
    size_t end = numberEnd(at);
    bool is_float = false;
    for (size_t i = at; i < end && !is_float; ++i) {
      unsigned char d = byte(i);
      is_float = d == '.' || ((d == 'e' || d == 'E') && !(byte(at + 1) == 'x' && byte(at) == '0'));
    }
    return one(is_float ? LuxLexer::FLOAT : LuxLexer::INT, end - at);
  }
  switch (c) {
    case '\n': return one(LuxLexer::NL);
    case '\r':
      if (byte(at + 1) == '\n') return one(LuxLexer::NL, 2);
      return one(LuxLexer::ERROR_CHAR);
    case ' ': case '\t': case '\f': case 0xC2: case 0xEF: {
      size_t end = whitespaceEnd(at);
      if (end == at) break;  // another character starting with 0xC2 or 0xEF
      advance(end);
      return false;
    }
    case '/': {
      unsigned char d = byte(at + 1);
      if (d == '/') {
        size_t end = at + 2;
        while (end < n && text_[end] != '\r' && text_[end] != '\n') ++end;
        bool doc = byte(at + 2) == '/';
        channel = doc ? static_cast<uint32_t>(LuxLexer::DOC) : static_cast<uint32_t>(antlr4::Token::HIDDEN_CHANNEL);
        return one(doc ? LuxLexer::DOC_COMMENT : LuxLexer::LINE_COMMENT, end - at);
      }
      if (d == '*') {
        size_t close = text_.find("*/", at + 2);
        if (close == std::string_view::npos) return one(LuxLexer::UNTERMINATED_BLOCK_COMMENT, n - at);
        channel = antlr4::Token::HIDDEN_CHANNEL;
        return one(LuxLexer::BLOCK_COMMENT, close + 2 - at);
      }
      return either('=', LuxLexer::SLASH_EQ, LuxLexer::SLASH);
    }
    case '`':
      one(LuxLexer::STR_OPEN);
      pushMode(kTemplate);
      return true;
    case '{':
      one(LuxLexer::LBRACE);
      pushMode(kDefault);
      return true;
    case '}':
      one(LuxLexer::RBRACE);
      if (!mode_stack_.empty()) popMode();
      return true;
    case '(': return one(LuxLexer::LPAREN);
    case ')': return one(LuxLexer::RPAREN);
    case '[': return one(LuxLexer::LBRACKET);
    case ']': return one(LuxLexer::RBRACKET);
    case '-':
      if (byte(at + 1) == '>') return one(LuxLexer::ARROW, 2);
      return either('=', LuxLexer::MINUS_EQ, LuxLexer::MINUS);
    case '=':
      if (byte(at + 1) == '>') return one(LuxLexer::FAT_ARROW, 2);
      if (byte(at + 1) == '=') return one(LuxLexer::EQEQ, byte(at + 2) == '=' ? 3 : 2);  // EQEQ: '==' '='?
      return one(LuxLexer::ASSIGN);
    case '|':
      if (byte(at + 1) == '>') return one(LuxLexer::PIPE_OP, 2);
      if (byte(at + 1) == '|') return byte(at + 2) == '=' ? one(LuxLexer::OROR_EQ, 3) : one(LuxLexer::OROR, 2);
      return one(LuxLexer::BAR);
    case '&':
      if (byte(at + 1) == '&') return byte(at + 2) == '=' ? one(LuxLexer::ANDAND_EQ, 3) : one(LuxLexer::ANDAND, 2);
      return one(LuxLexer::ERROR_CHAR);
    case '!':
      if (byte(at + 1) == '=') return one(LuxLexer::NEQ, byte(at + 2) == '=' ? 3 : 2);  // NEQ: '!=' '='?
      return one(LuxLexer::BANG);
    case '<': return either('=', LuxLexer::LE, LuxLexer::LT);
    case '>': return either('=', LuxLexer::GE, LuxLexer::GT);
    case '+': return byte(at + 1) == '+' ? one(LuxLexer::PLUSPLUS, 2) : either('=', LuxLexer::PLUS_EQ, LuxLexer::PLUS);
    case '*': return byte(at + 1) == '*' ? one(LuxLexer::STARSTAR, 2) : either('=', LuxLexer::STAR_EQ, LuxLexer::STAR);
    case '%': return either('=', LuxLexer::PERCENT_EQ, LuxLexer::PERCENT);
    case '.':
      if (byte(at + 1) == '.') {
        if (byte(at + 2) == '.') return one(LuxLexer::ELLIPSIS, 3);
        if (byte(at + 2) == '=') return one(LuxLexer::DOTDOTEQ, 3);
        return one(LuxLexer::DOTDOT, 2);
      }
      return one(LuxLexer::DOT);
    case ',': return one(LuxLexer::COMMA);
    case ':': return one(LuxLexer::COLON);
    case ';': return one(LuxLexer::SEMI);
    case '?':
      if (byte(at + 1) == '.') return one(LuxLexer::QDOT, 2);
      if (byte(at + 1) == '?') return byte(at + 2) == '=' ? one(LuxLexer::QQ_EQ, 3) : one(LuxLexer::QQ, 2);
      return one(LuxLexer::QUESTION);
    default: break;
  }
  return one(LuxLexer::ERROR_CHAR, sequenceLength(c));  // ERROR_CHAR : . (one code point)
}

// STR_OPEN and its siblings (F_OPEN ... RAW_TSQ_OPEN): an optional `f` or `r`, then one quote or
// three (`"""`, `'''`; not for `` ` ``, which takes no prefix).
size_t Lexer::stringOpener(size_t at, Mode& mode) const {
  size_t n = text_.size();
  auto byte = [&](size_t i) { return i < n ? static_cast<unsigned char>(text_[i]) : 0; };
  unsigned char prefix = byte(at);
  size_t i = prefix == 'f' || prefix == 'r' ? at + 1 : at;
  unsigned char q = byte(i);
  if (q != '"' && q != '\'') return 0;
  const bool triple = byte(i + 1) == q && byte(i + 2) == q;
  const bool dq = q == '"';
  if (prefix == 'r') {
    mode = triple ? (dq ? kRawTriple : kRawTripleSingle) : (dq ? kRaw : kRawSingle);
  } else if (prefix == 'f') {
    mode = triple ? (dq ? kTriple : kFormatTripleSingle) : (dq ? kString : kFormatSingle);
  } else {
    mode = triple ? (dq ? kTriple : kTripleSingle) : (dq ? kString : kSingleQuoted);
  }
  return i - at + (triple ? 3 : 1);
}

// The end of the STR_ESCAPE at `at` (a `\`): '\\' ( 'u{' ~[}"\r\n]* '}'? | ~[\r\n] )?, and in
// the multi-line forms also '\\' '\r'? '\n'.
size_t Lexer::escapeEnd(size_t at, bool multiline) const {
  size_t n = text_.size();
  auto byte = [&](size_t i) { return i < n ? static_cast<unsigned char>(text_[i]) : 0; };
  size_t end = at + 1;
  if (byte(end) == 'u' && byte(end + 1) == '{') {
    end += 2;
    while (end < n && text_[end] != '}' && text_[end] != '"' && text_[end] != '\r' && text_[end] != '\n') ++end;
    if (byte(end) == '}') ++end;
  } else if (end < n && text_[end] != '\r' && text_[end] != '\n') {
    end += sequenceLength(byte(end));
  } else if (multiline && byte(end) == '\n') {
    ++end;
  } else if (multiline && byte(end) == '\r' && byte(end + 1) == '\n') {
    end += 2;
  }
  return end;
}

bool Lexer::scanString(int32_t& type) {
  const StringForm& form = kStringForms[mode_ - 1];
  size_t n = text_.size();
  auto byte = [&](size_t i) { return i < n ? static_cast<unsigned char>(text_[i]) : 0; };
  size_t at = pos_;
  auto token = [&](int32_t t, size_t end) {
    type = t;
    advance(end);
    return true;
  };
  unsigned char c = byte(at);
  if (c == static_cast<unsigned char>(form.quote)) {  // STR_CLOSE (SQ_CLOSE, ...)
    size_t length = 1;
    if (form.triple) {  // TQ_QUOTE: one or two quotes are text; TQ_CLOSE: three
      while (length < 3 && byte(at + length) == c) ++length;
      if (length < 3) return token(LuxLexer::STR_TEXT, at + length);
    }
    token(LuxLexer::STR_CLOSE, at + length);
    popMode();
    return true;
  }
  if ((c == '{' && form.braces) || (c == '$' && form.dollar_braces && byte(at + 1) == '{')) {  // STR_INTERP
    token(LuxLexer::STR_INTERP, at + (c == '$' ? 2 : 1));
    pushMode(kDefault);
    return true;
  }
  if (c == '$' && form.dollar_braces) return token(LuxLexer::STR_TEXT, at + 1);  // BT_DOLLAR
  if (c == '\\' && form.escapes) return token(LuxLexer::STR_ESCAPE, escapeEnd(at, form.multiline));
  if (!form.multiline && (c == '\n' || (c == '\r' && byte(at + 1) == '\n'))) {  // STR_NEWLINE
    token(LuxLexer::STR_NEWLINE, at + (c == '\r' ? 2 : 1));
    popMode();
    return true;
  }
  if (!form.multiline && c == '\r') {
    // No rule matches a lone `\r` here: ANTLR's lexer consumed it looking for `\n`, then its
    // recovery skips one more character. Both are dropped.
    advance(at + 1);
    if (pos_ < n) advance(pos_ + sequenceLength(byte(pos_)));
    return false;
  }
  // STR_TEXT: ~["\\{\r\n]+ (SQ_TEXT: ~['\\\r\n]+, TQ_TEXT: ~["\\{]+, RAW_TEXT: ~["\r\n]+, ...)
  size_t end = at + 1;
  while (end < n && !form.stops[static_cast<unsigned char>(text_[end])]) ++end;
  return token(LuxLexer::STR_TEXT, end);
}

}  // namespace lux::parse
