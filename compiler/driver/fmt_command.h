// `luxc fmt` (fmt_command.cpp) and `luxc new` (new_project.cpp): the everyday tools around the
// compiler.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace lux {

struct FmtOptions {
  std::vector<std::string> files;
  bool check = false;        // list and diff the files that would change; write nothing
  bool stdin_input = false;  // format standard input to standard output
  bool color = false;        // diagnostics in colour
};

// Exit status: 0 all formatted (or written), 1 a file would change (--check), does not parse or
// cannot be written, 2 bad usage.
int runFmt(const FmtOptions& opts, std::ostream& out, std::ostream& err);

// `luxc fmt --tokens FILE`: every token with its kind, one per line (comments included): the
// fmt tests compare the token streams of a file before and after formatting.
int dumpFmtTokens(const std::string& path, std::ostream& out, std::ostream& err);

struct NewOptions {
  std::string name;               // the directory to create
  std::string template_name = "api";
};

// Creates NAME/ from a template (templates/ in the repository, embedded at build time).
// Exit status 0, or 1 with one line on `err`.
int runNew(const NewOptions& opts, std::ostream& out, std::ostream& err);

}  // namespace lux
