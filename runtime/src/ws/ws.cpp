// WebSocket endpoints: the upgrade route (426/400/403 as JSON for what cannot be upgraded), the
// connection it hands the socket to (server::Takeover, run on the connection's fiber: Beast's
// websocket stream reads, validates and reassembles frames and answers pings and closes), each
// connection's bounded outbox and its writer, pings and the idle timeout, the close 1001 of a
// graceful stop, and the rooms behind join/leave/broadcast/broadcast_to.
// Entry points: RegisterWebSocket, ws::Join, ws::Leave, ws::Broadcast, ws::BroadcastTo.
#include "lux/ws.h"

#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <unordered_map>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/context/detail/exception.hpp>

#include "core/fiber.h"
#include "core/ids.h"
#include "core/log.h"
#include "http/block_options.h"
#include "http/cors.h"
#include "realtime/hub.h"
#include "server/app_impl.h"
#include "ws/transport.h"
#include "ws/utf8.h"

namespace lux {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bws = boost::beast::websocket;
namespace bhttp = boost::beast::http;
using Clock = std::chrono::steady_clock;

namespace ws {
namespace {

constexpr const char* kBlock = "ws";

struct Options {
  std::int64_t max_message = kWsDefaultMaxMessage;
  std::int64_t ping_interval_ms = kWsDefaultPingIntervalS * 1000;
  std::int64_t idle_timeout_ms = kWsDefaultIdleTimeoutS * 1000;
  std::int64_t max_queue = kWsDefaultMaxQueue;
  std::int64_t max_queue_bytes = kWsDefaultMaxQueueBytes;
  std::vector<std::string> protocols;  // subprotocols the endpoint speaks, in preference order
};

Options ParseOptions(const Value& o) {
  Options out;
  if (!o.IsObject()) return out;
  if (const Value* v = o.Find("max_message")) out.max_message = http::BlockInt(*v, kBlock, "max_message", 1, INT32_MAX);
  if (const Value* v = o.Find("ping_interval")) out.ping_interval_ms = http::BlockMs(*v, kBlock, "ping_interval");
  if (const Value* v = o.Find("idle_timeout")) out.idle_timeout_ms = http::BlockMs(*v, kBlock, "idle_timeout");
  if (const Value* v = o.Find("max_queue")) out.max_queue = http::BlockInt(*v, kBlock, "max_queue", 1, 1'000'000);
  if (const Value* v = o.Find("protocols")) out.protocols = http::BlockStrings(*v, kBlock, "protocols");
  if (out.ping_interval_ms >= out.idle_timeout_ms)
    throw StartupError("`ws` option `ping_interval` must be shorter than `idle_timeout`");
  return out;
}

// What a connection's outbox holds: one frame, its kind in the first byte ('t' text, 'b' binary),
// so that the hub carries one string per message to every replica.
using Payload = std::shared_ptr<const std::string>;

Payload Frame(const Value& message, bool binary) {
  auto out = std::make_shared<std::string>();
  if (message.IsString()) {
    const std::string& s = message.AsString();
    out->reserve(s.size() + 1);
    out->push_back(binary || !ValidUtf8(s) ? 'b' : 't');
    out->append(s);
  } else {
    out->push_back(binary ? 'b' : 't');
    out->append(ToJson(message));
  }
  return out;
}

// Hub topics: every WebSocket of the server, and one per room.
constexpr std::string_view kAllTopic = "ws:*";
std::string RoomTopic(std::string_view room) { return "ws:room:" + std::string(room); }

// One `ws` endpoint: its hooks and options (shared by its connections).
struct Endpoint {
  Options opts;
  WsHooks hooks;
  realtime::Hub* hub = nullptr;  // the App's hub: rooms and broadcasts go through it
};

// The items of a comma-separated header list, trimmed.
std::vector<std::string> SplitTokens(std::string_view list) {
  std::vector<std::string> out;
  while (!list.empty()) {
    std::size_t comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (!item.empty()) out.emplace_back(item);
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
  }
  return out;
}

class Connection;

// The open connections of this process by id (a connection's value carries its id), for
// join/leave and `except`.
class Registry {
 public:
  static Registry& Get() {
    static Registry r;
    return r;
  }
  void Add(const std::string& id, const std::shared_ptr<Connection>& c) {
    std::lock_guard<std::mutex> lock(mu_);
    by_id_[id] = c;
  }
  void Remove(const std::string& id) {
    std::lock_guard<std::mutex> lock(mu_);
    by_id_.erase(id);
  }
  std::shared_ptr<Connection> Find(const std::string& id) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = by_id_.find(id);
    return it == by_id_.end() ? nullptr : it->second.lock();
  }
  std::size_t Size() {
    std::lock_guard<std::mutex> lock(mu_);
    return by_id_.size();
  }

 private:
  std::mutex mu_;
  std::unordered_map<std::string, std::weak_ptr<Connection>> by_id_;
};

// The close code a failed read ends with (Beast sent it already), for on_close.
std::int64_t FailureCode(const boost::system::error_code& ec) {
  if (ec == bws::error::message_too_big || ec == bws::error::buffer_overflow) return 1009;
  if (ec == bws::error::bad_frame_payload) return 1007;
  if (ec.category() == bws::make_error_code(bws::error::closed).category()) return 1002;
  return 1006;  // the connection dropped without a close frame
}

bool ValidCloseCode(std::int64_t code) {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1013) || (code >= 3000 && code <= 4999);
}

// One open WebSocket. The fiber that accepted it reads and runs the hooks. Everything sent goes
// through the connection's Outbox (realtime/outbox.h: bounded, the oldest dropped when full) —
// a hook's send, a broadcast from a job or another replica — and its writer, a chain of Beast
// writes on the connection's I/O thread that also sends the pings and the close, so no two writes
// overlap and a slow client holds up no one.
class Connection final : public realtime::Sink, public std::enable_shared_from_this<Connection> {
 public:
  Connection(std::shared_ptr<const Endpoint> ep, server::Socket& sock, http::TlsConnection* tls)
      : ep_(std::move(ep)), opts_(ep_->opts), hooks_(ep_->hooks),
        ioc_(static_cast<asio::io_context&>(sock.get_executor().context())), ws_(sock, tls), timer_(ioc_),
        writer_done_(ioc_), outbox_(realtime::OutboxLimits{static_cast<std::size_t>(opts_.max_queue),
                                                           static_cast<std::size_t>(opts_.max_queue_bytes)}),
        conn_id_(realtime::NextConnectionId()), id_(core::NewRequestId()) {}

  std::uint64_t ConnectionId() const override { return conn_id_; }

  // Any thread, never blocks.
  void Deliver(Payload payload, std::uint64_t) override {
    if (!outbox_.Push(std::move(payload))) return;
    if (outbox_.dropped() > 0 && !warned_drop_.exchange(true))
      core::Log(LogLevel::kWarn, "websocket client too slow: its oldest queued messages are dropped", {{"ws", id_}});
    Kick();
  }

  void Send(const Value& message, bool binary) { Deliver(Frame(message, binary), 0); }

  void Close(std::int64_t code, const std::string& reason) {
    if (!ValidCloseCode(code))
      throw Error("close code " + std::to_string(code) + " is not one a server may send (1000-1003, 1007-1013, 3000-4999)");
    if (reason.size() > 123) throw Error("a close reason is at most 123 bytes");
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (finished_ || close_code_) return;
      close_code_ = static_cast<std::uint16_t>(code);
      close_reason_ = reason;
    }
    Kick();
  }

  // `join(ws, room)` / `leave(ws, room)`.
  void Join(const std::string& room) {
    realtime::Hub* hub = hub_;
    if (!hub) return;
    std::lock_guard<std::mutex> lock(mu_);
    if (finished_ || rooms_.count(room)) return;
    rooms_.emplace(room, hub->Subscribe(RoomTopic(room), shared_from_this()));
  }
  void Leave(const std::string& room) {
    realtime::Subscription gone;
    std::lock_guard<std::mutex> lock(mu_);
    auto it = rooms_.find(room);
    if (it == rooms_.end()) return;
    gone = std::move(it->second);
    rooms_.erase(it);
  }

  void Serve(Request& req, const Headers& extra, asio::yield_context yield, server::ConnState& state, realtime::Hub* hub) {
    if (!Accept(req, extra, yield, state)) return;
    auto self = shared_from_this();
    hub_ = hub;
    value_ = MakeValue();
    Registry::Get().Add(id_, self);
    if (hub_) all_ = hub_->Subscribe(std::string(kAllTopic), self);
    std::weak_ptr<Connection> weak = self;
    state.on_drain = [weak] {
      if (auto c = weak.lock()) c->Close(1001, "server shutting down");
    };
    core::Fiber fiber{&yield, &ioc_, &req, std::nullopt, nullptr};
    core::tl_fiber = &fiber;
    last_read_ = Clock::now();
    ArmTimer();
    RunHook("on_open", [&] {
      if (hooks_.on_open) hooks_.on_open(value_);
    });
    ReleaseStackPages(&state);
    boost::system::error_code ec = ReadLoop(yield, fiber);
    std::int64_t code = 1006;
    std::string reason;
    if (ec == bws::error::closed) {
      code = ws_.reason().code == bws::close_code::none ? 1005 : ws_.reason().code;
      reason = std::string(ws_.reason().reason.data(), ws_.reason().reason.size());
    } else {
      code = FailureCode(ec);
      if (code != 1006 && hooks_.on_error) RunHook("on_error", [&] { hooks_.on_error(value_, ec.message()); });
    }
    Finish(yield);
    core::tl_fiber = &fiber;
    RunHook("on_close", [&] {
      if (hooks_.on_close) hooks_.on_close(value_, code, reason);
    });
    core::tl_fiber = nullptr;
  }

 private:
  // What Beast writes on the 101 itself, or what describes a body it does not have: not copied
  // from the request path's headers.
  static bool OwnedBy101(std::string_view name) {
    for (std::string_view own : {"connection", "upgrade", "content-length", "content-type", "transfer-encoding", "server",
                                 "x-request-id", "sec-websocket-accept", "sec-websocket-protocol",
                                 "sec-websocket-extensions", "sec-websocket-version"})
      if (IEquals(name, own)) return true;
    return false;
  }

  bool Accept(Request& req, const Headers& extra, asio::yield_context& yield, server::ConnState& state) {
    bhttp::request<bhttp::empty_body> breq;
    breq.method(bhttp::verb::get);
    breq.target(req.target);
    breq.version(11);
    for (const auto& [k, v] : req.headers) breq.insert(k, v);
    std::string protocol = ChooseProtocol(req);
    std::string request_id = req.id;
    std::vector<Headers::Entry> added;  // a group's `(req, res)` middleware, CORS, ...: as on a route's answer
    for (const auto& [k, v] : extra)
      if (!OwnedBy101(k)) added.emplace_back(k, v);
    ws_.set_option(bws::stream_base::decorator([protocol, request_id, added = std::move(added)](bws::response_type& res) {
      res.set(bhttp::field::server, "lux");
      res.set("X-Request-Id", request_id);
      for (const auto& [k, v] : added) res.insert(k, v);
      if (!protocol.empty()) res.set(bhttp::field::sec_websocket_protocol, protocol);
    }));
    ws_.read_message_max(static_cast<std::size_t>(opts_.max_message));
    ws_.auto_fragment(false);
    ws_.control_callback([this](bws::frame_type, beast::string_view) { last_read_ = Clock::now(); });
    boost::system::error_code ec;
    state.deadline = Clock::now() + std::chrono::seconds(10);  // the 101 must go out (the tick cuts a stall)
    ws_.async_accept(breq, yield[ec]);
    state.deadline = Clock::time_point::max();
    if (ec) core::Log(LogLevel::kDebug, "websocket handshake failed", {{"error", ec.message()}});
    return !ec;
  }

  // `bearer` when the token came that way (Sec-WebSocket-Protocol: bearer, <token>), else the
  // first protocol the client offers that the endpoint speaks.
  std::string ChooseProtocol(const Request& req) const {
    auto offered = req.headers.Get("Sec-WebSocket-Protocol");
    if (!offered) return "";
    std::vector<std::string> list = SplitTokens(*offered);
    if (list.size() >= 2 && IEquals(list[0], "bearer")) return list[0];
    for (const std::string& p : list)
      if (std::find(opts_.protocols.begin(), opts_.protocols.end(), p) != opts_.protocols.end()) return p;
    return "";
  }

  Value MakeValue() {
    std::weak_ptr<Connection> weak = shared_from_this();
    Value v = Value::MakeObject();
    v["id"] = id_;
    v["data"] = Value::MakeObject();
    auto sender = [weak](bool binary) {
      return Value(Function([weak, binary](const std::vector<Value>& args) -> Value {
        auto c = weak.lock();
        if (!c) return Value(false);
        c->Send(args.empty() ? Value("") : args[0], binary);
        return Value(true);
      }));
    };
    v["send"] = sender(false);
    v["send_binary"] = sender(true);
    v["close"] = Value(Function([weak](const std::vector<Value>& args) -> Value {
      auto c = weak.lock();
      if (!c) return Value();
      std::int64_t code = args.size() > 0 && args[0].IsInt() ? args[0].AsInt() : 1000;
      std::string reason = args.size() > 1 && args[1].IsString() ? args[1].AsString() : "";
      c->Close(code, reason);
      return Value();
    }));
    return v;
  }

  template <typename F>
  void RunHook(const char* which, F&& f) {
    std::string error;
    try {
      f();
      return;
    } catch (const boost::context::detail::forced_unwind&) {
      throw;
    } catch (const std::exception& e) {
      error = e.what();
    } catch (...) {
      error = "unknown exception";
    }
    core::Log(LogLevel::kError, "websocket hook failed", {{"hook", which}, {"ws", id_}, {"error", error}});
    if (std::string_view(which) == "on_error" || std::string_view(which) == "on_close" || !hooks_.on_error) return;
    try {
      hooks_.on_error(value_, error);
    } catch (const boost::context::detail::forced_unwind&) {
      throw;
    } catch (...) {
      core::Log(LogLevel::kError, "websocket hook failed", {{"hook", "on_error"}, {"ws", id_}});
    }
  }

  // The handshake and the request before it ran deep in the fiber's stack; an idle connection then
  // only needs the few frames above its read. The pages below the current frame are returned to
  // the kernel (they fault back in as zeros when used again), so 10,000 idle connections do not keep
  // their deepest moment resident. `near_top` is an object of the session, which lives at the top
  // of the fiber's stack: the stack spans kFiberStackBytes below it (a guard page further down).
  static void ReleaseStackPages(const void* near_top) {
    const std::uintptr_t page = 4096;
    auto top = reinterpret_cast<std::uintptr_t>(near_top);
    char here = 0;
    auto sp = reinterpret_cast<std::uintptr_t>(&here);
    if (sp >= top || top - sp > core::kFiberStackBytes) return;  // not on the session's fiber
    std::uintptr_t low = (top - core::kFiberStackBytes + 4 * page + page - 1) & ~(page - 1);
    std::uintptr_t high = (sp - 2 * page) & ~(page - 1);
    if (high > low) ::madvise(reinterpret_cast<void*>(low), high - low, MADV_DONTNEED);
  }

  boost::system::error_code ReadLoop(asio::yield_context& yield, core::Fiber& fiber) {
    beast::flat_buffer buf;
    boost::system::error_code ec;
    for (;;) {
      ws_.async_read(buf, yield[ec]);
      core::tl_fiber = &fiber;
      if (ec) return ec;
      last_read_ = Clock::now();
      bool binary = ws_.got_binary();
      Value message(beast::buffers_to_string(buf.data()));
      buf.consume(buf.size());
      if (buf.capacity() > (64 << 10)) buf.shrink_to_fit();
      RunHook("on_message", [&] {
        if (hooks_.on_message) hooks_.on_message(value_, message, binary);
      });
    }
  }

  // The read side ended: no more sends, out of every room, and the writer waited for (it uses the
  // socket, which the session closes once Serve returns).
  void Finish(asio::yield_context& yield) {
    Registry::Get().Remove(id_);
    std::map<std::string, realtime::Subscription> rooms;
    realtime::Subscription all;
    bool wait = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      finished_ = true;
      rooms.swap(rooms_);
      all = std::move(all_);
      wait = writing_;
    }
    outbox_.Close();
    timer_.cancel();
    boost::system::error_code ec;
    if (wait) {
      ws_.next_layer().cancel(ec);
      auto writing = [this] {
        std::lock_guard<std::mutex> lock(mu_);
        return writing_;
      };
      while (writing()) {
        writer_done_.expires_at(Clock::time_point::max());
        writer_done_.async_wait(yield[ec]);
      }
    }
  }

  // Any thread: starts the writer unless it runs. On the connection's own I/O thread (a hook's
  // send) it starts at once: the write is tried on the socket right away instead of after a
  // trip through the scheduler.
  void Kick() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (writing_ || finished_) return;
      writing_ = true;
    }
    if (ioc_.get_executor().running_in_this_thread()) WriteNext();
    else asio::post(ioc_, [self = shared_from_this()] { self->WriteNext(); });
  }

  // The I/O thread: sends a pending ping, else the next queued message, else the close; or stops.
  void WriteNext() {
    enum { kNone, kPing, kData, kClose } what = kNone;
    Payload data;
    std::uint16_t code = 0;
    std::string reason;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (finished_ || broken_) {
        writing_ = false;
        writer_done_.cancel();
        return;
      }
      if (ping_pending_) {
        ping_pending_ = false;
        what = kPing;
      } else if (NextQueued(data)) {
        what = kData;
      } else if (close_code_ && !close_started_) {
        close_started_ = true;
        what = kClose;
        code = close_code_;
        reason = close_reason_;
      } else {
        writing_ = false;
        return;
      }
    }
    auto self = shared_from_this();
    auto done = [self, what](boost::system::error_code ec) {
      if (ec) {
        std::lock_guard<std::mutex> lock(self->mu_);
        self->broken_ = true;
      }
      if (what == kClose) self->CloseSent();
      self->WriteNext();
    };
    switch (what) {
      case kPing: ws_.async_ping({}, done); break;
      case kData:
        ws_.binary((*data)[0] == 'b');
        ws_.async_write(asio::buffer(data->data() + 1, data->size() - 1),
                        [done, data](boost::system::error_code ec, std::size_t) { done(ec); });
        break;
      case kClose:
        ws_.async_close(bws::close_reason(static_cast<bws::close_code>(code), beast::string_view(reason)), done);
        break;
      case kNone: break;
    }
  }

  // The next message taken from the outbox (mu_ held); false when there is none.
  bool NextQueued(Payload& out) {
    if (batch_pos_ == batch_.size()) {
      batch_.clear();
      batch_pos_ = 0;
      if (outbox_.TakeAll(batch_) == 0) return false;
    }
    out = std::move(batch_[batch_pos_++]);
    return true;
  }

  // The close went out: the client has kWsCloseTimeoutMs to answer.
  void CloseSent() {
    close_sent_ = Clock::now();
    timer_.cancel();
    ArmTimer();
  }

  // Wakes when the client's silence reaches the ping interval (to ping it), then the idle timeout
  // (to close it), or at the close timeout once closing. Measured from the last frame read, so a
  // client that answers each ping is never closed.
  void ArmTimer() {
    auto next = close_sent_ != Clock::time_point() ? close_sent_ + std::chrono::milliseconds(kWsCloseTimeoutMs)
                : pinged_at_ > last_read_         ? last_read_ + std::chrono::milliseconds(opts_.idle_timeout_ms)
                                                  : last_read_ + std::chrono::milliseconds(opts_.ping_interval_ms);
    timer_.expires_at(next);
    std::weak_ptr<Connection> weak = shared_from_this();
    timer_.async_wait([weak](boost::system::error_code ec) {
      auto c = weak.lock();
      if (!c || ec) return;
      c->OnTimer();
    });
  }

  void OnTimer() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (finished_) return;
    }
    auto now = Clock::now();
    boost::system::error_code ec;
    if (close_sent_ != Clock::time_point() || now - last_read_ >= std::chrono::milliseconds(opts_.idle_timeout_ms)) {
      ws_.next_layer().cancel(ec);  // the read ends: on_close with 1006
      return;
    }
    if (now - last_read_ >= std::chrono::milliseconds(opts_.ping_interval_ms) && pinged_at_ <= last_read_) {
      pinged_at_ = now;
      {
        std::lock_guard<std::mutex> lock(mu_);
        ping_pending_ = true;
      }
      Kick();
    }
    ArmTimer();
  }

  std::shared_ptr<const Endpoint> ep_;
  const Options& opts_;
  const WsHooks& hooks_;
  asio::io_context& ioc_;
  bws::stream<Transport> ws_;  // over the socket, or its TLS session
  asio::steady_timer timer_;        // pings, idle and close timeouts
  asio::steady_timer writer_done_;  // Finish waits on it for the writer
  realtime::Outbox outbox_;
  std::uint64_t conn_id_;
  std::string id_;
  realtime::Hub* hub_ = nullptr;
  Value value_;
  Clock::time_point last_read_;
  Clock::time_point close_sent_;
  Clock::time_point pinged_at_;  // the last ping sent (none since last_read_ when not after it)
  std::atomic<bool> warned_drop_{false};

  std::mutex mu_;  // what follows
  std::vector<Payload> batch_;  // taken from the outbox; from batch_pos_ on not yet written
  std::size_t batch_pos_ = 0;
  std::map<std::string, realtime::Subscription> rooms_;
  realtime::Subscription all_;
  bool writing_ = false;
  bool finished_ = false;
  bool broken_ = false;
  bool ping_pending_ = false;
  std::uint16_t close_code_ = 0;  // set: close once the queue is written
  bool close_started_ = false;
  std::string close_reason_;
};

// What the upgrade route leaves behind: the endpoint whose connection takes the socket over.
class EndpointTakeover final : public server::Takeover {
 public:
  explicit EndpointTakeover(std::shared_ptr<Endpoint> ep) : ep_(std::move(ep)) {}
  void Run(server::Socket& socket, Request& req, asio::yield_context yield, server::ConnState& state) override {
    auto c = std::make_shared<Connection>(ep_, socket, state.tls);
    c->Serve(req, response_headers, yield, state, ep_->hub);
  }

 private:
  std::shared_ptr<Endpoint> ep_;  // kept alive while a connection uses its hooks
};

Response WsError(int status, const std::string& message, const Request& req) {
  Value body = Value::MakeObject();
  body["error"] = message;
  body["request_id"] = req.id;
  return Respond(status, body);
}

bool HasToken(std::string_view list, std::string_view token) {
  for (const std::string& item : SplitTokens(list))
    if (IEquals(item, token)) return true;
  return false;
}

bool IsUpgrade(const Request& req) {
  auto upgrade = req.headers.Get("Upgrade");
  auto connection = req.headers.Get("Connection");
  return req.method == "GET" && upgrade && HasToken(*upgrade, "websocket") && connection && HasToken(*connection, "upgrade");
}

// A browser cannot set Authorization on a WebSocket: the token may come as the subprotocol
// (`new WebSocket(url, ["bearer", token])`) or as `?token=`; only on an upgrade, and only when
// the request has no Authorization of its own.
Middleware TokenFromUpgrade() {
  return [](Request& req, const Next& next) {
    if (IsUpgrade(req) && !req.headers.Has("Authorization")) {
      std::string token;
      if (auto p = req.headers.Get("Sec-WebSocket-Protocol")) {
        std::string_view list = *p;
        std::size_t comma = list.find(',');
        std::string_view first = list.substr(0, comma);
        while (!first.empty() && first.back() == ' ') first.remove_suffix(1);
        if (comma != std::string_view::npos && IEquals(first, "bearer")) {
          std::string_view rest = list.substr(comma + 1);
          while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
          token = std::string(rest.substr(0, rest.find(',')));
          while (!token.empty() && token.back() == ' ') token.pop_back();
        }
      }
      if (token.empty()) token = req.Query("token").value_or("");
      if (!token.empty()) req.headers.Set("Authorization", "Bearer " + token);
    }
    return next(req);
  };
}

Response Upgrade(App& app, const std::shared_ptr<Endpoint>& ep, Request& req) {
  if (!IsUpgrade(req)) {
    Response res = WsError(426, "this endpoint takes WebSocket connections (a GET with `Upgrade: websocket`)", req);
    res.SetHeader("Upgrade", "websocket");
    return res;
  }
  if (req.Header("Sec-WebSocket-Version").value_or("") != "13") {
    Response res = WsError(426, "unsupported WebSocket version (13 is supported)", req);
    res.SetHeader("Sec-WebSocket-Version", "13");
    return res;
  }
  std::string key = req.Header("Sec-WebSocket-Key").value_or("");
  if (key.size() != 24 || key[22] != '=' || key[23] != '=') return WsError(400, "missing or malformed Sec-WebSocket-Key", req);
  if (auto origin = req.headers.Get("Origin"); origin && !http::CorsAllowsOrigin(app, req.path, *origin))
    return WsError(403, "origin not allowed", req);
  core::Fiber* fiber = core::tl_fiber;
  if (!fiber || !fiber->yield) return WsError(426, "WebSocket needs a connection", req);
  fiber->takeover = std::make_shared<EndpointTakeover>(ep);
  Response res;
  res.status = 101;
  return res;
}

class WsComponent final : public server::Component {
 public:
  static constexpr server::Order kOrder = server::Order::kWebSocket;
  WsComponent() : Component(kOrder, "websocket") {}
};

std::shared_ptr<Connection> ConnectionOf(const Value& ws) {
  if (!ws.IsObject()) throw TypeError(std::string("expected a WebSocket connection, found ") + ws.KindName());
  const Value* id = ws.Find("id");
  if (!id || !id->IsString()) throw TypeError("expected a WebSocket connection (a value with an `id`)");
  return Registry::Get().Find(id->AsString());
}

std::uint64_t ExceptId(const Value& except) {
  if (except.IsNull()) return 0;
  auto c = ConnectionOf(except);
  return c ? c->ConnectionId() : 0;
}

void Publish(std::string_view topic, const Value& message, const Value& except) {
  realtime::Hub* hub = realtime::CurrentHub();
  if (!hub) return;  // no server runs in this process (a `run-task`): nobody to send to
  Payload frame = Frame(message, false);
  hub->Publish(topic, *frame, ExceptId(except));
}

}  // namespace

void Join(const Value& ws, const std::string& room) {
  if (auto c = ConnectionOf(ws)) c->Join(room);
}

void Leave(const Value& ws, const std::string& room) {
  if (auto c = ConnectionOf(ws)) c->Leave(room);
}

void Broadcast(const Value& message, const Value& except) { Publish(kAllTopic, message, except); }

void BroadcastTo(const std::string& room, const Value& message, const Value& except) {
  Publish(RoomTopic(room), message, except);
}

std::size_t OpenConnections() { return Registry::Get().Size(); }

}  // namespace ws

void RegisterWebSocket(App& app, std::string_view path, WsHooks hooks, const Value& options,
                       std::vector<Middleware> modifiers) {
  server::Ensure<ws::WsComponent>(app);
  auto ep = std::make_shared<ws::Endpoint>();
  ep->opts = ws::ParseOptions(options);
  ep->hooks = std::move(hooks);
  ep->hub = &realtime::HubOf(app);
  modifiers.insert(modifiers.begin(), ws::TokenFromUpgrade());
  App* a = &app;
  app.Route("GET", path, [a, ep](Request& req) { return ws::Upgrade(*a, ep, req); }, std::move(modifiers));
}

}  // namespace lux
