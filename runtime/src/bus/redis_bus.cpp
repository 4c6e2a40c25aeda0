// The Redis Streams bus (see redis_bus.h). Keys under B = `<prefix>:{bus}:` (one hash tag):
//   B ev:<event>   stream of published events: fields id event data publisher request_id
//   B dead         stream of dead-lettered events: group entry id event data publisher
//                  request_id attempts error at
//   B alive:<group> a broadcast group's heartbeat (PX, renewed by its replica's lease thread);
//                  broadcast groups are `<server group>@<consumer>`, one per replica
// Each local subscription has a reader thread on its own connection: first events of other
// consumers idle longer than the visibility timeout (XAUTOCLAIM: their replica died), then new
// ones (XREADGROUP ... COUNT kReadCount BLOCK), handled in order and acknowledged with one XACK
// per batch. Concurrent publishes share one pipeline of XADDs. An event's attempts are the stream's delivery count: after each
// failed attempt the reader sets it (XCLAIM RETRYCOUNT), so a replica taking the event over
// knows how many were used. While a handler runs or waits for its retry, a lease thread resets
// the entry's idle time (XCLAIM JUSTID) every third of the visibility timeout, so live work is
// not taken over; it also trims the streams this server reads (XTRIM MINID below the oldest
// entry some group still needs) and forgets consumers of dead replicas.
#include "bus/redis_bus.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "core/ids.h"
#include "core/log.h"
#include "lux/events.h"
#include "redis/client.h"
#include "metrics/instrument.h"

namespace lux::bus {

namespace {

using redis::Reply;
using redis::Script;

constexpr int kCommandTimeoutMs = 5000;
// XREADGROUP BLOCK time: how long a reader waits for new events before looking for events of
// dead replicas again (Stop interrupts the wait).
constexpr int kBlockMs = 1000;
// Entries read (and then handled in order) per XREADGROUP; their XACKs go in one command after
// the batch. The lease thread keeps every entry of the batch leased until then.
constexpr int kReadCount = 128;
constexpr std::int64_t kTrimIntervalMs = 30'000;
// Consumers (processes) with nothing pending and idle this long are removed from their group.
constexpr std::int64_t kForgetConsumerMs = 3'600'000;
// Retry backoff of a failing local handler: doubling from kFirstRetryMs, capped (as embedded).
constexpr std::int64_t kFirstRetryMs = 100;
constexpr std::int64_t kMaxRetryMs = 10'000;
constexpr int kMaxDeadEntries = 10'000;  // the dead-letter stream is capped (approximately)

// KEYS: stream dead.  ARGV: group entry id event data publisher request_id attempts error at max
// traceparent (the publish span's, so a dead letter still names its trace; "" outside a trace)
const Script& DeadScript() {
  static const Script s(R"lua(
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[11], '*', 'group', ARGV[1], 'entry', ARGV[2], 'id', ARGV[3],
  'event', ARGV[4], 'data', ARGV[5], 'publisher', ARGV[6], 'request_id', ARGV[7], 'attempts', ARGV[8],
  'error', ARGV[9], 'at', ARGV[10], 'traceparent', ARGV[12])
return redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
)lua");
  return s;
}

// KEYS: stream.  ARGV: forget_ms, alive key prefix.  Trims entries every group is done with;
// returns how many. A broadcast group (`...@<consumer>`, one replica's own) whose replica no
// longer renews its `<alive prefix><group>` key died without destroying it: the group is
// destroyed and holds nothing back. (A consumer's idle time cannot tell: Redis 7.0 does not
// refresh it for reads that return nothing.)
const Script& TrimScript() {
  static const Script s(R"lua(
local key = KEYS[1]
if redis.call('EXISTS', key) == 0 then return 0 end
local function parse(id)
  local m, q = string.match(id, '^(%d+)-(%d+)$')
  return tonumber(m), tonumber(q)
end
local function less(a, b)
  local am, aq = parse(a)
  local bm, bq = parse(b)
  return am < bm or (am == bm and aq < bq)
end
local min = nil
for _, g in ipairs(redis.call('XINFO', 'GROUPS', key)) do
  local info = {}
  for i = 1, #g, 2 do info[g[i]] = g[i + 1] end
  if string.find(info['name'], '@', 1, true) and redis.call('EXISTS', ARGV[2] .. info['name']) == 0 then
    redis.call('XGROUP', 'DESTROY', key, info['name'])
  else
  local bound
  if tonumber(info['pending']) > 0 then
    bound = redis.call('XPENDING', key, info['name'])[2]
  else
    local m, q = parse(info['last-delivered-id'])
    bound = string.format('%d-%d', m, q + 1)
  end
  if min == nil or less(bound, min) then min = bound end
  for _, c in ipairs(redis.call('XINFO', 'CONSUMERS', key, info['name'])) do
    local ci = {}
    for i = 1, #c, 2 do ci[c[i]] = c[i + 1] end
    if tonumber(ci['pending']) == 0 and tonumber(ci['idle']) > tonumber(ARGV[1]) then
      redis.call('XGROUP', 'DELCONSUMER', key, info['name'], ci['name'])
    end
  end
  end
end
if min == nil then return 0 end
return redis.call('XTRIM', key, 'MINID', min)
)lua");
  return s;
}

std::int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string ConsumerName() {
  char host[256] = {0};
  if (::gethostname(host, sizeof host - 1) != 0) host[0] = 0;
  return std::string(host) + ":" + std::to_string(::getpid()) + ":" + core::RandomHex(4);
}

// A stream entry [id, [field, value, ...]] into an EventRow (lane = the group).
bool ToRow(const Reply& entry, EventRow& row) {
  if (!entry.IsArray() || entry.elements.size() < 2 || !entry.elements[1].IsArray()) return false;
  row.lane = entry.elements[0].AsString();  // the stream entry id, while reading
  const auto& f = entry.elements[1].elements;
  for (std::size_t i = 0; i + 1 < f.size(); i += 2) {
    const std::string& k = f[i].AsString();
    const std::string& v = f[i + 1].AsString();
    if (k == "id") row.event_id = v;
    else if (k == "event") row.event = v;
    else if (k == "data") row.payload_json = v;
    else if (k == "publisher") row.publisher = v;
    else if (k == "request_id") row.request_id = v;
    else if (k == "traceparent") row.traceparent = v;
  }
  return true;
}

}  // namespace

std::string GroupName(const std::string& server, int ordinal) {
  return ordinal == 0 ? server : server + "#" + std::to_string(ordinal + 1);
}

struct Lane {
  std::size_t index = 0;
  RedisSubscription sub;
  std::string stream;
  std::thread thread;
  redis::Connection* conn = nullptr;  // while reading (guarded by State::mu)
  std::set<std::string> in_progress;  // entries being handled or waiting for a retry (State::mu)
};

// The publishes of one pipeline (RedisBus::Publish).
struct PublishGroup {
  std::vector<const EventRow*> rows;
  std::vector<std::string> ids;  // the stream entry ids, per row
  std::vector<std::string> errors;  // per row: Redis's error reply ("" when added)
  std::exception_ptr failed;        // the whole pipeline failed (connection, timeout)
  bool done = false;
};

struct RedisBus::State {
  RedisBusOptions o;
  std::string b;  // key prefix
  std::string consumer;
  DeliverFn deliver;
  std::unique_ptr<redis::Pool> pool;
  std::vector<std::unique_ptr<Lane>> lanes;
  std::vector<RedisSubscription> remote;
  std::mutex mu;
  std::condition_variable cv;
  bool stop = false;
  bool started = false;
  std::thread lease;
  std::mutex pub_mu;  // pub_open, pub_busy
  std::condition_variable pub_cv;
  std::shared_ptr<PublishGroup> pub_open;
  bool pub_busy = false;

  std::vector<std::string> AddCommand(const EventRow& row) const {
    return {"XADD", Stream(row.event), "*", "id", row.event_id, "event", row.event, "data", row.payload_json,
            "publisher", row.publisher, "request_id", row.request_id, "traceparent", row.traceparent};
  }

  void SendGroup(PublishGroup& g) {
    std::vector<std::vector<std::string>> cmds;
    cmds.reserve(g.rows.size());
    for (const EventRow* r : g.rows) cmds.push_back(AddCommand(*r));
    g.ids.resize(g.rows.size());
    g.errors.resize(g.rows.size());
    try {
      std::vector<Reply> replies = pool->Pipeline(cmds);
      for (std::size_t i = 0; i < g.rows.size(); ++i) {
        if (i >= replies.size()) g.errors[i] = "no reply";
        else if (replies[i].type == Reply::Type::kError) g.errors[i] = replies[i].str;
        else g.ids[i] = replies[i].AsString();
      }
    } catch (...) {
      g.failed = std::current_exception();
    }
  }

  std::string Stream(const std::string& event) const { return b + "ev:" + event; }

  // Waits `ms` unless stopping; false when stopping.
  bool Sleep(std::int64_t ms) {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait_for(lock, std::chrono::milliseconds(std::max<std::int64_t>(ms, 1)), [&] { return stop; });
    return !stop;
  }
  bool Stopping() {
    std::lock_guard<std::mutex> lock(mu);
    return stop;
  }

  void Dead(Lane& lane, const EventRow& row, const std::string& entry, int attempts, const std::string& error) {
    pool->Eval(DeadScript(), {lane.stream, b + "dead"},
               {lane.sub.group, entry, row.event_id, row.event, row.payload_json, row.publisher, row.request_id,
                std::to_string(attempts), error, std::to_string(WallMs()), std::to_string(kMaxDeadEntries),
                row.traceparent});
  }

  // Handles one entry; `attempt` is the number of the attempt about to start (the delivery count).
  // A handled entry is added to `acks` (acknowledged with the rest of its batch, by Ack) and
  // stays leased until then; any other outcome ends its lease here.
  void Handle(Lane& lane, const EventRow& row, const std::string& entry, int attempt, std::mt19937_64& rng,
              std::vector<std::string>& acks) {
    {
      std::lock_guard<std::mutex> lock(mu);
      lane.in_progress.insert(entry);
    }
    auto done = [&] {
      std::lock_guard<std::mutex> lock(mu);
      lane.in_progress.erase(entry);
    };
    try {
      if (attempt > kMaxEventAttempts) {
        std::string error = "interrupted: the replica handling it stopped (" + std::to_string(attempt - 1) + " attempts)";
        core::Log(LogLevel::kError, "event handler failed for good",
                  {{"event", row.event}, {"event_id", row.event_id}, {"attempt", attempt - 1}, {"error", error},
                   {"request_id", row.request_id}});
        Dead(lane, row, entry, attempt - 1, error);
        done();
        return;
      }
      for (;;) {
        std::string error;
        bool rejected = false;
        bool delivered = deliver(lane.index, row, error, rejected);
        metrics::EventDelivery(row.event, delivered);
        if (delivered) {
          acks.push_back(entry);
          return;  // leased until Ack
        }
        if (rejected) {
          core::Log(LogLevel::kError, "event payload rejected",
                    {{"event", row.event}, {"event_id", row.event_id}, {"lane", lane.sub.group}, {"error", error},
                     {"request_id", row.request_id}});
          Dead(lane, row, entry, attempt, "payload rejected: " + error);
          break;
        }
        if (attempt >= kMaxEventAttempts) {
          core::Log(LogLevel::kError, "event handler failed for good",
                    {{"event", row.event}, {"event_id", row.event_id}, {"attempt", attempt}, {"error", error},
                     {"request_id", row.request_id}});
          Dead(lane, row, entry, attempt, error);
          break;
        }
        std::int64_t wait = std::min<std::int64_t>(kMaxRetryMs, kFirstRetryMs << std::min(attempt - 1, 16));
        wait = wait * 4 / 5 + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(wait * 2 / 5 + 1));
        core::Log(LogLevel::kWarn, "event handler failed",
                  {{"event", row.event}, {"event_id", row.event_id}, {"lane", lane.sub.group}, {"attempt", attempt},
                   {"retry_in_ms", static_cast<long long>(wait)}, {"error", error}, {"request_id", row.request_id}});
        Ack(lane, acks);          // the entries handled before this one are not held up by its retries
        if (!Sleep(wait)) break;  // stopping: stays pending for whoever takes it over
        ++attempt;
        // The attempt count survives this process: a replica taking the event over continues from it.
        pool->Command({"XCLAIM", lane.stream, lane.sub.group, consumer, "0", entry, "RETRYCOUNT",
                       std::to_string(attempt), "JUSTID"});
      }
    } catch (const std::exception& e) {
      // Redis failed: the entry stays pending and is handled again (at least once).
      core::Log(LogLevel::kError, "event bus: Redis failed while handling an event",
                {{"event", row.event}, {"event_id", row.event_id}, {"error", std::string(e.what())}});
    }
    done();
  }

  // One XACK for the entries of a batch that were handled; then their leases end. If Redis
  // fails here they stay pending and are handled again after the visibility timeout (at least once).
  void Ack(Lane& lane, std::vector<std::string>& acks) {
    if (acks.empty()) return;
    std::vector<std::string> cmd{"XACK", lane.stream, lane.sub.group};
    cmd.insert(cmd.end(), acks.begin(), acks.end());
    try {
      pool->Command(cmd);
    } catch (const std::exception& e) {
      core::Log(LogLevel::kError, "event bus: Redis failed while acknowledging events",
                {{"lane", lane.sub.group}, {"events", static_cast<int>(acks.size())}, {"error", std::string(e.what())}});
    }
    std::lock_guard<std::mutex> lock(mu);
    for (const std::string& entry : acks) lane.in_progress.erase(entry);
    acks.clear();
  }

  // A whole batch is leased (renewed by the lease thread) from the moment it is read: the last
  // entries of a batch wait while the first ones are handled, and must not look abandoned.
  void Hold(Lane& lane, const std::vector<std::pair<EventRow, int>>& batch) {
    std::lock_guard<std::mutex> lock(mu);
    for (const auto& [row, count] : batch) lane.in_progress.insert(row.lane);
  }

  // Entries of consumers idle longer than the visibility timeout, with their delivery counts.
  std::vector<std::pair<EventRow, int>> TakeOver(redis::Connection& c, Lane& lane) {
    std::vector<std::pair<EventRow, int>> out;
    Reply r = c.Command({"XAUTOCLAIM", lane.stream, lane.sub.group, consumer, std::to_string(o.visibility_ms), "0-0",
                         "COUNT", std::to_string(kReadCount)});
    if (!r.IsArray() || r.elements.size() < 2) return out;
    for (const Reply& e : r.elements[1].elements) {
      EventRow row;
      if (!ToRow(e, row)) continue;
      out.emplace_back(std::move(row), 1);
    }
    for (auto& [row, count] : out) {
      Reply p = c.Command({"XPENDING", lane.stream, lane.sub.group, row.lane, row.lane, "1"});
      if (p.IsArray() && !p.elements.empty() && p.elements[0].elements.size() >= 4)
        count = static_cast<int>(p.elements[0].elements[3].AsInt());
    }
    return out;
  }

  void ReadLoop(Lane& lane) {
    std::mt19937_64 rng{std::random_device{}()};
    std::int64_t last_takeover = 0;
    while (!Stopping()) {
      std::unique_ptr<redis::Connection> c;
      try {
        c = redis::Connection::Open(pool->url(), kCommandTimeoutMs);
        c->SetTimeout(kBlockMs + kCommandTimeoutMs);
        {
          std::lock_guard<std::mutex> lock(mu);
          if (stop) return;
          lane.conn = c.get();
        }
        while (!Stopping()) {
          std::int64_t now = WallMs();
          if (now - last_takeover >= o.visibility_ms / 2) {
            last_takeover = now;
            auto taken = TakeOver(*c, lane);
            if (taken.size() >= static_cast<std::size_t>(kReadCount)) last_takeover = 0;  // more may wait
            Hold(lane, taken);
            std::vector<std::string> acks;
            for (auto& [row, count] : taken) {
              if (Stopping()) break;
              std::string entry = row.lane;
              core::Log(LogLevel::kWarn, "event taken over from a replica that stopped handling it",
                        {{"event", row.event}, {"event_id", row.event_id}, {"lane", lane.sub.group}, {"attempt", count}});
              Handle(lane, row, entry, count, rng, acks);
            }
            Ack(lane, acks);
          }
          Reply r = c->Command({"XREADGROUP", "GROUP", lane.sub.group, consumer, "COUNT", std::to_string(kReadCount),
                                "BLOCK", std::to_string(kBlockMs), "STREAMS", lane.stream, ">"});
          if (!r.IsArray() || r.elements.empty()) continue;
          std::vector<std::pair<EventRow, int>> batch;
          for (const Reply& stream : r.elements) {
            if (stream.elements.size() < 2) continue;
            for (const Reply& e : stream.elements[1].elements) {
              EventRow row;
              if (ToRow(e, row)) batch.emplace_back(std::move(row), 1);
            }
          }
          Hold(lane, batch);
          std::vector<std::string> acks;
          for (auto& [row, count] : batch) {
            // Read but not handled when stopping: pending, taken over after the visibility timeout.
            if (Stopping()) break;
            std::string entry = row.lane;
            Handle(lane, row, entry, count, rng, acks);
          }
          Ack(lane, acks);
        }
      } catch (const std::exception& e) {
        if (Stopping()) break;
        core::Log(LogLevel::kError, "event bus: lost Redis; reconnecting",
                  {{"lane", lane.sub.group}, {"event", lane.sub.event}, {"error", std::string(e.what())}});
      }
      {
        std::lock_guard<std::mutex> lock(mu);
        lane.conn = nullptr;
      }
      if (!Sleep(1000)) break;
    }
    std::lock_guard<std::mutex> lock(mu);
    lane.conn = nullptr;
  }

  std::int64_t Trim() {
    std::set<std::string> streams;
    for (auto& l : lanes) streams.insert(l->stream);
    std::int64_t n = 0;
    for (const std::string& st : streams)
      n += pool->Eval(TrimScript(), {st}, {std::to_string(kForgetConsumerMs), b + "alive:"}).AsInt();
    return n;
  }

  // SET <alive key> for each broadcast group of this replica. It outlives the replica's last
  // renewal (the lease thread's, every visibility/3) by max(60 s, 4 x visibility timeout).
  std::vector<std::vector<std::string>> Heartbeats() const {
    std::string ttl = std::to_string(std::max<std::int64_t>(60'000, 4 * o.visibility_ms));
    std::vector<std::vector<std::string>> out;
    for (auto& l : lanes)
      if (l->sub.broadcast) out.push_back({"SET", b + "alive:" + l->sub.group, "1", "PX", ttl});
    return out;
  }

  void LeaseLoop() {
    std::int64_t period = std::max<std::int64_t>(o.visibility_ms / 3, 10);
    std::int64_t last_trim = 0;
    while (Sleep(period)) {
      std::vector<std::vector<std::string>> claims;
      {
        std::lock_guard<std::mutex> lock(mu);
        for (auto& l : lanes)
          for (const std::string& entry : l->in_progress)
            claims.push_back({"XCLAIM", l->stream, l->sub.group, consumer, "0", entry, "JUSTID"});
      }
      for (auto& beat : Heartbeats()) claims.push_back(std::move(beat));
      try {
        if (!claims.empty()) pool->Pipeline(claims);
        std::int64_t now = WallMs();
        if (now - last_trim >= kTrimIntervalMs) {
          last_trim = now;
          Trim();
        }
      } catch (const std::exception& e) {
        core::Log(LogLevel::kError, "event bus: cannot renew event leases", {{"error", std::string(e.what())}});
      }
    }
  }
};

RedisBus::RedisBus(RedisBusOptions options, std::vector<RedisSubscription> local, std::vector<RedisSubscription> remote,
                   DeliverFn deliver)
    : s_(std::make_shared<State>()) {
  s_->o = std::move(options);
  s_->b = s_->o.prefix + ":{bus}:";
  s_->consumer = ConsumerName();
  s_->deliver = std::move(deliver);
  s_->pool = std::make_unique<redis::Pool>(redis::ParseUrl(s_->o.url), kCommandTimeoutMs);
  std::vector<std::vector<std::string>> create;
  for (std::size_t i = 0; i < local.size(); ++i) {
    auto lane = std::make_unique<Lane>();
    lane->index = i;
    lane->sub = local[i];
    lane->stream = s_->Stream(local[i].event);
    if (lane->sub.broadcast) lane->sub.group += "@" + s_->consumer;  // this replica's own group
    create.push_back({"XGROUP", "CREATE", lane->stream, lane->sub.group, "$", "MKSTREAM"});
    s_->lanes.push_back(std::move(lane));
  }
  // The heartbeat exists before the group, so the trim never takes a new group for a dead one's.
  for (auto& beat : s_->Heartbeats()) create.insert(create.begin(), std::move(beat));
  for (const RedisSubscription& r : remote)
    if (!r.broadcast)  // a broadcast subscriber's replicas make their own groups as they start
      create.push_back({"XGROUP", "CREATE", s_->Stream(r.event), r.group, "$", "MKSTREAM"});
  create.push_back({"PING"});
  std::vector<Reply> replies = s_->pool->Pipeline(create);
  for (const Reply& r : replies)
    if (r.type == Reply::Type::kError && r.str.rfind("BUSYGROUP", 0) != 0)
      throw Error("event bus: redis " + s_->pool->url().text + ": " + r.str);
  s_->remote = std::move(remote);
}

RedisBus::~RedisBus() { Stop(); }

void RedisBus::Start() {
  std::lock_guard<std::mutex> lock(s_->mu);
  if (s_->started) return;
  s_->started = true;
  State* s = s_.get();
  for (auto& l : s_->lanes) {
    Lane* lane = l.get();
    lane->thread = std::thread([s, lane] { s->ReadLoop(*lane); });
  }
  s_->lease = std::thread([s] { s->LeaseLoop(); });
}

void RedisBus::Stop() {
  {
    std::lock_guard<std::mutex> lock(s_->mu);
    if (s_->stop) return;
    s_->stop = true;
    for (auto& l : s_->lanes)
      if (l->conn) l->conn->Interrupt();  // unblocks XREADGROUP
  }
  s_->cv.notify_all();
  for (auto& l : s_->lanes)
    if (l->thread.joinable()) l->thread.join();
  if (s_->lease.joinable()) s_->lease.join();
  // This replica's broadcast groups go with it (a crashed replica's are left to the trim).
  std::vector<std::vector<std::string>> destroy;
  for (auto& l : s_->lanes)
    if (l->sub.broadcast) {
      destroy.push_back({"XGROUP", "DESTROY", l->stream, l->sub.group});
      destroy.push_back({"DEL", s_->b + "alive:" + l->sub.group});
    }
  if (!destroy.empty()) {
    try {
      s_->pool->Pipeline(destroy);
    } catch (const std::exception& e) {
      core::Log(LogLevel::kWarn, "event bus: could not remove this replica's broadcast groups",
                {{"error", std::string(e.what())}});
    }
  }
}

// Publishes that arrive while another pipeline is on its way go in the next one, sent by one
// of them for all: one publisher alone pays one round trip, as before; many share round trips.
std::string RedisBus::Publish(const EventRow& row) {
  State& s = *s_;
  std::unique_lock<std::mutex> g(s.pub_mu);
  if (!s.pub_open) s.pub_open = std::make_shared<PublishGroup>();
  std::shared_ptr<PublishGroup> mine = s.pub_open;
  std::size_t index = mine->rows.size();
  mine->rows.push_back(&row);
  while (!mine->done) {
    if (s.pub_busy) {
      s.pub_cv.wait(g);
      continue;
    }
    s.pub_busy = true;
    std::shared_ptr<PublishGroup> cur = std::move(s.pub_open);
    s.pub_open.reset();
    g.unlock();
    s.SendGroup(*cur);
    g.lock();
    cur->done = true;
    s.pub_busy = false;
    s.pub_cv.notify_all();
  }
  if (mine->failed) std::rethrow_exception(mine->failed);
  if (!mine->errors[index].empty()) throw Error("event bus: redis " + s.pool->url().text + ": " + mine->errors[index]);
  return mine->ids[index];
}

std::int64_t RedisBus::TrimNow() { return s_->Trim(); }

std::int64_t RedisBus::DeadCount() { return s_->pool->Command({"XLEN", s_->b + "dead"}).AsInt(); }

std::vector<std::pair<std::string, double>> RedisBus::Depths() {
  std::vector<std::pair<std::string, std::string>> subs;  // event, group
  {
    std::lock_guard<std::mutex> lock(s_->mu);
    for (const auto& l : s_->lanes) subs.emplace_back(l->sub.event, l->sub.group);
  }
  std::vector<std::pair<std::string, double>> out;
  for (const auto& [event, group] : subs) {
    try {
      std::int64_t n = Backlog(event, group);
      if (n >= 0) out.emplace_back("redis:" + event + ":" + group, static_cast<double>(n));
    } catch (const std::exception&) {
      // Redis unreachable at this scrape: the lane is left out (its readiness check says why).
    }
  }
  return out;
}

std::int64_t RedisBus::Backlog(const std::string& event, const std::string& group) {
  Reply r = s_->pool->Command({"XINFO", "GROUPS", s_->Stream(event)});
  for (const Reply& g : r.elements) {
    std::map<std::string, const Reply*> info;
    for (std::size_t i = 0; i + 1 < g.elements.size(); i += 2) info[g.elements[i].AsString()] = &g.elements[i + 1];
    if (!info.count("name") || info["name"]->AsString() != group) continue;
    std::int64_t pending = info.count("pending") ? info["pending"]->AsInt() : 0;
    std::int64_t lag = info.count("lag") && !info["lag"]->IsNil() ? info["lag"]->AsInt() : 0;
    return pending + lag;
  }
  return -1;
}

}  // namespace lux::bus
