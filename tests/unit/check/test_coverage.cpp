// Exhaustiveness of `match` (match_coverage.cpp), on patterns built by hand.
#include <catch2/catch.hpp>

#include "check/match_coverage.h"

using namespace lux;
using namespace lux::ast;

namespace {

struct Fixture {
  AstContext ctx;
  TypeTable types;
  EnumInfo* severity;
  EnumInfo* shape;
  CoverageContext cov{types, [this](llvm::StringRef, llvm::StringRef n) -> const EnumInfo* {
                        if (severity->variant(n)) return severity;
                        if (shape->variant(n)) return shape;
                        return nullptr;
                      }};
  Fixture() {
    severity = types.newEnum();
    severity->name = "Severity";
    for (const char* v : {"Info", "Warning", "Critical"}) severity->variants.push_back({v, {}, {}, {}});
    shape = types.newEnum();
    shape->name = "Shape";
    shape->variants.push_back({"Circle", {}, {types.get(TyKind::Float)}, {""}});
    shape->variants.push_back({"Empty", {}, {}, {}});
  }
  const Pattern* wild() { return ctx.create<WildcardPattern>(SourceRange{}); }
  const Pattern* bind(const char* n) { return ctx.create<BindingPattern>(SourceRange{}, Ident{ctx.intern(n), {}}); }
  const Pattern* var(const char* n, std::vector<Pattern*> args = {}) {
    return ctx.create<VariantPattern>(SourceRange{}, Ident{}, Ident{ctx.intern(n), {}}, ctx.copyArray<Pattern*>(args),
                                      !args.empty());
  }
  const Pattern* lit(Expr* e) { return ctx.create<LiteralPattern>(SourceRange{}, e); }
  Expr* boolean(bool b) { return ctx.create<BoolLit>(SourceRange{}, b); }
  Expr* integer(uint64_t v) { return ctx.create<IntLit>(SourceRange{}, v); }
  const Pattern* orp(std::vector<Pattern*> alts) { return ctx.create<OrPattern>(SourceRange{}, ctx.copyArray<Pattern*>(alts)); }
  std::string uncovered(std::vector<const Pattern*> rows, const Ty* t) { return findUncovered(rows, t, cov); }
};

Pattern* P(const Pattern* p) { return const_cast<Pattern*>(p); }

}  // namespace

TEST_CASE("enums: every variant or a catch-all", "[coverage]") {
  Fixture f;
  const Ty* sev = f.types.enumTy(f.severity);
  CHECK(f.uncovered({f.var("Info"), f.var("Warning")}, sev) == "Critical");
  CHECK(f.uncovered({f.var("Info"), f.var("Warning"), f.var("Critical")}, sev).empty());
  CHECK(f.uncovered({f.var("Critical"), f.wild()}, sev).empty());
  CHECK(f.uncovered({f.bind("s")}, sev).empty());
  CHECK(f.uncovered({f.orp({P(f.var("Info")), P(f.var("Warning"))}), f.var("Critical")}, sev).empty());
  CHECK(f.uncovered({}, sev) == "Info");
}

TEST_CASE("an unknown subject type is inferred from the patterns", "[coverage]") {
  Fixture f;
  CHECK(f.uncovered({f.var("Info"), f.var("Warning")}, f.types.dynamic()) == "Critical");
  CHECK(f.uncovered({f.var("Some", {P(f.bind("x"))})}, f.types.dynamic()) == "None");
  CHECK(f.uncovered({f.lit(f.boolean(true))}, f.types.dynamic()) == "false");
}

TEST_CASE("Option, Result and nested payloads", "[coverage]") {
  Fixture f;
  const Ty* opt_bool = f.types.option(f.types.get(TyKind::Bool));
  CHECK(f.uncovered({f.var("Some", {P(f.lit(f.boolean(true)))}), f.var("None")}, opt_bool) == "Some(false)");
  CHECK(f.uncovered({f.var("Some", {P(f.lit(f.boolean(true)))}), f.var("Some", {P(f.wild())}), f.var("None")}, opt_bool).empty());
  // seed 002's `Some(true) => ..., _ => ...`
  CHECK(f.uncovered({f.var("Some", {P(f.lit(f.boolean(true)))}), f.wild()}, opt_bool).empty());
  const Ty* res = f.types.result(f.types.get(TyKind::Int), f.types.get(TyKind::String));
  CHECK(f.uncovered({f.var("Ok", {P(f.bind("v"))})}, res) == "Err(_)");
  CHECK(f.uncovered({f.var("Ok", {P(f.bind("v"))}), f.var("Err", {P(f.bind("e"))})}, res).empty());
  const Ty* shape = f.types.enumTy(f.shape);
  CHECK(f.uncovered({f.var("Empty")}, shape) == "Circle(_)");
}

TEST_CASE("infinite types need a catch-all", "[coverage]") {
  Fixture f;
  const Ty* Int = f.types.get(TyKind::Int);
  CHECK(f.uncovered({f.lit(f.integer(200)), f.lit(f.integer(404))}, Int) == "_");
  CHECK(f.uncovered({f.lit(f.integer(200)), f.wild()}, Int).empty());
  CHECK(f.uncovered({f.lit(f.integer(1))}, f.types.dynamic()) == "_");
  const Ty* Bool = f.types.get(TyKind::Bool);
  CHECK(f.uncovered({f.lit(f.boolean(true)), f.lit(f.boolean(false))}, Bool).empty());
}
