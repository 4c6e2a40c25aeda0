// The bounded per-connection queue (see outbox.h). A fiber waits on a steady_timer of its own
// io_context; Push wakes it by posting the timer's cancel to that io_context, so the cancel
// always runs after the fiber suspended (the io_context has one thread, the fiber's) and a
// wake-up cannot be lost between the check and the wait.
#include "realtime/outbox.h"

#include <atomic>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "core/fiber.h"

namespace lux::realtime {

namespace {
std::atomic<std::int64_t> g_total_bytes{0};
std::atomic<std::uint64_t> g_total_dropped{0};
}  // namespace

struct Outbox::Waiter {
  boost::asio::io_context* ioc = nullptr;
  std::shared_ptr<boost::asio::steady_timer> timer;
};

namespace {
OutboxLimits AtLeastOne(OutboxLimits l) {
  if (l.max_events == 0) l.max_events = 1;
  return l;
}
}  // namespace

Outbox::Outbox(OutboxLimits limits) : limits_(AtLeastOne(limits)) {}

Outbox::~Outbox() { g_total_bytes.fetch_sub(static_cast<std::int64_t>(bytes_), std::memory_order_relaxed); }

void Outbox::DropOldestLocked() {
  bytes_ -= queue_.front()->size();
  g_total_bytes.fetch_sub(static_cast<std::int64_t>(queue_.front()->size()), std::memory_order_relaxed);
  queue_.pop_front();
  ++dropped_;
  g_total_dropped.fetch_add(1, std::memory_order_relaxed);
}

bool Outbox::Push(Payload payload) {
  if (!payload) return false;
  std::shared_ptr<Waiter> wake;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return false;
    while (!queue_.empty() &&
           (queue_.size() + 1 > limits_.max_events || bytes_ + payload->size() > limits_.max_bytes))
      DropOldestLocked();
    bytes_ += payload->size();
    g_total_bytes.fetch_add(static_cast<std::int64_t>(payload->size()), std::memory_order_relaxed);
    queue_.push_back(std::move(payload));
    wake = std::move(waiter_);
  }
  cv_.notify_one();
  if (wake) boost::asio::post(*wake->ioc, [t = wake->timer] { t->cancel(); });
  return true;
}

std::size_t Outbox::TakeAll(std::vector<Payload>& out) {
  std::lock_guard<std::mutex> lock(mu_);
  std::size_t n = queue_.size();
  for (auto& p : queue_) out.push_back(std::move(p));
  queue_.clear();
  g_total_bytes.fetch_sub(static_cast<std::int64_t>(bytes_), std::memory_order_relaxed);
  bytes_ = 0;
  return n;
}

bool Outbox::Wait(std::chrono::steady_clock::time_point deadline) {
  core::Fiber* f = core::tl_fiber;
  if (!f || !f->yield) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_until(lock, deadline, [&] { return !queue_.empty() || closed_; });
    return !queue_.empty();
  }
  auto w = std::make_shared<Waiter>();
  w->ioc = f->ioc;
  w->timer = std::make_shared<boost::asio::steady_timer>(*f->ioc, deadline);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!queue_.empty() || closed_) return !queue_.empty();
    waiter_ = w;
  }
  {
    core::SuspendGuard guard;
    boost::system::error_code ec;
    w->timer->async_wait((*f->yield)[ec]);
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (waiter_ == w) waiter_.reset();
  return !queue_.empty();
}

void Outbox::Close() {
  std::shared_ptr<Waiter> wake;
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    wake = std::move(waiter_);
  }
  cv_.notify_all();
  if (wake) boost::asio::post(*wake->ioc, [t = wake->timer] { t->cancel(); });
}

bool Outbox::closed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return closed_;
}
std::size_t Outbox::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}
std::size_t Outbox::bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bytes_;
}
std::uint64_t Outbox::dropped() const {
  std::lock_guard<std::mutex> lock(mu_);
  return dropped_;
}

std::int64_t Outbox::TotalBytes() { return g_total_bytes.load(std::memory_order_relaxed); }
std::uint64_t Outbox::TotalDropped() { return g_total_dropped.load(std::memory_order_relaxed); }

}  // namespace lux::realtime
