// lux::Fetch: HTTP/1.1 client on Beast. On a server fiber it suspends the fiber on the
// worker's io_context; elsewhere it runs a private per-thread io_context to completion.
// Idle keep-alive connections are pooled per (io_context, host:port); a request on a reused
// connection that fails before any response byte is retried once on a fresh one.
#include "lux/client.h"

#include <atomic>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/spawn.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/context/protected_fixedsize_stack.hpp>
#include <boost/url/parse.hpp>
#include <map>
#include <memory>

#include "client/lend.h"
#include "client/offline.h"
#include "core/deadline.h"
#include "core/fiber.h"
#include "lux/rt.h"
#include "tracing/instrument.h"

namespace lux {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

struct Target {
  std::string host;
  std::string port;
  std::string path;  // with query
  std::string host_header;
};

struct PooledConn {
  std::unique_ptr<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
};

// Per-thread pool; keyed by io_context so a socket is only used on the context it belongs to.
struct Pool {
  std::map<std::string, std::vector<std::unique_ptr<PooledConn>>> idle;
};
thread_local std::map<asio::io_context*, Pool> tl_pools;

std::string Describe(const FetchOptions& o, std::string_view url) {
  return "fetch " + o.method + " " + std::string(url);
}

Target ParseTarget(std::string_view url, const FetchOptions& o) {
  auto r = boost::urls::parse_uri(boost::core::string_view(url.data(), url.size()));
  if (!r) throw FetchError(FetchError::Kind::kInvalidUrl, Describe(o, url) + ": invalid URL");
  const auto& u = *r;
  if (u.scheme() != "http") {
    throw FetchError(FetchError::Kind::kInvalidUrl,
                     Describe(o, url) + ": unsupported scheme `" + std::string(u.scheme()) + "` (http only)");
  }
  Target t;
  t.host = std::string(u.encoded_host());
  if (t.host.empty()) throw FetchError(FetchError::Kind::kInvalidUrl, Describe(o, url) + ": URL has no host");
  if (u.host_type() == boost::urls::host_type::ipv6) t.host = std::string(u.encoded_host_address());
  t.port = u.has_port() ? std::string(u.port()) : "80";
  t.path = std::string(u.encoded_path());
  if (t.path.empty()) t.path = "/";
  if (u.has_query()) {
    t.path += "?";
    t.path += std::string(u.encoded_query());
  }
  t.host_header = std::string(u.encoded_host_and_port());
  return t;
}

enum class Stage { kConnect, kSend, kReceive };

struct Attempt {
  boost::system::error_code ec;
  Stage stage = Stage::kConnect;
  bool got_bytes = false;
};

// Runs the exchange on `yield`. Throws FetchError.
// `request_deadline`: the calling request's (`with timeout`); reaching it throws DeadlineExceeded.
FetchResponse Exchange(asio::io_context& ioc, asio::yield_context yield, std::string_view url, const Target& t,
                       const FetchOptions& o, const bhttp::request<bhttp::string_body>& req,
                       std::optional<std::chrono::steady_clock::time_point> request_deadline) {
  Pool& pool = tl_pools[&ioc];
  std::string key = t.host + ":" + t.port;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(o.timeout_ms);
  const bool request_bound = request_deadline && *request_deadline < deadline;
  if (request_bound) deadline = *request_deadline;
  if (request_bound && deadline <= std::chrono::steady_clock::now()) core::ThrowDeadlineExceeded();
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::unique_ptr<PooledConn> conn;
    bool reused = false;
    auto& idle = pool.idle[key];
    if (!idle.empty()) {
      conn = std::move(idle.back());
      idle.pop_back();
      reused = true;
    }
    boost::system::error_code ec;
    Stage stage = Stage::kConnect;
    auto remaining = [&] {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      return left.count() > 0 ? left : std::chrono::milliseconds(1);
    };
    if (!conn) {
      conn = std::make_unique<PooledConn>();
      conn->stream = std::make_unique<beast::tcp_stream>(ioc);
      tcp::resolver resolver(ioc);
      auto results = resolver.async_resolve(t.host, t.port, yield[ec]);
      if (ec) throw FetchError(FetchError::Kind::kConnect, Describe(o, url) + ": cannot resolve `" + t.host + "`: " + ec.message());
      conn->stream->expires_after(remaining());
      conn->stream->async_connect(results, yield[ec]);
      if (!ec) conn->stream->socket().set_option(tcp::no_delay(true), ec);
    }
    if (!ec) {
      stage = Stage::kSend;
      conn->stream->expires_after(remaining());
      bhttp::async_write(*conn->stream, req, yield[ec]);
    }
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(kMaxFetchBodyBytes);
    if (!ec) {
      stage = Stage::kReceive;
      bhttp::async_read_header(*conn->stream, conn->buffer, parser, yield[ec]);
      if (!ec && !parser.is_done()) bhttp::async_read(*conn->stream, conn->buffer, parser, yield[ec]);
    }
    if (ec) {
      bool nothing_received = stage != Stage::kReceive || (!parser.got_some());
      if (reused && nothing_received && ec != beast::error::timeout && attempt == 0) continue;  // stale pooled socket
      if (ec == beast::error::timeout && request_bound) core::ThrowDeadlineExceeded();  // abandoned: the caller's time is up
      if (ec == beast::error::timeout)
        throw FetchError(FetchError::Kind::kTimeout,
                         Describe(o, url) + ": timed out after " + std::to_string(o.timeout_ms) + " ms");
      if (ec == bhttp::error::body_limit)
        throw FetchError(FetchError::Kind::kTooLarge, Describe(o, url) + ": response body larger than " +
                                                          std::to_string(kMaxFetchBodyBytes) + " bytes");
      if (stage == Stage::kConnect) {
        std::string why = ec == asio::error::connection_refused ? "connection refused" : ec.message();
        throw FetchError(FetchError::Kind::kConnect, Describe(o, url) + ": cannot connect to " + key + ": " + why);
      }
      throw FetchError(FetchError::Kind::kProtocol, Describe(o, url) + ": " +
                                                        (stage == Stage::kSend ? "send failed: " : "bad response: ") +
                                                        ec.message());
    }
    conn->stream->expires_never();
    auto res = parser.release();
    FetchResponse out;
    out.status = static_cast<int>(res.result_int());
    for (const auto& f : res) out.headers.Add(std::string(f.name_string()), std::string(f.value()));
    out.body = std::move(res.body());
    if (res.keep_alive() && idle.size() < kMaxIdlePerHost) idle.push_back(std::move(conn));
    return out;
  }
  throw FetchError(FetchError::Kind::kProtocol, Describe(o, url) + ": connection closed");
}

}  // namespace

FetchOptions& FetchOptions::Json(const Value& v) {
  body = ToJson(v);
  headers.emplace_back("Content-Type", "application/json");
  return *this;
}

Value FetchResponse::Json() const {
  try {
    return ParseJson(body);
  } catch (const JsonError& e) {
    throw FetchError(FetchError::Kind::kBadJson, std::string("response body: ") + e.what());
  }
}

namespace {
std::atomic<bool> g_offline{false};
}  // namespace

namespace client {
void SetFetchOffline(bool offline) { g_offline.store(offline); }
}  // namespace client

namespace {

// Fetch with the body taken from `lent` (moved into the request and back) when it is given.
FetchResponse FetchImpl(std::string_view url, const FetchOptions& o, std::string* lent) {
  if (g_offline.load(std::memory_order_relaxed))
    throw FetchError(FetchError::Kind::kConnect, "fetch " + std::string(url) + ": no network in tests (luxc test)");
  Target t = ParseTarget(url, o);
  bhttp::request<bhttp::string_body> req;
  req.method_string(o.method);
  req.target(t.path);
  req.version(11);
  req.set(bhttp::field::host, t.host_header);
  req.set(bhttp::field::user_agent, "lux");
  bool has_rid = false, has_tp = false, has_accept = false;
  for (const auto& [k, v] : o.headers) {
    req.insert(k, v);
    has_rid |= IEquals(k, "x-request-id");
    has_tp |= IEquals(k, "traceparent");
    has_accept |= IEquals(k, "accept");
  }
  if (!has_accept) req.set(bhttp::field::accept, "application/json, */*");
  tracing::Span span = tracing::FetchSpan(o.method, url, has_tp);  // nothing when tracing is off
  if (span.Recording()) req.set("traceparent", span.Traceparent());
  if (Request* cur = rt::CurrentRequest()) {
    if (!has_rid) req.set("X-Request-Id", cur->id);
    if (!has_tp && !span.Recording() && !cur->trace.trace_id.empty()) req.set("traceparent", cur->trace.ChildTraceparent());
  } else if (!has_tp && !span.Recording() && tracing::Enabled()) {
    // A job run or event delivery whose trace is not sampled: the peer learns it is not.
    if (const TraceContext* ctx = tracing::CurrentContext()) req.set("traceparent", tracing::FormatTraceparent(*ctx));
  }
  if (lent) {
    req.body() = std::move(*lent);
  } else {
    req.body() = o.body;
  }
  struct GiveBack {  // the lent body goes back whatever happens below
    std::string* to;
    std::string& from;
    ~GiveBack() {
      if (to) *to = std::move(from);
    }
  } give_back{lent, req.body()};
  if (!req.body().empty() || o.method == "POST" || o.method == "PUT" || o.method == "PATCH") req.prepare_payload();
  req.keep_alive(true);

  const auto request_deadline = core::CurrentDeadline();
  core::SuspendGuard guard;
  core::Fiber* f = guard.fiber();
  if (f && f->yield) {
    FetchResponse res = Exchange(*f->ioc, *f->yield, url, t, o, req, request_deadline);
    tracing::FinishClientSpan(span, res.status);
    return res;
  }

  // Not on a fiber: run the same code on this thread's private io_context.
  thread_local asio::io_context ioc{1};
  std::optional<FetchResponse> result;
  std::exception_ptr error;
  asio::spawn(
      ioc, std::allocator_arg, boost::context::protected_fixedsize_stack(core::kFiberStackBytes),
      [&](asio::yield_context yield) { result = Exchange(ioc, yield, url, t, o, req, request_deadline); },
      [&](std::exception_ptr e) { error = e; });
  ioc.restart();
  ioc.run();
  if (error) std::rethrow_exception(error);
  tracing::FinishClientSpan(span, result->status);
  return std::move(*result);
}

}  // namespace

FetchResponse Fetch(std::string_view url, const FetchOptions& o) { return FetchImpl(url, o, nullptr); }

namespace client {
FetchResponse FetchLendingBody(std::string_view url, const FetchOptions& o, std::string& body) {
  return FetchImpl(url, o, &body);
}
}  // namespace client

}  // namespace lux
