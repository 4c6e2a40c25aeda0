// The event bus in one process: local subscribers in publish order, isolation of a failing
// subscriber (retries, then its dead letter), payloads rejected by a subscriber's declared type,
// events that survive a restart, and POST /_lux/events (de-duplication by id, bad bodies, calls
// not signed with the program secret refused before anything is stored). Delivery between real
// server processes is tested end to end (tests/e2e, cases events and internal_auth).
#include <catch2/catch.hpp>

#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
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
