// `luxc completions bash|zsh|fish`: a shell completion script generated from luxc's own CLI11
// definition (every subcommand, its flags and their choices), so a new command or flag is
// completed without editing any script. Entry point: printCompletions.
#pragma once

#include <iosfwd>
#include <string>

namespace CLI {
class App;
}

namespace lux {

// Writes the script for `shell` ("bash", "zsh" or "fish"); returns 2 for another shell.
int printCompletions(const CLI::App& app, const std::string& shell, std::ostream& out, std::ostream& err);

}  // namespace lux
