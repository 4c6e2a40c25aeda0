// WebSocket endpoints: the upgrade route (426/400/403 as JSON for what cannot be upgraded), the
// connection it hands the socket to (server::Takeover, run on the connection's fiber: it reads,
// validates and reassembles frames with the codec of frame.h and answers pings and closes), each
// connection's bounded outbox and its writer, pings and the idle timeout, the close 1001 of a
// graceful stop, and the rooms behind join/leave/broadcast/broadcast_to.
// Entry points: RegisterWebSocket, ws::Join, ws::Leave, ws::Broadcast, ws::BroadcastTo.
#include "lux/ws.h"

#include <sys/mman.h>
#include <sys/socket.h>

#include <cerrno>

#include <algorithm>
#include <atomic>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <unordered_map>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/websocket/detail/hybi13.hpp>
#include <boost/context/detail/exception.hpp>

#include "core/fiber.h"
#include "core/ids.h"
#include "core/log.h"
#include "lux/services.h"
#include "http/block_options.h"
#include "http/cors.h"
#include "realtime/hub.h"
#include "server/app_impl.h"
#include "http/tls.h"
#include "ws/frame.h"
#include "ws/utf8.h"

namespace lux {

namespace asio = boost::asio;
namespace bws = boost::beast::websocket;
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

// Appends the frame of a message `ws.send` got straight to a connection's output buffer (the
// direct path of Connection::Send): the same kind choice as Frame.
void AppendMessageFrame(std::string& out, const Value& message, bool binary) {
  if (message.IsString()) {
    const std::string& s = message.AsString();
    AppendFrame(out, binary || !ValidUtf8(s) ? kOpBinary : kOpText, s);
  } else {
    AppendFrame(out, binary ? kOpBinary : kOpText, ToJson(message));
  }
}

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

// The connection whose on_message hook this thread runs, set around the hook and cleared after
// it (never restored to an earlier one: when hooks of two connections interleave across a
// suspension it is null rather than stale). While it points at a connection, that connection's
// read loop holds it alive, so its `ws.send` needs no weak_ptr lock.
thread_local Connection* tl_hook_conn = nullptr;

const Value& EmptyString() {
  static const Value empty("");
  return empty;
}

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

// What ended a connection's read side: the close code and reason on_close gets, and for a
// protocol error the server closed for, the message on_error gets.
struct Ending {
  std::int64_t code = 1006;  // 1006: the connection dropped without a close frame
  std::string reason;
  std::string error;
};

// A close code an endpoint may put in a close frame (RFC 6455 7.4): the server's own closes and
// what it accepts from a client.
bool ValidCloseCode(std::int64_t code) {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1013) || (code >= 3000 && code <= 4999);
}

// What one read takes from the socket at most. The bytes land in a per-thread scratch buffer and
// are appended to the connection's own buffer, which an idle connection gives back.
constexpr std::size_t kReadChunk = 64 << 10;
// Pongs waiting to be written at most: past it the newest ping's pong replaces the last one
// (RFC 6455 5.5.3 allows answering only the most recent ping), so a client that floods pings and
// reads nothing cannot grow the queue.
constexpr std::size_t kMaxPendingPongs = 32;
// A connection whose last read is this old gets its stack pages below the read wait given back
// (after a hook ran): a busy connection keeps them rather than fault them in per message.
constexpr auto kReleaseAfter = std::chrono::seconds(1);
// Reads that make a connection a stream (Connection::NoteRead): this many in a row, each this
// soon after the one before.
constexpr int kQuickReads = 4;
constexpr auto kQuickRead = std::chrono::milliseconds(10);
// After the closing handshake, at most this much of what the client still sends is read and dropped.
constexpr std::size_t kMaxDrainBytes = 1 << 20;
// Past this capacity, an output buffer that was written out is freed rather than kept.
constexpr std::size_t kKeepOutBytes = 16 << 10;

// One open WebSocket. The fiber that accepted it reads: it parses every complete frame that one
// read brought (frame.h), answers pings and closes, reassembles fragmented messages, runs the
// hooks, and once the batch is done writes what they sent in one send. Everything sent goes
// through the connection's Outbox (realtime/outbox.h: bounded, the oldest dropped when full) — a
// hook's send, a broadcast from a job or another replica — and its writer on the connection's I/O
// thread, which frames the queued messages, the pongs, pings and the close into one buffer and
// writes it with non-blocking sends (waiting for the socket only when it is full), so a slow
// client holds up no one and a burst of messages costs one system call.
class Connection final : public realtime::Sink, public std::enable_shared_from_this<Connection> {
 public:
  Connection(std::shared_ptr<const Endpoint> ep, server::Socket& sock, http::TlsConnection* tls)
      : ep_(std::move(ep)), opts_(ep_->opts), hooks_(ep_->hooks),
        ioc_(static_cast<asio::io_context&>(sock.get_executor().context())), sock_(sock), tls_(tls), timer_(ioc_),
        writer_done_(ioc_), outbox_(realtime::OutboxLimits{static_cast<std::size_t>(opts_.max_queue),
                                                           static_cast<std::size_t>(opts_.max_queue_bytes)}),
        conn_id_(realtime::NextConnectionId()), id_(core::NewRequestId()), io_thread_(std::this_thread::get_id()) {}

  std::uint64_t ConnectionId() const override { return conn_id_; }

  // Any thread, never blocks.
  void Deliver(Payload payload, std::uint64_t) override {
    if (!outbox_.Push(std::move(payload))) return;
    queued_.fetch_add(1, std::memory_order_relaxed);
    if (outbox_.dropped() > 0 && !warned_drop_.exchange(true))
      core::Log(LogLevel::kWarn, "websocket client too slow: its oldest queued messages are dropped", {{"ws", id_}});
    Kick();
  }

  // `ws.send` / `ws.send_binary`. On the connection's own I/O thread (its hooks, or another
  // connection's hook on the same thread) with nothing queued before it and the socket not
  // backed up, the frame goes straight into the output buffer: no payload copy, no outbox lock,
  // no post per message (one Kick per batch, so that a hook that suspends after sending still
  // gets its message out before the batch ends). Anywhere else, or past the outbox's bounds of
  // unwritten bytes and messages, it takes the outbox like a broadcast does.
  void Send(const Value& message, bool binary) {
    if (std::this_thread::get_id() == io_thread_ && CanFrameNow() && direct_count_ < static_cast<std::size_t>(opts_.max_queue) &&
        out_.size() - out_pos_ < static_cast<std::size_t>(opts_.max_queue_bytes) &&
        queued_.load(std::memory_order_relaxed) == 0) {
      AppendMessageFrame(out_, message, binary);
      ++direct_count_;
      if (!kick_posted_.load(std::memory_order_relaxed)) Kick();
      return;
    }
    Deliver(Frame(message, binary), 0);
  }

  // `ws` is this connection's own value (the object its hooks get).
  bool IsValue(const Value& ws) const { return &ws == &value_; }

  // The I/O thread: frames may be appended to out_ now (the writer is not waiting for the socket
  // to drain, no close frame went out, the connection has not finished).
  bool CanFrameNow() const { return !broken_ && !write_waiting_ && !close_written_ && !finished_; }

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
    stack_top_ = &state;
    core::Fiber fiber{&yield, &ioc_, &req, std::nullopt, nullptr};
    fiber.stack_top = core::tl_fiber ? core::tl_fiber->stack_top : nullptr;  // the connection's fiber (CheckStack)
    core::tl_fiber = &fiber;
    last_read_ = Clock::now();
    ArmTimer();
    RunHook("on_open", [&] {
      if (hooks_.on_open) hooks_.on_open(value_);
    });
    Ending end = ReadLoop(yield, fiber);
    core::tl_fiber = &fiber;
    if (!end.error.empty() && hooks_.on_error) RunHook("on_error", [&] { hooks_.on_error(value_, end.error); });
    // After a close frame each way the WebSocket is closed: on_close runs now, and only then are
    // the client's last bytes read until its TCP close (a client may keep the socket open).
    const bool drain = drain_reads_ && !broken_;
    Finish(yield);
    core::tl_fiber = &fiber;
    RunHook("on_close", [&] {
      if (hooks_.on_close) hooks_.on_close(value_, end.code, end.reason);
    });
    if (drain) DrainReads(yield);
    core::tl_fiber = nullptr;
  }

 private:
  // What the connection writes on the 101 itself, or what describes a body it does not have: not
  // copied from the request path's headers.
  static bool OwnedBy101(std::string_view name) {
    for (std::string_view own : {"connection", "upgrade", "content-length", "content-type", "transfer-encoding", "server",
                                 "x-request-id", "sec-websocket-accept", "sec-websocket-protocol",
                                 "sec-websocket-extensions", "sec-websocket-version"})
      if (IEquals(name, own)) return true;
    return false;
  }

  // The 101 (the upgrade request was checked by Upgrade): Sec-WebSocket-Accept from the key, the
  // chosen subprotocol, the request id, and what the request path added (a group's `(req, res)`
  // middleware, CORS), as on a route's answer.
  bool Accept(Request& req, const Headers& extra, asio::yield_context& yield, server::ConnState& state) {
    std::string key = req.Header("Sec-WebSocket-Key").value_or("");
    bws::detail::sec_ws_accept_type accept;
    bws::detail::make_sec_ws_accept(accept, key);
    std::string head =
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ";
    head.append(accept.data(), accept.size());
    head += "\r\nServer: lux\r\nX-Request-Id: ";
    head += req.id;
    if (std::string protocol = ChooseProtocol(req); !protocol.empty()) {
      head += "\r\nSec-WebSocket-Protocol: ";
      head += protocol;
    }
    for (const auto& [k, v] : extra) {
      if (OwnedBy101(k)) continue;
      head += "\r\n";
      head += k;
      head += ": ";
      head += v;
    }
    head += "\r\n\r\n";
    boost::system::error_code ec;
    state.deadline = Clock::now() + std::chrono::seconds(10);  // the 101 must go out (the tick cuts a stall)
    if (tls_) tls_->WriteAll(head.data(), head.size(), yield, ec);
    else asio::async_write(sock_, asio::buffer(head), yield[ec]);
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
    Connection* self = this;
    auto sender = [weak, self](bool binary) {
      return Value(Function([weak, self, binary](const std::vector<Value>& args) -> Value {
        const Value& message = args.empty() ? EmptyString() : args[0];  // not copied again
        if (tl_hook_conn == self) {  // its own hook runs: alive without taking a reference
          self->Send(message, binary);
          return Value(true);
        }
        auto c = weak.lock();
        if (!c) return Value(false);
        c->Send(message, binary);
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
    hook_ran_ = true;
    std::string error;
    try {
      f();
      std::optional<CallResult> failed = rt::TakeCallFailure();  // a failed call it kept (lux/services.h)
      if (!failed) return;
      error = std::move(failed->error);
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
      if (rt::TakeCallFailure()) core::Log(LogLevel::kError, "websocket hook failed", {{"hook", "on_error"}, {"ws", id_}});
    } catch (const boost::context::detail::forced_unwind&) {
      throw;
    } catch (...) {
      core::Log(LogLevel::kError, "websocket hook failed", {{"hook", "on_error"}, {"ws", id_}});
    }
  }

  // The handshake and the hooks run deep in the fiber's stack; an idle connection only needs the
  // frames above its read wait. The pages below the current frame are returned to the kernel (they
  // fault back in as zeros when used again), so 10,000 idle connections do not keep their deepest
  // moment resident. `near_top` is an object of the session, which lives at the top of the fiber's
  // stack: the stack spans kFiberStackBytes below it (a guard page further down). 512 bytes below
  // this frame stay for madvise's own call (the frames of the wait that follows fault back in).
  static void ReleaseStackPages(const void* near_top) {
    const std::uintptr_t page = 4096;
    auto top = reinterpret_cast<std::uintptr_t>(near_top);
    char here = 0;
    auto sp = reinterpret_cast<std::uintptr_t>(&here);
    if (sp >= top || top - sp > core::kFiberStackBytes) return;  // not on the session's fiber
    std::uintptr_t low = (top - core::kFiberStackBytes + 4 * page + page - 1) & ~(page - 1);
    std::uintptr_t high = (sp - 512) & ~(page - 1);
    if (high > low) ::madvise(reinterpret_cast<void*>(low), high - low, MADV_DONTNEED);
  }

  // Before the read waits: the stack pages below are given back after the handshake (the first
  // wait) and when the timer asked for it (a second after the last read, if a hook ran since the
  // last release), so that a busy connection pays no system call or page fault per message and a
  // quiet one keeps one page.
  void BeforeIdleWait() {
    if (!first_wait_ && !release_requested_) return;
    first_wait_ = false;
    release_requested_ = false;
    hook_ran_ = false;
    message_ = Value();  // an idle connection keeps no message buffer
    ReleaseStackPages(stack_top_);
  }

  // Why a frame breaks the protocol (the close code and on_error's message), or code 0.
  struct Violation {
    std::uint16_t code = 0;
    const char* what = "";
  };
  Violation Check(const FrameHeader& h) const {
    if (h.rsv != 0) return {1002, "a frame with a reserved bit set (no extension was negotiated)"};
    bool control = h.opcode >= kOpClose;
    if (h.opcode > kOpPong || (h.opcode > kOpBinary && !control)) return {1002, "a frame with a reserved opcode"};
    if (!h.masked) return {1002, "an unmasked frame from the client"};
    if (control) {
      if (!h.fin) return {1002, "a fragmented control frame"};
      if (h.length > kMaxControlPayload) return {1002, "a control frame over 125 bytes"};
      return {};
    }
    if (h.opcode == kOpContinuation && !in_message_) return {1002, "a continuation frame with no message to continue"};
    if (h.opcode != kOpContinuation && in_message_) return {1002, "a new message before the fragmented one ended"};
    std::uint64_t so_far = in_message_ ? msg_.size() : 0;
    if (h.length > static_cast<std::uint64_t>(opts_.max_message) - so_far)
      return {1009, "a message over max_message"};
    return {};
  }

  // Reads until the connection ends: frames are parsed from in_, whatever one read brought is
  // handled before the next read, and the writer is flushed once per batch.
  // One non-blocking read or write on the socket, or through the TLS session: kDone with `n`
  // bytes (a read: at least one), kWantRead / kWantWrite (try again once the socket is ready; a
  // TLS write with the same bytes), kEnd when the client closed or the connection failed.
  enum class Io { kDone, kWantRead, kWantWrite, kEnd };
  static Io FromTls(http::TlsConnection::Step step, std::size_t n) {
    switch (step) {
      case http::TlsConnection::Step::kDone: return n > 0 ? Io::kDone : Io::kEnd;
      case http::TlsConnection::Step::kWantRead: return Io::kWantRead;
      case http::TlsConnection::Step::kWantWrite: return Io::kWantWrite;
      default: return Io::kEnd;
    }
  }
  Io ReadNow(char* buf, std::size_t size, std::size_t& n) {
    boost::system::error_code ec;
    if (tls_) {
      http::TlsConnection::Step step = tls_->TryRead(buf, size, n, ec);  // before n is read
      return FromTls(step, n);
    }
    for (;;) {
      ssize_t r = ::recv(sock_.native_handle(), buf, size, MSG_DONTWAIT);
      if (r > 0) {
        n = static_cast<std::size_t>(r);
        return Io::kDone;
      }
      if (r < 0 && errno == EINTR) continue;
      return r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) ? Io::kWantRead : Io::kEnd;
    }
  }
  Io WriteNow(const char* data, std::size_t size, std::size_t& n) {
    boost::system::error_code ec;
    if (tls_) {
      http::TlsConnection::Step step = tls_->TryWrite(data, size, n, ec);  // before n is read
      return FromTls(step, n);
    }
    for (;;) {
      ssize_t r = ::send(sock_.native_handle(), data, size, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (r > 0) {
        n = static_cast<std::size_t>(r);
        return Io::kDone;
      }
      if (r < 0 && errno == EINTR) continue;
      return r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) ? Io::kWantWrite : Io::kEnd;
    }
  }

  // The per-thread buffer reads land in (the fiber copies what it keeps before it can suspend).
  static char* Scratch() {
    static thread_local std::unique_ptr<char[]> scratch(new char[kReadChunk]);
    return scratch.get();
  }

  Ending ReadLoop(asio::yield_context& yield, core::Fiber& fiber) {
    char* scratch = Scratch();
    std::size_t pos = 0;
    bool drained = false;  // the last read took all the socket held
    for (;;) {
      while (in_.size() - pos >= 2) {
        auto* p = reinterpret_cast<std::uint8_t*>(in_.data()) + pos;
        std::size_t avail = in_.size() - pos;
        FrameHeader h;
        HeaderResult r = ParseFrameHeader(p, avail, h);
        if (r == HeaderResult::kNeedMore) break;
        if (r == HeaderResult::kBadLength) return Fail(1002, "a frame length with its top bit set", yield, fiber);
        if (Violation v = Check(h); v.code) return Fail(v.code, v.what, yield, fiber);
        if (avail - h.size < h.length) break;  // the payload is still arriving (its size was checked)
        std::uint8_t* payload = p + h.size;
        auto len = static_cast<std::size_t>(h.length);
        Unmask(payload, len, h.mask);
        pos += h.size + len;
        std::string_view body(reinterpret_cast<const char*>(payload), len);
        if (h.opcode >= kOpClose) {
          if (h.opcode == kOpPing) {
            // The pong goes out before what the hooks send after it (a ping between the
            // fragments of a message is answered before the message's echo).
            if (CanFrameNow() && pongs_.empty()) AppendFrame(out_, kOpPong, body);
            else if (pongs_.size() < kMaxPendingPongs) pongs_.emplace_back(body);
            else pongs_.back().assign(body);
          } else if (h.opcode == kOpClose) {
            return Closed(body, yield, fiber);
          }
          continue;  // a pong: its arrival is all that counts (last_read_)
        }
        if (h.opcode != kOpContinuation) msg_binary_ = h.opcode == kOpBinary;
        if (h.fin && !in_message_) {
          if (!msg_binary_ && !ValidUtf8(body)) return Fail(1007, "a text message that is not valid UTF-8", yield, fiber);
          MessageText().assign(body);
          OnMessage(fiber);
          continue;
        }
        in_message_ = true;
        msg_.append(body);
        if (!h.fin) continue;
        in_message_ = false;
        if (!msg_binary_ && !ValidUtf8(msg_)) return Fail(1007, "a text message that is not valid UTF-8", yield, fiber);
        MessageText().swap(msg_);
        msg_.clear();
        OnMessage(fiber);
      }
      if (pos == in_.size()) in_.clear();
      else if (pos > 0) in_.erase(0, pos);
      pos = 0;
      WriteNext();  // what the batch's hooks sent, and the pongs
      // The timer ends the read wait by cancelling it; one that fired while the fiber was not
      // waiting (in a hook that suspended, or reading a client that never pauses) is seen here.
      if (timed_out_) return Ending{};
      Io io = Io::kWantRead;
      if (drained && quick_reads_ >= kQuickReads) {
        // Streaming: the client answers what was just sent while the thread serves its other
        // connections, so the fiber lets them run first (a post) and reads again after, without
        // arming the socket's wait (an epoll_ctl) and waking from epoll for it. A read that finds
        // nothing falls back to the wait and starts the count of quick reads over.
        asio::post(yield);
        core::tl_fiber = &fiber;
        drained = false;
        std::size_t got = 0;
        io = ReadNow(scratch, kReadChunk, got);
        if (io == Io::kDone) {
          NoteRead();
          in_.append(scratch, got);
          drained = got < kReadChunk;
          continue;
        }
        if (io == Io::kEnd) return Ending{};
        quick_reads_ = 0;
        drained = true;  // that read found the socket empty: wait
      }
      if (!drained) {
        std::size_t got = 0;
        io = ReadNow(scratch, kReadChunk, got);
        if (io == Io::kDone) {
          NoteRead();
          in_.append(scratch, got);
          // A read shorter than asked took everything the socket held (a stream socket, see
          // epoll(7)): wait now instead of asking again for an EAGAIN. Over TLS the session
          // holds records of its own, so it is read until it says it needs the socket.
          drained = !tls_ && got < kReadChunk;
          continue;
        }
        if (io == Io::kEnd) return Ending{};  // the client closed without a close frame, or a failure
      }
      drained = false;
      if (in_.empty() && in_.capacity() > 0) std::string().swap(in_);  // idle: no read buffer held
      BeforeIdleWait();
      boost::system::error_code ec;
      sock_.async_wait(io == Io::kWantWrite ? server::Socket::wait_write : server::Socket::wait_read, yield[ec]);
      core::tl_fiber = &fiber;
      if (ec == asio::error::operation_aborted && release_requested_ && !timed_out_) continue;  // BeforeIdleWait
      if (ec) return Ending{};  // the client closed, the idle or close timeout, or the server closing the socket
    }
  }

  // A read brought bytes: the clock of the ping and idle timeouts restarts, and reads that come
  // close together (kQuickReads in a row, each within kQuickRead of the one before) make the
  // connection a stream (ReadLoop reads it again after a post instead of waiting).
  void NoteRead() {
    Clock::time_point now = Clock::now();
    quick_reads_ = tls_ ? 0 : now - last_read_ < kQuickRead ? quick_reads_ + 1 : 0;
    last_read_ = now;
  }

  // The string of message_, which every message is copied into (a hook that keeps the message
  // copies it: Lux values are copied on assignment), so a message costs no allocation.
  std::string& MessageText() {
    if (!message_.IsString()) message_ = Value(std::string());
    return message_.AsString();
  }

  void OnMessage(core::Fiber& fiber) {
    bool binary = msg_binary_;
    struct HookConn {  // cleared however the hook ends (a fiber unwinding included)
      explicit HookConn(Connection* c) { tl_hook_conn = c; }
      ~HookConn() { tl_hook_conn = nullptr; }
    };
    {
      HookConn mark(this);
      RunHook("on_message", [&] {
        if (hooks_.on_message) hooks_.on_message(value_, message_, binary);
      });
    }
    core::tl_fiber = &fiber;
    if (message_.IsString() && message_.AsString().capacity() > kKeepOutBytes) message_ = Value();
    // The timer wakes a second after the last read to give the hook's stack pages back (once per
    // burst: it is re-armed only when it was set for later than that).
    if (close_sent_ == Clock::time_point() && timer_at_ > last_read_ + 2 * kReleaseAfter) {
      timer_.cancel();
      ArmTimer();
    }
  }

  // The client's close frame: checked, answered with its code (unless the server's own close went
  // out first), and the end of the read side.
  Ending Closed(std::string_view body, asio::yield_context& yield, core::Fiber& fiber) {
    Ending end;
    end.code = 1005;  // no status code in the frame
    if (body.size() == 1) return Fail(1002, "a close frame with a one-byte payload", yield, fiber);
    if (body.size() >= 2) {
      end.code = (static_cast<unsigned char>(body[0]) << 8) | static_cast<unsigned char>(body[1]);
      if (!ValidCloseCode(end.code)) return Fail(1002, "a close frame with a code a client may not send", yield, fiber);
      std::string_view reason = body.substr(2);
      if (!ValidUtf8(reason)) return Fail(1007, "a close reason that is not valid UTF-8", yield, fiber);
      end.reason = std::string(reason);
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!close_started_) {
        close_started_ = true;
        reply_close_ = true;
        reply_code_ = body.size() >= 2 ? static_cast<std::uint16_t>(end.code) : 0;
      }
    }
    DrainWriter(yield);
    drain_reads_ = true;  // Serve, after on_close
    core::tl_fiber = &fiber;
    return end;
  }

  // A protocol error: the close frame with `code` goes out at once (what is queued is dropped),
  // then the connection ends.
  Ending Fail(std::uint16_t code, const char* what, asio::yield_context& yield, core::Fiber& fiber) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!close_started_) {
        close_started_ = true;
        fail_code_ = code;
      }
    }
    DrainWriter(yield);
    drain_reads_ = true;  // Serve, after on_close
    core::tl_fiber = &fiber;
    return Ending{code, "", what};
  }

  // After the close frame that ends the connection went out (and on_close ran): the send side is
  // shut (the client sees the end), and what the client still sends is read and dropped until it
  // closes too, the close timeout passes (measured from the close frame sent) or kMaxDrainBytes
  // were dropped. Closing a socket with unread bytes would reset the connection, and the client
  // could lose the close frame.
  void DrainReads(asio::yield_context& yield) {
    boost::system::error_code ec;
    if (tls_) {
      tls_->Close();  // close_notify; the session closes the socket
      return;
    }
    sock_.shutdown(server::Socket::shutdown_send, ec);
    in_.clear();
    // Finish stopped the connection's timer: the close timeout is this wait's own.
    auto since = close_sent_ != Clock::time_point() ? close_sent_ : Clock::now();
    timer_.expires_at(since + std::chrono::milliseconds(kWsCloseTimeoutMs));
    std::weak_ptr<Connection> weak = shared_from_this();
    timer_.async_wait([weak](boost::system::error_code e) {
      auto c = weak.lock();
      if (!c || e) return;
      boost::system::error_code ignored;
      c->sock_.cancel(ignored);
    });
    struct StopTimer {  // however the drain ends: the timer must not outlive the socket
      asio::steady_timer& t;
      ~StopTimer() { t.cancel(); }
    } stop{timer_};
    char* scratch = Scratch();
    std::size_t dropped = 0;
    while (dropped < kMaxDrainBytes) {
      std::size_t got = 0;
      Io io = ReadNow(scratch, kReadChunk, got);
      if (io == Io::kDone) {
        dropped += got;
        continue;
      }
      if (io == Io::kEnd) return;
      sock_.async_wait(server::Socket::wait_read, yield[ec]);
      if (ec) return;  // the client closed, or the close timeout
    }
  }

  // Writes what is pending and waits (kWsCloseTimeoutMs at most) until it went out.
  void DrainWriter(asio::yield_context& yield) {
    WriteNext();
    auto until = Clock::now() + std::chrono::milliseconds(kWsCloseTimeoutMs);
    while (!broken_ && (write_waiting_ || out_pos_ < out_.size()) && Clock::now() < until) {
      boost::system::error_code ec;
      writer_done_.expires_at(until);
      writer_done_.async_wait(yield[ec]);
    }
  }

  // The read side ended: no more sends, out of every room, and the writer stopped (it uses the
  // socket, which the session closes once Serve returns).
  void Finish(asio::yield_context& yield) {
    Registry::Get().Remove(id_);
    std::map<std::string, realtime::Subscription> rooms;
    realtime::Subscription all;
    {
      std::lock_guard<std::mutex> lock(mu_);
      finished_ = true;
      rooms.swap(rooms_);
      all = std::move(all_);
    }
    outbox_.Close();
    timer_.cancel();
    broken_ = true;  // nothing more is written
    boost::system::error_code ec;
    if (write_waiting_) {
      sock_.cancel(ec);
      while (write_waiting_) {
        writer_done_.expires_at(Clock::time_point::max());
        writer_done_.async_wait(yield[ec]);
      }
    }
  }

  // Any thread: the writer runs on the connection's I/O thread (once for any number of kicks
  // before it ran).
  void Kick() {
    if (kick_posted_.exchange(true)) return;
    asio::post(ioc_, [self = shared_from_this()] {
      self->kick_posted_.store(false);
      self->WriteNext();
    });
  }

  // The I/O thread: frames what is pending into out_ and sends it; when the socket is full it
  // waits for it to drain and goes on from there.
  void WriteNext() {
    if (broken_ || write_waiting_) return;
    for (;;) {
      if (out_pos_ == out_.size()) {
        out_.clear();
        out_pos_ = 0;
        direct_count_ = 0;
        if (!Fill()) {
          if (out_.capacity() > kKeepOutBytes) std::string().swap(out_);
          writer_done_.cancel();
          return;
        }
      }
      std::size_t n = 0;
      Io io = WriteNow(out_.data() + out_pos_, out_.size() - out_pos_, n);
      if (io == Io::kDone) {
        out_pos_ += n;
        continue;
      }
      if (io != Io::kEnd) {
        write_waiting_ = true;
        auto wait = io == Io::kWantRead ? server::Socket::wait_read : server::Socket::wait_write;
        sock_.async_wait(wait, [self = shared_from_this()](boost::system::error_code ec) {
          self->write_waiting_ = false;
          // Cancelled by the timer's stack release (OnTimer): the write goes on; by Finish: stops.
          if (ec && !(ec == asio::error::operation_aborted && self->release_requested_)) self->broken_ = true;
          self->WriteNext();
          self->writer_done_.cancel();
        });
        return;
      }
      broken_ = true;  // the client is gone: the read side notices
      writer_done_.cancel();
      return;
    }
  }

  // The I/O thread: appends the next frames to out_ (pongs first, then a ping, the queued
  // messages, and the close once the queue is empty); false when there is nothing to write.
  bool Fill() {
    std::lock_guard<std::mutex> lock(mu_);
    if (close_written_) return false;
    for (const std::string& p : pongs_) AppendFrame(out_, kOpPong, p);
    pongs_.clear();
    if (fail_code_ || reply_close_) {
      std::string body;
      std::uint16_t code = fail_code_ ? fail_code_ : reply_code_;
      if (code) body = {static_cast<char>(code >> 8), static_cast<char>(code & 0xFF)};
      AppendFrame(out_, kOpClose, body);
      close_written_ = true;
      CloseSent();  // the close timeout bounds what follows (DrainReads)
      return true;
    }
    if (ping_pending_) {
      ping_pending_ = false;
      AppendFrame(out_, kOpPing, {});
    }
    queued_.store(0, std::memory_order_relaxed);  // before TakeAll: a push racing it stays counted
    if (!finished_ && outbox_.TakeAll(batch_) > 0) {
      for (const Payload& p : batch_) AppendFrame(out_, (*p)[0] == 'b' ? kOpBinary : kOpText, std::string_view(*p).substr(1));
      batch_.clear();
    }
    if (out_.empty() && close_code_ && !close_started_) {
      close_started_ = true;
      std::string body = {static_cast<char>(close_code_ >> 8), static_cast<char>(close_code_ & 0xFF)};
      body += close_reason_;
      AppendFrame(out_, kOpClose, body);
      close_written_ = true;
      CloseSent();
    }
    return !out_.empty();
  }

  // The close went out: the client has kWsCloseTimeoutMs to answer.
  void CloseSent() {
    close_sent_ = Clock::now();
    timer_.cancel();
    ArmTimer();
  }

  // Wakes when the client's silence reaches the ping interval (to ping it), then the idle timeout
  // (to close it), or at the close timeout once closing. Measured from the last read, so a
  // client that answers each ping is never closed.
  void ArmTimer() {
    auto next = close_sent_ != Clock::time_point() ? close_sent_ + std::chrono::milliseconds(kWsCloseTimeoutMs)
                : pinged_at_ > last_read_         ? last_read_ + std::chrono::milliseconds(opts_.idle_timeout_ms)
                                                  : last_read_ + std::chrono::milliseconds(opts_.ping_interval_ms);
    if (hook_ran_ && !release_requested_ && close_sent_ == Clock::time_point())
      next = std::min(next, last_read_ + kReleaseAfter);
    timer_at_ = next;
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
      timed_out_ = true;
      sock_.cancel(ec);  // the read wait ends: on_close with 1006
      return;
    }
    if (hook_ran_ && !release_requested_ && now - last_read_ >= kReleaseAfter) {
      release_requested_ = true;
      sock_.cancel(ec);  // the read wait returns, gives the stack pages back and waits again
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
  server::Socket& sock_;
  http::TlsConnection* tls_;  // the connection's TLS session, or null on a plain listener
  asio::steady_timer timer_;        // pings, idle and close timeouts
  asio::steady_timer writer_done_;  // DrainWriter and Finish wait on it for the writer
  realtime::Outbox outbox_;
  std::uint64_t conn_id_;
  std::string id_;
  const std::thread::id io_thread_;  // the worker thread whose io_context runs the connection
  realtime::Hub* hub_ = nullptr;
  Value value_;
  Clock::time_point last_read_;
  Clock::time_point close_sent_;
  Clock::time_point pinged_at_;  // the last ping sent (none since last_read_ when not after it)
  std::atomic<bool> warned_drop_{false};
  std::atomic<bool> kick_posted_{false};
  // Pushes to the outbox since Fill last took it (at least: one racing Fill may stay counted
  // after it was taken). Send's direct path needs it 0, so that a message never passes one queued
  // before it on the same thread (a broadcast, or a send that found the socket backed up).
  std::atomic<std::uint32_t> queued_{0};

  // The I/O thread only.
  const void* stack_top_ = nullptr;  // see ReleaseStackPages
  bool hook_ran_ = false;            // a hook ran since the stack pages were last given back
  bool first_wait_ = true;           // the handshake's pages go back at the first wait
  bool release_requested_ = false;   // the timer asked the read wait to give the pages back
  bool timed_out_ = false;           // the timer ended the read (idle or close timeout)
  bool drain_reads_ = false;         // a close frame went out: read until the client's TCP close (DrainReads)
  Clock::time_point timer_at_;       // when timer_ wakes next
  std::string in_;                  // bytes read and not yet parsed (released while idle)
  int quick_reads_ = 0;             // reads in a row that came within kQuickRead of the one before
  std::string msg_;                 // the fragmented message being reassembled
  bool in_message_ = false;         // a fragmented message is open
  bool msg_binary_ = false;         // the current message's kind
  std::string out_;                 // framed bytes being written, from out_pos_ on
  std::size_t out_pos_ = 0;
  std::size_t direct_count_ = 0;    // messages Send framed straight into out_ since it was emptied
  Value message_;                   // the message on_message gets, its buffer reused per message
  bool write_waiting_ = false;      // the writer waits for the socket to drain
  bool broken_ = false;             // a write failed or the connection finished: nothing more goes out
  std::vector<std::string> pongs_;  // payloads of pings to answer, in order
  std::vector<Payload> batch_;      // reused by Fill

  std::mutex mu_;  // what follows
  std::map<std::string, realtime::Subscription> rooms_;
  realtime::Subscription all_;
  bool finished_ = false;
  bool ping_pending_ = false;
  std::uint16_t close_code_ = 0;  // set: close once the queue is written
  std::string close_reason_;
  bool close_started_ = false;    // a close frame (ours, a reply, or a failure's) is decided
  bool close_written_ = false;    // it is in out_: nothing more is framed
  bool reply_close_ = false;      // answer the client's close (with reply_code_, 0 for none)
  std::uint16_t reply_code_ = 0;
  std::uint16_t fail_code_ = 0;   // a protocol error's close code
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

Value Send(const Value& ws, const Value& message, bool binary) {
  if (Connection* c = tl_hook_conn; c && c->IsValue(ws)) {
    c->Send(message, binary);
    return Value(true);
  }
  const char* name = binary ? "send_binary" : "send";
  // The errors of reading the field and calling it (stdlib Field and Call).
  if (!ws.IsObject() && !ws.IsNull()) throw TypeError(std::string("cannot read field `") + name + "` of " + ws.KindName());
  const Value& fn = ws[name];
  if (!fn.IsFunction()) throw TypeError(std::string("cannot call ") + fn.KindName() + ": it is not a function");
  return fn.Call({message});
}

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
