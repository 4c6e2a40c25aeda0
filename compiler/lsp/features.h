// The editor features over one analysis (offsets are bytes into that analysis's text).
// Entry points: hoverAt, definitionAt, referencesAt, completionAt, documentSymbols, signatureAt.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "lsp/analysis.h"

namespace lux::lsp {

struct Hover {
  std::string markdown;
  SourceRange range;
};
// `now` is the instant a cron string's next fire times are counted from.
std::optional<Hover> hoverAt(const Analysis& a, uint32_t offset, std::chrono::sys_seconds now);

// The declarations what is at `offset` names (usually one; an event names every subscriber).
std::vector<SourceRange> definitionAt(const Analysis& a, uint32_t offset);

// The declaration and every use of what is at `offset` (rename edits these ranges).
std::vector<SourceRange> referencesAt(const Analysis& a, uint32_t offset, bool include_declaration);
// Whether rename may change what is at `offset` (a model's, service's or variant's name may not).
bool renameable(const Analysis& a, uint32_t offset);

// What completes the text before the cursor. `before` is the current line up to the cursor (in
// the document as it is now, which may differ from the analysed text); `offset` is where the
// cursor maps to in the analysed text.
nlohmann::json completionAt(const Analysis& a, uint32_t offset, std::string_view before);

// Servers, routes, jobs, schedules, types, models, functions, subscribers... as a tree of LSP
// DocumentSymbols (works on a partial tree).
nlohmann::json documentSymbols(const Analysis& a);

// The signature of the call around `offset` (LSP SignatureHelp), or null.
nlohmann::json signatureAt(const Analysis& a, uint32_t offset);

}  // namespace lux::lsp
