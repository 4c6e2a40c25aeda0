// Hard limits and hostile input: nesting at and past the limits, long operator chains,
// invalid UTF-8, NUL bytes, empty and comment-only files, oversized input.
#include <catch2/catch.hpp>

#include "parse_fixture.h"

using namespace lux;
using namespace lux::test;

namespace {

std::string nestedParens(size_t depth) {
  return inFn("x = " + std::string(depth, '(') + "1" + std::string(depth, ')'));
}

}  // namespace

TEST_CASE("brackets nest up to the limit", "[limits]") {
  // The fn body's `{` and the server's `{` count too.
  Parsed ok(nestedParens(ParseLimits::kMaxBracketDepth - 2));
  CHECK(ok.codes().empty());
  CHECK(ok.result.program != nullptr);
  Parsed over(nestedParens(ParseLimits::kMaxBracketDepth - 1));
  CHECK(over.codes() == std::vector<std::string>{"E1008"});
  CHECK(over.result.program == nullptr);
}

TEST_CASE("10,000 nested parentheses give one diagnostic, not a crash", "[limits]") {
  Parsed p(nestedParens(10000));
  CHECK(p.codes() == std::vector<std::string>{"E1008"});
  Parsed unclosed(inFn("x = " + std::string(10000, '[')));
  CHECK(unclosed.codes() == std::vector<std::string>{"E1008"});
  Parsed braces(inFn("x = " + std::string(10000, '{')));
  CHECK(braces.codes() == std::vector<std::string>{"E1008"});
}

TEST_CASE("deep nesting without brackets hits the rule depth limit", "[limits]") {
  std::string minus(20000, '-');
  Parsed p(inFn("x = " + minus + "1"));
  CHECK(p.codes() == std::vector<std::string>{"E1008"});
  std::string chain = "x = 1";
  for (int i = 0; i < 5000; ++i) chain += " + 1";
  Parsed q(inFn(chain));
  CHECK(q.codes() == std::vector<std::string>{"E1008"});
  std::string lambdas = "x = ";
  for (int i = 0; i < 5000; ++i) lambdas += "fn(a) ";
  Parsed r(inFn(lambdas + "1"));
  CHECK(r.codes() == std::vector<std::string>{"E1008"});
}

TEST_CASE("moderate chains stay well inside the limits", "[limits]") {
  std::string chain = "x = 1";
  for (int i = 0; i < 500; ++i) chain += " + 1";
  CHECK(Parsed(inFn(chain)).codes().empty());
  std::string pipes = "x = items";
  for (int i = 0; i < 500; ++i) pipes += "\n      |> map(fn(v) v + 1)";
  CHECK(Parsed(inFn(pipes)).codes().empty());
}

TEST_CASE("invalid UTF-8 is reported with its position", "[bytes]") {
  Parsed p("server {\n  fn f() { x = \"a\xFF\" }\n}\n");
  REQUIRE(p.codes() == std::vector<std::string>{"E1001"});
  auto d = p.diags.sorted().front();
  CHECK(p.file.lineCol(d.range.begin).line == 2);
  CHECK(p.result.program == nullptr);
  CHECK(Parsed("x = \"\xC0\xAF\"").codes() == std::vector<std::string>{"E1001"});      // overlong
  CHECK(Parsed("x = \"\xED\xA0\x80\"").codes() == std::vector<std::string>{"E1001"});  // surrogate
  CHECK(Parsed("x = \"\xE2\x82\"").codes() == std::vector<std::string>{"E1001"});      // truncated
}

TEST_CASE("NUL bytes are reported", "[bytes]") {
  std::string text = "server {\n  port 3000\n}\n";
  text[10] = '\0';
  CHECK(Parsed(text).codes() == std::vector<std::string>{"E1002"});
}

TEST_CASE("a BOM is accepted and ranges stay byte offsets", "[bytes]") {
  Parsed p("\xEF\xBB\xBFserver {\n  port 3000\n}\n");
  REQUIRE(p.codes().empty());
  auto* server = llvm::cast<ast::ServerBlock>(p.result.program->items[0]);
  CHECK(p.file.slice(server->range()).substr(0, 6) == "server");
}

TEST_CASE("empty, blank and comment-only files get clear errors", "[bytes]") {
  CHECK(Parsed("").codes() == std::vector<std::string>{"E0002"});
  CHECK(Parsed(" \n\t\n").codes() == std::vector<std::string>{"E0002"});
  CHECK(Parsed("// nothing here\n/* at all */\n").codes() == std::vector<std::string>{"E1021"});
}

TEST_CASE("input above the size limit is refused before lexing", "[limits]") {
  std::string big(ParseLimits::kMaxSourceBytes + 1, ' ');
  CHECK(Parsed(big).codes() == std::vector<std::string>{"E0003"});
}
