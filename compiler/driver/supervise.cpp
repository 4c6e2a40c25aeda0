// Signal wake-up pipe and prefixed line forwarding for luxc's server supervisors (supervise.h).
#include "driver/supervise.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <ostream>

namespace lux::supervise {
namespace {

volatile sig_atomic_t g_signal = 0;
int g_wake[2] = {-1, -1};

void onSignal(int sig) {
  g_signal = sig;
  char c = 1;
  ssize_t ignored = write(g_wake[1], &c, 1);
  (void)ignored;
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

}  // namespace lux::supervise
