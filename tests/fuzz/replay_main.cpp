// Replays files (or every file under directories) through LLVMFuzzerTestOneInput without
// libFuzzer, timing each: the regression test for fuzz findings, and a way to debug one.
// Usage: fuzz_replay PATH... ; fails when an input takes more than kMaxSecondsPerInput of CPU.
#include <time.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

// An input of at most a few hundred KB must parse well within this much CPU time (optimized
// build); the fuzz run's own -timeout is 10 s with sanitizers. CPU time, not wall time: on a
// loaded machine (ctest -j, other builds) wall time of the same input varied 2-3x.
constexpr double kMaxSecondsPerInput = 2.0;

double CpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::filesystem::path> files;
  for (int i = 1; i < argc; ++i) {
    std::filesystem::path p(argv[i]);
    if (std::filesystem::is_directory(p)) {
      for (const auto& e : std::filesystem::recursive_directory_iterator(p)) {
        if (e.is_regular_file() && e.path().extension() != ".ast" && e.path().extension() != ".diag") {
          files.push_back(e.path());
        }
      }
    } else {
      files.push_back(p);
    }
  }
  int slow = 0;
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    double start = CpuSeconds();
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(data.data()), data.size());
    double s = CpuSeconds() - start;
    if (s > kMaxSecondsPerInput) {
      std::fprintf(stderr, "SLOW %.2fs CPU %s\n", s, f.c_str());
      ++slow;
    }
  }
  std::printf("%zu inputs replayed, %d too slow\n", files.size(), slow);
  return slow == 0 ? 0 : 1;
}
