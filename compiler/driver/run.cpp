// runServers (`luxc run`): starts every built server as a child process with its output on a
// pipe, prefixes each line with the server's name, forwards each SIGINT/SIGTERM to every server
// still running (the first stops them gracefully, a second one forces them), reaps each server
// as soon as it exits (SIGCHLD wakes the loop: a stopped server is never left a zombie while
// another drains), and returns once all have exited: the first non-zero exit status, else 0.
// The servers share one LUX_PROGRAM_SECRET: the environment's, else one generated for this run.
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
  int fd = -1;  // read end of its stdout+stderr (non-blocking)
  std::string partial;
  bool running = true;
  int status = 0;
};

void emitLines(Child& c, const char* data, size_t n, bool flush) {
  c.partial.append(data, n);
  supervise::ForwardLines(std::cout, c.label, c.partial, flush);
}

// Forwards what the pipe holds; at end of output (or with `last`: the process has exited and
// nothing more can come) the partial line too, and closes the pipe.
void pumpOutput(Child& c, bool last) {
  char buf[4096];
  for (;;) {
    ssize_t got = read(c.fd, buf, sizeof buf);
    if (got > 0) {
      emitLines(c, buf, static_cast<size_t>(got), false);
      continue;
    }
    if (got < 0 && errno == EINTR) continue;
    if (got < 0 && errno == EAGAIN && !last) return;
    emitLines(c, "", 0, true);
    close(c.fd);
    c.fd = -1;
    return;
  }
}

}  // namespace

int runServers(const BuildResult& built, const std::vector<std::string>& args, std::ostream& err) {
  if (!supervise::EnsureProgramSecret(err)) return 1;
  int wake = supervise::CatchStopSignals();
  if (wake < 0) return 1;
  supervise::WakeOnChildExit();
  pid_t self = getpid();

  size_t width = 0;
  for (const auto& s : built.servers) width = std::max(width, (s.name.empty() ? std::string("server") : s.name).size());
  std::vector<Child> children;
  for (const auto& s : built.servers) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) break;
    Child c;
    std::string name = s.name.empty() ? "server" : s.name;
    c.label = "[" + name + "]" + std::string(width - name.size() + 1, ' ');
    c.pid = fork();
    if (c.pid == 0) {
      // The child: its own process group, default signals; stdout and stderr into the pipe
      // (dup2 clears close-on-exec on 1 and 2).
      supervise::PrepareChild(self);
      dup2(fds[1], 1);
      dup2(fds[1], 2);
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
    if (c.pid < 0) {
      err << "luxc: cannot start " << s.executable << ": " << std::strerror(errno) << '\n';
      close(fds[0]);
      break;
    }
    c.fd = fds[0];
    fcntl(c.fd, F_SETFL, fcntl(c.fd, F_GETFL) | O_NONBLOCK);
    children.push_back(std::move(c));
  }
  if (children.size() < built.servers.size()) {  // a fork failed: stop the ones started
    for (Child& c : children) kill(c.pid, SIGTERM);
  }

  int forwarded = 0;
  for (;;) {
    // Reap whoever has exited, with the last of its output.
    size_t running = 0;
    for (Child& c : children) {
      if (!c.running) continue;
      int st = 0;
      pid_t r = waitpid(c.pid, &st, WNOHANG);
      if (r == c.pid || (r < 0 && errno == ECHILD)) {
        c.running = false;
        c.status = r == c.pid ? (WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st)) : 1;
        if (c.fd >= 0) pumpOutput(c, true);
        if (c.status != 0) err << "luxc: " << c.label << "exited with status " << c.status << '\n';
      } else {
        ++running;
      }
    }
    if (running == 0) break;
    // Each SIGINT/SIGTERM caught goes once to every server still running.
    for (int caught = supervise::StopCount(); forwarded < caught; ++forwarded)
      for (Child& c : children)
        if (c.running) supervise::ForwardStop(c.pid, supervise::StopSignal());

    std::vector<pollfd> pfds;
    pfds.push_back({wake, POLLIN, 0});
    for (Child& c : children)
      if (c.fd >= 0) pfds.push_back({c.fd, POLLIN, 0});
    int n = poll(pfds.data(), pfds.size(), -1);
    if (n < 0 && errno != EINTR) {
      err << "luxc: poll: " << std::strerror(errno) << '\n';
      for (Child& c : children)
        if (c.running) kill(c.pid, SIGKILL);
    }
    char drain[64];
    while (read(wake, drain, sizeof drain) > 0) {
    }
    for (size_t i = 1; n > 0 && i < pfds.size(); ++i) {
      if (!(pfds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      for (Child& c : children)
        if (c.fd == pfds[i].fd) pumpOutput(c, false);
    }
  }

  int result = children.size() < built.servers.size() ? 1 : 0;
  for (Child& c : children)
    if (c.status != 0 && result == 0) result = c.status;
  return result;
}

}  // namespace lux
