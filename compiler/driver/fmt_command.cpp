// `luxc fmt [--check] [--stdin] FILES...`: formats files in place (written atomically, and only
// when they change), or with --check lists the files that would change with a unified diff.
// A file that does not parse is refused with its diagnostics and left untouched.
#include "driver/fmt_command.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "driver/pipeline.h"
#include "driver/text_diff.h"
#include "fmt/formatter.h"
#include "parse/parse.h"

namespace lux {
namespace {

// Formats one source; renders its diagnostics on `err` when it does not parse.
std::optional<std::string> formatSource(const SourceFile& file, const FmtOptions& opts, std::ostream& err) {
  DiagEngine diags(file);
  diags.setColor(opts.color);
  std::optional<std::string> formatted;
  runOnLargeStack([&] { formatted = formatter::formatFile(file, diags); });
  if (!formatted) {
    if (!diags.hasErrors()) diags.report(DiagId::FileEmpty, SourceRange::point(0));
    diags.render(err, DiagFormat::Text);
  }
  return formatted;
}

// Replaces `path` by `text` through a temporary file in the same directory and a rename, so a
// reader never sees half a file; the file keeps its permissions.
bool writeAtomically(const std::string& path, const std::string& text, std::string& error) {
  std::filesystem::path target(path);
  std::string temp = (target.parent_path() / ("." + target.filename().string() + ".luxfmt.tmp")).string();
  struct stat st {};
  bool have_mode = ::stat(path.c_str(), &st) == 0;
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) {
      error = "cannot write " + temp;
      std::remove(temp.c_str());
      return false;
    }
  }
  if (have_mode) ::chmod(temp.c_str(), st.st_mode & 07777);
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    error = "cannot replace " + path;
    std::remove(temp.c_str());
    return false;
  }
  return true;
}

std::optional<SourceFile> loadSource(const std::string& path, std::ostream& err) {
  std::string reason;
  std::optional<SourceFile> file = SourceFile::load(path, reason);
  if (!file) err << "luxc fmt: cannot read " << path << ": " << reason << "\n";
  return file;
}

std::string readStdin() {
  std::string text;
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
    if (n > 0) {
      text.append(buf, static_cast<size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      return text;
    }
  }
}

// One file (or stdin when `path` is "-"); false when it does not parse or cannot be read or written.
bool formatOne(const std::string& path, const FmtOptions& opts, std::ostream& out, std::ostream& err,
               bool& changed) {
  std::optional<SourceFile> file;
  if (path == "-") {
    file = SourceFile::fromString("<stdin>", readStdin());
  } else {
    file = loadSource(path, err);
  }
  if (!file) return false;
  std::optional<std::string> formatted = formatSource(*file, opts, err);
  if (!formatted) return false;
  std::string_view original = file->text();
  changed = original != *formatted;
  if (opts.check) {
    if (changed) out << unifiedDiff(original, *formatted, file->path());
    return true;
  }
  if (path == "-") {
    out << *formatted;
    return true;
  }
  std::string error;
  if (changed && !writeAtomically(path, *formatted, error)) {
    err << "luxc fmt: " << error << "\n";
    return false;
  }
  return true;
}

}  // namespace

int runFmt(const FmtOptions& opts, std::ostream& out, std::ostream& err) {
  std::vector<std::string> paths = opts.files;
  if (opts.stdin_input) paths = {"-"};
  if (paths.empty()) {
    err << "luxc fmt: no files given (pass FILES..., or --stdin)\n";
    return 2;
  }
  bool failed = false;
  std::vector<std::string> would_change;
  for (const std::string& path : paths) {
    bool changed = false;
    if (!formatOne(path, opts, out, err, changed)) {
      failed = true;
    } else if (changed && opts.check) {
      would_change.push_back(path == "-" ? "<stdin>" : path);
    }
  }
  for (const std::string& path : would_change) err << "luxc fmt: would reformat " << path << "\n";
  return failed || !would_change.empty() ? 1 : 0;
}

int dumpFmtTokens(const std::string& path, std::ostream& out, std::ostream& err) {
  std::optional<SourceFile> file = loadSource(path, err);
  if (!file) return 1;
  DiagEngine diags(*file);
  syntax::Tree tree;
  runOnLargeStack([&] {
    ast::AstContext ctx;
    parseProgram(*file, ctx, diags, &tree);
  });
  if (diags.hasErrors()) {
    diags.render(err, DiagFormat::Text);
    return 1;
  }
  for (const syntax::Token& t : tree.tokens) {
    out << tree.kind_names[t.kind] << '\t' << file->text().substr(t.begin, t.end - t.begin) << '\n';
  }
  return 0;
}

}  // namespace lux
