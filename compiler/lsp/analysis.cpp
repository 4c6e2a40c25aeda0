// analyze: the front end for one version of a document, keeping what `luxc check` throws away
// (the AST, the checked model) for hover, definition, completion and symbols.
#include "lsp/analysis.h"

#include <chrono>
#include <filesystem>

#include "emit/emit.h"
#include "lsp/ast_walk.h"
#include "parse/parse.h"

namespace lux::lsp {

const Symbol* Analysis::declarationAt(uint32_t offset) const {
  auto it = declared.upper_bound(offset);
  if (it == declared.begin()) return nullptr;
  --it;
  const Symbol* s = it->second;
  return contains(s->range, offset) ? s : nullptr;
}

const Symbol* Analysis::resolved(const ast::Node* node) const {
  if (!model) return nullptr;
  auto it = model->resolved.find(node);
  return it == model->resolved.end() ? nullptr : it->second;
}

const Ty* Analysis::typeOf(const ast::Node* node) const {
  if (!model) return nullptr;
  auto it = model->expr_types.find(node);
  return it == model->expr_types.end() ? nullptr : it->second;
}

int Analysis::serverAt(uint32_t offset) const {
  if (!model) return -1;
  for (size_t i = 0; i < model->servers.size(); ++i)
    if (model->servers[i].decl && contains(model->servers[i].decl->range(), offset)) return static_cast<int>(i);
  return -1;
}

std::shared_ptr<const Analysis> analyze(const std::string& path, std::string text) {
  auto started = std::chrono::steady_clock::now();
  auto a = std::make_shared<Analysis>();
  a->file = std::make_unique<SourceFile>(SourceFile::fromString(path, std::move(text)));
  a->ctx = std::make_unique<ast::AstContext>();
  a->lines = std::make_unique<LineIndex>(a->file->text());
  DiagEngine diags(*a->file);
  if (a->file->text().size() > SourceFile::kMaxFileBytes) {
    diags.report(DiagId::FileTooLarge, SourceRange::point(0), a->file->text().size(), SourceFile::kMaxFileBytes);
  } else {
    ParseResult parsed = parseProgram(*a->file, *a->ctx, diags);
    a->program = parsed.program;
    if (parsed.program && !diags.hasErrors()) {
      CheckOptions options;
      options.editor_tables = true;
      a->model = checkProgram(*parsed.program, *a->file, diags, options);
      if (a->model && !diags.hasErrors()) {
        EmitOptions eo;
        eo.source_name = path;
        std::string stem = std::filesystem::path(path).stem().string();
        eo.stem = stem.empty() ? "server" : stem;
        EmittedProgram scratch;
        emitProgram(*a->model, *a->file, diags, eo, scratch);
      }
    }
  }
  a->diagnostics = diags.sorted();
  if (a->model) {
    for (const Symbol& s : a->model->symbols)
      if (s.range.size() > 0) a->declared.emplace(s.range.begin, &s);
  }
  a->milliseconds = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  return a;
}

}  // namespace lux::lsp
