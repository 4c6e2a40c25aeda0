// buildProgram: front end + emit, then the C++ compiler. Layout of the output directory:
//   DIR/<stem>[-<server>]            the executables
//   DIR/.lux/<stem>.h                the program header every unit includes
//   DIR/.lux/<stem>.<unit>.cpp       the program's translation units (shared, then per server)
//   DIR/.lux/<exe>.main.cpp          each server's main
//   DIR/.lux/*.o, *.key, *.log       objects, their cache keys, the compiler's output
//   DIR/.lux/lux_stdlib[.dev].pch    the runtime's precompiled header (clang)
//   DIR/.lux/<stem>.h.pch, lux_pch.so  `luxc dev` only: the program header's PCH, the PCH's code
// A translation unit is recompiled only when the hash of its text + the header + compiler + flags
// changed; an executable (its main, the shared units and its own units) is relinked only when
// its objects or the runtime libraries changed. Debug builds link the runtime as one shared
// library (liblux_dev.so, found through an rpath into luxc's build tree); --release links the
// static libraries and gives self-contained executables.
// A compiler failure on a checked program is an internal error (E5002) pointing at the .lux
// line of the first C++ error (the generated code carries #line directives).
#include "driver/build.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <regex>
#include <sstream>

#include "driver/build_config.h"
#include "driver/header_deps.h"

extern char** environ;

namespace lux {
namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;
double msSince(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

uint64_t fnv1a(std::string_view s, uint64_t h = 1469598103934665603ull) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

std::string hex(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string readFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Writes only when the content differs (keeps mtimes stable for tools watching the files).
void writeFile(const fs::path& p, const std::string& text) {
  std::error_code ec;
  if (fs::exists(p, ec) && readFile(p) == text) return;
  std::ofstream out(p, std::ios::binary);
  out << text;
}

std::vector<std::string> splitList(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == ';') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

bool onPath(const std::string& prog) {
  if (prog.find('/') != std::string::npos) return access(prog.c_str(), X_OK) == 0;
  const char* path = std::getenv("PATH");
  if (!path) return false;
  std::stringstream ss(path);
  std::string dir;
  while (std::getline(ss, dir, ':'))
    if (!dir.empty() && access((dir + "/" + prog).c_str(), X_OK) == 0) return true;
  return false;
}

// Splits a compiler command such as "ccache clang++" into words.
std::vector<std::string> words(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string w;
  while (ss >> w) out.push_back(w);
  return out;
}

struct Job {
  std::vector<std::string> argv;
  fs::path log;
  pid_t pid = -1;
  int status = -1;
};

bool spawn(Job& job, bool verbose, std::ostream& err) {
  if (verbose) {
    for (const std::string& a : job.argv) err << a << ' ';
    err << '\n';
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, job.log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  std::vector<char*> argv;
  for (std::string& a : job.argv) argv.push_back(a.data());
  argv.push_back(nullptr);
  int rc = posix_spawnp(&job.pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) {
    job.pid = -1;
    return false;
  }
  return true;
}

void waitAll(std::vector<Job*>& jobs) {
  for (Job* j : jobs) {
    if (j->pid <= 0) continue;
    int st = 0;
    while (waitpid(j->pid, &st, 0) < 0 && errno == EINTR) {
    }
    j->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  }
}

// The first "FILE.lux:LINE:COL: error" of a compiler log, as (line, message).
bool firstLuxError(const std::string& log, const std::string& lux_name, uint32_t& line, std::string& message) {
  std::regex re(R"(([^\s:]+\.lux):(\d+):(?:(\d+):)?\s*(?:fatal )?error:\s*(.*))");
  std::smatch m;
  std::string::const_iterator from = log.begin();
  while (std::regex_search(from, log.end(), m, re)) {
    if (fs::path(m[1].str()).filename() == fs::path(lux_name).filename()) {
      line = static_cast<uint32_t>(std::stoul(m[2].str()));
      message = m[4].str();
      return true;
    }
    from = m.suffix().first;
  }
  return false;
}

// Reports a build failure as a diagnostic on the .lux file.
void reportBuildError(const std::string& lux_path, const DriverOptions& dopts, DiagId id, uint32_t line,
                      const std::string& arg, const std::vector<std::string>& notes, std::ostream& out,
                      std::ostream& err) {
  std::string reason;
  std::optional<SourceFile> file = SourceFile::load(lux_path, reason);
  SourceFile none = SourceFile::fromString(lux_path, "");
  const SourceFile& f = file ? *file : none;
  DiagEngine diags(f);
  diags.setColor(dopts.color);
  SourceRange r = SourceRange::point(0);
  if (line > 0 && line <= f.lineCount()) {
    std::string_view text = f.lineText(line);
    uint32_t start = static_cast<uint32_t>(text.data() - f.text().data());
    uint32_t skip = 0;
    while (skip < text.size() && (text[skip] == ' ' || text[skip] == '\t')) ++skip;
    r = SourceRange{start + skip, start + static_cast<uint32_t>(text.size())};
  }
  auto d = diags.report(id, r, arg);
  for (const std::string& n : notes) d.note(n);
  diags.render(dopts.diag_format == DiagFormat::Json ? out : err, dopts.diag_format);
}

std::string fileIdentity(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return path + ":missing";
  return path + ":" + std::to_string(st.st_size) + ":" + std::to_string(st.st_mtim.tv_sec) + "." +
         std::to_string(st.st_mtim.tv_nsec);
}

// One `luxc build`: the steps of buildProgram, in order, over the state they share.
class BuildRun {
 public:
  BuildRun(const BuildOptions& opts, const DriverOptions& dopts, BuildResult& result, std::ostream& out,
           std::ostream& err)
      : opts_(opts), dopts_(dopts), result_(result), out_(out), err_(err) {}

  int run() {
    auto t0 = Clock::now();
    if (int rc = frontEnd(); rc != 0) return rc;
    if (!makeWorkDir() || !chooseCompiler()) return 1;
    precompileHeader();
    writeUnits();
    if (!compileUnits()) return 1;
    if (opts_.dev && !linkPchLibrary()) return 1;
    if (!linkServers()) return 1;
    if (opts_.dev) startDeferredPch();
    if (!opts_.tests)
      for (const BuildResult::Server& s : result_.servers) out_ << s.executable << '\n';
    out_.flush();
    if (opts_.timings) printTimings(t0);
    return 0;
  }

 private:
  struct Unit {
    std::string name;
    std::string text;
    int server = -1;  // -1: shared code, linked into every server; -2: a server's main; -3: a PCH's object
    fs::path src, obj, key_file, log;
    std::string key;
    bool fresh = false;
    Job job;
  };
  struct LinkJob {
    std::string exe;
    fs::path key_file;
    std::string key;
    Job job;
  };

  // Reports a failure of the build (not of the program) and returns false.
  bool fail(DiagId id, uint32_t line, const std::string& arg, const std::vector<std::string>& notes = {}) {
    reportBuildError(opts_.file, dopts_, id, line, arg, notes, out_, err_);
    return false;
  }

  // Parse, check and emit into program_; diagnostics go out as for `luxc check`.
  int frontEnd() {
    dopts_.stage = Stage::Emit;
    dopts_.emitted = &program_;
    dopts_.pieces_per_unit = opts_.pieces_per_unit;
    dopts_.tests = opts_.tests;
    dopts_.place_name = opts_.file;
    std::error_code ec;
    lux_abs_ = fs::absolute(opts_.file, ec);
    dopts_.source_name = lux_abs_.string();
    dopts_.front_end_ms = &fe_ms_;
    return runFrontEnd(opts_.file, dopts_, out_, err_);
  }

  bool makeWorkDir() {
    std::error_code ec;
    dir_ = opts_.out_dir.empty() ? fs::path("lux-build") : fs::path(opts_.out_dir);
    work_ = dir_ / ".lux";
    fs::create_directories(work_, ec);
    if (ec) return fail(DiagId::BuildToolFailed, 0, "cannot create `" + work_.string() + "`: " + ec.message());
    stem_ = lux_abs_.stem().string();
    return true;
  }

  // The compiler: --cxx, $CXX, clang++ (fastest at -O0), c++; and its flags.
  bool chooseCompiler() {
    cxx_ = opts_.cxx;
    if (cxx_.empty() && std::getenv("CXX") && *std::getenv("CXX")) cxx_ = std::getenv("CXX");
    if (cxx_.empty()) cxx_ = onPath("clang++") ? "clang++" : "c++";
    cxx_words_ = words(cxx_);
    if (cxx_words_.empty() || !onPath(cxx_words_[0]))
      return fail(DiagId::BuildToolFailed, 0, "the C++ compiler `" + cxx_ + "` was not found (set $CXX or pass --cxx)");
    flags_ = {"-std=c++20"};
    if (opts_.release) {
      flags_.insert(flags_.end(), {"-O2", "-DNDEBUG"});
    } else {
      flags_.insert(flags_.end(), {"-O0", "-g"});
    }
    // A dev build's PCH object goes into a shared library (linkPchLibrary), so its code is
    // position-independent, and with it (a PCH and its users agree on it) every unit's.
    if (opts_.dev) flags_.push_back("-fPIC");
    flags_.insert(flags_.end(), {"-I" LUX_RUNTIME_INCLUDE_DIR, "-I" LUX_STDLIB_INCLUDE_DIR});
    return true;
  }

  // clang: a precompiled <lux/stdlib.h> (docs/toolchain.md: parsing the runtime's headers is most
  // of a debug compile), rebuilt when the compiler, the flags or a runtime header change. Leaves
  // pch_key_ empty when there is none (another compiler, or it failed: build without it).
  void precompileHeader() {
    std::error_code ec;
    pch_ = work_ / (opts_.dev ? "lux_stdlib.dev.pch" : "lux_stdlib.pch");
    if (fs::path(cxx_words_[0]).filename().string().find("clang") == std::string::npos) return;
    std::string ids = cxx_ + "\n-fpch-instantiate-templates\n";
    if (opts_.dev) ids += devPchFlagText();
    for (const std::string& f : flags_) ids += f + " ";
    for (const char* inc : {LUX_RUNTIME_INCLUDE_DIR "/lux", LUX_STDLIB_INCLUDE_DIR "/lux"}) {
      std::vector<std::string> headers;
      for (const auto& e : fs::directory_iterator(inc, ec)) headers.push_back(e.path().string());
      std::sort(headers.begin(), headers.end());
      for (const std::string& h : headers) ids += fileIdentity(h) + "\n";
    }
    pch_key_ = hex(fnv1a(ids));
    fs::path pch_key_file = fs::path(pch_.string() + ".key");
    if (fs::exists(pch_, ec) && readFile(pch_key_file) == pch_key_) {
      if (opts_.dev) addPchObject(pch_, pch_key_);
      return;
    }
    auto t_pch = Clock::now();
    Job job;
    job.argv = cxx_words_;
    job.argv.insert(job.argv.end(), flags_.begin(), flags_.end());
    // Templates the header uses are instantiated once in the PCH instead of in every program
    // TU (0.70 → 0.64 s CPU for samples/hello.lux's TU; bench/README.md, build speed).
    job.argv.push_back("-fpch-instantiate-templates");
    if (opts_.dev) job.argv.insert(job.argv.end(), std::begin(kDevPchFlags), std::end(kDevPchFlags));
    job.argv.insert(job.argv.end(), {"-x", "c++-header", LUX_STDLIB_INCLUDE_DIR "/lux/stdlib.h", "-o", pch_.string()});
    job.log = fs::path(pch_.string() + ".log");
    std::vector<Job*> one{&job};
    if (spawn(job, opts_.verbose, err_)) waitAll(one);
    if (job.status == 0) writeFile(pch_key_file, pch_key_);
    else pch_key_.clear();  // build without it
    if (opts_.timings) err_ << "luxc: precompiled header " << static_cast<long>(msSince(t_pch)) << " ms\n";
    if (opts_.dev && !pch_key_.empty()) addPchObject(pch_, pch_key_);
  }

  // --- `luxc dev`'s precompiled headers (BuildOptions::dev) ---
  // Fewer units than this to compile after a header change: they compile without the program
  // header's PCH, rebuilt in the background afterwards (each unit parsing the header costs less
  // than building the PCH first, bench/README.md).
  static constexpr size_t kProgramPchBeforeUnits = 8;
  // -fpch-codegen: the inline functions and template instances of a header are compiled once,
  // into the object of its PCH, instead of into every unit that uses them; -fpch-debuginfo: the
  // same for the debug information of its types. A unit built on such a PCH is linked with its
  // object.
  static constexpr const char* kDevPchFlags[] = {"-fpch-codegen", "-fpch-debuginfo"};
  static std::string devPchFlagText() {
    std::string out;
    for (const char* f : kDevPchFlags) out += std::string(f) + "\n";
    return out;
  }

  // The object of a PCH built with kDevPchFlags, compiled with the units (it is needed only at
  // link time); in the shared library every server links (linkPchLibrary).
  void addPchObject(const fs::path& pch, const std::string& key) {
    std::error_code ec;
    Unit u;
    u.name = pch.filename().string();
    u.src = pch;
    u.obj = fs::path(pch.string() + ".o");
    u.key_file = fs::path(pch.string() + ".o.key");
    u.log = fs::path(pch.string() + ".o.log");
    u.key = key;
    u.server = -3;
    u.fresh = fs::exists(u.obj, ec) && readFile(u.key_file) == u.key;
    pch_objects_.push_back(std::move(u));
  }

  // The objects of the PCHs as one shared library, linked once per PCH instead of into each
  // executable at each link (linking 3 MB of inline functions and their debug information cost
  // ~10 ms of CPU per link, bench/README.md). Written beside and renamed over the last one: a
  // running server keeps the file it mapped.
  bool linkPchLibrary() {
    if (pch_objects_.empty()) return true;
    std::error_code ec;
    fs::path lib = fs::absolute(work_ / "lux_pch.so", ec);
    std::string key;
    for (const Unit& u : pch_objects_) key += u.key;
    key = hex(fnv1a(key + fileIdentity(LUX_DEV_LIBRARY)));
    fs::path key_file = fs::path(lib.string() + ".key");
    if (!(fs::exists(lib, ec) && readFile(key_file) == key)) {
      fs::remove(key_file, ec);
      Job job;
      job.argv = onPath(LUX_CONFIG_CXX) ? std::vector<std::string>{LUX_CONFIG_CXX} : cxx_words_;
      if (std::string(LUX_LINKER_FLAG).size()) job.argv.push_back(LUX_LINKER_FLAG);
      job.argv.insert(job.argv.end(), {"-shared", "-o", lib.string() + ".new"});
      for (const Unit& u : pch_objects_) job.argv.push_back(u.obj.string());
      job.argv.push_back(LUX_DEV_LIBRARY);
      job.log = fs::path(lib.string() + ".log");
      std::vector<Job*> one{&job};
      if (spawn(job, opts_.verbose, err_)) waitAll(one);
      if (job.status != 0)
        return fail(DiagId::BuildToolFailed, 0, "linking `" + lib.string() + "` failed",
                    {"the linker's output is in " + job.log.string()});
      fs::rename(lib.string() + ".new", lib, ec);
      if (ec) return fail(DiagId::BuildToolFailed, 0, "cannot replace `" + lib.string() + "`: " + ec.message());
      writeFile(key_file, key);
    }
    pch_lib_ = lib;
    pch_lib_key_ = key;
    return true;
  }

  // The program header precompiled on top of the runtime's PCH (a chained PCH, without codegen:
  // a unit compiles to the same object with or without it, so it is not in the units' keys).
  // Up to date: the units use it. Out of date (the header changed): built here before the units
  // when many units compile (the first build), else those few compile without it and it is
  // rebuilt in the background after this build (startDeferredPch) for the next one.
  void precompileProgramHeader(const fs::path& header, size_t stale_units) {
    std::error_code ec;
    if (pch_key_.empty()) return;
    std::string flag_text;
    for (const std::string& f : flags_) flag_text += f + " ";
    fs::path pch = fs::absolute(work_ / (stem_ + ".h.pch"), ec);
    std::string key = hex(fnv1a("#pragma once\n" + program_.header, fnv1a(cxx_ + "\n" + flag_text + pch_key_)));
    if (opts_.dev_state) FinishDevBuild(*opts_.dev_state, key);
    fs::path key_file = fs::path(pch.string() + ".key");
    bool fresh = fs::exists(pch, ec) && readFile(key_file) == key;
    if (!fresh) {
      fs::remove(key_file, ec);
      Job job;
      job.argv = cxx_words_;
      job.argv.insert(job.argv.end(), flags_.begin(), flags_.end());
      job.argv.insert(job.argv.end(), {"-include-pch", fs::absolute(pch_, ec).string(), "-fpch-instantiate-templates",
                                       "-x", "c++-header", fs::absolute(header, ec).string(), "-o"});
      job.log = fs::path(pch.string() + ".log");
      if (opts_.dev_state && stale_units < kProgramPchBeforeUnits) {
        job.argv.push_back(pch.string() + ".tmp");
        deferred_pch_ = std::move(job);
        deferred_pch_key_ = key;
        return;
      }
      job.argv.push_back(pch.string());
      auto t_pch = Clock::now();
      std::vector<Job*> one{&job};
      if (spawn(job, opts_.verbose, err_)) waitAll(one);
      if (opts_.timings) err_ << "luxc: precompiled program header " << static_cast<long>(msSince(t_pch)) << " ms\n";
      if (job.status != 0) return;  // the units parse the header themselves
      writeFile(key_file, key);
    }
    prog_pch_ = pch;
  }

  // Starts the deferred rebuild of the program header's PCH (at a lower priority than the servers
  // being started); FinishDevBuild installs it.
  void startDeferredPch() {
    if (deferred_pch_.argv.empty() || !opts_.dev_state) return;
    DevBuildState& st = *opts_.dev_state;
    if (!spawn(deferred_pch_, opts_.verbose, err_)) return;
    setpriority(PRIO_PROCESS, static_cast<id_t>(deferred_pch_.pid), 10);
    st.pch_job = deferred_pch_.pid;
    st.pch_tmp = deferred_pch_.argv.back();
    st.pch = st.pch_tmp.substr(0, st.pch_tmp.size() - 4);
    st.key_file = st.pch + ".key";
    st.key = deferred_pch_key_;
  }

  // The header and every unit (the program's, then each server's main) written to .lux/, each
  // with the key of what its object depends on; `fresh` when the object on disk has that key.
  void writeUnits() {
    std::error_code ec;
    std::string header_name = stem_ + ".h";
    writeFile(work_ / header_name, "#pragma once\n" + program_.header);
    std::optional<HeaderDeps> header_deps;
    if (opts_.dev) header_deps.emplace(program_.header);
    auto addUnit = [&](std::string name, std::string text, int server) {
      Unit u;
      u.name = std::move(name);
      u.text = std::move(text);
      u.server = server;
      units_.push_back(std::move(u));
    };
    for (const EmittedUnit& u : program_.units) addUnit(stem_ + "." + u.name, "#include \"" + header_name + "\"\n" + u.body, u.server);
    first_main_ = units_.size();
    for (const EmittedServer& s : program_.servers) addUnit(s.executable + ".main", s.main_cpp, -2);
    std::string flag_text;
    for (const std::string& f : flags_) flag_text += f + " ";
    for (Unit& u : units_) {
      u.src = work_ / (u.name + ".cpp");
      u.obj = work_ / (u.name + ".o");
      u.key_file = work_ / (u.name + ".o.key");
      u.log = work_ / (u.name + ".log");
      writeFile(u.src, u.text);
      bool with_pch = !pch_key_.empty() && u.server != -2;
      // A dev build keys a unit on the parts of the header it uses: an edit to one shared type
      // recompiles the units that use the type, not every unit.
      std::string header = u.server == -2 ? "" : header_deps ? header_deps->UsedBy(u.text) : program_.header;
      std::string deps = cxx_ + "\n" + flag_text + (with_pch ? pch_key_ : "") + header;
      u.key = hex(fnv1a(u.text, fnv1a(deps)));
      u.fresh = fs::exists(u.obj, ec) && readFile(u.key_file) == u.key;
    }
    if (opts_.dev) {
      size_t stale = 0;
      for (const Unit& u : units_) stale += u.fresh || u.server == -2 ? 0 : 1;
      precompileProgramHeader(work_ / header_name, stale);
    }
  }

  // Compile what changed, in parallel. A failure is E5002 at the .lux line of the first error.
  bool compileUnits() {
    std::error_code ec;
    auto t_compile = Clock::now();
    std::vector<Job*> running;
    std::vector<Unit*> todo;
    for (Unit& u : units_) todo.push_back(&u);
    for (Unit& u : pch_objects_) todo.push_back(&u);
    for (Unit* up : todo) {
      Unit& u = *up;
      if (u.fresh) continue;
      fs::remove(u.key_file, ec);
      u.job.argv = cxx_words_;
      u.job.argv.insert(u.job.argv.end(), flags_.begin(), flags_.end());
      if (!pch_key_.empty() && u.server >= -1)
        u.job.argv.insert(u.job.argv.end(), {"-include-pch", (prog_pch_.empty() ? pch_ : prog_pch_).string()});
      u.job.argv.insert(u.job.argv.end(), {"-c", u.src.string(), "-o", u.obj.string()});
      u.job.log = u.log;
      if (!spawn(u.job, opts_.verbose, err_)) return fail(DiagId::BuildToolFailed, 0, "cannot run `" + cxx_ + "`");
      running.push_back(&u.job);
    }
    waitAll(running);
    compile_ms_ = msSince(t_compile);
    for (Unit* up : todo) {
      Unit& u = *up;
      if (u.fresh) continue;
      if (u.job.status != 0) {
        std::string log = readFile(u.log);
        uint32_t line = 0;
        std::string message;
        bool at_lux = firstLuxError(log, lux_abs_.string(), line, message);
        std::vector<std::string> notes;
        if (at_lux) notes.push_back("the C++ compiler said: " + message);
        notes.push_back("the compiler's full output is in " + u.log.string());
        return fail(DiagId::BuildCompilerFailed, line, cxx_ + " exited with status " + std::to_string(u.job.status), notes);
      }
      writeFile(u.key_file, u.key);
    }
    return true;
  }

  // Link one executable per server: its main, the shared units and its own units. With the
  // compiler that built the runtime (its libstdc++ is the runtime's; the gcc driver also starts
  // in a few ms where clang++'s takes ~80, bench/README.md).
  bool linkServers() {
    auto t_link = Clock::now();
    planLinks();
    std::vector<Job*> linking;
    for (LinkJob& l : links_) {
      if (!spawn(l.job, opts_.verbose, err_)) return fail(DiagId::BuildToolFailed, 0, "cannot run `" + cxx_ + "`");
      linking.push_back(&l.job);
    }
    waitAll(linking);
    for (LinkJob& l : links_) {
      std::error_code ec;
      if (l.job.status != 0) {
        return fail(DiagId::BuildToolFailed, 0,
                    "linking `" + l.exe + "` failed (" + cxx_ + " exited with status " + std::to_string(l.job.status) + ")",
                    {"the linker's output is in " + l.job.log.string()});
      }
      fs::rename(l.exe + ".new", l.exe, ec);
      if (ec) return fail(DiagId::BuildToolFailed, 0, "cannot replace `" + l.exe + "`: " + ec.message());
      writeFile(l.key_file, l.key);
    }
    link_ms_ = msSince(t_link);
    return true;
  }

  // A link job for each server whose executable is out of date (its key: its objects' keys, the
  // runtime libraries, the link driver and the build type); every server goes into result_.
  void planLinks() {
    std::error_code ec;
    std::vector<std::string> libs;
    if (opts_.release) {
      libs = splitList(LUX_LINK_LIBRARIES);
    } else {
      libs = {LUX_DEV_LIBRARY, "-Wl,-rpath," + fs::path(LUX_DEV_LIBRARY).parent_path().string()};
    }
    std::string lib_ids;
    for (const std::string& l : libs) lib_ids += (l[0] == '/' ? fileIdentity(l) : l) + "\n";
    std::vector<std::string> link_flags;
    if (std::string(LUX_LINKER_FLAG).size()) link_flags.push_back(LUX_LINKER_FLAG);
    std::vector<std::string> link_driver = onPath(LUX_CONFIG_CXX) ? std::vector<std::string>{LUX_CONFIG_CXX} : cxx_words_;
    std::string link_driver_text;
    for (const std::string& w : link_driver) link_driver_text += w + " ";
    for (size_t i = 0; i < program_.servers.size(); ++i) {
      const EmittedServer& s = program_.servers[i];
      LinkJob l;
      l.exe = (dir_ / s.executable).string();
      l.key_file = work_ / (s.executable + ".key");
      std::vector<std::string> objs{units_[first_main_ + i].obj.string()};
      std::string keys = units_[first_main_ + i].key;
      for (size_t k = 0; k < first_main_; ++k) {
        if (units_[k].server != -1 && units_[k].server != static_cast<int>(i)) continue;
        objs.push_back(units_[k].obj.string());
        keys += units_[k].key;
      }
      if (!pch_lib_.empty()) {
        objs.insert(objs.end(), {pch_lib_.string(), "-Wl,-rpath," + pch_lib_.parent_path().string()});
        keys += pch_lib_key_;
      }
      l.key = hex(fnv1a(keys + lib_ids + link_driver_text + (opts_.release ? "release" : "debug")));
      result_.servers.push_back({s.name, l.exe, s.port});
      if (fs::exists(l.exe, ec) && readFile(l.key_file) == l.key) continue;
      fs::remove(l.key_file, ec);
      l.job.argv = link_driver;
      l.job.argv.insert(l.job.argv.end(), link_flags.begin(), link_flags.end());
      // Linked beside and renamed over the executable: a server still running the old one (luxc
      // dev) keeps its file, and a failed link leaves the last good executable in place.
      l.job.argv.insert(l.job.argv.end(), {"-o", l.exe + ".new"});
      l.job.argv.insert(l.job.argv.end(), objs.begin(), objs.end());
      l.job.argv.insert(l.job.argv.end(), libs.begin(), libs.end());
      l.job.argv.push_back("-pthread");
      l.job.log = work_ / (s.executable + ".link.log");
      links_.push_back(std::move(l));
    }
  }

  void printTimings(Clock::time_point t0) {
    size_t compiled = 0;
    for (const Unit& u : units_) compiled += u.fresh ? 0 : 1;
    err_ << "luxc: front end " << static_cast<long>(fe_ms_) << " ms, compile " << static_cast<long>(compile_ms_)
         << " ms (" << compiled << " of " << units_.size() << " units), link " << static_cast<long>(link_ms_) << " ms ("
         << links_.size() << " executables), total " << static_cast<long>(msSince(t0)) << " ms\n";
  }

  const BuildOptions& opts_;
  DriverOptions dopts_;
  BuildResult& result_;
  std::ostream& out_;
  std::ostream& err_;
  EmittedProgram program_;
  fs::path lux_abs_, dir_, work_, pch_;
  std::string stem_, cxx_, pch_key_;
  std::vector<std::string> cxx_words_, flags_;
  std::vector<Unit> units_;
  std::vector<Unit> pch_objects_;  // dev: the objects of the PCHs (in pch_lib_)
  fs::path pch_lib_;               // dev: the shared library of pch_objects_
  std::string pch_lib_key_;
  fs::path prog_pch_;              // dev: the program header's PCH, when up to date
  Job deferred_pch_;               // dev: its rebuild, started after this build
  std::string deferred_pch_key_;
  size_t first_main_ = 0;  // units_[first_main_ + i] is server i's main
  std::vector<LinkJob> links_;
  double fe_ms_ = 0, compile_ms_ = 0, link_ms_ = 0;
};

}  // namespace

void FinishDevBuild(DevBuildState& state, const std::string& wanted) {
  if (state.pch_job <= 0) return;
  if (wanted.empty() || wanted != state.key) kill(state.pch_job, SIGKILL);
  int st = 0;
  while (waitpid(state.pch_job, &st, 0) < 0 && errno == EINTR) {
  }
  state.pch_job = -1;
  std::error_code ec;
  if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
    fs::rename(state.pch_tmp, state.pch, ec);
    if (!ec) writeFile(state.key_file, state.key);
  } else {
    fs::remove(state.pch_tmp, ec);
  }
}

int buildProgram(const BuildOptions& opts, const DriverOptions& dopts, BuildResult& result, std::ostream& out,
                 std::ostream& err) {
  return BuildRun(opts, dopts, result, out, err).run();
}

}  // namespace lux
