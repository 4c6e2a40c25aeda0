// `luxc new NAME [--template api|two-servers|jobs]`: a project directory from one of the
// templates compiled into luxc (templates/<template>/ in the repository, templates_data.h).
// A template's files are written with `{{name}}` replaced by the project's name; `gitignore`
// becomes `.gitignore` (a dot file in templates/ would be read by git as the repository's own);
// `tests.lux` (the template's `test` blocks) is appended to `app.lux` when this luxc parses test
// blocks. Refuses an invalid name and a directory that exists with files in it.
#include <filesystem>
#include <fstream>
#include <map>
#include <ostream>
#include <set>

#include "ast/ast.h"
#include "driver/fmt_command.h"
#include "driver/templates_data.h"
#include "parse/parse.h"

namespace lux {
namespace {

// A project name: a letter, then letters, digits, `-` or `_` (it names the directory, and the
// template's README and comments); at most this long.
constexpr size_t kMaxNameLength = 64;

bool validName(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength) return false;
  auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  if (!letter(name[0])) return false;
  for (char c : name) {
    if (!letter(c) && !(c >= '0' && c <= '9') && c != '-' && c != '_') return false;
  }
  return true;
}

std::string substitute(std::string_view text, const std::string& name) {
  std::string out;
  constexpr std::string_view kKey = "{{name}}";
  size_t pos = 0;
  for (size_t at; (at = text.find(kKey, pos)) != std::string_view::npos; pos = at + kKey.size()) {
    out.append(text.substr(pos, at - pos));
    out += name;
  }
  out.append(text.substr(pos));
  return out;
}

// Whether `text` parses without errors here (the template's tests use `test` blocks).
bool parsesCleanly(const std::string& text) {
  SourceFile file = SourceFile::fromString("app.lux", text);
  DiagEngine diags(file);
  ast::AstContext ctx;
  ParseResult parsed = parseProgram(file, ctx, diags);
  return parsed.program && !diags.hasErrors();
}

std::string templateNames() {
  std::set<std::string> names;
  for (const EmbeddedTemplateFile& f : embeddedTemplateFiles()) names.insert(f.template_name);
  std::string list;
  for (const std::string& n : names) list += (list.empty() ? "" : ", ") + n;
  return list;
}

// The template's files as they are written: path → contents.
std::map<std::string, std::string> projectFiles(const NewOptions& opts, const std::string& name) {
  std::map<std::string, std::string> files;
  std::string tests;
  for (const EmbeddedTemplateFile& f : embeddedTemplateFiles()) {
    if (opts.template_name != f.template_name) continue;
    std::string path = f.path;
    std::string text = substitute(f.text(), name);
    if (path == "tests.lux") {
      tests = std::move(text);
      continue;
    }
    files[path == "gitignore" ? ".gitignore" : path] = std::move(text);
  }
  auto app = files.find("app.lux");
  if (app != files.end() && !tests.empty() && parsesCleanly(app->second + "\n" + tests)) {
    app->second += "\n" + tests;  // one blank line between the program and its tests
  }
  return files;
}

bool directoryInUse(const std::filesystem::path& dir, std::string& why) {
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) return false;
  if (!std::filesystem::is_directory(dir, ec)) {
    why = "exists and is not a directory";
    return true;
  }
  if (!std::filesystem::is_empty(dir, ec)) {
    why = "exists and is not empty";
    return true;
  }
  return false;
}

}  // namespace

int runNew(const NewOptions& opts, std::ostream& out, std::ostream& err) {
  std::filesystem::path dir(opts.name);
  std::string name = dir.filename().string();
  if (!validName(name)) {
    err << "luxc new: `" << opts.name << "` is not a valid project name (a letter, then letters, digits, `-` or `_`; "
        << kMaxNameLength << " at most)\n";
    return 1;
  }
  std::map<std::string, std::string> files = projectFiles(opts, name);
  if (files.empty()) {
    err << "luxc new: no template `" << opts.template_name << "` (templates: " << templateNames() << ")\n";
    return 1;
  }
  std::string why;
  if (directoryInUse(dir, why)) {
    err << "luxc new: `" << opts.name << "` " << why << "\n";
    return 1;
  }
  std::error_code ec;
  std::filesystem::create_directory(dir, ec);
  if (ec) {
    err << "luxc new: cannot create `" << opts.name << "`: " << ec.message() << "\n";
    return 1;
  }
  for (const auto& [path, text] : files) {
    std::ofstream file(dir / path, std::ios::binary);
    file << text;
    if (!file.flush()) {
      err << "luxc new: cannot write `" << (dir / path).string() << "`\n";
      return 1;
    }
  }
  out << "created " << opts.name << "/ from the `" << opts.template_name << "` template:";
  for (const auto& entry : files) out << " " << entry.first;
  out << "\n  cd " << opts.name << " && luxc run app.lux\n";
  return 0;
}

}  // namespace lux
