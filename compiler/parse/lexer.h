// luxc's lexer: the tokens grammar/LuxLexer.g4.in defines, scanned by hand over the UTF-8 bytes
// instead of by ANTLR's lexer ATN simulation (which costs a DFA lookup, a lock and a few virtual
// calls per character and a heap-allocated CommonToken per token: a quarter of `luxc check`).
// The grammar stays the definition: the generated LuxLexer gives the token types, and a test
// checks that this lexer produces exactly the generated lexer's tokens (type, channel,
// positions, line, column, text) on every Lux file of the repository, the generated bench
// program and hostile inputs (ctest `unit/parse/the hand-written lexer gives the generated
// lexer's tokens ...`, tests/unit/parse/test_lexer.cpp). A change to
// LuxLexer.g4.in needs the same change here; that test fails until it is made. Keywords come
// from grammar/keywords.def, as the generated lexer's do.
// Entry points: Lexer (a ModalLexer for TokenFilter), SourceToken.
#pragma once

#include <antlr4-runtime.h>
#include <llvm/Support/Allocator.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "parse/source_map.h"

namespace lux::parse {

// What TokenFilter needs of a lexer: its tokens, and the lexer's mode stack, which the filter
// keeps in step with the brackets it drops or closes (token_filter.cpp).
class ModalLexer : public antlr4::TokenSource {
 public:
  virtual bool modeStackEmpty() const = 0;
  virtual void popMode() = 0;
};

class Lexer;

// A token of the source: positions only, its text sliced from the source on request. Allocated
// from the lexer's arena (Lexer::make), so the unique_ptr<Token>s that ANTLR's streams hold free
// nothing (operator delete is a no-op); the arena goes with the Lexer, which outlives the streams
// and the parse tree in parseProgram.
class SourceToken final : public antlr4::WritableToken {
 public:
  SourceToken(const Lexer* lexer, int32_t type, uint32_t channel, uint32_t start, uint32_t end, uint32_t line,
              uint32_t column)
      : lexer_(lexer), start_(start), end_(end), line_(line), column_(column), type_(type), channel_(channel) {}

  static void operator delete(void*) noexcept {}

  std::string getText() const override;
  // The text without a copy (empty for EOF).
  std::string_view textView() const;
  size_t getType() const override { return static_cast<size_t>(static_cast<int64_t>(type_)); }
  size_t getLine() const override { return line_; }
  size_t getCharPositionInLine() const override { return column_; }
  size_t getChannel() const override { return channel_; }
  size_t getTokenIndex() const override { return index_ == UINT32_MAX ? INVALID_INDEX : index_; }
  size_t getStartIndex() const override { return start_; }
  // `end - 1` as ANTLR computes it: SIZE_MAX for an EOF token at index 0.
  size_t getStopIndex() const override { return static_cast<size_t>(end_) - 1; }
  antlr4::TokenSource* getTokenSource() const override;
  antlr4::CharStream* getInputStream() const override;
  std::string toString() const override;

  void setText(const std::string& text) override;
  void setType(size_t type) override { type_ = static_cast<int32_t>(type); }
  void setLine(size_t line) override { line_ = static_cast<uint32_t>(line); }
  void setCharPositionInLine(size_t pos) override { column_ = static_cast<uint32_t>(pos); }
  void setChannel(size_t channel) override { channel_ = static_cast<uint32_t>(channel); }
  void setTokenIndex(size_t index) override { index_ = static_cast<uint32_t>(index); }

 private:
  const Lexer* lexer_;
  uint32_t start_;  // code point indices, as ANTLR counts them: [start_, end_)
  uint32_t end_;
  uint32_t line_;
  uint32_t column_;
  uint32_t index_ = UINT32_MAX;
  int32_t type_;  // Token::EOF is -1
  uint32_t channel_;
};

class Lexer final : public ModalLexer {
 public:
  // `text` is the whole file (valid UTF-8, checked before); `input` is the char stream over it
  // that tokens report as theirs (synthetic tokens and ANTLR's error recovery read it).
  Lexer(std::string_view text, const SourceMap& map, antlr4::CharStream& input);

  std::unique_ptr<antlr4::Token> nextToken() override;
  size_t getLine() const override { return line_; }
  size_t getCharPositionInLine() override { return column_; }
  antlr4::CharStream* getInputStream() override { return &input_; }
  std::string getSourceName() override { return input_.getSourceName(); }
  antlr4::TokenFactory<antlr4::CommonToken>* getTokenFactory() override {
    return antlr4::CommonTokenFactory::DEFAULT.get();
  }
  bool modeStackEmpty() const override { return mode_stack_.empty(); }
  void popMode() override;

  // The bytes of code points [start, end) (text of a token), and a token's replaced text.
  std::string_view slice(uint32_t start, uint32_t end) const;
  size_t codePoints() const { return code_points_; }
  void setTextOf(const SourceToken* token, std::string text) { replaced_.emplace_back(token, std::move(text)); }
  const std::string* replacedTextOf(const SourceToken* token) const;

 private:
  // LuxLexer's DEFAULT_MODE and its string modes (lexer.cpp's kStringForms describes each).
  enum Mode : size_t {
    kDefault = 0,
    kString,             // STR: "..." and f"..."
    kSingleQuoted,       // SQ_STR: '...'
    kFormatSingle,       // FSQ_STR: f'...'
    kTemplate,           // BT_STR: `...`
    kTriple,             // TQ_STR: """...""" and f"""..."""
    kTripleSingle,       // TSQ_STR: '''...'''
    kFormatTripleSingle, // FTSQ_STR: f'''...'''
    kRaw,                // RAW_STR: r"..."
    kRawSingle,          // RAW_SQ_STR: r'...'
    kRawTriple,          // RAW_TQ_STR: r"""..."""
    kRawTripleSingle,    // RAW_TSQ_STR: r'''...'''
  };

  // One token of each mode from pos_: its type and channel, or false when nothing is produced
  // (skipped whitespace, or characters ANTLR's lexer drops after a failed match).
  bool scanDefault(int32_t& type, uint32_t& channel);
  bool scanString(int32_t& type);
  // The length in bytes of the string opener (a quote or three, after an `f` or `r`) at `at`,
  // and the mode it enters; 0 when none starts there.
  size_t stringOpener(size_t at, Mode& mode) const;
  size_t escapeEnd(size_t at, bool multiline) const;
  size_t numberEnd(size_t at) const;
  size_t whitespaceEnd(size_t at) const;
  int32_t keywordOrIdent(std::string_view word) const;
  // Moves pos_ to `to`, counting code points, lines and columns as ANTLR's lexer does.
  void advance(size_t to);
  void pushMode(Mode m);
  std::unique_ptr<antlr4::Token> make(int32_t type, uint32_t channel, uint32_t start, uint32_t line, uint32_t column);

  std::string_view text_;
  const SourceMap& map_;
  antlr4::CharStream& input_;
  size_t pos_;  // byte offset in text_
  uint32_t cp_ = 0;  // code point index of pos_
  uint32_t line_ = 1;
  uint32_t column_ = 0;
  size_t code_points_;
  Mode mode_ = kDefault;
  std::vector<size_t> mode_stack_;
  bool hit_eof_ = false;
  llvm::BumpPtrAllocatorImpl<llvm::MallocAllocator, 64 * 1024> arena_;
  std::vector<std::pair<const SourceToken*, std::string>> replaced_;  // setText, never in practice
};

}  // namespace lux::parse
