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
#include <sys/stat.h>
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
#include <thread>
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
// The longest a wait sleeps in poll: the waits wake on the servers' pipes (output, readiness,
// and their end when a process exits), this only bounds how late an exit is reaped.
constexpr int kPollMs = 20;

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
  std::map<pid_t, bool> AwaitReady(const std::vector<pid_t>& pids);
  void ReadDrained(Proc& p);
  // Forwards output and reaps exited processes; waits up to timeout_ms for output or for one of
  // `also` to become readable.
  void Pump(int timeout_ms, const std::vector<int>& also = {});
  // Pump without the reaping: what the relay thread of Build runs.
  void ReadOutput(int timeout_ms, const std::vector<int>& also);
  void Forward(Proc& p, bool flush);
  void Reap();
  Proc* Find(pid_t pid);
  std::string Digest(const std::string& exe);
  void Retire(const std::vector<pid_t>& old, int signal);
  void AwaitRetired(const std::vector<pid_t>& old);
  void Swap(const BuildResult& built, long build_ms, Clock::time_point saved);
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
  // Executable path → its size and mtime, and its ExecutableDigest then (a server the build did
  // not relink is not read again).
  std::map<std::string, std::pair<std::string, std::string>> digests_;
  DevBuildState build_state_;  // what one build leaves to the next
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
  BuildOptions opts = bopts_;
  opts.dev_state = &build_state_;
  // The running servers keep logging while the compiler runs. Their output is forwarded on a
  // thread meanwhile: a build that lasts longer than it takes a busy server to fill its pipe
  // (64 KiB of access log) would otherwise block that server's next log write, and with it every
  // request. Only the relay reads the pipes until the build returns; the build touches no Proc.
  // std::cerr is tied to std::cout (each write to it flushes std::cout first), which the relay
  // writes: untied for the build.
  std::ostream* tied = err_.tie(nullptr);
  int stop[2];
  std::thread relay;
  if (pipe2(stop, O_CLOEXEC) == 0) {
    relay = std::thread([this, rd = stop[0]] {
      for (;;) {
        pollfd pf{rd, POLLIN, 0};
        if (poll(&pf, 1, 0) > 0) return;
        ReadOutput(-1, {rd});
      }
    });
  }
  int rc = buildProgram(opts, dopts_, built, paths, err_);
  if (relay.joinable()) {
    ssize_t ignored = write(stop[1], "x", 1);
    (void)ignored;
    relay.join();
    close(stop[0]);
    close(stop[1]);
  }
  err_.tie(tied);
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

void Dev::Pump(int timeout_ms, const std::vector<int>& also) {
  ReadOutput(timeout_ms, also);
  Reap();
}

void Dev::ReadOutput(int timeout_ms, const std::vector<int>& also) {
  std::vector<pollfd> pfds;
  for (int fd : also) pfds.push_back({fd, POLLIN, 0});
  size_t outs = pfds.size();
  for (auto& p : procs_)
    if (p->out >= 0) pfds.push_back({p->out, POLLIN, 0});
  if (pfds.empty()) {
    if (timeout_ms > 0) poll(nullptr, 0, timeout_ms);
  } else if (poll(pfds.data(), pfds.size(), timeout_ms) > 0) {
    for (size_t i = outs; i < pfds.size(); ++i) {
      const pollfd& pf = pfds[i];
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

std::string Dev::Digest(const std::string& exe) {
  struct stat st {};
  if (stat(exe.c_str(), &st) != 0) return ExecutableDigest(exe);
  std::string identity = std::to_string(st.st_ino) + ":" + std::to_string(st.st_size) + ":" +
                         std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec);
  auto it = digests_.find(exe);
  if (it != digests_.end() && it->second.first == identity) return it->second.second;
  std::string id = ExecutableDigest(exe);
  digests_[exe] = {identity, id};
  return id;
}

Proc* Dev::Find(pid_t pid) {
  for (auto& p : procs_)
    if (p->pid == pid) return p.get();
  return nullptr;
}

// Until each of `pids` has reported ready: true for those that did (the line "ready PORT" on
// LUX_READY_FD), false for those that exited or closed the pipe first, or took longer than
// kReadyTimeoutMs. The new servers of one save start together and are awaited together. The
// pipe of a ready process stays open for the "drained" of a later swap.
std::map<pid_t, bool> Dev::AwaitReady(const std::vector<pid_t>& pids) {
  std::map<pid_t, bool> done;
  auto deadline = Clock::now() + std::chrono::milliseconds(kReadyTimeoutMs);
  while (done.size() < pids.size() && Clock::now() < deadline && !supervise::StopSignal()) {
    std::vector<int> waiting;
    for (pid_t pid : pids) {
      if (done.count(pid)) continue;
      Proc* p = Find(pid);
      if (!p || p->ready < 0) {
        done[pid] = false;
        continue;
      }
      pollfd pf{p->ready, POLLIN, 0};
      if (poll(&pf, 1, 0) <= 0) {
        waiting.push_back(p->ready);
        continue;
      }
      char buf[64];
      ssize_t n = read(p->ready, buf, sizeof buf);
      bool ok = n > 0 && std::string(buf, static_cast<size_t>(n)).rfind("ready", 0) == 0;
      if (!ok) {
        close(p->ready);
        p->ready = -1;
      }
      done[pid] = ok;
    }
    if (!waiting.empty()) Pump(kPollMs, waiting);
  }
  for (pid_t pid : pids) done.emplace(pid, false);
  return done;
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

// Tells processes to go. A swap's handshake with the processes it replaces, once their
// successors are ready, is SIGUSR2: they stop accepting and finish the requests they accepted
// (what is still queued on the shared socket is the new process's) and keep their event streams
// and WebSockets until those close. A server no longer in the program gets SIGTERM.
void Dev::Retire(const std::vector<pid_t>& old, int signal) {
  for (pid_t pid : old)
    if (Proc* p = Find(pid)) {
      p->retiring = true;
      kill(pid, signal);
    }
}

// Until the retired processes have exited or said "drained" (their requests done, only realtime
// connections left), at most kRetireWaitMs: an old process may still answer a request with the
// old code, and the status line comes after.
void Dev::AwaitRetired(const std::vector<pid_t>& old) {
  for (auto until = Clock::now() + std::chrono::milliseconds(kRetireWaitMs); Clock::now() < until && !supervise::StopSignal();) {
    bool left = false;
    std::vector<int> pipes;
    for (pid_t pid : old)
      if (Proc* p = Find(pid)) {
        ReadDrained(*p);
        left |= !p->drained;
        if (!p->drained) pipes.push_back(p->ready);
      }
    if (!left) break;
    Pump(kPollMs, pipes);
  }
}

void Dev::Swap(const BuildResult& built, long build_ms, Clock::time_point saved) {
  auto t0 = Clock::now();
  std::vector<std::string> replaced, started, failed;
  // The servers that changed, each started beside the process it replaces; then all of them
  // awaited together, and the old processes retired once their successors are ready.
  struct Change {
    const BuildResult::Server* server;
    std::string id;  // its ExecutableDigest
    std::vector<pid_t> old;
    pid_t fresh = -1;
    Clock::time_point started;
  };
  std::vector<Change> changes;
  for (size_t i = 0; i < built.servers.size(); ++i) {
    const BuildResult::Server& s = built.servers[i];
    width_ = std::max(width_, (s.name.empty() ? std::string("server") : s.name).size());
    // Unchanged in what it loads (an edit above it only moved its #line numbers): keeps running.
    std::string id = Digest(s.executable);
    auto was = served_.find(s.name);
    if (was != served_.end() && !id.empty() && was->second == id) continue;
    if (!Listen(s, i)) {
      failed.push_back(s.name.empty() ? "server" : s.name);
      continue;
    }
    changes.push_back({&s, id, {}, -1, {}});
  }
  long digest_ms = msSince(t0);
  std::vector<pid_t> fresh_pids;
  for (Change& c : changes) {
    for (auto& p : procs_)
      if (p->server == c.server->name && !p->retiring) c.old.push_back(p->pid);
    c.started = Clock::now();
    if (Proc* p = Start(*c.server, built)) {
      c.fresh = p->pid;
      fresh_pids.push_back(p->pid);
    }
  }
  std::map<pid_t, bool> ready = AwaitReady(fresh_pids);
  std::vector<pid_t> retired;
  std::string ready_times;
  for (Change& c : changes) {
    const BuildResult::Server& s = *c.server;
    std::string name = s.name.empty() ? "server" : s.name;
    if (c.fresh < 0 || !ready[c.fresh]) {
      if (Proc* p = c.fresh < 0 ? nullptr : Find(c.fresh)) {
        p->retiring = true;
        kill(p->pid, SIGKILL);
      }
      failed.push_back(name);
      continue;
    }
    ready_times += (ready_times.empty() ? "" : ", ") + name + " ready " + std::to_string(msSince(c.started)) + " ms after its start";
    Retire(c.old, SIGUSR2);
    retired.insert(retired.end(), c.old.begin(), c.old.end());
    served_[s.name] = c.id;
    std::string shown = name + " (" + hostPort(opts_.host, ports_[s.name]) + ")";
    (c.old.empty() ? started : replaced).push_back(shown);
  }
  long swapped_ms = msSince(saved);
  auto t_retire = Clock::now();
  AwaitRetired(retired);
  if (bopts_.timings) {
    err_ << "luxc dev: timings: executable digests " << digest_ms << " ms"
         << (ready_times.empty() ? "" : "; " + ready_times) << "; save to swap " << swapped_ms
         << " ms; replaced processes drained or exited " << msSince(t_retire) << " ms after SIGUSR2\n";
  }
  // Servers no longer in the program.
  std::vector<pid_t> gone;
  for (auto& p : procs_) {
    bool kept = false;
    for (const BuildResult::Server& s : built.servers) kept |= s.name == p->server;
    if (!kept && !p->retiring) {
      gone.push_back(p->pid);
      served_.erase(p->server);
    }
  }
  Retire(gone, SIGTERM);
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
  auto rebuild = [&](Clock::time_point saved) {
    last_text = readText();
    if (bopts_.timings) err_ << "luxc dev: timings: save to build start " << msSince(saved) << " ms\n";
    BuildResult built;
    long ms = 0;
    if (!Build(built, ms)) {
      err_ << "luxc dev: build failed in " << ms << " ms; "
           << (served_.empty() ? "nothing is running yet" : "the servers keep serving the last good build") << "\n";
      return;
    }
    Swap(built, ms, saved);
  };
  rebuild(Clock::now());

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
    auto saved = Clock::now();
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
    rebuild(saved);
  }
  err_ << "luxc dev: stopping\n";
  StopAll();
  FinishDevBuild(build_state_);
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
