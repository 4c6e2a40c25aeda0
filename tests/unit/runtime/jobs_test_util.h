// Helpers for the jobs tests: a captured log (the runtime logger writes into a temp file), a
// scratch directory removed at the end, and polling with a real-time limit.
#pragma once

#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>

#include "core/log.h"

namespace luxtest {

class LogCapture {
 public:
  explicit LogCapture(lux::LogLevel level = lux::LogLevel::kDebug) : file_(std::tmpfile()) {
    saved_ = lux::core::LogConfig();
    lux::core::LogConfig().fd = fileno(file_);
    lux::core::LogConfig().level = level;
    lux::core::LogConfig().format = lux::LogFormat::kText;
  }
  ~LogCapture() {
    lux::core::LogConfig() = saved_;
    std::fclose(file_);
  }
  std::string Text() const {
    lux::core::FlushThreadLog();
    std::string out;
    char buf[4096];
    off_t off = 0;
    for (;;) {
      ssize_t n = ::pread(fileno(file_), buf, sizeof buf, off);
      if (n <= 0) break;
      out.append(buf, static_cast<std::size_t>(n));
      off += n;
    }
    return out;
  }
  bool Has(const std::string& needle) const { return Text().find(needle) != std::string::npos; }

 private:
  std::FILE* file_;
  lux::core::LogSettings saved_;
};

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/lux_jobs_test_XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string File(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Polls `pred` every millisecond until true or `timeout_ms` of real time passed.
inline bool WaitFor(const std::function<bool()>& pred, int timeout_ms = 5000) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

inline std::int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace luxtest
