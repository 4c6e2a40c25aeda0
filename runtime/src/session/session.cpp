// The session component: `session { ... }` of a server (lux/session.h). Its stage runs before
// the program's middleware: it opens the session cookie (codec.h: HMAC-SHA256 and
// AES-256-GCM with keys from the secret), puts the values in the request's locals under
// "session" (`req.session` reads and writes them), runs the rest of the chain and, when the
// values changed, sets the new cookie (or deletes it when the session became empty).
// A tampered, expired, foreign or undecodable cookie is an empty session, never an error.
// Stores: the cookie itself (encrypted), or the server's database (session.h).
// Entry points: UseSessions, DestroySession; session::CookieSessions, DbSessions for tests.
#include "session/session.h"

#include <chrono>

#include "core/log.h"
#include "lux/db.h"
#include "lux/env.h"
#include "redis/client.h"
#include "lux/cookies.h"
#include "lux/session.h"
#include "server/component.h"
#include "session/codec.h"

namespace lux {

namespace session {

namespace {

// Redis commands of the redis store give up after this (the request then fails with 500).
constexpr int kRedisTimeoutMs = 2000;

std::int64_t SystemNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

Store::Store(const SessionOptions& o, std::function<std::int64_t()> now)
    : options_(o), now_(now ? std::move(now) : SystemNow) {
  for (const std::string& s : o.secrets) keys_.push_back(DeriveKeys(s));
}

CookieOptions Store::Attributes(bool remove) const {
  CookieOptions c;
  c.http_only = true;
  c.secure = options_.secure;
  c.same_site = options_.same_site;
  c.max_age = remove ? 0 : options_.max_age_s;
  return c;
}

Loaded CookieSessions::Load(std::string_view cookie) {
  Loaded out{Value::MakeObject(), ""};
  if (cookie.empty() || keys_.empty()) return out;
  auto plain = Unseal(keys_, cookie);
  if (!plain) return out;
  try {
    Value doc = ParseJson(*plain);
    const Value* data = doc.Find("d");
    const Value* exp = doc.Find("e");
    if (data && data->IsObject() && exp && exp->IsInt() && exp->AsInt() > now_()) out.data = *data;
  } catch (const std::exception&) {
  }
  return out;
}

std::string CookieSessions::Save(const std::string& id, const Value& data) {
  (void)id;
  Value doc = Value::MakeObject();
  doc["d"] = data;
  doc["e"] = Value(static_cast<long long>(now_() + options_.max_age_s));
  return Seal(keys_.front(), ToJson(doc));
}

DbSessions::DbSessions(const SessionOptions& o, std::function<std::int64_t()> now) : Store(o, std::move(now)) {}

void DbSessions::Open() {
  rt::DbRun(std::string("CREATE TABLE IF NOT EXISTS ") + kSessionTable +
            " (id TEXT PRIMARY KEY, data TEXT NOT NULL, expires_at BIGINT NOT NULL)");
  Purge();
}

Loaded DbSessions::Load(std::string_view cookie) {
  Loaded out{Value::MakeObject(), ""};
  std::optional<std::string> id = cookie.empty() ? std::nullopt : VerifyId(keys_, cookie);
  if (!id) return out;
  Value rows = rt::DbQuery(std::string("SELECT data, expires_at FROM ") + kSessionTable + " WHERE id = ?", {Value(*id)});
  if (!rows.IsArray() || rows.AsArray().empty()) return out;
  const Value& row = rows[0];
  if (!row["expires_at"].IsInt() || row["expires_at"].AsInt() <= now_()) {
    Destroy(*id);
    return out;
  }
  try {
    Value data = ParseJson(row["data"].AsString());
    if (data.IsObject()) out = Loaded{std::move(data), *id};
  } catch (const std::exception&) {
  }
  return out;
}

std::string DbSessions::Save(const std::string& given, const Value& data) {
  std::string id = given.empty() ? NewSessionId() : given;
  std::int64_t now = now_();
  rt::DbRun(std::string("INSERT INTO ") + kSessionTable +
                " (id, data, expires_at) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET data = excluded.data, "
                "expires_at = excluded.expires_at",
            {Value(id), Value(ToJson(data)), Value(static_cast<long long>(now + options_.max_age_s))});
  std::int64_t last = last_purge_.load(std::memory_order_relaxed);
  if (now - last >= kPurgeIntervalS && last_purge_.compare_exchange_strong(last, now)) Purge();
  return SignId(keys_.front(), id);
}

void DbSessions::Destroy(const std::string& id) {
  if (!id.empty()) rt::DbRun(std::string("DELETE FROM ") + kSessionTable + " WHERE id = ?", {Value(id)});
}

std::int64_t DbSessions::Purge() {
  last_purge_.store(now_(), std::memory_order_relaxed);
  return rt::DbRun(std::string("DELETE FROM ") + kSessionTable + " WHERE expires_at <= ?",
                   {Value(static_cast<long long>(now_()))});
}

RedisSessions::RedisSessions(const SessionOptions& o, std::function<std::int64_t()> now) : Store(o, std::move(now)) {}
RedisSessions::~RedisSessions() = default;

void RedisSessions::Open() {
  pool_ = std::make_unique<redis::Pool>(redis::ParseUrl(options_.url), kRedisTimeoutMs);
  pool_->Command({"PING"});
}

Loaded RedisSessions::Load(std::string_view cookie) {
  Loaded out{Value::MakeObject(), ""};
  std::optional<std::string> id = cookie.empty() ? std::nullopt : VerifyId(keys_, cookie);
  if (!id) return out;
  redis::Reply r = pool_->Command({"GET", Key(*id)});
  if (r.IsNil()) return out;
  try {
    Value data = ParseJson(r.AsString());
    if (data.IsObject()) out = Loaded{std::move(data), *id};
  } catch (const std::exception&) {
  }
  return out;
}

std::string RedisSessions::Save(const std::string& given, const Value& data) {
  std::string id = given.empty() ? NewSessionId() : given;
  pool_->Command({"SET", Key(id), ToJson(data), "EX", std::to_string(options_.max_age_s)});
  return SignId(keys_.front(), id);
}

void RedisSessions::Destroy(const std::string& id) {
  if (!id.empty()) pool_->Command({"DEL", Key(id)});
}

Loaded MemorySessions::Load(std::string_view cookie) {
  Loaded out{Value::MakeObject(), ""};
  std::optional<std::string> id = cookie.empty() ? std::nullopt : VerifyId(keys_, cookie);
  if (!id) return out;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(*id);
  if (it == entries_.end()) return out;
  if (it->second.expires_s <= now_()) {
    entries_.erase(it);
    return out;
  }
  try {
    Value data = ParseJson(it->second.json);
    if (data.IsObject()) out = Loaded{std::move(data), *id};
  } catch (const std::exception&) {
  }
  return out;
}

std::string MemorySessions::Save(const std::string& given, const Value& data) {
  std::string id = given.empty() ? NewSessionId() : given;
  std::lock_guard<std::mutex> lock(mu_);
  entries_.insert_or_assign(id, Entry{ToJson(data), now_() + options_.max_age_s});
  return SignId(keys_.front(), id);
}

void MemorySessions::Destroy(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  entries_.erase(id);
}

namespace {

class SessionComponent final : public server::Component {
 public:
  static constexpr server::Order kOrder = server::Order::kSession;
  SessionComponent() : Component(kOrder, "session") {}

  SessionOptions options;
  bool configured = false;

  void Open(server::Host& host) override {
    if (options.secrets.empty()) throw StartupError("session: `secret` is empty");
    for (const std::string& s : options.secrets) {
      if (s.empty()) throw StartupError("session: a `secret` is empty");
      if (s.size() < kMinSecretChars)
        core::Log(LogLevel::kWarn, "session secret is short: use at least 32 random characters (openssl rand -hex 32)",
                  {{"length", static_cast<long long>(s.size())}});
    }
    if (options.store == "db") {
      auto db = std::make_unique<DbSessions>(options);
      try {
        db->Open();
      } catch (const std::exception& e) {
        throw StartupError(std::string("session: the db store: ") + e.what());
      }
      sessions_ = std::move(db);
    } else if (options.store == "redis" && host.Mode() == server::RunMode::kTest) {
      sessions_ = std::make_unique<MemorySessions>(options);
    } else if (options.store == "redis") {
      if (auto u = EnvOptString("LUX_SESSION_URL")) options.url = *u;
      if (auto p = EnvOptString("LUX_SESSION_PREFIX")) options.redis_prefix = *p;
      auto r = std::make_unique<RedisSessions>(options);
      try {
        r->Open();
      } catch (const std::exception& e) {
        throw StartupError(std::string("session: the redis store: ") + e.what());
      }
      sessions_ = std::move(r);
    } else if (options.store == "cookie") {
      sessions_ = std::make_unique<CookieSessions>(options);
    } else {
      throw StartupError("session: unknown store \"" + options.store + "\"");
    }
    host.AddStage([this](Request& req, const Next& next) { return Around(req, next); });
  }

  void Close() override {}

 private:
  // A secret shorter than this is accepted with a warning (the family's examples use short ones).
  static constexpr std::size_t kMinSecretChars = 32;

  Response Around(Request& req, const Next& next) {
    std::optional<std::string> cookie = req.Cookie(options.cookie_name);
    Loaded loaded = sessions_->Load(cookie.value_or(""));
    std::string before = ToJson(loaded.data);
    if (!req.locals.IsObject()) req.locals = Value::MakeObject();
    req.locals["session"] = std::move(loaded.data);
    Response res = next(req);
    if (res.Failed()) return res;  // a failed call: the session is not saved, as for an error
    const Value* now = req.locals.IsObject() ? req.locals.Find("session") : nullptr;
    bool empty = !now || !now->IsObject() || now->AsObject().empty();
    std::string after = empty ? "{}" : ToJson(*now);
    if (after == before) return res;
    if (empty) {
      sessions_->Destroy(loaded.id);
      if (cookie) res.headers.Add("Set-Cookie", FormatSetCookie(options.cookie_name, "", sessions_->Attributes(true)));
      return res;
    }
    std::string value = sessions_->Save(loaded.id, *now);
    res.headers.Add("Set-Cookie", FormatSetCookie(options.cookie_name, value, sessions_->Attributes(false)));
    return res;
  }

  std::unique_ptr<Store> sessions_;
};

}  // namespace

}  // namespace session

void UseSessions(App& app, SessionOptions options) {
  auto& c = server::Ensure<session::SessionComponent>(app);
  if (c.configured) return;
  c.options = std::move(options);
  c.configured = true;
}

void DestroySession(Request& req) {
  if (!req.locals.IsObject()) req.locals = Value::MakeObject();
  req.locals["session"] = Value::MakeObject();
}

}  // namespace lux
