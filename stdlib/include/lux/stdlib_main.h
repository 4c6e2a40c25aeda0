// What a generated server's main translation unit needs, and nothing more (it compiles in a
// few milliseconds): lux::stdlib::ServerMain and the description of the server's env settings.
#pragma once

#include <cstddef>

namespace lux {
class App;
}  // namespace lux

namespace lux::stdlib {

struct EnvSpec {
  const char* name;
  const char* type;          // as written in Lux: "Int", "Option<String>"
  const char* default_text;  // "" when required
};

// Handles `--help` (usage with the server's env settings) and `--NAME=value` / `--NAME value`
// for each declared env setting (sets the variable), then runs lux::rt::RunMain.
int ServerMain(int argc, char** argv, const char* name, void (*setup)(App&), const EnvSpec* env,
               std::size_t env_count);

}  // namespace lux::stdlib
