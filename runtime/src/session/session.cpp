// The session component: `session { ... }` of a server (lux/session.h). Its stage runs before
// the program's middleware: it opens the session cookie (codec.h: HMAC-SHA256 and
// AES-256-GCM with keys from the secret), puts the values in the request's locals under
// "session" (`req.session` reads and writes them), runs the rest of the chain and, when the
// values changed, sets the new cookie (or deletes it when the session became empty).
// A tampered, expired, foreign or undecodable cookie is an empty session, never an error.
// Entry points: UseSessions, DestroySession; session::CookieSessions for tests.
#include "session/session.h"

#include <chrono>

#include "core/log.h"
#include "lux/cookies.h"
#include "lux/session.h"
#include "server/component.h"
#include "session/codec.h"

namespace lux {

namespace session {

namespace {

std::int64_t SystemNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

CookieSessions::CookieSessions(const SessionOptions& o, std::function<std::int64_t()> now)
    : options_(o), now_(now ? std::move(now) : SystemNow) {
  for (const std::string& s : o.secrets) keys_.push_back(DeriveKeys(s));
}

Value CookieSessions::Load(std::string_view cookie) const {
  if (cookie.empty() || keys_.empty()) return Value::MakeObject();
  auto plain = Unseal(keys_, cookie);
  if (!plain) return Value::MakeObject();
  try {
    Value doc = ParseJson(*plain);
    const Value* data = doc.Find("d");
    const Value* exp = doc.Find("e");
    if (!data || !data->IsObject() || !exp || !exp->IsInt() || exp->AsInt() <= now_()) return Value::MakeObject();
    return *data;
  } catch (const std::exception&) {
    return Value::MakeObject();
  }
}

std::string CookieSessions::Save(const Value& data) const {
  Value doc = Value::MakeObject();
  doc["d"] = data;
  doc["e"] = Value(static_cast<long long>(now_() + options_.max_age_s));
  return Seal(keys_.front(), ToJson(doc));
}

CookieOptions CookieSessions::Attributes(bool remove) const {
  CookieOptions c;
  c.http_only = true;
  c.secure = options_.secure;
  c.same_site = options_.same_site;
  c.max_age = remove ? 0 : options_.max_age_s;
  return c;
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
    sessions_ = std::make_unique<CookieSessions>(options);
    host.AddStage([this](Request& req, const Next& next) { return Around(req, next); });
  }

  void Close() override {}

 private:
  // A secret shorter than this is accepted with a warning (the family's examples use short ones).
  static constexpr std::size_t kMinSecretChars = 32;

  Response Around(Request& req, const Next& next) {
    std::optional<std::string> cookie = req.Cookie(options.cookie_name);
    Value loaded = sessions_->Load(cookie.value_or(""));
    std::string before = ToJson(loaded);
    if (!req.locals.IsObject()) req.locals = Value::MakeObject();
    req.locals["session"] = std::move(loaded);
    Response res = next(req);
    const Value* now = req.locals.IsObject() ? req.locals.Find("session") : nullptr;
    bool empty = !now || !now->IsObject() || now->AsObject().empty();
    std::string after = empty ? "{}" : ToJson(*now);
    if (after == before) return res;
    if (empty) {
      if (cookie) res.headers.Add("Set-Cookie", FormatSetCookie(options.cookie_name, "", sessions_->Attributes(true)));
      return res;
    }
    res.headers.Add("Set-Cookie", FormatSetCookie(options.cookie_name, sessions_->Save(*now), sessions_->Attributes(false)));
    return res;
  }

  std::unique_ptr<CookieSessions> sessions_;
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
