// Grammar decisions that are easy to get wrong: newlines, the object-vs-block rule, pipes and
// postfix `!`, precedence, record construction in conditions, both spellings of constructs,
// and that valid programs never need the slow LL pass.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "parse_fixture.h"

using namespace lux;
using namespace lux::test;

TEST_CASE("pipe binds looser than arithmetic on its left, and `!` applies to the pipe", "[syntax]") {
  Parsed p(inFn("avg = values |> sum() / (values |> len())"));
  REQUIRE(p.codes().empty());
  auto* div = llvm::dyn_cast_or_null<ast::BinaryExpr>(p.firstExpr());
  REQUIRE(div);
  CHECK(div->op == ast::BinaryOp::Div);
  CHECK(llvm::isa<ast::PipeExpr>(div->lhs));
  Parsed q(inFn("a = AlertRecord.find(id) |> ok_or(\"missing\")!"));
  REQUIRE(q.codes().empty());
  auto* unwrap = llvm::dyn_cast_or_null<ast::UnwrapExpr>(q.firstExpr());
  REQUIRE(unwrap);
  CHECK(llvm::isa<ast::PipeExpr>(unwrap->operand));
  Parsed r(inFn("b = x + y |> f()"));
  auto* pipe = llvm::dyn_cast_or_null<ast::PipeExpr>(r.firstExpr());
  REQUIRE(pipe);
  CHECK(llvm::isa<ast::BinaryExpr>(pipe->value));
}

TEST_CASE("usual precedence", "[syntax]") {
  Parsed p(inFn("x = a || b && c == d + e * -f"));
  REQUIRE(p.codes().empty());
  auto* orx = llvm::dyn_cast_or_null<ast::BinaryExpr>(p.firstExpr());
  REQUIRE(orx);
  CHECK(orx->op == ast::BinaryOp::Or);
  auto* andx = llvm::cast<ast::BinaryExpr>(orx->rhs);
  CHECK(andx->op == ast::BinaryOp::And);
  auto* eq = llvm::cast<ast::BinaryExpr>(andx->rhs);
  CHECK(eq->op == ast::BinaryOp::Eq);
  auto* add = llvm::cast<ast::BinaryExpr>(eq->rhs);
  CHECK(add->op == ast::BinaryOp::Add);
  auto* mul = llvm::cast<ast::BinaryExpr>(add->rhs);
  CHECK(mul->op == ast::BinaryOp::Mul);
  CHECK(llvm::isa<ast::UnaryExpr>(mul->rhs));
}

TEST_CASE("a `{` at statement start is an object literal", "[syntax]") {
  Parsed p("server {\n  fn f() {\n    {\n      status: \"ok\",\n      n: 1\n    }\n  }\n}\n");
  REQUIRE(p.codes().empty());
  auto* fn = llvm::cast<ast::FnDecl>(llvm::cast<ast::ServerBlock>(p.result.program->items[0])->items[0]);
  REQUIRE(fn->body->resultExpr());
  CHECK(llvm::isa<ast::ObjectExpr>(fn->body->resultExpr()));
}

TEST_CASE("destructuring with and without `let`", "[syntax]") {
  Parsed p(inFn("let { name, email: addr } = req.body\n    { a, b } = pair"));
  REQUIRE(p.codes().empty());
}

TEST_CASE("newlines end statements except before continuation tokens", "[syntax]") {
  Parsed p(inFn("x = items\n      |> map(fn(v) v)\n      .first()\n    y = -1\n    if a {\n      1\n    }\n    else {\n      2\n    }"));
  REQUIRE(p.codes().empty());
  Parsed two(inFn("x = 1 y = 2"));
  CHECK(two.codes() == std::vector<std::string>{"E1013"});
}

TEST_CASE("record construction needs `key:`, so conditions keep their blocks", "[syntax]") {
  CHECK(Parsed(inFn("if ready { go() }")).codes().empty());
  CHECK(Parsed(inFn("match x { Some(v) => v\n None => 0 }")).codes().empty());
  Parsed rec(inFn("a = Alert { id: uuid(), service }"));
  REQUIRE(rec.codes().empty());
  CHECK(llvm::isa<ast::RecordExpr>(rec.firstExpr()));
}

TEST_CASE("durations are literals only on number literals", "[syntax]") {
  Parsed p(inFn("x = 30.seconds"));
  auto* d = llvm::dyn_cast_or_null<ast::DurationLit>(p.firstExpr());
  REQUIRE(d);
  CHECK(d->milliseconds() == 30000);
  Parsed q(inFn("x = 1.5.hours"));
  REQUIRE(llvm::isa<ast::DurationLit>(q.firstExpr()));
  CHECK(llvm::cast<ast::DurationLit>(q.firstExpr())->milliseconds() == 5400000);
  CHECK(llvm::isa<ast::MemberExpr>(Parsed(inFn("x = n.hours")).firstExpr()));
}

TEST_CASE("both spellings of lifecycle hooks and schedules", "[syntax]") {
  Parsed p(
      "server {\n"
      "  on_start fn() { a() }\n"
      "  on_start { a() }\n"
      "  schedule \"*/5 * * * *\" fn cleanup() { a() }\n"
      "  schedule \"0 * * * *\" fn() { a() }\n"
      "  schedule \"sync\" cron(\"0 */6 * * *\") { a() }\n"
      "  schedule every 30.seconds { a() }\n"
      "}\n");
  REQUIRE(p.codes().empty());
  auto* server = llvm::cast<ast::ServerBlock>(p.result.program->items[0]);
  REQUIRE(server->items.size() == 6);
  CHECK(llvm::cast<ast::HookDecl>(server->items[0])->fn_form);
  CHECK_FALSE(llvm::cast<ast::HookDecl>(server->items[1])->fn_form);
  auto* named = llvm::cast<ast::ScheduleDecl>(server->items[4]);
  CHECK(named->form == ast::ScheduleDecl::Form::CronNamed);
  CHECK(named->name.name == "sync");
  CHECK(named->cron->value == "0 */6 * * *");
  CHECK(p.file.slice(named->cron->range()) == "\"0 */6 * * *\"");
}

TEST_CASE("doc comments attach to the declaration below", "[syntax]") {
  Parsed p("server {\n  /// Lists users.\n  /// Paged.\n  fn list() { 1 }\n}\n");
  REQUIRE(p.codes().empty());
  auto* fn = llvm::cast<ast::FnDecl>(llvm::cast<ast::ServerBlock>(p.result.program->items[0])->items[0]);
  CHECK(fn->doc == "Lists users.\nPaged.");
}

TEST_CASE("valid programs are decided by SLL alone", "[syntax][speed]") {
  // Every parse golden (all constructs, the seeds): the full-LL pass must never be needed.
  size_t count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(LUX_GOLDEN_PARSE_DIR)) {
    if (entry.path().extension() != ".lux") continue;
    ++count;
    std::string name = entry.path().filename().string();
    std::ifstream in(entry.path());
    REQUIRE(in);
    std::stringstream ss;
    ss << in.rdbuf();
    Parsed p(ss.str());
    INFO(name);
    CHECK(p.codes().empty());
    CHECK_FALSE(p.result.used_full_ll);
  }
  CHECK(count >= 20);
}

TEST_CASE("one syntax error does not hide the next, nor cascade", "[syntax]") {
  Parsed p(
      "server {\n"
      "  fn a() { x = }\n"
      "  fn b() { y = 1 }\n"
      "  fn c() { z = * 2 }\n"
      "}\n");
  CHECK(p.codes() == std::vector<std::string>{"E1012", "E1012"});
  REQUIRE(p.result.program);
  auto* server = llvm::cast<ast::ServerBlock>(p.result.program->items[0]);
  CHECK(server->items.size() >= 1);  // `b` survives recovery
}
