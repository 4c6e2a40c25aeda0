// The Beast HTTP/1.1 server behind lux::App: N worker threads, each with its own io_context
// (one per core by default), one acceptor handing sockets round-robin to workers, and one
// stackful fiber per connection so handlers can block in direct style. Also the lifecycle:
// Start (bind, on_start, serve), Shutdown (stop accepting, close idle connections), Wait
// (drain with deadline, on_stop) and Run (flags, env, signals).
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/spawn.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/context/protected_fixedsize_stack.hpp>
#include <cstdio>
#include <cstring>

#include "core/fiber.h"
#include "core/ids.h"
#include "core/log.h"
#include "db/db_state.h"
#include "http/router.h"
#include "jobs/admin.h"
#include "jobs/cli.h"
#include "jobs/jobs_state.h"
#include "lux/env.h"
#include "server/app_impl.h"

namespace lux {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

// How often workers flush buffered log lines and check connection deadlines: the resolution
// of read/keep-alive timeouts.
constexpr std::chrono::milliseconds kTickInterval{100};
using Clock = std::chrono::steady_clock;

Response SimpleError(int status, const char* message, const std::string& request_id) {
  Value body = Value::MakeObject();
  body["error"] = message;
  body["request_id"] = request_id;
  return Respond(status, body);
}

void FillMessage(bhttp::response<bhttp::string_body>& msg, Response& res, const std::string& request_id,
                 bool keep_alive) {
  if (res.status < 100 || res.status > 599) {
    core::Log(LogLevel::kError, "handler returned an invalid status",
              {{"request_id", request_id}, {"status", res.status}});
    res = SimpleError(500, "internal server error", request_id);
  }
  msg.result(static_cast<unsigned>(res.status));
  msg.version(11);
  msg.set(bhttp::field::date, core::CachedHttpDate());
  for (const auto& [k, v] : res.headers) msg.insert(k, v);
  if (!res.headers.Has("X-Request-Id")) msg.set("X-Request-Id", request_id);
  bool no_body = res.status == 204 || res.status == 304 || res.status < 200;
  if (no_body) {
    res.body.clear();
  } else if (!res.body.empty() && !res.headers.Has("Content-Type")) {
    msg.set(bhttp::field::content_type, "text/plain; charset=utf-8");
  }
  msg.body() = std::move(res.body);
  msg.keep_alive(keep_alive);
  msg.prepare_payload();
}

std::string EndpointText(const tcp::socket& s) {
  boost::system::error_code ec;
  auto ep = s.remote_endpoint(ec);
  if (ec) return "";
  return ep.address().to_string() + ":" + std::to_string(ep.port());
}

}  // namespace

// ---- one connection ----

namespace server {

class Session {
 public:
  Session(App::Impl& app, Worker& w, tcp::socket sock) : app_(app), w_(w), stream_(std::move(sock)) {}

  void Run(asio::yield_context yield) {
    boost::system::error_code ec;
    stream_.socket().set_option(tcp::no_delay(true), ec);
    remote_ = EndpointText(stream_.socket());
    state_.stream = &stream_;
    w_.conns.insert(&state_);
    core::Fiber fiber{&yield, &w_.ioc, nullptr};
    try {
      Loop(yield, fiber);
    } catch (const boost::context::detail::forced_unwind&) {
      w_.conns.erase(&state_);
      throw;
    } catch (const std::exception& e) {
      core::Log(LogLevel::kError, "connection failed", {{"remote", remote_}, {"error", std::string(e.what())}});
    }
    core::tl_fiber = nullptr;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.socket().close(ec);
    w_.conns.erase(&state_);
  }

 private:
  void Loop(asio::yield_context& yield, core::Fiber& fiber) {
    boost::system::error_code ec;
    const ServerOptions& o = app_.opts;
    for (;;) {
      if (app_.draining.load(std::memory_order_relaxed)) return;
      if (buf_.size() == 0) {
        state_.idle = true;
        state_.deadline = Clock::now() + std::chrono::milliseconds(o.keep_alive_timeout_ms);
        std::size_t n = stream_.async_read_some(buf_.prepare(4096), yield[ec]);
        state_.idle = false;
        if (ec) return;
        buf_.commit(n);
      }
      auto t0 = Clock::now();
      bhttp::request_parser<bhttp::string_body> parser;
      parser.header_limit(static_cast<std::uint32_t>(o.max_header_bytes));
      parser.body_limit(o.max_body_bytes);
      state_.deadline = t0 + std::chrono::milliseconds(o.read_timeout_ms);
      bhttp::async_read_header(stream_, buf_, parser, yield[ec]);
      if (!ec && !parser.is_done()) {
        auto expect = parser.get()[bhttp::field::expect];
        if (IEquals(expect, "100-continue")) {
          static const char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
          asio::async_write(stream_, asio::buffer(kContinue, sizeof kContinue - 1), yield[ec]);
        }
        if (!ec) bhttp::async_read(stream_, buf_, parser, yield[ec]);
      }
      state_.deadline = Clock::time_point::max();
      if (ec) {
        ReadFailed(ec, yield, t0);
        return;
      }

      bhttp::request<bhttp::string_body> hreq = parser.release();
      bool keep_alive = hreq.keep_alive();
      Request req;
      req.method = std::string(hreq.method_string());
      beast::string_view target = hreq.target();
      req.target = std::string(target);
      std::size_t q = target.find('?');
      beast::string_view raw_path = target.substr(0, q);
      if (q != beast::string_view::npos) req.query_string = std::string(target.substr(q + 1));
      req.path = http::PercentDecode(std::string_view(raw_path.data(), raw_path.size()), false);
      req.headers.Reserve(static_cast<std::size_t>(std::distance(hreq.begin(), hreq.end())));
      for (const auto& f : hreq) req.headers.Add(std::string(f.name_string()), std::string(f.value()));
      req.body = std::move(hreq.body());
      auto incoming_id = req.headers.Get("x-request-id");
      req.id = incoming_id && core::IsValidRequestId(*incoming_id) ? std::string(*incoming_id) : core::NewRequestId();
      req.trace = core::MakeTraceContext(req.headers.Get("traceparent"));
      req.remote_addr = remote_;

      Response res;
      if (raw_path.empty() || raw_path[0] != '/') {
        res = SimpleError(400, "request target must be an absolute path", req.id);
        keep_alive = false;
      } else {
        fiber.request = &req;
        core::tl_fiber = &fiber;
        res = app_.Dispatch(req, std::string_view(raw_path.data(), raw_path.size()));
        core::tl_fiber = nullptr;
        fiber.request = nullptr;
      }
      if (app_.draining.load(std::memory_order_relaxed)) keep_alive = false;
      bool head = req.method == "HEAD";
      int status = res.status;
      if (!Write(res, req.id, keep_alive, head, yield)) return;
      AccessLog(req.method, req.path, status, t0, req.id);
      if (!keep_alive) return;
    }
  }

  bool Write(Response& res, const std::string& request_id, bool keep_alive, bool head, asio::yield_context& yield) {
    boost::system::error_code ec;
    bhttp::response<bhttp::string_body> msg;
    FillMessage(msg, res, request_id, keep_alive);
    state_.deadline = Clock::now() + std::chrono::milliseconds(app_.opts.read_timeout_ms);  // a client that never reads cannot pin us
    if (head) {
      bhttp::response_serializer<bhttp::string_body> sr(msg);
      bhttp::async_write_header(stream_, sr, yield[ec]);
    } else {
      bhttp::async_write(stream_, msg, yield[ec]);
    }
    state_.deadline = Clock::time_point::max();
    return !ec;
  }

  void AccessLog(std::string_view method, std::string_view path, int status, std::chrono::steady_clock::time_point t0,
                 const std::string& request_id) {
    if (!app_.opts.access_log || !core::LogEnabled(LogLevel::kInfo)) return;
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    core::Log(LogLevel::kInfo, "request",
              {{"method", method}, {"path", path}, {"status", status}, {"duration_ms", ms}, {"request_id", request_id}});
  }

  // Maps a read failure to a final response (or a silent close) and ends the connection.
  void ReadFailed(const boost::system::error_code& ec, asio::yield_context& yield,
                  std::chrono::steady_clock::time_point t0) {
    int status = 0;
    const char* message = nullptr;
    if (ec == bhttp::error::body_limit) {
      status = 413;
      message = "request body too large";
    } else if (ec == bhttp::error::header_limit) {
      status = 431;
      message = "request headers too large";
    } else if (state_.timed_out) {
      status = 408;
      message = "request timeout";
    } else if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
               ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
      status = 400;
      message = "malformed HTTP request";
    }
    if (!status) return;  // peer closed or reset
    std::string id = core::NewRequestId();
    Response res = SimpleError(status, message, id);
    state_.timed_out = false;
    core::Log(LogLevel::kWarn, "bad request", {{"remote", remote_}, {"status", status}, {"error", ec.message()}, {"request_id", id}});
    Write(res, id, false, false, yield);
    AccessLog("-", "-", status, t0, id);
  }

  App::Impl& app_;
  Worker& w_;
  beast::tcp_stream stream_;
  beast::flat_buffer buf_;
  ConnState state_;
  std::string remote_;
};

}  // namespace server

// ---- lifecycle ----

void App::Impl::ConnectionClosed() {
  if (live.fetch_sub(1) == 1) {
    std::lock_guard<std::mutex> lock(mu);
    cv.notify_all();
  }
}

void App::Impl::StartSession(server::Worker& w, tcp::socket sock) {
  live.fetch_add(1);
  asio::spawn(
      w.ioc, std::allocator_arg, boost::context::protected_fixedsize_stack(core::kFiberStackBytes),
      [this, &w, s = std::move(sock)](asio::yield_context yield) mutable {
        server::Session session(*this, w, std::move(s));
        session.Run(yield);
      },
      [this](std::exception_ptr e) {
        if (e) {
          try {
            std::rethrow_exception(e);
          } catch (const std::exception& ex) {
            core::Log(LogLevel::kError, "connection fiber failed", {{"error", std::string(ex.what())}});
          } catch (...) {
          }
        }
        ConnectionClosed();
      });
}

void App::Impl::DoAccept() {
  server::Worker& w = *workers[next_worker++ % workers.size()];
  acceptor->async_accept(w.ioc, [this, &w](boost::system::error_code ec, tcp::socket sock) {
    if (ec == asio::error::operation_aborted || !acceptor->is_open()) return;
    if (!ec) {
      if (draining.load()) {
        boost::system::error_code ignored;
        sock.close(ignored);
        return;
      }
      StartSession(w, std::move(sock));
    } else {
      core::Log(LogLevel::kWarn, "accept failed", {{"error", ec.message()}});
      if (ec == asio::error::no_descriptors || ec == asio::error::no_buffer_space) {
        // Out of file descriptors: back off briefly instead of spinning.
        auto t = std::make_shared<asio::steady_timer>(acceptor->get_executor(), std::chrono::milliseconds(50));
        t->async_wait([this, t](boost::system::error_code) {
          if (acceptor->is_open()) DoAccept();
        });
        return;
      }
    }
    DoAccept();
  });
}

void App::Impl::Tick(server::Worker& w) {
  w.tick.expires_after(kTickInterval);
  w.tick.async_wait([this, &w](boost::system::error_code ec) {
    core::FlushThreadLog();
    auto now = Clock::now();
    for (server::ConnState* c : w.conns) {
      if (now >= c->deadline) {
        c->timed_out = true;
        c->deadline = Clock::time_point::max();
        boost::system::error_code ignored;
        c->stream->socket().cancel(ignored);
      }
    }
    if (!ec) Tick(w);
  });
}

namespace {

// A file descriptor handed down by the parent in the environment variable `var` (then removed,
// so that the server's own children do not inherit the claim), or -1.
int TakeInheritedFd(const char* var) {
  const char* v = std::getenv(var);
  if (!v || !*v) return -1;
  char* end = nullptr;
  long fd = std::strtol(v, &end, 10);
  ::unsetenv(var);
  if (*end != '\0' || fd < 0 || fd > 65535 || ::fcntl(static_cast<int>(fd), F_GETFD) < 0) return -1;
  ::fcntl(static_cast<int>(fd), F_SETFD, FD_CLOEXEC);
  return static_cast<int>(fd);
}

}  // namespace

void App::Impl::Start() {
  if (started) throw StartupError("server already started");
  core::LogConfig().level = opts.log_level;
  core::LogConfig().format = opts.log_format;
  int n = opts.threads > 0 ? opts.threads : static_cast<int>(std::thread::hardware_concurrency());
  if (n <= 0) n = 1;
  for (int i = 0; i < n; ++i) {
    auto w = std::make_unique<server::Worker>();
    w->work.emplace(w->ioc.get_executor());
    workers.push_back(std::move(w));
  }

  boost::system::error_code ec;
  asio::ip::address addr = asio::ip::make_address(opts.host, ec);
  if (ec) {
    tcp::resolver resolver(workers[0]->ioc);
    auto results = resolver.resolve(opts.host, "", ec);
    if (ec || results.empty()) throw StartupError("cannot resolve host `" + opts.host + "`: " + ec.message());
    addr = results.begin()->endpoint().address();
  }
  if (opts.port < 0 || opts.port > 65535) throw StartupError("port " + std::to_string(opts.port) + " out of range 0..65535");
  tcp::endpoint ep(addr, static_cast<std::uint16_t>(opts.port));
  acceptor = std::make_unique<tcp::acceptor>(workers[0]->ioc);
  std::string where = opts.host + ":" + std::to_string(opts.port);
  if (int fd = TakeInheritedFd("LUX_LISTEN_FD"); fd >= 0) {
    // Socket activation (luxc dev): a listening socket opened by the parent is adopted as is.
    // The parent keeps its copy, so when this process stops accepting, connections still
    // queued wait for the next process instead of being refused (docs/runtime.md#lifecycle).
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) {
      throw StartupError("LUX_LISTEN_FD=" + std::to_string(fd) + " is not a socket");
    }
    acceptor->assign(ss.ss_family == AF_INET6 ? tcp::v6() : tcp::v4(), fd, ec);
    where = "inherited socket " + std::to_string(fd);
  } else {
    acceptor->open(ep.protocol(), ec);
    if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor->bind(ep, ec);
    if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    std::string why = ec == asio::error::address_in_use ? "address already in use" : ec.message();
    throw StartupError("cannot listen on " + where + ": " + why);
  }
  bound_port = acceptor->local_endpoint().port();

  // The database opens (pragmas, tables created or extended) before the job store and on_start,
  // which may both use it; it closes last, after on_stop.
  if (database) {
    try {
      database->Open(name);
    } catch (const std::exception& e) {
      acceptor->close(ec);
      if (dynamic_cast<const StartupError*>(&e)) throw;
      throw StartupError(std::string("db: ") + e.what());
    }
  }

  // The job store opens (and recovers interrupted jobs) before on_start, which may spawn jobs.
  if (jobs) {
    try {
      jobs->Open(name, /*server=*/true);
      if (!jobs->config.admin_token.empty()) jobs::RegisterAdminRoutes(*this, *jobs);
    } catch (const std::exception& e) {
      acceptor->close(ec);
      jobs->Close();
      if (dynamic_cast<const StartupError*>(&e)) throw;
      throw StartupError(std::string("jobs: ") + e.what());
    }
  }

  // on_start: after bind (connections queue in the backlog), before the first request.
  for (auto& hook : on_start) {
    try {
      hook();
    } catch (const std::exception& e) {
      acceptor->close(ec);
      if (jobs) jobs->Close();
      throw StartupError(std::string("on_start failed: ") + e.what());
    }
  }

  // Job workers and the scheduler start after on_start (whose spawned jobs are already stored)
  // and before the I/O threads, so handlers never see them half-built.
  if (jobs) jobs->StartRunning();

  started = true;  // only now: a failed start runs no on_stop and needs no drain
  DoAccept();
  for (auto& wp : workers) {
    server::Worker* w = wp.get();
    Tick(*w);
    w->thread = std::thread([w] {
      core::SetThreadLogBuffered(true);
      for (;;) {
        try {
          w->ioc.run();
          break;
        } catch (const std::exception& e) {
          core::Log(LogLevel::kError, "worker error", {{"error", std::string(e.what())}});
        }
      }
      core::SetThreadLogBuffered(false);
    });
  }
  core::Log(LogLevel::kInfo, "listening",
            {{"server", name}, {"host", opts.host}, {"port", static_cast<int>(bound_port)},
             {"threads", static_cast<int>(workers.size())}});
  // Readiness for a supervisor (luxc dev swaps processes on it): one line on LUX_READY_FD once
  // on_start has run and requests are being served.
  if (int fd = TakeInheritedFd("LUX_READY_FD"); fd >= 0) {
    std::string line = "ready " + std::to_string(bound_port) + "\n";
    ssize_t ignored = ::write(fd, line.data(), line.size());
    (void)ignored;
    ::close(fd);
  }
}

void App::Impl::Shutdown() {
  {
    std::lock_guard<std::mutex> lock(mu);
    if (shutdown_requested || !started) {
      shutdown_requested = true;
      cv.notify_all();
      return;
    }
    shutdown_requested = true;
    draining.store(true);
  }
  cv.notify_all();
  core::Log(LogLevel::kInfo, "shutting down", {{"server", name}, {"in_flight", live.load()}});
  asio::post(workers[0]->ioc, [this] {
    boost::system::error_code ec;
    acceptor->close(ec);
  });
  for (auto& wp : workers) {
    server::Worker* w = wp.get();
    asio::post(w->ioc, [w] {
      for (server::ConnState* c : w->conns) {
        if (c->idle) {
          boost::system::error_code ec;
          c->stream->socket().cancel(ec);
        }
      }
    });
  }
}

void App::Impl::Wait() {
  if (!started || waited) return;
  std::unique_lock<std::mutex> lock(mu);
  cv.wait(lock, [this] { return shutdown_requested; });
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(opts.drain_timeout_ms);
  bool drained = cv.wait_until(lock, deadline, [this] { return live.load() == 0; });
  lock.unlock();
  if (!drained) {
    core::Log(LogLevel::kWarn, "drain deadline passed; abandoning in-flight requests",
              {{"server", name}, {"in_flight", live.load()}});
  }
  for (auto& w : workers) {
    w->work.reset();
    w->ioc.stop();
  }
  for (auto& w : workers)
    if (w->thread.joinable()) w->thread.join();
  if (!drained) {
    // Fibers still suspended in handlers cannot be unwound safely from here: leave them.
    for (auto& w : workers) (void)w.release();
    (void)acceptor.release();
  }
  waited = true;
  // After the HTTP drain: the scheduler stops, workers claim nothing new, running jobs get
  // until the same drain deadline; jobs not started stay in the store for the next start.
  if (jobs) jobs->Stop(deadline);
  for (auto it = on_stop.rbegin(); it != on_stop.rend(); ++it) {
    try {
      (*it)();
    } catch (const std::exception& e) {
      core::Log(LogLevel::kError, "on_stop failed", {{"error", std::string(e.what())}});
    }
  }
  if (jobs) jobs->Close();  // last: on_stop may still spawn jobs (they wait on disk)
  if (database) database->Close();  // after the job store: nothing uses it any more
  core::Log(LogLevel::kInfo, "stopped", {{"server", name}});
}

namespace {

LogLevel ParseLevel(const std::string& s) {
  if (s == "debug") return LogLevel::kDebug;
  if (s == "info") return LogLevel::kInfo;
  if (s == "warn" || s == "warning") return LogLevel::kWarn;
  if (s == "error") return LogLevel::kError;
  if (s == "off" || s == "none") return LogLevel::kOff;
  throw StartupError("env LUX_LOG_LEVEL: expected one of debug|info|warn|error|off, got \"" + s + "\"");
}

}  // namespace

void App::Impl::ApplyEnvAndFlags(int argc, char** argv) {
  if (auto p = EnvOptInt("PORT")) {
    if (*p < 0 || *p > 65535) throw StartupError("env PORT: expected Int in 0..65535, got \"" + std::to_string(*p) + "\"");
    opts.port = static_cast<int>(*p);
  }
  if (auto h = EnvOptString("HOST")) opts.host = *h;
  if (auto t = EnvOptInt("LUX_THREADS")) opts.threads = static_cast<int>(*t);
  if (auto l = EnvOptString("LUX_LOG_LEVEL")) opts.log_level = ParseLevel(*l);
  if (auto f = EnvOptString("LUX_LOG_FORMAT")) {
    if (*f == "json") opts.log_format = LogFormat::kJson;
    else if (*f == "text") opts.log_format = LogFormat::kText;
    else throw StartupError("env LUX_LOG_FORMAT: expected text|json, got \"" + *f + "\"");
  }
  if (auto a = EnvOptBool("LUX_ACCESS_LOG")) opts.access_log = *a;
  if (auto d = EnvOptInt("LUX_DRAIN_TIMEOUT_MS")) opts.drain_timeout_ms = *d;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto take = [&](const char* flag) -> std::optional<std::string> {
      std::string f = flag;
      if (arg == f) {
        if (i + 1 >= argc) throw StartupError("option " + f + " needs a value");
        return std::string(argv[++i]);
      }
      if (arg.rfind(f + "=", 0) == 0) return arg.substr(f.size() + 1);
      return std::nullopt;
    };
    if (auto v = take("--port")) {
      auto p = ParseIntStrict(*v);
      if (!p || *p < 0 || *p > 65535) throw StartupError("option --port: expected Int in 0..65535, got \"" + *v + "\"");
      opts.port = static_cast<int>(*p);
    } else if (auto v = take("--host")) {
      opts.host = *v;
    } else {
      throw StartupError("unknown option `" + arg + "` (expected --port N, --host H)");
    }
  }
}

// ---- App methods implemented here ----

void App::Start() { impl_->Start(); }
std::uint16_t App::port() const { return impl_->bound_port; }
void App::Shutdown() { impl_->Shutdown(); }
void App::Wait() { impl_->Wait(); }

int App::Run(int argc, char** argv) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  bool signals = impl_->opts.handle_signals;
  if (jobs::IsJobsCommand(argc, argv)) {  // run-task / jobs: no port, no signals
    try {
      impl_->ApplyEnvAndFlags(1, argv);  // env only (log level, format)
    } catch (const StartupError& e) {
      std::fprintf(stderr, "%s: %s\n", impl_->name.c_str(), e.what());
      return 1;
    }
    return jobs::RunJobsCommand(*impl_, argc, argv);
  }
  try {
    impl_->ApplyEnvAndFlags(argc, argv);
    // Block the signals before any thread starts so every thread inherits the mask and the
    // main thread alone receives them through sigwait.
    if (signals) pthread_sigmask(SIG_BLOCK, &set, nullptr);
    impl_->Start();
  } catch (const StartupError& e) {
    core::FlushThreadLog();
    std::fprintf(stderr, "%s: %s\n", impl_->name.c_str(), e.what());
    return 1;
  }
  if (!signals) {
    impl_->Wait();
    return 0;
  }
  int sig = 0;
  sigwait(&set, &sig);
  core::Log(LogLevel::kInfo, "signal received", {{"signal", sig == SIGINT ? "SIGINT" : "SIGTERM"}});
  std::thread([set] {
    int second = 0;
    sigset_t s = set;
    sigwait(&s, &second);
    static const char kMsg[] = "second signal: forcing exit\n";
    ssize_t ignored = ::write(2, kMsg, sizeof kMsg - 1);
    (void)ignored;
    _exit(130);
  }).detach();
  impl_->Shutdown();
  impl_->Wait();
  return 0;
}

}  // namespace lux
