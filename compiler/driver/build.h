// `luxc build` and `luxc run`: emit the program, compile it with the system C++ compiler
// against the prebuilt runtime (paths baked in at configure time, see build_config.h.in),
// link one executable per server, and (run) supervise the servers.
// Entry points: buildProgram, runServers.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "driver/pipeline.h"

namespace lux {

struct BuildOptions {
  std::string file;
  std::string out_dir;  // default ./lux-build
  bool release = false;
  std::string cxx;      // default $CXX, else clang++, else c++
  bool timings = false;
  bool verbose = false;
  int pieces_per_unit = 4;  // top-level definitions per translation unit (`luxc dev`: 1)
  bool tests = false;       // `luxc test`: test executables (EmitOptions::tests), paths not printed
  // Units never compiled in this output directory are compiled a few per compiler run (about one
  // batch per parallel job) instead of one run each; `luxc build`, `run` and `test` (not `dev`).
  bool batch_cold_units = false;
};

struct BuildResult {
  struct Server {
    std::string name;        // "" for the unnamed server
    std::string executable;  // path
    int port = 3000;         // declared default port
  };
  std::vector<Server> servers;
};

// Returns the exit status (0 built, 1 errors in the program or the build).
int buildProgram(const BuildOptions& opts, const DriverOptions& dopts, BuildResult& result, std::ostream& out,
                 std::ostream& err);

struct DevOptions {
  int port = 0;                   // > 0: the first server listens here, the next on port + 1, ...
  std::string host = "127.0.0.1";
  std::vector<std::string> args;  // for every server
};

// `luxc dev`: builds and runs every server, rebuilds on each save of the file and replaces the
// servers whose executable changed without refusing a connection (compiler/driver/dev.cpp).
// Returns when SIGINT/SIGTERM stopped everything.
int runDev(const BuildOptions& bopts, const DriverOptions& dopts, const DevOptions& opts, std::ostream& err);

// Starts every server as a child, prefixes each line of its output with its name, forwards
// SIGINT/SIGTERM, and returns when all have exited (their first non-zero status, else 0).
int runServers(const BuildResult& built, const std::vector<std::string>& args, std::ostream& err);

}  // namespace lux
