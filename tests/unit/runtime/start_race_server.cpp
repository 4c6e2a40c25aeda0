// A server that opens every embedded store at start, in the shape luxc emits for
//   db { path: "./race.db" }  model Reading { sensor: String, value: Float }
//   background fn record(sensor: String)  subscribe "reading" fn(r) { ... }
// so its start opens the database file (WAL, migration), the job store and the event outbox.
// tests/unit/runtime/start_race_test.cpp starts several of them at the same instant on the same
// files (LUX_DB_PATH, LUX_JOBS_PATH, LUX_EVENTS_PATH).
#include <lux/lux.h>

namespace {

void Setup(lux::App& app) {
  lux::RegisterDb(app, {"./race.db"});
  lux::RegisterModel(app, {"Reading", "", {
      {"sensor", lux::ColumnType::kString, false, {}},
      {"value", lux::ColumnType::kFloat, false, {}},
  }});
  lux::RegisterJob(app, "record", {}, [](const lux::Value& args) {
    lux::rt::ModelCreate("Reading", lux::Value{{"sensor", args[0]}, {"value", 1.0}});
  });
  lux::RegisterSubscriber(app, "reading", [](const lux::Value& data) { lux::rt::SpawnJob("record", lux::Array{data}); });
  lux::Events(app).from_peers = false;  // one server: it hears only its own publishes
  // POST /readings {"sensor": ...}: publish, so the subscriber spawns the job that stores it.
  app.Post("/readings", [](lux::Request& req) {
    lux::Value body = req.Json();
    return lux::Respond(202, {{"event", lux::rt::Publish("reading", body["sensor"])}});
  });
  app.Get("/readings/count", [](lux::Request&) { return lux::Respond(200, {{"count", lux::rt::ModelCount("Reading")}}); });
}

}  // namespace

int main(int argc, char** argv) { return lux::rt::RunMain(argc, argv, "race", &Setup); }
