// The `luxc` command: parses arguments and runs the pipeline stages up to the one asked for.
//   luxc parse FILE [--dump-ast] [--format=text|json]   source → AST
//   luxc check FILE [--dump-model]                      AST → checked model + diagnostics
//   luxc explain CODE                                   what a diagnostic code means
// Common flags: --diagnostics-format=text|json, --color=auto|always|never, -Wno-GROUP, -Werror.
// Exit status: 0 success (warnings allowed), 1 errors in the program, 2 bad usage.
#include <CLI/CLI.hpp>
#include <unistd.h>

#include <iostream>
#include <string>
#include <vector>

#include "driver/pipeline.h"

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

}  // namespace

int main(int argc, char** argv) {
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

  std::string code;
  auto* explain = app.add_subcommand("explain", "explain a diagnostic code, e.g. `luxc explain E2101`");
  explain->add_option("code", code, "the diagnostic code")->required();

  auto* codes = app.add_subcommand("codes", "list every diagnostic code");

  CLI11_PARSE(app, argc, argv);

  opts.diag_format = diag_format == "json" ? lux::DiagFormat::Json : lux::DiagFormat::Text;
  opts.color = color == "always" || (color == "auto" && isatty(STDERR_FILENO) && diag_format == "text");
  opts.ast_json = ast_format == "json";

  if (explain->parsed()) return lux::explainCode(code, std::cout);
  if (codes->parsed()) return lux::listCodes(std::cout);
  opts.stage = parse->parsed() ? lux::Stage::Parse : lux::Stage::Check;
  return lux::runFrontEnd(file, opts, std::cout, std::cerr);
}
