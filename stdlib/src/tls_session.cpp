// `tls { }` and `session { }` of a server, as generated code registers them: their option
// objects (literals and env settings, evaluated in Register) checked once more at start (an
// env setting's value is only known then) and handed to the runtime (lux/tls.h, lux/session.h).
#include "lux/session.h"
#include "lux/stdlib.h"
#include "lux/tls.h"

namespace lux::stdlib {

namespace {

std::string Required(const Value& config, const char* block, const char* key) {
  const Value* v = config.Find(key);
  if (!v || v->IsNull()) throw StartupError(std::string(block) + ": `" + key + "` is not set");
  if (!v->IsString()) throw StartupError(std::string(block) + ": `" + key + "` must be a String, found " + v->KindName());
  return v->AsString();
}

}  // namespace

void ConfigureTls(App& app, const Value& config) {
  TlsOptions o;
  o.cert = Required(config, "tls", "cert");
  o.key = Required(config, "tls", "key");
  if (const Value* v = config.Find("min_version"); v && !v->IsNull()) {
    o.min_version = v->IsString() ? v->AsString() : Str(*v);
    if (o.min_version != "1.2" && o.min_version != "1.3")
      throw StartupError("tls: `min_version` must be \"1.2\" or \"1.3\", found \"" + o.min_version + "\"");
  }
  ServeTls(app, std::move(o));
}

void ConfigureSession(App& app, const Value& config, bool max_age_is_duration) {
  SessionOptions o;
  const Value* secret = config.Find("secret");
  if (!secret) secret = config.Find("secrets");
  if (secret && secret->IsArray()) {
    for (const Value& s : secret->AsArray())
      if (s.IsString() && !s.AsString().empty()) o.secrets.push_back(s.AsString());
  } else if (secret && secret->IsString() && !secret->AsString().empty()) {
    o.secrets.push_back(secret->AsString());
  }
  if (o.secrets.empty()) throw StartupError("session: `secret` is not set (openssl rand -hex 32 makes one)");
  if (const Value* v = config.Find("max_age"); v && !v->IsNull()) {
    // An Int is seconds; a Duration (`1.day`) is Int milliseconds.
    if (!v->IsInt()) throw StartupError(std::string("session: `max_age` must be an Int (seconds), found ") + v->KindName());
    o.max_age_s = max_age_is_duration ? v->AsInt() / 1000 : v->AsInt();
    if (o.max_age_s <= 0) throw StartupError("session: `max_age` must be more than 0 seconds");
  }
  const Value* name = config.Find("cookie_name");
  if (!name) name = config.Find("name");
  if (name && name->IsString()) o.cookie_name = name->AsString();
  if (!IsCookieName(o.cookie_name)) throw StartupError("session: `cookie_name` \"" + o.cookie_name + "\" is not a cookie name");
  if (const Value* v = config.Find("store"); v && v->IsString()) o.store = v->AsString();
  if (o.store != "cookie" && o.store != "db" && o.store != "redis")
    throw StartupError("session: `store` must be \"cookie\", \"db\" or \"redis\", found \"" + o.store + "\"");
  if (const Value* v = config.Find("url"); v && v->IsString()) o.url = v->AsString();
  if (const Value* v = config.Find("prefix"); v && v->IsString()) o.redis_prefix = v->AsString();
  if (const Value* v = config.Find("same_site"); v && v->IsString()) o.same_site = v->AsString();
  if (o.same_site != "lax" && o.same_site != "strict" && o.same_site != "none")
    throw StartupError("session: `same_site` must be \"lax\", \"strict\" or \"none\", found \"" + o.same_site + "\"");
  if (const Value* v = config.Find("secure"); v && !v->IsNull()) o.secure = v->Truthy();
  if (o.same_site == "none" && !o.secure) throw StartupError("session: `same_site: \"none\"` needs `secure: true`");
  UseSessions(app, std::move(o));
}

}  // namespace lux::stdlib
