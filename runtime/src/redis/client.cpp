// The Redis client (see client.h) on hiredis. Replies are copied into our own Reply tree and
// hiredis's freed at once, so no hiredis type leaves this file. After the (blocking) connect the
// socket is non-blocking and hiredis only encodes and parses: this file writes and reads through
// core::WaitFd, so a command sent from a request's fiber suspends that fiber while Redis answers
// instead of holding up every other request on the I/O thread.
#include "redis/client.h"

#include <hiredis/hiredis.h>
#include <openssl/sha.h>
#include <fcntl.h>
#include <sys/socket.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <optional>

#include "core/wait_fd.h"

namespace lux::redis {

namespace {

timeval ToTimeval(int ms) {
  timeval tv{};
  tv.tv_sec = ms / 1000;
  tv.tv_usec = (ms % 1000) * 1000;
  return tv;
}

Reply Convert(const redisReply* r) {
  Reply out;
  if (!r) return out;
  switch (r->type) {
    case REDIS_REPLY_INTEGER:
      out.type = Reply::Type::kInt;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_STRING:
      out.type = Reply::Type::kString;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = Reply::Type::kStatus;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = Reply::Type::kError;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ARRAY:
      out.type = Reply::Type::kArray;
      out.elements.reserve(r->elements);
      for (std::size_t i = 0; i < r->elements; ++i) out.elements.push_back(Convert(r->element[i]));
      break;
    default:
      break;  // nil
  }
  return out;
}

std::string Describe(const Url& url) { return url.text.empty() ? "redis" : url.text; }

}  // namespace

// ---- URL ----

Url ParseUrl(std::string_view text) {
  Url u;
  std::string_view rest = text;
  auto bad = [&](const std::string& why) {
    return Error("invalid Redis URL \"" + std::string(text) + "\": " + why +
                 " (expected redis://[:password@]host[:port][/db] or unix:///path)");
  };
  auto parse_db = [&](std::string_view s) {
    int db = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), db);
    if (ec != std::errc() || p != s.data() + s.size() || db < 0) throw bad("database `" + std::string(s) + "` is not a number");
    return db;
  };
  if (rest.rfind("unix://", 0) == 0) {
    rest.remove_prefix(7);
    std::size_t q = rest.find("?db=");
    u.unix_path = std::string(rest.substr(0, q));
    if (q != std::string_view::npos) u.db = parse_db(rest.substr(q + 4));
    if (u.unix_path.empty() || u.unix_path[0] != '/') throw bad("the socket path must be absolute");
    u.text = std::string(text);
    return u;
  }
  if (rest.rfind("rediss://", 0) == 0) throw bad("TLS (rediss://) is not supported");
  if (rest.rfind("redis://", 0) != 0) throw bad("the scheme must be redis://");
  rest.remove_prefix(8);
  std::string shown = "redis://";
  if (std::size_t at = rest.rfind('@'); at != std::string_view::npos) {
    std::string_view cred = rest.substr(0, at);
    std::size_t colon = cred.find(':');
    if (colon == std::string_view::npos) {
      u.password = std::string(cred);  // redis://secret@host: a password alone
    } else {
      u.user = std::string(cred.substr(0, colon));
      u.password = std::string(cred.substr(colon + 1));
    }
    shown += (u.user.empty() ? "" : u.user) + ":***@";
    rest.remove_prefix(at + 1);
  }
  std::size_t slash = rest.find('/');
  std::string_view hostport = rest.substr(0, slash);
  if (slash != std::string_view::npos && slash + 1 < rest.size()) u.db = parse_db(rest.substr(slash + 1));
  std::size_t colon = hostport.rfind(':');
  if (!hostport.empty() && hostport.front() == '[') {  // [::1]:6379
    std::size_t close = hostport.find(']');
    if (close == std::string_view::npos) throw bad("unclosed `[` in the host");
    u.host = std::string(hostport.substr(1, close - 1));
    colon = hostport.size() > close + 1 && hostport[close + 1] == ':' ? close + 1 : std::string_view::npos;
  } else {
    std::string_view h = hostport.substr(0, colon);
    if (!h.empty()) u.host = std::string(h);
  }
  if (colon != std::string_view::npos) {
    std::string_view ps = hostport.substr(colon + 1);
    int port = 0;
    auto [p, ec] = std::from_chars(ps.data(), ps.data() + ps.size(), port);
    if (ec != std::errc() || p != ps.data() + ps.size() || port < 1 || port > 65535)
      throw bad("port `" + std::string(ps) + "` is not in 1..65535");
    u.port = port;
  }
  if (u.host.empty()) throw bad("no host");
  shown += std::string(hostport);
  if (u.db) shown += "/" + std::to_string(u.db);
  u.text = shown;
  return u;
}

// ---- Reply, Script ----

std::int64_t Reply::AsInt() const {
  if (type == Type::kInt) return integer;
  if (type == Type::kString || type == Type::kStatus) {
    std::int64_t v = 0;
    auto [p, ec] = std::from_chars(str.data(), str.data() + str.size(), v);
    if (ec == std::errc() && p == str.data() + str.size()) return v;
    // Lua numbers written as floats ("1.5e3") are not expected here.
  }
  if (type == Type::kNil) return 0;
  throw RedisError("redis: expected an integer reply, got \"" + str + "\"", false);
}

const std::string& Reply::AsString() const { return str; }

Script::Script(std::string body) : body_(std::move(body)) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(body_.data()), body_.size(), digest);
  char hex[2 * SHA_DIGEST_LENGTH + 1];
  for (int i = 0; i < SHA_DIGEST_LENGTH; ++i) std::snprintf(hex + 2 * i, 3, "%02x", digest[i]);
  sha_.assign(hex, 2 * SHA_DIGEST_LENGTH);
}

std::int64_t ServerTimeMs(const Reply& t) {
  if (!t.IsArray() || t.elements.size() < 2) throw RedisError("redis: unexpected TIME reply", false);
  return t.elements[0].AsInt() * 1000 + t.elements[1].AsInt() / 1000;
}

// ---- Connection ----

struct Connection::Impl {
  redisContext* ctx = nullptr;
  std::string where;
  std::atomic<bool> broken{false};
  ~Impl() {
    if (ctx) redisFree(ctx);
  }
  int timeout_ms = 0;  // for each reply (and for sending); <= 0: none
  [[noreturn]] void Broke(const char* doing) {
    broken = true;
    std::string why = ctx && ctx->err ? ctx->errstr : "connection closed";
    throw RedisError("redis " + where + ": " + doing + ": " + why, true);
  }
  std::optional<std::chrono::steady_clock::time_point> Deadline() const {
    if (timeout_ms <= 0) return std::nullopt;
    return std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  }
  void Wait(core::FdWait what, const std::optional<std::chrono::steady_clock::time_point>& deadline,
            const char* doing) {
    if (core::WaitFd(ctx->fd, what, deadline)) return;
    broken = true;  // a reply may still arrive: the connection is out of step
    throw RedisError("redis " + where + ": " + doing + ": no answer within " + std::to_string(timeout_ms) + " ms", true);
  }
  // Sends what redisAppendCommand* queued.
  void Flush(const char* doing) {
    auto deadline = Deadline();
    for (;;) {
      int done = 0;
      if (redisBufferWrite(ctx, &done) != REDIS_OK) Broke(doing);
      if (done) return;
      Wait(core::FdWait::kWrite, deadline, doing);
    }
  }
  // The next reply (never null).
  void* Next(const char* doing) {
    auto deadline = Deadline();
    for (;;) {
      void* raw = nullptr;
      if (redisGetReplyFromReader(ctx, &raw) != REDIS_OK) Broke(doing);
      if (raw) return raw;
      Wait(core::FdWait::kRead, deadline, doing);
      if (redisBufferRead(ctx) != REDIS_OK) Broke(doing);
    }
  }
};

Connection::Connection(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

void Ping(const std::string& url, int timeout_ms) {
  Connection::Open(ParseUrl(url), timeout_ms < 1 ? 1 : timeout_ms)->Command({"PING"});
}
Connection::~Connection() = default;

std::unique_ptr<Connection> Connection::Open(const Url& url, int timeout_ms) {
  auto impl = std::make_unique<Impl>();
  impl->where = Describe(url);
  timeval tv = ToTimeval(timeout_ms);
  impl->ctx = url.unix_path.empty() ? redisConnectWithTimeout(url.host.c_str(), url.port, tv)
                                    : redisConnectUnixWithTimeout(url.unix_path.c_str(), tv);
  if (!impl->ctx) throw RedisError("redis " + impl->where + ": cannot connect: out of memory", true);
  if (impl->ctx->err) throw RedisError("redis " + impl->where + ": cannot connect: " + impl->ctx->errstr, true);
  // From here on hiredis never touches the socket's blocking behaviour: Flush and Next wait.
  int flags = ::fcntl(impl->ctx->fd, F_GETFL);
  if (flags < 0 || ::fcntl(impl->ctx->fd, F_SETFL, flags | O_NONBLOCK) != 0)
    throw RedisError("redis " + impl->where + ": cannot make the socket non-blocking", true);
  impl->ctx->flags &= ~REDIS_BLOCK;
  impl->timeout_ms = timeout_ms;
  std::unique_ptr<Connection> c(new Connection(std::move(impl)));
  if (!url.password.empty()) {
    if (url.user.empty()) c->Command({"AUTH", url.password});
    else c->Command({"AUTH", url.user, url.password});
  }
  if (url.db != 0) c->Command({"SELECT", std::to_string(url.db)});
  return c;
}

namespace {

std::vector<const char*> Argv(const std::vector<std::string>& argv, std::vector<std::size_t>& lens) {
  std::vector<const char*> ptrs;
  ptrs.reserve(argv.size());
  lens.clear();
  lens.reserve(argv.size());
  for (const std::string& a : argv) {
    ptrs.push_back(a.data());
    lens.push_back(a.size());
  }
  return ptrs;
}

}  // namespace

Reply Connection::Command(const std::vector<std::string>& argv) {
  if (impl_->broken) throw RedisError("redis " + impl_->where + ": connection is broken", true);
  std::vector<std::size_t> lens;
  std::vector<const char*> ptrs = Argv(argv, lens);
  const char* doing = argv.empty() ? "command" : argv[0].c_str();
  if (redisAppendCommandArgv(impl_->ctx, static_cast<int>(ptrs.size()), ptrs.data(), lens.data()) != REDIS_OK)
    impl_->Broke(doing);
  impl_->Flush(doing);
  void* raw = impl_->Next(doing);
  Reply r = Convert(static_cast<redisReply*>(raw));
  freeReplyObject(raw);
  if (r.type == Reply::Type::kError) throw RedisError("redis: " + r.str, false);
  return r;
}

std::vector<Reply> Connection::Pipeline(const std::vector<std::vector<std::string>>& commands) {
  if (impl_->broken) throw RedisError("redis " + impl_->where + ": connection is broken", true);
  std::vector<std::size_t> lens;
  for (const auto& argv : commands) {
    std::vector<const char*> ptrs = Argv(argv, lens);
    if (redisAppendCommandArgv(impl_->ctx, static_cast<int>(ptrs.size()), ptrs.data(), lens.data()) != REDIS_OK)
      impl_->Broke("pipeline");
  }
  impl_->Flush("pipeline");
  std::vector<Reply> out;
  out.reserve(commands.size());
  for (std::size_t i = 0; i < commands.size(); ++i) {
    void* raw = impl_->Next("pipeline");
    out.push_back(Convert(static_cast<redisReply*>(raw)));
    freeReplyObject(raw);
  }
  return out;
}

Reply Connection::Eval(const Script& script, const std::vector<std::string>& keys, const std::vector<std::string>& args) {
  std::vector<std::string> argv;
  argv.reserve(3 + keys.size() + args.size());
  argv.push_back("EVALSHA");
  argv.push_back(script.sha());
  argv.push_back(std::to_string(keys.size()));
  argv.insert(argv.end(), keys.begin(), keys.end());
  argv.insert(argv.end(), args.begin(), args.end());
  try {
    return Command(argv);
  } catch (const RedisError& e) {
    if (e.io() || std::string_view(e.what()).find("NOSCRIPT") == std::string_view::npos) throw;
  }
  argv[0] = "EVAL";  // not cached on this server yet: send it whole (EVAL caches it)
  argv[1] = script.body();
  return Command(argv);
}

void Connection::SetTimeout(int timeout_ms) { impl_->timeout_ms = timeout_ms; }

Reply Connection::Read() {
  if (impl_->broken) throw RedisError("redis " + impl_->where + ": connection is broken", true);
  void* raw = impl_->Next("read");
  Reply r = Convert(static_cast<redisReply*>(raw));
  freeReplyObject(raw);
  if (r.type == Reply::Type::kError) throw RedisError("redis: " + r.str, false);
  return r;
}

void Connection::Interrupt() {
  impl_->broken = true;
  if (impl_->ctx && impl_->ctx->fd >= 0) ::shutdown(impl_->ctx->fd, SHUT_RDWR);
}

bool Connection::broken() const { return impl_->broken; }

// ---- Pool ----

Pool::Pool(Url url, int timeout_ms) : url_(std::move(url)), timeout_ms_(timeout_ms) {}
Pool::~Pool() = default;

std::unique_ptr<Connection> Pool::Lease() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      std::unique_ptr<Connection> c = std::move(idle_.back());
      idle_.pop_back();
      return c;
    }
  }
  return Connection::Open(url_, timeout_ms_);
}

void Pool::Return(std::unique_ptr<Connection> c) {
  if (!c || c->broken()) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (idle_.size() < kMaxIdle) idle_.push_back(std::move(c));
}

template <typename F>
auto Pool::Run(F&& f) -> decltype(f(std::declval<Connection&>())) {
  for (int attempt = 0;; ++attempt) {
    std::unique_ptr<Connection> c;
    try {
      c = Lease();
      auto result = f(*c);
      Return(std::move(c));
      return result;
    } catch (const RedisError& e) {
      if (!e.io()) {
        Return(std::move(c));
        throw;
      }
      if (attempt > 0) throw;
      // A pooled connection Redis closed (restart, timeout): once more on a fresh one.
    }
  }
}

Reply Pool::Command(const std::vector<std::string>& argv) {
  return Run([&](Connection& c) { return c.Command(argv); });
}

std::vector<Reply> Pool::Pipeline(const std::vector<std::vector<std::string>>& commands) {
  return Run([&](Connection& c) { return c.Pipeline(commands); });
}

Reply Pool::Eval(const Script& script, const std::vector<std::string>& keys, const std::vector<std::string>& args) {
  return Run([&](Connection& c) { return c.Eval(script, keys, args); });
}

}  // namespace lux::redis
