// Static files (`static "/prefix" => "./dir" [fallback "f"]`): the pieces the static component
// (static.cpp) is built from, each testable alone — the media type table, the request path
// below the prefix turned into a safe relative path, Range and HTTP-date parsing — and the
// component itself (routes GET <prefix>/* opened on the directory at start).
// Entry points: MimeType, SafeRelativePath, ParseRange, HttpDate, ParseHttpDate, ServeFile.
#pragma once

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

#include "lux/http.h"

namespace lux::http {

// The Content-Type of a file by its extension (case-insensitive): text types carry
// `; charset=utf-8`; unknown extensions are application/octet-stream.
std::string_view MimeType(std::string_view file_name);

// Why a request path was refused.
enum class PathVerdict {
  kOk,
  kBad,     // `..`, `.`, an encoded `/` or `\`, a backslash, NUL: 400
  kHidden,  // a segment starting with `.` (other than .well-known): 404
};
// The raw (percent-encoded) segments of the path below the prefix, decoded one by one and joined
// with `/`; `out` is "" for the prefix itself. Empty segments (`a//b`) are skipped.
PathVerdict SafeRelativePath(std::string_view raw_rest, std::string& out);

// A `Range: bytes=...` header against a body of `size` bytes (RFC 9110 14.2).
enum class RangeKind {
  kWhole,          // no range, a malformed one, another unit, or several ranges: 200 with it all
  kPartial,        // one satisfiable range: 206
  kUnsatisfiable,  // one range that starts past the end: 416
};
struct ByteRange {
  std::uint64_t first = 0;
  std::uint64_t last = 0;  // inclusive
};
RangeKind ParseRange(std::string_view header, std::uint64_t size, ByteRange& out);

// IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") of a time, and back (the obsolete RFC 850 and
// asctime forms are not accepted: nullopt, and the condition is ignored).
std::string HttpDate(std::time_t t);
std::optional<std::time_t> ParseHttpDate(std::string_view s);

}  // namespace lux::http
