// runDev (`luxc dev`): build and run every server of a program, watch the source (inotify), and
// on each save rebuild and swap only the servers whose executable changed in what it loads
// (ExecutableDigest: not its debug info or build id). luxc holds each
// server's listening socket and hands it to the server (LUX_LISTEN_FD), so the old and the new
// process accept from the same queue: the new one is started and reports ready (LUX_READY_FD)
// before the old one is told to go (SIGUSR2, a swap: it stops accepting and finishes its requests
// but keeps its open event streams and WebSockets until they close or LUX_SWAP_DRAIN_TIMEOUT_MS),
// and a client never sees a refused connection.
// A build with errors prints its diagnostics and leaves the running servers as they are.
// Every server of the session, the replaced ones included, shares one LUX_PROGRAM_SECRET: the
// environment's, else one generated when luxc dev starts.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "lux_common/env_names.h"
#include "driver/build.h"
#include "driver/exe_digest.h"
#include "driver/supervise.h"

namespace lux {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// How long a new server may take from exec to ready before the swap is abandoned.
constexpr int kReadyTimeoutMs = 15000;
// Editors write a file in several steps (truncate + write, or write a temp file + rename):
// events closer together than this are one save.
constexpr int kDebounceMs = 5;
// How long a swap waits for the replaced process to finish its requests (it exits, or says
// "drained" on its readiness pipe when only realtime connections are left) before it reports
// (the process keeps draining after that; the runtime's own deadline is 10 s).
constexpr int kRetireWaitMs = 12000;

long msSince(Clock::time_point t) {
  return static_cast<long>(std::chrono::duration<double, std::milli>(Clock::now() - t).count());
}

// HOST:PORT as a person types it ([::1]:8080 for an IPv6 address).
std::string hostPort(const std::string& host, int port) {
  bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

struct Proc {
  std::string server;  // its name ("" for the unnamed server)
  pid_t pid = -1;
  int out = -1;    // read end of its stdout + stderr
  int ready = -1;  // read end of its readiness pipe: "ready PORT", then "drained" after a swap
  std::string partial;
  bool retiring = false;  // sent SIGUSR2 (a swap) or SIGTERM: a newer process serves instead
  bool drained = false;   // after a swap: only its realtime connections are left
};

class Dev {
 public:
  Dev(const BuildOptions& bopts, const DriverOptions& dopts, const DevOptions& opts, std::ostream& err)
      : bopts_(bopts), dopts_(dopts), opts_(opts), err_(err) {}

  int Run();

 private:
  bool Build(BuildResult& built, long& ms);
  bool Listen(const BuildResult::Server& s, size_t index);
  Proc* Start(const BuildResult::Server& s, const BuildResult& built);
  bool AwaitReady(Proc* p);
  void ReadDrained(Proc& p);
  void Pump(int timeout_ms);  // forwards output, reaps exited processes
  void Forward(Proc& p, bool flush);
  void Reap();
  void Swap(const BuildResult& built, long build_ms);
  void StopAll();
  std::string Label(const std::string& server) const;

  const BuildOptions& bopts_;
  const DriverOptions& dopts_;
  const DevOptions& opts_;
  std::ostream& err_;
  std::map<std::string, int> listeners_;  // server name → listening socket
  std::map<std::string, int> ports_;      // server name → port
  std::vector<std::unique_ptr<Proc>> procs_;
  std::map<std::string, std::string> served_;  // server name → ExecutableDigest of the one running
  size_t width_ = 6;
  int wake_ = -1;  // read end of the stop-signal pipe
};

std::string Dev::Label(const std::string& server) const {
  std::string name = server.empty() ? "server" : server;
  return "[" + name + "]" + std::string(width_ > name.size() ? width_ - name.size() + 1 : 1, ' ');
}

bool Dev::Build(BuildResult& built, long& ms) {
  auto t0 = Clock::now();
  std::ostringstream paths;  // buildProgram prints the executables' paths: not needed here
  int rc = buildProgram(bopts_, dopts_, built, paths, err_);
  ms = msSince(t0);
  return rc == 0;
}

bool Dev::Listen(const BuildResult::Server& s, size_t index) {
  if (listeners_.count(s.name)) return true;
  int port = opts_.port > 0 ? opts_.port + static_cast<int>(index) : s.port;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* res = nullptr;
  if (getaddrinfo(opts_.host.c_str(), std::to_string(port).c_str(), &hints, &res) != 0 || !res) {
    err_ << "luxc dev: cannot resolve host `" << opts_.host << "`\n";
    return false;
  }
  int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  bool ok = fd >= 0 && bind(fd, res->ai_addr, res->ai_addrlen) == 0 && listen(fd, SOMAXCONN) == 0;
  int why = errno;
  freeaddrinfo(res);
  if (!ok) {
    err_ << "luxc dev: cannot listen on " << hostPort(opts_.host, port) << " for " << Label(s.name) << ": "
         << std::strerror(why) << "\n";
    if (fd >= 0) close(fd);
    return false;
  }
  listeners_[s.name] = fd;
  ports_[s.name] = port;
  return true;
}

Proc* Dev::Start(const BuildResult::Server& s, const BuildResult& built) {
  int out[2], ready[2];
  if (pipe2(out, O_CLOEXEC) != 0) return nullptr;
  if (pipe2(ready, O_CLOEXEC) != 0) {
    close(out[0]);
    close(out[1]);
    return nullptr;
  }
  // Peers and discovered services at the ports luxc dev listens on (they differ from the
  // declared ones with --port).
  std::vector<std::string> env;
  for (const BuildResult::Server& o : built.servers) {
    if (o.name == s.name || o.name.empty() || !ports_.count(o.name)) continue;
    std::string url = "http://127.0.0.1:" + std::to_string(ports_[o.name]);
    env.push_back(core::EnvVarName("LUX_PEER_", o.name, "_URL") + "=" + url);
    env.push_back(core::EnvVarName("LUX_SERVICE_", o.name, "_URL") + "=" + url);
  }
  int listener = listeners_[s.name];
  pid_t self = getpid();
  pid_t pid = fork();
  if (pid == 0) {
    supervise::PrepareChild(self);
    // The listening socket becomes fd 3 and the readiness pipe fd 4 (dup2 clears CLOEXEC).
    int l = fcntl(listener, F_DUPFD_CLOEXEC, 10), r = fcntl(ready[1], F_DUPFD_CLOEXEC, 10);
    dup2(out[1], 1);
    dup2(out[1], 2);
    dup2(l, 3);
    dup2(r, 4);
    setenv("LUX_LISTEN_FD", "3", 1);
    setenv("LUX_READY_FD", "4", 1);
    // The address luxc bound for it: what the server reports and a declared `env HOST` reads.
    setenv("HOST", opts_.host.c_str(), 1);
    for (const std::string& e : env) {
      size_t eq = e.find('=');
      if (!std::getenv(e.substr(0, eq).c_str())) setenv(e.substr(0, eq).c_str(), e.substr(eq + 1).c_str(), 1);
    }
    std::vector<std::string> args = opts_.args;
    std::string exe = s.executable;
    std::vector<char*> argv{exe.data()};
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(exe.c_str(), argv.data());
    std::fprintf(stderr, "cannot start %s: %s\n", exe.c_str(), std::strerror(errno));
    _exit(127);
  }
  close(out[1]);
  close(ready[1]);
  if (pid < 0) {
    close(out[0]);
    close(ready[0]);
    return nullptr;
  }
  auto p = std::make_unique<Proc>();
  p->server = s.name;
  p->pid = pid;
  p->out = out[0];
  p->ready = ready[0];
  procs_.push_back(std::move(p));
  return procs_.back().get();
}

void Dev::Forward(Proc& p, bool flush) { supervise::ForwardLines(std::cout, Label(p.server), p.partial, flush); }

void Dev::Pump(int timeout_ms) {
  std::vector<pollfd> pfds;
  for (auto& p : procs_)
    if (p->out >= 0) pfds.push_back({p->out, POLLIN, 0});
  if (pfds.empty()) {
    if (timeout_ms > 0) poll(nullptr, 0, timeout_ms);
  } else if (poll(pfds.data(), pfds.size(), timeout_ms) > 0) {
    for (const pollfd& pf : pfds) {
      if (!(pf.revents & (POLLIN | POLLHUP | POLLERR))) continue;
      for (auto& p : procs_) {
        if (p->out != pf.fd) continue;
        char buf[8192];
        ssize_t n = read(p->out, buf, sizeof buf);
        if (n > 0) {
          p->partial.append(buf, static_cast<size_t>(n));
          Forward(*p, false);
        } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
          Forward(*p, true);
          close(p->out);
          p->out = -1;
        }
      }
    }
  }
  Reap();
}

void Dev::Reap() {
  for (auto it = procs_.begin(); it != procs_.end();) {
    Proc& p = **it;
    int st = 0;
    if (waitpid(p.pid, &st, WNOHANG) != p.pid) {
      ++it;
      continue;
    }
    if (p.out >= 0) {  // what it wrote last
      char buf[8192];
      for (ssize_t n; (n = read(p.out, buf, sizeof buf)) > 0;) p.partial.append(buf, static_cast<size_t>(n));
      Forward(p, true);
      close(p.out);
    }
    if (p.ready >= 0) close(p.ready);
    int code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    if (!p.retiring && !supervise::StopSignal()) {
      err_ << "luxc dev: " << Label(p.server) << "exited with status " << code
           << "; it starts again after the next successful build\n";
      served_.erase(p.server);
    }
    it = procs_.erase(it);
  }
}

bool Dev::AwaitReady(Proc* p) {
  auto deadline = Clock::now() + std::chrono::milliseconds(kReadyTimeoutMs);
  pid_t pid = p->pid;
  int ready = p->ready;
  while (Clock::now() < deadline && !supervise::StopSignal()) {
    pollfd pf{ready, POLLIN, 0};
    if (poll(&pf, 1, 0) > 0) {
      char buf[64];
      ssize_t n = read(ready, buf, sizeof buf);
      // The line "ready PORT\n"; EOF without it means the process exited or closed the pipe.
      // The pipe stays open for the "drained" of a later swap.
      bool ok = n > 0 && std::string(buf, static_cast<size_t>(n)).rfind("ready", 0) == 0;
      for (auto& q : procs_)
        if (q->pid == pid && !ok) {
          close(q->ready);
          q->ready = -1;
        }
      return ok;
    }
    Pump(5);
    bool alive = false;
    for (auto& q : procs_) alive |= q->pid == pid;
    if (!alive) return false;
  }
  return false;
}

// After a swap: whether the process said "drained" (or closed its readiness pipe) meanwhile.
void Dev::ReadDrained(Proc& p) {
  if (p.drained || p.ready < 0) {
    p.drained = true;
    return;
  }
  pollfd pf{p.ready, POLLIN, 0};
  if (poll(&pf, 1, 0) <= 0) return;
  char buf[64];
  ssize_t n = read(p.ready, buf, sizeof buf);
  if (n <= 0 || std::string(buf, static_cast<size_t>(n)).find("drained") != std::string::npos) {
    p.drained = true;
    close(p.ready);
    p.ready = -1;
  }
}

void Dev::Swap(const BuildResult& built, long build_ms) {
  auto t0 = Clock::now();
  std::vector<std::string> replaced, started, failed;
  for (size_t i = 0; i < built.servers.size(); ++i) {
    const BuildResult::Server& s = built.servers[i];
    width_ = std::max(width_, (s.name.empty() ? std::string("server") : s.name).size());
    // Unchanged in what it loads (an edit above it only moved its #line numbers): keeps running.
    std::string id = ExecutableDigest(s.executable);
    auto was = served_.find(s.name);
    if (was != served_.end() && !id.empty() && was->second == id) continue;
    if (!Listen(s, i)) {
      failed.push_back(s.name.empty() ? "server" : s.name);
      continue;
    }
    std::vector<Proc*> old;
    for (auto& p : procs_)
      if (p->server == s.name && !p->retiring) old.push_back(p.get());
    Proc* fresh = Start(s, built);
    if (!fresh || !AwaitReady(fresh)) {
      if (fresh) {
        fresh->retiring = true;
        kill(fresh->pid, SIGKILL);
      }
      failed.push_back(s.name.empty() ? "server" : s.name);
      continue;
    }
    // The new process accepts from the same socket: swap the old ones out (they finish what
    // they have accepted — what is still queued is the new process's — and keep their event
    // streams and WebSockets until those close).
    std::vector<pid_t> old_pids;
    for (Proc* p : old) {
      p->retiring = true;
      kill(p->pid, SIGUSR2);
      old_pids.push_back(p->pid);
    }
    // Until they have exited or said "drained" (their requests done, only realtime connections
    // left), an old process may still answer a request with the old code: the status line
    // comes after.
    for (auto until = Clock::now() + std::chrono::milliseconds(kRetireWaitMs); Clock::now() < until && !supervise::StopSignal();) {
      bool left = false;
      for (auto& p : procs_) {
        if (std::find(old_pids.begin(), old_pids.end(), p->pid) == old_pids.end()) continue;
        ReadDrained(*p);
        left |= !p->drained;
      }
      if (!left) break;
      Pump(5);
    }
    served_[s.name] = id;
    std::string shown = (s.name.empty() ? "server" : s.name) + " (" + hostPort(opts_.host, ports_[s.name]) + ")";
    (old.empty() ? started : replaced).push_back(shown);
  }
  // Servers no longer in the program.
  for (auto& p : procs_) {
    bool kept = false;
    for (const BuildResult::Server& s : built.servers) kept |= s.name == p->server;
    if (!kept && !p->retiring) {
      p->retiring = true;
      kill(p->pid, SIGTERM);
      served_.erase(p->server);
    }
  }
  auto join = [](const std::vector<std::string>& v) {
    std::string out;
    for (const std::string& x : v) out += (out.empty() ? "" : ", ") + x;
    return out;
  };
  std::ostringstream line;
  line << "luxc dev: built in " << build_ms << " ms";
  if (!started.empty()) line << "; started " << join(started);
  if (!replaced.empty()) line << "; replaced " << join(replaced);
  if (!started.empty() || !replaced.empty()) line << " in " << msSince(t0) << " ms";
  if (started.empty() && replaced.empty() && failed.empty()) line << "; no server changed";
  if (!failed.empty()) line << "; " << join(failed) << " did not start (the previous build, if any, keeps serving)";
  err_ << line.str() << "\n";
  err_.flush();
}

void Dev::StopAll() {
  for (auto& p : procs_) {
    p->retiring = true;
    kill(p->pid, SIGTERM);
  }
  char drain[64];
  while (read(wake_, drain, sizeof drain) > 0) {
  }
  bool forced = false;
  while (!procs_.empty()) {
    if (!forced && read(wake_, drain, sizeof drain) > 0) {  // a second Ctrl-C: force
      forced = true;
      for (auto& p : procs_) kill(p->pid, SIGKILL);
    }
    Pump(20);
  }
}

int Dev::Run() {
  if (!supervise::EnsureProgramSecret(err_)) return 1;
  wake_ = supervise::CatchStopSignals();
  if (wake_ < 0) return 1;
  signal(SIGPIPE, SIG_IGN);

  // Watch the directory (editors often replace the file by renaming a new one over it).
  std::error_code ec;
  fs::path file = fs::absolute(bopts_.file, ec);
  int ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (ino < 0 || inotify_add_watch(ino, file.parent_path().c_str(), IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE) < 0) {
    err_ << "luxc dev: cannot watch " << file.parent_path().string() << ": " << std::strerror(errno) << "\n";
    return 1;
  }
  std::string name = file.filename().string();
  err_ << "luxc dev: watching " << bopts_.file << " (Ctrl-C stops)\n";

  // The text of the last build: a save that does not change it (a touch) rebuilds nothing.
  // Read before each build, so that a save landing during the build is seen as a change.
  std::string last_text;
  auto readText = [&] {
    std::ifstream in(file);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  auto rebuild = [&] {
    last_text = readText();
    BuildResult built;
    long ms = 0;
    if (!Build(built, ms)) {
      err_ << "luxc dev: build failed in " << ms << " ms; "
           << (served_.empty() ? "nothing is running yet" : "the servers keep serving the last good build") << "\n";
      return;
    }
    Swap(built, ms);
  };
  rebuild();

  while (!supervise::StopSignal()) {
    std::vector<pollfd> pfds{{wake_, POLLIN, 0}, {ino, POLLIN, 0}};
    for (auto& p : procs_)
      if (p->out >= 0) pfds.push_back({p->out, POLLIN, 0});
    if (poll(pfds.data(), pfds.size(), 500) < 0 && errno != EINTR) break;
    if (supervise::StopSignal()) break;
    bool changed = false;
    if (pfds[1].revents & POLLIN) {
      alignas(inotify_event) char buf[4096];
      for (ssize_t n; (n = read(ino, buf, sizeof buf)) > 0;) {
        for (char* at = buf; at < buf + n;) {
          auto* ev = reinterpret_cast<inotify_event*>(at);
          if (ev->len && name == ev->name) changed = true;
          at += sizeof(inotify_event) + ev->len;
        }
      }
    }
    Pump(0);
    if (!changed) continue;
    // Let the rest of the save land, then rebuild only if the text really changed.
    for (auto until = Clock::now() + std::chrono::milliseconds(kDebounceMs); Clock::now() < until;) {
      alignas(inotify_event) char buf[4096];
      while (read(ino, buf, sizeof buf) > 0) {
      }
      Pump(5);
    }
    if (readText() == last_text) continue;
    rebuild();
  }
  err_ << "luxc dev: stopping\n";
  StopAll();
  for (auto& [n, fd] : listeners_) close(fd);
  close(ino);
  return 0;
}

}  // namespace

int runDev(const BuildOptions& bopts, const DriverOptions& dopts, const DevOptions& opts, std::ostream& err) {
  Dev dev(bopts, dopts, opts, err);
  return dev.Run();
}

}  // namespace lux
