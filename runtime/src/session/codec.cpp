// Session cookie cryptography (codec.h) on OpenSSL's libcrypto, loaded on first use
// (src/lazy/crypto.cpp): HMAC through core::HmacSha256, AES-256-GCM through EVP.
#include "session/codec.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <memory>

#include "core/internal_auth.h"
#include "lux/error.h"

namespace lux::session {

namespace {

constexpr std::size_t kIvBytes = 12;
constexpr std::size_t kTagBytes = 16;
constexpr std::size_t kMacBytes = 32;
constexpr std::size_t kIdBytes = 16;  // 128 bits of randomness per session id
constexpr std::string_view kVersion = "1";

std::string Random(std::size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1)
    throw Error("session: no randomness available", 500);
  return out;
}

std::string Hkdf(std::string_view secret, std::string_view info) {
  std::string prk = core::HmacSha256("lux-session-v1", secret);
  std::string t(info);
  t += '\x01';
  return core::HmacSha256(prk, t);
}

bool SameBytes(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

struct CipherCtx {
  EVP_CIPHER_CTX* p = EVP_CIPHER_CTX_new();
  ~CipherCtx() { EVP_CIPHER_CTX_free(p); }
};

const unsigned char* U(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

std::optional<std::string> Decrypt(const Keys& k, std::string_view sealed) {
  if (sealed.size() < kIvBytes + kTagBytes) return std::nullopt;
  std::string_view iv = sealed.substr(0, kIvBytes);
  std::string_view tag = sealed.substr(sealed.size() - kTagBytes);
  std::string_view ct = sealed.substr(kIvBytes, sealed.size() - kIvBytes - kTagBytes);
  CipherCtx c;
  std::string out(ct.size() + 16, '\0');
  int n = 0, fin = 0;
  std::string tag_copy(tag);
  if (!c.p || EVP_DecryptInit_ex(c.p, EVP_aes_256_gcm(), nullptr, U(k.enc), U(iv)) != 1 ||
      EVP_DecryptUpdate(c.p, nullptr, &n, U(kVersion), static_cast<int>(kVersion.size())) != 1 ||
      EVP_DecryptUpdate(c.p, reinterpret_cast<unsigned char*>(out.data()), &n, U(ct), static_cast<int>(ct.size())) != 1 ||
      EVP_CIPHER_CTX_ctrl(c.p, EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagBytes), tag_copy.data()) != 1 ||
      EVP_DecryptFinal_ex(c.p, reinterpret_cast<unsigned char*>(out.data()) + n, &fin) != 1)
    return std::nullopt;
  out.resize(static_cast<std::size_t>(n + fin));
  return out;
}

}  // namespace

Keys DeriveKeys(std::string_view secret) { return Keys{Hkdf(secret, "mac"), Hkdf(secret, "enc")}; }

std::string Seal(const Keys& k, std::string_view plaintext) {
  std::string iv = Random(kIvBytes);
  CipherCtx c;
  std::string out(kIvBytes + plaintext.size() + 16 + kTagBytes, '\0');
  out.replace(0, kIvBytes, iv);
  auto* o = reinterpret_cast<unsigned char*>(out.data()) + kIvBytes;
  int n = 0, fin = 0;
  if (!c.p || EVP_EncryptInit_ex(c.p, EVP_aes_256_gcm(), nullptr, U(k.enc), U(iv)) != 1 ||
      EVP_EncryptUpdate(c.p, nullptr, &n, U(kVersion), static_cast<int>(kVersion.size())) != 1 ||
      EVP_EncryptUpdate(c.p, o, &n, U(plaintext), static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(c.p, o + n, &fin) != 1)
    throw Error("session: encryption failed", 500);
  std::size_t ct = static_cast<std::size_t>(n + fin);
  if (EVP_CIPHER_CTX_ctrl(c.p, EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagBytes), o + ct) != 1)
    throw Error("session: encryption failed", 500);
  out.resize(kIvBytes + ct + kTagBytes);
  std::string value = std::string(kVersion) + "." + Base64UrlEncode(out);
  return value + "." + Base64UrlEncode(core::HmacSha256(k.mac, value));
}

std::optional<std::string> Unseal(const std::vector<Keys>& keys, std::string_view value) {
  std::size_t dot = value.rfind('.');
  if (dot == std::string_view::npos || dot <= kVersion.size() + 1 || value.substr(0, kVersion.size() + 1) != "1.")
    return std::nullopt;
  std::string_view signed_part = value.substr(0, dot);
  auto mac = Base64UrlDecode(value.substr(dot + 1));
  auto sealed = Base64UrlDecode(signed_part.substr(kVersion.size() + 1));
  if (!mac || !sealed || mac->size() != kMacBytes) return std::nullopt;
  for (const Keys& k : keys) {
    if (!SameBytes(core::HmacSha256(k.mac, signed_part), *mac)) continue;
    return Decrypt(k, *sealed);
  }
  return std::nullopt;
}

std::string NewSessionId() {
  static const char kHex[] = "0123456789abcdef";
  std::string raw = Random(kIdBytes), out;
  for (unsigned char c : raw) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

std::string SignId(const Keys& k, std::string_view id) {
  return std::string(id) + "." + Base64UrlEncode(core::HmacSha256(k.mac, id));
}

std::optional<std::string> VerifyId(const std::vector<Keys>& keys, std::string_view value) {
  std::size_t dot = value.find('.');
  if (dot != kIdBytes * 2) return std::nullopt;
  std::string_view id = value.substr(0, dot);
  for (char c : id)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return std::nullopt;
  auto mac = Base64UrlDecode(value.substr(dot + 1));
  if (!mac || mac->size() != kMacBytes) return std::nullopt;
  for (const Keys& k : keys)
    if (SameBytes(core::HmacSha256(k.mac, id), *mac)) return std::string(id);
  return std::nullopt;
}

std::string Base64UrlEncode(std::string_view in) {
  static const char kChars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16 | static_cast<unsigned char>(in[i + 1]) << 8 |
                 static_cast<unsigned char>(in[i + 2]);
    out += kChars[v >> 18];
    out += kChars[(v >> 12) & 63];
    out += kChars[(v >> 6) & 63];
    out += kChars[v & 63];
  }
  if (i < in.size()) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    out += kChars[v >> 18];
    out += kChars[(v >> 12) & 63];
    if (i + 1 < in.size()) out += kChars[(v >> 6) & 63];
  }
  return out;
}

std::optional<std::string> Base64UrlDecode(std::string_view in) {
  if (in.size() % 4 == 1) return std::nullopt;
  std::string out;
  unsigned acc = 0;
  int bits = 0;
  for (char c : in) {
    int v;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    else if (c >= '0' && c <= '9') v = c - '0' + 52;
    else if (c == '-') v = 62;
    else if (c == '_') v = 63;
    else return std::nullopt;
    acc = (acc << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;  // non-canonical trailing bits
  return out;
}

}  // namespace lux::session
