// App::Impl: the state behind lux::App (routes, middleware, hooks, options) and the Beast
// server (workers, acceptor, sessions, graceful drain). dispatch.cpp runs a request through
// middleware/router/error handling; server.cpp owns sockets and the lifecycle.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
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
#include <boost/asio/steady_timer.hpp>

#include "http/router.h"
#include "lux/http.h"

namespace lux {

namespace jobs {
class JobsState;
}
namespace db {
class DbState;
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
};

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
};

}  // namespace server

class App::Impl {
 public:
  explicit Impl(std::string n) : name(std::move(n)) {}

  // dispatch.cpp
  Response Dispatch(Request& req, std::string_view raw_path);
  Response HandleException(std::exception_ptr ep, Request& req);
  Response HandleError(const Error& e, Request& req);
  Response DefaultError(const Error& e, const Request& req) const;

  // server.cpp
  void Start();
  void Shutdown();
  void Wait();
  void ApplyEnvAndFlags(int argc, char** argv);
  void AddRoute(std::string_view method, std::string_view pattern, Handler handler,
                std::vector<Middleware> route_middleware = {});

  std::string name;
  ServerOptions opts;
  http::Router router;
  std::vector<server::RouteEntry> routes;
  std::vector<Middleware> middleware;
  ErrorHandler on_error;
  std::vector<Hook> on_start;
  std::vector<Hook> on_stop;
  // Background jobs and schedules (src/jobs/); null when the program registered none.
  std::shared_ptr<jobs::JobsState> jobs;
  // The database and models (src/db/); null when the program has no db block or model.
  std::shared_ptr<db::DbState> database;

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
};

App::Impl& AppImpl(App& app);

}  // namespace lux
