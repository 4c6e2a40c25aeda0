// A hand-written Lux-style server with a `db` block and one model, in the shape luxc emits:
//   db { path: "./items.db" }
//   model Item { name: String, qty: Int, price: Option<Float>, done: Bool = false, tags: Option<[String]> }
// tests/unit/runtime/db_process_test.cpp SIGKILLs it after a write; bench/db drives it with wrk.
//   LUX_DB_PATH=/tmp/x.db PORT=8080 ./lux_db_server
#include <lux/lux.h>

namespace {

lux::Response CreateItem(lux::Request& req) {
  return lux::Respond(201, lux::rt::ModelCreate("Item", req.Json()));
}

lux::Response GetItem(lux::Request& req) {
  lux::Value item = lux::rt::ModelFind("Item", lux::rt::ParamInt(req, "id"));
  if (item.IsNull()) throw lux::HttpError(404, "item not found");
  return lux::Respond(200, item);
}

lux::Response ListItems(lux::Request& req) {
  lux::Value filter = lux::Value::MakeObject();
  if (auto name = req.Query("name")) filter["name"] = *name;
  lux::Value options = lux::Value::MakeObject();
  if (auto limit = lux::rt::QueryInt(req, "limit")) options["limit"] = *limit;
  return lux::Respond(200, lux::rt::ModelWhere("Item", filter, options));
}

lux::Response CountItems(lux::Request&) { return lux::Respond(200, lux::Value{{"count", lux::rt::ModelCount("Item")}}); }

void Setup(lux::App& app) {
  lux::RegisterDb(app, {"./items.db"});
  lux::RegisterModel(app, {"Item", "", {
      {"name", lux::ColumnType::kString, false, {}},
      {"qty", lux::ColumnType::kInt, false, {}},
      {"price", lux::ColumnType::kFloat, true, {}},
      {"done", lux::ColumnType::kBool, false, false},
      {"tags", lux::ColumnType::kJson, true, {}},
  }});
  app.Route("POST", "/items", &CreateItem);
  app.Route("GET", "/items", &ListItems);
  app.Route("GET", "/items/count", &CountItems);
  app.Route("GET", "/items/:id", &GetItem);
  app.Route("GET", "/health", [](lux::Request&) { return lux::Text(200, "ok"); });
  // The same HTTP work without the database (bench baselines): parse the body and answer it
  // with an id; answer a record of the same shape for any id.
  app.Route("POST", "/echo", [](lux::Request& req) {
    lux::Value v = req.Json();
    v["id"] = 1;
    return lux::Respond(201, v);
  });
  app.Route("GET", "/echo/:id", [](lux::Request& req) {
    return lux::Respond(200, lux::Value{{"id", lux::rt::ParamInt(req, "id")}, {"name", "item"}, {"qty", 1}, {"price", 2.5},
                                        {"done", false}, {"tags", lux::Array{"a", "b"}}});
  });
}

}  // namespace

int main(int argc, char** argv) { return lux::rt::RunMain(argc, argv, "db_server", &Setup); }
