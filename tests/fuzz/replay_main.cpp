// Replays files (or every file under directories) through LLVMFuzzerTestOneInput without
// libFuzzer, timing each: the regression test for fuzz findings, and a way to debug one.
// Usage: fuzz_replay PATH... ; fails when an input takes longer than kMaxSecondsPerInput.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

// An input of at most a few hundred KB must parse well within this (optimized build); the fuzz
// run's own -timeout is 10 s with sanitizers.
constexpr double kMaxSecondsPerInput = 2.0;

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
    auto start = std::chrono::steady_clock::now();
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(data.data()), data.size());
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (s > kMaxSecondsPerInput) {
      std::fprintf(stderr, "SLOW %.2fs %s\n", s, f.c_str());
      ++slow;
    }
  }
  std::printf("%zu inputs replayed, %d too slow\n", files.size(), slow);
  return slow == 0 ? 0 : 1;
}
