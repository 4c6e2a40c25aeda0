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

TEST_CASE("the builtins table loads with parsed signatures", "[builtins]") {
  TypeTable t;
  Builtins b(t);
  REQUIRE(b.module("Date", "now"));
  CHECK(b.module("Date", "now")->overloads.at(0).result == t.get(TyKind::Int));
  REQUIRE(b.global("len"));
  CHECK(b.global("len")->acceptsCount(1));
  CHECK_FALSE(b.global("len")->acceptsCount(2));
  CHECK(b.global("print")->acceptsCount(0));
  CHECK(b.global("print")->acceptsCount(7));  // variadic
  CHECK(b.global("range")->acceptsCount(3));
  CHECK_FALSE(b.global("range")->acceptsCount(4));
  CHECK(b.global("spawn_job_in")->min_args == 2);
  CHECK(b.global("spawn_job_in")->max_args == -1);
  CHECK(b.global("sort_by")->form == BuiltinForm::KeyOrOrder);
  CHECK(b.global("map")->cpp == "Map");
  CHECK(b.modelMethod("find")->selfParam() >= 0);
  CHECK(b.isModule("db"));
  CHECK(b.isModule("mail"));
  CHECK_FALSE(b.isModule("Model"));
  CHECK_FALSE(b.global("nope"));
  CHECK(parseBuiltinType(t, "Result<Any, String>") == t.result(t.dynamic(), t.get(TyKind::String)));
  CHECK(parseBuiltinType(t, "[Option<Int>]") == t.array(t.option(t.get(TyKind::Int))));
  CHECK(typeName(parseBuiltinType(t, "fn(T, U) -> [U]")) == "fn(T, U) -> [U]");
  CHECK_THROWS(parseBuiltinType(t, "Option<Int"));
  CHECK_THROWS(parseBuiltinType(t, "Lst<Int>"));
  CHECK(arityText(1, 3) == "1 to 3");
  CHECK(arityText(2, 2) == "2");
  CHECK(arityText(1, -1) == "at least 1");
}

TEST_CASE("a signature is instantiated from the arguments' types", "[builtins]") {
  TypeTable t;
  Builtins b(t);
  const Ty* Int = t.get(TyKind::Int);
  const Ty* Float = t.get(TyKind::Float);
  const Ty* Str = t.get(TyKind::String);
  const Ty* Dyn = t.dynamic();
  RecordInfo* link = t.newRecord();
  link->name = "Link";
  const Ty* Link = t.record(link);

  // first: ([T]) -> Option<T>
  CHECK(instantiate(t, *b.global("first"), {{t.array(Link)}}).result == t.option(Link));
  CHECK(instantiate(t, *b.global("first"), {{Dyn}}).result == t.option(Dyn));
  // map over a list, with the lambda's result known, or not yet checked (its parameter expected)
  const Builtin& map = *b.global("map");
  CHECK(instantiate(t, map, {{t.array(Link)}, {t.fn({Link}, Str)}}).result == t.array(Str));
  Instance pending = instantiate(t, map, {{t.array(Link)}, {nullptr, 1}});
  CHECK(pending.params.at(1) == t.fn({Link}, Dyn));
  // map over an Option takes the second overload; over an unknown value the overloads disagree
  CHECK(instantiate(t, map, {{t.option(Int)}, {t.fn({Int}, Str)}}).result == t.option(Str));
  CHECK(instantiate(t, map, {{Dyn}, {t.fn({Dyn}, Str)}}).result == Dyn);
  // a Unit result binds nothing
  CHECK(instantiate(t, map, {{t.array(Int)}, {t.fn({Int}, t.get(TyKind::Unit))}}).result == t.array(Dyn));
  // two bindings join; an Any argument binds to Any
  const Builtin& unwrap = *b.global("unwrapOr");
  CHECK(instantiate(t, unwrap, {{t.option(Float)}, {Int}}).result == Float);
  CHECK(instantiate(t, unwrap, {{t.result(Str, Int)}, {Str}}).result == Str);
  CHECK(instantiate(t, unwrap, {{Dyn}, {Int}}).result == Dyn);
  // sum picks by element type; a list of unknown elements gives an unknown sum
  CHECK(instantiate(t, *b.global("sum"), {{t.array(Int)}}).result == Int);
  CHECK(instantiate(t, *b.global("sum"), {{t.array(Float)}}).result == Float);
  CHECK(instantiate(t, *b.global("sum"), {{t.array(Dyn)}}).result == Dyn);
  // no overload fits: the first one, whose parameters report the mismatch
  Instance bad = instantiate(t, *b.global("sum"), {{t.array(Str)}});
  CHECK(bad.params.at(0) == t.array(Int));
  // sort_by chooses by the lambda's parameter count
  Instance order = instantiate(t, *b.global("sort_by"), {{t.array(Link)}, {nullptr, 2}});
  CHECK(order.params.at(1) == t.fn({Link, Link}, Dyn));
  // Self is the model's record
  CHECK(instantiate(t, *b.modelMethod("find"), {{Int}}, Link).result == t.option(Link));
  CHECK(instantiate(t, *b.modelMethod("all"), {}, nullptr).result == t.array(Dyn));
}

TEST_CASE("no row uses Any, Json parameters take only dynamic values, Object takes records", "[builtins]") {
  TypeTable t;
  Builtins b(t);
  for (const Builtin& row : b.all()) {
    INFO(row.name);
    CHECK(std::string_view(row.signature).find("Any") == std::string_view::npos);
  }
  const Ty* Int = t.get(TyKind::Int);
  const Ty* Str = t.get(TyKind::String);
  const Ty* Dyn = t.dynamic();
  RecordInfo* link = t.newRecord();
  link->name = "Link";
  const Ty* Link = t.record(link);
  const Builtin& to_int = *b.global("to_int");
  // A Json argument (and an unknown one) goes to the `(Json) -> Int` overload: no conversion asked.
  CHECK(instantiate(t, to_int, {{t.json()}}).params.at(0)->json);
  CHECK(instantiate(t, to_int, {{t.clientJson()}}).params.at(0)->json);
  CHECK(instantiate(t, to_int, {{Dyn}}).params.at(0)->json);
  CHECK(instantiate(t, to_int, {{Str}}).params.at(0) == Str);
  CHECK(instantiate(t, to_int, {{t.get(TyKind::Duration)}}).result == Int);
  // A record fits no overload: the first one naming its types (String) reports it, not Json.
  CHECK(instantiate(t, to_int, {{Link}}).params.at(0) == Str);
  const Builtin& keys = *b.global("keys");
  CHECK(instantiate(t, keys, {{Link}}).params.at(0) == t.get(TyKind::Object));
  CHECK(isAssignable(Link, t.get(TyKind::Object)));
  CHECK_FALSE(isAssignable(Int, t.get(TyKind::Object)));
  CHECK(typeName(t.response()) == "Response");
  CHECK(typeName(t.clientJson()) == "Json");
}

TEST_CASE("reduce: the accumulator is the init's type, not what the lambda widens it to", "[builtins]") {
  TypeTable t;
  Builtins b(t);
  const Ty* Int = t.get(TyKind::Int);
  const Ty* Float = t.get(TyKind::Float);
  const Ty* Str = t.get(TyKind::String);
  const Builtin& reduce = *b.global("reduce");
  // While the lambda waits, its expected type comes from the init.
  Instance pending = instantiate(t, reduce, {{t.array(Str)}, {nullptr, 2}, {Int}});
  CHECK(pending.params.at(1) == t.fn({Int, Str}, Int));
  // A Float lambda result does not widen an Int init: the lambda is what gets reported.
  Instance done = instantiate(t, reduce, {{t.array(Str)}, {t.fn({Int, Str}, Float)}, {Int}});
  CHECK(done.result == Int);
  // An init of unknown parts (`[]`) takes the lambda's result.
  Instance list = instantiate(t, reduce, {{t.array(Str)}, {t.fn({t.array(t.dynamic()), Str}, t.array(Str))},
                                          {t.array(t.dynamic())}});
  CHECK(list.result == t.array(Str));
  CHECK(instantiate(t, reduce, {{t.array(Str)}, {t.fn({Float, Str}, Float)}, {Float}}).result == Float);
}
