// A child process for the process tests: runs a binary with extra environment, collects its
// stderr (and stdout), sends signals, waits for its exit code. With `start_fd` the child waits
// for one byte on that descriptor before it execs: several children blocked on one pipe start
// at the same instant when the test writes one byte per child in one write (a start barrier).
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <regex>
#include <string>
#include <vector>

namespace luxtest {

class Proc {
 public:
  Proc(const std::string& binary, std::vector<std::string> args, std::vector<std::string> env, int start_fd = -1) {
    int err[2], out[2];
    if (::pipe(err) != 0 || ::pipe(out) != 0) throw std::runtime_error("pipe failed");
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(err[1], 2);
      ::dup2(out[1], 1);
      ::close(err[0]);
      ::close(err[1]);
      ::close(out[0]);
      ::close(out[1]);
      for (const auto& e : env) ::putenv(const_cast<char*>(e.c_str()));
      if (start_fd >= 0) {
        char go;
        while (::read(start_fd, &go, 1) < 0 && errno == EINTR) {
        }
      }
      std::vector<char*> argv{const_cast<char*>(binary.c_str())};
      for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      ::execv(binary.c_str(), argv.data());
      ::_exit(127);
    }
    ::close(err[1]);
    ::close(out[1]);
    err_ = err[0];
    out_fd_ = out[0];
    ::fcntl(err_, F_SETFL, O_NONBLOCK);
    ::fcntl(out_fd_, F_SETFL, O_NONBLOCK);
  }
  ~Proc() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      int st;
      ::waitpid(pid_, &st, 0);
    }
    ::close(err_);
    ::close(out_fd_);
  }
  Proc(const Proc&) = delete;

  // Reads stderr until `needle` appears (or timeout); true when found.
  bool WaitFor(const std::string& needle, int timeout_ms = 5000) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (err_text_.find(needle) == std::string::npos) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      Pump(10);
    }
    return true;
  }
  void Pump(int ms) {
    pollfd p[2] = {{err_, POLLIN, 0}, {out_fd_, POLLIN, 0}};
    if (::poll(p, 2, ms) > 0) {
      char buf[4096];
      ssize_t n = ::read(err_, buf, sizeof buf);
      if (n > 0) err_text_.append(buf, static_cast<std::size_t>(n));
      n = ::read(out_fd_, buf, sizeof buf);
      if (n > 0) out_text_.append(buf, static_cast<std::size_t>(n));
    }
  }
  std::uint16_t Port() {
    if (!WaitFor("msg=listening")) return 0;
    std::smatch m;
    if (!std::regex_search(err_text_, m, std::regex("msg=listening.*port=(\\d+)"))) return 0;
    return static_cast<std::uint16_t>(std::stoi(m[1]));
  }
  // Exit code, or 128+signal; -1 on timeout.
  // A second Wait returns the same status at once (the child was reaped by the first).
  int Wait(int timeout_ms = 5000) {
    if (exited_) return status_;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < deadline) {
      int st = 0;
      pid_t r = ::waitpid(pid_, &st, WNOHANG);
      if (r == pid_) {
        exited_ = true;
        for (int i = 0; i < 5; ++i) Pump(5);
        status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        return status_;
      }
      Pump(10);
    }
    return -1;
  }
  void Signal(int sig) { ::kill(pid_, sig); }
  const std::string& err() const { return err_text_; }
  const std::string& out() const { return out_text_; }

 private:
  pid_t pid_ = -1;
  int err_ = -1;
  int out_fd_ = -1;
  bool exited_ = false;
  int status_ = -1;
  std::string err_text_;
  std::string out_text_;
};

}  // namespace luxtest
