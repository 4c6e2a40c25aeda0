// Authentication between the servers of one program (docs/runtime.md#internal-auth): every call
// to an internal endpoint (POST /_lux/rpc/<fn>, POST /_lux/events) carries an HMAC-SHA256 over
// the method, the endpoint path, a timestamp, a unique nonce and the body's SHA-256, keyed with
// the program secret LUX_PROGRAM_SECRET that all the program's servers share. The receiver
// refuses (401, nothing runs) a missing, malformed, wrongly keyed, stale or replayed signature.
// Entry points: RequireProgramSecret (start-up), SignInternalCall (caller), VerifyInternalCall
// (endpoint), InternalUnauthorized (the 401 answer); HmacSha256 (shared with JWT verification).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "lux/client.h"
#include "lux/http.h"

namespace lux::core {

// The secret shared by the program's servers, and a second one accepted (never used to sign)
// while a new secret is rolled out.
inline constexpr const char* kProgramSecretEnv = "LUX_PROGRAM_SECRET";
inline constexpr const char* kProgramSecretAcceptEnv = "LUX_PROGRAM_SECRET_ACCEPT";
// `off`: internal endpoints take unsigned calls (a developer's machine only; warned at start).
inline constexpr const char* kInternalAuthEnv = "LUX_INTERNAL_AUTH";
// The header that carries `t=<unix seconds>,n=<32 hex>,s=<64 hex>`.
inline constexpr const char* kSignatureHeader = "X-Lux-Signature";
// 32 bytes as `openssl rand -hex 32` prints them is 64 characters; a secret shorter than 32
// characters is refused: HMAC-SHA256 wants a key of at least 256 bits of entropy.
inline constexpr std::size_t kMinProgramSecretChars = 32;
// A signature is accepted this long either side of the receiver's clock: the time a call may
// spend in flight plus the clock skew between hosts kept in sync by NTP.
inline constexpr std::int64_t kSignatureWindowSeconds = 300;
// Nonces of accepted calls are remembered for the window to refuse replays. Past this many the
// oldest is forgotten and every timestamp up to its own is refused from then on, so a replay
// is never accepted (at 10,000 calls/s this still accepts calls up to 26 s old).
inline constexpr std::size_t kMaxRememberedNonces = 1 << 18;
// A refused call is logged at most once per this interval (with the count refused meanwhile).
inline constexpr std::int64_t kRefusalLogIntervalMs = 10'000;

// HMAC-SHA256 of `message` keyed by `key` (32 raw bytes), with OpenSSL contexts reused per thread.
std::string HmacSha256(std::string_view key, std::string_view message);

// At start of a server with internal endpoints or internal calls (`what` says which): throws
// StartupError naming the variable and how to make a secret unless a valid secret is set or
// LUX_INTERNAL_AUTH=off (then warns once).
void RequireProgramSecret(std::string_view server, std::string_view what);

// Adds the signature header for a call of `method` on `endpoint` (the path without the base URL,
// e.g. "/_lux/rpc/add") with the body already in `o`. Unsigned when no secret is set.
void SignInternalCall(FetchOptions& o, std::string_view endpoint);

// The header value for a call at `now_s` with `nonce` (32 lower-case hex), keyed by `secret`.
std::string InternalSignature(std::string_view secret, std::string_view method, std::string_view endpoint,
                              std::string_view body, std::int64_t now_s, std::string_view nonce);

// Checks the request's signature against its method, path and body; nullopt when it is valid
// (or LUX_INTERNAL_AUTH=off), else why not. A valid call's nonce is remembered.
std::optional<std::string> VerifyInternalCall(const Request& req);
// The same at `now_s` (tests step the clock).
std::optional<std::string> VerifyInternalCallAt(const Request& req, std::int64_t now_s);

// 401 with a JSON body naming the reason; logs the refusal (rate-limited).
Response InternalUnauthorized(const Request& req, const std::string& why);

}  // namespace lux::core
