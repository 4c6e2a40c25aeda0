// The libcrypto functions the runtime calls (internal auth's HMAC-SHA256 and nonces, JWT
// verification with HMAC or a public key (RS256, ES256), the Redis client's script digests), forwarded to OpenSSL's libcrypto loaded on
// first use (lazy/forward.h): a server that neither signs, checks nor digests never maps it.
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "lazy/forward.h"

LUX_FORWARD(kCrypto, int, CRYPTO_memcmp, (const void* a, const void* b, size_t len), (a, b, len))
LUX_FORWARD(kCrypto, int, RAND_bytes, (unsigned char* buf, int num), (buf, num))
LUX_FORWARD(kCrypto, int, EVP_PBE_scrypt,
            (const char* pass, size_t passlen, const unsigned char* salt, size_t saltlen, uint64_t N, uint64_t r, uint64_t p,
             uint64_t maxmem, unsigned char* key, size_t keylen),
            (pass, passlen, salt, saltlen, N, r, p, maxmem, key, keylen))  // hash_password (src/auth/password.cpp)
LUX_FORWARD(kCrypto, unsigned char*, SHA1, (const unsigned char* d, size_t n, unsigned char* md), (d, n, md))
LUX_FORWARD(kCrypto, EVP_MD*, EVP_MD_fetch, (OSSL_LIB_CTX * ctx, const char* algorithm, const char* properties),
            (ctx, algorithm, properties))
LUX_FORWARD(kCrypto, EVP_MD_CTX*, EVP_MD_CTX_new, (), ())
LUX_FORWARD(kCrypto, void, EVP_MD_CTX_free, (EVP_MD_CTX * ctx), (ctx))
LUX_FORWARD(kCrypto, int, EVP_DigestInit_ex, (EVP_MD_CTX * ctx, const EVP_MD* type, ENGINE* impl), (ctx, type, impl))
LUX_FORWARD(kCrypto, int, EVP_DigestUpdate, (EVP_MD_CTX * ctx, const void* d, size_t cnt), (ctx, d, cnt))
LUX_FORWARD(kCrypto, int, EVP_DigestFinal_ex, (EVP_MD_CTX * ctx, unsigned char* md, unsigned int* s), (ctx, md, s))
LUX_FORWARD(kCrypto, EVP_MAC*, EVP_MAC_fetch, (OSSL_LIB_CTX * ctx, const char* algorithm, const char* properties),
            (ctx, algorithm, properties))
LUX_FORWARD(kCrypto, EVP_MAC_CTX*, EVP_MAC_CTX_new, (EVP_MAC * mac), (mac))
LUX_FORWARD(kCrypto, void, EVP_MAC_CTX_free, (EVP_MAC_CTX * ctx), (ctx))
LUX_FORWARD(kCrypto, int, EVP_MAC_init, (EVP_MAC_CTX * ctx, const unsigned char* key, size_t keylen, const OSSL_PARAM params[]),
            (ctx, key, keylen, params))
LUX_FORWARD(kCrypto, int, EVP_MAC_update, (EVP_MAC_CTX * ctx, const unsigned char* data, size_t datalen), (ctx, data, datalen))
LUX_FORWARD(kCrypto, int, EVP_MAC_final, (EVP_MAC_CTX * ctx, unsigned char* out, size_t* outl, size_t outsize),
            (ctx, out, outl, outsize))
LUX_FORWARD(kCrypto, OSSL_PARAM, OSSL_PARAM_construct_utf8_string, (const char* key, char* buf, size_t bsize), (key, buf, bsize))
LUX_FORWARD(kCrypto, OSSL_PARAM, OSSL_PARAM_construct_end, (), ())

// JWT with a public key (src/auth/jwt.cpp): the PEM key read at start, RS256/ES256 verification.
LUX_FORWARD(kCrypto, BIO*, BIO_new_mem_buf, (const void* buf, int len), (buf, len))
LUX_FORWARD(kCrypto, int, BIO_free, (BIO * a), (a))
LUX_FORWARD(kCrypto, EVP_PKEY*, PEM_read_bio_PUBKEY, (BIO * bp, EVP_PKEY** x, pem_password_cb* cb, void* u), (bp, x, cb, u))
LUX_FORWARD(kCrypto, void, EVP_PKEY_free, (EVP_PKEY * pkey), (pkey))
LUX_FORWARD(kCrypto, int, EVP_PKEY_get_base_id, (const EVP_PKEY* pkey), (pkey))
LUX_FORWARD(kCrypto, int, EVP_PKEY_get_bits, (const EVP_PKEY* pkey), (pkey))
LUX_FORWARD(kCrypto, int, EVP_PKEY_get_utf8_string_param,
            (const EVP_PKEY* pkey, const char* key_name, char* str, size_t max_buf_sz, size_t* out_sz),
            (pkey, key_name, str, max_buf_sz, out_sz))
LUX_FORWARD(kCrypto, int, EVP_DigestVerifyInit, (EVP_MD_CTX * ctx, EVP_PKEY_CTX** pctx, const EVP_MD* type, ENGINE* e, EVP_PKEY* pkey),
            (ctx, pctx, type, e, pkey))
LUX_FORWARD(kCrypto, int, EVP_DigestVerify,
            (EVP_MD_CTX * ctx, const unsigned char* sigret, size_t siglen, const unsigned char* tbs, size_t tbslen),
            (ctx, sigret, siglen, tbs, tbslen))
LUX_FORWARD(kCrypto, ECDSA_SIG*, ECDSA_SIG_new, (), ())
LUX_FORWARD(kCrypto, void, ECDSA_SIG_free, (ECDSA_SIG * sig), (sig))
LUX_FORWARD(kCrypto, int, ECDSA_SIG_set0, (ECDSA_SIG * sig, BIGNUM* r, BIGNUM* s), (sig, r, s))
LUX_FORWARD(kCrypto, int, i2d_ECDSA_SIG, (const ECDSA_SIG* sig, unsigned char** pp), (sig, pp))
LUX_FORWARD(kCrypto, BIGNUM*, BN_bin2bn, (const unsigned char* s, int len, BIGNUM* ret), (s, len, ret))
LUX_FORWARD(kCrypto, void, BN_free, (BIGNUM * a), (a))
LUX_FORWARD(kCrypto, void, CRYPTO_free, (void* ptr, const char* file, int line), (ptr, file, line))
LUX_FORWARD(kCrypto, void, ERR_clear_error, (), ())  // also used by src/http/tls.cpp
// AES-256-GCM of the session cookie store (src/session/codec.cpp).
LUX_FORWARD(kCrypto, const EVP_CIPHER*, EVP_aes_256_gcm, (), ())
LUX_FORWARD(kCrypto, EVP_CIPHER_CTX*, EVP_CIPHER_CTX_new, (), ())
LUX_FORWARD(kCrypto, void, EVP_CIPHER_CTX_free, (EVP_CIPHER_CTX * ctx), (ctx))
LUX_FORWARD(kCrypto, int, EVP_CIPHER_CTX_ctrl, (EVP_CIPHER_CTX * ctx, int type, int arg, void* ptr), (ctx, type, arg, ptr))
LUX_FORWARD(kCrypto, int, EVP_EncryptInit_ex,
            (EVP_CIPHER_CTX * ctx, const EVP_CIPHER* cipher, ENGINE* impl, const unsigned char* key, const unsigned char* iv),
            (ctx, cipher, impl, key, iv))
LUX_FORWARD(kCrypto, int, EVP_EncryptUpdate, (EVP_CIPHER_CTX * ctx, unsigned char* out, int* outl, const unsigned char* in, int inl),
            (ctx, out, outl, in, inl))
LUX_FORWARD(kCrypto, int, EVP_EncryptFinal_ex, (EVP_CIPHER_CTX * ctx, unsigned char* out, int* outl), (ctx, out, outl))
LUX_FORWARD(kCrypto, int, EVP_DecryptInit_ex,
            (EVP_CIPHER_CTX * ctx, const EVP_CIPHER* cipher, ENGINE* impl, const unsigned char* key, const unsigned char* iv),
            (ctx, cipher, impl, key, iv))
LUX_FORWARD(kCrypto, int, EVP_DecryptUpdate, (EVP_CIPHER_CTX * ctx, unsigned char* out, int* outl, const unsigned char* in, int inl),
            (ctx, out, outl, in, inl))
LUX_FORWARD(kCrypto, int, EVP_DecryptFinal_ex, (EVP_CIPHER_CTX * ctx, unsigned char* outm, int* outl), (ctx, outm, outl))
