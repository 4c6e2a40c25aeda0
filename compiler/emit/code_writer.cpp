// CodeWriter (code_writer.h): lines, `#line` directives, the header, and pieces grouped into
// translation units; cppString.
#include "emit/code_writer.h"

#include <fmt/format.h>

#include <algorithm>

namespace lux::emit {

std::string cppString(llvm::StringRef s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '?': out += "?"; break;
      default:
        if (c < 0x20 || c == 0x7f) out += fmt::format("\\x{:02x}\"\"", c);
        else out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

void CodeWriter::line(const std::string& text) {
  if (text.empty()) {
    out_ += '\n';
    return;
  }
  out_ += indentStr();
  out_ += text;
  out_ += '\n';
}

void CodeWriter::lineDirective(SourceRange r) {
  if (!opts_.line_directives || in_header_) return;
  int l = static_cast<int>(file_.lineCol(r.begin).line);
  if (l == last_line_) return;
  last_line_ = l;
  out_ += fmt::format("#line {} {}\n", l, cppString(opts_.source_name));
}

void CodeWriter::headerLine(const std::string& text) {
  intoHeader([&] { line(text); });
}

void CodeWriter::beginSection(int server, const std::string& ns) {
  section_server_ = server;
  section_ns_ = ns;
  pieces_.clear();
  out_.clear();
  alone_ = standalone_ = false;
}

void CodeWriter::piece(bool alone, bool standalone) {
  if (!out_.empty()) pieces_.push_back({std::move(out_), alone_, standalone_});
  out_.clear();
  alone_ = alone || standalone;
  standalone_ = standalone;
  last_line_ = -1;  // the piece may start a translation unit: repeat its #line
}

void CodeWriter::endSection() {
  piece();
  // How many top-level definitions share a unit (EmitOptions::pieces_per_unit): one per unit
  // makes an edit recompile the least, but every unit costs a compiler start (~110 ms).
  // A piece marked `alone` (a server's Register: many lambdas, the OpenAPI constant) gets a
  // unit of its own, so that editing a route next to it does not recompile it.
  const size_t kPiecesPerUnit = static_cast<size_t>(std::max(1, opts_.pieces_per_unit));
  std::string base = section_server_ < 0 ? "shared" : section_ns_;
  std::string open = section_server_ < 0 ? "namespace lux_program {\n"
                                          : "namespace lux_program::" + section_ns_ + " {\n";
  std::string close = section_server_ < 0 ? "}  // namespace lux_program\n"
                                           : "}  // namespace lux_program::" + section_ns_ + "\n";
  std::vector<std::vector<const Piece*>> groups;
  for (const Piece& p : pieces_) {
    if (p.alone || groups.empty() || groups.back().size() >= kPiecesPerUnit || groups.back().front()->alone)
      groups.emplace_back();
    groups.back().push_back(&p);
  }
  for (size_t g = 0; g < groups.size(); ++g) {
    EmittedUnit u;
    u.name = g == 0 ? base : fmt::format("{}.{}", base, g + 1);
    u.server = section_server_;
    u.standalone = groups[g].front()->standalone;
    u.body = open;
    for (const Piece* p : groups[g]) u.body += "\n" + p->text;
    u.body += close;
    units_.push_back(std::move(u));
  }
  pieces_.clear();
  alone_ = standalone_ = false;
  last_line_ = -1;
}

}  // namespace lux::emit
