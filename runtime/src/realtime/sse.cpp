// Server-sent events and streamed responses (see lux/realtime.h). One open stream is a
// `Stream` on its connection's fiber: `send` and `close` are lux::Function values bound to it
// (SendFn, CloseFn); `channel.subscribe(send)` finds the stream back through the function's
// target. Channel events come through the realtime hub into the stream's Outbox (SseSink) and
// are written at the handler's next `send` or while it sleeps (QueuedEvents), or, once the
// handler returned, by the serve loop, which also writes a heartbeat comment after
// `heartbeat_ms` of silence. Entry points:
// ConfigureSse, FormatSseEvent, rt::SseResponse, rt::StreamValue, rt::StreamResponse, rt::SseChannel.
#include <chrono>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "core/fiber.h"
#include "lux/realtime.h"
#include "lux/services.h"
#include "realtime/hub.h"
#include "realtime/outbox.h"

namespace lux {

namespace {

constexpr std::string_view kTopicPrefix = "sse:";
constexpr std::string_view kHeartbeat = ": keep-alive\n\n";
// A stream quiet this long after a write gives back the stack pages the write touched (Serve).
constexpr auto kQuietRelease = std::chrono::milliseconds(250);

std::mutex g_mu;
SseOptions g_options;              // the serving App's (ConfigureSse)
std::set<std::string> g_channels;  // every name sse_channel was called with

SseOptions CurrentOptions() {
  std::lock_guard<std::mutex> lock(g_mu);
  return g_options;
}

realtime::Hub& HubNow() {
  if (realtime::Hub* h = realtime::CurrentHub()) return *h;
  static realtime::Hub* local = new realtime::Hub();  // no App serving (a test, a task): this process only
  return *local;
}

std::string Topic(std::string_view channel) { return std::string(kTopicPrefix) + std::string(channel); }

bool HasLineBreak(std::string_view s) { return s.find_first_of("\r\n") != std::string_view::npos || s.find('\0') != std::string_view::npos; }

// `data:` lines: CRLF, CR and LF all end a line (the event-stream parser splits on each).
void AppendData(std::string& out, std::string_view data) {
  std::size_t i = 0;
  for (;;) {
    std::size_t end = data.find_first_of("\r\n", i);
    out += "data: ";
    out.append(data.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i));
    out += '\n';
    if (end == std::string_view::npos) break;
    i = end + (data[end] == '\r' && end + 1 < data.size() && data[end + 1] == '\n' ? 2 : 1);
  }
}

bool IsEventObject(const Value& v) {
  if (!v.IsObject() || !v.Find("data")) return false;
  for (const auto& [k, x] : v.AsObject())
    if (k != "data" && k != "type" && k != "event" && k != "id" && k != "retry") return false;
  return true;
}

std::string Scalar(const Value& v) { return v.IsString() ? v.AsString() : ToJson(v); }

// An open SSE stream or `stream(...)` body, alive while its producer runs.
struct Stream {
  BodyWriter* out = nullptr;  // null once the producer returned
  bool sse = true;
  bool closed = false;
  std::thread::id owner = std::this_thread::get_id();
  std::shared_ptr<realtime::Outbox> box;
  std::vector<realtime::Subscription> subs;
  std::uint64_t connection = realtime::NextConnectionId();

  bool Ended() const { return !out || closed || !out->Alive() || out->Stopping(); }

  realtime::Outbox& Box() {
    if (!box) {
      SseOptions o = CurrentOptions();
      box = std::make_shared<realtime::Outbox>(realtime::OutboxLimits{o.max_queue, o.max_queue_bytes});
    }
    return *box;
  }

  // Writes what channels queued meanwhile; false once the client is gone.
  bool FlushQueued() {
    if (!box) return true;
    std::vector<realtime::Outbox::Payload> queued;
    box->TakeAll(queued);
    for (const auto& p : queued)
      if (!out->Write(*p)) return false;
    return true;
  }

  void Subscribe(const std::string& channel);
};

class SseSink final : public realtime::Sink {
 public:
  SseSink(std::shared_ptr<realtime::Outbox> box, std::uint64_t connection) : box_(std::move(box)), connection_(connection) {}
  void Deliver(std::shared_ptr<const std::string> payload, std::uint64_t) override { box_->Push(std::move(payload)); }
  std::uint64_t ConnectionId() const override { return connection_; }

 private:
  std::shared_ptr<realtime::Outbox> box_;
  std::uint64_t connection_;
};

void Stream::Subscribe(const std::string& channel) {
  Box();
  subs.push_back(HubNow().Subscribe(Topic(channel), std::make_shared<SseSink>(box, connection)));
}

// Calls from elsewhere than the stream's own handler (a job, another request that kept the
// function) cannot write to its connection.
void CheckOwner(const Stream& s, const char* what) {
  if (s.owner != std::this_thread::get_id() || !s.out)
    throw Error(std::string(what) + ": called outside the handler of its stream");
}

struct SendFn {
  std::shared_ptr<Stream> s;
  Value operator()(const std::vector<Value>& args) const {
    if (args.size() != 1) throw Error("send: takes one argument (an event or its data), got " + std::to_string(args.size()));
    CheckOwner(*s, "send");
    if (s->Ended()) throw StreamEnded{};
    std::string bytes = s->sse ? FormatSseEvent(args[0]) : Scalar(args[0]);
    if (!s->FlushQueued() || !s->out->Write(bytes)) throw StreamEnded{};
    return Value(true);
  }
};

struct CloseFn {
  std::shared_ptr<Stream> s;
  Value operator()(const std::vector<Value>&) const {
    s->closed = true;
    return Value();
  }
};

// After the handler returned without close(): channel events and heartbeats until the client
// leaves or the server stops.
void Serve(Stream& s, std::int64_t heartbeat_ms) {
  realtime::Outbox& box = s.Box();
  s.out->OnEnd([b = s.box] { b->Close(); });
  auto every = std::chrono::milliseconds(std::max<std::int64_t>(heartbeat_ms, 1));
  core::ReleaseIdleStack();  // the handler's frames are gone: an idle stream keeps one page
  bool touched = false;  // a write went deeper than the wait since the pages were last given back
  auto beat = std::chrono::steady_clock::now() + every;
  while (!s.Ended()) {
    // After a write, the wait wakes once the stream was quiet for kQuietRelease to give back the
    // pages the write touched; a busy stream keeps them rather than pay for it on every event.
    auto now = std::chrono::steady_clock::now();
    bool got = box.Wait(touched ? std::min(beat, now + kQuietRelease) : beat);
    if (s.Ended()) break;
    if (!got && std::chrono::steady_clock::now() < beat) {
      core::ReleaseIdleStack();
      touched = false;
      continue;
    }
    if (got ? !s.FlushQueued() : !s.out->Write(kHeartbeat)) break;
    touched = true;
    beat = std::chrono::steady_clock::now() + every;
  }
}

// While an SSE handler sleeps, the events of the channels it subscribed to are written as they
// come (core::IdleWork, called from Sleep on the handler's fiber, never inside a write).
class QueuedEvents final : public core::IdleWork {
 public:
  explicit QueuedEvents(Stream& s) : s_(s) {}
  bool WaitUntil(std::chrono::steady_clock::time_point deadline) override {
    if (!s_.box || s_.Ended()) return false;
    return s_.box->Wait(deadline);
  }
  bool Run() override { return !s_.Ended() && s_.FlushQueued(); }

 private:
  Stream& s_;
};

// Installs QueuedEvents on the handler's fiber for as long as the handler runs.
class IdleWorkScope {
 public:
  IdleWorkScope(core::Fiber* f, core::IdleWork* work) : f_(f) {
    if (f_) {
      saved_ = f_->idle;
      f_->idle = work;
    }
  }
  ~IdleWorkScope() {
    if (f_) f_->idle = saved_;
  }
  IdleWorkScope(const IdleWorkScope&) = delete;
  IdleWorkScope& operator=(const IdleWorkScope&) = delete;

 private:
  core::Fiber* f_;
  core::IdleWork* saved_ = nullptr;
};

// A failed call the handler kept (lux/services.h) is taken as it returns, before anything here
// may wait, and returned.
std::optional<CallResult> RunStream(const std::shared_ptr<Stream>& s, const std::function<void(const Value&, const Value&)>& body) {
  Value send(Function(SendFn{s}));
  Value close(Function(CloseFn{s}));
  QueuedEvents queued(*s);
  core::Fiber* fiber = s->sse && core::tl_fiber && core::tl_fiber->yield ? core::tl_fiber : nullptr;
  IdleWorkScope scope(fiber, &queued);
  try {
    body(send, close);
    return rt::TakeCallFailure();
  } catch (const StreamEnded&) {
    // the client left, close() was called or the server is stopping: the handler is done
  }
  return std::nullopt;
}

std::int64_t PositiveInt(const Value& options, const char* name, std::int64_t lowest, std::int64_t fallback) {
  const Value* v = options.IsObject() ? options.Find(name) : nullptr;
  if (!v || v->IsNull()) return fallback;
  if (!v->IsInt() || v->AsInt() < lowest)
    throw StartupError("sse: `" + std::string(name) + "` must be an Int >= " + std::to_string(lowest) + ", got " + ToJson(*v));
  return v->AsInt();
}

}  // namespace

void ConfigureSse(App& app, const Value& options) {
  realtime::HubOf(app);  // the realtime component serves the channels
  if (const Value* a = options.IsObject() ? options.Find("adapter") : nullptr; a && a->IsString()) {
    realtime::HubOptions& h = realtime::RealtimeOptions(app);
    h.adapter = a->AsString();
    if (const Value* u = options.Find("url"); u && u->IsString()) h.url = u->AsString();
  }
  SseOptions o;
  o.heartbeat_ms = PositiveInt(options, "heartbeat", 1, o.heartbeat_ms / 1000) * 1000;
  if (const Value* ms = options.IsObject() ? options.Find("heartbeat_ms") : nullptr; ms && !ms->IsNull())
    o.heartbeat_ms = PositiveInt(options, "heartbeat_ms", 1, o.heartbeat_ms);
  o.retry_ms = PositiveInt(options, "retry", 0, o.retry_ms);
  o.max_queue = static_cast<std::size_t>(PositiveInt(options, "max_queue", 1, static_cast<std::int64_t>(o.max_queue)));
  o.max_queue_bytes =
      static_cast<std::size_t>(PositiveInt(options, "max_queue_bytes", 1, static_cast<std::int64_t>(o.max_queue_bytes)));
  std::lock_guard<std::mutex> lock(g_mu);
  g_options = o;
}

std::string FormatSseEvent(const Value& event) {
  std::string out;
  if (!IsEventObject(event)) {
    AppendData(out, Scalar(event));
    out += '\n';
    return out;
  }
  const Value* name = event.Find("type");
  if (!name || name->IsNull()) name = event.Find("event");
  if (name && !name->IsNull()) {
    std::string n = Scalar(*name);
    if (HasLineBreak(n)) throw Error("send: the event's type has a line break");
    out += "event: " + n + "\n";
  }
  if (const Value* id = event.Find("id"); id && !id->IsNull()) {
    std::string i = Scalar(*id);
    if (HasLineBreak(i)) throw Error("send: the event's id has a line break");
    out += "id: " + i + "\n";
  }
  if (const Value* retry = event.Find("retry"); retry && !retry->IsNull()) {
    if (!retry->IsInt() || retry->AsInt() < 0) throw Error("send: the event's retry must be an Int >= 0 (milliseconds)");
    out += "retry: " + std::to_string(retry->AsInt()) + "\n";
  }
  AppendData(out, Scalar(*event.Find("data")));
  out += '\n';
  return out;
}

namespace rt {

Response SseResponse(Request& req, SseHandler handler) {
  (void)req;
  Response res;
  res.status = 200;
  res.headers.Set("Content-Type", "text/event-stream");
  res.headers.Set("Cache-Control", "no-cache");
  res.headers.Set("X-Accel-Buffering", "no");  // nginx: pass events on as they come
  res.StreamBody([handler = std::move(handler)](BodyWriter& out) {
    SseOptions o = CurrentOptions();
    auto s = std::make_shared<Stream>();
    s->out = &out;
    if (o.retry_ms > 0 && !out.Write("retry: " + std::to_string(o.retry_ms) + "\n\n")) return;
    if (std::optional<CallResult> failed = RunStream(s, handler)) {
      s->subs.clear();
      s->out = nullptr;
      rt::DeferCallFailure(std::move(*failed));  // kept again for the server's writer (RunProducer)
      return;
    }
    if (!s->Ended()) {
      // The family's channel form: a handler that subscribed to nothing hears every channel.
      if (s->subs.empty()) {
        std::set<std::string> all;
        {
          std::lock_guard<std::mutex> lock(g_mu);
          all = g_channels;
        }
        for (const std::string& c : all) s->Subscribe(c);
      }
      if (s->FlushQueued()) {
        // Only waiting is left: it runs after the request's frames unwound (BodyWriter::Defer).
        s->out = nullptr;
        out.Defer([s, heartbeat_ms = o.heartbeat_ms](BodyWriter& rest) {
          s->out = &rest;
          Serve(*s, heartbeat_ms);
          s->subs.clear();
          s->out = nullptr;
        });
        return;
      }
    }
    s->subs.clear();
    s->out = nullptr;
  });
  return res;
}

Value StreamValue(const Value& producer) {
  if (!producer.IsFunction()) throw Error("stream: takes a function fn(send, close)");
  return Value{{"$status", Value(200)}, {"$stream", producer}};
}

Response StreamResponse(const Value& v) {
  Response res;
  res.status = static_cast<int>(v["$status"].AsInt());
  res.headers.Set("Content-Type", "text/plain; charset=utf-8");
  Value fn = v["$stream"];
  res.StreamBody([fn](BodyWriter& out) {
    auto s = std::make_shared<Stream>();
    s->out = &out;
    s->sse = false;
    RunStream(s, [&fn](const Value& send, const Value& close) { fn.Call({send, close}); });
    s->out = nullptr;
  });
  return res;
}

Value SseChannel(const std::string& name) {
  if (name.empty()) throw Error("sse_channel: the name is empty");
  {
    std::lock_guard<std::mutex> lock(g_mu);
    g_channels.insert(name);
  }
  Value ch = Value::MakeObject();
  ch["name"] = Value(name);
  ch["send"] = Value(Function([name](const std::vector<Value>& args) {
    if (args.size() != 1) throw Error("channel.send: takes one argument (an event or its data)");
    // Framed once for every subscriber (of every replica).
    HubNow().Publish(Topic(name), FormatSseEvent(args[0]));
    return Value();
  }));
  ch["count"] = Value(Function([name](const std::vector<Value>&) {
    return Value(static_cast<std::int64_t>(HubNow().Count(Topic(name))));
  }));
  ch["subscribe"] = Value(Function([name](const std::vector<Value>& args) {
    const SendFn* send = args.size() == 1 && args[0].IsFunction() ? args[0].AsFunction().target<SendFn>() : nullptr;
    if (!send || !send->s->sse) throw Error("channel.subscribe: takes the `send` of an sse handler");
    CheckOwner(*send->s, "channel.subscribe");
    send->s->Subscribe(name);
    return Value();
  }));
  return ch;
}

}  // namespace rt
}  // namespace lux
