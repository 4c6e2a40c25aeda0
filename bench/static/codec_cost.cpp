// bench/static/run.sh: CPU time per MB of input and the compression ratio of gzip (zlib) and
// Brotli at the levels the compression stage uses by default (gzip 6, Brotli 4) and at a few
// others, on the files given as arguments (best of 5 runs each, one thread, process CPU time).
#include <brotli/encode.h>
#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>
#include <string>

namespace {

double CpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

std::size_t Gzip(const std::string& in, int level, std::string& out) {
  z_stream zs{};
  deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  out.resize(deflateBound(&zs, in.size()) + 32);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  std::size_t n = zs.total_out;
  deflateEnd(&zs);
  return n;
}

std::size_t Brotli(const std::string& in, int quality, std::string& out) {
  std::size_t n = BrotliEncoderMaxCompressedSize(in.size());
  out.resize(n);
  BrotliEncoderCompress(quality, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_GENERIC, in.size(),
                        reinterpret_cast<const std::uint8_t*>(in.data()), &n, reinterpret_cast<std::uint8_t*>(out.data()));
  return n;
}

template <class F>
void Measure(const char* name, int level, const std::string& in, F f) {
  std::string out;
  double best = 1e9;
  std::size_t size = 0;
  for (int i = 0; i < 5; ++i) {
    double t0 = CpuSeconds();
    size = f(in, level, out);
    best = std::min(best, CpuSeconds() - t0);
  }
  double mb = static_cast<double>(in.size()) / (1 << 20);
  std::printf("| %s | %d | %.1f | %.1f | %.3f |\n", name, level, best * 1e3 / mb, mb / best,
              static_cast<double>(size) / static_cast<double>(in.size()));
}

}  // namespace

int main(int argc, char** argv) {
  std::string in;
  for (int i = 1; i < argc; ++i) {
    std::ifstream f(argv[i], std::ios::binary);
    std::ostringstream s;
    s << f.rdbuf();
    in += s.str();
  }
  std::printf("input: %.2f MB\n\n| coding | level | CPU ms per MB | MB/s | compressed / original |\n|---|---|---|---|---|\n",
              static_cast<double>(in.size()) / (1 << 20));
  for (int level : {1, 6, 9}) Measure("gzip", level, in, Gzip);
  for (int level : {1, 4, 6, 9, 11}) Measure("br", level, in, Brotli);
}
