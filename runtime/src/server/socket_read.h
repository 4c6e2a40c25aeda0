// A connection's socket read that tells Asio's reactor when it drained the socket, so that the
// next read waits for epoll at once instead of first trying a `recv` that cannot find anything.
// Entry point: ReadAvailable (plain sockets; TLS reads go through http::TlsConnection).
//
// Asio (1.81, epoll) registers a socket once, edge-triggered, and tries every read first
// ("speculatively") unless the descriptor's last read reported itself exhausted — which its own
// receive operation does only at end of stream. After a keep-alive response the next request is
// never there yet, so that attempt was one wasted system call per request. A read that returns
// fewer bytes than it asked for has emptied the socket's receive queue; any byte arriving after
// it raises a new edge (which re-enables the attempt, or completes the queued read), so reporting
// such a read as exhausted loses nothing.
#pragma once

#include <cstddef>

#include <boost/asio/spawn.hpp>
#include <boost/system/error_code.hpp>

#include "server/app_impl.h"

namespace lux::server {

// Reads what the kernel has, up to `size` bytes into `data`, suspending the fiber until at least
// one byte (or the end of the stream) is there: what `sock.async_read_some(buffer, yield[ec])`
// does, with the same errors (asio::error::eof; operation_aborted when the socket is cancelled
// or closed). The socket must be in non-blocking mode and used from its io_context's thread.
std::size_t ReadAvailable(Socket& sock, void* data, std::size_t size, boost::asio::yield_context& yield,
                          boost::system::error_code& ec);

}  // namespace lux::server
