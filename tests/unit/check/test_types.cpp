// Semantic types: interning, printing, gradual compatibility, the builtins table.
#include <catch2/catch.hpp>

#include "check/builtins.h"
#include "check/types.h"

using namespace lux;

TEST_CASE("types are interned", "[types]") {
  TypeTable t;
  CHECK(t.array(t.get(TyKind::Int)) == t.array(t.get(TyKind::Int)));
  CHECK(t.option(t.get(TyKind::String)) != t.option(t.get(TyKind::Int)));
  CHECK(t.result(t.get(TyKind::Int), t.get(TyKind::String)) == t.result(t.get(TyKind::Int), t.get(TyKind::String)));
  CHECK(t.fn({t.get(TyKind::Int)}, t.get(TyKind::Bool)) == t.fn({t.get(TyKind::Int)}, t.get(TyKind::Bool)));
}

TEST_CASE("type names are written as in Lux", "[types]") {
  TypeTable t;
  CHECK(typeName(t.array(t.get(TyKind::String))) == "[String]");
  CHECK(typeName(t.option(t.get(TyKind::Int))) == "Option<Int>");
  CHECK(typeName(t.result(t.get(TyKind::Int), t.get(TyKind::String))) == "Result<Int, String>");
  CHECK(typeName(t.fn({t.get(TyKind::Int)}, t.get(TyKind::Bool))) == "fn(Int) -> Bool");
  CHECK(typeName(t.dynamic()) == "Any");
}

TEST_CASE("gradual compatibility", "[types]") {
  TypeTable t;
  const Ty* Int = t.get(TyKind::Int);
  const Ty* Float = t.get(TyKind::Float);
  const Ty* Str = t.get(TyKind::String);
  const Ty* Dyn = t.dynamic();
  CHECK(isAssignable(Int, Float));  // widening
  CHECK_FALSE(isAssignable(Float, Int));
  CHECK_FALSE(isAssignable(Int, Str));  // seed 002: Date.now() into a String field
  CHECK(isAssignable(Dyn, Str));
  CHECK(isAssignable(Str, Dyn));
  CHECK(isAssignable(Int, t.option(Int)));  // T fits Option<T>
  CHECK(isAssignable(t.option(Dyn), t.option(Int)));  // None
  CHECK_FALSE(isAssignable(t.option(Str), t.option(Int)));
  CHECK(isAssignable(t.array(Int), t.array(Float)));
  CHECK_FALSE(isAssignable(t.array(Str), t.array(Int)));
  CHECK(isAssignable(t.array(Dyn), t.array(Int)));
  CHECK(isAssignable(t.result(Int, Dyn), t.result(Int, Str)));

  RecordInfo* a = t.newRecord();
  a->name = "Alert";
  RecordInfo* b = t.newRecord();
  b->name = "Metric";
  CHECK(isAssignable(t.record(a), t.record(a)));
  CHECK_FALSE(isAssignable(t.record(a), t.record(b)));
  CHECK(isAssignable(t.get(TyKind::Object), t.record(a)));  // object literal, fields checked where written
  CHECK_FALSE(isAssignable(Str, t.record(a)));
}

TEST_CASE("joinTypes keeps a common type or gives up to Dynamic", "[types]") {
  TypeTable t;
  const Ty* Int = t.get(TyKind::Int);
  CHECK(joinTypes(t, Int, Int) == Int);
  CHECK(joinTypes(t, Int, t.get(TyKind::Float)) == t.get(TyKind::Float));
  CHECK(joinTypes(t, Int, t.get(TyKind::String))->isDynamic());
  CHECK(joinTypes(t, t.option(t.dynamic()), t.option(Int)) == t.option(Int));
}

TEST_CASE("the builtins table loads with parsed types", "[builtins]") {
  TypeTable t;
  Builtins b(t);
  REQUIRE(b.module("Date", "now"));
  CHECK(b.module("Date", "now")->result == t.get(TyKind::Int));
  REQUIRE(b.global("len"));
  CHECK(b.global("len")->acceptsCount(1));
  CHECK_FALSE(b.global("len")->acceptsCount(2));
  CHECK(b.global("print")->acceptsCount(7));  // variadic
  CHECK(b.global("range")->result == t.array(t.get(TyKind::Int)));
  CHECK(b.modelMethod("find")->result_is_self_option);
  CHECK(b.isModule("db"));
  CHECK(b.isModule("mail"));
  CHECK_FALSE(b.isModule("Model"));
  CHECK_FALSE(b.global("nope"));
  CHECK(parseBuiltinType(t, "Result<Any, String>") == t.result(t.dynamic(), t.get(TyKind::String)));
  CHECK(parseBuiltinType(t, "[Option<Int>]") == t.array(t.option(t.get(TyKind::Int))));
  CHECK(arityText(1, 3) == "1 to 3");
  CHECK(arityText(2, 2) == "2");
  CHECK(arityText(1, -1) == "at least 1");
}
