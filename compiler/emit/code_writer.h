// CodeWriter: the text code generation produces, apart from what the text says. Lines at an
// indent, `#line` directives back to the .lux source, the program header beside the definitions,
// and the grouping of top-level definitions ("pieces") into translation units. It knows nothing
// of Lux: the Emitter (emitter.h) decides what to write. Also cppString, a C++ string literal.
#pragma once

#include <llvm/ADT/StringRef.h>

#include <string>
#include <utility>
#include <vector>

#include "diag/source.h"
#include "emit/emit.h"

namespace lux::emit {

// `s` as a C++ string literal.
std::string cppString(llvm::StringRef s);

class CodeWriter {
 public:
  CodeWriter(const SourceFile& file, const EmitOptions& opts) : file_(file), opts_(opts) {}

  // --- text
  void line(const std::string& text);  // one line at the current indent
  void lineDirective(SourceRange r);   // `#line N "file"` when the line changes (not in the header)
  void indent() { ++indent_; }
  void dedent() { --indent_; }
  std::string indentStr() const { return std::string(indent_ * 2, ' '); }
  // Runs f with the output going to a fresh buffer one level deeper and returns that text:
  // statements that must land somewhere else than where they are produced (inside an `if`, at
  // the top of a loop, in a lambda's body). append() writes such text where it belongs.
  template <class F>
  std::string capture(F&& f) {
    std::string saved = std::move(out_);
    out_.clear();
    ++indent_;
    f();
    --indent_;
    std::string text = std::move(out_);
    out_ = std::move(saved);
    return text;
  }
  void append(const std::string& text) { out_ += text; }
  // The next line repeats its `#line` (text was written elsewhere meanwhile).
  void forgetLine() { last_line_ = -1; }
  // A point in the text written so far, to take back what was written after it.
  struct Mark {
    size_t size = 0;
    int line = -1;
  };
  Mark mark() const { return {out_.size(), last_line_}; }
  bool wroteSince(const Mark& m) const { return out_.size() != m.size; }
  void rewind(const Mark& m) {
    out_.resize(m.size);
    last_line_ = m.line;
  }

  // --- the program header: declarations every unit includes
  void headerLine(const std::string& text);
  template <class F>
  void intoHeader(F&& f) {  // runs f with line() writing to the header (no #line there)
    std::swap(out_, header_);
    int indent = indent_;
    indent_ = 0;
    bool lines = in_header_;
    in_header_ = true;
    f();
    in_header_ = lines;
    indent_ = indent;
    std::swap(out_, header_);
  }

  // --- translation units. Definitions are written as pieces: each top-level definition (a
  // function, a route, a hook, ...) starts one with piece(); endSection groups a section's
  // pieces, EmitOptions::pieces_per_unit at a time, into units.
  void beginSection(int server, const std::string& ns);  // server -1: the shared code
  // alone: the piece gets a unit of its own; standalone (implies alone): that unit includes
  // nothing, not even the program header (EmittedUnit::standalone).
  void piece(bool alone = false, bool standalone = false);
  void endSection();

  std::string takeHeader() { return std::move(header_); }
  std::vector<EmittedUnit> takeUnits() { return std::move(units_); }

 private:
  struct Piece {
    std::string text;
    bool alone = false;
    bool standalone = false;
  };
  const SourceFile& file_;
  const EmitOptions& opts_;
  std::string out_;     // the text being written (of the open piece)
  std::string header_;
  bool in_header_ = false;
  int indent_ = 0;
  int last_line_ = -1;
  std::vector<Piece> pieces_;  // of the open section
  bool alone_ = false;         // of the piece being written
  bool standalone_ = false;    // of the piece being written
  int section_server_ = -1;
  std::string section_ns_;
  std::vector<EmittedUnit> units_;
};

}  // namespace lux::emit
