// The native load client of bench/realtime/ws_bench.sh (the default; CLIENT=node runs ws_load.js):
// CONNS WebSocket connections to URL, each keeping WINDOW masked text messages of SIZE bytes in
// flight for SECS seconds after a one-second warm-up. Each read is parsed for complete echoes
// and as many new messages go out in one send, so that one core of client drives a server on
// the other core to its limit (the Node client tops out near 300k messages/s, about what the
// servers echo). Prints the echoed messages per second (after the warm-up), the messages echoed
// over the whole run and the client's own CPU time per message in nanoseconds.
//   ws_load URL CONNS WINDOW SIZE SECS      (built by ws_bench.sh: c++ -O2 -o ws_load ws_load.cpp)
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "ws_load: %s%s%s\n", what.c_str(), errno ? ": " : "", errno ? std::strerror(errno) : "");
  std::exit(1);
}

// One client frame: FIN + text, masked with a fixed key (a server unmasks whatever key it gets).
std::string MaskedText(std::size_t size) {
  std::string f;
  f.push_back(static_cast<char>(0x81));
  if (size < 126) {
    f.push_back(static_cast<char>(0x80 | size));
  } else if (size <= 0xFFFF) {
    f.push_back(static_cast<char>(0x80 | 126));
    f.push_back(static_cast<char>(size >> 8));
    f.push_back(static_cast<char>(size & 0xFF));
  } else {
    f.push_back(static_cast<char>(0x80 | 127));
    for (int i = 7; i >= 0; --i) f.push_back(static_cast<char>((static_cast<std::uint64_t>(size) >> (8 * i)) & 0xFF));
  }
  const unsigned char key[4] = {0x12, 0x34, 0x56, 0x78};
  f.append(reinterpret_cast<const char*>(key), 4);
  for (std::size_t i = 0; i < size; ++i) f.push_back(static_cast<char>('x' ^ key[i & 3]));
  return f;
}

struct Conn {
  int fd = -1;
  std::string in;     // bytes read and not yet parsed
  std::string out;    // frames not yet accepted by the socket
};

// Complete server frames at the start of c.in (unmasked, any opcode): removes them and returns
// how many were data frames. A close frame ends the run with an error.
int TakeFrames(Conn& c) {
  std::size_t pos = 0;
  int data = 0;
  const auto* p = reinterpret_cast<const unsigned char*>(c.in.data());
  for (;;) {
    std::size_t avail = c.in.size() - pos;
    if (avail < 2) break;
    std::uint64_t len = p[pos + 1] & 0x7F;
    std::size_t head = 2;
    if (len == 126) {
      if (avail < 4) break;
      len = (std::uint64_t{p[pos + 2]} << 8) | p[pos + 3];
      head = 4;
    } else if (len == 127) {
      if (avail < 10) break;
      len = 0;
      for (int i = 0; i < 8; ++i) len = (len << 8) | p[pos + 2 + i];
      head = 10;
    }
    if (avail - head < len) break;
    int op = p[pos] & 0x0F;
    if (op == 0x8) {
      errno = 0;
      Die("the server closed a connection");
    }
    if (op == 0x1 || op == 0x2) ++data;
    pos += head + len;
  }
  c.in.erase(0, pos);
  return data;
}

// Sends what c.out holds; false when the connection failed.
bool Flush(Conn& c) {
  while (!c.out.empty()) {
    ssize_t n = ::send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
    if (n > 0) {
      c.out.erase(0, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }
  return true;
}

int Connect(const sockaddr_in& addr, const std::string& host, const std::string& path) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) Die("socket");
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) Die("connect");
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // as Node's ws sets it
  std::string req = "GET " + path + " HTTP/1.1\r\nHost: " + host +
                    "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
  if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) Die("send handshake");
  std::string res;
  char buf[4096];
  while (res.find("\r\n\r\n") == std::string::npos) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) Die("handshake answer");
    res.append(buf, static_cast<std::size_t>(n));
  }
  if (res.compare(0, 12, "HTTP/1.1 101") != 0) {
    errno = 0;
    Die("the server refused the upgrade: " + res.substr(0, res.find("\r\n")));
  }
  if (res.size() > res.find("\r\n\r\n") + 4) {
    errno = 0;
    Die("bytes after the 101");
  }
  return fd;
}

double CpuSeconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: ws_load URL CONNS WINDOW SIZE SECS\n");
    return 2;
  }
  std::string url = argv[1];
  int conns = std::atoi(argv[2]), window = std::atoi(argv[3]);
  std::size_t size = static_cast<std::size_t>(std::atol(argv[4]));
  double secs = std::atof(argv[5]);
  if (url.rfind("ws://", 0) != 0 || conns < 1 || window < 1) {
    std::fprintf(stderr, "ws_load: expected ws://HOST:PORT/PATH and positive CONNS and WINDOW\n");
    return 2;
  }
  std::string rest = url.substr(5);
  std::string hostport = rest.substr(0, rest.find('/'));
  std::string path = rest.find('/') == std::string::npos ? "/" : rest.substr(rest.find('/'));
  std::string host = hostport.substr(0, hostport.find(':'));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(std::atoi(hostport.substr(hostport.find(':') + 1).c_str())));
  if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) Die("host must be an IPv4 address");

  const std::string frame = MaskedText(size);
  std::vector<Conn> cs(static_cast<std::size_t>(conns));
  int ep = ::epoll_create1(0);
  for (std::size_t i = 0; i < cs.size(); ++i) {
    cs[i].fd = Connect(addr, host, path);
    int fl = 1;
    ::ioctl(cs[i].fd, FIONBIO, &fl);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = i;
    if (::epoll_ctl(ep, EPOLL_CTL_ADD, cs[i].fd, &ev) != 0) Die("epoll_ctl");
  }
  for (Conn& c : cs) {
    for (int k = 0; k < window; ++k) c.out += frame;
    if (!Flush(c)) Die("send");
  }

  const auto start = Clock::now();
  const auto count_from = start + std::chrono::seconds(1);
  const auto until = count_from + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(secs));
  const double cpu0 = CpuSeconds();
  std::uint64_t total = 0, counted = 0;
  std::vector<epoll_event> evs(static_cast<std::size_t>(conns));
  std::vector<char> buf(1 << 16);
  bool counting = false;
  for (;;) {
    int n = ::epoll_wait(ep, evs.data(), static_cast<int>(evs.size()), 100);
    if (n < 0 && errno != EINTR) Die("epoll_wait");
    auto now = Clock::now();
    if (!counting && now >= count_from) counting = true;
    if (now >= until) break;
    for (int e = 0; e < n; ++e) {
      Conn& c = cs[evs[static_cast<std::size_t>(e)].data.u64];
      if (evs[static_cast<std::size_t>(e)].events & EPOLLOUT) {
        if (!Flush(c)) Die("send");
        if (c.out.empty()) {
          epoll_event ev{};
          ev.events = EPOLLIN;
          ev.data.u64 = evs[static_cast<std::size_t>(e)].data.u64;
          ::epoll_ctl(ep, EPOLL_CTL_MOD, c.fd, &ev);
        }
      }
      if (!(evs[static_cast<std::size_t>(e)].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) continue;
      ssize_t got = ::recv(c.fd, buf.data(), buf.size(), 0);
      if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR)) Die("the server dropped a connection");
      if (got < 0) continue;
      c.in.append(buf.data(), static_cast<std::size_t>(got));
      int echoed = TakeFrames(c);
      total += static_cast<std::uint64_t>(echoed);
      if (counting) counted += static_cast<std::uint64_t>(echoed);
      bool was_empty = c.out.empty();
      for (int k = 0; k < echoed; ++k) c.out += frame;  // one send for every echo this read brought
      if (!Flush(c)) Die("send");
      if (was_empty && !c.out.empty()) {  // the socket is full: wait until it takes more
        epoll_event ev{};
        ev.events = EPOLLIN | EPOLLOUT;
        ev.data.u64 = evs[static_cast<std::size_t>(e)].data.u64;
        ::epoll_ctl(ep, EPOLL_CTL_MOD, c.fd, &ev);
      }
    }
  }
  double elapsed = std::chrono::duration<double>(Clock::now() - count_from).count();
  double cpu = CpuSeconds() - cpu0;
  std::printf("%llu %llu %llu\n", static_cast<unsigned long long>(counted / elapsed), static_cast<unsigned long long>(total),
              static_cast<unsigned long long>(total ? cpu * 1e9 / total : 0));
  for (Conn& c : cs) ::close(c.fd);
  return 0;
}
