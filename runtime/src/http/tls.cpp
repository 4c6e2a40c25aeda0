// TLS on OpenSSL's SSL API for the server's connections (tls.h), and ServeTls (lux/tls.h).
#include "http/tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "lux/error.h"
#include "server/app_impl.h"

namespace lux {

void ServeTls(App& app, TlsOptions options) { AppImpl(app).tls_options = std::move(options); }

namespace http {

namespace asio = boost::asio;

namespace {

std::string OpenSslReason() {
  unsigned long e = ERR_get_error();
  unsigned long last = e;
  while (e != 0) {
    last = e;
    e = ERR_get_error();
  }
  if (last == 0) return "unknown error";
  char buf[256];
  ERR_error_string_n(last, buf, sizeof buf);
  // "error:0A000086:SSL routines::certificate verify failed": keep the reason after the last ':'.
  std::string s(buf);
  std::size_t colon = s.rfind(':');
  return colon == std::string::npos ? s : s.substr(colon + 1);
}

// A file that cannot be opened is reported with the system's reason, before OpenSSL's
// less direct one.
void CheckReadable(const char* what, const std::string& path) {
  if (path.empty()) throw StartupError(std::string("tls: `") + what + "` is empty");
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw StartupError(std::string("tls: ") + what + " \"" + path + "\": " + std::strerror(errno));
  std::fclose(f);
}

}  // namespace

std::shared_ptr<TlsContext> TlsContext::Load(const TlsOptions& o) {
  CheckReadable("cert", o.cert);
  CheckReadable("key", o.key);
  std::shared_ptr<TlsContext> c(new TlsContext());
  ERR_clear_error();
  c->ctx_ = SSL_CTX_new(TLS_server_method());
  if (!c->ctx_) throw StartupError("tls: cannot create a TLS context: " + OpenSslReason());
  int floor = o.min_version == "1.3" ? TLS1_3_VERSION : TLS1_2_VERSION;
  if (o.min_version != "1.2" && o.min_version != "1.3")
    throw StartupError("tls: min_version must be \"1.2\" or \"1.3\", got \"" + o.min_version + "\"");
  SSL_CTX_set_min_proto_version(c->ctx_, floor);
  SSL_CTX_set_options(c->ctx_, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_COMPRESSION);
  SSL_CTX_set_mode(c->ctx_, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
  if (SSL_CTX_use_certificate_chain_file(c->ctx_, o.cert.c_str()) != 1)
    throw StartupError("tls: cert \"" + o.cert + "\" is not a PEM certificate: " + OpenSslReason());
  if (SSL_CTX_use_PrivateKey_file(c->ctx_, o.key.c_str(), SSL_FILETYPE_PEM) != 1) {
    std::string why = OpenSslReason();
    if (why == "key values mismatch")
      throw StartupError("tls: key \"" + o.key + "\" does not match cert \"" + o.cert + "\"");
    throw StartupError("tls: key \"" + o.key + "\" is not a PEM private key: " + why);
  }
  if (SSL_CTX_check_private_key(c->ctx_) != 1)
    throw StartupError("tls: key \"" + o.key + "\" does not match cert \"" + o.cert + "\"");
  return c;
}

TlsContext::~TlsContext() {
  if (ctx_) SSL_CTX_free(ctx_);
}

TlsConnection::TlsConnection(const TlsContext& ctx, TlsSocket& sock) : sock_(sock) {
  ssl_ = SSL_new(ctx.native());
  if (ssl_) SSL_set_fd(ssl_, sock.native_handle());
}

TlsConnection::~TlsConnection() {
  if (ssl_) SSL_free(ssl_);
}

TlsConnection::Step TlsConnection::Want(int ret, boost::system::error_code& ec) {
  int err = SSL_get_error(ssl_, ret);
  if (err == SSL_ERROR_WANT_READ) return Step::kWantRead;
  if (err == SSL_ERROR_WANT_WRITE) return Step::kWantWrite;
  if (err == SSL_ERROR_ZERO_RETURN || (err == SSL_ERROR_SYSCALL && ERR_peek_error() == 0)) {
    ERR_clear_error();
    ec = asio::error::eof;
    return Step::kFailed;
  }
  reason_ = OpenSslReason();
  ec = asio::error::connection_aborted;
  return Step::kFailed;
}

bool TlsConnection::Wait(int ret, asio::yield_context& yield, boost::system::error_code& ec) {
  switch (Want(ret, ec)) {
    case Step::kWantRead: sock_.async_wait(TlsSocket::wait_read, yield[ec]); return !ec;
    case Step::kWantWrite: sock_.async_wait(TlsSocket::wait_write, yield[ec]); return !ec;
    default: return false;
  }
}

TlsConnection::Step TlsConnection::TryRead(void* data, std::size_t size, std::size_t& n, boost::system::error_code& ec) {
  ERR_clear_error();
  n = 0;
  int r = SSL_read_ex(ssl_, data, size, &n);
  return r == 1 ? Step::kDone : Want(r, ec);
}

TlsConnection::Step TlsConnection::TryWrite(const void* data, std::size_t size, std::size_t& n,
                                            boost::system::error_code& ec) {
  ERR_clear_error();
  n = 0;
  int r = SSL_write_ex(ssl_, data, size, &n);
  return r == 1 ? Step::kDone : Want(r, ec);
}

void TlsConnection::Handshake(asio::yield_context& yield, boost::system::error_code& ec) {
  if (!ssl_) {
    reason_ = "cannot create a TLS connection";
    ec = asio::error::no_memory;
    return;
  }
  ERR_clear_error();
  for (;;) {
    int r = SSL_accept(ssl_);
    if (r == 1) return;
    if (!Wait(r, yield, ec)) return;
  }
}

std::size_t TlsConnection::ReadSome(void* data, std::size_t size, asio::yield_context& yield, boost::system::error_code& ec) {
  ERR_clear_error();
  for (;;) {
    std::size_t got = 0;
    int r = SSL_read_ex(ssl_, data, size, &got);
    if (r == 1) return got;
    if (!Wait(r, yield, ec)) return 0;
  }
}

bool TlsConnection::WriteAll(const void* data, std::size_t size, asio::yield_context& yield, boost::system::error_code& ec) {
  const char* p = static_cast<const char*>(data);
  ERR_clear_error();
  while (size > 0) {
    std::size_t put = 0;
    int r = SSL_write_ex(ssl_, p, size, &put);
    if (r == 1) {
      p += put;
      size -= put;
      continue;
    }
    if (!Wait(r, yield, ec)) return false;
  }
  return true;
}

void TlsConnection::Close() {
  if (!ssl_) return;
  ERR_clear_error();
  SSL_shutdown(ssl_);  // one attempt on the non-blocking socket: close_notify if it fits
  ERR_clear_error();
}

FirstBytes Classify(unsigned char first) {
  if (first == 0x16) return FirstBytes::kTls;
  if ((first >= 'A' && first <= 'Z') || (first >= 'a' && first <= 'z')) return FirstBytes::kPlainHttp;
  return FirstBytes::kOther;
}

}  // namespace http

}  // namespace lux
