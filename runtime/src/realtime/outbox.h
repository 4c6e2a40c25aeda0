// The bounded queue of one realtime connection (an SSE stream, a WebSocket): what the hub
// delivers to the connection waits here until the connection's writer sends it. Push never
// blocks (a mutex held for a few instructions) and may be called from any thread; when the
// queue is full the OLDEST queued payloads are dropped and counted, so a slow client loses old
// events instead of holding memory without bound or slowing the publisher. The writer waits
// with Wait: on a connection fiber (core::tl_fiber) the fiber is suspended and a Push wakes it
// through its io_context; on a plain thread it waits on a condition variable.
// Every queued byte is counted in one process-wide gauge (TotalBytes). Entry points: Outbox.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace lux::realtime {

struct OutboxLimits {
  // Defaults: a connection holds at most 256 events and 1 MiB of them. An event larger than
  // max_bytes is still queued alone (everything older is dropped to make room for it).
  std::size_t max_events = 256;
  std::size_t max_bytes = 1 << 20;
};

class Outbox {
 public:
  using Payload = std::shared_ptr<const std::string>;

  explicit Outbox(OutboxLimits limits = {});
  ~Outbox();  // its queued bytes leave the gauge
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;

  // Queues `payload` (dropping the oldest while over a bound) and wakes the waiting writer.
  // False (nothing queued) once Close was called. Never blocks.
  bool Push(Payload payload);
  // Moves everything queued, oldest first, to the end of `out`; returns how many.
  std::size_t TakeAll(std::vector<Payload>& out);
  // Waits until something is queued, Close is called or `deadline` passes; true when something
  // is queued. On a connection fiber only that fiber is suspended.
  bool Wait(std::chrono::steady_clock::time_point deadline);
  // Refuses later pushes and wakes the writer. Queued payloads stay for TakeAll.
  void Close();

  bool closed() const;
  std::size_t size() const;
  std::size_t bytes() const;
  // Payloads dropped because the queue was full (this connection).
  std::uint64_t dropped() const;
  const OutboxLimits& limits() const { return limits_; }

  // Bytes queued in every outbox of the process, and payloads dropped by all of them.
  static std::int64_t TotalBytes();
  static std::uint64_t TotalDropped();

  struct Waiter;

 private:
  void DropOldestLocked();

  const OutboxLimits limits_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Payload> queue_;
  std::size_t bytes_ = 0;
  std::uint64_t dropped_ = 0;
  bool closed_ = false;
  std::shared_ptr<Waiter> waiter_;  // the fiber waiting in Wait, if any
};

}  // namespace lux::realtime
