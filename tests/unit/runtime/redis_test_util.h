// A real redis-server for the Redis tests: started on a free 127.0.0.1 port in a temp
// directory (no RDB snapshots; AOF only when asked), stopped with the test. Missing
// redis-server is a failure, not a skip: .ci/deps.sh installs it. Also a direct connection for
// inspecting keys, and unique key prefixes so tests never see each other's data.
#pragma once

#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "redis/client.h"

namespace luxtest {

inline std::string FindRedisServer() {
  for (const char* p : {"/usr/bin/redis-server", "/usr/local/bin/redis-server", "/usr/sbin/redis-server"})
    if (::access(p, X_OK) == 0) return p;
  throw std::runtime_error("redis-server not found: install it (.ci/deps.sh lists it)");
}

inline int FreeTcpPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  int port = ntohs(a.sin_port);
  ::close(fd);
  return port;
}

class RedisServer {
 public:
  // `aof`: appendonly yes with appendfsync always (durability tests); otherwise no persistence.
  explicit RedisServer(bool aof = false) : aof_(aof) {
    char tmpl[] = "/tmp/lux_redis_test_XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    for (int attempt = 0; attempt < 5; ++attempt) {
      port_ = FreeTcpPort();
      if (Launch()) return;
      Stop();
    }
    throw std::runtime_error("redis-server did not start (see " + dir_ + "/redis.log)");
  }
  ~RedisServer() {
    Stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  RedisServer(const RedisServer&) = delete;

  std::string Url() const { return "redis://127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }

  // SIGKILL: what a crash or an OOM kill looks like (nothing flushed beyond what fsync did).
  void Kill() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      int st;
      ::waitpid(pid_, &st, 0);
      pid_ = -1;
    }
  }
  // Starts again on the same port and directory (reads the AOF back).
  void Restart() {
    Kill();
    if (!Launch()) throw std::runtime_error("redis-server did not restart");
  }
  void Stop() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int st;
      ::waitpid(pid_, &st, 0);
      pid_ = -1;
    }
  }

  lux::redis::Reply Cmd(const std::vector<std::string>& argv) {
    if (!conn_ || conn_->broken()) conn_ = lux::redis::Connection::Open(lux::redis::ParseUrl(Url()), 5000);
    return conn_->Command(argv);
  }

 private:
  bool Launch() {
    conn_.reset();
    std::string bin = FindRedisServer();
    std::vector<std::string> args{bin,  "--port", std::to_string(port_), "--bind", "127.0.0.1", "--dir", dir_,
                                  "--save", "",    "--logfile", dir_ + "/redis.log", "--daemonize", "no"};
    if (aof_) {
      args.insert(args.end(), {"--appendonly", "yes", "--appendfsync", "always"});
    } else {
      args.insert(args.end(), {"--appendonly", "no"});
    }
    pid_ = ::fork();
    if (pid_ == 0) {
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      ::execv(bin.c_str(), argv.data());
      ::_exit(127);
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      int st;
      if (::waitpid(pid_, &st, WNOHANG) == pid_) {
        pid_ = -1;
        return false;  // exited: port taken?
      }
      try {
        if (Cmd({"PING"}).AsString() == "PONG") {
          // AOF rewrite/loading finished when PING answers; nothing else to wait for.
          return true;
        }
      } catch (const std::exception&) {
        conn_.reset();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  bool aof_;
  std::string dir_;
  int port_ = 0;
  pid_t pid_ = -1;
  std::unique_ptr<lux::redis::Connection> conn_;
};

// A prefix no other test (or run) uses.
inline std::string UniquePrefix(const std::string& what) {
  static std::atomic<int> n{0};
  return "t" + std::to_string(::getpid()) + "-" + what + "-" + std::to_string(++n);
}

}  // namespace luxtest
