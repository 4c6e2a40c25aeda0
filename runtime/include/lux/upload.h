// File uploads (`upload { ... }`) and readiness routes (`health "/ready" { ... }`): the settings
// generated code passes and the two registration calls. Implementation in src/upload/.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "lux/http.h"

namespace lux {

// A file part of at most this many bytes stays in memory (`data`); a larger one is written to a
// temporary file as it arrives (`path`), so no upload is ever held whole in memory.
inline constexpr std::int64_t kUploadMemoryBytes = 64 << 10;
// `max_files` when `upload { }` does not set it (Django's DATA_UPLOAD_MAX_NUMBER_FILES).
inline constexpr std::int64_t kDefaultUploadMaxFiles = 100;
// A readiness check's time when `health { timeout }` does not set it.
inline constexpr std::int64_t kDefaultReadinessTimeoutMs = 2000;

struct UploadOptions {
  std::int64_t max_size = 10'000'000;     // bytes per file, and of all files of one request
  std::vector<std::string> allowed_types;  // MIME types ("image/png", "image/*"); empty: any
  std::int64_t max_files = kDefaultUploadMaxFiles;
  std::string dir;  // temporary files; empty: $TMPDIR/lux-uploads (else /tmp/lux-uploads)
};

// multipart/form-data bodies read as a stream into Request::files / form_fields.
void RegisterUpload(App& app, UploadOptions options);

// One entry of a readiness route: the checks the App's components offer under `component`
// ("db", "redis", "jobs"), or a program function `fn`; `name` is its key in the answer.
struct ReadinessItem {
  std::string name;
  std::string component;
  std::function<bool()> fn;
};

// GET `path`: 200 {status: "ok"} while the process serves (liveness), `Cache-Control: no-store`.
void ServeLiveness(App& app, const std::string& path);

// GET `path`: runs every check at once, each for at most `timeout_ms`, and answers 200
// {status: "ok", checks: {name: {ok, latency_ms}}} or 503 with `error` on the failed ones; both
// `Cache-Control: no-store`.
void ServeReadiness(App& app, std::string path, std::vector<ReadinessItem> checks, std::int64_t timeout_ms);

}  // namespace lux
