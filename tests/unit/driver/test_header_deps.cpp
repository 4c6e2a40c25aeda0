// HeaderDeps (compiler/driver/header_deps.cpp): which items of a program header a unit's cache
// key holds in a `luxc dev` build. Headers here are shaped like the code generator's.
#include <catch2/catch.hpp>

#include <string>

#include "driver/header_deps.h"

namespace {

const char* const kHeader = R"(#include <lux/lux.h>
#include <lux/stdlib.h>

namespace lux_program {

// --- declarations
enum class Color { Red, Green };
inline lux::Value ToValue(Color v) {
  static const char* const kNames[] = {"Red", "Green"};
  return lux::Value(kNames[static_cast<int>(v)]);
}
struct Item;
struct Box;

// --- records
struct Item {
  std::string name;
  Color color{};
};
lux::Value ToValue(const Item& r);
void FromValue(const lux::Value& v, Item& r);

struct Box {
  std::vector<Item> items;  // a comment with { and ;
};
lux::Value ToValue(const Box& r);

extern const char* const kBanner;  /* "}" */

// --- server "api"
namespace api {
lux::Value list_items();
lux::Value greet(const lux::Value& who);
lux::Response Route1(lux::Request& req);  // route GET /
}  // namespace api
namespace web {
lux::Response Route1(lux::Request& req);  // route GET /
}  // namespace web
}  // namespace lux_program
)";

bool Has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("a unit depends on the prototypes it names, not on the records it does not") {
  lux::HeaderDeps deps(kHeader);
  REQUIRE(deps.ItemCount() > 0);
  std::string used = deps.UsedBy("lux::Value greet(const lux::Value& who) { return who; }");
  CHECK(Has(used, "lux::Value greet(const lux::Value& who);"));
  CHECK(Has(used, "#include <lux/lux.h>"));
  CHECK_FALSE(Has(used, "struct Item {"));
  CHECK_FALSE(Has(used, "list_items"));
}

TEST_CASE("a record brings the records of its fields and their conversions") {
  lux::HeaderDeps deps(kHeader);
  std::string used = deps.UsedBy("lux::Value list_items() { Box b; return ToValue(b); }");
  CHECK(Has(used, "struct Box { std::vector<Item> items; };"));
  CHECK(Has(used, "struct Item { std::string name; Color color{}; };"));
  CHECK(Has(used, "enum class Color { Red, Green };"));
  CHECK(Has(used, "lux::Value ToValue(const Item& r);"));
  CHECK(Has(used, "void FromValue(const lux::Value& v, Item& r);"));
  CHECK(Has(used, "inline lux::Value ToValue(Color v) {"));
  CHECK(Has(used, "lux::Value list_items();"));
}

TEST_CASE("naming ToValue does not bring every record: its overloads come with their types") {
  lux::HeaderDeps deps(kHeader);
  std::string used = deps.UsedBy("lux::Value greet(const lux::Value& who) { return lux::ToValue(1); }");
  CHECK_FALSE(Has(used, "struct Item {"));
  CHECK_FALSE(Has(used, "ToValue(const Box& r)"));
}

TEST_CASE("an edit to a record changes the key text of the units that use it only") {
  std::string edited = kHeader;
  edited.replace(edited.find("  Color color{};"), 15, "  Color color{};\n  std::int64_t n{};");
  lux::HeaderDeps before(kHeader), after(edited);
  const char* box_user = "lux::Value list_items() { Box b; return ToValue(b); }";
  const char* other = "lux::Value greet(const lux::Value& who) { return who; }";
  CHECK(before.UsedBy(box_user) != after.UsedBy(box_user));
  CHECK(before.UsedBy(other) == after.UsedBy(other));
}

TEST_CASE("a name declared in two server namespaces brings both declarations") {
  lux::HeaderDeps deps(kHeader);
  std::string used = deps.UsedBy("void Register(lux::App& app) { app.Route(\"GET\", \"/\", &Route1); }");
  size_t first = used.find("lux::Response Route1(lux::Request& req);");
  REQUIRE(first != std::string::npos);
  CHECK(used.find("lux::Response Route1(lux::Request& req);", first + 1) != std::string::npos);
  CHECK_FALSE(Has(used, "extern"));
}

TEST_CASE("braces and semicolons in comments and strings do not split items") {
  lux::HeaderDeps deps(kHeader);
  CHECK(Has(deps.UsedBy("kBanner"), "extern const char* const kBanner;"));
  std::string raw = "namespace p {\nextern const char* const kDoc;\ninline const char* Doc() { return R\"x({\"a\": \"}\"})x\"; }\n}\n";
  lux::HeaderDeps r(raw);
  CHECK(r.ItemCount() == 2);
  CHECK(Has(r.UsedBy("Doc()"), "R\"x({\"a\": \"}\"})x\""));
  CHECK_FALSE(Has(r.UsedBy("Doc()"), "kDoc"));
}

TEST_CASE("a header it cannot balance makes every unit depend on all of it") {
  std::string broken = "namespace p {\nstruct A { int x;\n";
  lux::HeaderDeps deps(broken);
  CHECK(deps.ItemCount() == 0);
  CHECK(deps.UsedBy("int main() {}") == broken);
}
