// `luxc lsp`: a Language Server (LSP 3.17) over stdin/stdout. Entry point: runLanguageServer.
// What it answers and how: docs/tools.md, "luxc lsp".
#pragma once

#include <iosfwd>

namespace lux::lsp {

struct LspOptions {
  // A change is re-checked when no other change followed it for this long (an edit burst is
  // checked once); a request about the document checks it at once.
  int debounce_ms = 60;
  bool verbose = false;  // one line per analysis on the log (the bench reads it)
};

// Serves until `exit` (status 0 after `shutdown`, 1 without) or the end of input (1).
int runLanguageServer(int in_fd, int out_fd, std::ostream& log, const LspOptions& options);

}  // namespace lux::lsp
