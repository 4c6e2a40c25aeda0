// An open document: its text as the editor has it (full and incremental changes applied), the
// latest analysis, and the last one that checked (for answers while the text has a syntax
// error). Entry points: Document::open/applyChange/analyze, diagnosticsJson, answerAt.
#pragma once

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "lsp/analysis.h"
#include "lsp/position.h"

namespace lux::lsp {

struct Document {
  std::string uri;
  std::string path;  // the file path of a file: URI, else the URI
  std::string text;
  int version = 0;
  bool dirty = false;                           // changed since the latest analysis
  std::chrono::steady_clock::time_point due;    // when a dirty document is checked
  std::shared_ptr<const Analysis> latest;
  std::shared_ptr<const Analysis> checked;      // the latest analysis with a checked model

  void open(const std::string& uri, std::string text, int version);
  // One TextDocumentContentChangeEvent: `{text}` (the whole text) or `{range, text}`.
  void applyChange(const nlohmann::json& change);
  void analyze();
};

// The latest analysis's diagnostics as LSP Diagnostics.
nlohmann::json diagnosticsJson(const Document& doc);

// hover, definition, references, rename, completion or signatureHelp at a position of the
// current text (`include_declaration`: references' context; `new_name`: rename's).
nlohmann::json answerAt(const Document& doc, const std::string& method, Position p, bool include_declaration = true,
                        const std::string& new_name = "");

// `file:///a%20b/x.lux` → `/a b/x.lux`; another scheme is returned as it is.
std::string uriToPath(const std::string& uri);

}  // namespace lux::lsp
