// The HTTP server API: Request, Response, the response helpers (Respond, Text, Html,
// Redirect), middleware forms, and lux::App (routes, hooks, options, Run). Everything heavy
// (Beast, Asio) is behind App's pimpl in src/server/.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "lux/error.h"
#include "lux/value.h"

namespace lux {

// ---- limits (named so tests can exercise each at its edge) ----
// Durations are plain milliseconds: <chrono> would add ~10% to every generated TU's parse.
// Request body: larger bodies get 413 before they are read (a JSON API rarely needs more).
inline constexpr std::size_t kMaxBodyBytes = 1 << 20;
// The request head: request line, header fields and the blank line that ends them, counted
// from the request's first byte however the bytes arrive: larger gets 431 (nginx's default
// buffers hold 4 x 8 KiB; Beast's header_limit is documented to include the start line).
inline constexpr std::size_t kMaxHeaderBytes = 16 << 10;
// A whole request (after its first byte) must arrive within this: slow-loris protection.
inline constexpr std::int64_t kRequestReadTimeoutMs = 10'000;
// An idle keep-alive connection is closed after this.
inline constexpr std::int64_t kKeepAliveTimeoutMs = 30'000;
// Open connections when neither ServerOptions::max_connections, LUX_MAX_CONNECTIONS nor
// --max-connections sets them: the soft RLIMIT_NOFILE minus a quarter of it (at least
// kMinSpareFds), which stays free for the database, the job store, the bus and outgoing fetch.
// At the limit a new connection closes the longest-idle keep-alive connection, or gets 503.
inline constexpr std::size_t kMinSpareFds = 64;
// Graceful shutdown waits this long for in-flight requests before giving up.
inline constexpr std::int64_t kDrainTimeoutMs = 10'000;
// Incoming X-Request-Id longer than this (or with other characters than [A-Za-z0-9._:-])
// is replaced by a generated id: ids end up in logs and headers of other services.
inline constexpr std::size_t kMaxRequestIdLength = 128;

// Case-insensitive, order-preserving header list (names kept as sent).
class Headers {
 public:
  using Entry = std::pair<std::string, std::string>;
  // Name and value as anything a std::string is made of (a literal, a string_view, a moved
  // string): each string is built once, in the entry itself, not as an argument moved in.
  template <class N, class V>
  void Add(N&& name, V&& value) {
    // One allocation for a typical response's headers instead of a reallocation (and a move
    // of every entry) at the 2nd, 3rd and 5th: stages add theirs one by one.
    if (items_.capacity() == 0) items_.reserve(kInitialCapacity);
    items_.emplace_back(std::piecewise_construct, std::forward_as_tuple(std::forward<N>(name)),
                        std::forward_as_tuple(std::forward<V>(value)));
  }
  // Replaces every header of that name.
  void Set(std::string name, std::string value);
  std::optional<std::string_view> Get(std::string_view name) const;
  bool Has(std::string_view name) const { return Get(name).has_value(); }
  bool Remove(std::string_view name);
  std::size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  std::vector<Entry>::const_iterator begin() const { return items_.begin(); }
  std::vector<Entry>::const_iterator end() const { return items_.end(); }
  void Reserve(std::size_t n) { items_.reserve(n); }
  // No headers; the list keeps its memory for the next ones (that of up to 32 entries).
  void Clear();

 private:
  static constexpr std::size_t kInitialCapacity = 8;
  std::vector<Entry> items_;
};

bool IEquals(std::string_view a, std::string_view b);

// A W3C trace id (16 bytes) or span id (8): its bytes in the order of its hex form. All zeros
// is no id (W3C calls an all-zero id invalid). Kept as bytes so that a request's context costs
// no hex digits unless something writes it out (traceparent, logs): Hex, WriteHex.
template <std::size_t N>
struct TraceIdBytes {
  static constexpr std::size_t kSize = N;
  static constexpr std::size_t kHexSize = 2 * N;
  unsigned char bytes[N] = {};

  bool empty() const;
  void clear() { *this = TraceIdBytes(); }
  // 2N lowercase hex digits; "" for no id.
  std::string Hex() const;
  // Writes the 2N lowercase hex digits at `out` (no terminator); returns their end.
  char* WriteHex(char* out) const;
  // From 2N hex digits of either case; false (and `out` unchanged) for anything else.
  static bool FromHex(std::string_view hex, TraceIdBytes& out);
  friend bool operator==(const TraceIdBytes& a, const TraceIdBytes& b) {
    for (std::size_t i = 0; i < N; ++i)
      if (a.bytes[i] != b.bytes[i]) return false;
    return true;
  }
};
using TraceId = TraceIdBytes<16>;
using SpanId = TraceIdBytes<8>;
extern template struct TraceIdBytes<16>;
extern template struct TraceIdBytes<8>;

// W3C Trace Context of the request being served.
struct TraceContext {
  TraceId trace_id;   // taken from a valid incoming traceparent, else new
  SpanId parent_id;   // the caller's span; none (empty) when the trace starts here
  SpanId span_id;     // this request's span
  std::uint8_t flags = 0;
  // traceparent for a call made while serving: 00-<trace_id>-<span_id>-<flags>.
  std::string ChildTraceparent() const;
};

class Response;

class Request {
 public:
  std::string method;        // upper case, e.g. "GET"
  std::string target;        // raw request target: "/users/7?full=1" (Lux `req.url`)
  std::string path;          // percent-decoded path without the query
  std::string query_string;  // raw, after '?'
  Headers headers;
  std::string body;
  std::vector<std::pair<std::string, std::string>> params;  // from :name and * in the route
  std::string id;            // request id: validated incoming X-Request-Id, else generated
  std::string remote_addr;   // the peer: "address:port"
  // The client's address (Lux `req.ip`): the peer's without the port, or, when the peer is a
  // proxy the server trusts (`trust_proxy`), the address it forwarded (X-Forwarded-For,
  // Forwarded). The rate limit's "ip" key and the access log use it.
  std::string client_ip;
  bool probe = false;  // served by a probe route (/health, /ready, /metrics): not rate-limited
  TraceContext trace;
  Value locals;  // request-scoped storage (`__getLocals()`, rt::Locals()); null until first use
  // A multipart/form-data body on a server with `upload` (src/http/upload.cpp): the files (a
  // list of {field, filename, content_type, size, path, data}) and the text fields (an object
  // of strings); null otherwise (Lux `req.files`, `req.form`).
  Value files;
  Value form_fields;
  // Responses whose body a Value cannot hold (a stream, a file) that the rest of the chain gave a
  // middleware function as a value (lux::stdlib::FromResponse): the value names one by its id
  // (`$held`) and becomes that response again (ToResponse, which takes it out: an open file is
  // not kept past its answer) while this request is served.
  std::vector<std::pair<std::uint64_t, std::shared_ptr<Response>>> held_responses;

  // Back to what a new Request holds, keeping the memory of its strings and lists (each up to
  // a bound): the server reuses one Request for the requests of a keep-alive connection.
  void Clear();

  std::optional<std::string> Header(std::string_view name) const;
  std::optional<std::string> Param(std::string_view name) const;
  std::optional<std::string> Query(std::string_view name) const;  // first value, decoded
  std::vector<std::string> QueryAll(std::string_view name) const;
  std::optional<std::string> Cookie(std::string_view name) const;
  // The body parsed as JSON (cached); an empty body is null. Throws HttpError 415 when the
  // Content-Type is not application/json (or application/*+json), 400 "invalid JSON at line L
  // column C: ..." when it does not parse.
  const Value& Json() const;
  // Replaces the parsed JSON body (Json(), and Body() of a JSON request): a route with a typed
  // body (`body: T`) puts the validated and converted value there before its handler runs.
  void SetJson(Value v) {
    json_ = std::move(v);
    body_value_.reset();
  }
  bool HasJsonBody() const;  // Content-Type application/json or application/*+json
  bool HasFormBody() const;  // Content-Type application/x-www-form-urlencoded
  // application/x-www-form-urlencoded body as an object of strings.
  Value Form() const;
  // Lux `req.form`: the text fields of a multipart body, else Form() of a urlencoded one, else {}.
  Value FormValue() const;
  // Lux `req.files`: the uploaded files of a multipart body, else [].
  Value FilesValue() const;
  // By Content-Type: JSON -> parsed, form -> object, empty -> null, otherwise the string.
  // Computed once and kept, like Json(): reading `req.body` copies nothing.
  const Value& Body() const;
  Value QueryValue() const;    // object; repeated keys keep the last value
  Value ParamsValue() const;   // object
  Value HeadersValue() const;  // object with lower-case names
  Value CookiesValue() const;
  // {method, url, path, params, query, headers, body, id, ip} for dynamic Lux code.
  Value ToValue() const;
  // Whether `name` is one of ToValue's keys (the rest of what Lux code reads on a request, such
  // as `user`, `session` or a field middleware set, lives in its locals).
  static bool IsValueField(std::string_view name);

 private:
  mutable std::optional<Value> json_;
  mutable std::optional<Value> body_value_;  // Body() of a body that is not JSON
};

// Where a streamed body goes (Response::StreamBody): the connection, through the server's
// chunked writer (and the compression stage's encoder, when it applies). Used on the
// connection's fiber only.
class BodyWriter {
 public:
  virtual ~BodyWriter() = default;
  // Sends `bytes` now, as one piece of the body. False once the client is gone or the write
  // failed: the producer should return (later writes do nothing).
  virtual bool Write(std::string_view bytes) = 0;
  // False once the client closed the connection (noticed without a write too) or a write failed.
  virtual bool Alive() const = 0;
  // True once the server began a graceful stop: a long-lived stream should end.
  virtual bool Stopping() const = 0;
  // `wake` runs (on the connection's thread, at most once) when the client goes away or the
  // server begins a graceful stop, so that a producer waiting for something else can end.
  virtual void OnEnd(std::function<void()> wake) = 0;
  // A producer whose only work left is waiting (an event stream once its handler returned) hands
  // that part over and returns: `rest` then runs on the same connection with a writer of its own,
  // after the request's frames unwound, so that thousands of idle streams keep no resident stack
  // for them; the body ends when `rest` returns, and the connection closes after it. By default
  // `rest` runs at once.
  virtual void Defer(std::function<void(BodyWriter& out)> rest) { rest(*this); }
};
// Produces a streamed body: runs on the connection's fiber after the head went out, writing
// pieces as they are ready; returning ends the body. An exception ends the connection
// without the body's proper end (the client sees a cut-off response), and is logged.
using BodyProducer = std::function<void(BodyWriter& out)>;

struct CallResult;  // lux/services.h

class Response {
 public:
  int status = 200;
  Headers headers;
  // The body; when it is empty, StaticBody's bytes (if any) are sent instead.
  std::string body;

  Response() = default;
  // A file body holds an open descriptor: copies duplicate it, destruction closes it.
  Response(const Response& other);
  Response(Response&& other) noexcept;
  Response& operator=(const Response& other);
  Response& operator=(Response&& other) noexcept;
  ~Response();
  Response& Status(int s) {
    status = s;
    return *this;
  }
  Response& SetHeader(std::string name, std::string value) {
    headers.Set(std::move(name), std::move(value));
    return *this;
  }
  Response& Json(const Value& v);  // application/json; charset=utf-8
  Response& Text(std::string s);   // text/plain; charset=utf-8
  Response& Html(std::string s);   // text/html; charset=utf-8
  Response& Redirect(std::string location, int code = 302);
  // Set-Cookie: name=value; <attributes>
  Response& SetCookie(std::string_view name, std::string_view value,
                      std::string_view attributes = "Path=/; HttpOnly; SameSite=Lax");
  // A body that outlives every response (embedded assets, constant documents): sent from
  // where it lies, never copied, so a thousand slow readers of a 2 MB asset cost no memory.
  Response& StaticBody(std::string_view bytes) {
    body.clear();
    static_body_ = bytes;
    return *this;
  }
  // The bytes that will be sent: `body`, or the static body when `body` is empty.
  std::string_view BodyView() const { return body.empty() ? static_body_ : std::string_view(body); }
  // A body sent from a file without passing through user space (sendfile): `length` bytes of
  // the open descriptor `fd` from `offset`; the response takes ownership of `fd`. `body` and
  // the static body must be empty (static files, docs/runtime.md "Static files").
  Response& FileBody(int fd, std::uint64_t offset, std::uint64_t length);
  bool HasFileBody() const { return file_fd_ >= 0; }
  int file_fd() const { return file_fd_; }
  std::uint64_t file_offset() const { return file_offset_; }
  std::uint64_t file_length() const { return file_length_; }
  // Reads the file body into `body` and closes it (a stage that rewrites the bytes: compression).
  // Throws lux::Error when the file cannot be read whole.
  void LoadFileBody();
  // A body produced while it is sent (server-sent events, `stream(...)`): sent with
  // Transfer-Encoding: chunked (HTTP/1.0: until the connection closes); replaces any other body.
  Response& StreamBody(BodyProducer producer);
  bool HasStreamBody() const { return stream_ != nullptr; }
  const BodyProducer& stream_producer() const { return *stream_; }
  // Bytes the body has: `body`, the static body or the file body.
  std::uint64_t BodySize() const { return file_fd_ >= 0 ? file_length_ : BodyView().size(); }
  void ClearBody();
  // True once a body was set by Json/Text/Html/Redirect: a (req, res) middleware that sends
  // ends the chain.
  bool sent() const { return sent_; }
  // A failed call of a discovered service that the handler (or a middleware function) returned
  // without an exception (lux/services.h, rt::FailedResponse): the response stands for that
  // error. Middleware hands it back untouched, as a thrown error unwinds through it, and the
  // dispatcher answers it as it answers the thrown error (on_error, else the default answer); a
  // stage that answers errors itself (CORS, a deprecated group) answers it there
  // (App::Impl::HandleFailed).
  std::shared_ptr<const CallResult> failed_call;
  bool Failed() const { return failed_call != nullptr; }

 private:
  void CloseFile();

  bool sent_ = false;
  std::shared_ptr<const BodyProducer> stream_;
  std::string_view static_body_;
  int file_fd_ = -1;
  std::uint64_t file_offset_ = 0;
  std::uint64_t file_length_ = 0;
};

// `respond(status, body)`: JSON by default.
Response Respond(int status, const Value& body);
Response Text(int status, std::string body);
Response Html(int status, std::string body);
Response Redirect(std::string location, int code = 302);

using Handler = std::function<Response(Request&)>;
using Next = std::function<Response(Request&)>;
// `fn(req, next)`: code before and after the rest of the chain.
using Middleware = std::function<Response(Request&, const Next&)>;
// `fn(req, res)`: decorates; runs before the handler, may set status/headers (merged into
// the final response) or send a response itself (which ends the chain).
using Decorator = std::function<void(Request&, Response&)>;
// `on_error(err, req[, res])`: `res` arrives as the default 500 response; return the response
// to send (the two-argument Lux form ignores `res`).
using ErrorHandler = std::function<Response(const Error&, Request&, Response&)>;
using Hook = std::function<void()>;

enum class LogLevel { kDebug, kInfo, kWarn, kError, kOff };
enum class LogFormat { kText, kJson };

struct ServerOptions {
  std::string host = "0.0.0.0";  // overridden by HOST, then --host
  int port = 3000;               // overridden by PORT, then --port (0 = any free port)
  int threads = 0;               // I/O threads, 0 = one per core (LUX_THREADS)
  std::int64_t drain_timeout_ms = kDrainTimeoutMs;
  std::size_t max_body_bytes = kMaxBodyBytes;
  std::size_t max_header_bytes = kMaxHeaderBytes;
  std::int64_t read_timeout_ms = kRequestReadTimeoutMs;
  std::int64_t keep_alive_timeout_ms = kKeepAliveTimeoutMs;
  // Open connections at most (LUX_MAX_CONNECTIONS, --max-connections); 0 = from RLIMIT_NOFILE
  // (see kMinSpareFds).
  std::size_t max_connections = 0;
  // Which peers may say who the client is (X-Forwarded-For, Forwarded): "" nobody, "true",
  // a hop count, or addresses and CIDR ranges separated by commas (`trust_proxy`,
  // LUX_TRUST_PROXY, --trust-proxy; src/http/proxy.h).
  std::string trust_proxy;
  LogLevel log_level = LogLevel::kInfo;  // LUX_LOG_LEVEL=debug|info|warn|error|off
  LogFormat log_format = LogFormat::kText;  // LUX_LOG_FORMAT=json
  bool access_log = true;                // LUX_ACCESS_LOG=0 turns it off
  bool handle_signals = true;            // Run() installs SIGTERM/SIGINT handlers
};

class App {
 public:
  explicit App(std::string name = "lux");
  ~App();
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  // Pattern segments: literal, `:name`, or a final `*` / `*name` (rest of the path).
  // Throws std::invalid_argument on a malformed or duplicate route.
  void Route(std::string_view method, std::string_view pattern, Handler handler,
             std::vector<Middleware> route_middleware = {});
  void Get(std::string_view pattern, Handler h) { Route("GET", pattern, std::move(h)); }
  void Post(std::string_view pattern, Handler h) { Route("POST", pattern, std::move(h)); }
  void Put(std::string_view pattern, Handler h) { Route("PUT", pattern, std::move(h)); }
  void Patch(std::string_view pattern, Handler h) { Route("PATCH", pattern, std::move(h)); }
  void Delete(std::string_view pattern, Handler h) { Route("DELETE", pattern, std::move(h)); }

  // Global middleware, run in registration order around every request (404/405 included).
  void Use(Middleware m);
  void UseDecorator(Decorator d);
  void OnError(ErrorHandler h);
  // After the port is bound and the runtime's components (database, job store, event outbox,
  // ...) opened, before they start their background work and before the first request.
  void OnStart(Hook h);
  // After in-flight requests drained and the components stopped their background work,
  // before they close (reverse registration order).
  void OnStop(Hook h);

  ServerOptions& options();
  const std::string& name() const;

  // The whole lifecycle for a program's main(): reads LUX_*/PORT/HOST and --port/--host,
  // binds, brings the components up around on_start, serves until SIGTERM/SIGINT, drains,
  // brings them down around on_stop (docs/architecture.md, "Runtime components"). Or runs a
  // command a component provides (`run-task NAME`, `jobs`). Returns the exit code: 0 after a
  // graceful stop, 1 on a start-up failure (one line on stderr).
  int Run(int argc, char** argv);

  // Embedding and tests: Start binds, brings the components up around on_start (throws
  // StartupError with everything undone) and serves on background threads; Shutdown begins a
  // graceful stop (what the first signal does; during Start, Start undoes what it did and
  // returns without serving); Wait blocks until drained, brings the components down around
  // on_stop, and returns.
  void Start();
  std::uint16_t port() const;
  void Shutdown();
  void Wait();

  // Runs one request through middleware, router and error handling without a socket.
  Response Handle(Request& req);

  class Impl;

 private:
  friend Impl& AppImpl(App& app);  // runtime-internal access (src/server/app_impl.h)
  Impl* impl_;  // owned; a raw pointer keeps <memory> (+20k lines) out of generated TUs
};

// ---- server blocks: cors { }, rate_limit { }, cache { }, max_body / limits { } ----
// Each takes the checked block as an object (the code generator passes it; keys as in
// docs/language.md) and throws StartupError naming the option for a value it cannot use.
// The behaviour (preflights, the bucket algorithm, the Redis script, precedence of env and
// flags) is described in docs/runtime.md, "CORS, rate limits, cache defaults, limits".

// In memory a rate limiter keeps at most this many client keys (all its buckets together):
// a flood of distinct addresses evicts refilled buckets first, then those closest to full, so it
// never grows past about kRateLimitMaxKeys * 100 bytes.
inline constexpr std::size_t kRateLimitMaxKeys = 100'000;
// Redis unreachable: requests are allowed (fail-open) and Redis is tried again after this.
inline constexpr std::int64_t kRateLimitRetryMs = 1'000;

// `cors { origins, methods, headers, credentials, max_age, expose_headers }`
void ConfigureCors(App& app, const Value& config);
// A route group's `cors { }` (same options): replaces the server's for the paths under
// `prefix` ("/api": "/api" and "/api/..."), preflights included; the longest prefix wins.
void ConfigureGroupCors(App& app, const std::string& prefix, const Value& config);
// `rate_limit { max, window, key, burst, store, url }`
void ConfigureRateLimit(App& app, const Value& config);
// A limit of `max` requests per `window_seconds` for one route (its own buckets, keyed by the
// route and the client as the server's `rate_limit` block keys them, in the same store).
Middleware RouteRateLimit(App& app, std::int64_t max, std::int64_t window_seconds);
// `cache { max_age, stale_while_revalidate, private }`: default Cache-Control of GET 200s.
void ConfigureCacheDefaults(App& app, const Value& config);
// `max_body N`, `trust_proxy X` and `limits { max_body, max_header_bytes, header_timeout,
// idle_timeout, max_connections, trust_proxy }`: into App::options(); the environment and the
// server's flags override each (LUX_MAX_BODY, --max-body, ...; docs/runtime.md, "Limits").
void ConfigureLimits(App& app, const Value& config);

}  // namespace lux
