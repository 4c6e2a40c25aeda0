// ServerMain: the entry point of a generated server. Adds `--help` (usage, with the server's
// env settings and their defaults) and `--NAME=value` / `--NAME value` for each declared env
// setting (the variable is set for this process; `--port-like` spellings with dashes and lower
// case are accepted), then hands the remaining arguments (--port, --host) to lux::rt::RunMain.
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "lux/stdlib.h"

namespace lux::stdlib {

namespace {

std::string Normalize(std::string s) {
  for (char& c : s) c = c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

void Usage(const char* name, const EnvSpec* env, std::size_t n) {
  std::printf("usage: %s [--port N] [--host H]", name);
  for (std::size_t i = 0; i < n; ++i) std::printf(" [--%s VALUE]", env[i].name);
  std::printf("\n\n  --port N      listen on port N (also $PORT; 0 picks a free port)\n");
  std::printf("  --host H      listen on address H (also $HOST; default 0.0.0.0)\n");
  std::printf("  --max-connections N  open connections at most (also $LUX_MAX_CONNECTIONS; default from ulimit -n)\n");
  std::printf("  --help        print this help\n");
  if (n) std::printf("\nenv settings (each also as --NAME VALUE):\n");
  for (std::size_t i = 0; i < n; ++i) {
    std::printf("  %-22s %-16s %s\n", env[i].name, env[i].type,
                env[i].default_text[0] ? (std::string("default ") + env[i].default_text).c_str() : "required");
  }
  std::printf("\nLUX_LOG_LEVEL, LUX_LOG_FORMAT, LUX_ACCESS_LOG and LUX_THREADS tune logging and threads.\n");
}

}  // namespace

int ServerMain(int argc, char** argv, const char* name, void (*setup)(App&), const EnvSpec* env,
               std::size_t env_count) {
  std::vector<char*> rest{argv[0]};
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      Usage(name, env, env_count);
      return 0;
    }
    // --port/--host also set a declared `env PORT`/`env HOST`, so the program sees the port it serves.
    for (const char* flag : {"--port", "--host"}) {
      std::string f = flag;
      std::string value;
      if (a == f && i + 1 < argc) value = argv[i + 1];
      else if (a.rfind(f + "=", 0) == 0) value = a.substr(f.size() + 1);
      else continue;
      for (std::size_t k = 0; k < env_count; ++k)
        if (Normalize(f.substr(2)) == env[k].name) setenv(env[k].name, value.c_str(), 1);
    }
    bool taken = false;
    if (a.rfind("--", 0) == 0 && a != "--port" && a != "--host" && a.rfind("--port=", 0) != 0 &&
        a.rfind("--host=", 0) != 0) {
      std::string key = a.substr(2), value;
      bool has_value = false;
      if (auto eq = key.find('='); eq != std::string::npos) {
        value = key.substr(eq + 1);
        key = key.substr(0, eq);
        has_value = true;
      }
      for (std::size_t k = 0; k < env_count; ++k) {
        if (Normalize(key) != env[k].name) continue;
        if (!has_value) {
          if (i + 1 >= argc) {
            std::fprintf(stderr, "%s: option --%s needs a value\n", name, env[k].name);
            return 1;
          }
          value = argv[++i];
        }
        setenv(env[k].name, value.c_str(), 1);
        taken = true;
        break;
      }
    }
    if (!taken) rest.push_back(argv[i]);
  }
  rest.push_back(nullptr);
  return rt::RunMain(static_cast<int>(rest.size()) - 1, rest.data(), name, setup);
}

}  // namespace lux::stdlib
