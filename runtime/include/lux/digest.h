// Message digests and HMACs by OpenSSL's libcrypto (loaded on first use, src/lazy/crypto.cpp):
// the stdlib's sha256, sha1, md5 and hmac_sha256 built-ins, JWT's HS256/384/512 signatures and
// the body digest of signed internal calls (src/core/digest.cpp).
#pragma once

#include <string>
#include <string_view>

namespace lux {

// The digest of `data` by OpenSSL's algorithm `algorithm` ("SHA256", "SHA1", "MD5", "SHA512"):
// its raw bytes. Throws lux::Error (500) when OpenSSL lacks the algorithm or fails.
std::string Digest(const char* algorithm, std::string_view data);

// The HMAC of `message` keyed by `key` (any length, empty included) with the digest `algorithm`
// ("SHA256", "SHA384", "SHA512", ...): its raw bytes. Throws lux::Error (500) as Digest does.
std::string Hmac(const char* algorithm, std::string_view key, std::string_view message);

// Whether `a` and `b` are the same bytes, in a time that depends on their length only (OpenSSL's
// CRYPTO_memcmp): for a signature or token a client sent. Texts of different lengths are unequal.
bool ConstantTimeEqual(std::string_view a, std::string_view b);

}  // namespace lux
