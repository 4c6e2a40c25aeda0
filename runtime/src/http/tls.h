// TLS for the server's connections on OpenSSL's SSL API, driven from a connection's fiber over
// its non-blocking socket (server.cpp's Session): each SSL call that wants to read or write
// suspends the fiber until the socket is ready, so the runtime's timeouts (which cancel the
// socket's waits), the connection limit and the graceful drain work unchanged. Not Asio's
// ssl::stream: its context pulls in OpenSSL initialisation at load time, and the server must
// not map libssl unless `tls { }` is configured (docs/runtime.md, "Client libraries").
// Entry points: TlsContext::Load, TlsConnection.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/spawn.hpp>
#include <memory>
#include <string>

#include "lux/tls.h"

struct ssl_ctx_st;
struct ssl_st;

namespace lux::http {

using TlsSocket = boost::asio::basic_stream_socket<boost::asio::ip::tcp, boost::asio::io_context::executor_type>;

// The certificate, key and protocol floor, loaded once at start.
class TlsContext {
 public:
  // Throws StartupError, one line: `tls: cert "x.pem": No such file or directory`, `tls: key
  // "k.pem" does not match cert "c.pem"`, ...
  static std::shared_ptr<TlsContext> Load(const TlsOptions& options);
  ~TlsContext();
  ssl_ctx_st* native() const { return ctx_; }

 private:
  TlsContext() = default;
  ssl_ctx_st* ctx_ = nullptr;
};

// One accepted connection's TLS state. Errors come back as `ec` (eof for a clean close_notify
// or a peer that closed; connection_aborted for a TLS failure, whose reason Reason() gives).
class TlsConnection {
 public:
  TlsConnection(const TlsContext& ctx, TlsSocket& sock);
  ~TlsConnection();
  TlsConnection(const TlsConnection&) = delete;
  TlsConnection& operator=(const TlsConnection&) = delete;

  void Handshake(boost::asio::yield_context& yield, boost::system::error_code& ec);
  std::size_t ReadSome(void* data, std::size_t size, boost::asio::yield_context& yield, boost::system::error_code& ec);
  bool WriteAll(const void* data, std::size_t size, boost::asio::yield_context& yield, boost::system::error_code& ec);
  // Sends close_notify without waiting for the peer's (RFC 8446 6.1 allows it).
  void Close();

  // One non-blocking attempt, for a caller that waits on the socket itself (a WebSocket: its
  // writer runs as callbacks, not on the fiber: ws/ws.cpp): kDone with `n` bytes read or
  // written (a write is all of `size`), kWantRead / kWantWrite (call again once the socket is
  // ready, a write with the same bytes), or kFailed with `ec` set as for ReadSome. A read and a
  // write may both be pending; both run on the connection's one I/O thread.
  enum class Step { kDone, kWantRead, kWantWrite, kFailed };
  Step TryRead(void* data, std::size_t size, std::size_t& n, boost::system::error_code& ec);
  Step TryWrite(const void* data, std::size_t size, std::size_t& n, boost::system::error_code& ec);
  const std::string& Reason() const { return reason_; }

 private:
  // After an SSL call returned `ret` <= 0: waits for the socket when OpenSSL wants to read or
  // write (true: call again), else sets ec and returns false.
  bool Wait(int ret, boost::asio::yield_context& yield, boost::system::error_code& ec);
  // What an SSL call that returned `ret` <= 0 wants (sets ec when it failed).
  Step Want(int ret, boost::system::error_code& ec);

  ssl_st* ssl_ = nullptr;
  TlsSocket& sock_;
  std::string reason_;
};

// Whether the first bytes of a connection are a TLS handshake record (0x16), an HTTP request
// (a letter: plain HTTP sent to the HTTPS port), or not known yet.
enum class FirstBytes { kTls, kPlainHttp, kOther };
FirstBytes Classify(unsigned char first);

}  // namespace lux::http
