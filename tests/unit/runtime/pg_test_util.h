// A real PostgreSQL server for the PostgreSQL tests: a throwaway cluster (initdb, trust auth
// on loopback, fsync off) in a temp directory, `postgres -h 127.0.0.1 -p <free port> -k <dir>`,
// stopped (fast shutdown) and removed with the test. PostgreSQL refuses to run as root: when
// the tests run as root (CI) the cluster belongs to the `postgres` system user and the server
// processes switch to it. Missing binaries are a failure, not a skip: .ci/deps.sh installs
// postgresql. Also fresh databases per test and an admin connection for inspecting them.
#pragma once

#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "db/pg_connection.h"
#include "redis_test_util.h"  // FreeTcpPort

namespace luxtest {

inline std::string FindPostgresBin(const std::string& name) {
  std::error_code ec;
  for (const auto& version : std::filesystem::directory_iterator("/usr/lib/postgresql", ec)) {
    std::string p = (version.path() / "bin" / name).string();
    if (::access(p.c_str(), X_OK) == 0) return p;
  }
  throw std::runtime_error(name + " not found under /usr/lib/postgresql/*/bin: install postgresql (.ci/deps.sh lists it)");
}

class PostgresServer {
 public:
  PostgresServer() {
    char tmpl[] = "/tmp/lux_pg_test_XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    if (::geteuid() == 0) {
      passwd* pw = ::getpwnam("postgres");
      if (!pw) throw std::runtime_error("running as root but there is no `postgres` user to run PostgreSQL as");
      uid_ = pw->pw_uid;
      gid_ = pw->pw_gid;
      if (::chown(dir_.c_str(), uid_, gid_) != 0) throw std::runtime_error("chown " + dir_);
    }
    if (Run({FindPostgresBin("initdb"), "-D", dir_ + "/data", "-U", "lux", "-A", "trust", "-E", "UTF8", "--no-sync",
             "--no-instructions"},
            dir_ + "/initdb.log") != 0)
      throw std::runtime_error("initdb failed (see " + dir_ + "/initdb.log)");
    for (int attempt = 0; attempt < 5; ++attempt) {
      port_ = FreeTcpPort();
      if (Launch()) return;
      Stop();
    }
    throw std::runtime_error("postgres did not start (see " + dir_ + "/postgres.log)");
  }
  ~PostgresServer() {
    Stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  PostgresServer(const PostgresServer&) = delete;

  int port() const { return port_; }
  std::string Url(const std::string& db = "postgres") const {
    return "postgres://lux@127.0.0.1:" + std::to_string(port_) + "/" + db;
  }
  // A new empty database; -> its URL.
  std::string CreateDatabase() {
    static std::atomic<int> n{0};
    std::string name = "t" + std::to_string(::getpid()) + "_" + std::to_string(++n);
    Admin().Command("CREATE DATABASE " + name, "test");
    return Url(name);
  }
  lux::db::PgConnection& Admin(const std::string& db = "postgres") {
    if (!admin_ || !admin_->Usable() || admin_db_ != db) {
      admin_ = lux::db::PgConnection::Open(Url(db), Url(db));
      admin_db_ = db;
    }
    return *admin_;
  }

  // Fast shutdown (clients disconnected, nothing lost), then the same port and data again.
  void Restart() {
    Stop();
    if (!Launch()) throw std::runtime_error("postgres did not restart");
  }
  void Stop() {
    admin_.reset();
    if (pid_ > 0) {
      ::kill(pid_, SIGINT);
      int st;
      ::waitpid(pid_, &st, 0);
      pid_ = -1;
    }
  }

 private:
  // Forks `args` as the cluster's owner, output appended to `log`; returns the child's pid.
  pid_t Spawn(const std::vector<std::string>& args, const std::string& log) {
    pid_t pid = ::fork();
    if (pid == 0) {
      int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (fd >= 0) {
        ::dup2(fd, 1);
        ::dup2(fd, 2);
      }
      if (uid_ != 0 && (::setgroups(0, nullptr) != 0 || ::setgid(gid_) != 0 || ::setuid(uid_) != 0)) ::_exit(126);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      ::execv(args[0].c_str(), argv.data());
      ::_exit(127);
    }
    return pid;
  }
  int Run(const std::vector<std::string>& args, const std::string& log) {
    pid_t pid = Spawn(args, log);
    int st = 0;
    ::waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  }
  bool Launch() {
    pid_ = Spawn({FindPostgresBin("postgres"), "-D", dir_ + "/data", "-p", std::to_string(port_), "-h", "127.0.0.1",
                  "-k", dir_, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
                  "-c", "max_connections=200", "-c", "shared_buffers=16MB"},
                 dir_ + "/postgres.log");
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      int st;
      if (::waitpid(pid_, &st, WNOHANG) == pid_) {
        pid_ = -1;
        return false;  // exited: port taken?
      }
      try {
        Admin();
        return true;
      } catch (const std::exception&) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  std::string dir_;
  uid_t uid_ = 0;
  gid_t gid_ = 0;
  int port_ = 0;
  pid_t pid_ = -1;
  std::unique_ptr<lux::db::PgConnection> admin_;
  std::string admin_db_;
};

}  // namespace luxtest
