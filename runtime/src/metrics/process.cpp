// The process metrics every Prometheus client library exports, read from /proc like the Go and
// Python clients do: CPU time, resident and virtual memory, open and maximum descriptors, start
// time. Entry point: CollectProcess.
#include "metrics/process.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

namespace lux::metrics {
namespace {

void Gauge(std::vector<FamilySnapshot>& out, const char* name, const char* help, Type type, double v) {
  SeriesSnapshot s;
  s.value = v;
  out.push_back(FamilySnapshot{name, help, type, {}, {s}});
}

// The fields of /proc/self/stat after the command (which may hold spaces and parentheses).
std::vector<std::string> StatFields() {
  std::ifstream in("/proc/self/stat");
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::size_t close = all.rfind(')');
  std::vector<std::string> fields;
  if (close == std::string::npos) return fields;
  std::istringstream rest(all.substr(close + 2));
  for (std::string f; rest >> f;) fields.push_back(f);
  return fields;  // fields[0] is field 3 (state)
}

double BootTime() {
  std::ifstream in("/proc/stat");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("btime ", 0) == 0) return std::atof(line.c_str() + 6);
  return 0;
}

double OpenFds() {
  DIR* d = ::opendir("/proc/self/fd");
  if (!d) return 0;
  double n = 0;
  while (dirent* e = ::readdir(d))
    if (e->d_name[0] != '.') ++n;
  ::closedir(d);
  return n - 1;  // the directory's own descriptor
}

}  // namespace

void CollectProcess(std::vector<FamilySnapshot>& out) {
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(::sysconf(_SC_PAGESIZE));
  std::vector<std::string> f = StatFields();
  // Fields by their number in proc(5): utime 14, stime 15, starttime 22, vsize 23, rss 24.
  auto field = [&](std::size_t n) { return n - 3 < f.size() ? std::atof(f[n - 3].c_str()) : 0.0; };
  if (f.size() > 21 && ticks > 0) {
    const double start = BootTime() + field(22) / ticks;
    Gauge(out, "process_cpu_seconds", "Total user and system CPU time spent in seconds.", Type::kCounter,
          (field(14) + field(15)) / ticks);
    out.back().series.back().created = start;  // the process's CPU time counts from its start
    Gauge(out, "process_start_time_seconds", "Start time of the process since unix epoch in seconds.", Type::kGauge,
          start);
    Gauge(out, "process_virtual_memory_bytes", "Virtual memory size in bytes.", Type::kGauge, field(23));
    Gauge(out, "process_resident_memory_bytes", "Resident memory size in bytes.", Type::kGauge, field(24) * page);
  }
  Gauge(out, "process_open_fds", "Number of open file descriptors.", Type::kGauge, OpenFds());
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0)
    Gauge(out, "process_max_fds", "Maximum number of open file descriptors.", Type::kGauge,
          rl.rlim_cur == RLIM_INFINITY ? -1.0 : static_cast<double>(rl.rlim_cur));
}

}  // namespace lux::metrics
