// runServers (`luxc run`): starts every built server as a child process with its output on a
// pipe, prefixes each line with the server's name, forwards SIGINT/SIGTERM to every child, and
// returns once all have exited: the first non-zero exit status, else 0. The servers share one
// LUX_PROGRAM_SECRET: the environment's, else one generated for this run.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "driver/build.h"
#include "driver/supervise.h"

namespace lux {
namespace {

struct Child {
  std::string label;
  pid_t pid = -1;
  int fd = -1;  // read end of its stdout+stderr
  std::string partial;
  bool running = true;
  int status = 0;
};

void emitLines(Child& c, const char* data, size_t n, bool flush) {
  c.partial.append(data, n);
  supervise::ForwardLines(std::cout, c.label, c.partial, flush);
}

}  // namespace

int runServers(const BuildResult& built, const std::vector<std::string>& args, std::ostream& err) {
  if (!supervise::EnsureProgramSecret(err)) return 1;
  int wake = supervise::CatchStopSignals();
  if (wake < 0) return 1;

  size_t width = 0;
  for (const auto& s : built.servers) width = std::max(width, (s.name.empty() ? std::string("server") : s.name).size());
  std::vector<Child> children;
  for (const auto& s : built.servers) {
    int fds[2];
    if (pipe(fds) != 0) return 1;
    Child c;
    std::string name = s.name.empty() ? "server" : s.name;
    c.label = "[" + name + "]" + std::string(width - name.size() + 1, ' ');
    c.pid = fork();
    if (c.pid == 0) {
      // The child: default signal handling; stdout and stderr into the pipe.
      signal(SIGINT, SIG_DFL);
      signal(SIGTERM, SIG_DFL);
      dup2(fds[1], 1);
      dup2(fds[1], 2);
      close(fds[0]);
      close(fds[1]);
      std::vector<char*> argv;
      std::string exe = s.executable;
      argv.push_back(exe.data());
      std::vector<std::string> copy = args;
      for (std::string& a : copy) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(exe.c_str(), argv.data());
      std::fprintf(stderr, "cannot start %s: %s\n", exe.c_str(), std::strerror(errno));
      _exit(127);
    }
    close(fds[1]);
    c.fd = fds[0];
    children.push_back(std::move(c));
  }

  int result = 0;
  bool forwarded = false;
  for (;;) {
    std::vector<pollfd> pfds;
    pfds.push_back({wake, POLLIN, 0});
    for (Child& c : children)
      if (c.fd >= 0) pfds.push_back({c.fd, POLLIN, 0});
    if (pfds.size() == 1) break;  // every child closed its output
    int n = poll(pfds.data(), pfds.size(), -1);
    if (n < 0 && errno != EINTR) break;
    if (int sig = supervise::StopSignal(); sig && !forwarded) {
      forwarded = true;
      for (Child& c : children) kill(c.pid, sig);
    } else if (sig && forwarded) {
      // A second signal: forwarded too (the servers force their exit on it).
    }
    char drain[64];
    while (read(wake, drain, sizeof drain) > 0) {
    }
    for (size_t i = 1; i < pfds.size(); ++i) {
      if (!(pfds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      for (Child& c : children) {
        if (c.fd != pfds[i].fd) continue;
        char buf[4096];
        ssize_t got = read(c.fd, buf, sizeof buf);
        if (got > 0) {
          emitLines(c, buf, static_cast<size_t>(got), false);
        } else if (got == 0 || (got < 0 && errno != EINTR && errno != EAGAIN)) {
          emitLines(c, "", 0, true);
          close(c.fd);
          c.fd = -1;
        }
      }
    }
  }
  for (Child& c : children) {
    int st = 0;
    while (waitpid(c.pid, &st, 0) < 0 && errno == EINTR) {
    }
    int code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    if (code != 0) err << "luxc: " << c.label << "exited with status " << code << '\n';
    if (code != 0 && result == 0) result = code;
  }
  return result;
}

}  // namespace lux
