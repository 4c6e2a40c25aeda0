// runFrontEnd: loads the file, runs parse and check on a thread with a large stack (deeply
// nested input must end in a diagnostic, never a stack overflow), renders diagnostics once.
#include "driver/pipeline.h"

#include <pthread.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <ostream>

#include "ast/ast.h"
#include "check/check.h"
#include "emit/emit.h"
#include "parse/parse.h"

namespace lux {
namespace {

bool onlyWhitespace(std::string_view text) {
  for (char c : text) {
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return false;
  }
  return true;
}

}  // namespace

// The front end runs on its own thread with this stack: the parser's own nesting limit keeps
// recursion bounded, and 256 MiB (reserved, not committed) leaves a wide margin above it.
constexpr size_t kFrontEndStackBytes = 256u << 20;

void runOnLargeStack(const std::function<void()>& fn) {
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, kFrontEndStackBytes);
  pthread_t thread;
  auto trampoline = [](void* arg) -> void* {
    (*static_cast<const std::function<void()>*>(arg))();
    return nullptr;
  };
  if (pthread_create(&thread, &attr, trampoline, const_cast<std::function<void()>*>(&fn)) != 0) {
    fn();  // could not make a thread: run here
  } else {
    pthread_join(thread, nullptr);
  }
  pthread_attr_destroy(&attr);
}

int runFrontEndOnSource(const SourceFile& file, const DriverOptions& opts, std::ostream& out, std::ostream& err) {
  DiagEngine diags(file);
  diags.setColor(opts.color);
  diags.setWarningsAsErrors(opts.warnings_as_errors);
  for (const std::string& g : opts.disabled_groups) diags.disableGroup(g);

  auto started = std::chrono::steady_clock::now();
  if (onlyWhitespace(file.text())) {
    diags.report(DiagId::FileEmpty, SourceRange::point(0));
  } else {
    runOnLargeStack([&] {
      ast::AstContext ctx;
      ParseResult parsed = parseProgram(file, ctx, diags);
      if (opts.dump_ast && parsed.program) dumpAst(*parsed.program, file, out, opts.ast_json);
      if (opts.stage != Stage::Parse && parsed.program && !diags.hasErrors()) {
        auto model = checkProgram(*parsed.program, file, diags);
        if (opts.dump_model && model) dumpModel(*model, file, out);
        // `luxc check` runs code generation too, into a scratch program: a construct the
        // emitter refuses (E5001) is then reported by check, so every program check accepts
        // also builds.
        EmittedProgram scratch;
        EmittedProgram* emitted = opts.stage == Stage::Emit ? opts.emitted : &scratch;
        if (model && !diags.hasErrors() && emitted) {
          EmitOptions eo;
          eo.source_name = opts.source_name.empty() ? file.path() : opts.source_name;
          std::string stem = std::filesystem::path(file.path()).stem().string();
          eo.stem = stem.empty() ? "server" : stem;
          eo.pieces_per_unit = opts.pieces_per_unit;
          emitProgram(*model, file, diags, eo, *emitted);
        }
      }
    });
  }
  if (opts.front_end_ms)
    *opts.front_end_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  diags.render(opts.diag_format == DiagFormat::Json ? out : err, opts.diag_format);
  return diags.hasErrors() ? 1 : 0;
}

int runFrontEnd(const std::string& path, const DriverOptions& opts, std::ostream& out, std::ostream& err) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  std::string reason;
  if (!ec && size > SourceFile::kMaxFileBytes) {
    SourceFile none = SourceFile::fromString(path, "");
    DiagEngine diags(none);
    diags.report(DiagId::FileTooLarge, SourceRange::point(0), size, SourceFile::kMaxFileBytes);
    diags.render(opts.diag_format == DiagFormat::Json ? out : err, opts.diag_format);
    return 1;
  }
  std::optional<SourceFile> file = ec ? std::nullopt : SourceFile::load(path, reason);
  if (!file) {
    SourceFile none = SourceFile::fromString(path, "");
    DiagEngine diags(none);
    diags.report(DiagId::FileNotReadable, SourceRange::point(0), path, ec ? ec.message() : reason);
    diags.render(opts.diag_format == DiagFormat::Json ? out : err, opts.diag_format);
    return 1;
  }
  return runFrontEndOnSource(*file, opts, out, err);
}

int explainCode(const std::string& code, std::ostream& out) {
  std::optional<DiagId> id = findDiagByCode(code);
  if (!id) {
    out << "luxc: unknown diagnostic code `" << code << "` (see `luxc codes`)\n";
    return 2;
  }
  const DiagInfo& info = diagInfo(*id);
  out << info.code << " (" << info.name << ", "
      << (info.severity == Severity::Error ? "error" : "warning") << ", group `" << info.group << "`)\n"
      << "  message: " << info.format << "\n"
      << "  details and an example: docs/diagnostics.md#" << info.code << "\n";
  return 0;
}

int listCodes(std::ostream& out) {
  for (const DiagInfo& info : allDiagInfos()) {
    out << info.code << '\t' << (info.severity == Severity::Error ? "error" : "warning") << '\t'
        << info.group << '\t' << info.name << '\n';
  }
  return 0;
}

}  // namespace lux
