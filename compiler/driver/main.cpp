// The `luxc` command: parses arguments and runs the pipeline stages up to the one asked for.
//   luxc parse FILE [--dump-ast] [--format=text|json]   source → AST
//   luxc check FILE [--dump-model]                      AST → checked model + diagnostics
//   luxc emit FILE                                      checked program → C++ (stdout)
//   luxc openapi FILE [--server NAME]                   a server's OpenAPI 3 document (stdout)
//   luxc build FILE [-o DIR] [--release] [--cxx CXX]    C++ → one executable per server
//   luxc run FILE [-o DIR] [--release] [-- ARGS]        build, then run every server
//   luxc test [FILES|DIRS] [--filter TEXT]             build and run the programs' `test` blocks
//   luxc explain CODE                                   what a diagnostic code means
//   luxc lsp                                            the language server (LSP over stdio)
//   luxc completions bash|zsh|fish                      a shell completion script
//   luxc fmt [--check] [--stdin] FILES...               format files (fmt_command.cpp)
//   luxc new NAME [--template api|two-servers|jobs]     a project from a template (new_project.cpp)
// Common flags: --diagnostics-format=text|json, --color=auto|always|never, -Wno-GROUP, -Werror.
// Exit status: 0 success (warnings allowed), 1 errors in the program, 2 bad usage.
#include <CLI/CLI.hpp>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <string>
#include <optional>
#include <vector>

#include "driver/build.h"
#include "driver/completions.h"
#include "driver/fmt_command.h"
#include "driver/pipeline.h"
#include "lsp/lsp.h"
#include "driver/test.h"

namespace {

// Pulls clang-style warning flags out of argv before CLI11 sees them.
std::vector<std::string> takeWarningFlags(int& argc, char** argv, lux::DriverOptions& opts) {
  std::vector<std::string> rest;
  int out = 1;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "-Werror") {
      opts.warnings_as_errors = true;
    } else if (a.rfind("-Wno-", 0) == 0 && a.size() > 5) {
      opts.disabled_groups.emplace_back(a.substr(5));
    } else {
      argv[out++] = argv[i];
    }
  }
  argc = out;
  return rest;
}

// The front end makes many small allocations (ANTLR tokens, parse-tree nodes), and on these VMs
// the page faults of a heap that grows 128 KiB at a time cost more than the parse: `luxc check` of
// 10,000 lines spends 0.22 s untuned and 0.10-0.12 s with transparent huge pages for the heap and
// a 32 MiB top pad (bench/README.md). glibc reads GLIBC_TUNABLES only at start-up, so luxc
// re-executes itself once with them added, then restores the caller's value so that the C++
// compiler and the servers it starts see the environment they were given.
// LUXC_NO_MALLOC_TUNING=1 turns this off.
constexpr const char* kMallocTunables = "glibc.malloc.hugetlb=1:glibc.malloc.top_pad=33554432";

void tuneAllocator(char** argv) {
  if (std::getenv("LUXC_MALLOC_TUNED")) {
    const char* orig = std::getenv("LUXC_ORIG_TUNABLES");
    if (orig) {
      setenv("GLIBC_TUNABLES", orig, 1);
    } else {
      unsetenv("GLIBC_TUNABLES");
    }
    unsetenv("LUXC_ORIG_TUNABLES");
    unsetenv("LUXC_MALLOC_TUNED");
    return;
  }
  if (std::getenv("LUXC_NO_MALLOC_TUNING")) return;
  const char* orig = std::getenv("GLIBC_TUNABLES");
  std::string tunables = kMallocTunables;
  if (orig && *orig) {
    setenv("LUXC_ORIG_TUNABLES", orig, 1);
    tunables = std::string(orig) + ":" + tunables;
  }
  setenv("GLIBC_TUNABLES", tunables.c_str(), 1);
  setenv("LUXC_MALLOC_TUNED", "1", 1);
  execv("/proc/self/exe", argv);
  // exec failed (no /proc): go on untuned with the environment as it was
  if (orig) {
    setenv("GLIBC_TUNABLES", orig, 1);
  } else {
    unsetenv("GLIBC_TUNABLES");
  }
  unsetenv("LUXC_ORIG_TUNABLES");
  unsetenv("LUXC_MALLOC_TUNED");
}

// `luxc emit`: the generated C++ as one file.
int emitCommand(const std::string& file, lux::DriverOptions opts) {
  lux::EmittedProgram program;
  opts.stage = lux::Stage::Emit;
  opts.emitted = &program;
  int rc = lux::runFrontEnd(file, opts, std::cout, std::cerr);
  if (rc == 0) std::cout << program.cpp;
  return rc;
}

// `luxc openapi [--server NAME]`: one server's OpenAPI document (`server` null: the only one).
int openApiCommand(const std::string& file, lux::DriverOptions opts, const std::string* server) {
  lux::EmittedProgram program;
  opts.stage = lux::Stage::Emit;
  opts.emitted = &program;
  int rc = lux::runFrontEnd(file, opts, std::cout, std::cerr);
  if (rc != 0) return rc;
  std::string names;
  for (const lux::EmittedServer& s : program.servers) {
    names += (names.empty() ? "" : ", ") + (s.name.empty() ? std::string("(unnamed)") : s.name);
    if ((!server && program.servers.size() == 1) || (server && s.name == *server)) {
      std::cout << s.openapi;
      return 0;
    }
  }
  std::cerr << "luxc: " << (server ? "no server named `" + *server + "`" : std::string("several servers"))
            << "; pass --server with one of: " << names << "\n";
  return 2;
}

// `luxc lsp` and `luxc completions`: the editor tools.
struct EditorTools {
  lux::lsp::LspOptions lsp_opts;
  bool lsp_stdio = true;
  std::string completion_shell;
  CLI::App* lsp = nullptr;
  CLI::App* completions = nullptr;

  void add(CLI::App& app) {
    lsp = app.add_subcommand("lsp", "run the language server (LSP over stdin/stdout, for editors)");
    lsp->add_flag("--stdio", lsp_stdio, "talk over stdin/stdout (the default and only transport)");
    lsp->add_option("--debounce-ms", lsp_opts.debounce_ms, "re-check a changed document after this many quiet milliseconds")
        ->check(CLI::Range(0, 10000));
    lsp->add_flag("--verbose", lsp_opts.verbose, "log each check and its time on stderr");
    completions = app.add_subcommand("completions", "print a completion script: bash, zsh or fish");
    completions->add_option("shell", completion_shell, "bash, zsh or fish")->required()
        ->check(CLI::IsMember({"bash", "zsh", "fish"}));
  }
  std::optional<int> run(const CLI::App& app) {
    if (lsp->parsed()) return lux::lsp::runLanguageServer(STDIN_FILENO, STDOUT_FILENO, std::cerr, lsp_opts);
    if (completions->parsed()) return lux::printCompletions(app, completion_shell, std::cout, std::cerr);
    return std::nullopt;
  }
};

// `luxc fmt` and `luxc new`: the tools that write Lux source.
struct SourceTools {
  lux::FmtOptions fmt_opts;
  std::string fmt_tokens;
  lux::NewOptions new_opts;
  CLI::App* fmt = nullptr;
  CLI::App* new_cmd = nullptr;

  void add(CLI::App& app) {
    fmt = app.add_subcommand("fmt", "format .lux files in place (--check: list and diff, write nothing)");
    fmt->add_option("files", fmt_opts.files, "the .lux files");
    fmt->add_flag("--check", fmt_opts.check, "exit 1 and print a diff when a file is not formatted");
    fmt->add_flag("--stdin", fmt_opts.stdin_input, "format standard input to standard output");
    fmt->add_option("--tokens", fmt_tokens, "print FILE's tokens, comments included (for tests)");
    new_cmd = app.add_subcommand("new", "create a project directory from a template");
    new_cmd->add_option("name", new_opts.name, "the directory to create")->required();
    new_cmd->add_option("--template", new_opts.template_name, "api (default), two-servers or jobs");
  }
  std::optional<int> run(const lux::DriverOptions& opts) {
    if (fmt->parsed()) {
      if (!fmt_tokens.empty()) return lux::dumpFmtTokens(fmt_tokens, std::cout, std::cerr);
      fmt_opts.color = opts.color;
      return lux::runFmt(fmt_opts, std::cout, std::cerr);
    }
    if (new_cmd->parsed()) return lux::runNew(new_opts, std::cout, std::cerr);
    return std::nullopt;
  }
};

// `luxc test`: builds and runs the programs' `test` blocks.
struct TestTool {
  lux::TestOptions opts;
  CLI::App* test = nullptr;

  void add(CLI::App& app, lux::BuildOptions& bopts) {
    test = app.add_subcommand("test", "build and run the `test` blocks of .lux files (default: those under the current directory)");
    test->add_option("paths", opts.paths, "the .lux files, or directories to search for them");
    test->add_option("--filter", opts.filter, "run only the tests whose name contains TEXT");
    test->add_option("-o,--out", bopts.out_dir, "output directory (default: ./lux-build/test)");
    test->add_option("--cxx", bopts.cxx, "C++ compiler");
    test->add_flag("--timings", bopts.timings, "print the time of each build step on stderr");
  }
};

}  // namespace

int main(int argc, char** argv) {
  tuneAllocator(argv);
  lux::DriverOptions opts;
  takeWarningFlags(argc, argv, opts);

  CLI::App app{"luxc — the Lux compiler"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "luxc 0.1.0");
  std::string diag_format = "text";
  std::string color = "auto";
  app.add_option("--diagnostics-format", diag_format, "text or json")
      ->check(CLI::IsMember({"text", "json"}));
  app.add_option("--color", color, "auto, always or never")->check(CLI::IsMember({"auto", "always", "never"}));

  std::string file;
  auto* parse = app.add_subcommand("parse", "parse a .lux file and report syntax errors");
  parse->add_option("file", file, "the .lux file")->required();
  parse->add_flag("--dump-ast", opts.dump_ast, "print the AST");
  std::string ast_format = "text";
  parse->add_option("--format", ast_format, "AST dump format: text or json")->check(CLI::IsMember({"text", "json"}));

  auto* check = app.add_subcommand("check", "parse and check a .lux file");
  check->add_option("file", file, "the .lux file")->required();
  check->add_flag("--dump-model", opts.dump_model, "print the checked model of the program");
  check->add_flag("--dump-ast", opts.dump_ast, "also print the AST");

  auto* emit = app.add_subcommand("emit", "print the C++ generated for a .lux file");
  emit->add_option("file", file, "the .lux file")->required();

  std::string openapi_server;
  bool openapi_server_given = false;
  auto* openapi = app.add_subcommand("openapi", "print a server's OpenAPI 3 document (nothing is built)");
  openapi->add_option("file", file, "the .lux file")->required();
  openapi->add_option("--server", openapi_server, "the server, by name (needed when there are several)")
      ->each([&](const std::string&) { openapi_server_given = true; });

  lux::BuildOptions bopts;
  auto* build = app.add_subcommand("build", "compile a .lux file to one executable per server");
  build->add_option("file", file, "the .lux file")->required();
  build->add_option("-o,--out", bopts.out_dir, "output directory (default: ./lux-build)");
  build->add_flag("--release", bopts.release, "optimise (-O2) instead of the fast debug build (-O0)");
  build->add_option("--cxx", bopts.cxx, "C++ compiler (default: $CXX, else clang++, else c++)");
  build->add_flag("--timings", bopts.timings, "print the time of each step on stderr");
  build->add_flag("-v,--verbose", bopts.verbose, "print the commands run");

  auto* run = app.add_subcommand("run", "build a .lux file, then run every server (Ctrl-C stops them)");
  run->add_option("file", file, "the .lux file")->required();
  run->add_option("-o,--out", bopts.out_dir, "output directory (default: ./lux-build)");
  run->add_flag("--release", bopts.release, "optimise (-O2)");
  run->add_option("--cxx", bopts.cxx, "C++ compiler");
  std::vector<std::string> run_args;
  run->add_option("args", run_args, "arguments for every server (after --)");

  lux::DevOptions dev_opts;
  auto* dev = app.add_subcommand("dev", "build and run every server, rebuild and swap them on each save (Ctrl-C stops)");
  dev->add_option("file", file, "the .lux file")->required();
  dev->add_option("-o,--out", bopts.out_dir, "output directory (default: ./lux-build)");
  dev->add_option("--port", dev_opts.port, "port of the first server (the next ones get port + 1, ...)");
  dev->add_option("--host", dev_opts.host, "address the servers listen on (default 127.0.0.1)");
  dev->add_option("--cxx", bopts.cxx, "C++ compiler");
  dev->add_flag("--timings", bopts.timings, "print the time of each build step on stderr");
  dev->add_flag("-v,--verbose", bopts.verbose, "print the commands each build runs");
  dev->add_option("args", dev_opts.args, "arguments for every server (after --)");

  TestTool test_tool;
  test_tool.add(app, bopts);

  std::string code;
  auto* explain = app.add_subcommand("explain", "explain a diagnostic code, e.g. `luxc explain E2101`");
  explain->add_option("code", code, "the diagnostic code")->required();

  auto* codes = app.add_subcommand("codes", "list every diagnostic code");

  EditorTools editor_tools;
  editor_tools.add(app);
  SourceTools source_tools;
  source_tools.add(app);

  CLI11_PARSE(app, argc, argv);

  if (auto rc = editor_tools.run(app)) return *rc;

  opts.diag_format = diag_format == "json" ? lux::DiagFormat::Json : lux::DiagFormat::Text;
  opts.color = color == "always" || (color == "auto" && isatty(STDERR_FILENO) && diag_format == "text");
  opts.ast_json = ast_format == "json";

  if (auto rc = source_tools.run(opts)) return *rc;

  if (explain->parsed()) return lux::explainCode(code, std::cout);
  if (test_tool.test->parsed()) return lux::runTests(test_tool.opts, bopts, opts, std::cout, std::cerr);
  if (codes->parsed()) return lux::listCodes(std::cout);
  if (emit->parsed()) return emitCommand(file, opts);
  if (openapi->parsed()) return openApiCommand(file, opts, openapi_server_given ? &openapi_server : nullptr);
  if (dev->parsed()) {
    bopts.file = file;
    // One top-level definition per translation unit: an edit recompiles only its definition
    // (bench/README.md, edit-to-serve).
    bopts.pieces_per_unit = 1;
    bopts.dev = true;
    return lux::runDev(bopts, opts, dev_opts, std::cerr);
  }
  if (build->parsed() || run->parsed()) {
    bopts.file = file;
    bopts.batch_cold_units = true;
    lux::BuildResult built;
    int rc = lux::buildProgram(bopts, opts, built, std::cout, std::cerr);
    if (rc != 0 || build->parsed()) return rc;
    return lux::runServers(built, run_args, std::cerr);
  }
  opts.stage = parse->parsed() ? lux::Stage::Parse : lux::Stage::Check;
  return lux::runFrontEnd(file, opts, std::cout, std::cerr);
}
