// The client libraries loaded on first use (runtime/src/lazy/): where they are looked for,
// LUX_BACKEND_PATH, the one-line error naming the library and the paths tried, symbols.
// Each Catch2 test case runs in its own process (catch_discover_tests), so a library loaded by
// one case is not loaded yet in the next.
#include <catch2/catch.hpp>
#include <dlfcn.h>
#include <lux/error.h>
#include <stdlib.h>

#include <string>

#include "lazy/loader.h"

extern "C" int CRYPTO_memcmp(const void* a, const void* b, size_t len);

namespace {

// Sets LUX_BACKEND_PATH for one scope (unset when `value` is null), then restores it.
struct BackendPath {
  explicit BackendPath(const char* value) {
    if (const char* old = ::getenv("LUX_BACKEND_PATH")) saved = old, had = true;
    if (value) ::setenv("LUX_BACKEND_PATH", value, 1);
    else ::unsetenv("LUX_BACKEND_PATH");
  }
  ~BackendPath() {
    if (had) ::setenv("LUX_BACKEND_PATH", saved.c_str(), 1);
    else ::unsetenv("LUX_BACKEND_PATH");
  }
  std::string saved;
  bool had = false;
};

std::string LoadError(const lux::lazy::ClientLibrary& lib) {
  try {
    lux::lazy::Load(lib);
  } catch (const lux::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("lazy: the build directory first, then the loader's own search, and LUX_BACKEND_PATH replaces both") {
  using lux::lazy::kLibpq;
  std::string soname = kLibpq.soname;
  REQUIRE(soname.rfind("libpq.so.", 0) == 0);
  {
    BackendPath unset(nullptr);
    REQUIRE(lux::lazy::Candidates(kLibpq) == std::string(kLibpq.build_dir) + "/" + soname + ", " + soname);
  }
  {
    BackendPath two("/opt/a::/opt/b");
    REQUIRE(lux::lazy::Candidates(kLibpq) == "/opt/a/" + soname + ", /opt/b/" + soname);
  }
}

TEST_CASE("lazy: a library missing from LUX_BACKEND_PATH is one line naming it, what it is for and the path tried") {
  using lux::lazy::kLibpq;
  BackendPath missing("/nonexistent/lux-backends");
  std::string msg = LoadError(kLibpq);
  REQUIRE(msg.find("cannot load " + std::string(kLibpq.soname) + " (the PostgreSQL client)") == 0);
  REQUIRE(msg.find("/nonexistent/lux-backends/" + std::string(kLibpq.soname)) != std::string::npos);
  REQUIRE(msg.find("LUX_BACKEND_PATH") != std::string::npos);
  REQUIRE(msg.find('\n') == std::string::npos);
  REQUIRE_FALSE(lux::lazy::Loaded(kLibpq));
  // Symbol goes through the same load.
  REQUIRE_THROWS_AS(lux::lazy::Symbol(kLibpq, "PQfinish"), lux::Error);
  // Nothing is cached from a failure: the right directory works afterwards.
  BackendPath right(kLibpq.build_dir);
  REQUIRE(lux::lazy::Load(kLibpq) != nullptr);
  REQUIRE(lux::lazy::Loaded(kLibpq));
}

TEST_CASE("lazy: loaded once on first use, and a missing symbol is an error naming it") {
  using lux::lazy::kHiredis;
  BackendPath unset(nullptr);
  REQUIRE_FALSE(lux::lazy::Loaded(kHiredis));
  void* handle = lux::lazy::Load(kHiredis);
  REQUIRE(handle != nullptr);
  REQUIRE(lux::lazy::Load(kHiredis) == handle);
  REQUIRE(lux::lazy::Symbol(kHiredis, "redisFree") == dlsym(handle, "redisFree"));
  try {
    lux::lazy::Symbol(kHiredis, "lux_no_such_function");
    FAIL("no error for a missing symbol");
  } catch (const lux::Error& e) {
    REQUIRE(std::string(e.what()).find("`lux_no_such_function`") != std::string::npos);
  }
}

TEST_CASE("lazy: a stub loads its library on its first call") {
  BackendPath unset(nullptr);
  REQUIRE_FALSE(lux::lazy::Loaded(lux::lazy::kCrypto));
  // CRYPTO_memcmp through the runtime's stub (this test does not link libcrypto).
  REQUIRE(CRYPTO_memcmp("abc", "abc", 3) == 0);
  REQUIRE(CRYPTO_memcmp("abc", "abd", 3) != 0);
  REQUIRE(lux::lazy::Loaded(lux::lazy::kCrypto));
}
