// Runtime components and their lifecycle (server/component.h, server/lifecycle.h), through a
// real lux::App on loopback and through Lifecycle with a Host of its own (command runs): the
// order of open/start/stop/close whatever the registration order, where on_start and on_stop
// run, unwinding when a component fails to open or start or on_start fails, a stop requested
// during the start, stages on the request path, and which components a command run opens.

#include <unistd.h>

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "lux/db.h"
#include "lux/docs.h"
#include "lux/events.h"
#include "lux/jobs.h"
#include "server/component.h"
#include "server/lifecycle.h"
#include "test_http.h"

using lux::server::Component;
using lux::server::Order;
using lux::server::RunMode;

namespace {

using Log = std::vector<std::string>;

// Records every step in a shared log; optionally fails or runs an action at a step.
class Recorder final : public Component {
 public:
  Recorder(Order order, std::string name, Log& log) : Component(order, std::move(name)), log_(log) {}

  bool TakesPart(RunMode run) const override { return run != RunMode::kAdmin || in_admin; }
  void Open(lux::server::Host& host) override {
    log_.push_back("open " + name());
    if (during_open) during_open(host);
    if (!fail_open.empty()) throw std::runtime_error(fail_open);
  }
  void Start(lux::server::Host&) override {
    log_.push_back("start " + name());
    if (!fail_start.empty()) throw std::runtime_error(fail_start);
  }
  void Stop(lux::server::Deadline) override { log_.push_back("stop " + name()); }
  void Close() override { log_.push_back("close " + name()); }

  std::string fail_open, fail_start;
  std::function<void(lux::server::Host&)> during_open;
  bool in_admin = false;

 private:
  Log& log_;
};

Recorder& Add(lux::App& app, Order order, const std::string& name, Log& log) {
  return static_cast<Recorder&>(lux::server::AddComponent(app, std::make_unique<Recorder>(order, name, log)));
}

void Quiet(lux::App& app) {
  app.options().host = "127.0.0.1";
  app.options().port = 0;
  app.options().threads = 1;
  app.options().log_level = lux::LogLevel::kOff;
  app.options().handle_signals = false;
}

std::string StartError(lux::App& app) {
  try {
    app.Start();
  } catch (const lux::StartupError& e) {
    return e.what();
  }
  return "";
}

// Whether something accepts connections on the port.
bool Listening(std::uint16_t port) {
  luxtest::Conn c(port);
  return c.ok();
}

// A Host for Lifecycle alone (command runs).
class FakeHost final : public lux::server::Host {
 public:
  explicit FakeHost(RunMode mode) : mode_(mode) {}
  const std::string& AppName() const override { return name_; }
  RunMode Mode() const override { return mode_; }
  const lux::ServerOptions& Options() const override { return options_; }
  void AddRoute(std::string_view, std::string_view, lux::Handler) override {}
  void AddStage(lux::Middleware) override {}
  void SetBodyStreams(lux::server::BodyStreamFactory) override {}
  void AddProbe(std::string_view, lux::Handler) override {}
  void ObserveRequests(lux::server::RequestObserver*) override {}

 private:
  std::string name_ = "cmd";
  RunMode mode_;
  lux::ServerOptions options_;
};

// App::Run with these arguments; its exit code and what it wrote to stderr (the pipe holds it:
// a start-up failure is one short line).
std::pair<int, std::string> RunCapturingStderr(lux::App& app, std::vector<std::string> args) {
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int pipe_fds[2];
  REQUIRE(::pipe(pipe_fds) == 0);
  int saved = ::dup(2);
  ::dup2(pipe_fds[1], 2);
  int code = app.Run(static_cast<int>(args.size()), argv.data());
  ::dup2(saved, 2);
  ::close(saved);
  ::close(pipe_fds[1]);
  std::string err;
  char buf[512];
  for (ssize_t n; (n = ::read(pipe_fds[0], buf, sizeof buf)) > 0;) err.append(buf, static_cast<std::size_t>(n));
  ::close(pipe_fds[0]);
  return {code, err};
}

}  // namespace

TEST_CASE("components open and start in their order, stop and close in reverse, on_start and on_stop in between") {
  Log log;
  lux::App app("order");
  Quiet(app);
  // Registered out of order: the list keeps the order of server::Order.
  Add(app, Order::kBus, "bus", log);
  Add(app, Order::kDb, "db", log);
  Add(app, Order::kJobs, "jobs", log);
  app.OnStart([&] { log.push_back("on_start 1"); });
  app.OnStart([&] { log.push_back("on_start 2"); });
  app.OnStop([&] { log.push_back("on_stop 1"); });
  app.OnStop([&] { log.push_back("on_stop 2"); });
  app.Get("/log", [&](lux::Request&) { return lux::Respond(200, lux::Value(static_cast<long long>(log.size()))); });
  app.Start();
  CHECK(log == Log{"open db", "open jobs", "open bus", "on_start 1", "on_start 2", "start db", "start jobs", "start bus"});
  auto r = luxtest::Call(app.port(), "GET", "/log");
  REQUIRE(r);
  CHECK(r->status == 200);  // serving once everything is up
  log.clear();
  app.Shutdown();
  app.Wait();
  CHECK(log == Log{"stop bus", "stop jobs", "stop db", "on_stop 2", "on_stop 1", "close bus", "close jobs", "close db"});
}

TEST_CASE("a component that fails to open fails the start with its name, and the ones opened before are closed") {
  Log log;
  bool started = false, stopped = false;
  std::uint16_t port = 0;
  {
    lux::App app("failing");
    Quiet(app);
    Add(app, Order::kDb, "db", log);
    Add(app, Order::kJobs, "jobs", log);
    Add(app, Order::kBus, "bus", log).fail_open = "disk full";
    Add(app, Order::kServices, "services", log);
    app.OnStart([&] { started = true; });
    app.OnStop([&] { stopped = true; });
    app.Get("/x", [](lux::Request&) { return lux::Respond(200, lux::Value(1)); });
    CHECK(StartError(app) == "bus: disk full");
    port = app.port();
    CHECK(log == Log{"open db", "open jobs", "open bus", "close bus", "close jobs", "close db"});
    CHECK_FALSE(started);
    CHECK_FALSE(stopped);
    app.Shutdown();
    app.Wait();  // nothing left to do
  }
  CHECK(log.size() == 6);  // no second close from the App's destructor
  if (port != 0) CHECK_FALSE(Listening(port));
}

TEST_CASE("a StartupError from a component is the start's error as it is") {
  Log log;
  lux::App app("named");
  Quiet(app);
  Add(app, Order::kDb, "db", log).during_open = [](lux::server::Host&) {
    throw lux::StartupError("env LUX_DB_URL: expected postgres://...");
  };
  CHECK(StartError(app) == "env LUX_DB_URL: expected postgres://...");
  CHECK(log == Log{"open db", "close db"});
}

TEST_CASE("a failing on_start closes every component and starts none, and on_stop does not run") {
  Log log;
  lux::App app("hook");
  Quiet(app);
  Add(app, Order::kDb, "db", log);
  Add(app, Order::kBus, "bus", log);
  app.OnStart([] { throw std::runtime_error("seed data missing"); });
  app.OnStop([&] { log.push_back("on_stop"); });
  CHECK(StartError(app) == "on_start failed: seed data missing");
  CHECK(log == Log{"open db", "open bus", "close bus", "close db"});
}

TEST_CASE("a component that fails to start: the started ones stop, on_stop runs, all close") {
  Log log;
  lux::App app("start");
  Quiet(app);
  Add(app, Order::kDb, "db", log);
  Add(app, Order::kJobs, "jobs", log).fail_start = "no threads";
  Add(app, Order::kBus, "bus", log);
  app.OnStart([&] { log.push_back("on_start"); });
  app.OnStop([&] { log.push_back("on_stop"); });
  CHECK(StartError(app) == "jobs: no threads");
  CHECK(log == Log{"open db", "open jobs", "open bus", "on_start", "start db", "start jobs", "stop jobs", "stop db",
                   "on_stop", "close bus", "close jobs", "close db"});
}

TEST_CASE("a stop requested during the start brings down what is up and serves nothing") {
  Log log;
  SECTION("from on_start: the components stop without starting, on_stop pairs with on_start") {
    lux::App app("stop-hook");
    Quiet(app);
    Add(app, Order::kDb, "db", log);
    Add(app, Order::kBus, "bus", log);
    app.OnStart([&] {
      log.push_back("on_start");
      app.Shutdown();
    });
    app.OnStop([&] { log.push_back("on_stop"); });
    app.Start();  // returns: nothing to serve
    CHECK(log == Log{"open db", "open bus", "on_start", "on_stop", "close bus", "close db"});
    CHECK_FALSE(Listening(app.port()));
    app.Wait();  // returns at once
    CHECK(log.size() == 6);
  }
  SECTION("while a component opens (a signal on another thread): no on_start, the opened ones close") {
    lux::App app("stop-open");
    Quiet(app);
    Add(app, Order::kDb, "db", log).during_open = [&](lux::server::Host&) {
      std::thread([&] { app.Shutdown(); }).join();
    };
    Add(app, Order::kBus, "bus", log);
    app.OnStart([&] { log.push_back("on_start"); });
    app.Start();
    CHECK(log == Log{"open db", "close db"});
    CHECK_FALSE(Listening(app.port()));
    app.Shutdown();
    app.Wait();
  }
}

TEST_CASE("components add routes and stages when they open, and stages run outside the program's middleware") {
  Log log;
  lux::App app("stages");
  Quiet(app);
  app.Use([&](lux::Request& req, const lux::Next& next) {
    log.push_back("program middleware");
    return next(req);
  });
  auto stage = [&](std::string name) {
    return [&log, name](lux::Request& req, const lux::Next& next) {
      log.push_back("stage " + name);
      return next(req);
    };
  };
  Add(app, Order::kDocs, "docs", log).during_open = [&](lux::server::Host& host) {
    host.AddStage(stage("docs"));
    host.AddRoute("GET", "/_lux/probe", [](lux::Request&) { return lux::Respond(200, lux::Value("probe")); });
  };
  Add(app, Order::kDb, "db", log).during_open = [&](lux::server::Host& host) { host.AddStage(stage("db")); };
  app.Start();
  log.clear();
  auto r = luxtest::Call(app.port(), "GET", "/_lux/probe");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->body == "\"probe\"");
  CHECK(log == Log{"stage db", "stage docs", "program middleware"});
  app.Shutdown();
  app.Wait();
}

TEST_CASE("registration closes when the start begins") {
  Log log;
  lux::App app("closed");
  Quiet(app);
  Add(app, Order::kDb, "db", log);
  CHECK_THROWS_WITH(Add(app, Order::kDb, "db again", log), Catch::Contains("registered twice"));
  app.OnStart([&] { CHECK_THROWS_AS(Add(app, Order::kBus, "late", log), std::invalid_argument); });
  app.Start();
  CHECK_THROWS_AS(Add(app, Order::kJobs, "later", log), std::invalid_argument);
  app.Shutdown();
  app.Wait();
}

TEST_CASE("command runs: run-task opens and runs the hooks without starting, jobs commands open only their part") {
  Log log;
  lux::server::Lifecycle lc;
  lc.Add(std::make_unique<Recorder>(Order::kBus, "bus", log));
  auto jobs = std::make_unique<Recorder>(Order::kJobs, "jobs", log);
  jobs->in_admin = true;
  lc.Add(std::move(jobs));
  lc.on_start.push_back([&] { log.push_back("on_start"); });
  lc.on_stop.push_back([&] { log.push_back("on_stop"); });
  auto deadline = std::chrono::steady_clock::now();
  SECTION("task") {
    FakeHost host(RunMode::kTask);
    REQUIRE(lc.Up(host));
    CHECK(log == Log{"open jobs", "open bus", "on_start"});
    lc.Down(deadline);
    lc.Down(deadline);  // idempotent
    CHECK(log == Log{"open jobs", "open bus", "on_start", "on_stop", "close bus", "close jobs"});
  }
  SECTION("admin") {
    FakeHost host(RunMode::kAdmin);
    REQUIRE(lc.Up(host));
    lc.Down(deadline);
    CHECK(log == Log{"open jobs", "close jobs"});
  }
}

TEST_CASE("App::Run: a component that fails to open is exit 1 and one line on stderr") {
  Log log;
  lux::App app("runner");
  Quiet(app);
  Add(app, Order::kDb, "db", log);
  Add(app, Order::kServices, "services", log).fail_open = "no route to the registry";
  auto [code, err] = RunCapturingStderr(app, {"runner"});
  CHECK(code == 1);
  CHECK(err == "runner: services: no route to the registry\n");
  CHECK(log == Log{"open db", "open services", "close services", "close db"});
}

TEST_CASE("App::Run: a command no component provides is exit 1 with a line that says where commands come from") {
  Log log;
  lux::App app("runner");
  Quiet(app);
  Add(app, Order::kDb, "db", log);
  auto [code, err] = RunCapturingStderr(app, {"runner", "run-task", "cleanup"});
  CHECK(code == 1);
  CHECK(err.find("unknown command `run-task`: `run-task NAME` and `jobs` exist when the program declares background "
                 "jobs or schedules") != std::string::npos);
  CHECK(log.empty());
}

TEST_CASE("the runtime's subsystems register themselves as components, one each, whatever the registration order") {
  lux::App app("subsystems");
  Quiet(app);
  lux::RegisterSubscriber(app, "e", [](const lux::Value&) {});
  lux::RegisterJob(app, "j", {}, [](const lux::Value&) {});
  lux::RegisterJob(app, "k", {}, [](const lux::Value&) {});
  lux::RegisterModel(app, {"Item", "items", {{"name", lux::ColumnType::kString}}});
  lux::ServeDocs(app, "subsystems");
  auto name = [&](Order o) {
    Component* c = lux::server::FindComponent(app, o);
    return c ? c->name() : std::string("none");
  };
  CHECK(name(Order::kDb) == "db");
  CHECK(name(Order::kJobs) == "jobs");
  CHECK(name(Order::kScheduler) == "scheduler");
  CHECK(name(Order::kBus) == "bus");
  CHECK(name(Order::kServices) == "none");  // no service discovered, no RPC exposed
  CHECK(name(Order::kDocs) == "docs");
}
