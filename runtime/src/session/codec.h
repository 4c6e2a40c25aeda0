// The session cookie's cryptography: keys derived from a `session { secret }` (HKDF-SHA256, one
// key to sign and one to encrypt), the cookie store's sealed value (AES-256-GCM, then an
// HMAC-SHA256 over the whole value), and signed session ids for the db and redis stores.
// Several secrets rotate: the first signs and encrypts, every one verifies.
// Entry points: DeriveKeys, Seal, Unseal, SignId, VerifyId, NewSessionId.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lux::session {

struct Keys {
  std::string mac;  // 32 bytes: HMAC-SHA256 key
  std::string enc;  // 32 bytes: AES-256-GCM key
};

// HKDF-SHA256 (RFC 5869) of the secret, salt "lux-session-v1", infos "mac" and "enc".
Keys DeriveKeys(std::string_view secret);

// `1.<base64url(iv | ciphertext | tag)>.<base64url(hmac)>`, the HMAC taken over everything
// before the last dot. A fresh random 96-bit IV per value.
std::string Seal(const Keys& keys, std::string_view plaintext);
// The plaintext when some key's HMAC matches (compared in constant time) and that key's
// decryption authenticates; nullopt for anything else (tampered, truncated, another secret).
std::optional<std::string> Unseal(const std::vector<Keys>& keys, std::string_view value);

// A random session id: 128 bits as 32 lower-case hex digits.
std::string NewSessionId();
// `<id>.<base64url(hmac(id))>`, and back (nullopt unless the id is 32 hex digits signed by one
// of the keys).
std::string SignId(const Keys& keys, std::string_view id);
std::optional<std::string> VerifyId(const std::vector<Keys>& keys, std::string_view value);

std::string Base64UrlEncode(std::string_view bytes);
std::optional<std::string> Base64UrlDecode(std::string_view text);

}  // namespace lux::session
