// Discovered services: the circuit breaker's transitions on a stepped clock, and RPC over
// loopback against a fault-injecting peer (slow, 500, refused, hanging) driving the breaker,
// round-robin over healthy instances, health checks, request-id propagation, ExposeRpc errors,
// typed parameters (400 naming the parameter, not a breaker failure), program servers' URLs;
// a test executable's mock (services::SetRpcMock) answering in place of the peer;
// the program secret: only signed calls run (unsigned, wrongly keyed, stale, replayed, altered,
// malformed: 401 and nothing runs), the start-up refusal without it, the bounded nonce memory.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <optional>
#include <random>
#include <string>

#include "core/internal_auth.h"
#include "services/breaker.h"
#include "services/registry.h"
#include "test_http.h"

using lux::services::Breaker;
using State = Breaker::State;

namespace {

// The servers of these tests belong to one program: they share its secret, as an operator sets it.
constexpr const char* kProgramSecret = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const bool kProgramSecretSet = [] { return ::setenv("LUX_PROGRAM_SECRET", kProgramSecret, 1) == 0; }();

std::int64_t NowS() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string NewNonce() {
  static std::mt19937_64 rng{std::random_device{}()};
  char buf[33];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(rng()),
                static_cast<unsigned long long>(rng()));
  return buf;
}

// Headers of a raw POST signed as a server of the program would sign it.
std::string Signed(const std::string& path, const std::string& body, std::int64_t t = NowS(),
                   const std::string& nonce = NewNonce(), const std::string& secret = kProgramSecret) {
  return "Content-Type: application/json\r\nX-Lux-Signature: " +
         lux::core::InternalSignature(secret, "POST", path, body, t, nonce) + "\r\n";
}

// Sets (or unsets, with nullptr) an environment variable for one scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) ::setenv(name, value, 1);
    else ::unsetenv(name);
  }
  ~ScopedEnv() {
    if (old_) ::setenv(name_, old_->c_str(), 1);
    else ::unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

struct FakeClock {
  std::int64_t now = 1'000'000;
  Breaker::Clock fn() {
    return [this] { return now; };
  }
};

// A peer whose RPC functions misbehave on purpose.
struct FaultyPeer {
  std::atomic<int> calls{0};
  std::atomic<bool> healthy{true};
  std::string last_request_id;
  luxtest::TestServer server{[this](lux::App& app) {
    lux::ExposeRpc(app, "echo", [this](const lux::Value& args) {
      ++calls;
      last_request_id = lux::rt::RequestId();
      return args;
    });
    lux::ExposeRpc(app, "fail", [this](const lux::Value&) -> lux::Value {
      ++calls;
      throw std::runtime_error("boom");
    });
    lux::ExposeRpc(app, "slow", [this](const lux::Value&) -> lux::Value {
      ++calls;
      lux::rt::Sleep(400);
      return lux::Value("late");
    });
    lux::ExposeRpc(app, "bad_args", [](const lux::Value&) -> lux::Value { throw lux::HttpError(400, "n must be positive"); });
    // As the code generator exposes `fn twice(n: Int)`: the parameter's type checked first.
    lux::ExposeRpc(app, "twice", [this](const lux::Value& args) {
      const lux::Value& n = lux::rt::RpcArg(args, 0, "twice", "n", "Int");
      ++calls;  // only when the argument fits
      return lux::Value(n.AsInt() * 2);
    });
    lux::ExposeRpc(app, "half", [](const lux::Value& args) {
      return lux::Value(lux::rt::RpcArg(args, 0, "half", "x", "Float").AsFloat() / 2);
    });
    app.Get("/health", [this](lux::Request&) { return lux::Respond(healthy ? 200 : 503, lux::Value{{"ok", healthy.load()}}); });
  }};
  std::string url() { return "http://127.0.0.1:" + std::to_string(server.port()); }
};

std::uint16_t RefusedPort() {
  // Bind and close: nothing listens there afterwards (good enough on loopback for a test).
  luxtest::TestServer s{[](lux::App&) {}};
  std::uint16_t p = s.port();
  s.Stop();
  return p;
}

lux::ServiceOptions Opts(std::vector<std::string> urls, int threshold = 2, std::int64_t reset = 1000) {
  lux::ServiceOptions o;
  o.urls = std::move(urls);
  o.timeout_ms = 200;
  o.failure_threshold = threshold;
  o.reset_timeout_ms = reset;
  o.half_open_requests = 1;
  return o;
}

lux::Value Args(std::initializer_list<lux::Value> a) { return lux::Value(lux::Array(a)); }

}  // namespace

TEST_CASE("breaker: closed, open after the threshold, rejects, half-open after the reset, closes on success",
          "[services]") {
  FakeClock clock;
  Breaker b("svc", 3, 30'000, 1, clock.fn());
  CHECK(b.state() == State::kClosed);
  for (int i = 0; i < 2; ++i) {
    REQUIRE(b.Allow());
    b.OnFailure();
  }
  CHECK(b.state() == State::kClosed);
  REQUIRE(b.Allow());
  b.OnSuccess();  // a success resets the consecutive count
  for (int i = 0; i < 3; ++i) {
    REQUIRE(b.Allow());
    b.OnFailure();
  }
  CHECK(b.state() == State::kOpen);
  CHECK_FALSE(b.Allow());
  CHECK_FALSE(b.Allow());
  CHECK(b.stats().rejected == 2);
  clock.now += 29'999;
  CHECK_FALSE(b.Allow());
  clock.now += 1;
  CHECK(b.state() == State::kHalfOpen);
  REQUIRE(b.Allow());        // the one trial call
  CHECK_FALSE(b.Allow());    // no second one while it is in flight
  b.OnSuccess();
  CHECK(b.state() == State::kClosed);
  CHECK(b.Allow());
  CHECK(b.stats().times_opened == 1);
}

TEST_CASE("breaker: a failed trial opens it again for another reset timeout", "[services]") {
  FakeClock clock;
  Breaker b("svc", 1, 1'000, 2, clock.fn());
  REQUIRE(b.Allow());
  b.OnFailure();
  CHECK(b.state() == State::kOpen);
  clock.now += 1'000;
  REQUIRE(b.Allow());
  REQUIRE(b.Allow());  // half_open_requests = 2
  CHECK_FALSE(b.Allow());
  b.OnSuccess();
  CHECK(b.state() == State::kHalfOpen);  // one of two trials succeeded so far
  b.OnFailure();
  CHECK(b.state() == State::kOpen);
  clock.now += 999;
  CHECK_FALSE(b.Allow());
  clock.now += 1;
  CHECK(b.state() == State::kHalfOpen);
  CHECK(b.stats().times_opened == 2);
}

TEST_CASE("breaker: health checks feed it", "[services]") {
  FakeClock clock;
  Breaker b("svc", 2, 500, 1, clock.fn());
  b.OnHealth(false);
  CHECK(b.state() == State::kClosed);
  b.OnHealth(false);
  CHECK(b.state() == State::kOpen);
  clock.now += 500;
  b.OnHealth(true);  // a healthy check while half-open closes it
  CHECK(b.state() == State::kClosed);
}

TEST_CASE("rpc: a call reaches the peer's function with its arguments and the request id", "[services]") {
  FaultyPeer peer;
  lux::App app("caller");
  lux::RegisterService(app, "rpc_echo", Opts({peer.url()}));
  CHECK(lux::rt::CallService("rpc_echo", "echo", Args({1, "two"})) == Args({1, "two"}));
  // Served by a request: the peer sees that request's id.
  luxtest::TestServer front{[](lux::App& a) {
    a.Get("/go", [](lux::Request&) { return lux::Respond(200, lux::rt::CallService("rpc_echo", "echo", Args({3}))); });
  }};
  auto r = luxtest::Call(front.port(), "GET", "/go", "", "X-Request-Id: rpc-trace-42\r\n");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(peer.last_request_id == "rpc-trace-42");
}

TEST_CASE("rpc: 500s, timeouts and refused connections open the breaker, then calls fail without a request",
          "[services]") {
  FakeClock clock;
  lux::services::SetBreakerClock(clock.fn());
  FaultyPeer peer;
  lux::App app("caller");
  lux::RegisterService(app, "rpc_faulty", Opts({peer.url()}, 2, 1'000));
  CHECK_THROWS_WITH(lux::rt::CallService("rpc_faulty", "fail", Args({})), Catch::Contains("answered 500"));
  CHECK_THROWS_WITH(lux::rt::CallService("rpc_faulty", "slow", Args({})), Catch::Contains("rpc_faulty.slow failed"));
  auto* svc = lux::services::Registry::Get().Find("rpc_faulty");
  REQUIRE(svc);
  CHECK(svc->breaker->state() == State::kOpen);
  int before = peer.calls;
  CHECK_THROWS_AS(lux::rt::CallService("rpc_faulty", "echo", Args({})), lux::CircuitOpenError);
  CHECK(peer.calls == before);  // rejected without a network call
  clock.now += 1'000;
  CHECK(lux::rt::CallService("rpc_faulty", "echo", Args({7})) == Args({7}));  // the trial succeeds
  CHECK(svc->breaker->state() == State::kClosed);
  // A 4xx is the caller's mistake, not an outage: it does not count against the peer.
  CHECK_THROWS_WITH(lux::rt::CallService("rpc_faulty", "bad_args", Args({})), Catch::Contains("n must be positive"));
  CHECK(svc->breaker->stats().consecutive_failures == 0);

  lux::RegisterService(app, "rpc_refused", Opts({"http://127.0.0.1:" + std::to_string(RefusedPort())}, 1, 1'000));
  CHECK_THROWS_WITH(lux::rt::CallService("rpc_refused", "echo", Args({})), Catch::Contains("rpc_refused.echo failed"));
  CHECK(lux::services::Registry::Get().Find("rpc_refused")->breaker->state() == State::kOpen);
  lux::services::SetBreakerClock(nullptr);
}

TEST_CASE("rpc: a hanging peer is cut off at the call's timeout", "[services]") {
  // A listener that accepts and never answers.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  REQUIRE(::listen(fd, 16) == 0);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  lux::App app("caller");
  lux::RegisterService(app, "rpc_hang", Opts({"http://127.0.0.1:" + std::to_string(ntohs(a.sin_port))}));
  auto t0 = std::chrono::steady_clock::now();
  CHECK_THROWS_WITH(lux::rt::CallService("rpc_hang", "echo", Args({})), Catch::Contains("rpc_hang.echo failed"));
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  CHECK(ms < 2'000);  // the timeout is 200 ms; generous for a loaded machine
  ::close(fd);
}

TEST_CASE("rpc: round-robin over the healthy instances, health checks mark a peer down", "[services]") {
  FaultyPeer a, b;
  lux::ServiceOptions o = Opts({a.url() + "," + b.url()}, 100);
  o.health = "/health";
  o.health_interval_ms = 100;
  luxtest::TestServer caller{[&](lux::App& app) { lux::RegisterService(app, "rpc_pair", o); }};
  for (int i = 0; i < 10; ++i) lux::rt::CallService("rpc_pair", "echo", Args({i}));
  CHECK(a.calls == 5);
  CHECK(b.calls == 5);
  b.healthy = false;
  auto* svc = lux::services::Registry::Get().Find("rpc_pair");
  for (int i = 0; i < 100 && svc->instances[1]->healthy; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  REQUIRE_FALSE(svc->instances[1]->healthy);
  int before_b = b.calls;
  for (int i = 0; i < 6; ++i) lux::rt::CallService("rpc_pair", "echo", Args({i}));
  CHECK(b.calls == before_b);  // the unhealthy one gets nothing
  caller.Stop();
}

TEST_CASE("rpc: the body of an RPC request is checked", "[services]") {
  REQUIRE(kProgramSecretSet);
  FaultyPeer peer;
  auto r = luxtest::Call(peer.server.port(), "POST", "/_lux/rpc/echo", "{\"nope\": 1}",
                         Signed("/_lux/rpc/echo", "{\"nope\": 1}"));
  REQUIRE(r);
  CHECK(r->status == 400);
  CHECK(r->body.find("args") != std::string::npos);
  r = luxtest::Call(peer.server.port(), "POST", "/_lux/rpc/echo", "{bad", Signed("/_lux/rpc/echo", "{bad"));
  REQUIRE(r);
  CHECK(r->status == 400);
}

TEST_CASE("breaker policy: 5xx answers are failures, 2xx to 4xx answers are not", "[services]") {
  for (int status : {200, 201, 204, 301, 304, 400, 401, 403, 404, 409, 422, 429, 499}) {
    CAPTURE(status);
    CHECK_FALSE(Breaker::IsFailureStatus(status));
  }
  for (int status : {500, 502, 503, 504, 599}) {
    CAPTURE(status);
    CHECK(Breaker::IsFailureStatus(status));
  }
}

TEST_CASE("rpc: wrongly typed arguments are 400 naming the parameter, and 20 of them do not open the breaker",
          "[services]") {
  FaultyPeer peer;
  lux::App app("caller");
  lux::RegisterService(app, "rpc_typed", Opts({peer.url()}, 2, 60'000));
  auto* svc = lux::services::Registry::Get().Find("rpc_typed");
  REQUIRE(svc);
  for (int i = 0; i < 20; ++i) {
    CHECK_THROWS_WITH(lux::rt::CallService("rpc_typed", "twice", Args({"x"})),
                      "call of rpc_typed.twice refused (400): argument `n` of twice: expected Int, found \"x\"");
  }
  CHECK_THROWS_WITH(lux::rt::CallService("rpc_typed", "twice", Args({})),
                    Catch::Contains("argument `n` of twice: expected Int, found nothing"));
  CHECK(peer.calls == 0);  // the function never ran
  // Other 4xx answers: an unknown function (404), a refused signature (401).
  for (int i = 0; i < 5; ++i)
    CHECK_THROWS_WITH(lux::rt::CallService("rpc_typed", "no_such_fn", Args({})), Catch::Contains("refused (404)"));
  CHECK(svc->breaker->state() == State::kClosed);
  CHECK(svc->breaker->stats().failures == 0);
  CHECK(lux::rt::CallService("rpc_typed", "twice", Args({21})) == lux::Value(42));
  CHECK(lux::rt::CallService("rpc_typed", "half", Args({3})) == lux::Value(1.5));  // an Int fits a Float
  // The peer's answer itself: details name the parameter and the expected type.
  std::string body = "{\"args\": [true]}";
  auto r = luxtest::Call(peer.server.port(), "POST", "/_lux/rpc/twice", body, Signed("/_lux/rpc/twice", body));
  REQUIRE(r);
  CHECK(r->status == 400);
  const lux::Value doc = lux::ParseJson(r->body);
  CHECK(doc["details"] == lux::Value{{"parameter", "n"}, {"expected", "Int"}});
  CHECK(doc["error"] == lux::Value("argument `n` of twice: expected Int, found true"));
  // A 5xx still counts: the breaker opens after two.
  CHECK_THROWS(lux::rt::CallService("rpc_typed", "fail", Args({})));
  CHECK_THROWS(lux::rt::CallService("rpc_typed", "fail", Args({})));
  CHECK(svc->breaker->state() == State::kOpen);
}

TEST_CASE("services: a server of the program discovered without a URL: LUX_SERVICE_, then LUX_PEER_, then its port",
          "[services]") {
  lux::App app("caller");
  lux::ServiceOptions o = Opts({"http://127.0.0.1:3101"});
  o.program_server = true;
  {
    ScopedEnv svc("LUX_SERVICE_PS_DEFAULT_URL", nullptr), peer("LUX_PEER_PS_DEFAULT_URL", nullptr);
    lux::RegisterService(app, "ps-default", o);
  }
  {
    ScopedEnv svc("LUX_SERVICE_PS_PEER_URL", nullptr), peer("LUX_PEER_PS_PEER_URL", "http://127.0.0.1:4102/");
    lux::RegisterService(app, "ps-peer", o);
  }
  {
    ScopedEnv svc("LUX_SERVICE_PS_BOTH_URL", "http://127.0.0.1:4201"), peer("LUX_PEER_PS_BOTH_URL", "http://127.0.0.1:4202");
    lux::RegisterService(app, "ps-both", o);
  }
  lux::ServiceOptions plain = Opts({"http://127.0.0.1:3101"});  // a URL written in the program
  {
    ScopedEnv peer("LUX_PEER_PS_PLAIN_URL", "http://127.0.0.1:4302");
    lux::RegisterService(app, "ps-plain", plain);
  }
  auto url = [](const char* name) { return lux::services::Registry::Get().Find(name)->instances.at(0)->url; };
  CHECK(url("ps-default") == "http://127.0.0.1:3101");
  CHECK(url("ps-peer") == "http://127.0.0.1:4102");
  CHECK(url("ps-both") == "http://127.0.0.1:4201");
  CHECK(url("ps-plain") == "http://127.0.0.1:3101");
}

TEST_CASE("services: LUX_SERVICE_<NAME>_URL names and URL lists", "[services]") {
  CHECK(lux::services::UrlEnvName("api") == "LUX_SERVICE_API_URL");
  CHECK(lux::services::UrlEnvName("user-db.v2") == "LUX_SERVICE_USER_DB_V2_URL");
  CHECK(lux::services::SplitUrls(" http://a:1/, http://b:2 ,,") == std::vector<std::string>{"http://a:1", "http://b:2"});
}

TEST_CASE("rpc: only calls signed with the program secret run, the others are 401 and run nothing", "[services]") {
  REQUIRE(kProgramSecretSet);
  FaultyPeer peer;
  std::uint16_t port = peer.server.port();
  const std::string path = "/_lux/rpc/echo", body = R"({"args":[1]})";
  auto refused = [&](const std::string& what, const std::string& headers, const std::string& target, const std::string& b,
                     const std::string& reason) {
    INFO(what);
    auto r = luxtest::Call(port, "POST", target, b, headers);
    REQUIRE(r);
    CHECK(r->status == 401);
    CHECK(r->Header("www-authenticate") == "LuxSignature realm=\"internal\"");
    CHECK(r->Json()["error"].AsString().find(reason) != std::string::npos);
    CHECK(peer.calls == 0);
  };
  refused("unsigned", "Content-Type: application/json\r\n", path, body, "signed with LUX_PROGRAM_SECRET");
  refused("another secret", Signed(path, body, NowS(), NewNonce(), std::string(64, 'x')), path, body, "bad signature");
  refused("stale", Signed(path, body, NowS() - lux::core::kSignatureWindowSeconds - 5), path, body, "window");
  refused("from the future", Signed(path, body, NowS() + lux::core::kSignatureWindowSeconds + 5), path, body, "window");
  refused("body altered", Signed(path, body), path, R"({"args":[2]})", "bad signature");
  refused("signed for another function", Signed("/_lux/rpc/fail", body), path, body, "bad signature");
  std::string good = lux::core::InternalSignature(kProgramSecret, "POST", path, body, NowS(), NewNonce());
  std::string upper = good;
  for (std::size_t i = upper.find(",s=") + 3; i < upper.size(); ++i) upper[i] = static_cast<char>(std::toupper(upper[i]));
  for (const std::string& h : {std::string("t=1"), std::string("garbage"), good + ",x=1", upper,
                               "t=-1" + good.substr(good.find(',')), "t=99999999999999" + good.substr(good.find(',')),
                               good.substr(0, good.find(",n=") + 3) + "zz" + good.substr(good.find(",n=") + 5)})
    refused("malformed: " + h, "Content-Type: application/json\r\nX-Lux-Signature: " + h + "\r\n", path, body, "");

  // A valid call runs once; the very same request sent again is a replay.
  std::string headers = Signed(path, body, NowS() - lux::core::kSignatureWindowSeconds + 5);
  auto r = luxtest::Call(port, "POST", path, body, headers);
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->Json()["result"] == Args({1}));
  CHECK(peer.calls == 1);
  r = luxtest::Call(port, "POST", path, body, headers);
  REQUIRE(r);
  CHECK(r->status == 401);
  CHECK(r->Json()["error"].AsString().find("replayed") != std::string::npos);
  CHECK(peer.calls == 1);

  // While a new secret is rolled out, the one in LUX_PROGRAM_SECRET_ACCEPT is accepted too.
  const std::string next(48, 'n');
  CHECK(luxtest::Call(port, "POST", path, body, Signed(path, body, NowS(), NewNonce(), next))->status == 401);
  {
    ScopedEnv accept("LUX_PROGRAM_SECRET_ACCEPT", next.c_str());
    CHECK(luxtest::Call(port, "POST", path, body, Signed(path, body, NowS(), NewNonce(), next))->status == 200);
    CHECK(luxtest::Call(port, "POST", path, body, Signed(path, body))->status == 200);
  }
  CHECK(peer.calls == 3);

  // rt::CallService signs its calls.
  lux::App app("caller");
  lux::RegisterService(app, "rpc_signed", Opts({peer.url()}));
  CHECK(lux::rt::CallService("rpc_signed", "echo", Args({"signed"})) == Args({"signed"}));
  CHECK(peer.calls == 4);
}

TEST_CASE("rpc: without LUX_PROGRAM_SECRET a server with RPC functions or calls refuses to start", "[services]") {
  ScopedEnv no_secret("LUX_PROGRAM_SECRET", nullptr);
  auto start = [](std::function<void(lux::App&)> setup) -> std::string {
    lux::App app("lonely");
    app.options().host = "127.0.0.1";
    app.options().port = 0;
    app.options().log_level = lux::LogLevel::kOff;
    app.options().handle_signals = false;
    setup(app);
    std::string error;
    try {
      app.Start();
    } catch (const lux::StartupError& e) {
      error = e.what();
    }
    app.Shutdown();
    app.Wait();
    return error;
  };
  auto expose = [](lux::App& app) { lux::ExposeRpc(app, "f", [](const lux::Value&) { return lux::Value(1); }); };
  std::string e = start(expose);
  CHECK(e.find("LUX_PROGRAM_SECRET is not set") != std::string::npos);
  CHECK(e.find("exposes RPC functions") != std::string::npos);
  CHECK(e.find("openssl rand -hex 32") != std::string::npos);
  CHECK(e.rfind("on_start failed", 0) == std::string::npos);  // the cause itself, not a wrapper
  e = start([](lux::App& app) { lux::RegisterService(app, "rpc_lonely", Opts({"http://127.0.0.1:9"})); });
  CHECK(e.find("calls RPC functions of other servers") != std::string::npos);
  {
    ScopedEnv short_secret("LUX_PROGRAM_SECRET", "hunter2");
    CHECK(start(expose).find("shorter than 32") != std::string::npos);
  }
  {
    ScopedEnv bus_token("LUX_BUS_TOKEN", "an old bus token");
    CHECK(start(expose).find("LUX_BUS_TOKEN is no longer read") != std::string::npos);
  }
  // LUX_INTERNAL_AUTH=off (a developer's machine): starts, and takes unsigned calls.
  ScopedEnv off("LUX_INTERNAL_AUTH", "off");
  CHECK(start(expose).empty());
  luxtest::TestServer open{expose};
  auto r = luxtest::Call(open.port(), "POST", "/_lux/rpc/f", R"({"args":[]})", "Content-Type: application/json\r\n");
  REQUIRE(r);
  CHECK(r->status == 200);
}

TEST_CASE("rpc: the nonce memory is bounded, past it older timestamps are refused and replays never pass",
          "[services]") {
  REQUIRE(kProgramSecretSet);
  const std::int64_t now = NowS();
  auto request = [&](std::int64_t t, const std::string& nonce) {
    lux::Request req;
    req.method = "POST";
    req.path = "/_lux/rpc/f";
    req.body = R"({"args":[]})";
    req.headers.Add(lux::core::kSignatureHeader,
                    lux::core::InternalSignature(kProgramSecret, "POST", req.path, req.body, t, nonce));
    return req;
  };
  // The first call is the oldest (t = now - 100); the others are newer.
  const lux::Request first = request(now - 100, NewNonce());
  REQUIRE_FALSE(lux::core::VerifyInternalCallAt(first, now));
  for (std::size_t i = 1; i < lux::core::kMaxRememberedNonces; ++i) {
    char nonce[33];
    std::snprintf(nonce, sizeof nonce, "%032zx", i);
    REQUIRE_FALSE(lux::core::VerifyInternalCallAt(request(now - 50, nonce), now));
  }
  // At the limit everything is remembered: the first is a replay.
  CHECK(lux::core::VerifyInternalCallAt(first, now).value_or("") .find("replayed") != std::string::npos);
  // One more forgets the first, and from then on its timestamp and older are refused.
  REQUIRE_FALSE(lux::core::VerifyInternalCallAt(request(now - 50, NewNonce()), now));
  CHECK(lux::core::VerifyInternalCallAt(first, now).has_value());
  CHECK(lux::core::VerifyInternalCallAt(request(now - 100, NewNonce()), now).has_value());
  CHECK_FALSE(lux::core::VerifyInternalCallAt(request(now - 99, NewNonce()), now));
}

// A test executable's mock (services::SetRpcMock, what mock_service installs): asked after the
// breaker and before the network; nullopt goes on to the peer; a throwing mock is a failure.
namespace {
std::optional<lux::Value> EchoMock(std::string_view service, std::string_view fn, const lux::Value& args) {
  if (service != "rpc_mocked") return std::nullopt;
  if (fn == "echo") return lux::Value{{"mocked", args}};
  if (fn == "broken") throw lux::Error("the mock broke");
  return std::nullopt;
}
}  // namespace

TEST_CASE("rpc: a mock answers before the network, an unmocked function reaches the peer, a throwing mock is a failure",
          "[services]") {
  FaultyPeer peer;
  lux::App app("caller");
  lux::RegisterService(app, "rpc_mocked", Opts({peer.url()}, 2, 60'000));
  auto* svc = lux::services::Registry::Get().Find("rpc_mocked");
  REQUIRE(svc);
  lux::services::SetRpcMock(&EchoMock);
  int before = peer.calls;
  CHECK(lux::rt::CallService("rpc_mocked", "echo", Args({1, "two"})) == lux::Value{{"mocked", Args({1, "two"})}});
  CHECK(peer.calls == before);  // no request was sent
  CHECK(svc->breaker->stats().successes == 1);
  CHECK_THROWS_WITH(lux::rt::CallService("rpc_mocked", "fail", Args({})), Catch::Contains("answered 500"));
  CHECK(peer.calls == before + 1);  // an unmocked function goes to the peer
  CHECK_THROWS_WITH(lux::rt::CallService("rpc_mocked", "broken", Args({})),
                    Catch::Contains("call of rpc_mocked.broken failed: the mock broke"));
  CHECK(svc->breaker->state() == State::kOpen);  // two failures: the threshold
  CHECK_THROWS_AS(lux::rt::CallService("rpc_mocked", "echo", Args({})), lux::CircuitOpenError);
  lux::services::SetRpcMock(nullptr);
  CHECK(lux::services::CurrentRpcMock() == nullptr);
}

// Generated code carries a failed call through the normal result path (docs/runtime.md#services):
// the kept failure, its raised form, the value a `catch` binds, and a `finally` body's aside.
TEST_CASE("rpc: a kept failure raises, is caught, and is set aside while a finally body runs", "[services]") {
  lux::CallResult refused;
  refused.status = 503;
  refused.rejected = true;
  refused.error = "call of dead.echo rejected: the circuit breaker of `dead` is open";
  lux::rt::DeferCallFailure(refused);
  REQUIRE(lux::rt::CallFailed());
  CHECK_THROWS_AS(lux::rt::Checked(lux::Value(1)), lux::CircuitOpenError);
  CHECK_FALSE(lux::rt::CallFailed());  // raising took it
  CHECK(lux::rt::Checked(lux::Value(1)) == lux::Value(1));

  lux::CallResult failed = refused;
  failed.rejected = false;
  failed.status = 502;
  lux::rt::DeferCallFailure(failed);
  try {
    lux::rt::RaiseFailedCall();
  } catch (const lux::CircuitOpenError&) {
    FAIL("a failed (not refused) call raises a plain lux::Error");
  } catch (const lux::Error& e) {
    CHECK(e.status() == 502);
    CHECK(lux::rt::CaughtCall(failed) == e.ToValue());
  }
  CHECK(lux::rt::CaughtCall(refused) == lux::CircuitOpenError(refused.error).ToValue());
  lux::rt::DeferCallFailure(refused);
  CHECK(lux::rt::CaughtFailedCall() == lux::CircuitOpenError(refused.error).ToValue());
  CHECK_FALSE(lux::rt::CallFailed());

  // Set aside while the body runs, kept again after it; not when the body raised its own error.
  lux::rt::DeferCallFailure(refused);
  {
    lux::rt::FailureAside aside;
    CHECK_FALSE(lux::rt::CallFailed());
  }
  CHECK(lux::rt::TakeCallFailure().has_value());
  CHECK_FALSE(lux::rt::TakeCallFailure().has_value());
  lux::rt::DeferCallFailure(refused);
  try {
    lux::rt::FailureAside aside;
    throw lux::Error("the finally body's own error", 500);
  } catch (const lux::Error&) {
  }
  CHECK_FALSE(lux::rt::CallFailed());
}

// A `finally` body whose failed calls return (generated as lux::stdlib::Finally's body with a
// FailureAside first): its own failure replaces one kept before it, which is set aside while it
// runs and kept again when it does not fail; a failure it keeps while a thrown error unwinds is
// dropped, as an error it raised then would be.
TEST_CASE("rpc: a finally body's kept failure replaces the one before it and is dropped while an error unwinds",
          "[services]") {
  lux::CallResult before;
  before.status = 502;
  before.error = "call of dead.list failed: connection refused";
  lux::CallResult own;
  own.status = 503;
  own.rejected = true;
  own.error = "call of dead.echo rejected: the circuit breaker of `dead` is open";
  struct AtExit {  // runs the body when the scope ends, as lux::stdlib::Finally does
    std::function<void()> body;
    ~AtExit() { body(); }
  };

  lux::rt::DeferCallFailure(before);
  {
    lux::rt::FailureAside aside;
    lux::rt::DeferCallFailure(own);
  }
  std::optional<lux::CallResult> kept = lux::rt::TakeCallFailure();
  REQUIRE(kept.has_value());
  CHECK(kept->error == own.error);
  CHECK(kept->rejected);

  lux::rt::DeferCallFailure(before);
  { lux::rt::FailureAside aside; }
  kept = lux::rt::TakeCallFailure();
  REQUIRE(kept.has_value());
  CHECK(kept->error == before.error);

  try {
    AtExit guard{[&] {
      lux::rt::FailureAside aside;
      lux::rt::DeferCallFailure(own);
    }};
    throw lux::Error("the try body's error", 500);
  } catch (const lux::Error& e) {
    CHECK(std::string(e.what()) == "the try body's error");
  }
  CHECK_FALSE(lux::rt::CallFailed());
}
