// String literals: interpolation with nested expressions and strings, escapes, errors.
#include <catch2/catch.hpp>

#include "parse_fixture.h"

using namespace lux;
using namespace lux::test;

TEST_CASE("plain string is one StringLit with cooked text", "[strings]") {
  Parsed p(inFn(R"(x = "a\tb\n\"q\" \{braces\} \u{1F600}")"));
  REQUIRE(p.codes().empty());
  auto* s = llvm::dyn_cast_or_null<ast::StringLit>(p.firstExpr());
  REQUIRE(s);
  CHECK(s->value.str() == "a\tb\n\"q\" {braces} \xF0\x9F\x98\x80");
}

TEST_CASE("interpolation alternates text and expressions", "[strings]") {
  Parsed p(inFn(R"(x = "Hello {name}, you have {count + 1} messages")"));
  REQUIRE(p.codes().empty());
  auto* s = llvm::dyn_cast_or_null<ast::InterpolatedString>(p.firstExpr());
  REQUIRE(s);
  REQUIRE(s->parts.size() == 5);
  CHECK(llvm::cast<ast::StringLit>(s->parts[0])->value == "Hello ");
  CHECK(llvm::cast<ast::NameExpr>(s->parts[1])->name.name == "name");
  CHECK(llvm::isa<ast::BinaryExpr>(s->parts[3]));
  CHECK(llvm::cast<ast::StringLit>(s->parts[4])->value == " messages");
}

TEST_CASE("interpolation nests strings, objects and pipes", "[strings]") {
  Parsed p(inFn(R"(x = "[{alert.severity |> to_string()}] {f("inner {y}", { a: 1 }.a)}")"));
  REQUIRE(p.codes().empty());
  auto* s = llvm::dyn_cast_or_null<ast::InterpolatedString>(p.firstExpr());
  REQUIRE(s);
  REQUIRE(s->parts.size() == 4);
  CHECK(llvm::isa<ast::PipeExpr>(s->parts[1]));
  auto* call = llvm::dyn_cast<ast::CallExpr>(s->parts[3]);
  REQUIRE(call);
  CHECK(llvm::isa<ast::InterpolatedString>(call->args[0]));
  CHECK(llvm::isa<ast::MemberExpr>(call->args[1]));
}

TEST_CASE("string ranges are byte offsets even after multi-byte characters", "[strings]") {
  Parsed p(inFn("x = \"h\xC3\xA9llo {name}\""));
  REQUIRE(p.codes().empty());
  auto* s = llvm::dyn_cast_or_null<ast::InterpolatedString>(p.firstExpr());
  REQUIRE(s);
  auto* name = llvm::cast<ast::NameExpr>(s->parts[1]);
  CHECK(p.file.slice(name->range()) == "name");
}

TEST_CASE("bad escapes and unterminated strings are reported and parsing goes on", "[strings]") {
  CHECK(Parsed(inFn(R"(x = "bad \q escape")")).codes() == std::vector<std::string>{"E1005"});
  CHECK(Parsed(inFn(R"(x = "\u{D800}")")).codes() == std::vector<std::string>{"E1006"});
  CHECK(Parsed(inFn(R"(x = "\u{110000}")")).codes() == std::vector<std::string>{"E1006"});
  Parsed unterminated(inFn("x = \"no end\n    y = 2 +"));
  auto codes = unterminated.codes();
  REQUIRE(codes.size() == 2);
  CHECK(codes[0] == "E1004");
  CHECK(codes[1] == "E1012");  // the later error is still found
  Parsed interp(inFn("x = \"open {y\n    z = 1"));
  CHECK(interp.codes() == std::vector<std::string>{"E1004"});
  CHECK(Parsed(inFn(R"(x = "a {} b")")).codes() == std::vector<std::string>{"E1018"});
}

TEST_CASE("constant strings reject interpolation", "[strings]") {
  Parsed p("server {\n  route GET \"/x/{id}\" => h\n  fn h() { 1 }\n}\n");
  CHECK(p.codes() == std::vector<std::string>{"E1017"});
}
