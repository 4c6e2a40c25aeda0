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
  // `luxc dev`: the dev build (docs/architecture.md, "Translation units"; bench/README.md,
  // edit-to-serve). With clang, the runtime's PCH carries the code of its inline functions
  // (-fpch-codegen, linked once as the shared library lux_pch.so) and the program header is
  // precompiled on top of it; a unit's cache key holds only the parts of the program header it
  // uses (HeaderDeps). `dev_state` carries what one build leaves to the next (a PCH rebuilt in
  // the background).
  bool dev = false;
  struct DevBuildState* dev_state = nullptr;
};

// What `luxc dev` keeps between two builds: the program header's PCH, when a build found it out of
// date and compiled its few units without it, is rebuilt in the background after that build; the
// next build waits for it (FinishDevBuild) and uses it.
struct DevBuildState {
  int pch_job = -1;  // the background compiler's pid, -1 when none
  std::string pch_tmp, pch, key_file, key;
};
// Ends the background job of `state`, if any: when it builds the PCH of key `wanted`, waits for
// it and installs the PCH if it succeeded; otherwise (the header changed again, or luxc dev stops)
// kills it.
void FinishDevBuild(DevBuildState& state, const std::string& wanted = "");

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
