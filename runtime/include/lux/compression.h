// `compression { min_size, level, types }`: route and static responses encoded with Brotli,
// gzip or deflate as the client's Accept-Encoding allows (docs/runtime.md, "Compression"). The
// work is done by the compression component (src/http/compression.cpp).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "lux/http.h"

namespace lux {

struct CompressionOptions {
  std::size_t min_size = 1024;  // bodies smaller than this are sent as they are
  int level = 0;                // 1-9 for every coding; 0: gzip/deflate 6, Brotli 4
  // Media types to compress ("text/*" covers a whole type); empty: kDefaultCompressTypes.
  std::vector<std::string> types;
};

// Turns compression on (a second call replaces the options). Throws std::invalid_argument on
// a level outside 0-9.
void EnableCompression(App& app, CompressionOptions options);

}  // namespace lux
