// The event bus on Redis Streams against a real redis-server. RedisBus instances stand for
// replicas of servers (each its own consumer, the same group per server): each event reaches
// each subscribing server once, whatever its number of replicas; events published while a
// subscriber is down wait for it; an event whose replica stopped mid-handler is taken over with
// its attempts counted; failing handlers are retried then dead-lettered; rejected payloads are
// not retried; acknowledged events are trimmed. Then a real App with `bus { adapter: "redis" }`
// settings: publish and subscribe through lux::rt::Publish.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <set>

#include "bus/redis_bus.h"
#include "core/internal_auth.h"
#include "jobs_test_util.h"
#include "lux/events.h"
#include "lux/metrics.h"
#include "redis_test_util.h"
#include "test_http.h"

using lux::bus::EventRow;
using lux::bus::RedisBus;
using lux::bus::RedisSubscription;

namespace {

struct Counter {
  std::mutex mu;
  std::map<std::string, int> by_event;  // event id -> times handled (all replicas of one server)
  std::map<int, int> by_replica;
  int total() {
    std::lock_guard<std::mutex> lock(mu);
    int n = 0;
    for (auto& [k, v] : by_event) n += v;
    return n;
  }
};

lux::bus::RedisBusOptions Options(luxtest::RedisServer& r, const std::string& prefix, const std::string& server,
                                  std::int64_t vis = 30'000) {
  lux::bus::RedisBusOptions o;
  o.url = r.Url();
  o.prefix = prefix;
  o.server = server;
  o.visibility_ms = vis;
  return o;
}

// A replica of `server` subscribed once to `event`, counting into `c`.
std::unique_ptr<RedisBus> Replica(luxtest::RedisServer& r, const std::string& prefix, const std::string& server,
                                  const std::string& event, Counter& c, int replica, std::int64_t vis = 30'000) {
  auto bus = std::make_unique<RedisBus>(
      Options(r, prefix, server, vis), std::vector<RedisSubscription>{{event, server}}, std::vector<RedisSubscription>{},
      [&c, replica](std::size_t, const EventRow& row, std::string&, bool&) {
        std::lock_guard<std::mutex> lock(c.mu);
        ++c.by_event[row.event_id];
        ++c.by_replica[replica];
        return true;
      });
  bus->Start();
  return bus;
}

EventRow Row(const std::string& event, int n) {
  EventRow row;
  row.event_id = "ev-" + std::to_string(n);
  row.event = event;
  row.payload_json = "{\"n\":" + std::to_string(n) + "}";
  row.publisher = "api";
  row.request_id = "rq-" + std::to_string(n);
  return row;
}

}  // namespace

TEST_CASE("redis bus: two servers of two and three replicas each handle every event once per server", "[redis]") {
  luxtest::RedisServer redis;
  std::string prefix = luxtest::UniquePrefix("fanout");
  Counter collector, audit;
  std::vector<std::unique_ptr<RedisBus>> replicas;
  for (int i = 0; i < 2; ++i) replicas.push_back(Replica(redis, prefix, "collector", "metric", collector, i));
  for (int i = 0; i < 3; ++i) replicas.push_back(Replica(redis, prefix, "audit", "metric", audit, i));
  RedisBus publisher(Options(redis, prefix, "api"), {}, {{"metric", "collector"}, {"metric", "audit"}},
                     [](std::size_t, const EventRow&, std::string&, bool&) { return true; });
  constexpr int kEvents = 600;
  for (int i = 0; i < kEvents; ++i) publisher.Publish(Row("metric", i));
  REQUIRE(luxtest::WaitFor([&] { return collector.total() == kEvents && audit.total() == kEvents; }, 30'000));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  REQUIRE(collector.total() == kEvents);
  REQUIRE(audit.total() == kEvents);
  for (auto* c : {&collector, &audit}) {
    std::lock_guard<std::mutex> lock(c->mu);
    REQUIRE(c->by_event.size() == static_cast<std::size_t>(kEvents));
    for (auto& [id, n] : c->by_event) REQUIRE(n == 1);
    REQUIRE(c->by_replica.size() >= 2);  // the replicas shared the work
  }
  REQUIRE(publisher.Backlog("metric", "collector") == 0);
  REQUIRE(publisher.Backlog("metric", "audit") == 0);
  // Acknowledged by both groups: trimmed. An event only one group has handled stays.
  std::string stream = prefix + ":{bus}:ev:metric";
  REQUIRE(redis.Cmd({"XLEN", stream}).AsInt() == kEvents);
  REQUIRE(replicas[0]->TrimNow() == kEvents);
  REQUIRE(redis.Cmd({"XLEN", stream}).AsInt() == 0);
  for (auto& r : replicas) r->Stop();
  replicas.resize(2);  // the audit server is down
  publisher.Publish(Row("metric", kEvents));
  auto again = Replica(redis, prefix, "collector", "metric", collector, 0);
  REQUIRE(luxtest::WaitFor([&] { return collector.total() == kEvents + 1; }));
  REQUIRE(luxtest::WaitFor([&] { return publisher.Backlog("metric", "collector") == 0; }));
  REQUIRE(again->TrimNow() == 0);  // audit still needs it
  REQUIRE(redis.Cmd({"XLEN", stream}).AsInt() == 1);
  again->Stop();
}

TEST_CASE("redis bus: events published while the only subscriber is down wait for it in order", "[redis]") {
  luxtest::RedisServer redis;
  std::string prefix = luxtest::UniquePrefix("down");
  // The publisher creates the collector's group before its first publish: events are kept.
  RedisBus publisher(Options(redis, prefix, "api"), {}, {{"metric", "collector"}},
                     [](std::size_t, const EventRow&, std::string&, bool&) { return true; });
  for (int i = 0; i < 50; ++i) publisher.Publish(Row("metric", i));
  REQUIRE(publisher.Backlog("metric", "collector") == 50);
  std::mutex mu;
  std::vector<std::string> order;
  RedisBus sub(Options(redis, prefix, "collector"), {{"metric", "collector"}}, {},
               [&](std::size_t, const EventRow& row, std::string&, bool&) {
                 std::lock_guard<std::mutex> lock(mu);
                 order.push_back(row.event_id);
                 return true;
               });
  sub.Start();
  REQUIRE(luxtest::WaitFor([&] {
    std::lock_guard<std::mutex> lock(mu);
    return order.size() == 50;
  }));
  for (int i = 0; i < 50; ++i) REQUIRE(order[static_cast<std::size_t>(i)] == "ev-" + std::to_string(i));
  sub.Stop();
}

TEST_CASE("redis bus: an event left pending by a replica that died is taken over after the visibility timeout",
          "[redis]") {
  luxtest::LogCapture log(lux::LogLevel::kInfo);
  luxtest::RedisServer redis;
  std::string prefix = luxtest::UniquePrefix("takeover");
  std::string stream = prefix + ":{bus}:ev:metric";
  RedisBus publisher(Options(redis, prefix, "api"), {}, {{"metric", "collector"}},
                     [](std::size_t, const EventRow&, std::string&, bool&) { return true; });
  publisher.Publish(Row("metric", 1));
  // A replica that read the event and died before acknowledging it.
  auto read = redis.Cmd({"XREADGROUP", "GROUP", "collector", "ghost", "COUNT", "1", "STREAMS", stream, ">"});
  REQUIRE(read.elements.size() == 1);
  Counter c;
  std::mutex mu;
  std::vector<EventRow> got;
  RedisBus live(Options(redis, prefix, "collector", 300), {{"metric", "collector"}}, {},
                [&](std::size_t, const EventRow& row, std::string&, bool&) {
                  std::lock_guard<std::mutex> lock(mu);
                  got.push_back(row);
                  return true;
                });
  live.Start();
  REQUIRE(luxtest::WaitFor([&] {
    std::lock_guard<std::mutex> lock(mu);
    return got.size() == 1;
  }));
  REQUIRE(got[0].event_id == "ev-1");
  REQUIRE(got[0].request_id == "rq-1");
  REQUIRE(got[0].payload_json == "{\"n\":1}");
  REQUIRE(log.Has("event taken over from a replica that stopped handling it"));
  REQUIRE(luxtest::WaitFor([&] { return publisher.Backlog("metric", "collector") == 0; }));
  live.Stop();
}

TEST_CASE("redis bus: a long handler keeps its event (the lease is renewed) - a failing one is retried then "
          "dead-lettered - a rejected payload is not retried",
          "[redis]") {
  luxtest::LogCapture log(lux::LogLevel::kInfo);
  luxtest::RedisServer redis;
  std::string prefix = luxtest::UniquePrefix("retry");
  std::atomic<int> slow_runs{0}, failing_runs{0};
  std::vector<std::unique_ptr<RedisBus>> replicas;
  for (int i = 0; i < 2; ++i) {
    replicas.push_back(std::make_unique<RedisBus>(
        Options(redis, prefix, "worker", 300), std::vector<RedisSubscription>{{"slow", "worker"}, {"bad", "worker"}},
        std::vector<RedisSubscription>{}, [&](std::size_t index, const EventRow& row, std::string& error, bool& rejected) {
          if (index == 0) {
            ++slow_runs;
            std::this_thread::sleep_for(std::chrono::milliseconds(1000));  // > 3 visibility timeouts
            return true;
          }
          if (row.payload_json == "\"wrong type\"") {
            rejected = true;
            error = "expected Int, found String";
            return false;
          }
          ++failing_runs;
          error = "boom " + std::to_string(failing_runs.load());
          return false;
        }));
    replicas.back()->Start();
  }
  RedisBus publisher(Options(redis, prefix, "api"), {}, {{"slow", "worker"}, {"bad", "worker"}},
                     [](std::size_t, const EventRow&, std::string&, bool&) { return true; });
  publisher.Publish(Row("slow", 1));
  publisher.Publish(Row("bad", 2));
  EventRow wrong = Row("bad", 3);
  wrong.payload_json = "\"wrong type\"";
  publisher.Publish(wrong);
  REQUIRE(luxtest::WaitFor([&] { return publisher.DeadCount() == 2; }, 20'000));
  REQUIRE(failing_runs.load() == lux::kMaxEventAttempts);
  REQUIRE(luxtest::WaitFor([&] { return publisher.Backlog("slow", "worker") == 0; }, 5000));
  REQUIRE(slow_runs.load() == 1);  // not taken over while it ran
  REQUIRE(log.Has("msg=\"event handler failed\""));
  REQUIRE(log.Has("msg=\"event handler failed for good\""));
  REQUIRE(log.Has("msg=\"event payload rejected\""));
  auto dead = redis.Cmd({"XRANGE", prefix + ":{bus}:dead", "-", "+"});
  REQUIRE(dead.elements.size() == 2);
  std::set<std::string> errors;
  for (const auto& e : dead.elements) {
    const auto& f = e.elements[1].elements;
    for (std::size_t i = 0; i + 1 < f.size(); i += 2)
      if (f[i].AsString() == "error") errors.insert(f[i + 1].AsString());
  }
  REQUIRE(errors.count("boom 5") == 1);
  REQUIRE(errors.count("payload rejected: expected Int, found String") == 1);
  REQUIRE(publisher.Backlog("bad", "worker") == 0);
  for (auto& r : replicas) r->Stop();
}

TEST_CASE("redis bus: in a real App publish reaches every local subscriber once - the env can switch it", "[redis]") {
  luxtest::RedisServer redis;
  std::string prefix = luxtest::UniquePrefix("app");
  std::mutex mu;
  std::vector<std::string> a, b;
  {
    luxtest::TestServer srv([&](lux::App& app) {
      lux::Jobs(app).path = ":memory:";
      lux::Events(app).adapter = "redis";
      lux::Events(app).url = redis.Url();
      lux::Events(app).prefix = prefix;
      lux::ServeMetrics(app, lux::MetricsOptions());
      lux::RegisterSubscriber(app, "user.created", [&](const lux::Value& v) {
        std::lock_guard<std::mutex> lock(mu);
        a.push_back(v["name"].AsString() + "/" + lux::rt::RequestId());
      });
      lux::RegisterSubscriber(app, "user.created", [&](const lux::Value& v) {
        std::lock_guard<std::mutex> lock(mu);
        b.push_back(v["name"].AsString());
      });
      app.Post("/users", [](lux::Request& req) {
        return lux::Respond(200, {{"id", lux::rt::Publish("user.created", req.Json())}});
      });
    });
    for (int i = 0; i < 20; ++i) {
      auto r = luxtest::Call(srv.port(), "POST", "/users", "{\"name\":\"u" + std::to_string(i) + "\"}",
                             "Content-Type: application/json\r\nX-Request-Id: rq-" + std::to_string(i) + "\r\n");
      REQUIRE(r->status == 200);
    }
    REQUIRE(luxtest::WaitFor([&] {
      std::lock_guard<std::mutex> lock(mu);
      return a.size() == 20 && b.size() == 20;
    }));
    REQUIRE(a[0] == "u0/rq-0");
    REQUIRE(a[19] == "u19/rq-19");
    // Both subscriptions have their own group (the second named `test#2`), one stream entry per event.
    REQUIRE(redis.Cmd({"XLEN", prefix + ":{bus}:ev:user.created"}).AsInt() == 20);
    auto groups = redis.Cmd({"XINFO", "GROUPS", prefix + ":{bus}:ev:user.created"});
    REQUIRE(groups.elements.size() == 2);
    // /metrics: each subscription's group is a lane of lux_events_outbox_depth, nothing waiting.
    auto m = luxtest::Call(srv.port(), "GET", "/metrics");
    REQUIRE(m);
    CHECK(m->body.find("lux_events_outbox_depth{lane=\"redis:user.created:test\"} 0\n") != std::string::npos);
    CHECK(m->body.find("lux_events_outbox_depth{lane=\"redis:user.created:test#2\"} 0\n") != std::string::npos);
    // The HTTP endpoint for embedded peers refuses a signed event with 503 (they keep the event
    // and retry), an unsigned one with 401 like any server.
    const std::string secret(64, 's'), event = R"({"id":"x","event":"user.created","data":{}})";
    ::setenv("LUX_PROGRAM_SECRET", secret.c_str(), 1);
    std::int64_t now =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    auto r = luxtest::Call(srv.port(), "POST", "/_lux/events", event,
                           "Content-Type: application/json\r\nX-Lux-Signature: " +
                               lux::core::InternalSignature(secret, "POST", "/_lux/events", event, now,
                                                            "0123456789abcdef0123456789abcdef") +
                               "\r\n");
    REQUIRE(r->status == 503);
    r = luxtest::Call(srv.port(), "POST", "/_lux/events", event, "Content-Type: application/json\r\n");
    REQUIRE(r->status == 401);
    ::unsetenv("LUX_PROGRAM_SECRET");
  }
  ::setenv("LUX_BUS_URL", "redis://127.0.0.1:1", 1);  // nothing listens there: start-up fails
  {
    lux::App app("bad");
    app.options().port = 0;
    app.options().handle_signals = false;
    app.options().log_level = lux::LogLevel::kOff;
    lux::RegisterSubscriber(app, "x", [](const lux::Value&) {});
    REQUIRE_THROWS_WITH(app.Start(), Catch::Contains("cannot connect"));
  }
  ::unsetenv("LUX_BUS_URL");
}

TEST_CASE("redis bus: events read in one batch stay leased while the first ones are handled (no takeover)",
          "[redis]") {
  luxtest::RedisServer redis;
  std::string prefix = luxtest::UniquePrefix("batch");
  RedisBus publisher(Options(redis, prefix, "api"), {}, {{"slow", "worker"}},
                     [](std::size_t, const EventRow&, std::string&, bool&) { return true; });
  for (int i = 0; i < 10; ++i) publisher.Publish(Row("slow", i));  // one XREADGROUP gets them all
  std::mutex mu;
  std::map<std::string, int> seen;
  auto handler = [&](std::size_t, const EventRow& row, std::string&, bool&) {
    {
      std::lock_guard<std::mutex> lock(mu);
      ++seen[row.event_id];
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // 10 x 300 ms >> the 300 ms timeout
    return true;
  };
  RedisBus a(Options(redis, prefix, "worker", 300), {{"slow", "worker"}}, {}, handler);
  a.Start();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // A holds the batch
  RedisBus b(Options(redis, prefix, "worker", 300), {{"slow", "worker"}}, {}, handler);
  b.Start();
  REQUIRE(luxtest::WaitFor([&] { return publisher.Backlog("slow", "worker") == 0; }, 10'000));
  a.Stop();
  b.Stop();
  REQUIRE(seen.size() == 10);
  for (const auto& [id, n] : seen) REQUIRE(n == 1);
}

TEST_CASE("redis bus: a broadcast subscription reaches every replica - its group lives and dies with the replica",
          "[redis]") {
  luxtest::RedisServer redis;
  std::string prefix = luxtest::UniquePrefix("broadcast");
  std::string stream = prefix + ":{bus}:ev:config";
  // Three replicas of `cache`, each subscribed twice to "config": once per server (the default)
  // and once broadcast (e.g. to drop a local cache).
  std::mutex mu;
  std::map<int, std::set<std::string>> broadcast_seen;  // replica -> event ids
  std::map<std::string, int> once_seen;                 // event id -> times, all replicas
  auto make = [&](int replica) {
    auto bus = std::make_unique<RedisBus>(
        Options(redis, prefix, "cache"), std::vector<RedisSubscription>{{"config", "cache", false}, {"config", "cache#2", true}},
        std::vector<RedisSubscription>{},
        [&, replica](std::size_t index, const EventRow& row, std::string&, bool&) {
          std::lock_guard<std::mutex> lock(mu);
          if (index == 1) broadcast_seen[replica].insert(row.event_id);
          else ++once_seen[row.event_id];
          return true;
        });
    bus->Start();
    return bus;
  };
  std::vector<std::unique_ptr<RedisBus>> replicas;
  for (int i = 0; i < 3; ++i) replicas.push_back(make(i));
  // The publisher keeps a group for the per-server subscription only.
  RedisBus publisher(Options(redis, prefix, "api"), {}, {{"config", "cache", false}, {"config", "cache#2", true}},
                     [](std::size_t, const EventRow&, std::string&, bool&) { return true; });
  constexpr int kEvents = 200;
  for (int i = 0; i < kEvents; ++i) publisher.Publish(Row("config", i));
  auto done = [&] {
    std::lock_guard<std::mutex> lock(mu);
    if (once_seen.size() != kEvents) return false;
    for (int r = 0; r < 3; ++r)
      if (broadcast_seen[r].size() != kEvents) return false;
    return true;
  };
  REQUIRE(luxtest::WaitFor(done, 30'000));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  {
    std::lock_guard<std::mutex> lock(mu);
    for (auto& [id, n] : once_seen) REQUIRE(n == 1);  // per server: once across the replicas
    for (int r = 0; r < 3; ++r) REQUIRE(broadcast_seen[r].size() == kEvents);  // broadcast: every replica
  }
  auto groups = [&] {
    std::set<std::string> names;
    for (const auto& g : redis.Cmd({"XINFO", "GROUPS", stream}).elements)
      for (std::size_t i = 0; i + 1 < g.elements.size(); i += 2)
        if (g.elements[i].AsString() == "name") names.insert(g.elements[i + 1].AsString());
    return names;
  };
  std::set<std::string> before = groups();
  REQUIRE(before.count("cache") == 1);
  REQUIRE(before.size() == 4);  // "cache" and one "cache#2@<consumer>" per replica
  // Each replica's group has a heartbeat key while it runs.
  for (const std::string& g : before)
    if (g != "cache") REQUIRE(redis.Cmd({"PTTL", prefix + ":{bus}:alive:" + g}).AsInt() > 0);
  // A replica that stops removes its broadcast group and its heartbeat.
  replicas[2]->Stop();
  REQUIRE(groups().size() == 3);
  // A replica that died: its group is left behind (made by hand here, reading from the start so
  // it would hold every entry back) and its heartbeat has expired (never set).
  redis.Cmd({"XGROUP", "CREATE", stream, "cache#2@dead-host:1:abcd", "0"});
  REQUIRE(groups().size() == 4);
  std::int64_t trimmed = replicas[0]->TrimNow();
  std::set<std::string> after = groups();
  INFO("groups after the trim: " << after.size());
  REQUIRE(after.count("cache#2@dead-host:1:abcd") == 0);
  REQUIRE(after.size() == 3);  // the live replicas' groups stay (their readers keep them fresh)
  REQUIRE(trimmed > 0);        // entries every remaining group is done with are gone
  // Events published after a replica started only: a new replica sees the next event, not the
  // old ones.
  auto late = make(3);
  publisher.Publish(Row("config", kEvents));
  REQUIRE(luxtest::WaitFor(
      [&] {
        std::lock_guard<std::mutex> lock(mu);
        return broadcast_seen[3].size() == 1 && broadcast_seen[0].size() == kEvents + 1;
      },
      10'000));
  late->Stop();
  for (auto& r : replicas) r->Stop();
  publisher.Stop();
}

TEST_CASE("redis bus: the depth of each subscription's group (lux_events_outbox_depth) - a dead letter keeps its "
          "trace context",
          "[redis]") {
  luxtest::RedisServer redis;
  std::string prefix = luxtest::UniquePrefix("depth");
  std::atomic<bool> fail{false};
  std::atomic<int> handled{0};
  RedisBus worker(Options(redis, prefix, "worker"), {{"placed", "worker"}}, {},
                  [&](std::size_t, const EventRow&, std::string& error, bool& rejected) {
                    if (fail.load()) {
                      rejected = true;  // dead-lettered at once
                      error = "refused";
                      return false;
                    }
                    ++handled;
                    return true;
                  });
  RedisBus publisher(Options(redis, prefix, "api"), {}, {{"placed", "worker"}},
                     [](std::size_t, const EventRow&, std::string&, bool&) { return true; });
  // Not started yet: what is published waits for the worker's group.
  for (int i = 1; i <= 3; ++i) publisher.Publish(Row("placed", i));
  auto depths = worker.Depths();
  REQUIRE(depths.size() == 1);
  CHECK(depths[0].first == "redis:placed:worker");
  CHECK(depths[0].second == 3);
  CHECK(publisher.Depths().empty());  // no subscription of its own
  worker.Start();
  REQUIRE(luxtest::WaitFor([&] { return handled.load() == 3; }, 10'000));
  REQUIRE(luxtest::WaitFor([&] { return worker.Depths().at(0).second == 0; }, 5000));
  // A traced event that ends in the dead letter keeps its traceparent there.
  fail = true;
  EventRow traced = Row("placed", 4);
  traced.traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  publisher.Publish(traced);
  REQUIRE(luxtest::WaitFor([&] { return publisher.DeadCount() == 1; }, 10'000));
  auto dead = redis.Cmd({"XRANGE", prefix + ":{bus}:dead", "-", "+"});
  REQUIRE(dead.elements.size() == 1);
  std::map<std::string, std::string> fields;
  const auto& f = dead.elements[0].elements[1].elements;
  for (std::size_t i = 0; i + 1 < f.size(); i += 2) fields[f[i].AsString()] = f[i + 1].AsString();
  CHECK(fields["id"] == "ev-4");
  CHECK(fields["traceparent"] == traced.traceparent);
  worker.Stop();
  // Redis gone: the depth leaves the lane out instead of failing the scrape.
  redis.Stop();
  CHECK(worker.Depths().empty());
}

TEST_CASE("redis bus: publishes from 8 threads at once share pipelines - each handled once in its thread's order - "
          "a batch failing half-way acknowledges its handled prefix",
          "[redis]") {
  luxtest::RedisServer redis;
  std::string prefix = luxtest::UniquePrefix("pipe");
  std::mutex mu;
  std::map<int, std::vector<int>> by_thread;  // publisher thread -> the n it sent, in handling order
  std::map<std::string, int> times;           // event id -> times handled
  std::atomic<bool> failed_once{false};
  RedisBus sub(Options(redis, prefix, "sub"), {{"tick", "sub"}}, {},
               [&](std::size_t, const EventRow& row, std::string& error, bool&) {
                 lux::Value v = lux::ParseJson(row.payload_json);
                 int t = static_cast<int>(v["t"].AsInt()), n = static_cast<int>(v["n"].AsInt());
                 if (t == 3 && n == 50 && !failed_once.exchange(true)) {
                   error = "fails once";
                   return false;
                 }
                 std::lock_guard<std::mutex> lock(mu);
                 by_thread[t].push_back(n);
                 ++times[row.event_id];
                 return true;
               });
  RedisBus pub(Options(redis, prefix, "pub"), {}, {{"tick", "sub"}}, nullptr);
  sub.Start();
  constexpr int kThreads = 8, kEach = 200;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int n = 0; n < kEach; ++n) {
        EventRow row = Row("tick", t * kEach + n);
        row.payload_json = "{\"t\":" + std::to_string(t) + ",\"n\":" + std::to_string(n) + "}";
        REQUIRE(!pub.Publish(row).empty());
      }
    });
  for (auto& th : threads) th.join();
  REQUIRE(redis.Cmd({"XLEN", prefix + ":{bus}:ev:tick"}).AsInt() == kThreads * kEach);
  REQUIRE(luxtest::WaitFor([&] {
    std::lock_guard<std::mutex> lock(mu);
    return times.size() == static_cast<std::size_t>(kThreads * kEach);
  }, 20'000));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  std::lock_guard<std::mutex> lock(mu);
  for (auto& [id, k] : times) CHECK(k == 1);
  for (int t = 0; t < kThreads; ++t) {
    std::vector<int> want;
    for (int n = 0; n < kEach; ++n) want.push_back(n);
    CHECK(by_thread[t] == want);
  }
  // Nothing is left pending: the handled entries were acknowledged, the failed one after its retry.
  CHECK(sub.Backlog("tick", "sub") == 0);
}
