// hash_password / verify_password (lux/auth.h): scrypt (RFC 7914) through OpenSSL's
// EVP_PBE_scrypt with a 16-byte random salt, written as a PHC string
// `$scrypt$ln=14,r=8,p=1$<salt>$<hash>` (standard base64 without padding). The cost is the
// scrypt paper's interactive-login setting (N = 2^14, r = 8: 16 MiB and some tens of
// milliseconds a hash); verification reads the cost from the stored string, so hashes made with
// other costs in that string's range keep verifying. Entry points: HashPassword, VerifyPassword.
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "lazy/loader.h"
#include "lux/auth.h"
#include "session/codec.h"

namespace lux {

namespace {

constexpr int kLogN = 14;             // N = 2^14
constexpr int kBlockSize = 8;         // r
constexpr int kParallel = 1;          // p
constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kHashBytes = 32;
// Costs a stored hash may name: outside these a string is refused rather than letting one
// password check take seconds or gigabytes.
constexpr int kMaxLogN = 20;
constexpr int kMaxBlockSize = 32;
constexpr int kMaxParallel = 16;
constexpr std::uint64_t kMaxScryptMemory = 1ull << 30;

// PHC strings use standard base64 without padding: base64url (session/codec.h) with `+` and `/`.
std::string Base64NoPad(std::string_view in) {
  std::string out = session::Base64UrlEncode(in);
  for (char& c : out) c = c == '-' ? '+' : c == '_' ? '/' : c;
  return out;
}

std::optional<std::string> Base64NoPadDecode(std::string_view in) {
  std::string url(in);
  for (char& c : url) {
    if (c == '-' || c == '_') return std::nullopt;
    c = c == '+' ? '-' : c == '/' ? '_' : c;
  }
  return session::Base64UrlDecode(url);
}

std::string Scrypt(std::string_view password, std::string_view salt, int log_n, int r, int p, std::size_t len) {
  lazy::Load(lazy::kCrypto);
  std::string key(len, '\0');
  if (EVP_PBE_scrypt(password.data(), password.size(), reinterpret_cast<const unsigned char*>(salt.data()), salt.size(),
                     std::uint64_t{1} << log_n, static_cast<std::uint64_t>(r), static_cast<std::uint64_t>(p),
                     kMaxScryptMemory, reinterpret_cast<unsigned char*>(key.data()), key.size()) != 1)
    throw Error("hash_password: scrypt failed", 500);
  return key;
}

// `ln=14,r=8,p=1` → the three numbers, each within its limit.
bool ParseCost(std::string_view text, int& log_n, int& r, int& p) {
  int* slots[] = {&log_n, &r, &p};
  const char* names[] = {"ln=", "r=", "p="};
  const int limits[] = {kMaxLogN, kMaxBlockSize, kMaxParallel};
  for (int i = 0; i < 3; ++i) {
    std::string_view name = names[i];
    if (text.substr(0, name.size()) != name) return false;
    text.remove_prefix(name.size());
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *slots[i]);
    if (ec != std::errc() || *slots[i] < 1 || *slots[i] > limits[i]) return false;
    text.remove_prefix(static_cast<std::size_t>(end - text.data()));
    if (i < 2) {
      if (text.empty() || text[0] != ',') return false;
      text.remove_prefix(1);
    }
  }
  return text.empty();
}

}  // namespace

std::string HashPassword(std::string_view password) {
  lazy::Load(lazy::kCrypto);
  std::string salt(kSaltBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(salt.data()), static_cast<int>(salt.size())) != 1)
    throw Error("hash_password: no randomness for the salt", 500);
  std::string hash = Scrypt(password, salt, kLogN, kBlockSize, kParallel, kHashBytes);
  return "$scrypt$ln=" + std::to_string(kLogN) + ",r=" + std::to_string(kBlockSize) + ",p=" + std::to_string(kParallel) +
         "$" + Base64NoPad(salt) + "$" + Base64NoPad(hash);
}

bool VerifyPassword(std::string_view password, std::string_view stored) {
  constexpr std::string_view kPrefix = "$scrypt$";
  if (stored.substr(0, kPrefix.size()) != kPrefix) return false;
  stored.remove_prefix(kPrefix.size());
  std::size_t d1 = stored.find('$');
  if (d1 == std::string_view::npos) return false;
  std::size_t d2 = stored.find('$', d1 + 1);
  if (d2 == std::string_view::npos) return false;
  int log_n = 0, r = 0, p = 0;
  if (!ParseCost(stored.substr(0, d1), log_n, r, p)) return false;
  std::optional<std::string> salt = Base64NoPadDecode(stored.substr(d1 + 1, d2 - d1 - 1));
  std::optional<std::string> want = Base64NoPadDecode(stored.substr(d2 + 1));
  if (!salt || !want || salt->empty() || want->size() < 16 || want->size() > 64) return false;
  std::string got = Scrypt(password, *salt, log_n, r, p, want->size());
  return CRYPTO_memcmp(got.data(), want->data(), got.size()) == 0;
}

}  // namespace lux
