// analyze: a clean document gets a model with the editor tables (option keys of each options
// object) and its declarations indexed by offset; a document with a syntax error keeps its
// partial tree and no model; `luxc check`'s path (checkProgram without options) records nothing.
#include <catch2/catch.hpp>

#include "lsp/analysis.h"
#include "lsp/features.h"
#include <thread>

#include "parse/parse.h"

using namespace lux;

namespace {

constexpr const char* kProgram = R"(server "a" {
  env PORT: Int = 0
  db { path: "x.db" }
  fn add(n: Int) -> Int { n + 1 }
  route GET "/x" => fn() { { v: add(1) } }
}
)";

// The analysis runs the front end, which wants a large stack: run it on a thread with one.
std::shared_ptr<const lsp::Analysis> analyzeOnThread(std::string text) {
  std::shared_ptr<const lsp::Analysis> out;
  std::thread t([&] { out = lsp::analyze("t.lux", std::move(text)); });
  t.join();
  return out;
}

}  // namespace

TEST_CASE("a clean document: model, editor tables, declarations", "[analysis]") {
  auto a = analyzeOnThread(kProgram);
  REQUIRE(a->model);
  REQUIRE(a->model->editor);
  CHECK(a->diagnostics.empty());
  bool db_keys = false;
  for (const auto& [obj, keys] : a->model->editor->option_keys)
    for (std::string_view k : keys)
      if (k == "adapter") db_keys = true;
  CHECK(db_keys);
  uint32_t add_at = static_cast<uint32_t>(std::string_view(kProgram).find("add(n"));
  const Symbol* s = a->declarationAt(add_at + 1);
  REQUIRE(s);
  CHECK(s->name == "add");
  CHECK(a->serverAt(add_at) == 0);
  auto h = lsp::hoverAt(*a, add_at + 1, std::chrono::sys_seconds{});
  REQUIRE(h);
  CHECK(h->markdown.find("fn add(n: Int) -> Int") != std::string::npos);
}

TEST_CASE("a syntax error: a partial tree, no model, the diagnostic", "[analysis]") {
  auto a = analyzeOnThread("server \"a\" {\n  fn f( {\n}\n");
  CHECK_FALSE(a->model);
  CHECK_FALSE(a->diagnostics.empty());
  CHECK(lsp::documentSymbols(*a).is_array());
  CHECK_FALSE(lsp::hoverAt(*a, 5, std::chrono::sys_seconds{}).has_value());
}

TEST_CASE("luxc check's path records no editor tables", "[analysis]") {
  SourceFile file = SourceFile::fromString("t.lux", kProgram);
  ast::AstContext ctx;
  DiagEngine diags(file);
  ParseResult parsed = parseProgram(file, ctx, diags);
  REQUIRE(parsed.program);
  auto model = checkProgram(*parsed.program, file, diags);
  CHECK_FALSE(model->editor);
}
