// The tracing bench's stand-in OTLP/HTTP collector, native so that it keeps up with a server
// exporting every request's span: one thread, epoll, non-blocking keep-alive connections. Reads
// every request whole (Content-Length or chunked), answers each with 200 and `{}`, and counts
// requests, body bytes and spans (protobuf: ScopeSpans.spans entries found by walking the
// outer messages' tags and lengths; JSON: the spans' `"kind":` members). Nothing is dropped: a
// protobuf body whose messages do not parse is counted as malformed (and answered 200), a
// chunked body that does not parse is answered 400. Prints its counts on SIGTERM/SIGINT. Built by bench/tracing/run.sh and callgrind.sh (g++ -O2, no dependencies).
//   collector PORT
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

namespace {

volatile sig_atomic_t g_stop = 0;
void OnSignal(int) { g_stop = 1; }

struct Counts {
  std::uint64_t requests = 0, bytes = 0, spans = 0, malformed = 0;
};

bool ReadVarint(const unsigned char*& p, const unsigned char* e, std::uint64_t& v) {
  v = 0;
  for (int shift = 0; p < e && shift < 64; shift += 7) {
    unsigned char b = *p++;
    v |= static_cast<std::uint64_t>(b & 0x7F) << shift;
    if (!(b & 0x80)) return true;
  }
  return false;
}

// Calls f(field, body) for each length-delimited field of the message [p, e); false when the
// message is not well formed or holds a field of another wire type.
template <typename F>
bool ForEachBytesField(const unsigned char* p, const unsigned char* e, F&& f) {
  while (p < e) {
    std::uint64_t tag, size;
    if (!ReadVarint(p, e, tag) || (tag & 7) != 2 || !ReadVarint(p, e, size)) return false;
    if (size > static_cast<std::uint64_t>(e - p)) return false;
    if (!f(tag >> 3, p, p + size)) return false;
    p += size;
  }
  return true;
}

// ExportTraceServiceRequest.resource_spans(1) → ResourceSpans.scope_spans(2) → ScopeSpans.spans(2).
bool CountProtobufSpans(std::string_view body, std::uint64_t& n) {
  auto* b = reinterpret_cast<const unsigned char*>(body.data());
  return ForEachBytesField(b, b + body.size(), [&](std::uint64_t f, auto* rs, auto* rs_end) {
    if (f != 1) return false;
    return ForEachBytesField(rs, rs_end, [&](std::uint64_t f2, auto* ss, auto* ss_end) {
      if (f2 != 2) return true;  // the resource, the schema url
      return ForEachBytesField(ss, ss_end, [&](std::uint64_t f3, auto*, auto*) {
        n += f3 == 2;
        return true;
      });
    });
  });
}

std::uint64_t CountJsonSpans(std::string_view body) {
  std::uint64_t n = 0;
  for (std::size_t at = body.find("\"kind\":"); at != std::string_view::npos; at = body.find("\"kind\":", at + 7)) ++n;
  return n;
}

bool IEqualsPrefix(std::string_view line, std::string_view name) {
  if (line.size() < name.size()) return false;
  for (std::size_t i = 0; i < name.size(); ++i)
    if ((line[i] | 0x20) != name[i]) return false;
  return true;
}

std::string_view Trim(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t' || v.back() == '\r')) v.remove_suffix(1);
  return v;
}

struct Conn {
  int fd;
  std::string in;
  std::string out;
};

// A chunked body starting at in[from]: its decoded bytes and where the message ends, or false
// while it is incomplete (`bad` when it is not a chunked body).
bool Dechunk(const std::string& in, std::size_t from, std::string& body, std::size_t& end, bool& bad) {
  body.clear();
  std::size_t p = from;
  for (;;) {
    std::size_t eol = in.find("\r\n", p);
    if (eol == std::string::npos) return false;
    char* stop = nullptr;
    unsigned long long size = std::strtoull(in.c_str() + p, &stop, 16);
    if (stop == in.c_str() + p) {
      bad = true;
      return false;
    }
    p = eol + 2;
    if (size == 0) {  // the last chunk, then (no trailers from the runtime) an empty line
      std::size_t fin = in.find("\r\n", p);
      if (fin == std::string::npos) return false;
      end = fin + 2;
      return true;
    }
    if (in.size() < p + size + 2) return false;
    body.append(in, p, size);
    p += size + 2;
  }
}

// Answers every complete request in c.in; false when the connection is to close.
bool Serve(Conn& c, Counts& counts) {
  static const std::string kOk = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}";
  static const std::string kBad =
      "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}";
  std::size_t consumed = 0;
  std::string chunked_body;
  for (;;) {
    std::size_t head_end = c.in.find("\r\n\r\n", consumed);
    if (head_end == std::string::npos) break;
    std::string_view head(c.in.data() + consumed, head_end - consumed);
    std::size_t length = 0;
    bool has_length = false, chunked = false, protobuf = false;
    for (std::size_t p = head.find("\r\n"); p != std::string_view::npos;) {
      std::size_t q = head.find("\r\n", p + 2);
      std::string_view line = head.substr(p + 2, q == std::string_view::npos ? std::string_view::npos : q - p - 2);
      if (IEqualsPrefix(line, "content-length:")) {
        length = std::strtoull(std::string(Trim(line.substr(15))).c_str(), nullptr, 10);
        has_length = true;
      } else if (IEqualsPrefix(line, "transfer-encoding:")) {
        chunked = Trim(line.substr(18)).find("chunked") != std::string_view::npos;
      } else if (IEqualsPrefix(line, "content-type:")) {
        protobuf = Trim(line.substr(13)) == "application/x-protobuf";
      }
      p = q;
    }
    std::size_t body_at = head_end + 4;
    std::string_view body;
    std::size_t next;
    if (chunked) {
      bool bad = false;
      if (!Dechunk(c.in, body_at, chunked_body, next, bad)) {
        if (!bad) break;
        ++counts.malformed;
        c.out += kBad;
        return false;
      }
      body = chunked_body;
    } else {
      if (!has_length) length = 0;
      if (c.in.size() < body_at + length) break;
      body = std::string_view(c.in.data() + body_at, length);
      next = body_at + length;
    }
    ++counts.requests;
    counts.bytes += body.size();
    if (protobuf) {
      std::uint64_t n = 0;
      if (CountProtobufSpans(body, n)) {
        counts.spans += n;
      } else {
        ++counts.malformed;
      }
    } else {
      counts.spans += CountJsonSpans(body);
    }
    c.out += kOk;
    consumed = next;
  }
  c.in.erase(0, consumed);
  return true;
}

bool Flush(Conn& c) {
  while (!c.out.empty()) {
    ssize_t n = ::send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
    if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK;
    c.out.erase(0, static_cast<std::size_t>(n));
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: collector PORT\n");
    return 2;
  }
  struct sigaction sa {};
  sa.sa_handler = OnSignal;  // no SA_RESTART: epoll_wait returns EINTR
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);

  int lfd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int one = 1;
  ::setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(std::atoi(argv[1])));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(lfd, 128) != 0) {
    std::perror("collector: bind/listen");
    return 1;
  }
  int ep = ::epoll_create1(0);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = lfd;
  ::epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);

  Counts counts;
  std::unordered_map<int, std::unique_ptr<Conn>> conns;
  auto close_conn = [&](int fd) {
    ::epoll_ctl(ep, EPOLL_CTL_DEL, fd, nullptr);
    ::close(fd);
    conns.erase(fd);
  };
  char buf[1 << 16];
  epoll_event events[64];
  while (!g_stop) {
    int n = ::epoll_wait(ep, events, 64, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::perror("collector: epoll_wait");
      return 1;
    }
    for (int i = 0; i < n; ++i) {
      int fd = events[i].data.fd;
      if (fd == lfd) {
        for (int c; (c = ::accept4(lfd, nullptr, nullptr, SOCK_NONBLOCK)) >= 0;) {
          ::setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          epoll_event cev{};
          cev.events = EPOLLIN | EPOLLOUT | EPOLLET | EPOLLRDHUP;
          cev.data.fd = c;
          ::epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev);
          conns[c] = std::make_unique<Conn>(Conn{c, {}, {}});
        }
        continue;
      }
      auto it = conns.find(fd);
      if (it == conns.end()) continue;
      Conn& c = *it->second;
      bool open = true, eof = false;
      for (;;) {  // edge-triggered: read until the socket is empty
        ssize_t r = ::recv(fd, buf, sizeof buf, 0);
        if (r > 0) {
          c.in.append(buf, static_cast<std::size_t>(r));
          continue;
        }
        if (r == 0) eof = true;
        else if (errno != EAGAIN && errno != EWOULDBLOCK) open = false;
        break;
      }
      if (open) open = Serve(c, counts);
      if (!Flush(c) || !open || (eof && c.out.empty())) close_conn(fd);
    }
  }
  std::printf("collector: %llu spans, %llu requests, %llu bytes, %llu malformed\n",
              static_cast<unsigned long long>(counts.spans), static_cast<unsigned long long>(counts.requests),
              static_cast<unsigned long long>(counts.bytes), static_cast<unsigned long long>(counts.malformed));
  return 0;
}
