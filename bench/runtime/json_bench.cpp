// JSON parse + serialise throughput: lux::ParseJson/ToJson vs nlohmann::json, on a typical
// API payload (array of 100 small records). Prints MB/s for each.
#include <lux/value.h>

#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

int main() {
  std::string doc = "[";
  for (int i = 0; i < 100; ++i) {
    if (i) doc += ",";
    doc += R"({"id":)" + std::to_string(i) +
           R"(,"name":"user number )" + std::to_string(i) +
           R"(","email":"u)" + std::to_string(i) + R"(@example.com","score":)" + std::to_string(i * 1.25) +
           R"(,"active":true,"tags":["a","b\n\u00e9"],"parent":null})";
  }
  doc += "]";
  const int kIters = 2000;
  auto bench = [&](const char* name, auto fn) {
    auto t0 = std::chrono::steady_clock::now();
    std::size_t sink = 0;
    for (int i = 0; i < kIters; ++i) sink += fn();
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("%-28s %8.1f MB/s  (%zu)\n", name, doc.size() * kIters / s / 1e6, sink % 10);
  };
  bench("lux parse", [&] { return lux::ParseJson(doc).size(); });
  bench("nlohmann parse", [&] { return nlohmann::json::parse(doc).size(); });
  lux::Value v = lux::ParseJson(doc);
  nlohmann::json j = nlohmann::json::parse(doc);
  bench("lux serialise", [&] { return lux::ToJson(v).size(); });
  bench("nlohmann serialise", [&] { return j.dump().size(); });
  bench("lux parse+serialise", [&] { return lux::ToJson(lux::ParseJson(doc)).size(); });
  bench("nlohmann parse+serialise", [&] { return nlohmann::json::parse(doc).dump().size(); });
}
