// ReadAvailable (socket_read.h): a receive operation of our own on Asio's reactor. It is started
// the way Asio starts its own (`reactor::start_op`, trying the read first unless the descriptor
// is known to be drained) and differs in one status: a read that returns fewer bytes than asked
// for reports `done_and_exhausted`, which makes the reactor skip the next attempt until epoll
// reports the socket readable again. The operation lives in the suspended fiber's frame (no
// allocation per read) and completes the fiber's yield_context handler as Asio's would.
#include "server/socket_read.h"

#include <sys/socket.h>

#include <cerrno>
#include <optional>
#include <type_traits>
#include <utility>

#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/detail/reactor.hpp>
#include <boost/asio/detail/reactor_op.hpp>
#include <boost/asio/error.hpp>

namespace lux::server {

namespace {

namespace asio = boost::asio;
using Reactor = asio::detail::reactor;
static_assert(std::is_same_v<Reactor, asio::detail::epoll_reactor>,
              "ReadAvailable relies on the epoll reactor's edge-triggered registration");
using Signature = void(boost::system::error_code, std::size_t);
using Handler = asio::async_result<asio::yield_context, Signature>::handler_type;

// The socket's implementation (its descriptor, its state, the reactor's data for it) is a
// protected member of Asio's basic_socket; a pointer to it formed through a derived class
// reaches it without a copy of Asio's types.
struct SocketAccess : Socket {
  static auto& Impl(Socket& s) { return (s.*&SocketAccess::impl_).get_implementation(); }
};

// The worker's reactor, looked up once per thread (a worker thread runs one io_context).
Reactor& ReactorOf(Socket& sock) {
  thread_local asio::execution_context* context = nullptr;
  thread_local Reactor* reactor = nullptr;
  asio::execution_context& ctx = sock.get_executor().context();
  if (context != &ctx) {
    reactor = &asio::use_service<Reactor>(ctx);
    context = &ctx;
  }
  return *reactor;
}

class ReadOp : public asio::detail::reactor_op {
 public:
  ReadOp(int fd, void* data, std::size_t size)
      : reactor_op(boost::system::error_code(), &Perform, &Complete), fd_(fd), data_(data), size_(size) {}

  std::optional<Handler> handler;

 private:
  // What Asio's receive operation does, except the status of a short read (see the file's top).
  // not_done: nothing there yet, the reactor queues the operation until epoll reports the socket.
  static status Perform(reactor_op* base) {
    auto* op = static_cast<ReadOp*>(base);
    for (;;) {
      ssize_t n = ::recv(op->fd_, op->data_, op->size_, 0);
      if (n > 0) {
        op->bytes_transferred_ = static_cast<std::size_t>(n);
        return op->bytes_transferred_ < op->size_ ? done_and_exhausted : done;
      }
      if (n == 0) {
        op->ec_ = asio::error::eof;
        return done_and_exhausted;
      }
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return not_done;
      op->ec_ = boost::system::error_code(errno, asio::error::get_system_category());
      return done_and_exhausted;
    }
  }

  // owner: the scheduler running the completion; null when the io_context destroys the
  // operation unrun (its handler's destructor then ends the fiber, as for Asio's operations).
  static void Complete(void* owner, asio::detail::operation* base, const boost::system::error_code&, std::size_t) {
    auto* op = static_cast<ReadOp*>(base);
    Handler handler(std::move(*op->handler));
    op->handler.reset();
    if (!owner) return;
    boost::system::error_code ec = op->ec_;
    std::size_t n = op->bytes_transferred_;
    handler(ec, n);  // resumes the fiber, which ends the frame holding *op: not touched after this
  }

  int fd_;
  void* data_;
  std::size_t size_;
};

}  // namespace

std::size_t ReadAvailable(Socket& sock, void* data, std::size_t size, asio::yield_context& yield,
                          boost::system::error_code& ec) {
  auto& impl = SocketAccess::Impl(sock);
  // An empty read completes at once, and a socket not in non-blocking mode would block the
  // thread in the attempt: Asio's own read handles both.
  if (size == 0 || !(impl.state_ & asio::detail::socket_ops::user_set_non_blocking))
    return sock.async_read_some(asio::buffer(data, size), yield[ec]);
  Reactor& reactor = ReactorOf(sock);
  ReadOp op(impl.socket_, data, size);
  asio::yield_context token = yield[ec];
  return asio::async_initiate<asio::yield_context, Signature>(
      [&](Handler handler) {
        op.handler.emplace(std::move(handler));
        reactor.start_op(Reactor::read_op, impl.socket_, impl.reactor_data_, &op, /*is_continuation=*/false,
                         /*allow_speculative=*/true);
      },
      token);
}

}  // namespace lux::server
