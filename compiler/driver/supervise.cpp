// Signal wake-up pipe and prefixed line forwarding for luxc's server supervisors (supervise.h).
#include "driver/supervise.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ostream>

namespace lux::supervise {
namespace {

volatile sig_atomic_t g_signal = 0;
volatile sig_atomic_t g_stops = 0;
int g_wake[2] = {-1, -1};

void onSignal(int sig) {
  int saved = errno;
  if (sig != SIGCHLD) {
    g_signal = sig;
    g_stops = g_stops + 1;
  }
  char c = 1;
  ssize_t ignored = write(g_wake[1], &c, 1);  // a full pipe already wakes the poll
  (void)ignored;
  errno = saved;
}

}  // namespace

int CatchStopSignals() {
  if (g_wake[0] < 0 && pipe2(g_wake, O_NONBLOCK | O_CLOEXEC) != 0) return -1;
  struct sigaction sa {};
  sa.sa_handler = onSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  return g_wake[0];
}

int StopSignal() { return g_signal; }

void ForwardStop(pid_t pid, int sig) {
  union sigval value {};
  value.sival_int = sig;
  if (sigqueue(pid, SIGRTMIN + 2, value) != 0) kill(pid, sig);
}

int StopCount() { return g_stops; }

void WakeOnChildExit() {
  struct sigaction sa {};
  sa.sa_handler = onSignal;
  sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGCHLD, &sa, nullptr);
}

void PrepareChild(pid_t parent) {
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  signal(SIGPIPE, SIG_DFL);
  signal(SIGCHLD, SIG_DFL);
  setpgid(0, 0);
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (getppid() != parent) _exit(1);  // luxc died before the line above took effect
}

void ForwardLines(std::ostream& out, const std::string& label, std::string& partial, bool flush) {
  size_t start = 0;
  for (size_t nl; (nl = partial.find('\n', start)) != std::string::npos; start = nl + 1)
    out << label << partial.substr(start, nl - start + 1);
  partial.erase(0, start);
  if (flush && !partial.empty()) {
    out << label << partial << '\n';
    partial.clear();
  }
  out.flush();
}

bool EnsureProgramSecret(std::ostream& err) {
  if (const char* set = std::getenv("LUX_PROGRAM_SECRET"); set && *set) return true;  // the operator's
  unsigned char raw[32];
  size_t got = 0;
  while (got < sizeof raw) {
    ssize_t n = getrandom(raw + got, sizeof raw - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      err << "luxc: no randomness for LUX_PROGRAM_SECRET: " << std::strerror(errno) << "\n";
      return false;
    }
    got += static_cast<size_t>(n);
  }
  static const char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char b : raw) {
    hex += kHex[b >> 4];
    hex += kHex[b & 15];
  }
  setenv("LUX_PROGRAM_SECRET", hex.c_str(), 1);
  return true;
}

}  // namespace lux::supervise
