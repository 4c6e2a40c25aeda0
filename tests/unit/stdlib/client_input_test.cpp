// What the client sends, checked as generated code checks it: a list, record or Option handler
// parameter read from a field of the JSON body (BodyFieldAs, against its OpenAPI schema), a
// list parameter that is the whole body (BodyAs), and the fields given to a model's
// create/update (ModelFieldsFromRequest). Each mistake is a 400 HttpError naming the field;
// e2e/client_bodies serves them.
#include <catch2/catch.hpp>
#include <lux/error.h>
#include <lux/stdlib.h>

#include <string>
#include <vector>

using lux::Value;
namespace sl = lux::stdlib;

namespace {

// A document with one component, as luxc writes the server's OpenAPI constant.
const char* const kDoc =
    R"({"components": {"schemas": {"Line": {"type": "object", "properties": {"sku": {"type": "string"},)"
    R"( "qty": {"type": "integer"}}, "required": ["sku", "qty"]}}}})";
const char* const kLines = R"({"type":"array","items":{"$ref":"#/components/schemas/Line"}})";
const char* const kInts = R"({"type":"array","items":{"type":"integer","format":"int64"}})";

lux::Request JsonRequest(const std::string& body) {
  lux::Request req;
  req.headers.Set("Content-Type", "application/json");
  req.body = body;
  return req;
}

// The 400 a call fails with: {status, message, details}.
struct Refusal {
  int status = 0;
  std::string message;
  Value details;
};

template <typename F>
Refusal RefusalOf(F f) {
  try {
    f();
  } catch (const lux::Error& e) {
    CHECK(e.exposed());
    return {e.status(), e.what(), e.data()};
  }
  return {0, "(no failure)", Value()};
}

}  // namespace

TEST_CASE("a list parameter read from a body field is checked element by element and converted", "[stdlib]") {
  lux::Request req = JsonRequest(R"({"counts": [1, 2, 3]})");
  Value counts = sl::BodyFieldAs<std::vector<std::int64_t>>(req, kDoc, kInts, "counts", false);
  CHECK(counts == Value(lux::Array{Value(1), Value(2), Value(3)}));

  Refusal r = RefusalOf([] { sl::BodyFieldAs<std::vector<std::int64_t>>(JsonRequest(R"({"counts": [1, "x"]})"), kDoc, kInts, "counts", false); });
  CHECK(r.status == 400);
  CHECK(r.message == "body field `counts[1]`: expected an Int, found a String \"x\"");
  CHECK(r.details["field"] == Value("counts"));
  CHECK(r.details["errors"][0]["path"] == Value("counts[1]"));

  r = RefusalOf([] { sl::BodyFieldAs<std::vector<std::int64_t>>(JsonRequest(R"({"counts": "1,2"})"), kDoc, kInts, "counts", false); });
  CHECK(r.message == "body field `counts`: expected a list, found a String \"1,2\"");
}

TEST_CASE("a body field absent or null: null when optional, else 400 missing", "[stdlib]") {
  CHECK(sl::BodyFieldAs<std::vector<std::int64_t>>(JsonRequest(R"({"counts": null})"), kDoc, kInts, "counts", true).IsNull());
  CHECK(sl::BodyFieldAs<std::vector<std::int64_t>>(JsonRequest("{}"), kDoc, kInts, "counts", true).IsNull());
  Refusal r = RefusalOf([] { sl::BodyFieldAs<std::vector<std::int64_t>>(JsonRequest("[1]"), kDoc, kInts, "counts", false); });
  CHECK(r.status == 400);
  CHECK(r.message == "missing body field `counts`");
}

TEST_CASE("records inside a body field: every bad field with its path", "[stdlib]") {
  Value v = lux::ParseJson(R"([{"sku": "a", "qty": "x"}, {"qty": 2}])");
  Refusal r = RefusalOf([&] { sl::ValidateBodyValue(v, kDoc, kLines, "lines", true); });
  CHECK(r.status == 400);
  CHECK(r.message == "body field `lines[0].qty`: expected an Int, found a String \"x\" (and 1 more)");
  REQUIRE(r.details["errors"].size() == 2);
  CHECK(r.details["errors"][1]["path"] == Value("lines[1].sku"));
  CHECK(r.details["errors"][1]["expected"] == Value("a value (required)"));

  // The whole body: ValidateBody's form.
  r = RefusalOf([&] { sl::ValidateBodyValue(Value{{"sku", Value("a")}}, kDoc, kLines, "lines", false); });
  CHECK(r.message == "invalid body parameter `lines`: body: expected a list, found an object {\"sku\":\"a\"}");
  CHECK(r.details.Find("field") == nullptr);
  sl::ValidateBodyValue(lux::ParseJson(R"([{"sku": "a", "qty": 1, "extra": true}])"), kDoc, kLines, "lines", false);
}

TEST_CASE("a model's fields from the client: unknown keys, types, missing fields are 400s naming them", "[stdlib]") {
  auto create = [](const Value& v) {
    return sl::ModelFieldsFromRequest(v, "req.body", "User",
                                      {{"name", &sl::AsRecord<std::string>, true},
                                       {"age", &sl::AsRecord<std::int64_t>, false},
                                       {"email", &sl::AsRecord<std::optional<std::string>>, false}},
                                      false, {"id"});
  };
  Value ok = create(lux::ParseJson(R"({"id": 9, "name": "Al", "age": 3.0})"));
  CHECK(ok == lux::ParseJson(R"({"name": "Al", "age": 3})"));  // the id dropped, 3.0 an Int

  Refusal r = RefusalOf([&] { create(lux::ParseJson(R"({"name": "Al", "role": "admin"})")); });
  CHECK(r.status == 400);
  CHECK(r.message == "`req.body.role`: not a field of User (fields: name, age, email)");
  CHECK(r.details == Value{{"field", Value("req.body.role")}});
  r = RefusalOf([&] { create(lux::ParseJson(R"({"name": 123})")); });
  CHECK(r.message == "`req.body.name`: expected String, got Int");
  r = RefusalOf([&] { create(lux::ParseJson(R"({"age": 1})")); });
  CHECK(r.message == "`req.body.name`: missing: User.create needs it");
  r = RefusalOf([&] { create(lux::ParseJson("[1]")); });
  CHECK(r.message == "`req.body`: expected an object of User's fields, found a list");

  auto update = [](const Value& v) {
    return sl::ModelFieldsFromRequest(v, "body", "User", {{"name", &sl::AsRecord<std::string>, true}}, true, {});
  };
  CHECK(update(Value::MakeObject()) == Value::MakeObject());  // partial: nothing needed
  r = RefusalOf([&] { update(Value{{"id", Value(2)}}); });
  CHECK(r.message == "`body.id`: the id of a User cannot be changed");
  r = RefusalOf([&] { update(Value{{"name", Value()}}); });
  CHECK(r.message == "`body.name`: expected String, got Null");
}
