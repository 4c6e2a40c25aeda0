// App::Impl: the state behind lux::App (routes, middleware, options, the components and hooks
// of its lifecycle) and the Beast server (workers, acceptor, sessions, graceful drain).
// dispatch.cpp runs a request through middleware/router/error handling; server.cpp owns
// sockets and drives the lifecycle (lifecycle.h). Components see the App as a server::Host.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/spawn.hpp>
#include <boost/asio/steady_timer.hpp>

#include "http/proxy.h"
#include "http/router.h"
#include "lux/http.h"
#include "lux/tls.h"
#include "server/component.h"
#include "server/lifecycle.h"

namespace lux {

namespace http {
class TlsContext;
class TlsConnection;
}

namespace server {

// A connection's socket: the concrete io_context executor (no type-erased any_io_executor
// copied into every operation). Sessions use it in non-blocking mode (server.cpp).
using Socket = boost::asio::basic_stream_socket<boost::asio::ip::tcp, boost::asio::io_context::executor_type>;

// Per-connection state the worker's tick inspects. Deadlines are plain time points checked
// every kTickInterval instead of Asio timers re-armed per request (which cost a timer-queue
// update and often a timerfd syscall on each of the 2-3 I/O steps of every request).
struct ConnState {
  Socket* socket = nullptr;
  bool idle = false;       // waiting for the first byte of a request, or lingering after an error
  bool timed_out = false;  // the tick cancelled the pending I/O
  bool shed = false;       // closed to make room at the connection limit
  bool fresh = true;       // accepted, its first request not answered yet (see kDrainGraceForNew)
  std::chrono::steady_clock::time_point idle_since;
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  // Called on the worker's thread when a graceful stop begins: set while a streamed response is
  // written (ends it), and by a connection a Takeover runs (a WebSocket: close 1001, then end).
  std::function<void()> on_drain;
  // The connection's TLS session on a TLS listener (null on a plain one), for a Takeover.
  http::TlsConnection* tls = nullptr;
};

// A handler that takes the connection over once it answered 101 (a WebSocket upgrade): it
// puts itself in core::Fiber::takeover, and the session hands it the socket instead of writing
// the response (server.cpp). Run is called on the connection's fiber; the session closes the
// socket when it returns. On a TLS listener the takeover reads and writes through
// ConnState::tls.
class Takeover {
 public:
  virtual ~Takeover() = default;
  virtual void Run(Socket& socket, Request& req, boost::asio::yield_context yield, ConnState& state) = 0;
  // The headers the request path put on the 101 (a `(req, res)` middleware's, CORS's, ...), set
  // by the session before Run: the takeover writes them on its own 101.
  Headers response_headers;
};

// A swap (SIGUSR2: `luxc dev` replaced this process) keeps open event streams and WebSockets
// this long by default for their clients to leave (LUX_SWAP_DRAIN_TIMEOUT_MS); then they are
// ended as on SIGTERM.
inline constexpr std::int64_t kSwapDrainTimeoutMs = 60'000;

struct Worker {
  boost::asio::io_context ioc{1};
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work;
  std::thread thread;
  std::unordered_set<ConnState*> conns;  // only touched on this worker's thread
  boost::asio::steady_timer tick{ioc};
};

struct RouteEntry {
  std::string method;
  std::string pattern;
  Handler handler;
  std::vector<Middleware> middleware;
  bool probe = false;  // Host::AddProbe: Request::probe while it is served
};

}  // namespace server

class App::Impl final : public server::Host {
 public:
  explicit Impl(std::string n) : name(std::move(n)) {}

  // server::Host
  const std::string& AppName() const override { return name; }
  server::RunMode Mode() const override { return mode; }
  const ServerOptions& Options() const override { return opts; }
  void AddRoute(std::string_view method, std::string_view pattern, Handler handler) override {
    AddRoute(method, pattern, std::move(handler), {});
  }
  void AddStage(Middleware stage) override {
    middleware.insert(middleware.begin() + static_cast<std::ptrdiff_t>(stages++), std::move(stage));
  }
  void SetBodyStreams(server::BodyStreamFactory factory) override { body_streams = std::move(factory); }
  void AddProbe(std::string_view pattern, Handler handler) override {
    AddRoute("GET", pattern, std::move(handler), {});
    routes.back().probe = true;
  }
  void ObserveRequests(server::RequestObserver* o) override { observer = o; }

  // dispatch.cpp
  // `route`: set to the matched route's index in `routes` (left alone when none matched).
  Response Dispatch(Request& req, std::string_view raw_path, int* route = nullptr);
  // Dispatch without the server span.
  Response DispatchRoute(Request& req, std::string_view raw_path, int* route);
  Response HandleException(std::exception_ptr ep, Request& req);
  Response HandleError(const Error& e, Request& req);
  Response HandleFailed(const CallResult& failed, Request& req);
  Response DefaultError(const Error& e, const Request& req) const;

  // server.cpp
  void Start();
  // `swap`: stop accepting and close the other connections as usual, but keep open event
  // streams and WebSockets (SwapStep); a later Shutdown() ends them.
  void Shutdown(bool swap = false);
  void Wait();
  // During a swap, one step of waiting for its connections (the caller sleeps between steps):
  // tells the supervisor "drained" once only realtime connections are left; false once the swap
  // is over (none left, its timeout passed, or it was ended).
  bool SwapStep();
  void ApplyEnvAndFlags(int argc, char** argv);
  void AddRoute(std::string_view method, std::string_view pattern, Handler handler,
                std::vector<Middleware> route_middleware);
  // A command a component provides (argv[1]: run-task, jobs), run instead of serving.
  int RunCommand(server::Component& provider, int argc, char** argv);

  std::string name;
  ServerOptions opts;
  http::Router router;
  std::vector<server::RouteEntry> routes;
  std::vector<Middleware> middleware;  // the components' stages first, then the program's
  std::size_t stages = 0;              // how many of `middleware` are stages (AddStage)
  std::optional<TlsOptions> tls_options;  // ServeTls: loaded into `tls` by Start
  std::shared_ptr<http::TlsContext> tls;  // set: every connection speaks TLS (http/tls.h)
  ErrorHandler on_error;
  server::BodyStreamFactory body_streams;  // empty: every body is read into Request::body
  http::TrustedProxies proxies;            // opts.trust_proxy, parsed by Start
  server::RequestObserver* observer = nullptr;  // metrics: sees every request (ObserveRequests)
  // The subsystems (db, jobs, bus, ...) in their order, and the program's on_start/on_stop.
  server::Lifecycle lifecycle;
  server::RunMode mode = server::RunMode::kServe;

  // Server state.
  std::vector<std::unique_ptr<server::Worker>> workers;
  std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor;
  std::size_t next_worker = 0;  // acceptor thread only
  std::atomic<int> live{0};
  std::atomic<bool> draining{false};
  std::mutex mu;
  std::condition_variable cv;
  bool shutdown_requested = false;
  bool started = false;
  bool waited = false;
  long long accept_failures = 0;  // acceptor thread only
  std::chrono::steady_clock::time_point last_accept_log;
  std::uint16_t bound_port = 0;
  std::size_t max_connections = 0;  // effective limit, set by Start; acceptor thread only
  std::atomic<long long> refused{0};  // connections answered 503 at the limit
  // A swap (SIGUSR2, Shutdown(true)): realtime connections stay until swap_until.
  std::atomic<bool> swapping{false};
  std::atomic<int> realtime_live{0};  // connections streaming a response or taken over
  std::int64_t swap_drain_timeout_ms = server::kSwapDrainTimeoutMs;  // LUX_SWAP_DRAIN_TIMEOUT_MS
  std::chrono::steady_clock::time_point swap_until;
  bool swap_told = false;  // "drained" was written (main thread only)
  // A swap hands the background work over on a thread of its own (Lifecycle::HandOver: running
  // jobs may take until the drain deadline) while the kept connections are served; Wait joins it.
  std::thread hand_over;
  int ready_fd = -1;       // LUX_READY_FD, open until Wait ends

 private:
  // Accepting pauses this long after running out of descriptors; failures are logged at most
  // once per kAcceptLogInterval (a flood must not turn into a log flood).
  static constexpr std::chrono::milliseconds kAcceptPause{100};
  static constexpr std::chrono::seconds kAcceptLogInterval{1};
  // Descriptors kept free below the count at which accept ran out of them (DoAccept).
  static constexpr std::size_t kEmfileMargin = 8;

  void DoAccept();
  void AcceptFailed(const boost::system::error_code& ec);
  bool ShedIdlest(server::Worker& w);
  void Refuse(server::Socket& sock);
  void StartSession(server::Worker& w, server::Socket sock);
  void Tick(server::Worker& w);
  void ConnectionClosed();
  void TellSupervisor(const std::string& line);  // a line on ready_fd, if any
  void EndRealtime();  // every connection's on_drain (the stop of what a swap kept)
};

App::Impl& AppImpl(App& app);

}  // namespace lux
