// ProcessLease: which process runs the background work of an embedded store (the SQLite job
// store's workers and schedules, the SQLite event outbox's delivery lanes) when several serve
// the same files at once, as the old and the new process of a `luxc dev` swap do. The lease is
// an exclusive flock(2) on `<store file>.lease`: one holder at a time, dropped by the kernel
// when its process exits however it exits. A process that does not get it at its start waits
// (WhenTaken: a thread of its own asks again every kLeasePollMs) and takes the work over as
// soon as the holder lets go (its hand-over at a swap, its stop, its death).
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace lux::core {

// How often a waiting process asks for the lease again: the longest a store's work waits
// between the holder letting go and the next process taking over.
inline constexpr int kLeasePollMs = 20;

class ProcessLease {
 public:
  // Opens (creating) the lease file `path`. Throws lux::Error when it cannot.
  explicit ProcessLease(const std::string& path);
  ~ProcessLease();  // StopWaiting, then Release
  ProcessLease(const ProcessLease&) = delete;
  ProcessLease& operator=(const ProcessLease&) = delete;

  // Takes the lease if no other process holds it; true when this process holds it.
  bool TryTake();
  bool Held() const { return held_.load(); }
  // Starts a thread that asks for the lease until it gets it, then runs `then` on that thread.
  void WhenTaken(std::function<void()> then);
  // Ends the waiting thread (a `then` already begun runs to its end first). Idempotent.
  void StopWaiting();
  // Lets the lease go: a waiting process takes it over. Idempotent.
  void Release();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
  std::atomic<bool> held_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_waiting_ = false;
  std::thread waiter_;
};

}  // namespace lux::core
