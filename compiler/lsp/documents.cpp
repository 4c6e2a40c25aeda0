// Document: text sync and analysis; answerAt: picks the analysis a request is answered from and
// maps offsets between it and the current text (a syntax error keeps the last checked analysis:
// positions before the edited region are unchanged, those after it shift by the edit's length).
#include "lsp/documents.h"

#include <algorithm>
#include <chrono>

#include "lsp/features.h"

namespace lux::lsp {
namespace {

using nlohmann::json;

json rangeJson(const LineIndex& lines, SourceRange r) {
  Position b = lines.positionOf(r.begin), e = lines.positionOf(r.end);
  return {{"start", {{"line", b.line}, {"character", b.character}}}, {"end", {{"line", e.line}, {"character", e.character}}}};
}

// Where the text of an older analysis and the current text differ: [prefix, old_end) in the old
// text became [prefix, new_end) in the current one.
struct Edit {
  uint32_t prefix = 0, old_end = 0, new_end = 0;
  uint32_t toOld(uint32_t at) const { return at <= prefix ? at : at >= new_end ? at - new_end + old_end : prefix; }
  uint32_t toNew(uint32_t at) const { return at <= prefix ? at : at >= old_end ? at - old_end + new_end : prefix; }
};

Edit diff(std::string_view old_text, std::string_view new_text) {
  size_t p = 0, max = std::min(old_text.size(), new_text.size());
  while (p < max && old_text[p] == new_text[p]) ++p;
  size_t s = 0;
  while (s < max - p && old_text[old_text.size() - 1 - s] == new_text[new_text.size() - 1 - s]) ++s;
  return {static_cast<uint32_t>(p), static_cast<uint32_t>(old_text.size() - s), static_cast<uint32_t>(new_text.size() - s)};
}

// A zero-width range covers the character after it (editors show nothing for an empty range).
SourceRange visible(SourceRange r, std::string_view text) {
  if (r.size() > 0 || r.begin >= text.size() || text[r.begin] == '\n') return r;
  uint32_t len = utf8Length(static_cast<unsigned char>(text[r.begin]));
  return {r.begin, std::min<uint32_t>(r.begin + len, static_cast<uint32_t>(text.size()))};
}

}  // namespace

std::string uriToPath(const std::string& uri) {
  constexpr std::string_view kFile = "file://";
  if (uri.rfind(kFile, 0) != 0) return uri;
  std::string out;
  for (size_t i = kFile.size(); i < uri.size(); ++i) {
    if (uri[i] == '%' && i + 2 < uri.size() && std::isxdigit(static_cast<unsigned char>(uri[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(uri[i + 2]))) {
      out += static_cast<char>(std::stoi(uri.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += uri[i];
    }
  }
  return out;
}

void Document::open(const std::string& u, std::string t, int v) {
  uri = u;
  path = uriToPath(u);
  text = std::move(t);
  version = v;
  dirty = true;
  latest.reset();
  checked.reset();
}

void Document::applyChange(const json& change) {
  if (!change.contains("range")) {
    text = change.at("text").get<std::string>();
    return;
  }
  LineIndex lines(text);
  const json& r = change.at("range");
  uint32_t b = lines.offsetOf({r.at("start").at("line").get<uint32_t>(), r.at("start").at("character").get<uint32_t>()});
  uint32_t e = lines.offsetOf({r.at("end").at("line").get<uint32_t>(), r.at("end").at("character").get<uint32_t>()});
  if (e < b) std::swap(b, e);
  text.replace(b, e - b, change.at("text").get<std::string>());
}

void Document::analyze() {
  latest = lux::lsp::analyze(path, text);
  if (latest->model) checked = latest;
  dirty = false;
}

json diagnosticsJson(const Document& doc) {
  json out = json::array();
  if (!doc.latest) return out;
  const Analysis& a = *doc.latest;
  for (const Diagnostic& d : a.diagnostics) {
    const DiagInfo& info = diagInfo(d.id);
    std::string message = d.message;
    json related = json::array();
    for (const DiagNote& n : d.notes) {
      if (n.range) related.push_back({{"location", {{"uri", doc.uri}, {"range", rangeJson(*a.lines, visible(*n.range, a.text()))}}},
                                      {"message", n.message}});
      else message += "\nnote: " + n.message;
    }
    for (const std::string& h : d.help) message += "\nhelp: " + h;
    json diag = {{"range", rangeJson(*a.lines, visible(d.range, a.text()))},
                 {"severity", d.severity == Severity::Error ? 1 : d.severity == Severity::Warning ? 2 : 3},
                 {"code", std::string(info.code)},
                 {"source", "luxc"},
                 {"message", message}};
    if (!related.empty()) diag["relatedInformation"] = std::move(related);
    out.push_back(std::move(diag));
  }
  return out;
}

json answerAt(const Document& doc, const std::string& method, Position p, bool include_declaration,
             const std::string& new_name) {
  LineIndex lines(doc.text);
  uint32_t cursor = lines.offsetOf(p);
  const Analysis* a = doc.checked ? doc.checked.get() : doc.latest.get();
  if (!a) return nullptr;
  Edit edit = diff(a->text(), doc.text);
  uint32_t at = edit.toOld(cursor);
  auto toCurrent = [&](SourceRange r) {
    return rangeJson(lines, {edit.toNew(r.begin), std::max(edit.toNew(r.begin), edit.toNew(r.end))});
  };
  bool exact = cursor <= edit.prefix || cursor >= edit.new_end;
  if (method == "textDocument/completion") {
    uint32_t line_start = lines.offsetOf({p.line, 0});
    return {{"isIncomplete", false}, {"items", completionAt(*a, at, std::string_view(doc.text).substr(line_start, cursor - line_start))}};
  }
  if (!exact) return nullptr;  // the cursor is in text the analysis has not seen
  if (method == "textDocument/hover") {
    auto h = hoverAt(*a, at, std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
    if (!h) return nullptr;
    return {{"contents", {{"kind", "markdown"}, {"value", h->markdown}}}, {"range", toCurrent(h->range)}};
  }
  if (method == "textDocument/definition") {
    json out = json::array();
    for (SourceRange r : definitionAt(*a, at)) out.push_back({{"uri", doc.uri}, {"range", toCurrent(r)}});
    return out;
  }
  if (method == "textDocument/references" || method == "textDocument/rename" || method == "textDocument/prepareRename") {
    std::vector<SourceRange> refs = referencesAt(*a, at, method != "textDocument/references" || include_declaration);
    if (method != "textDocument/references" && !renameable(*a, at)) return nullptr;
    if (method == "textDocument/prepareRename") {
      for (SourceRange r : refs)
        if (r.begin <= at && at <= r.end) return toCurrent(r);
      return nullptr;
    }
    if (method == "textDocument/references") {
      json out = json::array();
      for (SourceRange r : refs) out.push_back({{"uri", doc.uri}, {"range", toCurrent(r)}});
      return out;
    }
    if (refs.empty()) return nullptr;
    json edits = json::array();
    for (SourceRange r : refs) edits.push_back({{"range", toCurrent(r)}, {"newText", new_name}});
    return {{"changes", {{doc.uri, edits}}}};
  }
  return signatureAt(*a, at);
}

}  // namespace lux::lsp
