// Finding and loading the optional client libraries (loader.h). The sonames and build-time
// directories come from runtime/CMakeLists.txt (LUX_LIB_* definitions on this file).
#include "lazy/loader.h"

#include <dlfcn.h>

#include <cstdlib>
#include <map>
#include <mutex>
#include <string_view>
#include <vector>

#include "core/log.h"
#include "lux/error.h"

namespace lux::lazy {

const ClientLibrary kLibpq{LUX_LIB_PQ_SONAME, LUX_LIB_PQ_DIR, "the PostgreSQL client"};
const ClientLibrary kHiredis{LUX_LIB_HIREDIS_SONAME, LUX_LIB_HIREDIS_DIR, "the Redis client"};
const ClientLibrary kSqlite{LUX_LIB_SQLITE_SONAME, LUX_LIB_SQLITE_DIR, "SQLite"};
const ClientLibrary kCrypto{LUX_LIB_CRYPTO_SONAME, LUX_LIB_CRYPTO_DIR, "OpenSSL's libcrypto"};
const ClientLibrary kZlib{LUX_LIB_ZLIB_SONAME, LUX_LIB_ZLIB_DIR, "zlib (gzip compression)"};
const ClientLibrary kBrotliEnc{LUX_LIB_BROTLIENC_SONAME, LUX_LIB_BROTLIENC_DIR, "the Brotli encoder"};
const ClientLibrary kSsl{LUX_LIB_SSL_SONAME, LUX_LIB_SSL_DIR, "OpenSSL's libssl (TLS)"};

namespace {

std::mutex& Mutex() {
  static std::mutex mu;
  return mu;
}

std::map<const ClientLibrary*, void*>& Handles() {
  static std::map<const ClientLibrary*, void*> handles;
  return handles;
}

std::vector<std::string> Paths(const ClientLibrary& lib) {
  std::vector<std::string> paths;
  const char* env = std::getenv("LUX_BACKEND_PATH");
  if (env != nullptr && *env != '\0') {
    std::string_view rest(env);
    while (true) {
      size_t colon = rest.find(':');
      std::string_view dir = rest.substr(0, colon);
      if (!dir.empty()) paths.push_back(std::string(dir) + "/" + lib.soname);
      if (colon == std::string_view::npos) break;
      rest.remove_prefix(colon + 1);
    }
    return paths;
  }
  if (*lib.build_dir != '\0') paths.push_back(std::string(lib.build_dir) + "/" + lib.soname);
  paths.push_back(lib.soname);
  return paths;
}

}  // namespace

std::string Candidates(const ClientLibrary& lib) {
  std::string out;
  for (const std::string& p : Paths(lib)) out += (out.empty() ? "" : ", ") + p;
  return out;
}

void* Load(const ClientLibrary& lib) {
  std::lock_guard<std::mutex> lock(Mutex());
  auto it = Handles().find(&lib);
  if (it != Handles().end()) return it->second;
  std::string errors;
  for (const std::string& path : Paths(lib)) {
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle != nullptr) {
      Handles().emplace(&lib, handle);
      if (core::LogEnabled(LogLevel::kDebug)) {
        core::Log(LogLevel::kDebug, "client library loaded", {{"library", lib.soname}, {"path", path}});
      }
      return handle;
    }
    const char* why = dlerror();
    std::string reason = why != nullptr ? why : "unknown error";
    // dlerror names the path when it looked for a file; say which was tried when it does not.
    if (reason.find(path) == std::string::npos) reason = path + ": " + reason;
    errors += (errors.empty() ? "" : "; ") + reason;
  }
  if (errors.empty()) errors = "LUX_BACKEND_PATH names no directory";
  throw Error("cannot load " + std::string(lib.soname) + " (" + lib.what + "): " + errors +
              " (LUX_BACKEND_PATH sets the directories to look in)");
}

void* Symbol(const ClientLibrary& lib, const char* name) {
  void* handle = Load(lib);
  std::lock_guard<std::mutex> lock(Mutex());
  dlerror();
  void* sym = dlsym(handle, name);
  if (sym == nullptr) {
    throw Error("cannot load " + std::string(lib.soname) + " (" + lib.what + "): it has no `" + name + "`");
  }
  return sym;
}

bool Loaded(const ClientLibrary& lib) {
  std::lock_guard<std::mutex> lock(Mutex());
  return Handles().count(&lib) != 0;
}

}  // namespace lux::lazy
