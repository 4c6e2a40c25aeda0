// The metrics listener of its own (`metrics { port }`, LUX_METRICS_PORT): one thread answering
// one connection at a time with blocking sockets — a scrape endpoint sees a scraper every few
// seconds, not traffic. Every answer closes its connection. GET (and HEAD) of the metrics path
// is handed to the component's scrape function; any other path is a 404, any other method a 405
// (JSON bodies in the server's error shape). Entry points: Listener::Open, Start, Stop, port.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "lux/http.h"

namespace lux::metrics {

class Listener {
 public:
  // A head larger than this is answered 431; one that takes longer than kReadTimeoutMs is dropped.
  static constexpr std::size_t kMaxHeadBytes = 16 << 10;
  static constexpr int kReadTimeoutMs = 5000;

  // Binds host:port now (0: any free port), so a taken port fails the start. Throws StartupError.
  static std::unique_ptr<Listener> Open(const std::string& host, int port, std::string path,
                                        std::function<Response(Request&)> scrape);
  ~Listener();
  void Start();
  void Stop();  // idempotent; the connection being answered finishes first
  std::uint16_t port() const { return port_; }

 private:
  Listener() = default;
  void Run();
  void Serve(int fd);

  int listen_fd_ = -1;
  int stop_fd_ = -1;  // eventfd: readable once Stop was called
  std::uint16_t port_ = 0;
  std::string path_;
  std::function<Response(Request&)> scrape_;
  std::thread thread_;
};

}  // namespace lux::metrics
