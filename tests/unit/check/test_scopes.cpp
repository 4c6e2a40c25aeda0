// Scope rules end to end (parse + check): plain `x = e` declares, is an error on an immutable
// binding of the same function (its own block or a nested one), shadows an immutable binding from
// outside the function (W0005); `var` is assignable anywhere it is visible; names per server.
#include <catch2/catch.hpp>

#include "check_test_util.h"

using lux::test::Checked;
using lux::test::Codes;

TEST_CASE("a second plain `x = e` in the block that declared `x` is an error", "[scopes]") {
  Checked c(R"(server {
  fn f(xs) {
    results = xs
    results = results |> filter(fn(x) x > 1)
    results
  }
})");
  REQUIRE(c.parse_ok);
  CHECK(c.codes() == Codes{"E2201"});
  CHECK(c.lineOf("E2201") == 4);
}

TEST_CASE("a plain `x = e` in a lambda shadows an immutable `x` of the enclosing function", "[scopes]") {
  Checked c(R"(server {
  limit = 10
  fn f(xs) {
    total = len(xs)
    xs |> map(fn(x) {
      total = x + 1
      total
    })
  }
  fn g() {
    limit = 5
    limit
  }
})");
  REQUIRE(c.parse_ok);
  CHECK(c.codes() == Codes{"W0005", "W0005"});
  CHECK(c.lineOf("W0005") == 6);
}

TEST_CASE("assigning an immutable binding from a nested block is an error", "[scopes]") {
  Checked c(R"(server {
  fn f(xs) {
    total = 0
    for x in xs {
      total = total + x
    }
    total
  }
})");
  REQUIRE(c.parse_ok);
  CHECK(c.codes() == Codes{"E2201"});
  CHECK(c.lineOf("E2201") == 5);
}

TEST_CASE("a `var` is assignable from nested blocks and closures", "[scopes]") {
  Checked c(R"(server {
  fn f(xs) {
    var total = 0
    xs |> each(fn(x) {
      total = total + x
    })
    total += 1
    total
  }
})");
  REQUIRE(c.parse_ok);
  CHECK(c.codes().empty());
}

TEST_CASE("parameters and `let` bindings are immutable, `let` may shadow", "[scopes]") {
  Checked c(R"(server {
  fn f(limit: Int) {
    let limit = limit + 1
    let k = 1
    k = 2
    limit + k
  }
})");
  REQUIRE(c.parse_ok);
  CHECK(c.codes() == Codes{"E2201"});
  CHECK(c.lineOf("E2201") == 5);
}

TEST_CASE("compound assignment needs a `var`", "[scopes]") {
  Checked c(R"(server {
  fn f() {
    n = 1
    n += 1
    m += 1
    n
  }
})");
  REQUIRE(c.parse_ok);
  CHECK(c.codes() == Codes{"E2201", "E2101"});
}

TEST_CASE("the checker records what each plain assignment does", "[scopes]") {
  Checked c(R"(server {
  fn f() {
    var a = 1
    b = 2
    c = b + 1
    a = c
    a
  }
})");
  REQUIRE(c.parse_ok);
  REQUIRE(c.model);
  std::vector<lux::AssignKind> kinds;
  for (const auto& [node, kind] : c.model->assigns) kinds.push_back(kind);
  std::sort(kinds.begin(), kinds.end());
  CHECK(kinds == std::vector<lux::AssignKind>{lux::AssignKind::Declare, lux::AssignKind::Declare, lux::AssignKind::Assign});
}

TEST_CASE("shared names are visible in every server, a server's names are its own", "[scopes]") {
  Checked c(R"(shared {
  type Point {
    x: Int
  }
}
server "a" {
  origin = Point { x: 0 }
}
server "b" {
  fn f() -> Point {
    origin
  }
})");
  REQUIRE(c.parse_ok);
  CHECK(c.codes() == Codes{"E2102"});
  CHECK(c.lineOf("E2102") == 11);
}

TEST_CASE("unused: pure initializers and pattern bindings only", "[scopes]") {
  Checked c(R"(server {
  fn f(x: Option<Int>) {
    a = 1
    b = len("x")
    _c = 2
    match x {
      Some(v) => 0
      None => 1
    }
  }
})");
  REQUIRE(c.parse_ok);
  CHECK(c.codes() == Codes{"W0001", "W0001"});
  CHECK(c.lineOf("W0001") == 3);
}
