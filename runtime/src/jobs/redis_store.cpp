// The Redis JobStore: every replica of a server shares one queue. Each operation that moves a
// job between states is one Lua script (atomic on the Redis server), so a crash between two
// commands cannot lose or duplicate a job. Layout under P = `<prefix>:{<app>}:` (one hash tag:
// every key of a queue is in one cluster slot, which multi-key scripts need):
//   P job:<id>   hash: name args priority attempts max_attempts run_at created_at last_error
//                request_id state(pending|running|dead) seq rkey claim failed_at traceparent
//   P ready      zset of due jobs: score -priority, member rkey = run_at(15):seq(12):id, so
//                ZRANGE gives priority desc, then run_at, then insertion order
//   P delayed    zset of jobs waiting for run_at (delay, retry backoff): score run_at, member id
//   P running    zset of claimed jobs: score lease deadline (Redis server time), member id
//   P dead       zset of the dead letter: score failed_at, member id
//   P failures   list of the last kKeptFailures failures (JSON), newest first
//   P completed, P seq   counters;  P names: live jobs per name;  P schedules: last fire per schedule
//   P tick:<schedule>   the last claimed tick;  P run:<schedule>   the run lease (overlap: skip)
//   channel P wake      published on enqueue/retry: idle replicas look at the queue at once
// Leases: a claim writes a random claim token into the job and a deadline into `running`; a
// heartbeat thread renews the deadlines of the jobs this process runs every visibility/3. A
// lease that runs out means its worker died: the next claim by any replica puts the job back
// in `ready` (the interrupted attempt counts). Results are fenced by the token: a worker whose
// lease was taken over cannot fail or release the job it lost.
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "core/ids.h"
#include "core/log.h"
#include "jobs/store.h"
#include "lux/value.h"
#include "redis/client.h"

namespace lux::jobs {
namespace {

using redis::Reply;
using redis::Script;

// Reply timeout of store commands: a Redis that does not answer in this time is treated as down.
constexpr int kCommandTimeoutMs = 5000;
// How often the pub/sub thread retries after losing its connection.
constexpr int kResubscribeMs = 1000;
// At most this many expired leases and due delayed jobs are moved per claim (the rest at the
// next claim: keeps each script short, since scripts block Redis while they run).
constexpr int kMaxMovedPerClaim = 1000;

// Expired leases back to `ready` (shared by the claim and the recovery scripts).
constexpr const char* kReclaimLua = R"lua(
local function reclaim(p, snow, note)
  local n = 0
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', p..'running', '-inf', snow, 'LIMIT', 0, 1000)) do
    redis.call('ZREM', p..'running', id)
    local jk = p..'job:'..id
    local f = redis.call('HMGET', jk, 'rkey', 'priority')
    if f[1] then
      redis.call('HSET', jk, 'state', 'pending', 'claim', '', 'last_error', note)
      redis.call('ZADD', p..'ready', -tonumber(f[2]), f[1])
      n = n + 1
    end
  end
  return n
end
local function server_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
)lua";

const Script& EnqueueScript() {
  static const Script s(R"lua(
local p, id = ARGV[1], ARGV[2]
local jk = p..'job:'..id
if redis.call('EXISTS', jk) == 1 then return 0 end
local seq = redis.call('INCR', p..'seq')
local run_at = tonumber(ARGV[7])
local rkey = string.format('%015d:%012d:', run_at, seq)..id
redis.call('HSET', jk, 'name', ARGV[3], 'args', ARGV[4], 'priority', ARGV[5], 'attempts', 0,
  'max_attempts', ARGV[6], 'run_at', ARGV[7], 'created_at', ARGV[8], 'last_error', '',
  'request_id', ARGV[9], 'state', 'pending', 'seq', seq, 'rkey', rkey, 'claim', '', 'traceparent', ARGV[11])
redis.call('HINCRBY', p..'names', ARGV[3], 1)
if run_at <= tonumber(ARGV[10]) then
  redis.call('ZADD', p..'ready', -tonumber(ARGV[5]), rkey)
else
  redis.call('ZADD', p..'delayed', run_at, id)
end
redis.call('PUBLISH', p..'wake', '1')
return 1
)lua");
  return s;
}

// ARGV: p now limit vis token note ncompleted ids... nnames(-1: all) names...
// Returns {more(0/1), next_delayed_run_at(-1: none), reclaimed, job, job, ...} where a job is
// {id name args priority attempts max_attempts run_at created_at last_error request_id traceparent}.
const Script& ClaimScript() {
  static const Script s(std::string(kReclaimLua) + R"lua(
local p = ARGV[1]
local now, limit, vis, token, note = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5], ARGV[6]
local ncomp = tonumber(ARGV[7])
local ready, delayed, running = p..'ready', p..'delayed', p..'running'
for i = 1, ncomp do
  local id = ARGV[7 + i]
  local jk = p..'job:'..id
  local f = redis.call('HMGET', jk, 'name', 'rkey')
  if f[1] then
    redis.call('ZREM', running, id)
    redis.call('ZREM', delayed, id)
    redis.call('ZREM', p..'dead', id)
    redis.call('ZREM', ready, f[2])
    redis.call('DEL', jk)
    redis.call('INCR', p..'completed')
    redis.call('HINCRBY', p..'names', f[1], -1)
  end
end
local base = 8 + ncomp
local nn = tonumber(ARGV[base])
local runnable = nil
if nn >= 0 then
  runnable = {}
  for i = 1, nn do runnable[ARGV[base + i]] = true end
end
local snow = server_ms()
local reclaimed = reclaim(p, snow, note)
for _, id in ipairs(redis.call('ZRANGEBYSCORE', delayed, '-inf', now, 'LIMIT', 0, 1000)) do
  redis.call('ZREM', delayed, id)
  local f = redis.call('HMGET', p..'job:'..id, 'rkey', 'priority')
  if f[1] then redis.call('ZADD', ready, -tonumber(f[2]), f[1]) end
end
local out = {0, -1, reclaimed}
local claimed, skipped = 0, 0
if limit > 0 then
  while true do
    local batch = redis.call('ZRANGE', ready, skipped, skipped + 63)
    if #batch == 0 then break end
    for _, rk in ipairs(batch) do
      if claimed >= limit then out[1] = 1; break end
      local id = string.sub(rk, 30)
      local jk = p..'job:'..id
      local f = redis.call('HMGET', jk, 'name', 'args', 'priority', 'attempts', 'max_attempts', 'run_at',
                           'created_at', 'last_error', 'request_id', 'traceparent')
      if not f[1] then
        redis.call('ZREM', ready, rk)
      elseif runnable and not runnable[f[1]] then
        skipped = skipped + 1
      else
        redis.call('ZREM', ready, rk)
        local attempts = tonumber(f[4]) + 1
        redis.call('HSET', jk, 'state', 'running', 'attempts', attempts, 'claim', token)
        redis.call('ZADD', running, snow + vis, id)
        claimed = claimed + 1
        out[#out + 1] = {id, f[1], f[2], f[3], tostring(attempts), f[5], f[6], f[7], f[8], f[9], f[10] or ''}
      end
    end
    if out[1] == 1 or claimed >= limit or skipped > 1000 then break end
  end
  if claimed >= limit and redis.call('ZCARD', ready) > skipped then out[1] = 1 end
end
local first = redis.call('ZRANGE', delayed, 0, 0, 'WITHSCORES')
if first[2] then out[2] = tonumber(first[2]) end
return out
)lua");
  return s;
}

const Script& RecoverScript() {
  static const Script s(std::string(kReclaimLua) + "return reclaim(ARGV[1], server_ms(), ARGV[2])\n");
  return s;
}

// ARGV: p id token error now retry_at('' = dead letter) kept
const Script& FailScript() {
  static const Script s(R"lua(
local p, id, token, err, now, retry_at, kept = ARGV[1], ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5]), ARGV[6], tonumber(ARGV[7])
local jk = p..'job:'..id
local f = redis.call('HMGET', jk, 'claim', 'name', 'attempts', 'priority', 'seq')
if f[1] ~= token then return 0 end
redis.call('LPUSH', p..'failures', cjson.encode({id = id, name = f[2], attempt = tonumber(f[3]), error = err, at = now}))
redis.call('LTRIM', p..'failures', 0, kept - 1)
redis.call('ZREM', p..'running', id)
if retry_at ~= '' then
  local ra = tonumber(retry_at)
  local rk = string.format('%015d:%012d:', ra, tonumber(f[5]))..id
  redis.call('HSET', jk, 'state', 'pending', 'claim', '', 'run_at', ra, 'last_error', err, 'rkey', rk)
  if ra <= now then
    redis.call('ZADD', p..'ready', -tonumber(f[4]), rk)
  else
    redis.call('ZADD', p..'delayed', ra, id)
  end
else
  redis.call('HSET', jk, 'state', 'dead', 'claim', '', 'last_error', err, 'failed_at', now)
  redis.call('ZADD', p..'dead', now, id)
  redis.call('HINCRBY', p..'names', f[2], -1)
end
return 1
)lua");
  return s;
}

// ARGV: p id token
const Script& ReleaseScript() {
  static const Script s(R"lua(
local p, id, token = ARGV[1], ARGV[2], ARGV[3]
local jk = p..'job:'..id
local f = redis.call('HMGET', jk, 'claim', 'attempts', 'priority', 'rkey')
if f[1] ~= token then return 0 end
redis.call('ZREM', p..'running', id)
local attempts = math.max(tonumber(f[2]) - 1, 0)
redis.call('HSET', jk, 'state', 'pending', 'claim', '', 'attempts', attempts)
redis.call('ZADD', p..'ready', -tonumber(f[3]), f[4])
redis.call('PUBLISH', p..'wake', '1')
return 1
)lua");
  return s;
}

// ARGV: p id now
const Script& RetryScript() {
  static const Script s(R"lua(
local p, id, now = ARGV[1], ARGV[2], tonumber(ARGV[3])
local jk = p..'job:'..id
local f = redis.call('HMGET', jk, 'state', 'attempts', 'run_at', 'priority', 'seq', 'name')
if not f[1] then return 0 end
local rk = string.format('%015d:%012d:', now, tonumber(f[5]))..id
if f[1] == 'dead' then
  redis.call('ZREM', p..'dead', id)
  redis.call('HSET', jk, 'state', 'pending', 'attempts', 0, 'run_at', now, 'rkey', rk)
  redis.call('HDEL', jk, 'failed_at')
  redis.call('HINCRBY', p..'names', f[6], 1)
  redis.call('ZADD', p..'ready', -tonumber(f[4]), rk)
elseif f[1] == 'pending' and tonumber(f[2]) > 0 and tonumber(f[3]) > now and redis.call('ZREM', p..'delayed', id) == 1 then
  redis.call('HSET', jk, 'run_at', now, 'rkey', rk)
  redis.call('ZADD', p..'ready', -tonumber(f[4]), rk)
else
  return 0
end
redis.call('PUBLISH', p..'wake', '1')
return 1
)lua");
  return s;
}

// ARGV: p now.  {pending, scheduled, running, dead, completed}
const Script& CountsScript() {
  static const Script s(R"lua(
local p, now = ARGV[1], ARGV[2]
local due = redis.call('ZCOUNT', p..'delayed', '-inf', now)
return {redis.call('ZCARD', p..'ready') + due, redis.call('ZCOUNT', p..'delayed', '(' .. now, '+inf'),
        redis.call('ZCARD', p..'running'), redis.call('ZCARD', p..'dead'), tonumber(redis.call('GET', p..'completed') or '0')}
)lua");
  return s;
}

// ARGV: p vis n id token ... (n pairs) m schedule ... (m names) replica. Returns the ids whose
// claim is no longer ours (taken over after our lease ran out).
const Script& HeartbeatScript() {
  static const Script s(std::string(kReclaimLua) + R"lua(
local p, vis = ARGV[1], tonumber(ARGV[2])
local deadline = server_ms() + vis
local n = tonumber(ARGV[3])
local lost = {}
for i = 0, n - 1 do
  local id, token = ARGV[4 + 2 * i], ARGV[5 + 2 * i]
  if redis.call('HGET', p..'job:'..id, 'claim') == token then
    redis.call('ZADD', p..'running', 'XX', deadline, id)
  else
    lost[#lost + 1] = id
  end
end
local at = 4 + 2 * n
local m = tonumber(ARGV[at])
local replica = ARGV[at + m + 1]
for i = 1, m do
  local rk = p..'run:'..ARGV[at + i]
  if redis.call('GET', rk) == replica then redis.call('PEXPIRE', rk, vis) end
end
return lost
)lua");
  return s;
}

// ARGV: p schedule tick exclusive(0/1) running_here(0/1) replica lease_ms.  1 run, 0 taken, 2 busy
const Script& TickScript() {
  static const Script s(R"lua(
local p, name, tick = ARGV[1], ARGV[2], tonumber(ARGV[3])
local k = p..'tick:'..name
local last = tonumber(redis.call('GET', k) or '-1')
if tick <= last then return 0 end
redis.call('SET', k, ARGV[3])
if ARGV[4] == '1' then
  local rk = p..'run:'..name
  local holder = redis.call('GET', rk)
  if ARGV[5] == '1' or (holder and holder ~= ARGV[6]) then return 2 end
  redis.call('SET', rk, ARGV[6], 'PX', ARGV[7])
end
return 1
)lua");
  return s;
}

// ARGV: p schedule replica
const Script& EndRunScript() {
  static const Script s(R"lua(
local rk = ARGV[1]..'run:'..ARGV[2]
if redis.call('GET', rk) == ARGV[3] then redis.call('DEL', rk) end
return 1
)lua");
  return s;
}

std::string ReplicaId() {
  char host[256] = {0};
  if (::gethostname(host, sizeof host - 1) != 0) host[0] = 0;
  return std::string(host) + ":" + std::to_string(::getpid()) + ":" + core::RandomHex(4);
}

int ToInt(const Reply& r) { return static_cast<int>(r.AsInt()); }

class RedisStore final : public JobStore {
 public:
  explicit RedisStore(const RedisStoreOptions& o)
      : pool_(redis::ParseUrl(o.url), kCommandTimeoutMs),
        p_(o.prefix + ":{" + o.app + "}:"),
        vis_ms_(o.visibility_ms),
        replica_(ReplicaId()) {
    pool_.Command({"PING"});  // fail at start, not at the first spawn
    heartbeat_ = std::thread([this] { HeartbeatLoop(); });
    subscriber_ = std::thread([this] { SubscribeLoop(); });
  }

  ~RedisStore() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
      if (sub_conn_) sub_conn_->Interrupt();
    }
    cv_.notify_all();
    if (heartbeat_.joinable()) heartbeat_.join();
    if (subscriber_.joinable()) subscriber_.join();
  }

  bool Shared() const override { return true; }

  // One script: stored, indexed and announced to the other replicas at once. Replayed after a
  // lost connection it does nothing (the job id exists).
  void Enqueue(const StoredJob& j) override {
    pool_.Eval(EnqueueScript(), {},
               {p_, j.id, j.name, j.args_json, std::to_string(j.priority), std::to_string(j.max_attempts),
                std::to_string(j.run_at_ms), std::to_string(j.created_at_ms), j.request_id,
                std::to_string(j.created_at_ms), j.traceparent});
  }

  std::vector<StoredJob> ClaimDue(std::int64_t now_ms, int limit, const std::vector<std::string>& completed) override {
    std::vector<StoredJob> out;
    if (limit <= 0 && completed.empty()) return out;
    std::string token = replica_ + ":" + std::to_string(++claims_);
    std::vector<std::string> args{p_, std::to_string(now_ms), std::to_string(std::max(limit, 0)), std::to_string(vis_ms_),
                                  token, kInterrupted, std::to_string(completed.size())};
    args.insert(args.end(), completed.begin(), completed.end());
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (const std::string& id : completed) owned_.erase(id);
      if (runnable_) {
        args.push_back(std::to_string(runnable_->size()));
        args.insert(args.end(), runnable_->begin(), runnable_->end());
      } else {
        args.push_back("-1");
      }
    }
    Reply r = pool_.Eval(ClaimScript(), {}, args);
    if (!r.IsArray() || r.elements.size() < 3) throw Error("job store: unexpected reply to a claim");
    bool more = r.elements[0].AsInt() != 0;
    std::int64_t next_delayed = r.elements[1].AsInt();
    if (int reclaimed = ToInt(r.elements[2]); reclaimed > 0)
      core::Log(LogLevel::kWarn, "jobs whose worker stopped renewing its lease are pending again",
                {{"jobs", reclaimed}, {"visibility_timeout_ms", static_cast<long long>(vis_ms_)}});
    for (std::size_t i = 3; i < r.elements.size(); ++i) {
      const std::vector<Reply>& f = r.elements[i].elements;
      if (f.size() < 10) continue;
      StoredJob j;
      j.id = f[0].AsString();
      j.name = f[1].AsString();
      j.args_json = f[2].AsString();
      j.state = "running";
      j.priority = ToInt(f[3]);
      j.attempts = ToInt(f[4]);
      j.max_attempts = ToInt(f[5]);
      j.run_at_ms = f[6].AsInt();
      j.created_at_ms = f[7].AsInt();
      j.last_error = f[8].AsString();
      j.request_id = f[9].AsString();
      if (f.size() > 10 && !f[10].IsNil()) j.traceparent = f[10].AsString();
      out.push_back(std::move(j));
    }
    std::lock_guard<std::mutex> lock(mu_);
    for (const StoredJob& j : out) owned_[j.id] = token;
    if (limit <= 0) return out;
    // What NextRunAt answers right after this claim (no second round trip): due now when the
    // claim stopped at its limit, else the earliest delayed job.
    hint_ = more ? std::optional<std::int64_t>(now_ms) : next_delayed >= 0 ? std::optional<std::int64_t>(next_delayed) : std::nullopt;
    hint_fresh_ = true;
    return out;
  }

  std::optional<std::int64_t> NextRunAt() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (hint_fresh_) {
        hint_fresh_ = false;
        return hint_;
      }
    }
    std::vector<Reply> r = pool_.Pipeline({{"ZCARD", p_ + "ready"}, {"ZRANGE", p_ + "delayed", "0", "0", "WITHSCORES"}});
    if (r.size() == 2 && r[0].AsInt() > 0) return 0;
    if (r.size() == 2 && r[1].elements.size() == 2) return r[1].elements[1].AsInt();
    return std::nullopt;
  }

  void Release(const std::string& id) override {
    std::string token = TakeOwned(id);
    if (token.empty()) return;
    pool_.Eval(ReleaseScript(), {}, {p_, id, token});
  }

  void Complete(const std::string& id) override { ClaimDue(0, 0, {id}); }

  void Fail(const std::string& id, const std::string& error, std::int64_t now_ms,
            std::optional<std::int64_t> retry_at_ms) override {
    std::string token = TakeOwned(id);
    if (token.empty()) return;
    Reply r = pool_.Eval(FailScript(), {},
                         {p_, id, token, error, std::to_string(now_ms), retry_at_ms ? std::to_string(*retry_at_ms) : "",
                          std::to_string(kKeptFailures)});
    if (r.AsInt() == 0)
      core::Log(LogLevel::kWarn, "job result dropped: another worker took the job over after this one's lease ran out",
                {{"job_id", id}, {"error", error}});
  }

  int RecoverRunning(const std::string& note) override {
    return ToInt(pool_.Eval(RecoverScript(), {}, {p_, note}));
  }

  JobCounts Counts(std::int64_t now_ms) override {
    Reply r = pool_.Eval(CountsScript(), {}, {p_, std::to_string(now_ms)});
    JobCounts c;
    if (r.IsArray() && r.elements.size() == 5) {
      c.pending = r.elements[0].AsInt();
      c.scheduled = r.elements[1].AsInt();
      c.running = r.elements[2].AsInt();
      c.dead = r.elements[3].AsInt();
      c.completed = r.elements[4].AsInt();
    }
    return c;
  }

  std::vector<FailureRecord> RecentFailures(int limit) override {
    std::vector<FailureRecord> out;
    if (limit <= 0) return out;
    Reply r = pool_.Command({"LRANGE", p_ + "failures", "0", std::to_string(limit - 1)});
    for (const Reply& e : r.elements) {
      try {
        Value v = ParseJson(e.AsString());
        FailureRecord f;
        if (const Value* x = v.Find("id"); x && x->IsString()) f.id = x->AsString();
        if (const Value* x = v.Find("name"); x && x->IsString()) f.name = x->AsString();
        if (const Value* x = v.Find("attempt"); x && x->IsInt()) f.attempt = static_cast<int>(x->AsInt());
        if (const Value* x = v.Find("error"); x && x->IsString()) f.error = x->AsString();
        if (const Value* x = v.Find("at"); x && (x->IsInt() || x->IsFloat()))
          f.at_ms = x->IsInt() ? x->AsInt() : static_cast<std::int64_t>(x->AsFloat());
        out.push_back(std::move(f));
      } catch (const std::exception&) {
        // not ours: skip
      }
    }
    return out;
  }

  bool Retry(const std::string& id, std::int64_t now_ms) override {
    return pool_.Eval(RetryScript(), {}, {p_, id, std::to_string(now_ms)}).AsInt() == 1;
  }

  std::optional<StoredJob> Find(const std::string& id) override {
    Reply r = pool_.Command({"HGETALL", p_ + "job:" + id});
    if (r.elements.empty()) return std::nullopt;
    std::map<std::string, std::string> f;
    for (std::size_t i = 0; i + 1 < r.elements.size(); i += 2) f[r.elements[i].AsString()] = r.elements[i + 1].AsString();
    auto num = [&](const char* k) -> std::int64_t {
      auto it = f.find(k);
      if (it == f.end() || it->second.empty()) return 0;
      try {
        return std::stoll(it->second);
      } catch (const std::exception&) {
        return 0;
      }
    };
    StoredJob j;
    j.id = id;
    j.name = f["name"];
    j.args_json = f["args"];
    j.state = f["state"];
    j.priority = static_cast<int>(num("priority"));
    j.attempts = static_cast<int>(num("attempts"));
    j.max_attempts = static_cast<int>(num("max_attempts"));
    j.run_at_ms = j.state == "dead" ? num("failed_at") : num("run_at");  // as the SQLite store reports it
    j.created_at_ms = num("created_at");
    j.last_error = f["last_error"];
    j.request_id = f["request_id"];
    j.traceparent = f["traceparent"];
    return j;
  }

  void SetRunnableNames(const std::vector<std::string>& names) override {
    std::lock_guard<std::mutex> lock(mu_);
    runnable_ = std::set<std::string>(names.begin(), names.end());
  }

  std::vector<std::pair<std::string, std::int64_t>> UnrunnableNames() override {
    std::vector<std::pair<std::string, std::int64_t>> out;
    std::set<std::string> runnable;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!runnable_) return out;
      runnable = *runnable_;
    }
    Reply r = pool_.Command({"HGETALL", p_ + "names"});
    for (std::size_t i = 0; i + 1 < r.elements.size(); i += 2) {
      std::string name = r.elements[i].AsString();
      std::int64_t n = r.elements[i + 1].AsInt();
      if (n > 0 && !runnable.count(name)) out.emplace_back(name, n);
    }
    return out;
  }

  std::optional<std::int64_t> LastFire(const std::string& schedule) override {
    Reply r = pool_.Command({"HGET", p_ + "schedules", schedule});
    if (r.IsNil()) return std::nullopt;
    return r.AsInt();
  }

  void SetLastFire(const std::string& schedule, std::int64_t at_ms) override {
    pool_.Command({"HSET", p_ + "schedules", schedule, std::to_string(at_ms)});
  }

  TickClaim ClaimTick(const std::string& schedule, std::int64_t tick_ms, bool exclusive, bool running_here) override {
    std::int64_t r = pool_.Eval(TickScript(), {},
                                {p_, schedule, std::to_string(tick_ms), exclusive ? "1" : "0", running_here ? "1" : "0",
                                 replica_, std::to_string(vis_ms_)})
                         .AsInt();
    if (r == 1 && exclusive) {
      std::lock_guard<std::mutex> lock(mu_);
      runs_.insert(schedule);
    }
    return r == 1 ? TickClaim::kRun : r == 2 ? TickClaim::kBusy : TickClaim::kTaken;
  }

  void EndRun(const std::string& schedule) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!runs_.erase(schedule)) return;
    }
    pool_.Eval(EndRunScript(), {}, {p_, schedule, replica_});
  }

  void SetWakeup(std::function<void()> wake) override {
    std::lock_guard<std::mutex> lock(wake_mu_);
    wake_ = std::move(wake);
  }

 private:
  static constexpr const char* kInterrupted =
      "interrupted: the worker running this attempt stopped renewing its lease (process killed or stalled)";

  std::string TakeOwned(const std::string& id) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = owned_.find(id);
    if (it == owned_.end()) return "";
    std::string token = std::move(it->second);
    owned_.erase(it);
    return token;
  }

  void HeartbeatLoop() {
    std::int64_t period = std::max<std::int64_t>(vis_ms_ / 3, 10);
    std::unique_lock<std::mutex> lock(mu_);
    while (!stop_) {
      cv_.wait_for(lock, std::chrono::milliseconds(period), [&] { return stop_; });
      if (stop_) break;
      if (owned_.empty() && runs_.empty()) continue;
      std::vector<std::string> args{p_, std::to_string(vis_ms_), std::to_string(owned_.size())};
      for (const auto& [id, token] : owned_) {
        args.push_back(id);
        args.push_back(token);
      }
      args.push_back(std::to_string(runs_.size()));
      args.insert(args.end(), runs_.begin(), runs_.end());
      args.push_back(replica_);
      lock.unlock();
      Reply lost;
      try {
        lost = pool_.Eval(HeartbeatScript(), {}, args);
      } catch (const std::exception& e) {
        core::Log(LogLevel::kError, "job store: cannot renew job leases", {{"error", std::string(e.what())}});
      }
      lock.lock();
      for (const Reply& id : lost.elements) {
        // Our lease ran out and another worker took the job: its result here is no longer ours.
        if (owned_.erase(id.AsString()))
          core::Log(LogLevel::kWarn, "job lease lost: another worker took the job over", {{"job_id", id.AsString()}});
      }
    }
  }

  void SubscribeLoop() {
    for (;;) {
      std::unique_ptr<redis::Connection> c;
      try {
        c = redis::Connection::Open(pool_.url(), kCommandTimeoutMs);
        c->SetTimeout(0);  // block until a message (or Interrupt)
        {
          std::lock_guard<std::mutex> lock(mu_);
          if (stop_) return;
          sub_conn_ = c.get();
        }
        c->Command({"SUBSCRIBE", p_ + "wake"});
        for (;;) {
          Reply m = c->Read();
          std::lock_guard<std::mutex> lock(wake_mu_);
          if (wake_) wake_();
        }
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> lock(mu_);
        sub_conn_ = nullptr;
        if (stop_) return;
        core::Log(LogLevel::kWarn, "job store: wake-up subscription lost; polling until it is back",
                  {{"error", std::string(e.what())}});
      }
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_for(lock, std::chrono::milliseconds(kResubscribeMs), [&] { return stop_; });
      if (stop_) return;
    }
  }

  redis::Pool pool_;
  const std::string p_;
  const std::int64_t vis_ms_;
  const std::string replica_;
  std::atomic<std::uint64_t> claims_{0};

  std::mutex mu_;  // guards everything below
  std::condition_variable cv_;
  bool stop_ = false;
  std::map<std::string, std::string> owned_;  // job id -> claim token, for jobs this process runs
  std::set<std::string> runs_;                // schedules whose run lease this process holds
  std::optional<std::set<std::string>> runnable_;
  std::optional<std::int64_t> hint_;
  bool hint_fresh_ = false;
  redis::Connection* sub_conn_ = nullptr;
  std::thread heartbeat_;
  std::thread subscriber_;

  std::mutex wake_mu_;
  std::function<void()> wake_;
};

}  // namespace

std::unique_ptr<JobStore> OpenRedisStore(const RedisStoreOptions& options) {
  return std::make_unique<RedisStore>(options);
}

}  // namespace lux::jobs
