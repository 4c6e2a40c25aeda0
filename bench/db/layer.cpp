// The same work through the runtime's db layer in-process, no HTTP: lux::rt::ModelCreate and
// ModelFind on lux_db_server's model (Value in, validation, pool lease, cached statements,
// record out). Separates the db layer's cost from HTTP's.
//   layer DB_PATH SECONDS  ->  "create <ops/s>\nfind <ops/s>"
#include <lux/lux.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>

int main(int argc, char** argv) {
  if (argc != 3) return 2;
  double seconds = std::atof(argv[2]);
  lux::App app("layer");
  app.options().host = "127.0.0.1";
  app.options().port = 0;
  app.options().threads = 1;
  app.options().handle_signals = false;
  app.options().log_level = lux::LogLevel::kWarn;
  lux::RegisterDb(app, {argv[1]});
  lux::RegisterModel(app, {"Item", "", {
      {"name", lux::ColumnType::kString, false, {}},
      {"qty", lux::ColumnType::kInt, false, {}},
      {"price", lux::ColumnType::kFloat, true, {}},
      {"done", lux::ColumnType::kBool, false, false},
      {"tags", lux::ColumnType::kJson, true, {}},
  }});
  app.Start();
  using Clock = std::chrono::steady_clock;
  auto run = [&](auto&& op) {
    long n = 0;
    auto end = Clock::now() + std::chrono::duration<double>(seconds);
    auto start = Clock::now();
    while (Clock::now() < end) {
      for (int i = 0; i < 64; ++i, ++n) op(n);
    }
    return n / std::chrono::duration<double>(Clock::now() - start).count();
  };
  std::int64_t last = 0;
  double create = run([&](long n) {
    lux::Value item{{"name", "item " + std::to_string(n)}, {"qty", n}, {"price", 2.5}, {"done", false},
                    {"tags", lux::Array{"a", "b"}}};
    last = lux::rt::ModelCreate("Item", item)["id"].AsInt();
  });
  std::mt19937_64 rng(1);
  long checksum = 0;
  double found = run([&](long) {
    lux::Value v = lux::rt::ModelFind("Item", static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(last)) + 1);
    checksum += static_cast<long>(v.size());
  });
  std::printf("create %.0f\nfind %.0f\n", create, found);
  std::fprintf(stderr, "checksum %ld\n", checksum);
  app.Shutdown();
  app.Wait();
}
