// Signed calls between the servers of one program (see internal_auth.h). OpenSSL does the
// cryptography (HMAC, SHA-256, RAND_bytes, CRYPTO_memcmp); this file builds the string to sign,
// keeps OpenSSL's contexts per thread, parses the header strictly and keeps the nonces of the
// replay window.
#include "core/internal_auth.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <unordered_set>

#include "core/log.h"
#include "lazy/loader.h"
#include "lux/digest.h"
#include "lux/error.h"

namespace lux::core {

namespace {

constexpr char kHex[] = "0123456789abcdef";
constexpr std::size_t kNonceHexChars = 32;
constexpr std::size_t kMacHexChars = 64;
// Digits of a timestamp: Unix seconds stay below 10^12 for thirty thousand years.
constexpr std::size_t kMaxTimestampDigits = 12;

std::string Hex(const unsigned char* p, std::size_t n) {
  std::string out(n * 2, '0');
  for (std::size_t i = 0; i < n; ++i) {
    out[2 * i] = kHex[p[i] >> 4];
    out[2 * i + 1] = kHex[p[i] & 15];
  }
  return out;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // upper case is refused: the signer writes lower case only
}

// Lower-case hex of exactly `n` bytes → bytes, or nullopt.
std::optional<std::string> Unhex(std::string_view s, std::size_t n) {
  if (s.size() != 2 * n) return std::nullopt;
  std::string out(n, '\0');
  for (std::size_t i = 0; i < n; ++i) {
    int hi = HexDigit(s[2 * i]), lo = HexDigit(s[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<char>(hi << 4 | lo);
  }
  return out;
}

// OpenSSL 3 looks an algorithm up in its provider store on every one-shot call (HMAC() cost 8 us
// on this machine, against 1.5 us with the algorithm fetched once and a context kept per thread;
// lux::Digest does the same for SHA-256): a signed call computes two of each.
// An HMAC-SHA256 context keyed once and re-initialised with the same key for each message; a
// thread keeps one per key it has used (at most kKeyedMacSlots: the secret and the accepted one).
constexpr std::size_t kKeyedMacSlots = 2;
struct KeyedMac {
  std::string key;
  EVP_MAC_CTX* ctx = nullptr;
  ~KeyedMac() { EVP_MAC_CTX_free(ctx); }
};
struct ThreadMacs {
  KeyedMac slots[kKeyedMacSlots];
  std::size_t next = 0;
};

EVP_MAC_CTX* MacFor(std::string_view key) {
  static EVP_MAC* hmac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);  // never freed: used until exit
  if (!hmac) throw Error("HMAC is not available from OpenSSL", 500);
  thread_local ThreadMacs macs;
  for (KeyedMac& m : macs.slots)
    if (m.ctx && m.key == key) {
      if (!EVP_MAC_init(m.ctx, nullptr, 0, nullptr)) break;  // same key: reset only
      return m.ctx;
    }
  KeyedMac& m = macs.slots[macs.next++ % kKeyedMacSlots];
  EVP_MAC_CTX_free(m.ctx);
  m.ctx = EVP_MAC_CTX_new(hmac);
  m.key.assign(key);
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0), OSSL_PARAM_construct_end()};
  static const unsigned char kNoKey = 0;  // an empty key must still be passed as a key, not as "keep"
  const unsigned char* raw = key.empty() ? &kNoKey : reinterpret_cast<const unsigned char*>(key.data());
  if (!m.ctx || !EVP_MAC_init(m.ctx, raw, key.size(), params)) {
    EVP_MAC_CTX_free(m.ctx);
    m.ctx = nullptr;
    m.key.clear();
    throw Error("HMAC-SHA256 failed", 500);
  }
  return m.ctx;
}

std::string Sha256Hex(std::string_view data) {
  std::string md = Digest("SHA256", data);
  return Hex(reinterpret_cast<const unsigned char*>(md.data()), md.size());
}

std::string Mac(std::string_view secret, std::string_view message) { return HmacSha256(secret, message); }

// A nonce only has to be unique (the MAC makes it unforgeable): 64 random bits drawn once per
// process, then a counter (RAND_bytes per call cost 3 us here).
std::string NextNonce() {
  static const std::uint64_t prefix = [] {
    std::uint64_t p = 0;
    if (RAND_bytes(reinterpret_cast<unsigned char*>(&p), sizeof p) != 1) throw Error("no randomness for nonces", 500);
    return p;
  }();
  static std::atomic<std::uint64_t> counter{0};
  std::uint64_t n = counter.fetch_add(1, std::memory_order_relaxed);
  unsigned char raw[kNonceHexChars / 2];
  for (int i = 0; i < 8; ++i) {
    raw[i] = static_cast<unsigned char>(prefix >> (56 - 8 * i));
    raw[8 + i] = static_cast<unsigned char>(n >> (56 - 8 * i));
  }
  return Hex(raw, sizeof raw);
}

std::string StringToSign(std::string_view method, std::string_view endpoint, std::string_view t, std::string_view nonce,
                         std::string_view body) {
  std::string s = "LUX-HMAC-SHA256\n";
  s.append(method).append("\n").append(endpoint).append("\n").append(t).append("\n").append(nonce).append("\n");
  s += Sha256Hex(body);
  return s;
}

std::string EnvOr(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

bool AuthOff() { return EnvOr(kInternalAuthEnv) == "off"; }

std::int64_t NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// The nonces accepted within the window, in arrival order, and the timestamp at or below
// which calls are refused because a nonce of that age had to be forgotten.
class NonceCache {
 public:
  // True when the nonce (16 raw bytes) is new, and now remembered.
  bool Remember(std::string_view nonce, std::int64_t t, std::int64_t now_s) {
    Key key = ToKey(nonce);
    std::lock_guard<std::mutex> lock(mu_);
    while (!order_.empty() && order_.front().t < now_s - kSignatureWindowSeconds) {
      seen_.erase(order_.front().key);
      order_.pop_front();
    }
    if (t <= floor_) return false;
    if (!seen_.insert(key).second) return false;
    order_.push_back({t, key});
    if (order_.size() > kMaxRememberedNonces) {
      floor_ = std::max(floor_, order_.front().t);
      seen_.erase(order_.front().key);
      order_.pop_front();
    }
    return true;
  }

 private:
  // 128 bits as two integers: about 80 bytes per remembered call (set node, bucket, queue entry).
  struct Key {
    std::uint64_t hi = 0, lo = 0;
    bool operator==(const Key& o) const { return hi == o.hi && lo == o.lo; }
  };
  // Only nonces of calls whose MAC verified get here: their bits are not chosen to collide.
  struct KeyHash {
    std::size_t operator()(const Key& k) const { return static_cast<std::size_t>(k.hi * 0x9E3779B97F4A7C15ULL ^ k.lo); }
  };
  struct Entry {
    std::int64_t t;
    Key key;
  };
  static Key ToKey(std::string_view raw) {
    Key k;
    for (std::size_t i = 0; i < 8 && i < raw.size(); ++i) k.hi = k.hi << 8 | static_cast<unsigned char>(raw[i]);
    for (std::size_t i = 8; i < 16 && i < raw.size(); ++i) k.lo = k.lo << 8 | static_cast<unsigned char>(raw[i]);
    return k;
  }

  std::mutex mu_;
  std::unordered_set<Key, KeyHash> seen_;
  std::deque<Entry> order_;
  std::int64_t floor_ = 0;
};

NonceCache& Nonces() {
  static NonceCache* c = new NonceCache();  // never destroyed: handlers may run during exit
  return *c;
}

std::atomic<std::int64_t> g_last_refusal_log_ms{0};
std::atomic<long long> g_refused_since_log{0};

}  // namespace

std::string HmacSha256(std::string_view key, std::string_view message) {
  EVP_MAC_CTX* ctx = MacFor(key);
  unsigned char mac[EVP_MAX_MD_SIZE];
  std::size_t len = 0;
  if (!EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(message.data()), message.size()) ||
      !EVP_MAC_final(ctx, mac, &len, sizeof mac) || len != 32)
    throw Error("HMAC-SHA256 failed", 500);
  return std::string(reinterpret_cast<const char*>(mac), len);
}

void RequireProgramSecret(std::string_view server, std::string_view what) {
  std::string secret = EnvOr(kProgramSecretEnv);
  std::string accept = EnvOr(kProgramSecretAcceptEnv);
  if (secret.empty() && AuthOff()) {
    static std::once_flag warned;
    std::call_once(warned, [&] {
      Log(LogLevel::kWarn,
          "LUX_INTERNAL_AUTH=off: internal endpoints accept unsigned calls from anyone who reaches the port "
          "(never in production)",
          {{"server", server}});
    });
    return;
  }
  std::string how = "set the same " + std::string(kProgramSecretEnv) +
                    " on every server of the program, e.g. " + kProgramSecretEnv +
                    "=$(openssl rand -hex 32) (at least " + std::to_string(kMinProgramSecretChars) + " characters)";
  if (secret.empty()) {
    std::string msg = std::string(kProgramSecretEnv) + " is not set: this server " + std::string(what) +
                      ", and its servers authenticate each other with it; " + how;
    if (!EnvOr("LUX_BUS_TOKEN").empty()) msg += " (LUX_BUS_TOKEN is no longer read: the program secret replaces it)";
    throw StartupError(msg + "; LUX_INTERNAL_AUTH=off runs without it on a developer's machine");
  }
  if (secret.size() < kMinProgramSecretChars)
    throw StartupError(std::string(kProgramSecretEnv) + " is " + std::to_string(secret.size()) +
                       " characters long, shorter than " + std::to_string(kMinProgramSecretChars) + ": " + how);
  if (!accept.empty() && accept.size() < kMinProgramSecretChars)
    throw StartupError(std::string(kProgramSecretAcceptEnv) + " is shorter than " +
                       std::to_string(kMinProgramSecretChars) + " characters");
  // Signatures need libcrypto, loaded on first use: a server that cannot load it fails here,
  // not at its first internal call.
  try {
    lazy::Load(lazy::kCrypto);
  } catch (const Error& e) {
    throw StartupError(std::string("internal auth: ") + e.what());
  }
}

std::string InternalSignature(std::string_view secret, std::string_view method, std::string_view endpoint,
                              std::string_view body, std::int64_t now_s, std::string_view nonce) {
  std::string t = std::to_string(now_s);
  std::string mac = Mac(secret, StringToSign(method, endpoint, t, nonce, body));
  return "t=" + t + ",n=" + std::string(nonce) + ",s=" +
         Hex(reinterpret_cast<const unsigned char*>(mac.data()), mac.size());
}

void SignInternalCall(FetchOptions& o, std::string_view endpoint) {
  std::string secret = EnvOr(kProgramSecretEnv);
  if (secret.empty()) return;
  o.Header(kSignatureHeader, InternalSignature(secret, o.method, endpoint, o.body, NowSeconds(), NextNonce()));
}

std::optional<std::string> VerifyInternalCall(const Request& req) { return VerifyInternalCallAt(req, NowSeconds()); }

std::optional<std::string> VerifyInternalCallAt(const Request& req, std::int64_t now_s) {
  std::string secret = EnvOr(kProgramSecretEnv);
  if (secret.empty() && AuthOff()) return std::nullopt;
  std::optional<std::string> header = req.Header(kSignatureHeader);
  if (!header) return "a call from a server of this program is required (signed with LUX_PROGRAM_SECRET)";
  if (secret.empty()) return "this server has no LUX_PROGRAM_SECRET to check the signature with";
  // Exactly `t=<digits>,n=<32 hex>,s=<64 hex>`.
  std::string_view h = *header;
  std::size_t c1 = h.find(','), c2 = c1 == std::string_view::npos ? c1 : h.find(',', c1 + 1);
  if (c2 == std::string_view::npos || h.substr(0, 2) != "t=" || h.substr(c1 + 1, 2) != "n=" || h.substr(c2 + 1, 2) != "s=")
    return "malformed signature header";
  std::string_view t = h.substr(2, c1 - 2), nonce = h.substr(c1 + 3, c2 - c1 - 3), sig = h.substr(c2 + 3);
  if (t.empty() || t.size() > kMaxTimestampDigits || !std::all_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return "malformed signature timestamp";
  auto given = Unhex(sig, kMacHexChars / 2);
  auto nonce_raw = Unhex(nonce, kNonceHexChars / 2);
  if (!nonce_raw || !given) return "malformed signature header";
  std::int64_t ts = std::stoll(std::string(t));  // at most 12 digits: no overflow
  if (ts < now_s - kSignatureWindowSeconds || ts > now_s + kSignatureWindowSeconds)
    return "signature timestamp outside the " + std::to_string(kSignatureWindowSeconds) + " s window (check the clocks)";
  std::string message = StringToSign(req.method, req.path, t, nonce, req.body);
  bool ok = CRYPTO_memcmp(Mac(secret, message).data(), given->data(), given->size()) == 0;
  std::string accept = EnvOr(kProgramSecretAcceptEnv);
  if (!ok && !accept.empty()) ok = CRYPTO_memcmp(Mac(accept, message).data(), given->data(), given->size()) == 0;
  if (!ok) return "bad signature (the servers' LUX_PROGRAM_SECRET differ?)";
  if (!Nonces().Remember(*nonce_raw, ts, now_s)) return "replayed call (its nonce was seen already)";
  return std::nullopt;
}

Response InternalUnauthorized(const Request& req, const std::string& why) {
  std::int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
  long long refused = ++g_refused_since_log;
  std::int64_t last = g_last_refusal_log_ms.load();
  if ((last == 0 || now_ms - last >= kRefusalLogIntervalMs) && g_last_refusal_log_ms.compare_exchange_strong(last, now_ms)) {
    g_refused_since_log -= refused;
    Log(LogLevel::kWarn, "internal call refused",
        {{"path", req.path}, {"remote", req.remote_addr}, {"reason", why}, {"refused", refused},
         {"request_id", req.id}});
  }
  Response r = Respond(401, Value{{"error", "unauthorized internal call: " + why}, {"request_id", req.id}});
  r.SetHeader("WWW-Authenticate", "LuxSignature realm=\"internal\"");
  return r;
}

}  // namespace lux::core
