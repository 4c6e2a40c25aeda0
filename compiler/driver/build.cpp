// buildProgram: front end + emit, then the C++ compiler. Layout of the output directory:
//   DIR/<stem>[-<server>]            the executables
//   DIR/.lux/<stem>.h                the program header every unit includes
//   DIR/.lux/<stem>.<unit>.cpp       the program's translation units (shared, then per server)
//   DIR/.lux/<exe>.main.cpp          each server's main
//   DIR/.lux/<stem>.h.pch            the program header precompiled on top of <lux/stdlib.h>'s
//   DIR/.lux/<stem>.batch.<unit>.*   units compiled together (a cold build: about one batch per job)
//   DIR/.lux/*.o, *.key, *.log       objects, their cache keys, the compiler's output
//   DIR/.lux/lux_stdlib.dev.pch.o, lux_pch.so  `luxc dev` only: the code of the runtime's PCH
// A translation unit is recompiled only when the hash of its text + the header + compiler + flags
// changed; a batch object serves while all its units keep their keys (its .o.key lists them); an
// executable (its main, the shared units and its own units) is relinked only when its objects or
// the runtime libraries changed. Debug builds link the runtime as one shared
// library (liblux_dev.so, found through an rpath into luxc's build tree); --release links the
// static libraries and gives self-contained executables.
// A compiler failure on a checked program is an internal error (E5002) pointing at the .lux
// line of the first C++ error (the generated code carries #line directives).
#include "driver/build.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>

#include "driver/build_config.h"
#include "driver/dev_prelude.h"
#include "driver/header_deps.h"
#include "driver/pch_store.h"

extern char** environ;

namespace lux {
namespace fs = std::filesystem;

namespace {

// Shared stdlib PCHs kept (PruneSharedPchs): a few compilers or runtime versions in turn.
constexpr size_t kKeptPchs = 4;

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

// How many compiler runs at once: $LUX_BUILD_JOBS, else the CPUs this process may run on.
int jobLimit() {
  if (const char* e = std::getenv("LUX_BUILD_JOBS"); e && std::atoi(e) > 0) return std::atoi(e);
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) return CPU_COUNT(&set);
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? static_cast<int>(n) : 1;
}

// The jobserver of a parent make (`MAKEFLAGS` with `--jobserver-auth=R,W`, GNU make 4.3's pipe,
// or `--jobserver-auth=fifo:PATH`, 4.4's named pipe): each compiler run beyond the first takes a
// token from it, and every token goes back when the runs end, so that `make -jN` bounds luxc's
// runs together with its own. Inactive without one, or when its descriptors were not passed down
// (a recipe make does not consider recursive): then only the job limit applies.
class JobServer {
 public:
  JobServer() {
    const char* flags = std::getenv("MAKEFLAGS");
    if (!flags) return;
    std::string text = flags;
    size_t at = text.rfind("--jobserver-auth=");
    if (at == std::string::npos) return;
    std::string auth = text.substr(at + 17);
    auth = auth.substr(0, auth.find(' '));
    if (auth.rfind("fifo:", 0) == 0) {
      std::string path = auth.substr(5);
      read_fd_ = open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
      write_fd_ = read_fd_ < 0 ? -1 : open(path.c_str(), O_WRONLY | O_CLOEXEC);
      own_write_ = true;
    } else {
      int r = -1, w = -1;
      if (std::sscanf(auth.c_str(), "%d,%d", &r, &w) != 2 || !isPipe(r) || !isPipe(w)) return;
      // A description of our own, non-blocking, so that a try does not change make's.
      read_fd_ = open(("/proc/self/fd/" + std::to_string(r)).c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
      write_fd_ = w;
    }
    if (read_fd_ < 0 || write_fd_ < 0) close();
  }
  ~JobServer() {
    releaseAll();
    close();
  }
  bool active() const { return read_fd_ >= 0; }
  size_t held() const { return held_.size(); }
  bool tryAcquire() {
    char c;
    if (!active() || read(read_fd_, &c, 1) != 1) return false;
    held_.push_back(c);
    return true;
  }
  void releaseAll() {
    for (char c : held_)
      while (write(write_fd_, &c, 1) < 0 && errno == EINTR) {
      }
    held_.clear();
  }

 private:
  static bool isPipe(int fd) {
    struct stat st {};
    return fd >= 0 && fcntl(fd, F_GETFD) >= 0 && fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode);
  }
  void close() {
    if (read_fd_ >= 0) ::close(read_fd_);
    if (own_write_ && write_fd_ >= 0) ::close(write_fd_);
    read_fd_ = write_fd_ = -1;
  }
  int read_fd_ = -1, write_fd_ = -1;
  bool own_write_ = false;
  std::string held_;
};

// Runs the jobs at most `limit` at a time, and with a parent make's jobserver only as many as
// it gives tokens for (plus the one luxc holds as make's child); in order, a free slot going to
// the next job when the oldest running one ends. False when a job could not be started (the
// started ones are waited for).
bool runJobs(const std::vector<Job*>& jobs, int limit, bool verbose, std::ostream& err) {
  static JobServer jobserver;
  std::deque<Job*> running;
  bool started_all = true;
  auto waitOldest = [&] {
    std::vector<Job*> one{running.front()};
    running.pop_front();
    waitAll(one);
  };
  for (Job* j : jobs) {
    while (static_cast<int>(running.size()) >= limit) waitOldest();
    if (jobserver.active() && running.size() >= 1 + jobserver.held() && !jobserver.tryAcquire()) waitOldest();
    if (!spawn(*j, verbose, err)) {
      started_all = false;
      break;
    }
    running.push_back(j);
  }
  while (!running.empty()) waitOldest();
  jobserver.releaseAll();
  return started_all;
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
    if (opts_.dev && !pch_key_.empty()) addPchObject();
    writeUnits();
    planBatches();
    precompileProgramHeader();
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
    int server = -1;  // -1: shared code, linked into every server; -2: a server's main; -3: a PCH's code
    bool standalone = false;  // includes nothing: compiled without the header and the PCHs (EmittedUnit)
    fs::path src, obj, key_file, log;
    std::string key;
    bool fresh = false;  // nothing to compile: its own object, or a batch's, has its key
    int batch = -1;      // index into batches_ when a batch's object holds it
    Job job;
  };
  // Units compiled in one compiler run into one object: consecutive units of one server (or of
  // the shared code), never a main. Its list (`key_file`: the batch's key, then one line
  // `UNIT-NAME UNIT-KEY` per unit) says what the object holds.
  struct Batch {
    std::string name;
    std::vector<size_t> units;  // indexes into units_
    fs::path src, obj, key_file, log;
    std::string key, list;
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
    // A dev build's PCH code goes into a shared library (linkPchLibrary), so it is
    // position-independent, and with it (a PCH and its users agree on it) every unit.
    if (opts_.dev) flags_.push_back("-fPIC");
    flags_.insert(flags_.end(), {"-I" LUX_RUNTIME_INCLUDE_DIR, "-I" LUX_STDLIB_INCLUDE_DIR});
    for (const std::string& f : flags_) flag_text_ += f + " ";
    jobs_ = jobLimit();
    return true;
  }

  // clang: a precompiled <lux/stdlib.h> (docs/toolchain.md: parsing the runtime's headers is most
  // of a debug compile), keyed on the compiler (its command and its executables), the flags and
  // the runtime's headers. One PCH serves every output directory of this luxc: it lives in
  // $LUX_PCH_DIR, else <luxc's build tree>/pch, one directory per key (the kKeptPchs used last
  // are kept), held by a PchLease until the build ends so that no concurrent luxc prunes it
  // (pch_store.h); in the output directory when that one cannot be written. Leaves pch_key_
  // empty when there is none (another compiler, or it failed: build without it). A dev build's
  // PCH also carries the code of the header's inline functions (kDevPchFlags), and is built from
  // dev_prelude.h: <lux/stdlib.h> plus the template instances most units use.
  void precompileHeader() {
    std::error_code ec;
    pch_ = work_ / (opts_.dev ? "lux_stdlib.dev.pch" : "lux_stdlib.pch");
    if (fs::path(cxx_words_[0]).filename().string().find("clang") == std::string::npos) return;
    std::string ids = cxx_ + "\n-fpch-instantiate-templates\n";
    if (opts_.dev) ids += devPchFlagText() + driver::kDevPrelude;
    for (const std::string& f : flags_) ids += f + " ";
    for (const std::string& w : cxx_words_) ids += fileIdentity(resolve(w)) + "\n";
    for (const char* inc : {LUX_RUNTIME_INCLUDE_DIR "/lux", LUX_STDLIB_INCLUDE_DIR "/lux"}) {
      std::vector<std::string> headers;
      for (const auto& e : fs::directory_iterator(inc, ec)) headers.push_back(e.path().string());
      std::sort(headers.begin(), headers.end());
      for (const std::string& h : headers) ids += fileIdentity(h) + "\n";
    }
    pch_key_ = hex(fnv1a(ids));
    const char* env = std::getenv("LUX_PCH_DIR");
    fs::path shared_root = env && *env ? fs::path(env) : fs::path(LUX_PCH_CACHE_DIR);
    fs::path shared = shared_root / pch_key_;
    pch_lease_ = PchLease::Acquire(shared_root, pch_key_);
    bool in_shared = pch_lease_.has_value();
    if (in_shared && fs::exists(shared / "lux_stdlib.pch", ec)) {
      pch_ = fs::absolute(shared / "lux_stdlib.pch", ec);
      fs::last_write_time(shared, fs::file_time_type::clock::now(), ec);  // used: kept longest
      return;
    }
    fs::path pch_key_file = pch_.string() + ".key";
    if (!in_shared && fs::exists(pch_, ec) && readFile(pch_key_file) == pch_key_) return;
    // Written beside its place and linked there: a build running at the same time sees no
    // half-written PCH, and a PCH in place is never replaced (a program PCH built on it names
    // it; when two builds make it at once, the second uses the first one's).
    fs::path target = in_shared ? fs::absolute(shared / "lux_stdlib.pch", ec) : pch_;
    fs::path partial = target.string() + "." + std::to_string(getpid()) + ".partial";
    auto t_pch = Clock::now();
    Job job;
    job.argv = cxx_words_;
    job.argv.insert(job.argv.end(), flags_.begin(), flags_.end());
    // Templates the header uses are instantiated once in the PCH instead of in every program
    // TU (0.70 → 0.64 s CPU for samples/hello.lux's TU; bench/README.md, build speed).
    job.argv.push_back("-fpch-instantiate-templates");
    if (opts_.dev) job.argv.insert(job.argv.end(), std::begin(kDevPchFlags), std::end(kDevPchFlags));
    std::string header = LUX_STDLIB_INCLUDE_DIR "/lux/stdlib.h";
    if (opts_.dev) {
      header = (target.parent_path() / "lux_dev_prelude.h").string();
      if (!placeDevPrelude(header)) {
        pch_key_.clear();  // build without a PCH
        return;
      }
    }
    job.argv.insert(job.argv.end(), {"-x", "c++-header", header, "-o", partial.string()});
    job.log = pch_.string() + ".log";
    std::vector<Job*> one{&job};
    if (spawn(job, opts_.verbose, err_)) waitAll(one);
    bool placed = false;
    if (job.status == 0 && in_shared) {
      placed = link(partial.c_str(), target.c_str()) == 0 || errno == EEXIST;
      fs::remove(partial, ec);
    } else if (job.status == 0) {
      fs::rename(partial, target, ec);
      placed = !ec;
    }
    if (!placed) {
      fs::remove(partial, ec);
      pch_key_.clear();  // build without it
    } else if (in_shared) {
      pch_ = target;
      PruneSharedPchs(shared_root, kKeptPchs);
    } else {
      writeFile(pch_key_file, pch_key_);
    }
    if (opts_.timings) err_ << "luxc: precompiled header " << static_cast<long>(msSince(t_pch)) << " ms\n";
  }

  // The dev PCH's header (dev_prelude.h) at `path`, beside the PCH built from it. Its text is in
  // the PCH's key, so a file already there with that text is left alone (clang checks that a
  // PCH's input files did not change since); a new one is written under a temporary name and
  // renamed into place, so that a concurrent build never reads half of it.
  bool placeDevPrelude(const std::string& path) const {
    std::error_code ec;
    if (fs::exists(path, ec) && readFile(path) == driver::kDevPrelude) return true;
    std::string tmp = path + "." + std::to_string(getpid()) + ".partial";
    {
      std::ofstream out(tmp, std::ios::binary);
      out << driver::kDevPrelude;
      if (!out.flush()) return false;
    }
    fs::rename(tmp, path, ec);
    if (ec) fs::remove(tmp, ec);
    return !ec;
  }

  // A command word as the PATH search finds it (itself when not found).
  static std::string resolve(const std::string& word) {
    if (word.find('/') != std::string::npos) return word;
    const char* path = std::getenv("PATH");
    std::stringstream ss(path ? path : "");
    std::string dir;
    while (std::getline(ss, dir, ':'))
      if (!dir.empty() && access((dir + "/" + word).c_str(), X_OK) == 0) return dir + "/" + word;
    return word;
  }

  // The header and every unit (the program's, then each server's main) written to .lux/, each
  // with the key of what its object depends on; `fresh` when the object on disk has that key.
  void writeUnits() {
    std::error_code ec;
    std::string header_name = stem_ + ".h";
    writeFile(work_ / header_name, "#pragma once\n" + program_.header);
    std::optional<HeaderDeps> header_deps;
    if (opts_.dev) header_deps.emplace(program_.header);
    auto addUnit = [&](std::string name, std::string text, int server, bool standalone) {
      Unit u;
      u.name = std::move(name);
      u.text = std::move(text);
      u.server = server;
      u.standalone = standalone;
      units_.push_back(std::move(u));
    };
    for (const EmittedUnit& u : program_.units)
      addUnit(stem_ + "." + u.name, (u.standalone ? "" : "#include \"" + header_name + "\"\n") + u.body, u.server, u.standalone);
    first_main_ = units_.size();
    for (const EmittedServer& s : program_.servers) addUnit(s.executable + ".main", s.main_cpp, -2, false);
    const std::string& flag_text = flag_text_;
    for (Unit& u : units_) {
      u.src = work_ / (u.name + ".cpp");
      u.obj = work_ / (u.name + ".o");
      u.key_file = work_ / (u.name + ".o.key");
      u.log = work_ / (u.name + ".log");
      writeFile(u.src, u.text);
      bool with_pch = !pch_key_.empty() && usesHeader(u);
      // A dev build keys a unit on the parts of the header it uses: an edit to one shared type
      // recompiles the units that use the type, not every unit.
      std::string header = !usesHeader(u) ? "" : header_deps ? header_deps->UsedBy(u.text) : program_.header;
      std::string deps = cxx_ + "\n" + flag_text + (with_pch ? pch_key_ : "") + header;
      u.key = hex(fnv1a(u.text, fnv1a(deps)));
      u.fresh = fs::exists(u.obj, ec) && readFile(u.key_file) == u.key;
    }
  }

  // clang: the program header precompiled on top of the <lux/stdlib.h> PCH, so that each unit
  // loads it instead of parsing it and instantiating again what its records use (bench/README.md,
  // build speed). It carries no code: a unit compiles to the same object with or without it, so
  // it is not in the units' keys. Rebuilt when the header or the stdlib PCH changes, and only
  // when a unit is to be compiled; when it fails, the units use the stdlib PCH alone. `luxc dev`
  // (dev_state): when fewer than kProgramPchBeforeUnits units are to be compiled, they compile
  // without it and it is rebuilt in the background after this build (startDeferredPch) for the
  // next one.
  void precompileProgramHeader() {
    if (pch_key_.empty()) return;
    size_t stale = 0;
    for (size_t i = 0; i < first_main_; ++i) stale += units_[i].fresh ? 0 : 1;
    if (stale == 0) return;
    std::error_code ec;
    fs::path pch = fs::absolute(work_ / (stem_ + ".h.pch"), ec);
    fs::path key_file = pch.string() + ".key";
    // The PCH it builds on is named by its absolute path (clang records the path as given, and a
    // later build may run from another directory); a rebuilt one needs a rebuilt program PCH.
    fs::path base = fs::absolute(pch_, ec);
    std::string key =
        hex(fnv1a(program_.header, fnv1a(cxx_ + "\n" + flag_text_ + pch_key_ + fileIdentity(base.string()))));
    if (opts_.dev_state) FinishDevBuild(*opts_.dev_state, key);
    if (fs::exists(pch, ec) && readFile(key_file) == key) {
      program_pch_ = pch;
      return;
    }
    fs::remove(key_file, ec);
    Job job;
    job.argv = cxx_words_;
    job.argv.insert(job.argv.end(), flags_.begin(), flags_.end());
    job.argv.insert(job.argv.end(), {"-include-pch", base.string(), "-fpch-instantiate-templates", "-x", "c++-header",
                                     fs::absolute(work_ / (stem_ + ".h"), ec).string(), "-o"});
    job.log = pch.string() + ".log";
    if (opts_.dev_state && stale < kProgramPchBeforeUnits) {
      job.argv.push_back(pch.string() + ".tmp");
      deferred_pch_ = std::move(job);
      deferred_pch_key_ = key;
      return;
    }
    job.argv.push_back(pch.string());
    auto t_pch = Clock::now();
    std::vector<Job*> one{&job};
    if (spawn(job, opts_.verbose, err_)) waitAll(one);
    if (job.status == 0) {
      writeFile(key_file, key);
      program_pch_ = pch;
    }
    if (opts_.timings) err_ << "luxc: program header " << static_cast<long>(msSince(t_pch)) << " ms\n";
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

  // The code of the runtime's PCH (built with kDevPchFlags, possibly shared by several output
  // directories): its object, compiled in this output directory with the units (it is needed only
  // at link time), into the shared library every server links (linkPchLibrary).
  void addPchObject() {
    std::error_code ec;
    Unit u;
    u.name = "lux_stdlib.dev.pch";
    u.src = fs::absolute(pch_, ec);
    u.obj = work_ / (u.name + ".o");
    u.key_file = work_ / (u.name + ".o.key");
    u.log = work_ / (u.name + ".o.log");
    u.key = pch_key_;
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
    fs::path key_file = lib.string() + ".key";
    if (!(fs::exists(lib, ec) && readFile(key_file) == key)) {
      fs::remove(key_file, ec);
      Job job;
      job.argv = onPath(LUX_CONFIG_CXX) ? std::vector<std::string>{LUX_CONFIG_CXX} : cxx_words_;
      if (std::string(LUX_LINKER_FLAG).size()) job.argv.push_back(LUX_LINKER_FLAG);
      job.argv.insert(job.argv.end(), {"-shared", "-o", lib.string() + ".new"});
      for (const Unit& u : pch_objects_) job.argv.push_back(u.obj.string());
      job.argv.push_back(LUX_DEV_LIBRARY);
      job.log = lib.string() + ".log";
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

  // Which object holds each unit: its own, a batch's whose units all kept their keys, or a new
  // batch's. A batch some of whose units changed is removed; the others are compiled together
  // again. With batch_cold_units, the units never compiled in this directory are compiled a few
  // per compiler run: each run pays the compiler's start, loading the PCHs and instantiating the
  // templates its code uses, which neighbouring units share; a batch pays them once. The cold
  // units of a server (or of the shared code) make about jobs_ * their share of all cold units
  // batches, so that the batches still fill the parallel jobs. An edited unit is compiled alone.
  void planBatches() {
    std::error_code ec;
    std::map<std::string, size_t> by_name;
    for (size_t i = 0; i < first_main_; ++i) by_name[units_[i].name] = i;
    std::map<size_t, int> leftover;  // unit → the removed batch in which it kept its key
    std::set<std::string> known;     // units some batch of this directory held
    const std::string prefix = stem_ + ".batch.";
    std::vector<fs::path> lists;
    for (const auto& e : fs::directory_iterator(work_, ec)) {
      std::string f = e.path().filename().string();
      if (f.rfind(prefix, 0) == 0 && f.size() > 6 && f.compare(f.size() - 6, 6, ".o.key") == 0) lists.push_back(e.path());
    }
    std::sort(lists.begin(), lists.end());
    int removed = 0;
    for (const fs::path& list : lists) {
      std::string file = list.filename().string();
      Batch b = makeBatch(file.substr(0, file.size() - 6));
      std::istringstream in(readFile(list));
      std::string key, name, unit_key;
      std::getline(in, key);
      bool valid = fs::exists(b.obj, ec);
      while (in >> name >> unit_key) {
        known.insert(name);
        auto it = by_name.find(name);
        if (it == by_name.end() || units_[it->second].key != unit_key || units_[it->second].batch >= 0) {
          valid = false;
          continue;
        }
        b.units.push_back(it->second);
      }
      if (valid && !b.units.empty()) {
        b.fresh = true;
        b.key = key;
        for (size_t u : b.units) {
          units_[u].batch = static_cast<int>(batches_.size());
          units_[u].fresh = true;
        }
        batches_.push_back(std::move(b));
        continue;
      }
      for (const fs::path& f : {list, b.obj, b.src, b.log}) fs::remove(f, ec);
      for (size_t u : b.units)
        if (!units_[u].fresh) leftover[u] = removed;
      ++removed;
    }
    if (!opts_.batch_cold_units) return;
    std::map<std::pair<int, int>, std::vector<size_t>> groups;  // (0, removed batch) or (1, server)
    size_t cold = 0;
    for (size_t i = 0; i < first_main_; ++i) {
      const Unit& u = units_[i];
      if (u.fresh) continue;
      if (auto it = leftover.find(i); it != leftover.end()) {
        groups[{0, it->second}].push_back(i);
      } else if (!known.count(u.name) && !fs::exists(u.obj, ec)) {
        groups[{1, u.server}].push_back(i);
        ++cold;
      }
    }
    for (const auto& [group, members] : groups) {
      size_t parts = 1;
      if (group.first == 1)
        parts = std::min(members.size(), (members.size() * static_cast<size_t>(jobs_) + cold - 1) / cold);
      for (size_t p = 0; p < parts; ++p) {
        size_t from = members.size() * p / parts, to = members.size() * (p + 1) / parts;
        if (to - from < 2) continue;  // one unit: compiled alone, as an edited one
        Batch b = makeBatch(prefix + units_[members[from]].name.substr(stem_.size() + 1));
        // The compiler's output goes where its first unit's would: a failure names the same log
        // whether or not the unit was batched (which depends on the machine's CPUs).
        b.log = units_[members[from]].log;
        std::string text;
        for (size_t k = from; k < to; ++k) {
          const Unit& u = units_[members[k]];
          b.units.push_back(members[k]);
          text += u.text;
          b.list += u.name + " " + u.key + "\n";
        }
        b.key = hex(fnv1a(b.list));
        b.list = b.key + "\n" + b.list;
        writeFile(b.src, text);
        for (size_t u : b.units) units_[u].batch = static_cast<int>(batches_.size());
        batches_.push_back(std::move(b));
      }
    }
  }

  // Whether a unit includes the program header (and so is compiled on the PCHs): not a server's
  // main, nor a standalone unit.
  static bool usesHeader(const Unit& u) { return u.server != -2 && !u.standalone; }

  Batch makeBatch(const std::string& name) const {
    Batch b;
    b.name = name;
    b.src = work_ / (name + ".cpp");
    b.obj = work_ / (name + ".o");
    b.key_file = work_ / (name + ".o.key");
    b.log = work_ / (name + ".log");
    return b;
  }

  void compileCommand(Job& job, const fs::path& src, const fs::path& obj, bool with_pch) const {
    job.argv = cxx_words_;
    job.argv.insert(job.argv.end(), flags_.begin(), flags_.end());
    if (!pch_key_.empty() && with_pch)
      job.argv.insert(job.argv.end(), {"-include-pch", (program_pch_.empty() ? pch_ : program_pch_).string()});
    job.argv.insert(job.argv.end(), {"-c", src.string(), "-o", obj.string()});
  }

  // Compile what changed (each unit alone or in its batch), jobs_ at a time, the largest first
  // (a large one started last keeps the build waiting on one job), the standalone ones last. A failure is E5002 at the
  // .lux line of the first error.
  bool compileUnits() {
    std::error_code ec;
    auto t_compile = Clock::now();
    std::vector<std::pair<size_t, Job*>> sized;
    for (Batch& b : batches_) {
      if (b.fresh) continue;
      fs::remove(b.key_file, ec);
      compileCommand(b.job, b.src, b.obj, true);
      b.job.log = b.log;
      size_t size = 0;
      for (size_t u : b.units) size += units_[u].text.size();
      sized.emplace_back(size, &b.job);
    }
    for (Unit& u : units_) {
      if (u.fresh || u.batch >= 0) continue;
      fs::remove(u.key_file, ec);
      compileCommand(u.job, u.src, u.obj, usesHeader(u));
      u.job.log = u.log;
      // A standalone unit (an OpenAPI document: a long string, nothing included) is the cheapest
      // to compile whatever its length (16 ms of CPU against 50 for a small unit on the PCHs).
      sized.emplace_back(u.standalone ? 0 : u.text.size(), &u.job);
    }
    for (Unit& u : pch_objects_) {  // the largest: started first
      if (u.fresh) continue;
      fs::remove(u.key_file, ec);
      compileCommand(u.job, u.src, u.obj, false);
      u.job.log = u.log;
      sized.emplace_back(SIZE_MAX, &u.job);
    }
    std::stable_sort(sized.begin(), sized.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    std::vector<Job*> jobs;
    for (const auto& [size, job] : sized) jobs.push_back(job);
    compiler_runs_ = jobs.size();
    if (!runJobs(jobs, jobs_, opts_.verbose, err_)) return fail(DiagId::BuildToolFailed, 0, "cannot run `" + cxx_ + "`");
    compile_ms_ = msSince(t_compile);
    // The first failure in the units' order (not the order the jobs ran in).
    std::vector<Unit*> compiled;
    for (Unit& u : pch_objects_) compiled.push_back(&u);
    for (Unit& u : units_) compiled.push_back(&u);
    for (Unit* up : compiled) {
      Unit& u = *up;
      if (u.fresh) continue;
      Job* j = u.batch >= 0 ? &batches_[u.batch].job : &u.job;
      if (j->status == 0) continue;
      std::string log = readFile(j->log);
      uint32_t line = 0;
      std::string message;
      bool at_lux = firstLuxError(log, lux_abs_.string(), line, message);
      std::vector<std::string> notes;
      if (at_lux) notes.push_back("the C++ compiler said: " + message);
      notes.push_back("the compiler's full output is in " + j->log.string());
      return fail(DiagId::BuildCompilerFailed, line, cxx_ + " exited with status " + std::to_string(j->status), notes);
    }
    for (Batch& b : batches_)
      if (!b.fresh) writeFile(b.key_file, b.list);
    for (Unit* u : compiled)
      if (!u->fresh && u->batch < 0) writeFile(u->key_file, u->key);
    return true;
  }

  // Link one executable per server: its main, the shared units and its own units. With the
  // compiler that built the runtime (its libstdc++ is the runtime's; the gcc driver also starts
  // in a few ms where clang++'s takes ~80, bench/README.md).
  bool linkServers() {
    auto t_link = Clock::now();
    planLinks();
    std::vector<Job*> linking;
    for (LinkJob& l : links_) linking.push_back(&l.job);
    if (!runJobs(linking, jobs_, opts_.verbose, err_)) return fail(DiagId::BuildToolFailed, 0, "cannot run `" + cxx_ + "`");
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
      std::set<int> linked_batches;
      for (size_t k = 0; k < first_main_; ++k) {
        const Unit& u = units_[k];
        if (u.server != -1 && u.server != static_cast<int>(i)) continue;
        if (u.batch < 0) {
          objs.push_back(u.obj.string());
          keys += u.key;
        } else if (linked_batches.insert(u.batch).second) {
          objs.push_back(batches_[u.batch].obj.string());
          keys += batches_[u.batch].key;
        }
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
         << " ms (" << compiled << " of " << units_.size() << " units) in " << compiler_runs_ << " compiler run"
         << (compiler_runs_ == 1 ? "" : "s") << " (" << jobs_ << " at a time), link " << static_cast<long>(link_ms_) << " ms ("
         << links_.size() << " executables), total " << static_cast<long>(msSince(t0)) << " ms\n";
  }

  const BuildOptions& opts_;
  DriverOptions dopts_;
  BuildResult& result_;
  std::ostream& out_;
  std::ostream& err_;
  EmittedProgram program_;
  fs::path lux_abs_, dir_, work_, pch_, program_pch_;
  std::optional<PchLease> pch_lease_;  // the shared stdlib PCH held in use while this build runs
  std::string stem_, cxx_, pch_key_, flag_text_;
  std::vector<std::string> cxx_words_, flags_;
  int jobs_ = 1;  // compiler runs at once (jobLimit)
  size_t compiler_runs_ = 0;
  std::vector<Unit> units_;
  std::vector<Batch> batches_;
  std::vector<Unit> pch_objects_;  // dev: the code of the runtime's PCH (in pch_lib_)
  fs::path pch_lib_;               // dev: the shared library of pch_objects_
  std::string pch_lib_key_;
  Job deferred_pch_;               // dev: the program header's PCH, rebuilt after this build
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
