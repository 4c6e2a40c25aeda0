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
  Parsed p("server {\n  route GET \"/x/{id + 1}\" => h\n  fn h() { 1 }\n}\n");
  CHECK(p.codes() == std::vector<std::string>{"E1017"});
}

// --- the family's other forms: triple-quoted, multi-line template literals, raw, f-strings ------

namespace {

// The value of a constant string literal in a function body ("" and a failed CHECK otherwise).
std::string constantOf(const Parsed& p) {
  auto* s = llvm::dyn_cast_or_null<ast::StringLit>(p.firstExpr());
  CHECK(s);
  return s ? s->value.str() : std::string();
}

// The parts of an interpolated literal, text as is and expressions as `{name}`.
std::string partsOf(const Parsed& p) {
  auto* s = llvm::dyn_cast_or_null<ast::InterpolatedString>(p.firstExpr());
  CHECK(s);
  std::string out;
  if (!s) return out;
  for (const ast::Expr* e : s->parts) {
    if (auto* t = llvm::dyn_cast<ast::StringLit>(e)) {
      out += t->value.str();
    } else if (auto* n = llvm::dyn_cast<ast::NameExpr>(e)) {
      out += "{" + n->name.name.str() + "}";
    } else {
      out += "{...}";
    }
  }
  return out;
}

}  // namespace

TEST_CASE("a triple-quoted string drops its blank first and last lines and the closing line's indentation", "[strings]") {
  Parsed p(inFn("x = \"\"\"\n      Hello, {name}!\n      Welcome.\n      \"\"\""));
  REQUIRE(p.codes().empty());
  CHECK(partsOf(p) == "Hello, {name}!\nWelcome.");
  // Lines indented further keep the rest; a line indented less loses what it has; blank lines.
  Parsed q(inFn("x = \"\"\"\n      a\n        b\n\n   c\n    \t\n      \"\"\""));
  REQUIRE(q.codes().empty());
  CHECK(constantOf(q) == "a\n  b\n\nc\n\t");
  // The closing delimiter at column 0: nothing to remove.
  CHECK(constantOf(Parsed(inFn("x = \"\"\"\n  a\n\"\"\""))) == "  a");
  // The closing delimiter after text: no line dropped, no indentation removed.
  CHECK(constantOf(Parsed(inFn("x = \"\"\"\n      a\n      b\"\"\""))) == "      a\n      b");
  // Text right after the opening delimiter: that line is kept, not dedented.
  CHECK(constantOf(Parsed(inFn("x = \"\"\"  a\n      b\n      \"\"\""))) == "  a\nb");
  CHECK(constantOf(Parsed(inFn("x = \"\"\"one line\"\"\""))) == "one line");
  CHECK(constantOf(Parsed(inFn("x = \"\"\"\"\"\""))).empty());
  CHECK(constantOf(Parsed(inFn("x = \"\"\"\n    \"\"\""))).empty());
  CHECK(constantOf(Parsed(inFn("x = \"\"\"\n\n    \"\"\""))).empty());
  CHECK(constantOf(Parsed(inFn("x = \"\"\"\n\n\n    \"\"\""))) == "\n");
}

TEST_CASE("a triple-quoted string's quotes, escapes and braces", "[strings]") {
  CHECK(constantOf(Parsed(inFn(R"(x = """say "hi" and ""twice"" """)"))) == "say \"hi\" and \"\"twice\"\" ");
  CHECK(constantOf(Parsed(inFn(R"(x = """a \"""")"))) == "a \"");
  // Escapes are cooked after the dedent: an escaped newline starts no line.
  CHECK(constantOf(Parsed(inFn("x = \"\"\"\n      a\\n  b\\t\\{c\\}\n      \"\"\""))) == "a\n  b\t{c}");
  // A `\` at the end of a line joins the lines; the next one is still dedented.
  CHECK(constantOf(Parsed(inFn("x = \"\"\"\n      one \\\n      two\n      \"\"\""))) == "one two");
  // '''...''': no interpolation; `"` is text.
  CHECK(constantOf(Parsed(inFn("x = '''\n      {\"a\": 1}\n      '''"))) == "{\"a\": 1}");
  // CRLF line ends are `\n`.
  CHECK(constantOf(Parsed(inFn("x = \"\"\"\r\n      a\r\n      b\r\n      \"\"\""))) == "a\nb");
}

TEST_CASE("a triple-quoted string's interpolations nest braces and strings and may span lines", "[strings]") {
  Parsed p(inFn("x = \"\"\"\n      <ul>{items.map(fn(i) { \"<li>{i}</li>\" }).join(\"\")}</ul>\n"
                "      <p>{f(\n        a,\n        b)} end</p>\n      \"\"\""));
  REQUIRE(p.codes().empty());
  CHECK(partsOf(p) == "<ul>{...}</ul>\n<p>{...} end</p>");
  // A later statement is still one: the string's newlines are no statement ends.
  Parsed q(inFn("x = \"\"\"\n      a\n      \"\"\"\n    y = 1 +"));
  CHECK(q.codes() == std::vector<std::string>{"E1012"});
}

TEST_CASE("a template literal spans lines and keeps them as written", "[strings]") {
  Parsed p(inFn("x = `\n      <h1>${title}</h1>\n    `"));
  REQUIRE(p.codes().empty());
  CHECK(partsOf(p) == "\n      <h1>{title}</h1>\n    ");
  CHECK(constantOf(Parsed(inFn("x = `a\\\n  b $ {c}`"))) == "a  b $ {c}");
  CHECK(constantOf(Parsed(inFn("x = `a\r\nb`"))) == "a\nb");
}

TEST_CASE("raw strings keep backslashes and braces", "[strings]") {
  CHECK(constantOf(Parsed(inFn(R"(x = r"C:\Users\x {y} \")"))) == "C:\\Users\\x {y} \\");
  CHECK(constantOf(Parsed(inFn(R"(x = r'\d+ "q"')"))) == "\\d+ \"q\"");
  CHECK(constantOf(Parsed(inFn("x = r\"\"\"\n      \\n {a}\n      \"\"\""))) == "\\n {a}");
  CHECK(constantOf(Parsed(inFn("x = r'''\n      \\d\n      '''"))) == "\\d");
  CHECK(Parsed(inFn("x = r\"no end\n    y = 1")).codes() == std::vector<std::string>{"E1004"});
}

TEST_CASE("f-strings interpolate, and f and r alone are names", "[strings]") {
  CHECK(partsOf(Parsed(inFn(R"(x = f"Hi {name}!")"))) == "Hi {name}!");
  CHECK(partsOf(Parsed(inFn(R"(x = f'Hi {name}!')"))) == "Hi {name}!");
  CHECK(partsOf(Parsed(inFn("x = f\"\"\"\n      Hi {name}\n      \"\"\""))) == "Hi {name}");
  CHECK(partsOf(Parsed(inFn("x = f'''\n      Hi {name}\n      '''"))) == "Hi {name}");
  Parsed names(inFn("r = 5\n    f = r + 1\n    g(r)\n    h(f, r)\n    r\n    f"));
  CHECK(names.codes().empty());
  auto* bin = llvm::dyn_cast_or_null<ast::BinaryExpr>(Parsed(inFn("r + f")).firstExpr());
  CHECK(bin);
}

TEST_CASE("an unterminated multi-line string is one E1004 at its opening delimiter", "[strings]") {
  Parsed p(inFn("x = \"\"\"\n      never closed\n    y = 1"));
  REQUIRE(p.codes() == std::vector<std::string>{"E1004"});
  const Diagnostic d = p.diags.sorted()[0];
  CHECK(p.file.slice(d.range) == "\"\"\"");
  CHECK(d.message.find("end of the file") != std::string::npos);
  // A `{` without its `}`: the closing delimiter opens a new string; one report, at the first.
  Parsed q(inFn("x = \"\"\"\n      Hello {name\n      \"\"\"\n    y = 1"));
  REQUIRE(q.codes() == std::vector<std::string>{"E1004"});
  const Diagnostic e = q.diags.sorted()[0];
  CHECK(q.file.lineCol(e.range.begin).line == 3);
  REQUIRE(e.notes.size() == 1);
  CHECK(q.file.slice(*e.notes[0].range) == "{");
  CHECK(Parsed(inFn("x = `never closed\n    y = 1")).codes() == std::vector<std::string>{"E1004"});
  CHECK(Parsed(inFn("x = '''\n    y = 1")).codes() == std::vector<std::string>{"E1004"});
}
