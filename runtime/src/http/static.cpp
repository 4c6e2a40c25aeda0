// Static files: the media type table, safe request paths, Range and dates (static.h), and the
// "static" component: each `static` directory is opened when the server opens (a missing one
// stops the start with one line) and served by a route GET <prefix>/* — behind the program's
// routes, which the router prefers to a wildcard. Files are opened beneath the directory with
// openat2(RESOLVE_BENEATH) (no `..`, no symlink out of it), sent with sendfile (Response::
// FileBody), with ETag/Last-Modified/304, single ranges, and .br/.gz siblings when the client
// accepts them. Entry point: lux::ServeStatic (lux/static.h).
#include "http/static.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <charconv>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "http/compression.h"
#include "http/conditional.h"
#include "lux/static.h"
#include "server/component.h"

namespace lux::http {

namespace {

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

struct MimeEntry {
  std::string_view ext;
  std::string_view type;
};

// Common web types (nginx's mime.types for the same extensions); text types with charset.
constexpr MimeEntry kMimeTypes[] = {
    {"html", "text/html; charset=utf-8"},
    {"htm", "text/html; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},
    {"mjs", "text/javascript; charset=utf-8"},
    {"json", "application/json; charset=utf-8"},
    {"map", "application/json; charset=utf-8"},
    {"webmanifest", "application/manifest+json; charset=utf-8"},
    {"txt", "text/plain; charset=utf-8"},
    {"md", "text/markdown; charset=utf-8"},
    {"csv", "text/csv; charset=utf-8"},
    {"xml", "application/xml; charset=utf-8"},
    {"svg", "image/svg+xml; charset=utf-8"},
    {"wasm", "application/wasm"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"gif", "image/gif"},
    {"webp", "image/webp"},
    {"avif", "image/avif"},
    {"ico", "image/x-icon"},
    {"bmp", "image/bmp"},
    {"woff", "font/woff"},
    {"woff2", "font/woff2"},
    {"ttf", "font/ttf"},
    {"otf", "font/otf"},
    {"mp4", "video/mp4"},
    {"webm", "video/webm"},
    {"mp3", "audio/mpeg"},
    {"ogg", "audio/ogg"},
    {"wav", "audio/wav"},
    {"pdf", "application/pdf"},
    {"zip", "application/zip"},
    {"gz", "application/gzip"},
    {"br", "application/x-brotli"},
    {"tar", "application/x-tar"},
};

bool IsHex(char c) { return (c >= '0' && c <= '9') || (Lower(c) >= 'a' && Lower(c) <= 'f'); }
int HexValue(char c) { return c <= '9' ? c - '0' : Lower(c) - 'a' + 10; }

}  // namespace

std::string_view MimeType(std::string_view file_name) {
  std::size_t slash = file_name.rfind('/');
  if (slash != std::string_view::npos) file_name.remove_prefix(slash + 1);
  std::size_t dot = file_name.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return "application/octet-stream";
  std::string_view ext = file_name.substr(dot + 1);
  for (const MimeEntry& e : kMimeTypes) {
    if (e.ext.size() != ext.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < ext.size() && same; ++i) same = Lower(ext[i]) == e.ext[i];
    if (same) return e.type;
  }
  return "application/octet-stream";
}

PathVerdict SafeRelativePath(std::string_view raw_rest, std::string& out) {
  out.clear();
  std::size_t i = 0;
  while (i <= raw_rest.size()) {
    std::size_t end = raw_rest.find('/', i);
    if (end == std::string_view::npos) end = raw_rest.size();
    std::string_view raw = raw_rest.substr(i, end - i);
    i = end + 1;
    if (raw.empty()) continue;
    std::string seg;
    for (std::size_t k = 0; k < raw.size(); ++k) {
      char c = raw[k];
      if (c == '%' && k + 2 < raw.size() && IsHex(raw[k + 1]) && IsHex(raw[k + 2])) {
        c = static_cast<char>(HexValue(raw[k + 1]) * 16 + HexValue(raw[k + 2]));
        k += 2;
      }
      if (c == '/' || c == '\\' || c == '\0') return PathVerdict::kBad;
      seg += c;
    }
    if (seg == "." || seg == "..") return PathVerdict::kBad;
    if (seg[0] == '.' && seg != ".well-known") return PathVerdict::kHidden;
    if (!out.empty()) out += '/';
    out += seg;
  }
  return PathVerdict::kOk;
}

namespace {

// A decimal number of at most 19 digits; false on anything else.
bool ParseCount(std::string_view s, std::uint64_t& out) {
  if (s.empty() || s.size() > 19) return false;
  out = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    out = out * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return true;
}

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

RangeKind ParseRange(std::string_view header, std::uint64_t size, ByteRange& out) {
  header = TrimSpaces(header);
  constexpr std::string_view kUnit = "bytes=";
  if (header.size() < kUnit.size()) return RangeKind::kWhole;
  for (std::size_t i = 0; i < kUnit.size(); ++i)
    if (Lower(header[i]) != kUnit[i]) return RangeKind::kWhole;
  std::string_view spec = TrimSpaces(header.substr(kUnit.size()));
  if (spec.find(',') != std::string_view::npos) return RangeKind::kWhole;  // several: the whole body
  std::size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return RangeKind::kWhole;
  std::string_view a = TrimSpaces(spec.substr(0, dash)), b = TrimSpaces(spec.substr(dash + 1));
  std::uint64_t first = 0, last = 0;
  if (a.empty()) {  // suffix: the last N bytes
    if (!ParseCount(b, last)) return RangeKind::kWhole;
    if (last == 0 || size == 0) return RangeKind::kUnsatisfiable;
    out.first = last >= size ? 0 : size - last;
    out.last = size - 1;
    return RangeKind::kPartial;
  }
  if (!ParseCount(a, first)) return RangeKind::kWhole;
  if (b.empty()) {
    last = UINT64_MAX;
  } else if (!ParseCount(b, last) || last < first) {
    return RangeKind::kWhole;
  }
  if (first >= size) return RangeKind::kUnsatisfiable;
  out.first = first;
  out.last = last >= size ? size - 1 : last;
  return RangeKind::kPartial;
}

namespace {
constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
}  // namespace

std::string HttpDate(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  // Written by hand: snprintf showed in the profile of small static files.
  std::string out = "Sun, 00 Jan 0000 00:00:00 GMT";
  auto two = [&](std::size_t at, int v) {
    out[at] = static_cast<char>('0' + v / 10 % 10);
    out[at + 1] = static_cast<char>('0' + v % 10);
  };
  out.replace(0, 3, kDays[tm.tm_wday]);
  two(5, tm.tm_mday);
  out.replace(8, 3, kMonths[tm.tm_mon]);
  int year = tm.tm_year + 1900;
  two(12, year / 100);
  two(14, year % 100);
  two(17, tm.tm_hour);
  two(20, tm.tm_min);
  two(23, tm.tm_sec);
  return out;
}

std::optional<std::time_t> ParseHttpDate(std::string_view s) {
  s = TrimSpaces(s);
  // "Sun, 06 Nov 1994 08:49:37 GMT": 29 characters at fixed places.
  if (s.size() != 29 || s[3] != ',' || s[4] != ' ' || s[7] != ' ' || s[11] != ' ' || s[16] != ' ' ||
      s[19] != ':' || s[22] != ':' || s.substr(25) != " GMT")
    return std::nullopt;
  auto num = [&](std::size_t at, std::size_t n, int& v) {
    std::uint64_t x = 0;
    if (!ParseCount(s.substr(at, n), x)) return false;
    v = static_cast<int>(x);
    return true;
  };
  std::tm tm{};
  int year = 0;
  if (!num(5, 2, tm.tm_mday) || !num(12, 4, year) || !num(17, 2, tm.tm_hour) || !num(20, 2, tm.tm_min) ||
      !num(23, 2, tm.tm_sec))
    return std::nullopt;
  tm.tm_mon = -1;
  for (int m = 0; m < 12; ++m)
    if (s.substr(8, 3) == kMonths[m]) tm.tm_mon = m;
  if (tm.tm_mon < 0 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
    return std::nullopt;
  tm.tm_year = year - 1900;
  return timegm(&tm);
}

}  // namespace lux::http

namespace lux {

namespace {

using http::PathVerdict;

// One `static` directory as served.
struct StaticDir {
  StaticOptions options;
  std::size_t prefix_segments = 0;
  std::string root;  // the directory's real path
  int root_fd = -1;  // O_PATH descriptor of it
};

Response JsonError(int status, const char* message, const Request& req) {
  Value body = Value::MakeObject();
  body["error"] = message;
  body["request_id"] = req.id;
  return Respond(status, body);
}

// Files up to this size are read and sent with their head in one write instead of head +
// sendfile: measured faster for small files (bench/README.md, "Static files").
constexpr std::uint64_t kInlineFileBytes = 16 << 10;

std::atomic<bool> g_no_openat2{false};

// Opens `rel` ("" for the directory itself) beneath the directory: never outside it, whatever
// `..` or symlinks the path holds. openat2(RESOLVE_BENEATH) where the kernel has it; otherwise
// open, then the opened file's real path (/proc/self/fd) must lie inside the root. -1 + errno.
int OpenBeneath(const StaticDir& d, const std::string& rel) {
  const char* path = rel.empty() ? "." : rel.c_str();
  if (!g_no_openat2.load(std::memory_order_relaxed)) {
    open_how how{};
    how.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    long fd = ::syscall(SYS_openat2, d.root_fd, path, &how, sizeof how);
    if (fd >= 0 || errno != ENOSYS) return static_cast<int>(fd);
    g_no_openat2.store(true, std::memory_order_relaxed);
  }
  int fd = ::openat(d.root_fd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) return -1;
  char link[64], real[PATH_MAX + 1];
  std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t n = ::readlink(link, real, PATH_MAX);
  std::string_view r(real, n > 0 ? static_cast<std::size_t>(n) : 0);
  bool inside = r == d.root || (r.size() > d.root.size() && r.substr(0, d.root.size()) == d.root &&
                                (d.root == "/" || r[d.root.size()] == '/'));
  if (!inside) {
    ::close(fd);
    errno = EXDEV;
    return -1;
  }
  return fd;
}

std::string ETagOf(const struct stat& st) {
  auto ns = static_cast<unsigned long long>(st.st_mtim.tv_sec) * 1000000000ULL +
            static_cast<unsigned long long>(st.st_mtim.tv_nsec);
  char buf[48];
  char* p = buf;
  *p++ = '"';
  p = std::to_chars(p, buf + sizeof buf, static_cast<unsigned long long>(st.st_size), 16).ptr;
  *p++ = '-';
  p = std::to_chars(p, buf + sizeof buf, ns, 16).ptr;
  *p++ = '"';
  return std::string(buf, p);
}

// A precompressed sibling (`name.br`, `name.gz`) the client accepts, opened, or -1.
int OpenSibling(const StaticDir& d, const std::string& rel, const Request& req, struct stat& st, const char*& coding) {
  auto ae = req.headers.Get("Accept-Encoding");
  if (!ae) return -1;
  unsigned offered = (1u << static_cast<unsigned>(http::Coding::kBrotli)) | (1u << static_cast<unsigned>(http::Coding::kGzip));
  for (int attempt = 0; attempt < 2; ++attempt) {
    http::Coding c = http::Negotiate(ae, offered);
    if (c == http::Coding::kIdentity) return -1;
    offered &= ~(1u << static_cast<unsigned>(c));
    const char* suffix = c == http::Coding::kBrotli ? ".br" : ".gz";
    int fd = OpenBeneath(d, rel + suffix);
    if (fd < 0) continue;
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
      coding = c == http::Coding::kBrotli ? "br" : "gzip";
      return fd;
    }
    ::close(fd);
  }
  return -1;
}

bool NotModified(const Request& req, const std::string& etag, std::time_t mtime) {
  if (auto inm = req.headers.Get("If-None-Match")) return http::EtagMatches(*inm, etag);
  if (auto ims = req.headers.Get("If-Modified-Since"))
    if (auto t = http::ParseHttpDate(*ims)) return mtime <= *t;
  return false;
}

// The file `fd` (a regular file of the directory, `rel` its path) as the answer to `req`.
Response ServeOpenFile(const StaticDir& d, const Request& req, int fd, const struct stat& orig, const std::string& rel) {
  Response res;
  res.headers.Add("Content-Type", std::string(http::MimeType(rel)));
  struct stat st = orig;
  const char* coding = nullptr;
  struct stat sib{};
  int sfd = OpenSibling(d, rel, req, sib, coding);
  if (sfd >= 0) {
    ::close(fd);
    fd = sfd;
    st = sib;
    res.headers.Add("Content-Encoding", coding);
    res.headers.Add("Vary", "Accept-Encoding");
  }
  std::string etag = ETagOf(st);
  std::string modified = http::HttpDate(orig.st_mtim.tv_sec);
  res.headers.Add("ETag", etag);
  res.headers.Add("Last-Modified", modified);
  res.headers.Add("Accept-Ranges", "bytes");
  auto size = static_cast<std::uint64_t>(st.st_size);
  if (NotModified(req, etag, orig.st_mtim.tv_sec)) {
    ::close(fd);
    res.status = 304;
    res.headers.Remove("Content-Type");
    return res;
  }
  auto range = req.headers.Get("Range");
  if (auto if_range = req.headers.Get("If-Range"); range && if_range && *if_range != etag && *if_range != modified)
    range.reset();  // the client's copy is stale: the whole file
  http::ByteRange r;
  http::RangeKind kind = range ? http::ParseRange(*range, size, r) : http::RangeKind::kWhole;
  if (kind == http::RangeKind::kUnsatisfiable) {
    ::close(fd);
    Response bad = JsonError(416, "range not satisfiable", req);
    bad.headers.Add("Content-Range", "bytes */" + std::to_string(size));
    return bad;
  }
  if (kind == http::RangeKind::kPartial) {
    res.status = 206;
    res.headers.Add("Content-Range", "bytes " + std::to_string(r.first) + "-" + std::to_string(r.last) + "/" +
                                         std::to_string(size));
    res.FileBody(fd, r.first, r.last - r.first + 1);
    return res;
  }
  res.FileBody(fd, 0, size);
  if (size <= kInlineFileBytes) res.LoadFileBody();  // one write with the head (bench/README.md)
  return res;
}

// Opens `rel` and follows a directory to its index.html. -1 when there is no file to serve;
// `redirect` set when `rel` is a directory asked for without its trailing slash.
int OpenFile(const StaticDir& d, std::string& rel, struct stat& st, bool& redirect, bool slash) {
  int fd = OpenBeneath(d, rel);
  if (fd < 0) return -1;
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return -1;
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    if (!slash) {
      redirect = true;
      return -1;
    }
    rel = rel.empty() ? "index.html" : rel + "/index.html";
    fd = OpenBeneath(d, rel);
    if (fd < 0) return -1;
    if (::fstat(fd, &st) != 0) st.st_mode = 0;
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return -1;
  }
  return fd;
}

Response ServeStaticRequest(const StaticDir& d, const Request& req) {
  std::string_view raw = req.target;
  raw = raw.substr(0, raw.find('?'));
  // Skip the prefix's segments (the router matched them, perhaps percent-encoded).
  std::size_t pos = 0;
  for (std::size_t seg = 0; seg < d.prefix_segments;) {
    while (pos < raw.size() && raw[pos] == '/') ++pos;
    pos = raw.find('/', pos);
    if (pos == std::string_view::npos) pos = raw.size();
    ++seg;
  }
  std::string rel;
  PathVerdict verdict = http::SafeRelativePath(raw.substr(pos), rel);
  if (verdict == PathVerdict::kBad) return JsonError(400, "invalid path", req);
  if (verdict == PathVerdict::kHidden) return JsonError(404, "not found", req);
  bool slash = raw.empty() || raw.back() == '/';
  bool redirect = false;
  struct stat st{};
  std::string file = rel;
  int fd = OpenFile(d, file, st, redirect, slash);
  if (redirect) {
    std::string location(raw);
    location += '/';
    if (!req.query_string.empty()) location += "?" + req.query_string;
    Response res;
    res.Redirect(location, 301);
    return res;
  }
  if (fd < 0 && !d.options.fallback.empty()) {
    file = d.options.fallback;
    fd = OpenFile(d, file, st, redirect, true);
  }
  if (fd < 0) return JsonError(404, "not found", req);
  return ServeOpenFile(d, req, fd, st, file);
}

std::size_t CountSegments(std::string_view prefix) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (prefix[i] != '/' && (i == 0 || prefix[i - 1] == '/')) ++n;
  return n;
}

// The directory a relative `dir` is taken from: LUX_STATIC_ROOT, else the working directory.
std::string BaseDirectory() {
  if (const char* root = std::getenv("LUX_STATIC_ROOT"); root && *root) return root;
  char cwd[PATH_MAX];
  return ::getcwd(cwd, sizeof cwd) ? std::string(cwd) : std::string(".");
}

class StaticComponent final : public server::Component {
 public:
  static constexpr server::Order kOrder = server::Order::kStatic;
  StaticComponent() : Component(kOrder, "static") {}

  bool TakesPart(server::RunMode run) const override { return server::ServesRequests(run); }

  void Open(server::Host& host) override {
    for (StaticDir& d : dirs) OpenDir(d);
    for (StaticDir& d : dirs) {
      std::string pattern = d.options.prefix == "/" ? "/*" : d.options.prefix + "/*";
      const StaticDir* dir = &d;
      host.AddRoute("GET", pattern, [dir](Request& req) { return ServeStaticRequest(*dir, req); });
    }
  }

  void Close() override {
    for (StaticDir& d : dirs) {
      if (d.root_fd >= 0) ::close(d.root_fd);
      d.root_fd = -1;
    }
  }

  std::vector<StaticDir> dirs;

 private:
  static void OpenDir(StaticDir& d) {
    std::string what = "static \"" + d.options.prefix + "\": ";
    std::string path = d.options.dir;
    if (path.empty() || path[0] != '/') path = BaseDirectory() + "/" + path;
    char real[PATH_MAX];
    if (!::realpath(path.c_str(), real))
      throw StartupError(what + "directory " + path + " " + (errno == ENOENT ? "does not exist" : std::strerror(errno)));
    d.root = real;
    d.root_fd = ::open(real, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (d.root_fd < 0) throw StartupError(what + path + " is not a readable directory: " + std::strerror(errno));
    if (d.options.fallback.empty()) return;
    std::string rel = d.options.fallback;
    struct stat st{};
    bool redirect = false;
    int fd = OpenFile(d, rel, st, redirect, true);
    if (fd < 0) throw StartupError(what + "fallback file " + d.root + "/" + d.options.fallback + " does not exist");
    ::close(fd);
  }
};

bool IsUrlPath(std::string_view p) {
  if (p.empty() || p[0] != '/') return false;
  for (char c : p)
    if (c == '?' || c == '#' || c == '*' || c == ':' || c == '\\' || static_cast<unsigned char>(c) <= ' ') return false;
  return p.find("/./") == std::string_view::npos && p.find("/../") == std::string_view::npos;
}

}  // namespace

void ServeStatic(App& app, StaticOptions options) {
  while (options.prefix.size() > 1 && options.prefix.back() == '/') options.prefix.pop_back();
  if (!IsUrlPath(options.prefix)) throw std::invalid_argument("static prefix \"" + options.prefix + "\" is not a URL path");
  std::string rel;
  if (!options.fallback.empty() && http::SafeRelativePath(options.fallback, rel) != PathVerdict::kOk)
    throw std::invalid_argument("static fallback \"" + options.fallback + "\" is not a file of the directory");
  auto& c = server::Ensure<StaticComponent>(app);
  for (const StaticDir& d : c.dirs)
    if (d.options.prefix == options.prefix)
      throw std::invalid_argument("static prefix \"" + options.prefix + "\" is given twice");
  StaticDir d;
  d.prefix_segments = CountSegments(options.prefix);
  d.options = std::move(options);
  c.dirs.push_back(std::move(d));
}

}  // namespace lux
