// libFuzzer target for the multipart/form-data parser (runtime/src/http/multipart.*), built
// with clang++ on its own (the parser needs only the standard library) by the ctest
// fuzz/multipart. Input: a Content-Type line, then the body. The body is parsed twice, whole
// and in pieces whose sizes come from the input: both runs must give the same parts and the
// same outcome (a boundary split anywhere changes nothing), and no run may crash or leak.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "http/multipart.h"

namespace {

struct Record : lux::http::MultipartSink {
  std::string log;  // every event, in order, with the part data concatenated
  bool open = false;
  void PartBegin(const lux::http::PartHead& h) override {
    if (open) std::abort();
    open = true;
    log += "B" + h.name + "\x01" + h.filename + "\x01" + h.content_type + (h.is_file ? "F" : "T") + "\x02";
  }
  void PartData(std::string_view b) override {
    if (!open || b.empty()) std::abort();
    log.append(b);
  }
  void PartEnd() override {
    if (!open) std::abort();
    open = false;
    log += "\x03";
  }
};

std::string Run(const std::string& boundary, std::string_view body, const std::vector<std::size_t>& sizes) {
  Record r;
  lux::http::MultipartParser p(boundary, r);
  try {
    std::size_t i = 0, k = 0;
    while (i < body.size()) {
      std::size_t n = sizes.empty() ? body.size() : sizes[k++ % sizes.size()];
      n = std::min(n, body.size() - i);
      p.Feed(body.substr(i, n));
      i += n;
    }
    p.Finish();
    return r.log + "|done";
  } catch (const lux::http::MultipartError& e) {
    return r.log + "|error " + std::to_string(e.status());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::size_t nl = in.find('\n');
  if (nl == std::string_view::npos) return 0;
  std::string_view type = in.substr(0, nl), body = in.substr(nl + 1);
  std::optional<std::string> boundary;
  try {
    boundary = lux::http::BoundaryOf(type);
  } catch (const lux::http::MultipartError&) {
    return 0;
  }
  if (!boundary) return 0;
  lux::http::SniffType(body.substr(0, lux::http::kSniffBytes));
  lux::http::SafeFilename(body.substr(0, 64));
  std::vector<std::size_t> sizes;
  for (std::size_t i = 0; i < 8 && i < body.size(); ++i) sizes.push_back(1 + static_cast<unsigned char>(body[i]) % 7);
  std::string whole = Run(*boundary, body, {});
  std::string pieces = Run(*boundary, body, sizes);
  // A sink error stops at the same event; otherwise the logs agree exactly.
  if (whole != pieces) std::abort();
  return 0;
}
