// Client libraries loaded on first use. A generated server does not link libpq, hiredis,
// SQLite or libcrypto: the runtime defines the C functions it calls from them as small
// forwarding stubs (libpq.cpp, hiredis.cpp, sqlite.cpp, crypto.cpp), and the first call of a
// library's stub loads that library with dlopen. A program that never opens a database, a Redis
// store or checks a signature never maps them. Entry points: ClientLibrary, Load, Symbol.
#pragma once

#include <string>

namespace lux::lazy {

// One optional library: its soname and the directory it was found in when the runtime was
// built (both recorded by runtime/CMakeLists.txt), and what it is for, for messages.
struct ClientLibrary {
  const char* soname;     // "libpq.so.5"
  const char* build_dir;  // "/usr/lib/x86_64-linux-gnu"
  const char* what;       // "the PostgreSQL client"
};

extern const ClientLibrary kLibpq;
extern const ClientLibrary kHiredis;
extern const ClientLibrary kSqlite;
extern const ClientLibrary kCrypto;
extern const ClientLibrary kZlib;        // compression { }: gzip and deflate
extern const ClientLibrary kBrotliEnc;   // compression { }: Brotli
extern const ClientLibrary kSsl;

// The candidate paths, in order: with LUX_BACKEND_PATH set (directories separated by `:`),
// `<dir>/<soname>` for each of them and nothing else; otherwise `<build_dir>/<soname>`, then the
// bare soname (the dynamic loader's own search: LD_LIBRARY_PATH, ld.so.cache).
std::string Candidates(const ClientLibrary& lib);

// Loads the library once per process (later calls return the same handle). Throws lux::Error,
// one line: `cannot load libpq.so.5 (the PostgreSQL client): tried /x/libpq.so.5 (<dlerror>)`.
void* Load(const ClientLibrary& lib);

// The address of `name` in the library (loading it first). Throws lux::Error when the library
// cannot be loaded or lacks the symbol.
void* Symbol(const ClientLibrary& lib, const char* name);

// Whether this process has loaded the library through Load (tests, `LUX_LOG_LEVEL=debug` lines).
bool Loaded(const ClientLibrary& lib);

}  // namespace lux::lazy
