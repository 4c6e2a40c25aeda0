// The bounded span queue (see batch_queue.h).
#include "tracing/batch_queue.h"

#include <algorithm>

namespace lux::tracing {

BatchQueue::BatchQueue(std::size_t max_queue, std::size_t batch_size)
    : max_queue_(std::max<std::size_t>(1, max_queue)), batch_size_(std::max<std::size_t>(1, batch_size)) {}

void BatchQueue::Submit(std::unique_ptr<SpanData> span) {
  bool full_batch = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (q_.size() >= max_queue_) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return;  // the span is freed here, outside the request's critical path only by its size
    }
    q_.push_back(std::move(span));
    full_batch = q_.size() == batch_size_;
  }
  if (full_batch) cv_.notify_one();
}

std::vector<std::unique_ptr<SpanData>> BatchQueue::TakeLocked() {
  std::size_t n = std::min(batch_size_, q_.size());
  std::vector<std::unique_ptr<SpanData>> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(std::move(q_.front()));
    q_.pop_front();
  }
  return out;
}

std::vector<std::unique_ptr<SpanData>> BatchQueue::Take(std::chrono::steady_clock::time_point until) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_until(lock, until, [&] { return woken_ || q_.size() >= batch_size_; });
  woken_ = false;
  return TakeLocked();
}

std::vector<std::unique_ptr<SpanData>> BatchQueue::TakeNow() {
  std::lock_guard<std::mutex> lock(mu_);
  return TakeLocked();
}

void BatchQueue::Wake() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

std::size_t BatchQueue::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return q_.size();
}

}  // namespace lux::tracing
