// `luxc test [FILES|DIRS] [--filter TEXT]`: builds each program's test executables (the same
// code generator with EmitOptions::tests, into lux-build/test/ unless -o is given) and runs
// them one after the other, their report going straight to the terminal. A directory (or no
// argument: the current one) stands for the `.lux` files under it that hold a `test` block.
// Entry point: runTests. Exit status: 0 all passed, 1 a test failed or a program did not build.
#include "driver/test.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>

namespace lux {

namespace fs = std::filesystem;

namespace {

// Whether the file holds a `test "..."` item (a directory scan skips the others).
bool hasTestBlock(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  static const std::regex kTest(R"((^|\n)[ \t]*test[ \t]+")");
  return std::regex_search(text.str(), kTest);
}

void collect(const std::string& arg, std::vector<std::string>& files) {
  std::error_code ec;
  if (!fs::is_directory(arg, ec)) {
    files.push_back(arg);
    return;
  }
  std::vector<std::string> found;
  for (auto it = fs::recursive_directory_iterator(arg, fs::directory_options::skip_permission_denied, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    const fs::path& p = it->path();
    std::string name = p.filename().string();
    if (it->is_directory() && (name == "lux-build" || name == ".lux" || name == "node_modules" || name[0] == '.')) {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file() && p.extension() == ".lux" && hasTestBlock(p)) found.push_back(p.lexically_normal().string());
  }
  std::sort(found.begin(), found.end());
  files.insert(files.end(), found.begin(), found.end());
}

// Runs one test executable in the current directory; returns its exit status.
int runExecutable(const std::string& exe, const std::string& filter) {
  std::vector<std::string> args = {exe};
  if (!filter.empty()) {
    args.push_back("--filter");
    args.push_back(filter);
  }
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::cout.flush();
  pid_t pid = fork();
  if (pid < 0) return 1;
  if (pid == 0) {
    execv(exe.c_str(), argv.data());
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  std::cout << "luxc test: " << exe << " ended by signal " << WTERMSIG(status) << "\n";
  return 1;
}

}  // namespace

int runTests(const TestOptions& topts, const BuildOptions& base, const DriverOptions& dopts, std::ostream& out,
             std::ostream& err) {
  std::vector<std::string> files;
  if (topts.paths.empty()) collect(".", files);
  for (const std::string& p : topts.paths) collect(p, files);
  if (files.empty()) {
    err << "luxc test: no `.lux` file with a `test` block" << (topts.paths.empty() ? " under the current directory" : "")
        << "\n";
    return 1;
  }
  int rc = 0;
  for (const std::string& file : files) {
    BuildOptions b = base;
    b.file = file;
    b.tests = true;
    b.batch_cold_units = true;
    if (b.out_dir.empty()) b.out_dir = (fs::path("lux-build") / "test").string();
    BuildResult built;
    if (buildProgram(b, dopts, built, out, err) != 0) {
      rc = 1;
      continue;
    }
    for (const BuildResult::Server& s : built.servers) {
      out << "     Running " << file << (s.name.empty() ? std::string() : " (server \"" + s.name + "\")") << "\n";
      out.flush();
      if (runExecutable(s.executable, topts.filter) != 0) rc = 1;
    }
  }
  return rc;
}

}  // namespace lux
