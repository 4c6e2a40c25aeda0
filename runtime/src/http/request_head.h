// The common request head read without Beast: ParseSimpleHead takes a complete, strictly
// well-formed HTTP/1.0 or 1.1 head of a request without a body (no Content-Length, no
// Transfer-Encoding) and returns views of its parts. Anything else — a head not yet whole,
// a body, obs-fold, bytes outside the plain ASCII ranges, an unusual Connection header, a
// missing or malformed Host — is left to Beast's parser (server.cpp), which also produces the
// error answers; so what this accepts, Beast accepts with the same fields (the unit test
// compares the two on every case).
#pragma once

#include <cstddef>
#include <string_view>

namespace lux::http {

struct SimpleHead {
  // More fields than this: the head goes to Beast (a browser sends about 15).
  static constexpr std::size_t kMaxFields = 48;
  std::string_view method;
  std::string_view target;
  int version = 11;  // 10 or 11
  bool keep_alive = true;
  int hosts = 0;          // Host fields seen (the server refuses all but one, Beast's path answers)
  std::string_view host;  // the last one's value
  std::size_t field_count = 0;
  struct Field {
    std::string_view name, value;  // value without surrounding spaces and tabs
  } fields[kMaxFields];
};

// The length of the head (through its blank line) when `data` starts with one this parser
// takes whole within `limit` bytes, with `out` filled; 0 otherwise (`out` then means nothing).
std::size_t ParseSimpleHead(std::string_view data, std::size_t limit, SimpleHead& out);

}  // namespace lux::http
