// CodeWriter (compiler/emit/code_writer.h): lines at an indent, `#line` directives, the header,
// captured text, and pieces grouped into translation units.
#include <catch2/catch.hpp>

#include "emit/code_writer.h"

using lux::EmitOptions;
using lux::EmittedUnit;
using lux::SourceFile;
using lux::SourceRange;
using lux::emit::CodeWriter;

namespace {

SourceFile threeLines() { return SourceFile::fromString("app.lux", "a\nb\nc\n"); }
SourceRange lineStart(uint32_t offset) { return SourceRange{offset, offset + 1}; }

}  // namespace

TEST_CASE("code writer: pieces_per_unit pieces share a unit, an alone piece gets its own", "[emit]") {
  SourceFile file = threeLines();
  EmitOptions opts;
  opts.pieces_per_unit = 2;
  opts.line_directives = false;
  CodeWriter w(file, opts);
  w.beginSection(0, "api");
  for (const char* text : {"f1", "f2", "f3"}) {
    w.piece();
    w.line(text);
  }
  w.piece(/*alone=*/true);
  w.line("Register");
  w.endSection();
  std::vector<EmittedUnit> units = w.takeUnits();
  REQUIRE(units.size() == 3);
  CHECK(units[0].name == "api");
  CHECK(units[0].server == 0);
  CHECK(units[0].body == "namespace lux_program::api {\n\nf1\n\nf2\n}  // namespace lux_program::api\n");
  CHECK(units[1].name == "api.2");
  CHECK(units[1].body == "namespace lux_program::api {\n\nf3\n}  // namespace lux_program::api\n");
  CHECK(units[2].name == "api.3");
  CHECK(units[2].body == "namespace lux_program::api {\n\nRegister\n}  // namespace lux_program::api\n");

  w.beginSection(-1, "");
  w.piece();
  w.line("g");
  w.endSection();
  units = w.takeUnits();
  REQUIRE(units.size() == 1);
  CHECK(units[0].name == "shared");
  CHECK(units[0].server == -1);
  CHECK(units[0].body == "namespace lux_program {\n\ng\n}  // namespace lux_program\n");
}

TEST_CASE("code writer: #line when the source line changes, again in a new piece, never in the header", "[emit]") {
  SourceFile file = threeLines();
  EmitOptions opts;
  opts.source_name = "dir/app.lux";
  opts.pieces_per_unit = 4;
  CodeWriter w(file, opts);
  w.beginSection(-1, "");
  w.piece();
  w.lineDirective(lineStart(0));
  w.line("x");
  w.lineDirective(lineStart(0));  // same line: nothing
  w.line("y");
  w.lineDirective(lineStart(2));
  w.line("z");
  w.piece();
  w.lineDirective(lineStart(2));  // a new piece may start a unit: repeated
  w.line("w");
  w.intoHeader([&] {
    w.lineDirective(lineStart(4));
    w.line("decl");
  });
  w.endSection();
  std::vector<EmittedUnit> units = w.takeUnits();
  REQUIRE(units.size() == 1);
  CHECK(units[0].body ==
        "namespace lux_program {\n\n#line 1 \"dir/app.lux\"\nx\ny\n#line 2 \"dir/app.lux\"\nz\n"
        "\n#line 2 \"dir/app.lux\"\nw\n}  // namespace lux_program\n");
  CHECK(w.takeHeader() == "decl\n");
}

TEST_CASE("code writer: capture writes one level deeper apart, rewind takes text back", "[emit]") {
  SourceFile file = threeLines();
  EmitOptions opts;
  opts.line_directives = false;
  CodeWriter w(file, opts);
  w.beginSection(-1, "");
  w.piece();
  w.indent();
  w.line("before");
  std::string inner = w.capture([&] { w.line("inside"); });
  CHECK(inner == "    inside\n");
  CodeWriter::Mark m = w.mark();
  CHECK_FALSE(w.wroteSince(m));
  w.line("dropped");
  CHECK(w.wroteSince(m));
  w.rewind(m);
  w.append(inner);
  w.dedent();
  w.line("after");
  w.endSection();
  std::vector<EmittedUnit> units = w.takeUnits();
  REQUIRE(units.size() == 1);
  CHECK(units[0].body == "namespace lux_program {\n\n  before\n    inside\nafter\n}  // namespace lux_program\n");
}

TEST_CASE("code writer: cppString escapes quotes, backslashes and control bytes", "[emit]") {
  CHECK(lux::emit::cppString("a\"b\\c\n") == "\"a\\\"b\\\\c\\n\"");
  CHECK(lux::emit::cppString(std::string("x\x01y", 3)) == "\"x\\x01\"\"y\"");
}
