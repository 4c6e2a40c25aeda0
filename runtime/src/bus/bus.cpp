// The event bus (see lux/events.h): registration, publish, the lane threads that deliver the
// outbox in order, a batch at a time (local subscribers with retries and a dead letter; peers
// over HTTP, one signed request per batch, retried until they are back), and POST /_lux/events
// for events from peers (signed calls only: core/internal_auth.h; wire version 2, a batch, or
// one event as version 1). One bus per process, tied
// to the App that registered it as its "bus" runtime component: Open opens the outbox (publish
// works from then on, on_start included), Start starts the lanes, Stop stops them, Close closes
// the outbox (rows not yet delivered stay in it for the next start). With adapter "redis" the
// outbox, lanes and peers are replaced by Redis Streams (redis_bus.cpp); handlers run the same way.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <thread>

#include <pthread.h>
#include <sched.h>

#include "bus/local_delivery.h"
#include "bus/outbox.h"
#include "bus/redis_bus.h"
#include "lux_common/env_names.h"
#include "core/fiber.h"
#include "core/internal_auth.h"
#include "core/ids.h"
#include "core/log.h"
#include "core/process_lease.h"
#include "lux/client.h"
#include "lux/env.h"
#include "lux/events.h"
#include "lux/jobs.h"
#include "lux/rt.h"
#include "redis/client.h"
#include "server/component.h"
#include "tracing/instrument.h"
#include "tracing/otlp_json.h"
#include "metrics/instrument.h"

namespace lux {

namespace {

// Backoff between delivery attempts: doubling from kFirstRetryMs, capped. Peers are retried
// without end (an event published while a peer is down waits for it), local handlers up to
// kMaxEventAttempts.
constexpr std::int64_t kFirstRetryMs = 100;
constexpr std::int64_t kMaxPeerRetryMs = 5'000;
constexpr std::int64_t kMaxLocalRetryMs = 10'000;
// How long a peer delivery may take before it counts as failed.
constexpr std::int64_t kPeerTimeoutMs = 5'000;
// An idle lane reads the outbox again after this long without a wake-up: rows another process
// added (one that does not hold the outbox's lease, such as the old process of a `luxc dev`
// swap publishing from a connection it kept) are delivered within it, as jobs are (kStorePollMs).
constexpr std::int64_t kOutboxPollMs = 1'000;
// Received event ids are remembered this long for de-duplication.
constexpr std::int64_t kSeenRetentionMs = 7LL * 24 * 3600 * 1000;
// A lane delivers what is pending as one batch, in order: at most this many rows (a bounded
// body, and a bounded amount of work to repeat after a failure)...
constexpr int kMaxBatchRows = 256;
// ... and this many payload bytes past the first row: a peer's batch stays well below the
// default body limit (1 MiB) with its envelope; a receiver with a smaller `max_body` answers 413
// and the lane halves its batches. Local batches only bound the memory held.
constexpr std::size_t kMaxPeerBatchBytes = 256 * 1024;
constexpr std::size_t kMaxLocalBatchBytes = 4 * 1024 * 1024;
// The event wire format between peers: POST /_lux/events with {"v": 2, "events": [...]}
// (a batch). A body without "v" is one event (version 1: {"id", "event", "data", "publisher"}),
// still taken from older senders and from hand-written calls.
constexpr int kWireVersion = 2;
// A local subscriber's lane that has caught up with the outbox takes new rows from memory (the
// commit hands them over) instead of reading them back: at most this many rows and payload
// bytes wait there; past that the lane reads the outbox again until it catches up.
constexpr std::size_t kMaxQueuedRows = 16'384;
constexpr std::size_t kMaxQueuedBytes = 16 * 1024 * 1024;
// Rows a lane handled from memory are deleted in one transaction per this many rows, or once
// the lane has had nothing to do for kSettleIdleMs, and before the lane stops. A process killed
// before that delivers them again at its next start (at least once).
constexpr std::size_t kSettleRows = 256;
constexpr std::int64_t kSettleIdleMs = 1;
// See RunFromMemory: takes closer together than this are a busy lane.
constexpr std::chrono::microseconds kBusyTakeGap{200};

std::int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// An event id: a UUID version 7 in text form (36 chars): the Unix time in milliseconds, then 74
// random bits. Ids of successive events sort by time, so the receivers' `seen` index (one entry
// per event received, kept a week) grows at its end instead of at random leaves.
std::string NewEventId() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::uint64_t ms = static_cast<std::uint64_t>(WallMs());
  std::uint64_t r1 = rng(), r2 = rng();
  std::uint64_t hi = (ms << 16) | 0x7000u | (r1 & 0x0FFFu);              // time, version 7, rand_a
  std::uint64_t lo = (r2 & 0x3FFFFFFFFFFFFFFFull) | 0x8000000000000000ull;  // variant 10, rand_b
  char buf[36];
  int pos = 0;
  auto put = [&](std::uint64_t v, int nibbles) {
    for (int i = nibbles - 1; i >= 0; --i) buf[pos++] = kHex[(v >> (i * 4)) & 0xF];
  };
  put(hi >> 32, 8);
  buf[pos++] = '-';
  put((hi >> 16) & 0xFFFF, 4);
  buf[pos++] = '-';
  put(hi & 0xFFFF, 4);
  buf[pos++] = '-';
  put(lo >> 48, 4);
  buf[pos++] = '-';
  put(lo & 0xFFFFFFFFFFFFull, 12);
  return std::string(buf, 36);
}

// The trace context an event received from a peer is delivered in: the publish span's (the
// caller's traceparent), so the local delivery is its child as it is on the publishing server.
std::string PublisherTraceparent(const Request& req) {
  if (!tracing::Enabled()) return "";
  if (req.trace.parent_id.empty()) return tracing::CurrentTraceparent();
  TraceContext publish = req.trace;
  publish.span_id = req.trace.parent_id;
  return tracing::FormatTraceparent(publish);
}

// A lane thread is scheduled as SCHED_BATCH (Linux): a background thread that should not take
// the core from the thread that published (a request handler, or a loop publishing back to
// back) at each wake-up. Kernels that do not honour it at wake-up (EEVDF) still let a woken lane
// preempt: RunFromMemory's yield covers that. On an idle core a lane runs at once, as before.
void BackgroundPolicy() {
#ifdef SCHED_BATCH
  sched_param param{};
  pthread_setschedparam(pthread_self(), SCHED_BATCH, &param);  // best effort: a failure changes nothing else
#endif
}

struct Subscriber {
  std::string event;
  std::function<void(const Value&)> handler;
  std::string lane;
  bool broadcast = false;
};

struct Peer {
  std::string server;
  std::string app_name;
  std::vector<std::string> events;
  std::vector<bool> broadcast;  // per entry of events (empty: none)
  std::string url;
  std::string lane;
};

struct Lane {
  std::string name;
  const Subscriber* subscriber = nullptr;  // exactly one of these
  const Peer* peer = nullptr;
  std::thread thread;
  std::condition_variable cv;     // woken by a new row of this lane, or stop (with Bus::mu_)
  std::uint64_t generation = 0;   // new rows seen (Bus::mu_)
  int max_rows = kMaxBatchRows;   // halved when a peer answers 413 (lane thread only)
  // Delivery from memory (a local subscriber's lane, once it found its rows in the outbox
  // handled; see RunFromMemory). With Bus::mu_: whether commits hand this lane's rows over,
  // the rows handed over, and whether the queue overflowed (the lane reads the outbox again).
  bool accepting = false;
  bool overflowed = false;
  std::deque<bus::EventRow> queue;
  std::size_t queued_bytes = 0;
  // Lane thread only: delivering from memory; the outbox's data version when it started to;
  // the seqs handled from memory and not yet deleted (their count also for the depth gauge).
  bool memory = false;
  std::int64_t data_version = 0;
  std::chrono::steady_clock::time_point last_take{};  // when it last took rows from its queue
  std::vector<std::int64_t> unsettled;
  std::atomic<std::int64_t> unsettled_count{0};
};

class Bus {
 public:
  static Bus& Get() {
    static Bus* b = new Bus();  // never destroyed: lane threads may outlive static destructors
    return *b;
  }

  void Bind(App& app) {
    std::lock_guard<std::mutex> lock(mu_);
    if (app_ == &app) return;
    if (app_ && running_) throw std::logic_error("the event bus is already bound to a running App");
    app_ = &app;
    subscribers_.clear();
    peers_.clear();
    config_ = EventsConfig{};
    AddComponent(app);
  }

  // The bus's steps as the App's component calls them (see the top of the file).
  void Open(const std::string& app_name) {
    ApplyBackendEnv();
    if (config_.adapter == "redis") {
      OpenRedis(app_name);
      return;
    }
    // Over HTTP the servers authenticate each other (Redis and its ACLs guard the other transport).
    if (!subscribers_.empty() && config_.from_peers)
      core::RequireProgramSecret(app_name, "receives events from its peers (POST /_lux/events)");
    else if (!peers_.empty())
      core::RequireProgramSecret(app_name, "delivers events to its peers");
    std::string path = config_.path;
    if (const char* env = std::getenv("LUX_EVENTS_PATH"); env && *env) path = env;
    if (path.empty()) path = ".lux/" + app_name + ".events.db";
    std::shared_ptr<bus::Outbox> box = bus::Outbox::Open(path);
    box->PruneSeen(WallMs() - kSeenRetentionMs);
    box->SetCommitObserver([this](std::vector<bus::EventRow>& rows) { Committed(rows); });
    std::lock_guard<std::mutex> lock(mu_);
    box_ = std::move(box);
    path_ = path;
    stop_ = false;
    running_ = true;
  }

  void Start() {
    std::shared_ptr<bus::RedisBus> redis;
    {
      std::lock_guard<std::mutex> lock(mu_);
      redis = redis_;
      if (!redis && (!subscribers_.empty() || !peers_.empty()) && path_ != ":memory:") {
        // One process at a time delivers a file outbox (core/process_lease.h): the old and the
        // new process of a `luxc dev` swap never both do.
        lease_ = std::make_unique<core::ProcessLease>(path_ + ".lease");
        if (!lease_->TryTake()) {
          core::Log(LogLevel::kInfo, "another process delivers this event outbox; this one takes over when it stops",
                    {{"outbox", path_}});
          lease_->WhenTaken([this] {
            std::lock_guard<std::mutex> lock(mu_);
            if (stop_) return;
            StartLanes();
            core::Log(LogLevel::kInfo, "event delivery taken over from the process that held the outbox", {{"outbox", path_}});
          });
          return;
        }
      }
      if (!redis) StartLanes();
    }
    if (!redis) return;
    redis->Start();
    core::Log(LogLevel::kInfo, "event bus on Redis",
              {{"redis", redis::ParseUrl(config_.url).text}, {"prefix", config_.prefix},
               {"subscriptions", static_cast<int>(subscribers_.size())}});
  }

  // A graceful stop: every lane first delivers what is due in the outbox now (an event a
  // request published just before the stop is handled, not left for the next start), until
  // `deadline`; a failed delivery or a row not yet due ends its lane at once (it stays queued).
  void Stop(server::Deadline deadline = server::Deadline::clock::now()) {
    if (lease_) lease_->StopWaiting();  // a take-over under way completes first
    std::shared_ptr<bus::RedisBus> redis;
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
      stopping_.store(true, std::memory_order_relaxed);
      drain_until_ = deadline;
      redis = redis_;
      for (auto& l : lanes_) l->cv.notify_all();
    }
    if (redis) redis->Stop();
    for (auto& l : lanes_)
      if (l->thread.joinable()) l->thread.join();
    std::lock_guard<std::mutex> lock(mu_);
    lanes_.clear();
    stopping_.store(false, std::memory_order_relaxed);
    if (lease_) lease_->Release();  // rows left in the outbox are the next holder's
  }

  void Close() {
    std::shared_ptr<bus::RedisBus> redis;
    std::shared_ptr<bus::Outbox> box;
    {
      std::lock_guard<std::mutex> lock(mu_);
      redis = std::move(redis_);
      box = std::move(box_);
      lease_.reset();
      running_ = false;
      app_ = nullptr;
    }
    // Released outside the lock: ~RedisBus may talk to Redis (this replica's broadcast groups).
  }

  EventsConfig& config() { return config_; }

  void AddSubscriber(App& app, std::string event, std::function<void(const Value&)> handler, bool broadcast) {
    Bind(app);
    std::lock_guard<std::mutex> lock(mu_);
    auto s = std::make_unique<Subscriber>();
    s->lane = "local:" + event + ":" + std::to_string(subscribers_.size());
    s->event = std::move(event);
    s->handler = std::move(handler);
    s->broadcast = broadcast;
    if (subscribers_.empty()) InstallEndpoint(app);
    subscribers_.push_back(std::move(s));
  }

  void AddPeer(App& app, std::string server, std::vector<std::string> events, std::string default_url,
               std::string app_name, std::vector<bool> broadcast) {
    if (!broadcast.empty() && broadcast.size() != events.size())
      throw std::invalid_argument("RegisterPeer: one broadcast flag per event");
    Bind(app);
    std::lock_guard<std::mutex> lock(mu_);
    auto p = std::make_unique<Peer>();
    const char* env = std::getenv(core::EnvVarName("LUX_PEER_", server, "_URL").c_str());
    p->url = env && *env ? env : default_url;
    while (!p->url.empty() && p->url.back() == '/') p->url.pop_back();
    p->lane = "peer:" + server;
    p->app_name = app_name.empty() ? server : std::move(app_name);
    p->server = std::move(server);
    p->events = std::move(events);
    p->broadcast = std::move(broadcast);
    peers_.push_back(std::move(p));
  }

  std::string Publish(std::string_view event, Value data) {
    if (recorder_) {  // a test executable: the test delivers (local_delivery.h)
      recorder_(event, data);
      return NewEventId();
    }
    std::vector<bus::EventRow> rows;
    std::string id;
    std::shared_ptr<bus::Outbox> box;
    std::shared_ptr<bus::RedisBus> redis;
    {
      std::lock_guard<std::mutex> lock(mu_);
      box = box_;
      redis = redis_;
      if (!box_ && !redis_) {
        if (subscribers_.empty() && peers_.empty()) return "";
        throw Error("publish(\"" + std::string(event) + "\"): the event bus is not running (publish after on_start begins)");
      }
      id = NewEventId();
      std::string payload = ToJson(data);
      tracing::Span span = tracing::PublishSpan(event);  // the deliveries are its children
      span.Attr("messaging.message.id", id);
      bus::EventRow base;
      base.traceparent = tracing::TraceparentOf(span);
      base.event_id = id;
      base.event = std::string(event);
      base.payload_json = payload;
      base.publisher = app_->name();
      base.request_id = rt::RequestId();
      for (auto& s : subscribers_)
        if (s->event == event) {
          base.lane = s->lane;
          rows.push_back(base);
        }
      for (auto& p : peers_)
        if (std::find(p->events.begin(), p->events.end(), event) != p->events.end()) {
          base.lane = p->lane;
          rows.push_back(base);
        }
    }
    if (rows.empty()) return "";
    metrics::EventPublished(event);
    if (redis) {
      redis->Publish(rows.front());  // one stream entry; every subscription's group gets it
      return id;
    }
    try {
      box->Insert(std::move(rows));  // the commit hands the rows over (Committed)
    } catch (...) {
      WakeCommitted();  // this thread may have committed other publishers' rows
      throw;
    }
    WakeCommitted();
    return id;
  }

  void SetRecorder(bus::PublishRecorder recorder) { recorder_ = std::move(recorder); }

  std::vector<std::string> RunLocal(std::string_view event, const Value& data) {
    std::vector<const Subscriber*> subs;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (auto& s : subscribers_)
        if (s->event == event) subs.push_back(s.get());
    }
    std::vector<std::string> errors;
    for (const Subscriber* s : subs) {
      try {
        s->handler(data);
      } catch (const std::exception& e) {
        errors.push_back("subscriber of \"" + std::string(event) + "\": " + e.what());
      }
    }
    return errors;
  }

  // lux_events_outbox_depth{lane}: the rows waiting in each lane of the embedded outbox, or on
  // Redis Streams what waits for each local subscription's group (RedisBus::Depths).
  std::vector<std::pair<std::string, double>> OutboxDepth() {
    std::shared_ptr<bus::Outbox> box;
    std::shared_ptr<bus::RedisBus> redis;
    std::vector<std::string> lanes;
    {
      std::lock_guard<std::mutex> lock(mu_);
      box = box_;
      redis = redis_;
      for (auto& s : subscribers_) lanes.push_back(s->lane);
      for (auto& p : peers_) lanes.push_back(p->lane);
    }
    if (redis) return redis->Depths();  // Redis Streams: what waits for each of its groups
    std::vector<std::pair<std::string, double>> out;
    if (!box) return out;
    for (const std::string& lane : lanes) {
      // Rows handled from memory stay in the outbox until their lane deletes them: not waiting.
      std::int64_t pending = box->Pending(lane) - HandledNotDeleted(lane);
      out.emplace_back(lane, static_cast<double>(std::max<std::int64_t>(pending, 0)));
    }
    return out;
  }

 private:
  static void AddComponent(App& app);  // after BusComponent

  void InstallEndpoint(App& app) {
    app.Post("/_lux/events", [this](Request& req) {
      if (!config_.from_peers) throw HttpError(404, "not found");
      if (auto why = core::VerifyInternalCall(req)) return core::InternalUnauthorized(req, *why);
      const Value& body = req.Json();
      const Value* version = body.IsObject() ? body.Find("v") : nullptr;
      if (!version) return AcceptOne(req, body);
      if (!version->IsInt() || version->AsInt() != kWireVersion)
        throw HttpError(400, "event wire version " + ToJson(*version) + " is not spoken here (this server takes version " +
                                 std::to_string(kWireVersion) +
                                 " batches and single events): build the program's servers with the same luxc");
      return AcceptBatch(req, body);
    });
  }

  // The rows of an event for this server's subscribers (none when nobody here subscribes).
  void RowsFor(const bus::EventRow& base, std::vector<bus::EventRow>& rows) {
    for (auto& s : subscribers_)
      if (s->event == base.event) {
        rows.push_back(base);
        rows.back().lane = s->lane;
      }
  }

  // The outbox events from peers go to, or an HttpError 503 (the peer keeps them and retries:
  // nothing is lost while the program's servers disagree about where the bus is). mu_ held.
  std::shared_ptr<bus::Outbox> ReceivingBox() {
    if (redis_) throw HttpError(503, "this server's event bus is on Redis: events reach it through Redis");
    if (!box_) throw HttpError(503, "the event bus is not running");
    return box_;
  }

  // Version 1: one event {"id", "event", "data", "publisher"}.
  Response AcceptOne(Request& req, const Value& body) {
    const Value* id = body.IsObject() ? body.Find("id") : nullptr;
    const Value* event = body.IsObject() ? body.Find("event") : nullptr;
    const Value* data = body.IsObject() ? body.Find("data") : nullptr;
    if (!id || !id->IsString() || id->AsString().empty() || !event || !event->IsString() || !data)
      throw HttpError(400, "an event is {\"id\": String, \"event\": String, \"data\": ..., \"publisher\": String}");
    const Value* publisher = body.Find("publisher");
    std::vector<bus::EventRow> rows;
    std::shared_ptr<bus::Outbox> box;
    {
      std::lock_guard<std::mutex> lock(mu_);
      box = ReceivingBox();
      bus::EventRow base;
      base.event_id = id->AsString();
      base.event = event->AsString();
      base.payload_json = ToJson(*data);
      base.publisher = publisher && publisher->IsString() ? publisher->AsString() : "";
      base.request_id = req.id;
      base.traceparent = PublisherTraceparent(req);
      RowsFor(base, rows);
    }
    bool none = rows.empty();
    int fresh = none ? 0 : box->Accept(std::move(rows), WallMs());
    WakeCommitted();
    return Respond(200, Value{{"accepted", Value(fresh)}, {"duplicate", Value(fresh == 0 && !none)}});
  }

  // Version 2: {"v": 2, "events": [{"id", "event", "data", "publisher", "request_id",
  // "traceparent"}, ...]}, in publish order. The events are taken in order up to the first one
  // that is malformed (or kMaxBatchRows); the answer's "handled" counts them, and the sender
  // settles exactly that prefix. All the handled events are stored in one transaction.
  Response AcceptBatch(Request& req, const Value& body) {
    const Value* events = body.Find("events");
    if (!events || !events->IsArray())
      throw HttpError(400, "an event batch is {\"v\": 2, \"events\": [{\"id\", \"event\", \"data\", ...}, ...]}");
    const Array& list = events->AsArray();
    std::vector<bus::EventRow> rows;
    std::shared_ptr<bus::Outbox> box;
    std::size_t handled = 0;
    std::string error;
    {
      std::lock_guard<std::mutex> lock(mu_);
      box = ReceivingBox();
      for (; handled < list.size() && handled < static_cast<std::size_t>(kMaxBatchRows); ++handled) {
        const Value& e = list[handled];
        const Value* id = e.IsObject() ? e.Find("id") : nullptr;
        const Value* event = e.IsObject() ? e.Find("event") : nullptr;
        const Value* data = e.IsObject() ? e.Find("data") : nullptr;
        if (!id || !id->IsString() || id->AsString().empty() || !event || !event->IsString() || !data) {
          error = "event " + std::to_string(handled) + " of the batch: an event is {\"id\": String, \"event\": String, \"data\": ...}";
          break;
        }
        bus::EventRow base;
        base.event_id = id->AsString();
        base.event = event->AsString();
        base.payload_json = ToJson(*data);
        base.publisher = TextField(e, "publisher");
        base.request_id = TextField(e, "request_id");
        // Published outside a request (or an id this server would not take): a fresh one, as a
        // request without X-Request-Id gets (the batch's header id is the first event's).
        if (base.request_id.empty() || !core::IsValidRequestId(base.request_id))
          base.request_id = handled == 0 ? req.id : core::NewRequestId();
        base.traceparent = tracing::Enabled() ? TextField(e, "traceparent") : "";
        RowsFor(base, rows);
      }
    }
    auto stored = static_cast<long long>(rows.size());
    int fresh = rows.empty() ? 0 : box->Accept(std::move(rows), WallMs());
    WakeCommitted();
    Value answer{{"v", Value(kWireVersion)},
                 {"handled", Value(static_cast<long long>(handled))},
                 {"accepted", Value(fresh)},
                 {"duplicate", Value(stored - fresh)}};
    if (error.empty()) return Respond(200, std::move(answer));
    answer.AsObject().Set("error", Value(error));
    return Respond(400, std::move(answer));
  }

  static std::string TextField(const Value& obj, std::string_view key) {
    const Value* v = obj.Find(key);
    return v && v->IsString() ? v->AsString() : std::string();
  }

  void ApplyBackendEnv() {
    if (auto u = EnvOptString("LUX_BUS_URL")) {
      if (*u == "embedded" || *u == "sqlite") {
        config_.adapter = "sqlite";
      } else if (u->rfind("redis://", 0) == 0 || u->rfind("unix://", 0) == 0) {
        config_.adapter = "redis";
        config_.url = *u;
      } else {
        throw StartupError("env LUX_BUS_URL: expected redis://..., unix://... or embedded, got \"" + *u + "\"");
      }
    }
    if (auto p = EnvOptString("LUX_BUS_PREFIX")) config_.prefix = *p;
    if (auto v = EnvOptInt("LUX_BUS_VISIBILITY_MS")) config_.visibility_timeout_ms = *v;
    if (config_.adapter != "sqlite" && config_.adapter != "redis")
      throw StartupError("bus: unknown adapter \"" + config_.adapter + "\" (expected \"sqlite\" or \"redis\")");
    if (config_.adapter != "redis") return;
    if (config_.url.empty()) throw StartupError("bus: adapter \"redis\" needs a url (redis://host:port)");
    if (config_.prefix.empty()) throw StartupError("bus: the Redis key prefix is empty");
    if (config_.visibility_timeout_ms < kMinVisibilityTimeoutMs)
      throw StartupError("bus: visibility timeout " + std::to_string(config_.visibility_timeout_ms) +
                         " ms is shorter than the minimum " + std::to_string(kMinVisibilityTimeoutMs) + " ms");
    try {
      redis::ParseUrl(config_.url);
    } catch (const Error& e) {
      throw StartupError(std::string("bus: ") + e.what());
    }
  }

  // Redis: a consumer group per subscription, named after the subscribing App and the
  // subscription's rank among that App's subscriptions of the event. Publishing works once
  // the groups exist; the readers start with Start.
  void OpenRedis(const std::string& app_name) {
    std::vector<bus::RedisSubscription> local, remote;
    std::map<std::string, int> ordinal;
    for (auto& s : subscribers_)
      local.push_back({s->event, bus::GroupName(app_name, ordinal[s->event]++), s->broadcast});
    for (auto& p : peers_) {
      std::map<std::string, int> peer_ordinal;
      for (std::size_t i = 0; i < p->events.size(); ++i) {
        const std::string& e = p->events[i];
        remote.push_back({e, bus::GroupName(p->app_name, peer_ordinal[e]++), !p->broadcast.empty() && p->broadcast[i]});
      }
    }
    bus::RedisBusOptions o;
    o.url = config_.url;
    o.prefix = config_.prefix;
    o.server = app_name;
    o.visibility_ms = config_.visibility_timeout_ms;
    auto rb = std::make_shared<bus::RedisBus>(
        o, std::move(local), std::move(remote),
        [this](std::size_t index, const bus::EventRow& row, std::string& error, bool& rejected) {
          return DeliverLocal(*subscribers_[index], row, error, rejected);
        });
    std::lock_guard<std::mutex> lock(mu_);
    redis_ = rb;
    stop_ = false;
    running_ = true;
  }

  // With mu_ held: a lane per local subscriber and per peer.
  void StartLanes() {
    for (auto& s : subscribers_) StartLane(s->lane, s.get(), nullptr);
    for (auto& p : peers_) StartLane(p->lane, nullptr, p.get());
  }

  void StartLane(const std::string& name, const Subscriber* s, const Peer* p) {
    auto lane = std::make_unique<Lane>();
    lane->name = name;
    lane->subscriber = s;
    lane->peer = p;
    Lane* raw = lane.get();
    lanes_.push_back(std::move(lane));
    raw->thread = std::thread([this, raw] {
      BackgroundPolicy();
      Run(*raw);
    });
  }

  // The outbox committed `rows` (its lock held; Outbox::SetCommitObserver): hands each row to
  // its lane when that lane delivers from memory (lanes not started yet read them from the
  // outbox when they start) and marks the lanes to wake. The committing thread wakes them once
  // it holds no lock (WakeCommitted): a lane woken here would wait for these locks at once.
  void Committed(std::vector<bus::EventRow>& rows) {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& l : lanes_) {
      bool any = false;
      for (bus::EventRow& r : rows) {
        if (r.lane != l->name) continue;
        any = true;
        if (l->accepting) Enqueue(*l, r);
      }
      if (any) {
        ++l->generation;
        if (std::find(tl_to_wake.begin(), tl_to_wake.end(), l.get()) == tl_to_wake.end()) tl_to_wake.push_back(l.get());
      }
    }
  }

  // After a commit (Insert, Accept), outside every lock: wakes the lanes it gave rows to.
  void WakeCommitted() {
    if (tl_to_wake.empty()) return;  // another thread committed this caller's rows and wakes
    std::lock_guard<std::mutex> lock(mu_);  // lanes_ stays as it is (Stop clears it under mu_)
    for (Lane* l : tl_to_wake)
      for (auto& mine : lanes_)
        if (mine.get() == l) l->cv.notify_one();
    tl_to_wake.clear();
  }
  static thread_local std::vector<Lane*> tl_to_wake;  // lanes a commit of this thread gave rows to

  // With mu_ held: `row` joins the lane's queue, or the queue overflows: it is dropped (its
  // rows are in the outbox) and the lane reads the outbox again.
  static void Enqueue(Lane& lane, bus::EventRow& row) {
    if (lane.queue.size() >= kMaxQueuedRows || lane.queued_bytes + row.payload_json.size() > kMaxQueuedBytes) {
      lane.accepting = false;
      lane.overflowed = true;
      lane.queue.clear();
      lane.queued_bytes = 0;
      return;
    }
    lane.queued_bytes += row.payload_json.size();
    lane.queue.push_back(std::move(row));
  }

  // Waits until woken by a new row of the lane, the deadline, or stop; false on stop.
  bool WaitFor(Lane& lane, std::int64_t ms, std::uint64_t seen_generation) {
    std::unique_lock<std::mutex> lock(mu_);
    lane.cv.wait_for(lock, std::chrono::milliseconds(std::max<std::int64_t>(ms, 1)),
                     [&] { return stop_ || lane.generation != seen_generation; });
    return !stop_;
  }

  // True once Stop was called and its drain deadline has passed: a lane ends its batch there.
  bool DrainOver() {
    if (!stopping_.load(std::memory_order_relaxed)) return false;
    std::lock_guard<std::mutex> lock(mu_);
    return server::Deadline::clock::now() >= drain_until_;
  }

  // A lane: reads the oldest pending rows of its destination as one batch, delivers them in
  // order (a local subscriber's handler row by row; a peer in one request), then settles the
  // batch in one transaction — the handled prefix deleted, the row that failed (if any) retried
  // after a backoff or dead-lettered, the rows after it left for the next batch, in order.
  void Run(Lane& lane) {
    RunLane(lane);
    SettleMemory(lane);  // what it handled from memory is deleted before it ends
  }

  void RunLane(Lane& lane) {
    std::mt19937_64 rng{std::random_device{}()};
    // A local subscriber's lane whose outbox read finds nothing delivers from memory from then on.
    std::function<void(std::int64_t)> caught_up;
    if (lane.subscriber) caught_up = [this, &lane](std::int64_t version) { EnterMemory(lane, version); };
    for (;;) {
      std::uint64_t gen;
      bool stopping;  // Stop was called: deliver what is due, then return (see Stop)
      {
        std::lock_guard<std::mutex> lock(mu_);
        stopping = stop_;
        if (stopping && server::Deadline::clock::now() >= drain_until_) return;
        gen = lane.generation;
      }
      if (lane.memory) {
        if (!RunFromMemory(lane, stopping, gen, rng)) return;
        continue;
      }
      std::vector<bus::EventRow> rows;
      try {
        rows = box_->Batch(lane.name, lane.max_rows, lane.peer ? kMaxPeerBatchBytes : kMaxLocalBatchBytes, caught_up);
      } catch (const std::exception& e) {
        core::Log(LogLevel::kError, "event outbox read failed", {{"lane", lane.name}, {"error", std::string(e.what())}});
        if (stopping) return;
      }
      // A stop during a wait goes round once more: rows committed meanwhile (handed to the lane
      // in memory, or in the outbox) are delivered before the lane ends.
      if (rows.empty()) {
        if (stopping) return;
        WaitFor(lane, kOutboxPollMs, gen);
        continue;
      }
      std::int64_t now = WallMs();
      if (rows.front().next_at_ms > now) {  // only the first row can wait: a failure ends a batch
        if (stopping) return;
        WaitFor(lane, rows.front().next_at_ms - now, gen);
        continue;
      }
      Failure failure;
      std::size_t handled = lane.peer ? DeliverPeer(lane, rows, failure) : DeliverLocalBatch(lane, rows, failure);
      bus::BatchOutcome outcome;
      if (handled > 0) outcome.handled_through = rows[handled - 1].seq;
      bool end = false;
      if (failure.failed) end = OnFailure(lane, rows[handled], failure, stopping, rng, outcome);
      else if (failure.interrupted) end = true;  // the drain deadline passed mid-batch
      try {
        box_->Settle(lane.name, outcome, WallMs());
      } catch (const std::exception& e) {
        // The batch stays in the outbox and is delivered again (at least once).
        core::Log(LogLevel::kError, "event outbox update failed", {{"lane", lane.name}, {"error", std::string(e.what())}});
        if (stopping || !WaitFor(lane, kFirstRetryMs, gen)) return;
      }
      if (end) return;
    }
  }

  // The lane's outbox rows are all handled (Outbox::Batch found none; its lock held): from now
  // on commits hand the lane its rows, from `version` on (see Outbox::SettleHandled).
  void EnterMemory(Lane& lane, std::int64_t version) {
    std::lock_guard<std::mutex> lock(mu_);
    SetMemory(lane, true);
    lane.data_version = version;
  }

  // With mu_ held: the lane delivers from memory (`on`) or reads the outbox; its queue empties.
  static void SetMemory(Lane& lane, bool on) {
    lane.accepting = on;
    lane.overflowed = false;
    lane.queue.clear();
    lane.queued_bytes = 0;
    lane.memory = on;
  }

  // Back to reading the outbox (a failure, an overflow, another process's rows, an idle poll):
  // what was handled is deleted first, the rows waiting in memory are read again from the outbox.
  void LeaveMemory(Lane& lane) {
    SettleMemory(lane);
    std::lock_guard<std::mutex> lock(mu_);
    SetMemory(lane, false);
  }

  // Deletes the rows handled from memory; false when the lane should read the outbox again
  // (another connection committed meanwhile, so rows of another process may be waiting, or the
  // delete failed: the rows are then delivered again, at least once).
  bool SettleMemory(Lane& lane) {
    if (lane.unsettled.empty()) return true;
    bool alone = false;
    try {
      alone = box_->SettleHandled(lane.name, lane.unsettled, lane.data_version);
    } catch (const std::exception& e) {
      core::Log(LogLevel::kError, "event outbox update failed", {{"lane", lane.name}, {"error", std::string(e.what())}});
    }
    lane.unsettled.clear();
    lane.unsettled_count.store(0, std::memory_order_relaxed);
    return alone;
  }

  // One step of a lane delivering from memory: the rows handed over since the last step, in
  // order, each deleted later (SettleMemory); false when the lane ends. A failure settles what
  // was handled, records the failed row's retry (or dead letter) in the outbox and goes back to
  // reading it, so the failed row and those after it follow in order, as from a batch.
  bool RunFromMemory(Lane& lane, bool stopping, std::uint64_t gen, std::mt19937_64& rng) {
    std::deque<bus::EventRow> rows;
    bool overflowed = false;
    // Rows arriving back to back (some waiting, and the last take less than kBusyTakeGap ago):
    // the lane lets the publishing thread go on first when they share a core (a lane woken for
    // every event would take them one by one, two context switches each); on a core of its own
    // the yield returns at once. At a low rate it takes each event as soon as it is woken, and
    // an empty queue never yields (on a loaded machine that would hand the core to another
    // process before the lane waits).
    auto now = std::chrono::steady_clock::now();
    if (now - lane.last_take < kBusyTakeGap && Queued(lane)) std::this_thread::yield();
    lane.last_take = now;
    {
      std::lock_guard<std::mutex> lock(mu_);
      rows.swap(lane.queue);
      lane.queued_bytes = 0;
      overflowed = lane.overflowed;
    }
    if (rows.empty()) {
      if (overflowed || stopping) {  // stopping: what is due in the outbox is delivered, then the lane ends
        LeaveMemory(lane);
        return true;
      }
      bool settle_due = !lane.unsettled.empty();
      if (!WaitFor(lane, settle_due ? kSettleIdleMs : kOutboxPollMs, gen)) return true;  // stop
      if (Generation(lane) != gen) return true;  // new rows
      if (!settle_due) LeaveMemory(lane);  // idle: read the outbox (rows of another process)
      else if (!SettleMemory(lane)) LeaveMemory(lane);
      return true;
    }
    for (const bus::EventRow& row : rows) {
      if (DrainOver()) return false;  // the stop's deadline: the rest stays in the outbox
      Failure failure;
      bool ok = DeliverLocal(*lane.subscriber, row, failure.error, failure.rejected);
      metrics::EventDelivery(row.event, ok);
      if (!ok) {
        failure.failed = true;
        SettleMemory(lane);
        bus::BatchOutcome outcome;
        bool end = OnFailure(lane, row, failure, stopping, rng, outcome);
        try {
          box_->Settle(lane.name, outcome, WallMs());
        } catch (const std::exception& e) {
          core::Log(LogLevel::kError, "event outbox update failed", {{"lane", lane.name}, {"error", std::string(e.what())}});
        }
        LeaveMemory(lane);
        return !end;
      }
      lane.unsettled.push_back(row.seq);
      lane.unsettled_count.store(static_cast<std::int64_t>(lane.unsettled.size()), std::memory_order_relaxed);
      if (lane.unsettled.size() >= kSettleRows && !SettleMemory(lane)) {
        LeaveMemory(lane);  // the rest of `rows` is read again from the outbox
        return true;
      }
    }
    return true;
  }

  std::int64_t HandledNotDeleted(const std::string& name) {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& l : lanes_)
      if (l->name == name) return l->unsettled_count.load(std::memory_order_relaxed);
    return 0;
  }

  bool Queued(Lane& lane) {
    std::lock_guard<std::mutex> lock(mu_);
    return !lane.queue.empty();
  }

  std::uint64_t Generation(Lane& lane) {
    std::lock_guard<std::mutex> lock(mu_);
    return lane.generation;
  }

  struct Failure {
    bool failed = false;
    bool rejected = false;  // a payload the subscriber's type refuses: not retried
    bool interrupted = false;  // no failure: a stop's drain deadline passed mid-batch
    std::string error;
  };

  // Decides what becomes of `row`, the batch's row that failed; true when the lane ends (a
  // failure while stopping: no retries then, the row stays for the next start).
  bool OnFailure(const Lane& lane, const bus::EventRow& row, const Failure& f, bool stopping, std::mt19937_64& rng,
                 bus::BatchOutcome& outcome) {
    outcome.failed = &row;
    outcome.attempts = row.attempts + 1;
    outcome.error = f.error;
    const std::string& rid = row.request_id;
    if (stopping && !f.rejected) {
      outcome.next_at_ms = WallMs();
      return true;
    }
    if (f.rejected) {
      core::Log(LogLevel::kError, "event payload rejected",
                {{"event", row.event}, {"event_id", row.event_id}, {"lane", lane.name}, {"error", f.error},
                 {"request_id", rid}});
      outcome.attempts = row.attempts;
      outcome.dead = true;
      outcome.error = "payload rejected: " + f.error;
      return false;
    }
    int attempts = outcome.attempts;
    if (lane.subscriber && attempts >= kMaxEventAttempts) {
      core::Log(LogLevel::kError, "event handler failed for good",
                {{"event", row.event}, {"event_id", row.event_id}, {"attempt", attempts}, {"error", f.error},
                 {"request_id", rid}});
      outcome.attempts = row.attempts;
      outcome.dead = true;
      return false;
    }
    std::int64_t cap = lane.peer ? kMaxPeerRetryMs : kMaxLocalRetryMs;
    std::int64_t wait = std::min<std::int64_t>(cap, kFirstRetryMs << std::min(attempts - 1, 16));
    wait = wait * 4 / 5 + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(wait * 2 / 5 + 1));
    core::Log(LogLevel::kWarn, lane.peer ? "event delivery to peer failed" : "event handler failed",
              {{"event", row.event}, {"event_id", row.event_id}, {"lane", lane.name}, {"attempt", attempts},
               {"retry_in_ms", static_cast<long long>(wait)}, {"error", f.error}, {"request_id", rid}});
    outcome.next_at_ms = WallMs() + wait;
    return false;
  }

  // Runs the subscriber on the rows in order; returns how many it handled (it stops at the first
  // failure, or when a stop's drain deadline passes).
  std::size_t DeliverLocalBatch(const Lane& lane, const std::vector<bus::EventRow>& rows, Failure& f) {
    std::size_t handled = 0;
    for (const bus::EventRow& row : rows) {
      if (handled > 0 && DrainOver()) {
        f.interrupted = true;
        break;
      }
      bool ok = DeliverLocal(*lane.subscriber, row, f.error, f.rejected);
      metrics::EventDelivery(row.event, ok);
      if (!ok) {
        f.failed = true;
        break;
      }
      ++handled;
    }
    return handled;
  }

  // Runs a local handler with the publishing request's id as request_id().
  static bool DeliverLocal(const Subscriber& sub, const bus::EventRow& row, std::string& error, bool& rejected) {
    try {
      Value data = ParseJson(row.payload_json);
      // The delivery's span; the handler's fetches, queries and log lines belong to it.
      tracing::ConsumerScope traced(tracing::EventSpan(row.event, row.event_id, row.traceparent), row.traceparent);
      const std::string* saved = core::tl_job_request_id;
      core::tl_job_request_id = &row.request_id;
      try {
        sub.handler(data);
      } catch (...) {
        core::tl_job_request_id = saved;
        throw;
      }
      core::tl_job_request_id = saved;
      return true;
    } catch (const PayloadRejected& e) {
      rejected = true;
      error = e.what();
      return false;
    } catch (const std::exception& e) {
      error = e.what();
      return false;
    }
  }

  // The body of a batch for a peer (wire version 2): the stored payloads go in as they are.
  static std::string BatchBody(const std::vector<bus::EventRow>& rows) {
    std::string out = "{\"v\":" + std::to_string(kWireVersion) + ",\"events\":[";
    std::size_t size = 0;
    for (const bus::EventRow& r : rows) size += r.payload_json.size() + r.event_id.size() + r.event.size() + 160;
    out.reserve(out.size() + size + 2);
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const bus::EventRow& r = rows[i];
      out += i ? ",{\"id\":" : "{\"id\":";
      tracing::AppendJsonString(r.event_id, out);
      out += ",\"event\":";
      tracing::AppendJsonString(r.event, out);
      out += ",\"data\":";
      out += r.payload_json;
      out += ",\"publisher\":";
      tracing::AppendJsonString(r.publisher, out);
      out += ",\"request_id\":";
      tracing::AppendJsonString(r.request_id, out);
      out += ",\"traceparent\":";
      tracing::AppendJsonString(r.traceparent, out);
      out += '}';
    }
    out += "]}";
    return out;
  }

  // Sends the rows to the peer in one request; returns how many it acknowledged (all of them,
  // or the prefix its answer's "handled" counts when it refused one).
  std::size_t DeliverPeer(Lane& lane, const std::vector<bus::EventRow>& rows, Failure& f) {
    const Peer& peer = *lane.peer;
    std::size_t handled = 0;
    try {
      FetchOptions o;
      o.method = "POST";
      o.timeout_ms = kPeerTimeoutMs;
      o.body = BatchBody(rows);
      o.Header("Content-Type", "application/json");
      // The request carries the first event's request id and trace context (its access line and
      // server span); every event carries its own in the body.
      if (!rows.front().request_id.empty()) o.Header("X-Request-Id", rows.front().request_id);
      if (!rows.front().traceparent.empty()) o.Header("traceparent", rows.front().traceparent);
      core::SignInternalCall(o, "/_lux/events");
      FetchResponse r = Fetch(peer.url + "/_lux/events", o);
      if (r.ok()) {
        handled = rows.size();
        Value answer;
        try {
          answer = ParseJson(r.body);
        } catch (const std::exception&) {
        }
        const Value* n = answer.IsObject() ? answer.Find("handled") : nullptr;
        if (n && n->IsInt() && n->AsInt() >= 0 && static_cast<std::size_t>(n->AsInt()) < rows.size())
          handled = static_cast<std::size_t>(n->AsInt());  // the receiver took a prefix: the rest goes next
        if (handled == 0) {
          f.failed = true;
          f.error = peer.server + " at " + peer.url + " acknowledged none of the batch";
        }
      } else {
        f.failed = true;
        f.error = PeerRefusal(lane, r, handled, rows.size());
      }
    } catch (const PayloadRejected& e) {
      f.failed = true;
      f.rejected = true;
      f.error = e.what();
    } catch (const std::exception& e) {
      f.failed = true;
      f.error = e.what();
    }
    for (std::size_t i = 0; i < handled; ++i) metrics::EventDelivery(rows[i].event, true);
    if (f.failed && handled < rows.size()) metrics::EventDelivery(rows[handled].event, false);
    return handled;
  }

  // Why a peer refused a batch; sets `handled` to the prefix it acknowledged (a 400 naming the
  // malformed event). A 413 halves the lane's batches; an answer without "v" comes from a peer
  // that does not take batches.
  static std::string PeerRefusal(Lane& lane, const FetchResponse& r, std::size_t& handled, std::size_t sent) {
    const Peer& peer = *lane.peer;
    std::string why = peer.server + " at " + peer.url + " answered " + std::to_string(r.status) + ": " + r.body.substr(0, 200);
    if (r.status == 413 && lane.max_rows > 1) {
      lane.max_rows = std::max(1, std::min(lane.max_rows, static_cast<int>(sent)) / 2);
      return why + " (batches of at most " + std::to_string(lane.max_rows) + " events from now on)";
    }
    Value answer;
    try {
      answer = ParseJson(r.body);
    } catch (const std::exception&) {
    }
    const Value* v = answer.IsObject() ? answer.Find("v") : nullptr;
    const Value* n = answer.IsObject() ? answer.Find("handled") : nullptr;
    if (v && n && n->IsInt() && n->AsInt() >= 0 && static_cast<std::size_t>(n->AsInt()) < sent)
      handled = static_cast<std::size_t>(n->AsInt());
    if (!v && (r.status == 400 || r.status == 404))
      why += " (it does not take event batches, wire version " + std::to_string(kWireVersion) +
             ": build the program's servers with the same luxc)";
    return why;
  }

  std::mutex mu_;
  App* app_ = nullptr;
  bool running_ = false;
  bool stop_ = false;
  std::atomic<bool> stopping_{false};  // stop_, read by lanes between the rows of a batch
  server::Deadline drain_until_;  // Stop's deadline for delivering what is due
  EventsConfig config_;
  std::vector<std::unique_ptr<Subscriber>> subscribers_;
  bus::PublishRecorder recorder_;  // set only in a test executable, before anything publishes
  std::vector<std::unique_ptr<Peer>> peers_;
  std::vector<std::unique_ptr<Lane>> lanes_;
  std::shared_ptr<bus::Outbox> box_;
  std::string path_;  // the outbox file
  std::unique_ptr<core::ProcessLease> lease_;  // a file outbox with lanes, serving (Start)
  std::shared_ptr<bus::RedisBus> redis_;
};

// The bus as the App's runtime component.
class BusComponent final : public server::Component {
 public:
  static constexpr server::Order kOrder = server::Order::kBus;
  BusComponent() : Component(kOrder, "bus") {}

  void Open(server::Host& host) override {
    Bus::Get().Open(host.AppName());
    if (host.Mode() == server::RunMode::kServe)
      depth_ = metrics::WatchGauge("lux_events_outbox_depth", "Events waiting in each delivery lane of the outbox.", "lane",
                                   [] { return Bus::Get().OutboxDepth(); });
  }
  void Start(server::Host&) override { Bus::Get().Start(); }
  void Stop(server::Deadline deadline) override { Bus::Get().Stop(deadline); }
  // A swap: the lanes end after the row under way; what is pending stays in the outbox (or the
  // Redis streams) for the new process, which takes the outbox's lease over.
  void HandOver(server::Deadline) override { Bus::Get().Stop(server::Deadline::clock::now()); }
  void Close() override {
    depth_.reset();
    Bus::Get().Close();
  }
  // `check_redis` when the bus is Redis Streams: a PING.
  std::vector<server::ReadinessCheck> ReadinessChecks() override {
    const EventsConfig& c = Bus::Get().config();
    if (c.adapter != "redis") return {};
    std::string url = c.url;
    return {{"redis", [url](server::Deadline deadline) {
               auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
               redis::Ping(url, static_cast<int>(left.count()));
             }}};
  }

 private:
  std::shared_ptr<void> depth_;  // the outbox depth gauge (metrics)
};

void Bus::AddComponent(App& app) { server::Ensure<BusComponent>(app); }
thread_local std::vector<Lane*> Bus::tl_to_wake;

}  // namespace

void RegisterSubscriber(App& app, std::string event, std::function<void(const Value& data)> handler,
                        SubscribeOptions options) {
  Bus::Get().AddSubscriber(app, std::move(event), std::move(handler), options.broadcast);
}

void RegisterPeer(App& app, std::string server, std::vector<std::string> events, std::string default_url,
                  std::string app_name, std::vector<bool> broadcast) {
  Bus::Get().AddPeer(app, std::move(server), std::move(events), std::move(default_url), std::move(app_name),
                     std::move(broadcast));
}

EventsConfig& Events(App& app) {
  Bus::Get().Bind(app);
  return Bus::Get().config();
}

namespace bus {
void SetPublishRecorder(PublishRecorder recorder) { Bus::Get().SetRecorder(std::move(recorder)); }
std::vector<std::string> RunSubscribers(std::string_view event, const Value& data) { return Bus::Get().RunLocal(event, data); }
}  // namespace bus

namespace rt {
std::string Publish(std::string_view event, Value data) { return Bus::Get().Publish(event, std::move(data)); }
}  // namespace rt

}  // namespace lux
