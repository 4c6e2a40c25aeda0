// The bounded span queue (see batch_queue.h): per-thread single-producer rings, one counter.
#include "tracing/batch_queue.h"

#include <algorithm>
#include <bit>

namespace lux::tracing {

// Slots written by the producer thread at `tail`, read by the exporter at `head` (under the
// queue's mutex, so one consumer at a time). Shared by the queue and the producer thread: when
// the thread exits the ring is marked orphaned, and the exporter drops it once it is empty.
struct BatchQueue::Ring {
  explicit Ring(std::size_t capacity) : slots(new SpanData*[capacity]), mask(capacity - 1) {}
  ~Ring() {
    for (std::size_t h = head.load(); h != tail.load(); ++h) delete slots[h & mask];
  }
  std::unique_ptr<SpanData*[]> slots;
  const std::size_t mask;
  alignas(64) std::atomic<std::size_t> tail{0};  // the producer's
  alignas(64) std::atomic<std::size_t> head{0};  // the consumer's
  std::atomic<bool> orphaned{false};
};

namespace {

std::atomic<std::uint64_t> g_next_queue_id{1};

// This thread's ring and the queue it belongs to.
struct ThreadRing {
  std::uint64_t queue_id = 0;
  std::shared_ptr<BatchQueue::Ring> ring;
  ~ThreadRing() {
    if (ring) ring->orphaned.store(true, std::memory_order_release);
  }
};
thread_local ThreadRing tl_ring;

}  // namespace

BatchQueue::BatchQueue(std::size_t max_queue, std::size_t batch_size)
    : max_queue_(std::max<std::size_t>(1, max_queue)),
      batch_size_(std::max<std::size_t>(1, batch_size)),
      ring_capacity_(std::bit_ceil(max_queue_)),
      id_(g_next_queue_id.fetch_add(1)) {}

BatchQueue::Ring& BatchQueue::ThisThreadsRing() {
  ThreadRing& t = tl_ring;
  if (t.queue_id == id_) [[likely]] return *t.ring;
  if (t.ring) t.ring->orphaned.store(true, std::memory_order_release);  // a ring of another queue
  auto ring = std::make_shared<Ring>(ring_capacity_);
  {
    std::lock_guard<std::mutex> lock(mu_);
    rings_.push_back(ring);
  }
  t.queue_id = id_;
  t.ring = std::move(ring);
  return *t.ring;
}

void BatchQueue::Submit(std::unique_ptr<SpanData> span) {
  // Counted before it is pushed: the bound holds over every thread's ring.
  const std::size_t before = queued_.fetch_add(1, std::memory_order_acq_rel);
  if (before >= max_queue_) {
    queued_.fetch_sub(1, std::memory_order_relaxed);
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return;  // the span is freed here
  }
  Ring& r = ThisThreadsRing();
  const std::size_t t = r.tail.load(std::memory_order_relaxed);
  r.slots[t & r.mask] = span.release();
  r.tail.store(t + 1, std::memory_order_release);
  if (before + 1 == batch_size_) {
    // A full batch: the exporter is told. Taking the mutex between the count and the notify
    // means a waiter either saw the count when it checked or is already waiting.
    { std::lock_guard<std::mutex> lock(mu_); }
    cv_.notify_one();
  }
}

std::vector<std::unique_ptr<SpanData>> BatchQueue::TakeLocked() {
  std::vector<std::unique_ptr<SpanData>> out;
  out.reserve(std::min(batch_size_, queued_.load(std::memory_order_acquire)));
  const std::size_t n = rings_.size();
  for (std::size_t k = 0; k < n && out.size() < batch_size_; ++k) {
    Ring& r = *rings_[(next_ring_ + k) % n];
    std::size_t h = r.head.load(std::memory_order_relaxed);
    const std::size_t t = r.tail.load(std::memory_order_acquire);
    for (; h != t && out.size() < batch_size_; ++h) out.emplace_back(r.slots[h & r.mask]);
    r.head.store(h, std::memory_order_release);
  }
  if (n) next_ring_ = (next_ring_ + 1) % n;
  queued_.fetch_sub(out.size(), std::memory_order_acq_rel);
  // The rings of threads that have exited, once empty (their last push is visible: the
  // orphaned flag is set after it).
  std::erase_if(rings_, [](const std::shared_ptr<Ring>& r) {
    return r->orphaned.load(std::memory_order_acquire) &&
           r->head.load(std::memory_order_relaxed) == r->tail.load(std::memory_order_acquire);
  });
  return out;
}

std::vector<std::unique_ptr<SpanData>> BatchQueue::Take(std::chrono::steady_clock::time_point until) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_until(lock, until, [&] { return woken_ || queued_.load(std::memory_order_acquire) >= batch_size_; });
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

}  // namespace lux::tracing
