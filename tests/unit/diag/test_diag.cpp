// Unit tests for compiler/diag: line/column mapping, rendering, sorting, limits, suggestions.
#include <catch2/catch.hpp>

#include <set>
#include <sstream>

#include "diag/diag.h"

using namespace lux;

TEST_CASE("line and column are 1-based and count code points", "[diag]") {
  SourceFile f = SourceFile::fromString("a.lux", "ab\n\xC3\xA9x\r\nlast");
  CHECK(f.lineCount() == 3);
  CHECK(f.lineCol(0).line == 1);
  CHECK(f.lineCol(1).column == 2);
  LineCol x = f.lineCol(5);  // 'x' after a two-byte é
  CHECK(x.line == 2);
  CHECK(x.column == 2);
  CHECK(f.lineText(2) == "\xC3\xA9x");  // \r stripped
  CHECK(f.lineText(3) == "last");
  CHECK(f.lineCol(1000).line == 3);  // clamped, never out of bounds
}

TEST_CASE("text rendering shows location, code, snippet and caret", "[diag]") {
  SourceFile f = SourceFile::fromString("app.lux", "server {\n  x = usr\n}\n");
  DiagEngine e(f);
  e.report(DiagId::FileNotReadable, {15, 18}, "usr", "why").note({0, 6}, "server here").didYouMean("user");
  std::ostringstream out;
  e.render(out, DiagFormat::Text);
  CHECK(out.str() ==
        "app.lux:2:7: error[E0001]: cannot read `usr`: why\n"
        " 2 |   x = usr\n"
        "   |       ^~~\n"
        "app.lux:1:1: note: server here\n"
        " 1 | server {\n"
        "   | ^~~~~~\n"
        "help: did you mean `user`?\n"
        "1 error generated\n");
  CHECK(e.hasErrors());
}

TEST_CASE("diagnostics are sorted by position whatever the report order", "[diag]") {
  SourceFile f = SourceFile::fromString("a.lux", "aaaa\nbbbb\n");
  DiagEngine e(f);
  e.report(DiagId::FileEmpty, {5, 6});
  e.report(DiagId::FileEmpty, {0, 1});
  auto s = e.sorted();
  REQUIRE(s.size() == 2);
  CHECK(s[0].range.begin == 0);
  CHECK(s[1].range.begin == 5);
}

TEST_CASE("error limit stops at kMaxErrors and says so once", "[diag]") {
  SourceFile f = SourceFile::fromString("a.lux", "x");
  DiagEngine e(f);
  // Distinct positions: identical reports are dropped before they count (next test).
  for (uint32_t i = 0; i < DiagEngine::kMaxErrors + 50; ++i) e.report(DiagId::FileEmpty, {i, i + 1});
  auto s = e.sorted();
  CHECK(e.errorCount() == DiagEngine::kMaxErrors);
  REQUIRE(s.size() == DiagEngine::kMaxErrors + 1);
  CHECK(s.back().id == DiagId::TooManyErrors);
}

TEST_CASE("an identical report (code, position, message) is kept once, with its notes", "[diag]") {
  SourceFile f = SourceFile::fromString("a.lux", "server {\n  x = usr\n}\n");
  DiagEngine e(f);
  e.report(DiagId::UndefinedName, {15, 18}, "usr").didYouMean("user");
  e.report(DiagId::UndefinedName, {15, 18}, "usr").help("dropped with its report");
  e.report(DiagId::UndefinedName, {15, 18}, "usr2");           // another message: kept
  e.report(DiagId::UndefinedType, {15, 18}, "usr");            // another code: kept
  e.report(DiagId::UndefinedName, {16, 18}, "usr");            // another position: kept
  auto s = e.sorted();
  REQUIRE(s.size() == 4);
  CHECK(e.errorCount() == 4);
  CHECK(s[0].id == DiagId::UndefinedName);
  CHECK(s[0].message == "cannot find `usr` in this scope");
  CHECK(s[0].help == std::vector<std::string>{"did you mean `user`?"});
}

TEST_CASE("JSON output carries code, severity and ranges", "[diag]") {
  SourceFile f = SourceFile::fromString("a.lux", "abc\n");
  DiagEngine e(f);
  e.report(DiagId::FileEmpty, {1, 3});
  std::ostringstream out;
  e.render(out, DiagFormat::Json);
  std::string s = out.str();
  CHECK(s.find("\"code\": \"E0002\"") != std::string::npos);
  CHECK(s.find("\"column\": 2") != std::string::npos);
  CHECK(s.find("\"end_column\": 4") != std::string::npos);
  CHECK(s.find("\"errors\": 1") != std::string::npos);
}

TEST_CASE("invalid UTF-8 and control bytes in a snippet are printed as U+FFFD", "[diag]") {
  SourceFile f = SourceFile::fromString("a.lux", std::string("a\xFF\0b", 4));
  DiagEngine e(f);
  e.report(DiagId::FileEmpty, {1, 2});
  std::ostringstream out;
  e.render(out, DiagFormat::Text);
  CHECK(out.str().find(" 1 | a\xEF\xBF\xBD\xEF\xBF\xBD" "b\n") != std::string::npos);
  CHECK(out.str().find("   |  ^\n") != std::string::npos);
}

TEST_CASE("codes are unique and well formed", "[diag]") {
  std::set<std::string_view> seen;
  for (const DiagInfo& info : allDiagInfos()) {
    INFO(info.code);
    CHECK(seen.insert(info.code).second);
    REQUIRE(info.code.size() == 5);
    CHECK((info.code[0] == 'E') == (info.severity == Severity::Error));
    CHECK(!info.format.empty());
    // lower-case start: a message may open with an argument (`{}`), code in backticks or an
    // acronym (`NUL byte`), never with a capitalised word ("Cannot ...")
    auto first = static_cast<unsigned char>(info.format[0]);
    bool acronym = info.format.size() > 1 && std::isupper(static_cast<unsigned char>(info.format[1]));
    CHECK((!std::isupper(first) || acronym));
    CHECK(info.format.back() != '.');
  }
  CHECK(findDiagByCode("E0001") == DiagId::FileNotReadable);
  CHECK(!findDiagByCode("E9999"));
}

TEST_CASE("closestMatch suggests likely typos only", "[diag]") {
  CHECK(closestMatch("usr", {"user", "other"}) == "user");
  CHECK(closestMatch("spawn_jbo", {"spawn_job", "publish"}) == "spawn_job");
  CHECK(closestMatch("x", {"completely_different"}).empty());
  CHECK(closestMatch("name", {"name"}).empty());  // an exact match is not a suggestion
}
