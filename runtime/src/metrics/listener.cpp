// The metrics listener of its own (listener.h): poll(2) on the listening socket and a stop
// eventfd; each connection is read (head only: a scrape has no body), answered and closed.
#include "metrics/listener.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "core/ids.h"
#include "core/log.h"
#include "lux/error.h"

namespace lux::metrics {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

const char* Reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 431: return "Request Header Fields Too Large";
    default: return "Error";
  }
}

void WriteAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

void Answer(int fd, const Response& res, bool head, const std::string& request_id) {
  std::string out = "HTTP/1.1 " + std::to_string(res.status) + " " + Reason(res.status) + "\r\n";
  std::string_view body = res.BodyView();
  for (const auto& [name, value] : res.headers) out += name + ": " + value + "\r\n";
  out += "Content-Length: " + std::to_string(body.size()) + "\r\nX-Request-Id: " + request_id +
         "\r\nConnection: close\r\n\r\n";
  if (!head) out.append(body);
  WriteAll(fd, out);
}

Response Error(int status, const std::string& message, const std::string& request_id) {
  Value body = Value::MakeObject();
  body["error"] = message;
  body["request_id"] = request_id;
  return Respond(status, body);
}

}  // namespace

std::unique_ptr<Listener> Listener::Open(const std::string& host, int port, std::string path,
                                         std::function<Response(Request&)> scrape) {
  std::unique_ptr<Listener> l(new Listener());
  l->path_ = std::move(path);
  l->scrape_ = std::move(scrape);
  std::string where = host + ":" + std::to_string(port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  std::string service = std::to_string(port);
  if (int rc = ::getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &found); rc != 0 || !found)
    throw StartupError("metrics: cannot resolve host `" + host + "`: " + ::gai_strerror(rc));
  int fd = ::socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  // SO_REUSEPORT: `luxc dev` starts the new process before it stops the old one, and both bind
  // the metrics port meanwhile (the kernel spreads connections between them; a process of
  // another user cannot join).
  bool ok = fd >= 0 && ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0 &&
            ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) == 0 &&
            ::bind(fd, found->ai_addr, found->ai_addrlen) == 0 && ::listen(fd, 64) == 0;
  int err = errno;
  ::freeaddrinfo(found);
  if (!ok) {
    if (fd >= 0) ::close(fd);
    throw StartupError("metrics: cannot listen on " + where + ": " +
                       (err == EADDRINUSE ? std::string("address already in use") : std::string(std::strerror(err))));
  }
  l->listen_fd_ = fd;
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  l->port_ = ntohs(ss.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port
                                            : reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  l->stop_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (l->stop_fd_ < 0) throw StartupError(std::string("metrics: eventfd: ") + std::strerror(errno));
  return l;
}

Listener::~Listener() {
  Stop();
  if (listen_fd_ >= 0) ::close(listen_fd_);
  if (stop_fd_ >= 0) ::close(stop_fd_);
}

void Listener::Start() {
  thread_ = std::thread([this] { Run(); });
}

void Listener::Stop() {
  if (stop_fd_ >= 0) {
    std::uint64_t one = 1;
    ssize_t ignored = ::write(stop_fd_, &one, sizeof one);
    (void)ignored;
  }
  if (thread_.joinable()) thread_.join();
}

void Listener::Run() {
  for (;;) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
    int n = ::poll(fds, 2, -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 || (fds[1].revents & POLLIN)) return;
    if (!(fds[0].revents & POLLIN)) continue;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EMFILE || errno == ENFILE) ::poll(fds + 1, 1, 100);  // out of descriptors: pause
      continue;
    }
    try {
      Serve(fd);
    } catch (const std::exception& e) {
      core::Log(LogLevel::kError, "metrics scrape failed", {{"error", std::string(e.what())}});
    }
    ::close(fd);
  }
}

void Listener::Serve(int fd) {
  // The head, within kReadTimeoutMs and kMaxHeadBytes; the stop eventfd ends the wait too.
  std::string head;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kReadTimeoutMs);
  std::string id = core::NewRequestId();
  while (head.find("\r\n\r\n") == std::string::npos) {
    if (head.size() > kMaxHeadBytes) return Answer(fd, Error(431, "request head too large", id), false, id);
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) return;
    pollfd fds[2] = {{fd, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
    if (::poll(fds, 2, static_cast<int>(left)) <= 0 || (fds[1].revents & POLLIN)) return;
    char buf[4096];
    ssize_t got = ::recv(fd, buf, sizeof buf, 0);
    if (got <= 0) return;
    head.append(buf, static_cast<std::size_t>(got));
  }
  Request req;
  req.id = id;
  std::string_view rest(head);
  std::string_view line = rest.substr(0, rest.find("\r\n"));
  rest.remove_prefix(line.size() + 2);
  std::size_t sp1 = line.find(' '), sp2 = line.rfind(' ');
  if (sp1 == std::string_view::npos || sp2 <= sp1) return Answer(fd, Error(400, "malformed request line", id), false, id);
  req.method = std::string(line.substr(0, sp1));
  req.target = std::string(line.substr(sp1 + 1, sp2 - sp1 - 1));
  req.path = req.target.substr(0, req.target.find('?'));
  while (!rest.empty()) {
    std::string_view h = rest.substr(0, rest.find("\r\n"));
    rest.remove_prefix(std::min(rest.size(), h.size() + 2));
    if (h.empty()) break;
    std::size_t colon = h.find(':');
    if (colon == std::string_view::npos) return Answer(fd, Error(400, "malformed header field", id), false, id);
    req.headers.Add(std::string(h.substr(0, colon)), std::string(Trim(h.substr(colon + 1))));
  }
  bool head_only = req.method == "HEAD";
  if (req.path != path_) return Answer(fd, Error(404, "not found", id), head_only, id);
  if (req.method != "GET" && !head_only) {
    Response r = Error(405, "method not allowed", id);
    r.SetHeader("Allow", "GET, HEAD");
    return Answer(fd, r, false, id);
  }
  Answer(fd, scrape_(req), head_only, id);
}

}  // namespace lux::metrics
