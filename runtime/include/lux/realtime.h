// Server-sent events and streamed responses (docs/runtime.md, "Server-sent events and streamed
// responses"): the `sse` route's response, the `stream(...)` response, `sse_channel(name)` and
// the `sse { }` options. Channels publish through the server's realtime hub (src/realtime/), so
// a `channel.send` reaches the subscribed streams of every replica when the hub has a Redis link.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "lux/http.h"
#include "lux/value.h"

namespace lux {

class App;

// `sse { heartbeat: 15, retry: 3000, max_queue: 256, max_queue_bytes: 1048576 }`.
struct SseOptions {
  std::int64_t heartbeat_ms = 15'000;  // a comment line after this long without an event
  std::int64_t retry_ms = 0;           // sent as `retry:` when a stream opens; 0: not sent
  std::size_t max_queue = 256;         // channel events waiting for one slow client ...
  std::size_t max_queue_bytes = 1 << 20;  // ... and their bytes: past either the oldest go
};
// Registration: the options of the App's streams (an object under the names above; a value
// out of range is a StartupError naming it), and the App's realtime hub.
void ConfigureSse(App& app, const Value& options);

// Thrown by `send` once its stream ended (the client left, `close()` was called, the server is
// stopping): it unwinds the handler (a Lux `try` does not catch it) and the stream ends.
// Deliberately not a std::exception.
struct StreamEnded {};

// One event in the text/event-stream format. `event` is an object whose keys are among
// type/event, data, id and retry and which has `data`; anything else is the data of an event
// without a name. Data that is not a String is JSON; each line of it is one `data:` line.
// Throws lux::Error for a name or id with a line break, or a retry that is not an Int >= 0.
std::string FormatSseEvent(const Value& event);

namespace rt {

// `sse "/path" fn(req, send, close) { ... }`: the route's response. `handler` runs on the
// connection's fiber after the head went out; when it returns without `close()` the stream
// stays open (channel events, heartbeats) until the client leaves or the server stops.
using SseHandler = std::function<void(const Value& send, const Value& close)>;
Response SseResponse(Request& req, SseHandler handler);

// `stream(fn(send, close) { ... })`: a chunked response; `send(x)` writes x (a String as it is,
// anything else as JSON) as one chunk.
Value StreamValue(const Value& producer);
// The response of a StreamValue (lux::stdlib::ToResponse calls it for a `$stream` value).
Response StreamResponse(const Value& stream_value);

// `sse_channel(name)`: an object with send(event), count() and subscribe(send).
Value SseChannel(const std::string& name);

}  // namespace rt
}  // namespace lux
