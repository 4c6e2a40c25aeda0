// ServerMain: the entry point of a generated server. Adds `--help` (usage, with the server's
// env settings and their defaults, secret ones hidden) and `--NAME=value` / `--NAME value` for
// each declared env setting (the variable is set for this process; `--code-length` spellings
// with dashes and lower case are accepted), refuses an unknown flag with a "did you mean" over
// the flags the server takes (exit 2), then hands the remaining arguments (--port, --host,
// --max-connections, commands) to lux::rt::RunMain.
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "lux/env.h"
#include "lux/stdlib.h"

namespace lux::stdlib {

namespace {

// The exit status of a command line the server does not understand (as luxc's own).
constexpr int kUsageExit = 2;

std::string Normalize(std::string s) {
  for (char& c : s) c = c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// The flag an env setting is given with: its name in lower case with dashes (`--code-length`).
std::string FlagOf(const char* env_name) {
  std::string flag = "--";
  for (const char* c = env_name; *c; ++c)
    flag += *c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(*c)));
  return flag;
}

// What --help says of a setting's default; a secret one's value is not printed.
std::string DefaultShown(const EnvSpec& spec) {
  std::string text = spec.default_text;
  if (text.empty()) return "required";
  if (text != "None" && IsSecretSetting(spec.name, spec.type)) return "default (set, hidden)";
  return "default " + text;
}

// `env PORT`, `env HOST`: set by the server's own flag of that name.
bool IsServerFlag(std::string_view flag) {
  for (std::string_view f : ServerFlags())
    if (f == flag) return true;
  return false;
}

void Usage(const char* name, const EnvSpec* env, std::size_t n) {
  std::printf("usage: %s [--port N] [--host H] [--max-connections N]", name);
  const EnvSpec* example = nullptr;
  for (std::size_t i = 0; i < n; ++i) {
    if (IsServerFlag(FlagOf(env[i].name))) continue;
    std::printf(" [%s VALUE]", FlagOf(env[i].name).c_str());
    if (!example) example = &env[i];
  }
  std::printf("\n\n  --port N      listen on port N (also $PORT; 0 picks a free port)\n");
  std::printf("  --host H      listen on address H (also $HOST; default 0.0.0.0)\n");
  std::printf("  --max-connections N  open connections at most (also $LUX_MAX_CONNECTIONS; default from ulimit -n)\n");
  std::printf("  --max-body BYTES, --max-header-bytes BYTES, --header-timeout D, --idle-timeout D\n"
              "                the server's limits over the program's (also $LUX_MAX_BODY, ...; D: 500ms, 10s, 2m)\n");
  std::printf("  --trust-proxy SPEC  peers that may forward the client's address (also $LUX_TRUST_PROXY)\n");
  std::printf("  --help        print this help\n");
  if (example)
    std::printf("\nenv settings (each also as a flag: %s VALUE sets %s):\n", FlagOf(example->name).c_str(), example->name);
  else if (n)
    std::printf("\nenv settings:\n");
  for (std::size_t i = 0; i < n; ++i)
    std::printf("  %-22s %-16s %s\n", env[i].name, env[i].type, DefaultShown(env[i]).c_str());
  std::printf("\nLUX_LOG_LEVEL, LUX_LOG_FORMAT, LUX_ACCESS_LOG and LUX_THREADS tune logging and threads.\n");
}

int UsageError(const char* name, const std::string& message) {
  std::fprintf(stderr, "%s: %s (`%s --help` lists the options)\n", name, message.c_str(), name);
  return kUsageExit;
}

// `arg` starts with `-` and is none of the server's flags: the message, with the likely one.
std::string UnknownFlag(const std::string& arg, const EnvSpec* env, std::size_t n) {
  std::vector<std::string> accepted(ServerFlags().begin(), ServerFlags().end());
  accepted.push_back("--help");
  for (std::size_t k = 0; k < n; ++k) accepted.push_back(FlagOf(env[k].name));
  std::string guess = ClosestFlag(arg, accepted);
  // Without its `=value`: the value may be a secret, and the message goes to logs.
  return "unknown option `" + arg.substr(0, arg.find('=')) + "`" +
         (guess.empty() ? "" : "; did you mean `" + guess + "`?");
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
    if (a.size() < 2 || a[0] != '-') {  // a command or its argument
      rest.push_back(argv[i]);
      continue;
    }
    bool runtime_flag = false;
    for (std::string_view f : ServerFlags()) {
      if (a == f) {  // its value goes with it, whatever it looks like
        runtime_flag = true;
        rest.push_back(argv[i]);
        if (i + 1 < argc) rest.push_back(argv[++i]);
        break;
      }
      if (a.size() > f.size() && a.compare(0, f.size(), f) == 0 && a[f.size()] == '=') {
        runtime_flag = true;
        rest.push_back(argv[i]);
        break;
      }
    }
    if (runtime_flag) continue;
    std::string key = a.substr(a.rfind("--", 0) == 0 ? 2 : 1), value;
    bool has_value = false;
    if (auto eq = key.find('='); eq != std::string::npos) {
      value = key.substr(eq + 1);
      key = key.substr(0, eq);
      has_value = true;
    }
    const EnvSpec* setting = nullptr;
    for (std::size_t k = 0; k < env_count && !setting; ++k)
      if (a.rfind("--", 0) == 0 && Normalize(key) == env[k].name) setting = &env[k];
    if (!setting) return UsageError(name, UnknownFlag(a, env, env_count));
    if (!has_value) {
      if (i + 1 >= argc) return UsageError(name, "option " + FlagOf(setting->name) + " needs a value");
      value = argv[++i];
    }
    setenv(setting->name, value.c_str(), 1);
  }
  rest.push_back(nullptr);
  return rt::RunMain(static_cast<int>(rest.size()) - 1, rest.data(), name, setup);
}

}  // namespace lux::stdlib
