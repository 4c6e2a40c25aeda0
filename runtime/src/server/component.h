// A runtime subsystem as the App runs it (db, jobs, scheduler, bus, services, docs, ...): one
// interface with four steps, a fixed place in the order (Order), and Host, the small view of
// the App a component gets. The App keeps its components in one ordered list (lifecycle.h)
// and drives them; server/ knows no subsystem by name. Registering a subsystem is one call,
// Ensure<T>(app), from the subsystem's own registration function (RegisterJob, RegisterDb...).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lux/http.h"

namespace lux::server {

// What the process does this run: serve HTTP, or one of the commands a server binary takes
// instead (`run-task NAME`; `jobs`, `jobs retry ID`), or run a test executable's tests
// (`luxc test`: components open as for serving, requests arrive in process, nothing starts —
// the test drives time, jobs and events itself, lux/testing.h). Command and test runs start no
// background work.
enum class RunMode { kServe, kTask, kAdmin, kTest };
// Whether requests reach the App in this run (serving, or a test's in-process client).
inline bool ServesRequests(RunMode run) { return run == RunMode::kServe || run == RunMode::kTest; }

// The order components open and start in; they stop and close in reverse. One row per
// subsystem: a component may use those above it from its Open on.
enum class Order {
  // Metrics first: it opens before anything can count and answers scrapes until the rest closed.
  kMetrics,
  // Traces (src/tracing/): then, so it stops late and flushes the spans of everything below.
  kTracing,

  kDb,         // the database and models: everything below may read and write data
  kJobs,       // the job store and worker pool: on_start, tasks and subscribers spawn jobs
  kScheduler,  // schedules: tick in the job store, spawn jobs
  kBus,        // the event outbox (or Redis Streams) and its delivery lanes
  kRealtime,   // the realtime hub: sse_channel topics, WebSocket rooms, their Redis link
  kServices,   // discovered services: program secret, shared breakers, health checks
  kSession,    // sessions: the cookie read before the program's middleware, saved after it
  kDocs,       // GET /docs
  // Server blocks on the request path (src/http/): CORS first, so that a 429, an error or a
  // cached answer still carries its Access-Control-* headers; then the rate limit, which
  // answers before any handler runs; then the default Cache-Control.
  kCors,
  kRateLimit,
  kCacheDefaults,

  kCompression,  // its stage encodes the responses of every stage and route below it (static files too)
  kStatic,       // `static` directories: routes GET <prefix>/*, behind the program's routes
  kUpload,     // multipart/form-data bodies read as a stream (`upload { }`), temporary files

  kWebSocket,  // `ws` endpoints: upgrade routes, their connections and rooms (src/ws/)
};

using Deadline = std::chrono::steady_clock::time_point;

// A request body the server hands over piece by piece as it arrives instead of keeping it in
// Request::body (multipart uploads, src/http/upload.cpp). Made per request from the request's
// head by the factory a component installs (Host::SetBodyStreams); lives until the handler is done
// (released before the response is written), so what it holds (temporary files) goes in every case.
class BodyStream {
 public:
  virtual ~BodyStream() = default;
  // The most bytes the body may have: past it the server answers 413 and stops reading.
  virtual std::uint64_t Limit() const = 0;
  // The next bytes of the body. Throws lux::HttpError (its status, message and data answer
  // the request; the rest of the body is not read).
  virtual void Write(std::string_view bytes) = 0;
  // The body ended: completes `req` (what the program reads). Throws lux::HttpError.
  virtual void Finish(Request& req) = 0;
};
// The stream for a request (its head: method, target, path, headers; no body), or nullptr to
// read the body as usual. Throws lux::HttpError to refuse the request before its body.
using BodyStreamFactory = std::function<std::unique_ptr<BodyStream>(const Request& head)>;

// A component's readiness check (`health "/ready" { check_db, ... }`): `run` answers whether
// what the component depends on is reachable now (a `SELECT 1`, a Redis PING), throwing with
// the reason when not. It runs on a thread of its own (the caller waits at most its deadline
// and reports a timeout), so it may block; it must not touch the request.
struct ReadinessCheck {
  std::string name;   // the check's key in the answer: "db", "redis", "jobs", "bus"
  std::function<void(Deadline deadline)> run;
};

// Sees every request the server reads whole (metrics): called on the connection's worker
// thread, so both calls must be cheap and never block. Ended runs before the answer is
// written, so a client holding the answer finds the request counted. `route` is the index of the matched
// route in the list given to Routes (-1: no route matched — 404, 405, OPTIONS, a bad target).
struct RequestRecord {
  int route = -1;
  std::string_view method;
  int status = 0;
  std::uint64_t request_bytes = 0;   // the body as read
  std::uint64_t response_bytes = 0;  // the body as sent (after compression), HEAD included
  double seconds = 0;                // from the request's first byte to its answer ready to write
};
class RequestObserver {
 public:
  struct RouteInfo {
    std::string_view method;
    std::string_view pattern;
  };
  // Once, after every component opened and before the first request: the routes by index.
  virtual void Routes(const std::vector<RouteInfo>& routes) = 0;
  virtual void Began() = 0;
  virtual void Ended(const RequestRecord& r) = 0;

 protected:
  ~RequestObserver() = default;
};

// The App as a component sees it.
class Host {
 public:
  virtual const std::string& AppName() const = 0;
  virtual RunMode Mode() const = 0;
  virtual const ServerOptions& Options() const = 0;
  // A route of the runtime's own (/_lux/..., /docs). Open is the place to add it.
  virtual void AddRoute(std::string_view method, std::string_view pattern, Handler handler) = 0;
  // A stage on every request's path: outside the program's middleware, stages in component
  // order (the first component's stage sees the request first). Open is the place to add it.
  virtual void AddStage(Middleware stage) = 0;
  // Request bodies read as a stream (see BodyStream): one factory per App, Open is the place.
  virtual void SetBodyStreams(BodyStreamFactory factory) = 0;
  // A probe of the runtime's own (GET: liveness, readiness, metrics): a route like AddRoute's
  // that request-counting stages leave alone (the server's rate limit does not count it;
  // Request::probe is set while it is served).
  virtual void AddProbe(std::string_view pattern, Handler handler) = 0;
  // Every request read whole is reported to `observer` (one per App; nullptr: none). Open is the place.
  virtual void ObserveRequests(RequestObserver* observer) = 0;

 protected:
  ~Host() = default;
};

// A command run (`run-task`, `jobs`) as the component that provides it sees it.
class CommandHost {
 public:
  virtual const std::string& AppName() const = 0;
  // Opens the components that take part in `run` and, for RunMode::kTask, runs on_start.
  // Throws StartupError with everything already opened closed again.
  virtual void Up(RunMode run) = 0;
  // on_stop (when Up ran on_start), then closes what Up opened, in reverse. Idempotent.
  virtual void Down() = 0;

 protected:
  ~CommandHost() = default;
};

// The contract (docs/architecture.md, "Runtime components"):
//   Open   acquire what the component needs (files, connections, routes, stages); throws
//          StartupError naming its cause (another exception becomes "<name>: <what>"). The
//          components above it are open. A component whose Open throws is closed too, so
//          Close must accept a partial Open.
//   Start  begin background work (threads, timers); the listener is bound, user on_start ran.
//          Serving runs only: command runs never start a component. A component whose Start
//          throws is stopped too.
//   Stop   take no new work, finish the running work by `deadline`. Only after Start.
//   Close  release what Open acquired. Errors of Stop and Close are logged, never thrown.
//   HandOver  a swap (SIGUSR2: `luxc dev` started a process that replaces this one): stop the
//          background work the new process takes over (schedules, job workers, event delivery)
//          by `deadline`, keep serving what open connections use (the realtime hub, WebSockets).
//          Only after Start; Stop still follows (at the end of the swap), so Stop must accept a
//          component that handed over. Errors are logged, never thrown.
class Component {
 public:
  Component(Order order, std::string name) : order_(order), name_(std::move(name)) {}
  virtual ~Component() = default;
  Component(const Component&) = delete;
  Component& operator=(const Component&) = delete;

  Order order() const { return order_; }
  const std::string& name() const { return name_; }

  // Whether the component opens in a run of this kind. Default: serving and run-task.
  virtual bool TakesPart(RunMode run) const { return run != RunMode::kAdmin; }
  virtual void Open(Host& host) { (void)host; }
  virtual void Start(Host& host) { (void)host; }
  virtual void Stop(Deadline deadline) { (void)deadline; }
  virtual void Close() {}
  // Default: nothing to hand over (the component keeps running until Stop).
  virtual void HandOver(Deadline deadline) { (void)deadline; }

  // The checks of what this component depends on that a readiness route may run (`db`, and
  // `redis` when its store is Redis). Called after Open; empty: nothing to check.
  virtual std::vector<ReadinessCheck> ReadinessChecks() { return {}; }

  // An answer the connection layer writes before any stage runs (413 body too large, 431, 408,
  // 400 malformed, an upload refused by its limits): what this component adds to every answer
  // (CORS adds Access-Control-Allow-Origin so that a browser can read the 413). `head` is what
  // was read of the request: method, target, path and headers when its head was complete, else
  // what could be recovered of it (often nothing). Called on the connection's fiber, for
  // every opened component in order; must not block or throw.
  virtual void DecorateEarlyAnswer(const Request& head, Response& res) const {
    (void)head, (void)res;
  }

  // A command of the server binary this component provides (argv[1]), run instead of serving.
  virtual bool ProvidesCommand(std::string_view command) const {
    (void)command;
    return false;
  }
  // Returns the exit code; errors are one line on stderr, `<app>: <message>`.
  virtual int RunCommand(CommandHost& host, int argc, char** argv) {
    (void)host, (void)argc, (void)argv;
    return 1;
  }

 private:
  Order order_;
  std::string name_;
};

// The App's component of `order`, or nullptr.
Component* FindComponent(App& app, Order order);
// Adds a component to the App's list at its place in the order. Throws std::invalid_argument
// when the App already started, or already has a component of that order.
Component& AddComponent(App& app, std::unique_ptr<Component> component);
// Whether Start was called on the App (registration is closed).
bool Started(App& app);

// The App's component of type T (T::kOrder; default-constructible), added on first use.
template <class T>
T& Ensure(App& app) {
  if (Component* c = FindComponent(app, T::kOrder)) return static_cast<T&>(*c);
  return static_cast<T&>(AddComponent(app, std::make_unique<T>()));
}

}  // namespace lux::server
