// ParseSimpleHead (see request_head.h): one pass over the head with byte tables, no copies and
// no allocation; the first thing outside the plain case returns 0 and Beast reads the request.
#include "http/request_head.h"

#include <cstring>

namespace lux::http {
namespace {

struct HeadTables {
  bool token[256] = {};   // tchar (RFC 9110 5.6.2): field names
  bool target[256] = {};  // visible ASCII: the request target
  bool value[256] = {};   // visible ASCII, space and tab: field values
  constexpr HeadTables() {
    for (int c = 0x21; c <= 0x7e; ++c) target[c] = value[c] = true;
    value[' '] = value['\t'] = true;
    for (int c = '0'; c <= '9'; ++c) token[c] = true;
    for (int c = 'a'; c <= 'z'; ++c) token[c] = token[c - 32] = true;
    for (char c : std::string_view("!#$%&'*+-.^_`|~")) token[static_cast<unsigned char>(c)] = true;
  }
};
constexpr HeadTables kTables;

// Names are compared after a length check; `lower` is in lower case.
bool NameIs(std::string_view name, std::string_view lower) {
  if (name.size() != lower.size()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    if (c != lower[i]) return false;
  }
  return true;
}

// The longest method name taken here; longer ones (none registered by IANA) go to Beast.
constexpr std::size_t kMaxMethod = 16;

}  // namespace

std::size_t ParseSimpleHead(std::string_view data, std::size_t limit, SimpleHead& out) {
  const char* const begin = data.data();
  const char* p = begin;
  const char* const end = begin + (data.size() < limit ? data.size() : limit);
  auto at = [](const char* q) { return static_cast<unsigned char>(*q); };

  // request-line = method SP request-target SP HTTP-version CRLF, methods in upper case
  const char* s = p;
  while (p < end && *p >= 'A' && *p <= 'Z') ++p;
  if (p == s || static_cast<std::size_t>(p - s) > kMaxMethod || p == end || *p != ' ') return 0;
  out.method = std::string_view(s, static_cast<std::size_t>(p - s));
  s = ++p;
  while (p < end && kTables.target[at(p)]) ++p;
  if (p == s || p == end || *p != ' ') return 0;
  out.target = std::string_view(s, static_cast<std::size_t>(p - s));
  ++p;
  if (end - p < 10 || std::memcmp(p, "HTTP/1.", 7) != 0 || p[8] != '\r' || p[9] != '\n') return 0;
  if (p[7] == '1') {
    out.version = 11;
  } else if (p[7] == '0') {
    out.version = 10;
  } else {
    return 0;
  }
  p += 10;

  // field-line = field-name ":" OWS field-value OWS CRLF, then the blank line
  out.field_count = 0;
  out.hosts = 0;
  out.host = {};
  int connections = 0;
  bool close = false, keep_alive = false;
  for (;;) {
    if (end - p < 2) return 0;
    if (*p == '\r') {
      if (p[1] != '\n') return 0;
      p += 2;
      break;
    }
    s = p;
    while (p < end && kTables.token[at(p)]) ++p;
    if (p == s || p == end || *p != ':') return 0;  // also a line starting with space (obs-fold)
    std::string_view name(s, static_cast<std::size_t>(p - s));
    ++p;
    while (p < end && (*p == ' ' || *p == '\t')) ++p;
    s = p;
    while (p < end && kTables.value[at(p)]) ++p;
    if (end - p < 2 || p[0] != '\r' || p[1] != '\n') return 0;
    const char* e = p;
    while (e > s && (e[-1] == ' ' || e[-1] == '\t')) --e;
    std::string_view value(s, static_cast<std::size_t>(e - s));
    p += 2;
    if (out.field_count == SimpleHead::kMaxFields) return 0;
    switch (name.size()) {
      case 4:
        if (NameIs(name, "host")) {
          ++out.hosts;
          out.host = value;
        }
        break;
      case 10:
        if (NameIs(name, "connection")) {
          ++connections;
          if (NameIs(value, "close")) {
            close = true;
          } else if (NameIs(value, "keep-alive")) {
            keep_alive = true;
          } else {
            return 0;  // a token list, `upgrade`, ...: Beast's
          }
        }
        break;
      case 14:
        if (NameIs(name, "content-length")) return 0;
        break;
      case 17:
        if (NameIs(name, "transfer-encoding")) return 0;
        break;
      default:
        break;
    }
    out.fields[out.field_count++] = {name, value};
  }
  if (connections > 1) return 0;
  out.keep_alive = out.version >= 11 ? !close : keep_alive;
  return static_cast<std::size_t>(p - begin);
}

}  // namespace lux::http
