// A small Redis client for the Redis job store and event bus, over hiredis (only client.cpp
// includes it). Calls return their reply (no callbacks); on a request's fiber the wait for it
// suspends the fiber, not the I/O thread (core::WaitFd). `redis://` URLs, a reply tree of our own, Lua scripts by EVALSHA
// (sent whole once when the server answers NOSCRIPT), a pool of connections that any thread may
// use, and dedicated connections for blocking reads (XREADGROUP BLOCK, SUBSCRIBE) that another
// thread can interrupt. Entry points: ParseUrl, Connection, Pool, Script.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "lux/error.h"

namespace lux::redis {

// `redis://[[user]:password@]host[:port][/db]` or `unix:///path/to/socket[?db=N]`.
struct Url {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string unix_path;  // set for unix:// URLs
  std::string user;
  std::string password;
  int db = 0;
  std::string text;  // as given, password replaced by `***` (for logs)
};

// Throws lux::Error naming what is wrong (`rediss://` is refused: no TLS).
Url ParseUrl(std::string_view text);

// Connects to `url` on a connection of its own and sends PING, all within `timeout_ms`
// (readiness checks). Throws RedisError / lux::Error naming what failed.
void Ping(const std::string& url, int timeout_ms);

// A failure talking to Redis. `io()`: the connection broke or timed out (the command may or
// may not have run); otherwise Redis answered with an error reply.
class RedisError : public Error {
 public:
  RedisError(const std::string& message, bool io) : Error(message), io_(io) {}
  bool io() const { return io_; }

 private:
  bool io_;
};

struct Reply {
  enum class Type : std::uint8_t { kNil, kInt, kString, kStatus, kArray, kError };
  Type type = Type::kNil;
  long long integer = 0;
  std::string str;  // kString, kStatus, kError
  std::vector<Reply> elements;

  bool IsNil() const { return type == Type::kNil; }
  bool IsArray() const { return type == Type::kArray; }
  // An integer reply, or a string holding one (Lua numbers come back as integers, stored
  // fields as strings). Throws RedisError otherwise.
  std::int64_t AsInt() const;
  // A string or status reply; "" for nil.
  const std::string& AsString() const;
};

// A Lua script, run by EVALSHA with its SHA-1 (computed here), and by EVAL when the server
// does not have it cached yet (after a restart or SCRIPT FLUSH).
class Script {
 public:
  explicit Script(std::string body);
  const std::string& body() const { return body_; }
  const std::string& sha() const { return sha_; }

 private:
  std::string body_;
  std::string sha_;
};

// One connection (a hiredis context). Not thread-safe, except Interrupt().
class Connection {
 public:
  // Connects (timeout `timeout_ms` for the connect and for each reply), authenticates and
  // selects the database. Throws RedisError.
  static std::unique_ptr<Connection> Open(const Url& url, int timeout_ms);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Throws RedisError for an error reply (io() false) or a broken connection (io() true;
  // the connection is then unusable).
  Reply Command(const std::vector<std::string>& argv);
  // Several commands in one round trip; error replies are returned as kError replies.
  std::vector<Reply> Pipeline(const std::vector<std::vector<std::string>>& commands);
  Reply Eval(const Script& script, const std::vector<std::string>& keys, const std::vector<std::string>& args);
  // The reply timeout for later commands (blocking reads need more than their BLOCK time).
  void SetTimeout(int timeout_ms);
  // Reads one more reply without sending anything (pub/sub messages). Throws like Command.
  Reply Read();
  // From any thread: shuts the socket down so that a blocked Command/Read returns with an
  // I/O error. The connection is unusable afterwards.
  void Interrupt();
  bool broken() const;

  struct Impl;

 private:
  explicit Connection(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Connections shared by threads: each call leases one (opening it if none is idle), and a call
// that fails with an I/O error is tried once more on a fresh connection (Redis may have
// restarted, or an idle connection was closed), so every command sent through the pool must be
// safe to run twice. Idle connections beyond kMaxIdle are closed.
class Pool {
 public:
  Pool(Url url, int timeout_ms);
  ~Pool();
  Reply Command(const std::vector<std::string>& argv);
  std::vector<Reply> Pipeline(const std::vector<std::vector<std::string>>& commands);
  Reply Eval(const Script& script, const std::vector<std::string>& keys, const std::vector<std::string>& args);
  const Url& url() const { return url_; }
  int timeout_ms() const { return timeout_ms_; }

  static constexpr std::size_t kMaxIdle = 16;

 private:
  template <typename F>
  auto Run(F&& f) -> decltype(f(std::declval<Connection&>()));
  std::unique_ptr<Connection> Lease();
  void Return(std::unique_ptr<Connection> c);

  Url url_;
  int timeout_ms_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Connection>> idle_;
};

// The time of the Redis server in milliseconds (TIME): leases are measured on it, so that
// replicas whose clocks disagree still agree on when a lease expires.
std::int64_t ServerTimeMs(const Reply& time_reply);

}  // namespace lux::redis
