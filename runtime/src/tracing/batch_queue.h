// The bounded queue between the threads that end spans and the exporter's thread
// (OTEL_BSP_MAX_QUEUE_SIZE): Submit never blocks; a span that finds the queue full is dropped
// and counted. The exporter takes up to a batch at a time, waiting up to the schedule delay
// for a batch to fill. Entry points: BatchQueue.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
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
  // up to `batch_size` spans (possibly none).
  std::vector<std::unique_ptr<SpanData>> Take(std::chrono::steady_clock::time_point until);
  // Takes up to `batch_size` spans without waiting.
  std::vector<std::unique_ptr<SpanData>> TakeNow();
  void Wake();

  std::size_t size() const;
  std::uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
  void CountDropped(std::uint64_t n) { dropped_.fetch_add(n, std::memory_order_relaxed); }

 private:
  std::vector<std::unique_ptr<SpanData>> TakeLocked();

  const std::size_t max_queue_;
  const std::size_t batch_size_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<SpanData>> q_;
  bool woken_ = false;
  std::atomic<std::uint64_t> dropped_{0};
};

}  // namespace lux::tracing
