// The libssl functions the runtime calls (a server with `tls { }`: src/http/tls.cpp), forwarded
// to OpenSSL's libssl loaded on first use (lazy/forward.h): a server without TLS never maps it.
// The ERR_ functions are libcrypto's, which libssl loads with it.
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "lazy/forward.h"

LUX_FORWARD(kSsl, const SSL_METHOD*, TLS_server_method, (), ())
LUX_FORWARD(kSsl, SSL_CTX*, SSL_CTX_new, (const SSL_METHOD* method), (method))
LUX_FORWARD(kSsl, void, SSL_CTX_free, (SSL_CTX * ctx), (ctx))
LUX_FORWARD(kSsl, long, SSL_CTX_ctrl, (SSL_CTX * ctx, int cmd, long larg, void* parg), (ctx, cmd, larg, parg))
LUX_FORWARD(kSsl, uint64_t, SSL_CTX_set_options, (SSL_CTX * ctx, uint64_t op), (ctx, op))
LUX_FORWARD(kSsl, int, SSL_CTX_use_certificate_chain_file, (SSL_CTX * ctx, const char* file), (ctx, file))
LUX_FORWARD(kSsl, int, SSL_CTX_use_PrivateKey_file, (SSL_CTX * ctx, const char* file, int type), (ctx, file, type))
LUX_FORWARD(kSsl, int, SSL_CTX_check_private_key, (const SSL_CTX* ctx), (ctx))
LUX_FORWARD(kSsl, SSL*, SSL_new, (SSL_CTX * ctx), (ctx))
LUX_FORWARD(kSsl, void, SSL_free, (SSL * ssl), (ssl))
LUX_FORWARD(kSsl, int, SSL_set_fd, (SSL * ssl, int fd), (ssl, fd))
LUX_FORWARD(kSsl, int, SSL_accept, (SSL * ssl), (ssl))
LUX_FORWARD(kSsl, int, SSL_read_ex, (SSL * ssl, void* buf, size_t num, size_t* readbytes), (ssl, buf, num, readbytes))
LUX_FORWARD(kSsl, int, SSL_write_ex, (SSL * ssl, const void* buf, size_t num, size_t* written), (ssl, buf, num, written))
LUX_FORWARD(kSsl, int, SSL_get_error, (const SSL* ssl, int ret), (ssl, ret))
LUX_FORWARD(kSsl, int, SSL_shutdown, (SSL * ssl), (ssl))
LUX_FORWARD(kSsl, const char*, SSL_get_version, (const SSL* ssl), (ssl))
LUX_FORWARD(kCrypto, unsigned long, ERR_get_error, (), ())
LUX_FORWARD(kCrypto, void, ERR_error_string_n, (unsigned long e, char* buf, size_t len), (e, buf, len))
LUX_FORWARD(kCrypto, unsigned long, ERR_peek_error, (), ())
