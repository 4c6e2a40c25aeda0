// The rate limiter's parts, apart from the component that puts them on the request path
// (rate_limit.cpp): the bucket arithmetic (GCRA, the token bucket kept as one timestamp per
// client), the in-memory store (sharded, bounded) and the Redis store (one EVALSHA per
// request). Time is passed in, so tests step through windows without sleeping.
// Entry points: Bucket, Decide, MemoryStore, RedisStore.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "lux/http.h"

namespace lux::redis {
class Pool;
class Script;
}  // namespace lux::redis

namespace lux::http {

// `max` requests per `window`, up to `burst` at once (default: max). As a token bucket:
// `burst` tokens, one back every `interval_us` = window / max.
struct Bucket {
  std::int64_t max = 0;
  std::int64_t window_s = 0;
  std::int64_t burst = 0;
  std::int64_t interval_us = 0;  // window / max, at least 1
  std::int64_t tolerance_us = 0;  // interval * burst: how far ahead of now the schedule may run
  static Bucket Make(std::int64_t max, std::int64_t window_s, std::int64_t burst);
};

// One request's verdict and the numbers its headers carry.
struct Decision {
  bool allowed = true;
  std::int64_t limit = 0;
  std::int64_t remaining = 0;
  std::int64_t reset_s = 0;        // until the bucket is full again
  std::int64_t retry_after_s = 0;  // refused: until the next request would be allowed
};

// From the bucket's state: `tat` (the theoretical arrival time: when the bucket is full again)
// before the request, at `now` (microseconds). Allowed requests move tat by one interval.
struct Step {
  bool allowed;
  std::int64_t new_tat;  // to store when allowed
  Decision decision;
};
Step Decide(const Bucket& b, std::int64_t tat, std::int64_t now_us);

// Buckets in this process: kShards maps, each behind its own lock (no lock is shared by all
// requests), holding at most kRateLimitMaxKeys keys in all. A key is hashed once (a seeded
// word-at-a-time hash): the hash picks the shard and is kept with the key, so the map's lookup
// hashes nothing again. A shard's lock is held for a lookup and a store, never across a wait:
// a spin lock, uncontended in the common case. A key whose bucket is full again holds nothing
// worth keeping: a shard at its cap first drops those, then the eighth of its keys closest to
// full (one scan per kPerShard / 8 new keys).
class MemoryStore {
 public:
  static constexpr std::size_t kShards = 64;
  static constexpr std::size_t kPerShard = kRateLimitMaxKeys / kShards;
  MemoryStore();
  Decision Take(const Bucket& b, std::string_view key, std::int64_t now_us);
  std::size_t size() const;

 private:
  // A key with its hash; a lookup uses a KeyRef (no string built).
  struct Key {
    std::uint64_t hash;
    std::string text;
  };
  struct KeyRef {
    std::uint64_t hash;
    std::string_view text;
  };
  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(const Key& k) const noexcept { return k.hash; }
    std::size_t operator()(const KeyRef& k) const noexcept { return k.hash; }
  };
  struct KeyEq {
    using is_transparent = void;
    bool operator()(const Key& a, const Key& b) const noexcept { return a.hash == b.hash && a.text == b.text; }
    bool operator()(const KeyRef& a, const Key& b) const noexcept { return a.hash == b.hash && a.text == b.text; }
    bool operator()(const Key& a, const KeyRef& b) const noexcept { return a.hash == b.hash && a.text == b.text; }
  };
  class SpinLock {
   public:
    void lock() noexcept;
    void unlock() noexcept { locked_.store(false, std::memory_order_release); }

   private:
    std::atomic<bool> locked_{false};
  };
  struct Shard {
    mutable SpinLock mu;
    std::unordered_map<Key, std::int64_t, KeyHash, KeyEq> tat;
  };
  std::uint64_t Hash(std::string_view key) const noexcept;
  std::uint64_t seed_;
  Shard shards_[kShards];
};

// Buckets in Redis, shared by every replica: one EVALSHA per request (the script reads and
// moves tat on the Redis server's clock, so replicas with different clocks agree). Redis
// unreachable: the request is allowed (fail-open), one warning is logged, Redis is tried
// again after kRateLimitRetryMs (meanwhile no request waits for it), and one line says when it
// answers again.
class RedisStore {
 public:
  RedisStore(const std::string& url, std::string key_prefix);
  ~RedisStore();
  // nullopt: Redis failed (the caller allows the request).
  std::optional<Decision> Take(const Bucket& b, const std::string& key);

 private:
  std::unique_ptr<redis::Pool> pool_;
  std::unique_ptr<redis::Script> script_;
  std::string prefix_;
  std::atomic<std::int64_t> down_until_ms_{0};
  std::atomic<bool> down_{false};
};

}  // namespace lux::http
