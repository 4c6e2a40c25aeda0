// WebSocket endpoints (`ws "/path" { on_open fn(ws) { } ... }`) and their rooms: the
// registration generated code calls, and the functions behind the built-ins `join`, `leave`,
// `broadcast` and `broadcast_to`. The protocol (Boost.Beast's websocket stream on the
// connection's fiber), the outbox and the limits are in src/ws/ws.cpp; docs/runtime.md,
// "WebSocket", describes the behaviour.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "lux/http.h"
#include "lux/value.h"

namespace lux {

// A message is at most this many bytes unless `max_message` says otherwise: a bigger one closes
// the connection with 1009 (a chat or dashboard message is far smaller; the HTTP body limit is 1 MiB too).
inline constexpr std::int64_t kWsDefaultMaxMessage = 1 << 20;
// A ping goes out after this much silence from the client; after kWsDefaultIdleTimeoutS without any
// frame (a pong counts) the connection is closed. Proxies drop idle connections after 60 s.
inline constexpr std::int64_t kWsDefaultPingIntervalS = 25;
inline constexpr std::int64_t kWsDefaultIdleTimeoutS = 60;
// Messages waiting to be sent to one connection at most (count and bytes); past either, the oldest
// waiting messages are dropped, so a slow client never holds up a broadcaster nor grows without bound.
inline constexpr std::int64_t kWsDefaultMaxQueue = 256;
inline constexpr std::int64_t kWsDefaultMaxQueueBytes = 4 << 20;
// After the server sent its close frame, the client gets this long to answer before the socket closes.
inline constexpr std::int64_t kWsCloseTimeoutMs = 5'000;

// The hooks of one endpoint; each may be empty. `ws` is the connection's value ({id, data, send,
// send_binary, close}): the same object for every hook of a connection, so `ws.data` persists.
struct WsHooks {
  std::function<void(Value& ws)> on_open;
  std::function<void(Value& ws, const Value& message, bool binary)> on_message;
  std::function<void(Value& ws, std::int64_t code, const std::string& reason)> on_close;
  std::function<void(Value& ws, const std::string& error)> on_error;
};

// `ws "/path" with modifiers { hooks }`: a GET route that upgrades (426 for a request that is not a
// WebSocket upgrade). `options`: {max_message, ping_interval, idle_timeout, max_queue, protocols}
// (docs/language.md, "WebSocket"); a value it cannot use is a StartupError naming it.
void RegisterWebSocket(App& app, std::string_view path, WsHooks hooks, const Value& options,
                       std::vector<Middleware> modifiers = {});

namespace ws {
// `join(ws, room)`, `leave(ws, room)`: the connection `ws` (its value) enters or leaves a room.
// A connection that already closed is ignored.
void Join(const Value& ws, const std::string& room);
void Leave(const Value& ws, const std::string& room);
// `broadcast(msg, except?)`: every open WebSocket of this server; `broadcast_to(room, msg,
// except?)`: every connection in the room. A String is sent as a text frame, any other value as
// its JSON. `except`: a connection's value (or null) that does not get it. Callable from any thread.
void Broadcast(const Value& message, const Value& except);
void BroadcastTo(const std::string& room, const Value& message, const Value& except);
// Open WebSocket connections of this process (tests, metrics).
std::size_t OpenConnections();
// `ws.send(message)` / `ws.send_binary(message)` as generated code calls them on a value of type
// WebSocket: within the connection's own on_message the frame is written without calling the
// function value (no argument vector, no copy of the message); anywhere else it calls `ws.send`
// (or `ws.send_binary`) like any function field. True when the connection was still open.
Value Send(const Value& ws, const Value& message, bool binary);
}  // namespace ws

}  // namespace lux
