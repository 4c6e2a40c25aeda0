// ProcessLease (see process_lease.h): an exclusive, non-blocking flock on a file of its own.
#include "core/process_lease.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "lux/error.h"

namespace lux::core {

ProcessLease::ProcessLease(const std::string& path) : path_(path) {
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw Error("cannot open the lease file " + path + ": " + std::strerror(errno));
}

ProcessLease::~ProcessLease() {
  StopWaiting();
  Release();
  ::close(fd_);
}

bool ProcessLease::TryTake() {
  if (held_.load()) return true;
  int rc;
  do {
    rc = ::flock(fd_, LOCK_EX | LOCK_NB);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) return false;
  held_.store(true);
  return true;
}

void ProcessLease::WhenTaken(std::function<void()> then) {
  StopWaiting();
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_waiting_ = false;
  }
  waiter_ = std::thread([this, then = std::move(then)] {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stop_waiting_) {
      if (TryTake()) {
        lock.unlock();
        then();
        return;
      }
      cv_.wait_for(lock, std::chrono::milliseconds(kLeasePollMs), [this] { return stop_waiting_; });
    }
  });
}

void ProcessLease::StopWaiting() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_waiting_ = true;
  }
  cv_.notify_all();
  if (waiter_.joinable()) waiter_.join();
}

void ProcessLease::Release() {
  if (!held_.exchange(false)) return;
  ::flock(fd_, LOCK_UN);
}

}  // namespace lux::core
