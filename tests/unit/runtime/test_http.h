// Test helpers: a raw-socket HTTP/1.1 client (loopback only) that can send arbitrary bytes
// (bad input, pipelining, trickling) and parse responses, plus an in-process test server.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <thread>

#include <lux/lux.h>

namespace luxtest {

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string Header(const std::string& n) const {
    auto it = headers.find(n);
    return it == headers.end() ? "" : it->second;
  }
  bool Has(const std::string& n) const { return headers.count(n) > 0; }
  lux::Value Json() const { return lux::ParseJson(body); }
};

// Returns -1 on ECONNREFUSED.
inline int Connect(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

class Conn {
 public:
  explicit Conn(std::uint16_t port) : fd_(Connect(port)) {}
  ~Conn() {
    if (fd_ >= 0) ::close(fd_);
  }
  Conn(const Conn&) = delete;
  bool ok() const { return fd_ >= 0; }
  int fd() const { return fd_; }

  bool Send(const std::string& s) {
    std::size_t off = 0;
    while (off < s.size()) {
      ssize_t n = ::send(fd_, s.data() + off, s.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return false;
      off += static_cast<std::size_t>(n);
    }
    return true;
  }

  // Reads more bytes into the buffer; false on EOF/error/timeout.
  bool Fill(int timeout_ms) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) return false;
    char buf[65536];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    buf_.append(buf, static_cast<std::size_t>(n));
    return true;
  }

  // Parses one response (Content-Length bodies; `head` = no body expected).
  std::optional<HttpResponse> Read(int timeout_ms = 5000, bool head = false) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
      std::size_t end = buf_.find("\r\n\r\n");
      if (end != std::string::npos) {
        HttpResponse r;
        std::string head_text = buf_.substr(0, end);
        std::size_t line_end = head_text.find("\r\n");
        std::string status_line = head_text.substr(0, line_end);
        r.status = std::stoi(status_line.substr(9, 3));
        std::size_t pos = line_end == std::string::npos ? head_text.size() : line_end + 2;
        while (pos < head_text.size()) {
          std::size_t e = head_text.find("\r\n", pos);
          if (e == std::string::npos) e = head_text.size();
          std::string line = head_text.substr(pos, e - pos);
          std::size_t colon = line.find(':');
          std::string name = line.substr(0, colon);
          for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
          std::string value = line.substr(colon + 1);
          while (!value.empty() && value.front() == ' ') value.erase(0, 1);
          if (r.headers.count(name)) r.headers[name] += ", " + value; else r.headers[name] = value;
          pos = e + 2;
        }
        std::size_t len = 0;
        if (!head && r.headers.count("content-length")) len = std::stoul(r.headers["content-length"]);
        if (buf_.size() >= end + 4 + len) {
          r.body = buf_.substr(end + 4, len);
          buf_.erase(0, end + 4 + len);
          return r;
        }
      }
      int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                      deadline - std::chrono::steady_clock::now())
                                      .count());
      if (left <= 0 || !Fill(left)) return std::nullopt;
    }
  }

  // True when the server closed the connection (EOF) within the timeout.
  bool WaitClosed(int timeout_ms) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (!eof_) {
      int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                      deadline - std::chrono::steady_clock::now())
                                      .count());
      if (left <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, left) <= 0) return false;
      char buf[4096];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) eof_ = true; else buf_.append(buf, static_cast<std::size_t>(n));
    }
    return true;
  }

  const std::string& buffered() const { return buf_; }

 private:
  int fd_;
  std::string buf_;
  bool eof_ = false;
};

inline std::string Req(const std::string& method, const std::string& target, const std::string& body = "",
                       const std::string& extra_headers = "") {
  std::string s = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra_headers;
  if (!body.empty() || method == "POST" || method == "PUT") s += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  s += "\r\n" + body;
  return s;
}

// One request on a fresh connection.
inline std::optional<HttpResponse> Call(std::uint16_t port, const std::string& method, const std::string& target,
                                        const std::string& body = "", const std::string& extra_headers = "") {
  Conn c(port);
  if (!c.ok()) return std::nullopt;
  c.Send(Req(method, target, body, extra_headers));
  return c.Read(10000, method == "HEAD");
}

// Starts an App on 127.0.0.1:0 with quiet logs; Stop() drains and joins.
class TestServer {
 public:
  explicit TestServer(std::function<void(lux::App&)> setup, int threads = 2) {
    app.options().host = "127.0.0.1";
    app.options().port = 0;
    app.options().threads = threads;
    app.options().log_level = lux::LogLevel::kOff;
    app.options().handle_signals = false;
    setup(app);
    app.Start();
  }
  ~TestServer() { Stop(); }
  void Stop() {
    if (!stopped_) {
      stopped_ = true;
      app.Shutdown();
      app.Wait();
    }
  }
  std::uint16_t port() { return app.port(); }
  std::string Url(const std::string& path) { return "http://127.0.0.1:" + std::to_string(port()) + path; }
  lux::App app{"test"};

 private:
  bool stopped_ = false;
};

}  // namespace luxtest
