// A misplaced `with` is one error (E1023/E1024), and the declaration parses as if the options
// stood in their place: same AST as the correctly written program, positions aside.
#include <catch2/catch.hpp>

#include <regex>
#include <sstream>

#include "parse_fixture.h"

using lux::test::Parsed;

namespace {

// The AST dump without source positions (`2:3-2:52`), which differ when options moved.
std::string shape(const Parsed& p) {
  REQUIRE(p.result.program);
  std::ostringstream out;
  lux::dumpAst(*p.result.program, p.file, out, false);
  return std::regex_replace(out.str(), std::regex(R"( \d+:\d+-\d+:\d+)"), "");
}

void sameAsWritten(const std::string& wrong, const std::string& right, const char* code) {
  Parsed bad("server {\n  " + wrong + "\n  schedule \"0 10 * * *\" fn next() {}\n}\n");
  Parsed good("server {\n  " + right + "\n  schedule \"0 10 * * *\" fn next() {}\n}\n");
  INFO(wrong);
  CHECK(bad.codes() == std::vector<std::string>{code});
  CHECK(good.codes().empty());
  CHECK(shape(bad) == shape(good));
}

}  // namespace

TEST_CASE("a misplaced `with` is moved to its place: one error, the AST as if written right", "[syntax]") {
  sameAsWritten(R"(schedule "0 9 * * 1-5" with { tz: "UTC" } fn f() {})",
                R"(schedule "0 9 * * 1-5" fn f() with { tz: "UTC" } {})", "E1023");
  sameAsWritten(R"(schedule "n" with { tz: "UTC" } cron("0 3 * * *") {})",
                R"(schedule "n" cron("0 3 * * *") with { tz: "UTC" } {})", "E1023");
  sameAsWritten(R"(schedule every 5.minutes with { tz: "UTC" } fn t() {})",
                R"(schedule every 5.minutes fn t() with { tz: "UTC" } {})", "E1023");
  sameAsWritten(R"(background fn with { attempts: 3 } send(to: String) -> Int { 1 })",
                R"(background fn send(to: String) -> Int with { attempts: 3 } { 1 })", "E1023");
  sameAsWritten(R"(background fn send(to: String) with { attempts: 3 } -> Int { 1 })",
                R"(background fn send(to: String) -> Int with { attempts: 3 } { 1 })", "E1023");
  sameAsWritten(R"(subscribe "e" fn(x: Int) with { broadcast: true } { x })",
                R"(subscribe "e" with { broadcast: true } fn(x: Int) { x })", "E1023");
  sameAsWritten(R"(route GET with auth, admin "/x" => h)", R"(route GET "/x" with auth, admin => h)", "E1023");
  sameAsWritten(R"(route GET "/x" => h with auth)", R"(route GET "/x" with auth => h)", "E1023");
}

TEST_CASE("options on a plain `fn` are one error and are dropped", "[syntax]") {
  sameAsWritten(R"(fn f(x: Int) with { attempts: 2 } { x })", R"(fn f(x: Int) { x })", "E1024");
  sameAsWritten(R"(fn f() -> Int with auth { 1 })", R"(fn f() -> Int { 1 })", "E1024");
}

TEST_CASE("`with` in its place, and `with` that is no option, are left to the parser", "[syntax]") {
  CHECK(Parsed("server {\n  schedule \"0 9 * * *\" fn f() with { tz: \"UTC\" } {}\n}\n").codes().empty());
  // A bare `with`: an ordinary syntax error, not E1023.
  Parsed bare("server {\n  schedule \"0 9 * * *\" with fn f() {}\n}\n");
  CHECK_FALSE(bare.hasCode("E1023"));
  CHECK(bare.hasCode("E1012"));
}
