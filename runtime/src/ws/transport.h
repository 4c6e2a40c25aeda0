// The byte stream under a WebSocket (the next layer of Beast's websocket::stream): the
// connection's socket, or the connection's TLS session when the listener speaks TLS
// (http/tls.h). Plain, every operation is the socket's own. Over TLS each read and write is one
// non-blocking SSL call, repeated when the socket is ready; a read (the connection's fiber) and a
// write (its writer chain) may be pending at once, both on the connection's one I/O thread, so
// the SSL session is never used from two threads. A completion is never called from inside the
// call that started the operation (it is posted), as Asio requires of an async operation.
// Entry points: Transport, async_teardown / teardown (found by Beast through ADL).
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/buffers_prefix.hpp>
#include <boost/beast/core/role.hpp>
#include <boost/beast/websocket/teardown.hpp>
#include <string>
#include <utility>

#include "http/tls.h"
#include "server/app_impl.h"

namespace lux::ws {

class Transport {
 public:
  using executor_type = server::Socket::executor_type;

  // `tls` null: plain WebSocket on `sock`.
  Transport(server::Socket& sock, http::TlsConnection* tls) : sock_(sock), tls_(tls) {}

  executor_type get_executor() noexcept { return sock_.get_executor(); }
  server::Socket& socket() { return sock_; }
  http::TlsConnection* tls() { return tls_; }
  // Ends the pending waits (operation_aborted), as the socket's cancel does.
  void cancel(boost::system::error_code& ec) { sock_.cancel(ec); }

  template <class Buffers, class Handler>
  void async_read_some(const Buffers& buffers, Handler&& handler) {
    if (!tls_) {
      sock_.async_read_some(buffers, std::forward<Handler>(handler));
      return;
    }
    boost::asio::async_compose<Handler, void(boost::system::error_code, std::size_t)>(
        SslOp{this, boost::beast::buffers_front(buffers), /*write=*/false}, handler, sock_);
  }

  template <class Buffers, class Handler>
  void async_write_some(const Buffers& buffers, Handler&& handler) {
    if (!tls_) {
      sock_.async_write_some(buffers, std::forward<Handler>(handler));
      return;
    }
    // Beast hands a frame as its header and payload: they go out as one TLS record (up to
    // kMaxRecord), so a small message costs one record and one send, not two.
    out_.resize(std::min(boost::asio::buffer_size(buffers), kMaxRecord));
    std::size_t n = boost::asio::buffer_copy(boost::asio::buffer(out_), buffers);
    boost::asio::async_compose<Handler, void(boost::system::error_code, std::size_t)>(
        SslOp{this, boost::asio::mutable_buffer(out_.data(), n), /*write=*/true}, handler, sock_);
  }

 private:
  // The TLS record payload limit (RFC 8446 5.1).
  static constexpr std::size_t kMaxRecord = 16 << 10;

  // One SSL read or write: tried at once, then after each wait the SSL call asks for. `phase`
  // kStart: the first try, from the initiating call (a result is posted, not completed);
  // kWaiting: resumed by the socket wait; kPosted: the result of the first try, delivered.
  struct SslOp {
    SslOp(Transport* transport, boost::asio::mutable_buffer b, bool w) : t(transport), buf(b), write(w) {}
    Transport* t;
    boost::asio::mutable_buffer buf;
    bool write;
    enum { kStart, kWaiting, kPosted } phase = kStart;
    boost::system::error_code result;
    std::size_t n = 0;

    template <class Self>
    void operator()(Self& self, boost::system::error_code ec = {}) {
      if (phase == kPosted) return self.complete(result, n);
      if (phase == kWaiting && ec) return self.complete(ec, 0);
      http::TlsConnection::Step step = http::TlsConnection::Step::kDone;
      if (buf.size() > 0)
        step = write ? t->tls_->TryWrite(buf.data(), buf.size(), n, ec) : t->tls_->TryRead(buf.data(), buf.size(), n, ec);
      switch (step) {
        case http::TlsConnection::Step::kWantRead:
          phase = kWaiting;
          return t->sock_.async_wait(server::Socket::wait_read, std::move(self));
        case http::TlsConnection::Step::kWantWrite:
          phase = kWaiting;
          return t->sock_.async_wait(server::Socket::wait_write, std::move(self));
        default: break;
      }
      if (phase == kWaiting) return self.complete(ec, n);
      phase = kPosted;
      result = ec;
      boost::asio::post(t->sock_.get_executor(), std::move(self));
    }
  };

  server::Socket& sock_;
  http::TlsConnection* tls_;
  std::string out_;  // the bytes of the write in progress (Beast runs one write at a time)
};

// The end of a WebSocket's connection after the close handshake. Over TLS: close_notify (the
// session closes the socket when the connection's fiber ends); plain: Beast's own for a socket.
template <class Handler>
void async_teardown(boost::beast::role_type role, Transport& t, Handler&& handler) {
  if (!t.tls()) {
    boost::beast::websocket::async_teardown(role, t.socket(), std::forward<Handler>(handler));
    return;
  }
  t.tls()->Close();
  boost::asio::post(t.get_executor(),
                    [h = std::forward<Handler>(handler)]() mutable { std::move(h)(boost::system::error_code()); });
}

// Beast's end of a failed connection. Over TLS the descriptor stays open (shut down both ways)
// until the session, which owns the SSL session bound to that descriptor number, closes it.
inline void beast_close_socket(Transport& t) {
  boost::system::error_code ec;
  if (t.tls()) {
    t.socket().shutdown(server::Socket::shutdown_both, ec);
    t.socket().cancel(ec);
  } else {
    t.socket().close(ec);
  }
}

inline void teardown(boost::beast::role_type role, Transport& t, boost::system::error_code& ec) {
  if (!t.tls()) return boost::beast::websocket::teardown(role, t.socket(), ec);
  t.tls()->Close();
  ec = {};
}

}  // namespace lux::ws
