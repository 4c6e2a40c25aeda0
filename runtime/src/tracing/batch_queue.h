// The bounded queue between the threads that end spans and the exporter's thread
// (OTEL_BSP_MAX_QUEUE_SIZE): Submit never blocks and takes no lock — each thread that ends spans
// pushes them into a ring of its own (one producer, the exporter the one consumer), and one
// shared counter bounds the spans queued over all the rings; a span that finds the queue full
// is dropped and counted. The exporter takes up to a batch at a time, waiting up to the
// schedule delay for a batch to fill. Entry points: BatchQueue.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "tracing/span.h"

namespace lux::tracing {

class BatchQueue final : public Sink {
 public:
  BatchQueue(std::size_t max_queue, std::size_t batch_size);

  void Submit(std::unique_ptr<SpanData> span) override;

  // Waits until `batch_size` spans are queued, `until` passes, or Wake() is called; then takes
  // up to `batch_size` spans (possibly none). Spans that one thread ended come in its order.
  std::vector<std::unique_ptr<SpanData>> Take(std::chrono::steady_clock::time_point until);
  // Takes up to `batch_size` spans without waiting.
  std::vector<std::unique_ptr<SpanData>> TakeNow();
  void Wake();

  std::size_t size() const { return queued_.load(std::memory_order_acquire); }
  std::uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
  void CountDropped(std::uint64_t n) { dropped_.fetch_add(n, std::memory_order_relaxed); }
  // The rings held: one per thread that has submitted, until the thread exits and its ring is
  // emptied.
  std::size_t rings() const {
    std::lock_guard<std::mutex> lock(mu_);
    return rings_.size();
  }

  // One producer thread's ring of ended spans (batch_queue.cpp).
  struct Ring;

 private:
  Ring& ThisThreadsRing();
  std::vector<std::unique_ptr<SpanData>> TakeLocked();

  const std::size_t max_queue_;
  const std::size_t batch_size_;
  const std::size_t ring_capacity_;  // a power of two >= max_queue_: a ring never overflows
  const std::uint64_t id_;           // tells this queue from an earlier one at the same address
  // Spans counted in (Submit adds before it pushes, the exporter subtracts after it took them):
  // the bound over all rings.
  std::atomic<std::size_t> queued_{0};
  std::atomic<std::uint64_t> dropped_{0};
  mutable std::mutex mu_;  // rings_, next_ring_, woken_; the exporter's wait
  std::condition_variable cv_;
  std::vector<std::shared_ptr<Ring>> rings_;
  std::size_t next_ring_ = 0;  // the ring a take starts from (round robin over the threads)
  bool woken_ = false;
};

}  // namespace lux::tracing
