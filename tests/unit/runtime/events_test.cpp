// The event bus in one process: local subscribers in publish order, isolation of a failing
// subscriber (retries, then its dead letter), payloads rejected by a subscriber's declared type,
// events that survive a restart, and POST /_lux/events (de-duplication by id, bad bodies, calls
// not signed with the program secret refused before anything is stored), and batches: a local
// batch failing half-way, a peer acknowledging a prefix of a batch, batches received (wire
// version 2), a lane delivering from memory (rows another connection adds reach it), and a
// process killed right after publishing (nothing lost, the WAL bounded), a lane's memory queue
// overflowing (the rest read from the outbox). Delivery between real server processes is
// tested end to end (tests/e2e, cases events, events_batch and internal_auth).
#include <catch2/catch.hpp>

#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>
#include <string>
#include <vector>

#include "bus/outbox.h"
#include "core/internal_auth.h"
#include "test_http.h"

namespace {

// The program's servers share its secret, as an operator sets it.
constexpr const char* kProgramSecret = "events-test-secret-0123456789abcdef0123456789";
const bool kProgramSecretSet = [] { return ::setenv("LUX_PROGRAM_SECRET", kProgramSecret, 1) == 0; }();

// Headers of a POST /_lux/events as a peer of the program signs it.
std::string Signed(const std::string& body, const std::string& secret = kProgramSecret) {
  static std::atomic<unsigned> counter{0};
  char nonce[33];
  std::snprintf(nonce, sizeof nonce, "%08x%024x", static_cast<unsigned>(::getpid()), ++counter);
  std::int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  return "Content-Type: application/json\r\nX-Lux-Signature: " +
         lux::core::InternalSignature(secret, "POST", "/_lux/events", body, now, nonce) + "\r\n";
}

std::string TempStore(const char* name) {
  auto dir = std::filesystem::temp_directory_path() / ("lux-events-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto p = dir / name;
  for (const char* ext : {"", "-wal", "-shm"}) std::filesystem::remove(p.string() + ext);
  return p.string();
}

template <typename F>
bool WaitUntil(F&& done, int ms = 10'000) {
  for (int i = 0; i < ms / 10; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return done();
}

struct Seen {
  std::mutex mu;
  std::vector<std::int64_t> values;
  void Add(const lux::Value& v) {
    std::lock_guard<std::mutex> lock(mu);
    values.push_back(v["n"].AsInt());
  }
  std::size_t size() {
    std::lock_guard<std::mutex> lock(mu);
    return values.size();
  }
  std::vector<std::int64_t> get() {
    std::lock_guard<std::mutex> lock(mu);
    return values;
  }
};

void PublishRoute(lux::App& app) {
  app.Post("/publish/:event/:n", [](lux::Request& req) {
    std::string id = lux::rt::Publish(*req.Param("event"), lux::Value{{"n", std::stoll(*req.Param("n"))}});
    return lux::Respond(200, lux::Value{{"id", id}});
  });
}

}  // namespace

TEST_CASE("events: every local subscriber gets each event once, in publish order", "[events]") {
  Seen a, b, other;
  std::string store = TempStore("order.db");
  luxtest::TestServer s{[&](lux::App& app) {
    lux::Events(app).path = store;
    lux::RegisterSubscriber(app, "tick", [&](const lux::Value& v) { a.Add(v); });
    lux::RegisterSubscriber(app, "tick", [&](const lux::Value& v) { b.Add(v); });
    lux::RegisterSubscriber(app, "other", [&](const lux::Value& v) { other.Add(v); });
    PublishRoute(app);
  }};
  for (int i = 0; i < 30; ++i) {
    auto r = luxtest::Call(s.port(), "POST", "/publish/tick/" + std::to_string(i));
    REQUIRE(r);
    REQUIRE(r->status == 200);
    CHECK(r->Json()["id"].AsString().size() == 36);
  }
  REQUIRE(WaitUntil([&] { return a.size() == 30 && b.size() == 30; }));
  std::vector<std::int64_t> want;
  for (int i = 0; i < 30; ++i) want.push_back(i);
  CHECK(a.get() == want);
  CHECK(b.get() == want);
  CHECK(other.size() == 0);
  // An event nobody subscribes to is a no-op.
  auto r = luxtest::Call(s.port(), "POST", "/publish/nobody/1");
  REQUIRE(r);
  CHECK(r->Json()["id"].AsString().empty());
}

TEST_CASE("events: a failing subscriber is retried, then dead-lettered, the others and later events go on",
          "[events]") {
  Seen good, after;
  std::atomic<int> failing_calls{0};
  std::string store = TempStore("failing.db");
  luxtest::TestServer s{[&](lux::App& app) {
    lux::Events(app).path = store;
    lux::RegisterSubscriber(app, "job", [&](const lux::Value& v) {
      if (v["n"].AsInt() == 1) {
        ++failing_calls;
        throw std::runtime_error("this subscriber cannot take event 1");
      }
      after.Add(v);
    });
    lux::RegisterSubscriber(app, "job", [&](const lux::Value& v) { good.Add(v); });
    PublishRoute(app);
  }};
  REQUIRE(luxtest::Call(s.port(), "POST", "/publish/job/1"));
  REQUIRE(luxtest::Call(s.port(), "POST", "/publish/job/2"));
  REQUIRE(WaitUntil([&] { return good.size() == 2; }));
  CHECK(good.get() == std::vector<std::int64_t>{1, 2});
  // kMaxEventAttempts tries with backoff (about 1.5 s in all), then event 2 reaches this lane too.
  REQUIRE(WaitUntil([&] { return after.size() == 1; }, 15'000));
  CHECK(failing_calls == lux::kMaxEventAttempts);
  CHECK(after.get() == std::vector<std::int64_t>{2});
}

TEST_CASE("events: a payload the subscriber's type rejects is logged and not retried", "[events]") {
  std::atomic<int> calls{0};
  Seen later;
  std::string store = TempStore("rejected.db");
  luxtest::TestServer s{[&](lux::App& app) {
    lux::Events(app).path = store;
    lux::RegisterSubscriber(app, "typed", [&](const lux::Value& v) {
      ++calls;
      if (v["n"].AsInt() < 0) throw lux::PayloadRejected("event \"typed\": n must not be negative");
      later.Add(v);
    });
    PublishRoute(app);
  }};
  REQUIRE(luxtest::Call(s.port(), "POST", "/publish/typed/-5"));
  REQUIRE(luxtest::Call(s.port(), "POST", "/publish/typed/6"));
  REQUIRE(WaitUntil([&] { return later.size() == 1; }));
  CHECK(calls == 2);  // once for the rejected event, once for the good one
}

TEST_CASE("events: an event not yet handled when the server stops is handled after the restart", "[events]") {
  std::string store = TempStore("restart.db");
  std::atomic<bool> fail{true};
  std::atomic<int> tries{0};
  {
    luxtest::TestServer s{[&](lux::App& app) {
      lux::Events(app).path = store;
      lux::RegisterSubscriber(app, "keep", [&](const lux::Value&) {
        ++tries;
        throw std::runtime_error("not now");
      });
      PublishRoute(app);
    }};
    REQUIRE(luxtest::Call(s.port(), "POST", "/publish/keep/41"));
    REQUIRE(WaitUntil([&] { return tries >= 1; }));
    s.Stop();  // mid-retry: the row stays in the outbox
  }
  Seen got;
  luxtest::TestServer s2{[&](lux::App& app) {
    lux::Events(app).path = store;
    lux::RegisterSubscriber(app, "keep", [&](const lux::Value& v) { got.Add(v); });
  }};
  REQUIRE(WaitUntil([&] { return got.size() == 1; }));
  CHECK(got.get() == std::vector<std::int64_t>{41});
  (void)fail;
}

TEST_CASE("events: POST /_lux/events de-duplicates by id, checks its body, and takes only signed calls", "[events]") {
  REQUIRE(kProgramSecretSet);
  Seen got;
  std::string store = TempStore("incoming.db");
  luxtest::TestServer s{[&](lux::App& app) {
    lux::Events(app).path = store;
    lux::RegisterSubscriber(app, "remote", [&](const lux::Value& v) { got.Add(v); });
  }};
  std::string body = R"({"id":"ev-1","event":"remote","data":{"n":7},"publisher":"peer"})";
  auto r = luxtest::Call(s.port(), "POST", "/_lux/events", body, Signed(body));
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->Json()["accepted"].AsInt() == 1);
  r = luxtest::Call(s.port(), "POST", "/_lux/events", body, Signed(body));  // redelivered by the peer
  REQUIRE(r);
  CHECK(r->Json()["duplicate"].AsBool());
  REQUIRE(WaitUntil([&] { return got.size() == 1; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  CHECK(got.size() == 1);
  r = luxtest::Call(s.port(), "POST", "/_lux/events", R"({"event":"remote"})", Signed(R"({"event":"remote"})"));
  REQUIRE(r);
  CHECK(r->status == 400);
  // Forged events: unsigned, signed with another secret, a signed body altered, the old bearer
  // token. None is stored or handled.
  const std::string forged = R"({"id":"ev-2","event":"remote","data":{"n":8}})";
  for (const std::string& headers :
       {std::string("Content-Type: application/json\r\n"), Signed(forged, std::string(40, 'z')),
        Signed(R"({"id":"ev-2","event":"remote","data":{"n":9}})"),
        "Content-Type: application/json\r\nAuthorization: Bearer " + std::string(kProgramSecret) + "\r\n"}) {
    r = luxtest::Call(s.port(), "POST", "/_lux/events", forged, headers);
    REQUIRE(r);
    CHECK(r->status == 401);
    CHECK(r->Json()["error"].AsString().find("unauthorized internal call") != std::string::npos);
  }
  r = luxtest::Call(s.port(), "POST", "/_lux/events", forged, Signed(forged));
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->Json()["accepted"].AsInt() == 1);  // ev-2 was not stored by any forged call
  REQUIRE(WaitUntil([&] { return got.size() == 2; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  CHECK(got.get() == std::vector<std::int64_t>{7, 8});
}

TEST_CASE("events: a subscribing server refuses to start without LUX_PROGRAM_SECRET", "[events]") {
  REQUIRE(kProgramSecretSet);
  ::unsetenv("LUX_PROGRAM_SECRET");
  std::string store = TempStore("no-secret.db");
  lux::App app("subscriber");
  app.options().host = "127.0.0.1";
  app.options().port = 0;
  app.options().log_level = lux::LogLevel::kOff;
  app.options().handle_signals = false;
  lux::Events(app).path = store;
  lux::RegisterSubscriber(app, "remote", [](const lux::Value&) {});
  std::string error;
  try {
    app.Start();
  } catch (const lux::StartupError& e) {
    error = e.what();
  }
  app.Shutdown();
  app.Wait();
  CHECK(error.find("LUX_PROGRAM_SECRET is not set: this server receives events from its peers") != std::string::npos);
  CHECK(error.find("openssl rand -hex 32") != std::string::npos);
  ::setenv("LUX_PROGRAM_SECRET", kProgramSecret, 1);
}

TEST_CASE("event outbox: the publish's trace context is kept with each row, an outbox written without it opens") {
  std::string path = (std::filesystem::temp_directory_path() / ("lux_outbox_trace_" + std::to_string(::getpid()) + ".db")).string();
  std::filesystem::remove(path);
  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    const char* old_schema =
        "CREATE TABLE outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, lane TEXT NOT NULL, event_id TEXT NOT NULL,"
        " event TEXT NOT NULL, payload TEXT NOT NULL, publisher TEXT NOT NULL, request_id TEXT NOT NULL,"
        " attempts INTEGER NOT NULL, next_at INTEGER NOT NULL, last_error TEXT);"
        "CREATE TABLE dead (seq INTEGER PRIMARY KEY, lane TEXT NOT NULL, event_id TEXT NOT NULL, event TEXT NOT NULL,"
        " payload TEXT NOT NULL, publisher TEXT NOT NULL, request_id TEXT NOT NULL, attempts INTEGER NOT NULL,"
        " last_error TEXT NOT NULL, failed_at INTEGER NOT NULL);"
        "INSERT INTO outbox (lane, event_id, event, payload, publisher, request_id, attempts, next_at)"
        " VALUES ('sub:a', 'e-old', 'a', '{}', 'api', 'r-old', 0, 0);";
    REQUIRE(sqlite3_exec(db, old_schema, nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
  }
  auto box = lux::bus::Outbox::Open(path);
  auto old = box->Head("sub:a");
  REQUIRE(old);
  CHECK(old->event_id == "e-old");
  CHECK(old->traceparent.empty());
  box->Done(old->seq);
  lux::bus::EventRow row;
  row.lane = "sub:a";
  row.event_id = "e-new";
  row.event = "a";
  row.payload_json = "{}";
  row.publisher = "api";
  row.traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  box->Insert({row});
  auto head = box->Head("sub:a");
  REQUIRE(head);
  CHECK(head->traceparent == row.traceparent);
  box.reset();
  std::filesystem::remove(path);
  std::filesystem::remove(path + "-wal");
  std::filesystem::remove(path + "-shm");
}

namespace {
// Every value a handler saw, in order (duplicates included).
struct Calls {
  std::mutex mu;
  std::vector<std::int64_t> seen;
  void Add(std::int64_t n) {
    std::lock_guard<std::mutex> lock(mu);
    seen.push_back(n);
  }
  std::vector<std::int64_t> get() {
    std::lock_guard<std::mutex> lock(mu);
    return seen;
  }
};
std::vector<std::int64_t> Iota(std::int64_t from, std::int64_t to) {
  std::vector<std::int64_t> v;
  for (std::int64_t i = from; i < to; ++i) v.push_back(i);
  return v;
}
}  // namespace

TEST_CASE("events: a batch that fails half-way keeps its handled prefix - the failed event and the rest follow in order",
          "[events]") {
  Calls calls;
  std::atomic<bool> failed_once{false};
  std::string store = TempStore("halfway.db");
  luxtest::TestServer s{[&](lux::App& app) {
    lux::Events(app).path = store;
    lux::RegisterSubscriber(app, "seq", [&](const lux::Value& v) {
      std::int64_t n = v["n"].AsInt();
      calls.Add(n);
      if (n == 10 && !failed_once.exchange(true)) throw std::runtime_error("event 10 fails once");
    });
    // Published before the lanes start: the lane's first batch holds all 20.
    app.OnStart([] {
      for (int i = 0; i < 20; ++i) lux::rt::Publish("seq", lux::Value{{"n", i}});
    });
  }};
  REQUIRE(WaitUntil([&] { return calls.get().size() >= 21; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  std::vector<std::int64_t> want = Iota(0, 11);  // 0..10, 10 failing
  for (std::int64_t n : Iota(10, 20)) want.push_back(n);  // 10 retried, then 11..19
  CHECK(calls.get() == want);
}

TEST_CASE("events: a peer acknowledging part of a batch gets the rest, in order, and never the acknowledged prefix again",
          "[events]") {
  REQUIRE(kProgramSecretSet);
  std::mutex mu;
  std::vector<std::vector<std::int64_t>> requests;  // the n of each event, per request the peer got
  luxtest::TestServer peer{[&](lux::App& app) {
    app.Post("/_lux/events", [&](lux::Request& req) {
      const lux::Value& body = req.Json();
      std::vector<std::int64_t> ns;
      for (const lux::Value& e : body["events"].AsArray()) ns.push_back(e["data"]["n"].AsInt());
      std::lock_guard<std::mutex> lock(mu);
      requests.push_back(ns);
      if (requests.size() == 1)  // takes the first three, refuses the fourth
        return lux::Respond(400, lux::Value{{"v", 2}, {"handled", 3}, {"error", "event 3 of the batch: refused"}});
      return lux::Respond(200, lux::Value{{"v", 2}, {"handled", static_cast<long long>(ns.size())}});
    });
  }};
  std::string store = TempStore("peer-prefix.db");
  luxtest::TestServer pub{[&](lux::App& app) {
    lux::Events(app).path = store;
    lux::RegisterPeer(app, "fake", {"seq"}, peer.Url(""));
    app.OnStart([] {
      for (int i = 0; i < 10; ++i) lux::rt::Publish("seq", lux::Value{{"n", i}});
    });
  }};
  auto delivered = [&] {
    std::lock_guard<std::mutex> lock(mu);
    std::size_t n = 0;
    for (auto& r : requests) n += r.size();
    return n;
  };
  REQUIRE(WaitUntil([&] { return delivered() >= 17; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  std::lock_guard<std::mutex> lock(mu);
  REQUIRE(requests.size() == 2);
  CHECK(requests[0] == Iota(0, 10));  // one batch
  CHECK(requests[1] == Iota(3, 10));  // from the refused event on
}

TEST_CASE("events: a batch received from a peer is stored up to its first malformed event, and de-duplicated by id",
          "[events]") {
  REQUIRE(kProgramSecretSet);
  Seen got;
  std::string store = TempStore("batch-in.db");
  luxtest::TestServer s{[&](lux::App& app) {
    lux::Events(app).path = store;
    lux::RegisterSubscriber(app, "remote", [&](const lux::Value& v) { got.Add(v); });
  }};
  auto event = [](const char* id, int n) {
    return std::string(R"({"id":")") + id + R"(","event":"remote","data":{"n":)" + std::to_string(n) +
           R"(},"publisher":"peer","request_id":"rq-)" + id + R"(","traceparent":""})";
  };
  std::string half = R"({"v":2,"events":[)" + event("b-1", 1) + R"(,{"event":"remote","data":{"n":2}},)" + event("b-3", 3) + "]}";
  auto r = luxtest::Call(s.port(), "POST", "/_lux/events", half, Signed(half));
  REQUIRE(r);
  CHECK(r->status == 400);
  lux::Value a = r->Json();
  CHECK(a["v"].AsInt() == 2);
  CHECK(a["handled"].AsInt() == 1);
  CHECK(a["accepted"].AsInt() == 1);
  CHECK(a["error"].AsString().find("event 1 of the batch") != std::string::npos);
  std::string full = R"({"v":2,"events":[)" + event("b-1", 1) + "," + event("b-2", 2) + "," + event("b-3", 3) + "]}";
  r = luxtest::Call(s.port(), "POST", "/_lux/events", full, Signed(full));  // the sender's next try
  REQUIRE(r);
  CHECK(r->status == 200);
  a = r->Json();
  CHECK(a["handled"].AsInt() == 3);
  CHECK(a["accepted"].AsInt() == 2);
  CHECK(a["duplicate"].AsInt() == 1);
  REQUIRE(WaitUntil([&] { return got.size() == 3; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  CHECK(got.get() == std::vector<std::int64_t>{1, 2, 3});
  // Another wire version fails clearly, nothing stored.
  std::string v3 = R"({"v":3,"events":[)" + event("b-4", 4) + "]}";
  r = luxtest::Call(s.port(), "POST", "/_lux/events", v3, Signed(v3));
  REQUIRE(r);
  CHECK(r->status == 400);
  CHECK(r->Json()["error"].AsString().find("build the program's servers with the same luxc") != std::string::npos);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(got.size() == 3);
}

TEST_CASE("event outbox: a lane's rows stay in order across batches, and a seq that comes back after the outbox "
          "emptied does not replace a dead letter") {
  std::string path = TempStore("seq-reuse.db");
  auto box = lux::bus::Outbox::Open(path);
  auto row = [](const std::string& id) {
    lux::bus::EventRow r;
    r.lane = "local:a:0";
    r.event_id = id;
    r.event = "a";
    r.payload_json = "{}";
    r.publisher = "api";
    return r;
  };
  box->Insert({row("e1")});
  auto first = box->Batch("local:a:0", 10, 1 << 20);
  REQUIRE(first.size() == 1);
  box->Dead(first[0], "failed for good", 1);
  CHECK(box->Pending("local:a:0") == 0);
  box->Insert({row("e2")});  // the outbox was empty: the same seq may come back
  box->Insert({row("e3")});
  box->Insert({row("e4")});
  auto batch = box->Batch("local:a:0", 2, 1 << 20);
  REQUIRE(batch.size() == 2);
  CHECK(batch[0].event_id == "e2");
  CHECK(batch[1].event_id == "e3");
  lux::bus::BatchOutcome o;
  o.handled_through = batch[0].seq;  // e2 handled, e3 failed for good
  o.failed = &batch[1];
  o.dead = true;
  o.error = "failed for good";
  box->Settle("local:a:0", o, 2);
  CHECK(box->DeadCount() == 2);
  auto rest = box->Batch("local:a:0", 10, 1 << 20);
  REQUIRE(rest.size() == 1);
  CHECK(rest[0].event_id == "e4");
  CHECK(rest[0].seq > batch[1].seq);
}

TEST_CASE("event outbox: a new file keys rows by lane and seq in one b-tree - rows stored before a restart come first - "
          "an outbox of the rowid layout with its lane index keeps working") {
  auto row = [](const std::string& lane, const std::string& id) {
    lux::bus::EventRow r;
    r.lane = lane;
    r.event_id = id;
    r.event = "a";
    r.payload_json = "{}";
    r.publisher = "api";
    return r;
  };
  auto ids = [](const std::vector<lux::bus::EventRow>& rows) {
    std::vector<std::string> out;
    for (const auto& r : rows) out.push_back(r.event_id);
    return out;
  };
  std::string path = TempStore("layout.db");
  {
    auto box = lux::bus::Outbox::Open(path);
    box->Insert({row("l1", "a1"), row("l2", "b1")});
    box->Insert({row("l1", "a2")});
  }
  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, "SELECT sql FROM sqlite_master WHERE name = 'outbox'", -1, &st, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    CHECK(std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, 0))).find("WITHOUT ROWID") != std::string::npos);
    sqlite3_finalize(st);
    REQUIRE(sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'outbox'", -1, &st,
                               nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    CHECK(sqlite3_column_int(st, 0) == 0);  // the table is the (lane, seq) b-tree: no index beside it
    sqlite3_finalize(st);
    sqlite3_close(db);
  }
  {
    auto box = lux::bus::Outbox::Open(path);  // reopened: new rows follow the queued ones
    box->Insert({row("l1", "a3")});
    auto batch = box->Batch("l1", 10, 1 << 20);
    CHECK(ids(batch) == std::vector<std::string>{"a1", "a2", "a3"});
    lux::bus::BatchOutcome o;
    o.handled_through = batch[0].seq;
    o.failed = &batch[1];
    o.attempts = 1;
    o.next_at_ms = 5;
    o.error = "boom";
    box->Settle("l1", o, 1);
    auto rest = box->Batch("l1", 10, 1 << 20);
    REQUIRE(rest.size() == 2);
    CHECK(rest[0].event_id == "a2");
    CHECK(rest[0].attempts == 1);
    CHECK(rest[0].next_at_ms == 5);
    CHECK(ids(box->Batch("l2", 10, 1 << 20)) == std::vector<std::string>{"b1"});
  }
  // The layout outboxes had before: a rowid table numbered by seq and an index on (lane, seq).
  std::string old_path = TempStore("rowid-layout.db");
  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(old_path.c_str(), &db) == SQLITE_OK);
    const char* old_schema =
        "CREATE TABLE outbox (seq INTEGER PRIMARY KEY, lane TEXT NOT NULL, event_id TEXT NOT NULL, event TEXT NOT NULL,"
        " payload TEXT NOT NULL, publisher TEXT NOT NULL, request_id TEXT NOT NULL, attempts INTEGER NOT NULL,"
        " next_at INTEGER NOT NULL, last_error TEXT, traceparent TEXT NOT NULL DEFAULT '');"
        "CREATE INDEX outbox_lane ON outbox (lane, seq);"
        "INSERT INTO outbox (seq, lane, event_id, event, payload, publisher, request_id, attempts, next_at)"
        " VALUES (7, 'l1', 'old-1', 'a', '{}', 'api', '', 0, 0), (9, 'l1', 'old-2', 'a', '{}', 'api', '', 0, 0);";
    REQUIRE(sqlite3_exec(db, old_schema, nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
  }
  auto box = lux::bus::Outbox::Open(old_path);
  box->Insert({row("l1", "new-1")});
  auto batch = box->Batch("l1", 10, 1 << 20);
  CHECK(ids(batch) == std::vector<std::string>{"old-1", "old-2", "new-1"});
  CHECK(batch[2].seq > 9);
  lux::bus::BatchOutcome o;
  o.handled_through = batch[0].seq;
  o.failed = &batch[1];
  o.dead = true;
  o.error = "failed for good";
  box->Settle("l1", o, 1);
  CHECK(box->DeadCount() == 1);
  CHECK(ids(box->Batch("l1", 10, 1 << 20)) == std::vector<std::string>{"new-1"});
  CHECK(box->Pending("l1") == 1);
}

TEST_CASE("events: publishes from 8 threads at once share commits - each handled once in its thread's order") {
  std::mutex mu;
  std::map<std::int64_t, std::vector<std::int64_t>> by_thread;
  std::size_t total = 0;
  std::string store = TempStore("group-commit.db");
  luxtest::TestServer s{[&](lux::App& app) {
    lux::Events(app).path = store;
    lux::RegisterSubscriber(app, "many", [&](const lux::Value& v) {
      std::lock_guard<std::mutex> lock(mu);
      by_thread[v["t"].AsInt()].push_back(v["n"].AsInt());
      ++total;
    });
  }};
  constexpr int kThreads = 8, kEach = 200;
  std::vector<std::thread> threads;
  std::atomic<int> empty_ids{0};
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int n = 0; n < kEach; ++n)
        if (lux::rt::Publish("many", lux::Value{{"t", t}, {"n", n}}).size() != 36) ++empty_ids;
    });
  for (auto& th : threads) th.join();
  CHECK(empty_ids == 0);
  REQUIRE(WaitUntil([&] {
    std::lock_guard<std::mutex> lock(mu);
    return total >= static_cast<std::size_t>(kThreads * kEach);
  }));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  std::lock_guard<std::mutex> lock(mu);
  CHECK(total == static_cast<std::size_t>(kThreads * kEach));
  for (int t = 0; t < kThreads; ++t) CHECK(by_thread[t] == Iota(0, kEach));
}

TEST_CASE("event outbox: a process killed right after its publishes returned loses none of them - the WAL, "
          "checkpointed by the outbox's own thread, stays bounded") {
  std::string path = TempStore("killed.db");
  constexpr int kRows = 6'000;  // ~14,000 WAL frames: background checkpoints and restarts happen
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    auto box = lux::bus::Outbox::Open(path);
    for (int i = 0; i < kRows; ++i) {
      lux::bus::EventRow r;
      r.lane = "local:a:0";
      r.event_id = "e" + std::to_string(i);
      r.event = "a";
      r.payload_json = "{\"n\":" + std::to_string(i) + "}";
      r.publisher = "api";
      box->Insert({r});
    }
    ::raise(SIGKILL);  // no close, no final checkpoint: what the WAL and the file hold is all
    ::_exit(3);
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGKILL);
  std::error_code ec;
  auto wal = std::filesystem::file_size(path + "-wal", ec);
  CHECK(!ec);
  CHECK(wal < 9'000'000);  // 8,192 frames of 1 KiB pages at most (a commit past that checkpoints)
  auto box = lux::bus::Outbox::Open(path);
  REQUIRE(box->Pending("local:a:0") == kRows);
  std::vector<lux::bus::EventRow> first = box->Batch("local:a:0", 3, 1 << 20);
  REQUIRE(first.size() == 3);
  CHECK(first[0].event_id == "e0");
  CHECK(first[2].payload_json == "{\"n\":2}");
}

TEST_CASE("events: a lane delivering from memory still gets the rows another connection adds to its outbox, "
          "and deletes only what it delivered") {
  Seen seen;
  std::string store = TempStore("foreign.db");
  luxtest::TestServer s{[&](lux::App& app) {
    lux::Events(app).path = store;
    lux::RegisterSubscriber(app, "tick", [&](const lux::Value& v) { seen.Add(v); });
    PublishRoute(app);
  }};
  for (int i = 0; i < 5; ++i) REQUIRE(luxtest::Call(s.port(), "POST", "/publish/tick/" + std::to_string(i)));
  REQUIRE(WaitUntil([&] { return seen.size() == 5; }));  // the lane has caught up: from memory now
  // Another process publishing into the same file (a task run, the old process of a swap): its
  // own connection, numbering its rows from what it found at its open, so below the seqs this
  // server goes on with (its first publish finds its seq taken and numbers past them). A lane
  // that deleted its handled range without noticing them would drop them undelivered.
  auto other = lux::bus::Outbox::Open(store);
  for (int i = 0; i < 20; ++i) {
    lux::bus::EventRow r;
    r.lane = "local:tick:0";
    r.event_id = "foreign-" + std::to_string(i);
    r.event = "tick";
    r.payload_json = "{\"n\":" + std::to_string(100 + i) + "}";
    r.publisher = "task";
    other->Insert({r});
  }
  for (int i = 5; i < 25; ++i) {
    auto r = luxtest::Call(s.port(), "POST", "/publish/tick/" + std::to_string(i));
    REQUIRE(r);
    CHECK(r->status == 200);
  }
  REQUIRE(WaitUntil([&] { return seen.size() == 45; }));
  std::vector<std::int64_t> got = seen.get(), mine, theirs;
  for (std::int64_t n : got) (n >= 100 ? theirs : mine).push_back(n);
  CHECK(mine == Iota(0, 25));      // this server's events in publish order
  CHECK(theirs == Iota(100, 120));  // the other connection's, in its order
  REQUIRE(WaitUntil([&] { return other->Pending("local:tick:0") == 0; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(seen.size() == 45);  // each once
}

TEST_CASE("events: a lane whose memory queue overflows while its handler is busy reads the rest from the outbox, "
          "in order, each once") {
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  Seen seen;
  std::string store = TempStore("overflow.db");
  luxtest::TestServer s{[&](lux::App& app) {
    lux::Events(app).path = store;
    lux::RegisterSubscriber(app, "burst", [&](const lux::Value& v) {
      if (v["n"].AsInt() == 0) {  // holds the lane while the queue fills past its bound
        std::unique_lock<std::mutex> lock(mu);
        cv.wait(lock, [&] { return release; });
      }
      seen.Add(v);
    });
  }};
  // A first event seen: the lane found the outbox empty and takes new rows from memory now.
  REQUIRE(lux::rt::Publish("burst", lux::Value{{"n", -1}}).size() == 36);
  REQUIRE(WaitUntil([&] { return seen.size() == 1; }));
  constexpr int kEvents = 17'000;  // past the 16,384 rows a lane keeps in memory
  for (int n = 0; n < kEvents; ++n) REQUIRE(lux::rt::Publish("burst", lux::Value{{"n", n}}).size() == 36);
  {
    std::lock_guard<std::mutex> lock(mu);
    release = true;
  }
  cv.notify_all();
  REQUIRE(WaitUntil([&] { return seen.size() >= static_cast<std::size_t>(kEvents) + 1; }, 30'000));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(seen.get() == Iota(-1, kEvents));
}

TEST_CASE("events: an event published just before a graceful stop is handled before the server ends") {
  for (int round = 0; round < 20; ++round) {
    Seen seen;
    std::string store = TempStore("stop-drain.db");
    luxtest::TestServer s{[&](lux::App& app) {
      lux::Events(app).path = store;
      lux::RegisterSubscriber(app, "last", [&](const lux::Value& v) { seen.Add(v); });
    }};
    if (round % 2) std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the lane idle, waiting
    REQUIRE(lux::rt::Publish("last", lux::Value{{"n", round}}).size() == 36);
    s.Stop();  // the lanes deliver what is due before they end
    CHECK(seen.get() == std::vector<std::int64_t>{round});
  }
}

namespace {

// Write calls (write, pwrite, ...) this process has made so far (/proc/self/io), or -1.
long long WriteCalls() {
  std::FILE* f = std::fopen("/proc/self/io", "r");
  if (!f) return -1;
  char line[128];
  long long n = -1;
  while (std::fgets(line, sizeof line, f))
    if (std::sscanf(line, "syscw: %lld", &n) == 1) break;
  std::fclose(f);
  return n;
}

long long CountRows(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  long long n = -1;
  if (sqlite3_open(path.c_str(), &db) == SQLITE_OK) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
      n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
  }
  sqlite3_close(db);
  return n;
}

}  // namespace

TEST_CASE("event outbox: a commit reaches the WAL in one write call - other connections read every committed row, "
          "a transaction larger than what is held at once and one after a failed commit included") {
  std::string path = TempStore("one-write.db");
  auto box = lux::bus::Outbox::Open(path);
  auto row = [](int i, std::size_t payload) {
    lux::bus::EventRow r;
    r.lane = "local:a:0";
    r.event_id = "e" + std::to_string(i);
    r.event = "a";
    r.payload_json = "{\"n\":" + std::to_string(i) + ",\"pad\":\"" + std::string(payload, 'x') + "\"}";
    r.publisher = "api";
    return r;
  };
  box->Insert({row(0, 10)});
  long long before = WriteCalls();
  constexpr int kCommits = 200;  // ~500 WAL frames of 1 KiB: no checkpoint writes meanwhile
  for (int i = 1; i <= kCommits; ++i) box->Insert({row(i, 10)});
  long long after = WriteCalls();
  if (before >= 0) {
    INFO("write calls for " << kCommits << " commits: " << after - before);
    CHECK(after - before <= kCommits + 10);  // SQLite alone: two per frame (header, page), ~480
  }
  CHECK(CountRows(path, "SELECT COUNT(*) FROM outbox") == kCommits + 1);  // another connection, the default VFS
  // One transaction of ~3 MB: past what is held at once, and past the page cache (pages spill to
  // the WAL and are read back from it before the commit).
  std::vector<lux::bus::EventRow> big;
  for (int i = 0; i < 3'000; ++i) big.push_back(row(10'000 + i, 1'000));
  box->Insert(big);
  CHECK(CountRows(path, "SELECT COUNT(*) FROM outbox") == kCommits + 1 + 3'000);
  CHECK(CountRows(path, "SELECT SUM(LENGTH(payload)) FROM outbox WHERE event_id = 'e12999'") ==
        static_cast<long long>(big.back().payload_json.size()));
  // A transaction that fails after writing (a trigger refuses its last row) leaves the WAL as it
  // was: the next commit and a reopen see every committed row and none of the failed one.
  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, "CREATE TRIGGER refuse BEFORE INSERT ON outbox WHEN NEW.event_id = 'bad' "
                             "BEGIN SELECT RAISE(ABORT, 'refused'); END",
                         nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
  }
  auto bad = row(0, 500);
  bad.event_id = "bad";
  CHECK_THROWS(box->Insert({row(20'000, 500), bad}));
  box->Insert({row(20'001, 10)});
  box.reset();  // closed: the next open reads the file and its WAL as another process would
  auto again = lux::bus::Outbox::Open(path);
  CHECK(again->Pending("local:a:0") == kCommits + 1 + 3'000 + 1);
  auto head = again->Batch("local:a:0", 2, 1 << 20);
  REQUIRE(head.size() == 2);
  CHECK(head[0].event_id == "e0");
  CHECK(head[1].event_id == "e1");
}
