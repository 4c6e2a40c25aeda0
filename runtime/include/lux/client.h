// Outgoing HTTP/1.1 client (Lux `fetch` and RPC between servers). On a server fiber the call
// suspends only the current request; elsewhere it blocks the calling thread. Connections are
// kept alive and reused per host:port (per I/O thread). While serving a request, X-Request-Id
// and traceparent are added automatically (unless set explicitly). Failures throw FetchError
// with a one-line message naming the method, URL and cause. http:// only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lux/error.h"
#include "lux/http.h"
#include "lux/value.h"

namespace lux {

// Default whole-request timeout (connect + send + receive).
inline constexpr std::int64_t kFetchTimeoutMs = 30'000;
// Responses larger than this fail with FetchError (kind kTooLarge).
inline constexpr std::size_t kMaxFetchBodyBytes = 16 << 20;
// Idle connections kept per host:port and I/O thread.
inline constexpr std::size_t kMaxIdlePerHost = 64;

struct FetchOptions {
  std::string method = "GET";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::int64_t timeout_ms = kFetchTimeoutMs;
  // Sets the body to JSON and Content-Type: application/json.
  FetchOptions& Json(const Value& v);
  FetchOptions& Header(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }
};

struct FetchResponse {
  int status = 0;
  Headers headers;
  std::string body;
  bool ok() const { return status >= 200 && status < 300; }
  // Parses the body; throws FetchError (kind kBadJson) with the JSON position.
  Value Json() const;
};

class FetchError : public Error {
 public:
  enum class Kind { kInvalidUrl, kConnect, kTimeout, kProtocol, kTooLarge, kBadJson };
  FetchError(Kind kind, const std::string& message) : Error(message, 502), kind_(kind) {}
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

FetchResponse Fetch(std::string_view url, const FetchOptions& options = {});

}  // namespace lux
