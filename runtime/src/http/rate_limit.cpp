// `rate_limit { }` and lux::RouteRateLimit: the rate-limit component. Its stage refuses a
// client over its limit with 429 (Retry-After, RateLimit-* headers, the server's JSON error
// shape) before any middleware or handler runs, and marks allowed responses with RateLimit-*.
// Buckets live in memory or in Redis (rate_limit.h). Entry points: ConfigureRateLimit,
// RouteRateLimit (lux/http.h); docs/runtime.md, "Rate limits".
#include "http/rate_limit.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstring>
#include <random>
#include <thread>
#include <vector>

#include "core/log.h"
#include "http/block_options.h"
#include "http/proxy.h"
#include "lux/auth.h"
#include "redis/client.h"
#include "server/component.h"

namespace lux::http {

Bucket Bucket::Make(std::int64_t max, std::int64_t window_s, std::int64_t burst) {
  Bucket b;
  b.max = max;
  b.window_s = window_s;
  b.burst = burst > 0 ? burst : max;
  b.interval_us = std::max<std::int64_t>(1, window_s * 1'000'000 / max);
  b.tolerance_us = b.interval_us * b.burst;
  return b;
}

namespace {
std::int64_t CeilSeconds(std::int64_t us) { return us <= 0 ? 0 : (us + 999'999) / 1'000'000; }
}  // namespace

Step Decide(const Bucket& b, std::int64_t tat, std::int64_t now_us) {
  Step s{};
  tat = std::max(tat, now_us);
  std::int64_t new_tat = tat + b.interval_us;
  std::int64_t allow_at = new_tat - b.tolerance_us;
  s.decision.limit = b.burst;
  if (now_us < allow_at) {
    s.allowed = false;
    s.new_tat = tat;
    s.decision.allowed = false;
    s.decision.remaining = 0;
    s.decision.retry_after_s = std::max<std::int64_t>(1, CeilSeconds(allow_at - now_us));
    s.decision.reset_s = CeilSeconds(tat - now_us);
    return s;
  }
  s.allowed = true;
  s.new_tat = new_tat;
  s.decision.remaining = (now_us - allow_at) / b.interval_us;
  s.decision.reset_s = CeilSeconds(new_tat - now_us);
  return s;
}

MemoryStore::MemoryStore() : seed_(std::random_device{}() | (std::uint64_t{std::random_device{}()} << 32)) {}

void MemoryStore::SpinLock::lock() noexcept {
  while (locked_.exchange(true, std::memory_order_acquire))
    while (locked_.load(std::memory_order_relaxed)) std::this_thread::yield();
}

namespace {
// 64 x 64 -> 128-bit multiply, high half folded into the low: the mixing step of the key hash.
inline std::uint64_t Mix(std::uint64_t a, std::uint64_t b) {
  unsigned __int128 p = static_cast<unsigned __int128>(a) * b;
  return static_cast<std::uint64_t>(p) ^ static_cast<std::uint64_t>(p >> 64);
}
constexpr std::uint64_t kHashK0 = 0x9e3779b97f4a7c15ULL;
constexpr std::uint64_t kHashK1 = 0xbf58476d1ce4e5b9ULL;
}  // namespace

// Eight bytes at a time (a key is "g:ip:" and an address: two or three words), each word mixed
// with the seed by one wide multiply; the length goes into the last step.
std::uint64_t MemoryStore::Hash(std::string_view key) const noexcept {
  std::uint64_t h = seed_ ^ (key.size() * kHashK0);
  const char* p = key.data();
  std::size_t n = key.size();
  while (n >= 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    h = Mix(h ^ w, kHashK1);
    p += 8;
    n -= 8;
  }
  std::uint64_t tail = 0;
  if (n > 0) std::memcpy(&tail, p, n);
  return Mix(h ^ tail ^ (std::uint64_t{n} << 56), kHashK0);
}

Decision MemoryStore::Take(const Bucket& b, std::string_view key, std::int64_t now_us) {
  const KeyRef ref{Hash(key), key};
  Shard& shard = shards_[(ref.hash >> 58) % kShards];  // the top bits: the map's buckets use the low ones
  std::lock_guard<SpinLock> lock(shard.mu);
  auto it = shard.tat.find(ref);
  std::int64_t tat = it == shard.tat.end() ? now_us : it->second;
  Step s = Decide(b, tat, now_us);
  if (!s.allowed) return s.decision;
  if (it != shard.tat.end()) {
    it->second = s.new_tat;
    return s.decision;
  }
  if (shard.tat.size() >= kPerShard) {
    for (auto e = shard.tat.begin(); e != shard.tat.end();) e = e->second <= now_us ? shard.tat.erase(e) : std::next(e);
    if (shard.tat.size() >= kPerShard) {
      // Still full: drop the eighth of the shard closest to full (one scan per kPerShard / 8
      // new keys, so a flood costs a few steps per request, not a scan each).
      std::vector<std::int64_t> tats;
      tats.reserve(shard.tat.size());
      for (const auto& e : shard.tat) tats.push_back(e.second);
      auto cut = tats.begin() + static_cast<std::ptrdiff_t>(tats.size() / 8);
      std::nth_element(tats.begin(), cut, tats.end());
      const std::int64_t limit = *cut;
      for (auto e = shard.tat.begin(); e != shard.tat.end();) e = e->second <= limit ? shard.tat.erase(e) : std::next(e);
    }
  }
  shard.tat.emplace(Key{ref.hash, std::string(key)}, s.new_tat);
  return s.decision;
}

std::size_t MemoryStore::size() const {
  std::size_t n = 0;
  for (const Shard& s : shards_) {
    std::lock_guard<SpinLock> lock(s.mu);
    n += s.tat.size();
  }
  return n;
}

namespace {

// KEYS[1] the bucket; ARGV: interval, tolerance (microseconds). Returns {allowed, tat - now
// after the request, retry in microseconds}. Time is the Redis server's.
constexpr const char* kScript = R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + interval
local allow_at = new_tat - tolerance
if now < allow_at then
  return {0, tat - now, allow_at - now}
end
redis.call('SET', KEYS[1], string.format('%d', new_tat), 'PX', math.floor((new_tat - now) / 1000) + 1)
return {1, new_tat - now, 0}
)lua";

constexpr int kRedisTimeoutMs = 500;

std::int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

RedisStore::RedisStore(const std::string& url, std::string key_prefix)
    : pool_(std::make_unique<redis::Pool>(redis::ParseUrl(url), kRedisTimeoutMs)),
      script_(std::make_unique<redis::Script>(kScript)),
      prefix_(std::move(key_prefix)) {}

RedisStore::~RedisStore() = default;

std::optional<Decision> RedisStore::Take(const Bucket& b, const std::string& key) {
  if (down_.load(std::memory_order_relaxed) && NowMs() < down_until_ms_.load(std::memory_order_relaxed)) return std::nullopt;
  try {
    redis::Reply r = pool_->Eval(*script_, {prefix_ + key}, {std::to_string(b.interval_us), std::to_string(b.tolerance_us)});
    if (!r.IsArray() || r.elements.size() != 3) throw redis::RedisError("unexpected reply to the rate-limit script", false);
    if (down_.exchange(false))
      core::Log(LogLevel::kInfo, "rate_limit: Redis answers again; limits are enforced", {{"redis", pool_->url().text}});
    Decision d;
    d.limit = b.burst;
    d.allowed = r.elements[0].AsInt() == 1;
    std::int64_t ahead = r.elements[1].AsInt();  // tat - now
    d.reset_s = CeilSeconds(ahead);
    if (d.allowed) {
      d.remaining = std::max<std::int64_t>(0, (b.tolerance_us - ahead) / b.interval_us);
    } else {
      d.retry_after_s = std::max<std::int64_t>(1, CeilSeconds(r.elements[2].AsInt()));
    }
    return d;
  } catch (const std::exception& e) {
    down_until_ms_.store(NowMs() + kRateLimitRetryMs, std::memory_order_relaxed);
    if (!down_.exchange(true))
      core::Log(LogLevel::kWarn, "rate_limit: Redis failed; requests are allowed until it answers (fail-open)",
                {{"redis", pool_->url().text}, {"error", std::string(e.what())}});
    return std::nullopt;
  }
}

}  // namespace lux::http

namespace lux {
namespace {

constexpr const char* kBlock = "rate_limit";
// Header values used as keys are cut to this many bytes (a key is kept per client).
constexpr std::size_t kMaxKeyBytes = 200;

struct Limiter {
  http::Bucket bucket;
  std::string id;  // "g" for the server's block, "r<N>" for the N-th RouteRateLimit
  std::string limit_text;  // RateLimit-Limit's value (the burst), formatted once
  std::string ip_prefix;   // "<id>:ip:": an address key is this and the address
  static Limiter Make(http::Bucket b, std::string id) {
    std::string text = std::to_string(b.burst);
    std::string prefix = id + ":ip:";
    return Limiter{b, std::move(id), std::move(text), std::move(prefix)};
  }
};

// A decimal RateLimit-* value, formatted on the stack (the string holds it without allocating).
std::string Decimal(std::int64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, end);
}

class RateLimitComponent final : public server::Component {
 public:
  static constexpr server::Order kOrder = server::Order::kRateLimit;
  RateLimitComponent() : Component(kOrder, "rate_limit") {}

  void Configure(App& app, const Value& config) {
    app_ = &app;
    std::int64_t max = 0, window = 0, burst = 0;
    if (const Value* v = config.Find("max")) max = http::BlockInt(*v, kBlock, "max", 1, 1'000'000'000);
    else throw StartupError("`rate_limit` needs `max`");
    if (const Value* v = config.Find("window")) window = http::BlockInt(*v, kBlock, "window", 1, 86'400 * 365);
    else window = 60;
    if (const Value* v = config.Find("burst")) burst = http::BlockInt(*v, kBlock, "burst", 1, 1'000'000'000);
    if (const Value* v = config.Find("key")) SetKey(http::BlockString(*v, kBlock, "key"));
    if (const Value* v = config.Find("store")) {
      store_ = http::BlockString(*v, kBlock, "store");
      if (store_ != "memory" && store_ != "redis")
        throw StartupError("`rate_limit` option `store` must be \"memory\" or \"redis\", found \"" + store_ + "\"");
    }
    if (const Value* v = config.Find("url")) url_ = http::BlockString(*v, kBlock, "url");
    if (store_ == "redis" && url_.empty()) throw StartupError("`rate_limit { store: \"redis\" }` needs a `url`");
    global_ = Limiter::Make(http::Bucket::Make(max, window, burst), "g");
  }

  // The N-th per-route limiter of this server (N is the same on every replica: registration
  // order is the program's).
  Limiter AddRoute(App& app, std::int64_t max, std::int64_t window_s) {
    app_ = &app;
    return Limiter::Make(http::Bucket::Make(max, window_s, 0), "r" + std::to_string(routes_++));
  }

  void Open(server::Host& host) override {
    // Under `luxc test` the counts stay in this process, whatever the store (no Redis reached).
    if (store_ == "redis" && host.Mode() != server::RunMode::kTest) {
      try {
        redis_ = std::make_unique<http::RedisStore>(url_, "lux:rl:{" + host.AppName() + "}:");
      } catch (const std::exception& e) {
        throw StartupError(std::string("rate_limit: ") + e.what());
      }
    }
    // Probes (/health, /ready, /metrics) are not counted by the server's limit: a load balancer
    // checking often must not use up the address it checks from (a route's own limit still
    // counts what it is on).
    if (global_)
      host.AddStage([this](Request& req, const Next& next) { return req.probe ? next(req) : Apply(*global_, req, next); });
  }

  void Close() override { redis_.reset(); }

  Response Apply(const Limiter& limiter, Request& req, const Next& next) {
    std::optional<http::Decision> d = Take(limiter, req);
    if (!d) return next(req);  // Redis failed: fail-open
    if (!d->allowed) return Refuse(*d, limiter, req);
    // The one named response of the function: built in the caller's slot, never moved.
    Response res = next(req);
    if (!res.Failed()) Mark(res, *d, limiter);  // a failed call: handed back, as an error unwinds
    return res;
  }

 private:
  void SetKey(const std::string& key) {
    if (key == "ip" || key == "user") {
      key_ = key == "ip" ? KeyKind::kIp : KeyKind::kUser;
    } else if (key.rfind("header:", 0) == 0 && key.size() > 7) {
      key_ = KeyKind::kHeader;
      header_ = key.substr(7);
    } else {
      throw StartupError("`rate_limit` option `key` must be \"ip\", \"user\" or \"header:<name>\", found \"" + key + "\"");
    }
  }

  // The client a bucket belongs to, appended to `key`: its address, its user (falling back to
  // the address without a valid token), or a header's value (falling back to the address
  // without it).
  void AppendClientKey(const Request& req, std::string& key) const {
    if (key_ == KeyKind::kUser) {
      if (std::optional<std::string> user = TokenUserId(*app_, req)) {
        key.append("u:").append(std::string_view(*user).substr(0, kMaxKeyBytes));
        return;
      }
    } else if (key_ == KeyKind::kHeader) {
      if (auto v = req.headers.Get(header_); v && !v->empty()) {
        key.append("h:").append(v->substr(0, kMaxKeyBytes));
        return;
      }
    }
    // The client's address (the forwarded one behind a trusted proxy); a request made without
    // a connection (App::Handle) has only remote_addr, "address:port".
    key.append("ip:");
    if (!req.client_ip.empty()) key.append(req.client_ip);
    else key.append(http::WithoutPort(req.remote_addr));
  }

  std::optional<http::Decision> Take(const Limiter& limiter, const Request& req) {
    // The bucket's key, built in a buffer the thread keeps (no allocation per request).
    thread_local std::string key;
    if (key_ == KeyKind::kIp && !req.client_ip.empty()) {  // the common case: one copy of the prefix, one of the address
      key.assign(limiter.ip_prefix).append(req.client_ip);
    } else {
      key.assign(limiter.id).append(":");
      AppendClientKey(req, key);
    }
    if (redis_) return redis_->Take(limiter.bucket, std::string(key));  // a copy: the call may suspend the fiber
    std::int64_t now = std::chrono::duration_cast<std::chrono::microseconds>(
                           std::chrono::steady_clock::now().time_since_epoch()).count();
    return memory_.Take(limiter.bucket, key, now);
  }

  // 429 with Retry-After, the RateLimit-* headers and the server's JSON error shape.
  Response Refuse(const http::Decision& d, const Limiter& limiter, const Request& req) const {
    Value details = Value::MakeObject();
    details["limit"] = d.limit;
    details["window"] = limiter.bucket.window_s;
    details["retry_after"] = d.retry_after_s;
    Response res = Respond(429, Value{{"error", "too many requests"}, {"details", details}, {"request_id", req.id}});
    res.headers.Set("Retry-After", std::to_string(d.retry_after_s));
    Mark(res, d, limiter);
    return res;
  }

  // The innermost limit's numbers win (a route's limit, then the server's block adds nothing).
  void Mark(Response& res, const http::Decision& d, const Limiter& limiter) const {
    // Only a route's limiter runs inside the server's: without any, nothing marked it yet.
    if (routes_ > 0 && res.headers.Has("RateLimit-Limit")) return;
    res.headers.Add("RateLimit-Limit", d.limit == limiter.bucket.burst ? limiter.limit_text : Decimal(d.limit));
    res.headers.Add("RateLimit-Remaining", Decimal(d.remaining));
    res.headers.Add("RateLimit-Reset", Decimal(d.reset_s));
  }

  App* app_ = nullptr;
  std::optional<Limiter> global_;
  enum class KeyKind { kIp, kUser, kHeader };
  KeyKind key_ = KeyKind::kIp;
  std::string header_;
  std::string store_ = "memory";
  std::string url_;
  int routes_ = 0;
  http::MemoryStore memory_;
  std::unique_ptr<http::RedisStore> redis_;
};

}  // namespace

void ConfigureRateLimit(App& app, const Value& config) { server::Ensure<RateLimitComponent>(app).Configure(app, config); }

Middleware RouteRateLimit(App& app, std::int64_t max, std::int64_t window_seconds) {
  if (max < 1 || window_seconds < 1)
    throw StartupError("rate_limit(" + std::to_string(max) + ", " + std::to_string(window_seconds) +
                       "): the limit and the window must be positive");
  RateLimitComponent* c = &server::Ensure<RateLimitComponent>(app);
  Limiter limiter = c->AddRoute(app, max, window_seconds);
  return [c, limiter](Request& req, const Next& next) { return c->Apply(limiter, req, next); };
}

}  // namespace lux
