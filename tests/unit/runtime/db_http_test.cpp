// The database under the HTTP server: 100 concurrent writers over 127.0.0.1 never see
// "database is locked" and every row arrives; a transaction that suspends its fiber (a sleep
// standing in for a fetch) does not stall or break the other requests on the same thread.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "db_test_util.h"

using lux::Value;
using namespace lux::rt;
using luxtest::Conn;
using luxtest::DbServer;
using luxtest::Req;
using luxtest::TempDir;

namespace {

lux::ModelSpec Event() {
  return {"Event", "", {{"writer", lux::ColumnType::kInt, false, {}}, {"seq", lux::ColumnType::kInt, false, {}},
                        {"note", lux::ColumnType::kString, true, {}}}};
}

void Routes(lux::App& app) {
  app.Post("/events", [](lux::Request& req) { return lux::Respond(201, ModelCreate("Event", req.Json())); });
  app.Get("/events/count", [](lux::Request&) { return lux::Respond(200, Value{{"n", ModelCount("Event")}}); });
  // Two writes in a transaction with a suspension in between (as a fetch would).
  app.Post("/slow", [](lux::Request& req) {
    Value body = req.Json();
    return lux::Respond(201, DbTransaction([&] {
      ModelCreate("Event", {{"writer", -1}, {"seq", 0}});
      Sleep(200);
      return ModelCreate("Event", {{"writer", -1}, {"seq", 1}});
    }));
  });
}

}  // namespace

TEST_CASE("100 concurrent writers through HTTP: no \"database is locked\", every row stored") {
  constexpr int kWriters = 100;
  constexpr int kPerWriter = 10;
  TempDir dir;
  DbServer server(dir.File("concurrent.db"), {Event()}, &Routes, /*threads=*/2);
  std::atomic<int> created{0};
  std::atomic<int> failures{0};
  std::string first_failure;
  std::mutex mu;
  std::atomic<int> ready{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      Conn c(server.port());
      ready++;
      while (ready.load() < kWriters) std::this_thread::yield();  // all connected, then all write
      for (int i = 0; i < kPerWriter; ++i) {
        std::string body = "{\"writer\":" + std::to_string(w) + ",\"seq\":" + std::to_string(i) + ",\"note\":\"n\"}";
        c.Send(Req("POST", "/events", body, "Content-Type: application/json\r\n"));
        auto r = c.Read(15000);
        if (r && r->status == 201) {
          created++;
        } else {
          failures++;
          std::lock_guard lock(mu);
          if (first_failure.empty()) first_failure = r ? r->body : "no response";
        }
      }
    });
  }
  for (auto& t : writers) t.join();
  INFO(first_failure);
  CHECK(failures.load() == 0);
  CHECK(created.load() == kWriters * kPerWriter);
  CHECK(ModelCount("Event") == kWriters * kPerWriter);
  // Each writer's rows are all there, in its order.
  Value rows = DbQuery("SELECT writer, count(*) AS n, min(seq) AS lo, max(seq) AS hi FROM events GROUP BY writer", {});
  CHECK(rows.size() == kWriters);
  for (const Value& r : rows.AsArray()) CHECK(r["n"] == Value(kPerWriter));
}

TEST_CASE("a transaction suspended on its fiber does not block other requests' writes for long, nor mix with them") {
  TempDir dir;
  DbServer server(dir.File("fiber_tx.db"), {Event()}, &Routes, /*threads=*/1);  // one thread: every fiber shares it
  std::thread slow([&] {
    auto r = luxtest::Call(server.port(), "POST", "/slow", "{}", "Content-Type: application/json\r\n");
    CHECK((r && r->status == 201));
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the slow transaction holds the write lock
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> others;
  std::atomic<int> ok{0};
  for (int i = 0; i < 5; ++i) {
    others.emplace_back([&, i] {
      auto r = luxtest::Call(server.port(), "POST", "/events", "{\"writer\":" + std::to_string(i) + ",\"seq\":0}",
                             "Content-Type: application/json\r\n");
      if (r && r->status == 201) ok++;
    });
  }
  // A read is served at once on the same thread while the transaction is open (WAL snapshot).
  auto count = luxtest::Call(server.port(), "GET", "/events/count");
  REQUIRE(count);
  CHECK(count->Json()["n"] == Value(0));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::milliseconds(150));
  for (auto& t : others) t.join();
  slow.join();
  CHECK(ok.load() == 5);
  // The others' rows are not part of the slow transaction: ids 1 and 2 are its two writes.
  Value tx_rows = ModelWhere("Event", {{"writer", -1}});
  REQUIRE(tx_rows.size() == 2);
  CHECK(tx_rows[1]["id"].AsInt() == tx_rows[0]["id"].AsInt() + 1);
  CHECK(ModelCount("Event") == 7);
}

TEST_CASE("100 threads outside fibers (as job workers): no lock errors, no lost read-modify-write updates") {
  constexpr int kThreads = 100;
  constexpr int kEach = 5;
  TempDir dir;
  DbServer server(dir.File("threads.db"), {Event()});
  ModelCreate("Event", {{"writer", 0}, {"seq", 0}});  // id 1: a counter in `seq`
  std::atomic<int> errors{0};
  std::string first_error;
  std::mutex mu;
  std::vector<std::thread> ts;
  for (int t = 0; t < kThreads; ++t) {
    ts.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        try {
          ModelCreate("Event", {{"writer", t}, {"seq", i}});
          // Read then write in one transaction: BEGIN IMMEDIATE serialises these.
          DbTransaction([] {
            std::int64_t n = ModelFind("Event", 1)["seq"].AsInt();
            return ModelUpdate("Event", 1, {{"seq", static_cast<long long>(n + 1)}});
          });
        } catch (const std::exception& e) {
          errors++;
          std::lock_guard lock(mu);
          if (first_error.empty()) first_error = e.what();
        }
      }
    });
  }
  for (auto& t : ts) t.join();
  INFO(first_error);
  CHECK(errors.load() == 0);
  CHECK(ModelCount("Event") == 1 + kThreads * kEach);
  CHECK(ModelFind("Event", 1)["seq"] == Value(kThreads * kEach));
}
