// The stores of sessions (session.cpp): the cookie store (a session's values sealed into the
// cookie with their expiry) and the db store (a signed random id in the cookie, the values in a
// table of the server's database), on an injectable clock so tests step past max_age without
// sleeping. Entry points: Store, CookieSessions, DbSessions.
#pragma once

#include <cstdint>
#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lux/cookies.h"
#include "lux/session.h"
#include "lux/value.h"
#include "session/codec.h"

namespace lux::redis {
class Pool;
}

namespace lux::session {

// A session as a store read it: its values (an object, empty when there is no valid session)
// and its id (db store; empty for the cookie store and for no session).
struct Loaded {
  Value data;
  std::string id;
};

class Store {
 public:
  // `now`: Unix seconds; the system clock when empty.
  Store(const SessionOptions& options, std::function<std::int64_t()> now);
  virtual ~Store() = default;
  // The session of a cookie value: empty when the cookie is missing, tampered with, signed
  // with an unknown secret, expired or not a session. Never throws for a bad cookie.
  virtual Loaded Load(std::string_view cookie) = 0;
  // Keeps `data` (the session `id`, or a new one when empty) until max_age from now; the value
  // of the cookie to set.
  virtual std::string Save(const std::string& id, const Value& data) = 0;
  // The session `id` ended (destroyed): forget it.
  virtual void Destroy(const std::string& id) { (void)id; }
  // The Set-Cookie attributes (HttpOnly, Secure, SameSite, Max-Age; Max-Age=0 when `remove`).
  CookieOptions Attributes(bool remove) const;

 protected:
  SessionOptions options_;
  std::function<std::int64_t()> now_;
  std::vector<Keys> keys_;
};

// `store: "cookie"`: nothing on the server.
class CookieSessions final : public Store {
 public:
  explicit CookieSessions(const SessionOptions& options, std::function<std::int64_t()> now = {}) : Store(options, now) {}
  Loaded Load(std::string_view cookie) override;
  std::string Save(const std::string& id, const Value& data) override;
};

// `store: "db"`: table kSessionTable of the server's database (SQLite or PostgreSQL, through
// lux::rt::DbRun/DbQuery), created by Open; expired rows are deleted when read and every
// kPurgeIntervalS by the requests that save.
class DbSessions final : public Store {
 public:
  static constexpr const char* kSessionTable = "lux_sessions";
  static constexpr std::int64_t kPurgeIntervalS = 60;
  explicit DbSessions(const SessionOptions& options, std::function<std::int64_t()> now = {});
  // Creates the table when missing and deletes the expired rows.
  void Open();
  Loaded Load(std::string_view cookie) override;
  std::string Save(const std::string& id, const Value& data) override;
  void Destroy(const std::string& id) override;
  // Deletes every expired row; the count deleted.
  std::int64_t Purge();

 private:
  std::atomic<std::int64_t> last_purge_{0};
};

// `store: "redis"` under `luxc test` (RunMode::kTest): the values in this process's memory,
// with the same signed ids and expiry as the Redis store, so a test never reaches a Redis.
class MemorySessions final : public Store {
 public:
  explicit MemorySessions(const SessionOptions& options, std::function<std::int64_t()> now = {}) : Store(options, now) {}
  Loaded Load(std::string_view cookie) override;
  std::string Save(const std::string& id, const Value& data) override;
  void Destroy(const std::string& id) override;

 private:
  struct Entry {
    std::string json;
    std::int64_t expires_s;
  };
  std::mutex mu_;
  std::map<std::string, Entry, std::less<>> entries_;
};

// `store: "redis"`: key `<prefix>session:<id>` holding the values' JSON with Redis's own expiry
// (SET ... EX max_age), so Redis deletes expired sessions itself. Every command is safe to run
// twice (the pool retries once on a broken connection).
class RedisSessions final : public Store {
 public:
  // `url`: redis:// or unix:// (options.url); `prefix` of the keys ("lux:").
  RedisSessions(const SessionOptions& options, std::function<std::int64_t()> now = {});
  ~RedisSessions() override;
  // Connects and PINGs: a Redis that cannot be reached stops the start.
  void Open();
  Loaded Load(std::string_view cookie) override;
  std::string Save(const std::string& id, const Value& data) override;
  void Destroy(const std::string& id) override;

 private:
  std::string Key(const std::string& id) const { return options_.redis_prefix + "session:" + id; }
  std::unique_ptr<redis::Pool> pool_;
};

}  // namespace lux::session
