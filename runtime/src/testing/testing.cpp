// The test executable's runner (lux/testing.h): TestMain selects the tests, runs each against a
// fresh App opened in RunMode::kTest (in-memory database, job store and outbox, the process's
// clock simulated) and prints the report. The tests run in a forked child, one after the other;
// the parent prints the report from the child's messages and holds each test to its time limit:
// a test past it (or one that ends the process) fails alone, and a new child goes on with the
// next test. Inside a test, the built-ins reach the App through
// the current test's context: Request (App::Handle, the whole HTTP stack without a socket),
// AdvanceClock (schedule ticks, due jobs and event deliveries in time order), DrainJobs,
// MockService (the peer functions rt::CallService answers from, through services::SetRpcMock).
#include "lux/testing.h"

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fcntl.h>
#include <map>
#include <memory>
#include <optional>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include "bus/local_delivery.h"
#include "client/offline.h"
#include "core/fiber.h"
#include "core/ids.h"
#include "core/log.h"
#include "jobs/clock.h"
#include "jobs/jobs_state.h"
#include "jobs/queue.h"
#include "jobs/scheduler.h"
#include "lux/error.h"
#include "lux/services.h"
#include "server/app_impl.h"
#include "http/router.h"
#include "services/registry.h"

namespace lux::testing {

namespace {

// Job attempts, subscriber runs and schedule ticks one drain may run: past it, work keeps
// bringing more work at the same instant (a job that spawns itself) and the test fails.
constexpr std::int64_t kMaxDrainSteps = 100'000;
// Background failures listed under a failed test (the first ones: later ones repeat them).
constexpr std::size_t kShownNotes = 10;

struct Context {
  App* app = nullptr;
  jobs::JobsState* jobs = nullptr;
  std::map<std::string, std::int64_t> next_fire;  // per schedule
  std::map<std::string, std::vector<Value>> published;
  std::deque<std::pair<std::string, Value>> undelivered;
  std::vector<std::string> notes;  // what failed in the background: shown with a failed test
  // mock_service: service → function → the Lux function standing in for the peer's.
  std::map<std::string, std::map<std::string, Value, std::less<>>, std::less<>> mocks;
  std::int64_t forms = 0;  // multipart bodies sent: each gets its own boundary
};

Context* g_context = nullptr;
jobs::ManualClock* g_clock = nullptr;

Context& Current() {
  if (!g_context) throw Error("test built-ins work only while a test runs");
  return *g_context;
}

std::int64_t Now() { return g_clock->NowMs(); }

// The RPC client's hook (services::SetRpcMock): a mocked function gets the arguments and gives
// its result through JSON, as the peer would receive and answer them; a function the test did
// not mock (or a call outside a test) goes on to the network, which a test executable keeps
// offline.
std::optional<Value> MockedCall(std::string_view service, std::string_view fn, const Value& args) {
  if (!g_context) return std::nullopt;
  auto svc = g_context->mocks.find(service);
  if (svc == g_context->mocks.end()) return std::nullopt;
  auto it = svc->second.find(fn);
  if (it == svc->second.end()) return std::nullopt;
  Value sent = ParseJson(ToJson(args));
  std::vector<Value> list;
  if (sent.IsArray()) list = sent.AsArray();
  Value result = it->second.Call(list);
  return ParseJson(ToJson(result));
}

void RunJob(Context& c, const jobs::StoredJob& j) {
  auto it = c.jobs->jobs.find(j.name);
  std::string error;
  bool ok = false;
  if (it == c.jobs->jobs.end()) {
    error = "no `background fn` of that name";
  } else {
    core::tl_job_request_id = &j.request_id;
    core::tl_job_id = &j.id;
    core::tl_job_name = &j.name;
    try {
      it->second.handler(ParseJson(j.args_json));
      std::optional<CallResult> failed = rt::TakeCallFailure();  // a failed call it kept (lux/services.h)
      ok = !failed;
      if (failed) error = failed->error;
    } catch (const std::exception& e) {
      error = e.what();
    }
    core::tl_job_request_id = nullptr;
    core::tl_job_id = nullptr;
    core::tl_job_name = nullptr;
  }
  if (ok) {
    c.jobs->store->Complete(j.id);
    return;
  }
  std::string what = "job `" + j.name + "` attempt " + std::to_string(j.attempts) + " of " +
                     std::to_string(j.max_attempts) + " failed: " + error;
  if (it == c.jobs->jobs.end() || j.attempts >= j.max_attempts) {
    c.jobs->store->Fail(j.id, error, Now(), std::nullopt);
    c.notes.push_back(what + " (moved to the dead letter)");
    return;
  }
  // No jitter: a test sees the backoff the options say.
  std::int64_t delay = jobs::BackoffDelayMs(it->second.options, j.attempts, 1.0);
  c.jobs->store->Fail(j.id, error, Now(), Now() + delay);
  c.notes.push_back(what + " (retry in " + std::to_string(delay) + " ms)");
}

// Delivers the published events and runs the due jobs until neither is left; returns the job
// attempts run.
std::int64_t DrainNow(Context& c) {
  std::int64_t attempts = 0, steps = 0;
  for (;;) {
    bool progress = false;
    while (!c.undelivered.empty()) {
      auto [event, data] = std::move(c.undelivered.front());
      c.undelivered.pop_front();
      for (std::string& e : bus::RunSubscribers(event, data)) c.notes.push_back(std::move(e));
      progress = true;
      ++steps;
    }
    if (c.jobs && c.jobs->store) {
      std::vector<jobs::StoredJob> due = c.jobs->store->ClaimDue(Now(), 64);
      for (const jobs::StoredJob& j : due) {
        RunJob(c, j);
        ++attempts;
        ++steps;
      }
      progress = progress || !due.empty();
    }
    if (!progress) return attempts;
    if (steps > kMaxDrainSteps)
      throw Error("jobs and events keep bringing more work at the same instant (over " +
                  std::to_string(kMaxDrainSteps) + " steps): a job that spawns itself without a delay?");
  }
}

const std::vector<jobs::ScheduleDef>& Schedules(const Context& c) {
  static const std::vector<jobs::ScheduleDef> kNone;
  return c.jobs ? c.jobs->schedules : kNone;
}

void PlanSchedules(Context& c) {
  for (const jobs::ScheduleDef& def : Schedules(c)) c.next_fire[def.name] = jobs::NextFireMs(def, Now());
}

void RunTick(Context& c, const jobs::ScheduleDef& def) {
  try {
    def.task();
    if (std::optional<CallResult> failed = rt::TakeCallFailure())  // kept (lux/services.h)
      c.notes.push_back("schedule `" + def.name + "` failed: " + failed->error);
  } catch (const std::exception& e) {
    c.notes.push_back("schedule `" + def.name + "` failed: " + e.what());
  }
  c.next_fire[def.name] = jobs::NextFireMs(def, Now());
}

void AdvanceTo(Context& c, std::int64_t target) {
  DrainNow(c);
  bool jobs_blocked = false;  // due jobs no drain can claim (none runnable): wait for the ticks only
  for (std::int64_t steps = 0;; ++steps) {
    if (steps > kMaxDrainSteps) throw Error("clock.advance: more than " + std::to_string(kMaxDrainSteps) + " steps");
    const jobs::ScheduleDef* tick = nullptr;
    std::int64_t at = jobs::kNever;
    for (const jobs::ScheduleDef& def : Schedules(c)) {
      std::int64_t t = c.next_fire[def.name];
      if (t < at) {
        at = t;
        tick = &def;
      }
    }
    std::optional<std::int64_t> job_at = c.jobs && c.jobs->store && !jobs_blocked ? c.jobs->store->NextRunAt() : std::nullopt;
    bool job_first = job_at && *job_at <= at;
    if (job_first) at = *job_at;
    if (at == jobs::kNever || at > target) break;
    if (at > Now()) g_clock->Set(at);
    if (job_first) {
      if (DrainNow(c) == 0) jobs_blocked = true;
      continue;
    }
    RunTick(c, *tick);
    DrainNow(c);
  }
  if (target > Now()) g_clock->Set(target);
  DrainNow(c);
}

// What the server answers a request it refused before running any stage (server.cpp's early
// errors): the error shape with a request id of its own.
Response EarlyAnswer(int status, const std::string& message, const Value& details) {
  Value body = Value::MakeObject();
  body["error"] = Value(message);
  if (!details.IsNull()) body["details"] = details;
  body["request_id"] = Value(core::NewRequestId());
  return Respond(status, body);
}

// ---- multipart bodies (form, file_part) ----

// The fields of a `form(...)` value, or nullptr for any other body.
const Value* FormFields(const Value& body) {
  if (!body.IsObject()) return nullptr;
  const Value* fields = body.Find(kFormKey);
  return fields && fields->IsObject() ? fields : nullptr;
}

std::string FieldText(const Value& v) { return v.IsString() ? v.AsString() : ToJson(v); }

// A header parameter's value in quotes: the quote and backslash escaped, line breaks dropped.
std::string Quoted(std::string_view text) {
  std::string out = "\"";
  for (char ch : text) {
    if (ch == '\r' || ch == '\n') continue;
    if (ch == '"' || ch == '\\') out += '\\';
    out += ch;
  }
  return out + "\"";
}

// multipart/form-data as a browser sends it: a part per field (a list: a part per element, as
// several inputs of one name), a file_part as a file with its name and type.
std::string EncodeMultipart(const Value& fields, const std::string& boundary) {
  std::string out;
  auto part = [&](const std::string& name, const Value& v) {
    out += "--" + boundary + "\r\n";
    const Value* file = v.IsObject() ? v.Find(kFilePartKey) : nullptr;
    if (file && file->IsObject()) {
      const Value* filename = file->Find("filename");
      const Value* type = file->Find("type");
      const Value* content = file->Find("content");
      out += "Content-Disposition: form-data; name=" + Quoted(name) +
             "; filename=" + Quoted(filename ? FieldText(*filename) : "") + "\r\n";
      std::string media = type && type->IsString() ? type->AsString() : "application/octet-stream";
      std::erase_if(media, [](char ch) { return ch == '\r' || ch == '\n'; });
      out += "Content-Type: " + media + "\r\n\r\n";
      out += content ? FieldText(*content) : "";
    } else {
      out += "Content-Disposition: form-data; name=" + Quoted(name) + "\r\n\r\n";
      out += FieldText(v);
    }
    out += "\r\n";
  };
  for (const auto& [name, v] : fields.AsObject()) {
    if (v.IsArray())
      for (const Value& each : v.AsArray()) part(name, each);
    else if (!v.IsNull())
      part(name, v);
  }
  return out + "--" + boundary + "--\r\n";
}

std::string Lower(std::string s) {
  for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

// ---- the runner ----

struct Outcome {
  bool ok = true;
  std::string failure;
  std::vector<std::string> notes;
  std::string output;  // what the test printed (print, on_start, ...), shown when it failed
};

// Sends the process's stdout to a temporary file while a test runs, so that `print` in the
// program does not cut the report's lines; Take returns what was printed.
class Capture {
 public:
  Capture() {
    std::fflush(stdout);
    file_ = std::tmpfile();
    if (!file_) return;
    saved_ = dup(1);
    dup2(fileno(file_), 1);
  }
  int Fd() const { return file_ ? fileno(file_) : -1; }
  std::string Take() {
    if (!file_) return "";
    std::fflush(stdout);
    dup2(saved_, 1);
    close(saved_);
    std::string text;
    std::rewind(file_);
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, file_)) > 0;) text.append(buf, n);
    std::fclose(file_);
    file_ = nullptr;
    return text;
  }
  ~Capture() { Take(); }

 private:
  std::FILE* file_ = nullptr;
  int saved_ = -1;
};

Outcome RunOne(const TestCase& t, const char* program, void (*setup)(App&)) {
  Outcome out;
  g_clock->Set(kClockStartMs);
  services::Registry::Get().Clear();
  App app(program);
  App::Impl& impl = AppImpl(app);
  bool up = false;
  try {
    if (setup) setup(app);
    impl.mode = server::RunMode::kTest;
    char arg0[] = "test";
    char* argv[] = {arg0, nullptr};
    impl.ApplyEnvAndFlags(1, argv);
    core::LogConfig().level = impl.opts.log_level;
    impl.lifecycle.Up(impl);
    up = true;
  } catch (const std::exception& e) {
    out.ok = false;
    out.failure = std::string(t.where) + ": the server did not start: " + e.what();
    return out;
  }
  Context c;
  c.app = &app;
  c.jobs = jobs::FindState(app);
  PlanSchedules(c);
  g_context = &c;
  try {
    t.run();
  } catch (const AssertionFailed& e) {
    out.ok = false;
    out.failure = e.what();
  } catch (const std::exception& e) {
    out.ok = false;
    out.failure = std::string(t.where) + ": the test threw: " + e.what();
  }
  g_context = nullptr;
  out.notes = std::move(c.notes);
  if (up) impl.lifecycle.Down(std::chrono::steady_clock::now() + std::chrono::seconds(1));
  return out;
}

// Every test gets an in-memory database, job store and outbox and a local realtime hub,
// whatever the program's blocks or the environment say: the backend variables name the embedded
// stores, and they win over a block's `url`/`adapter` (a `db { url: "postgres://..." }`, a
// `jobs { adapter: "redis" }`). Session and rate-limit stores on Redis keep their state in
// memory in RunMode::kTest (session.cpp, rate_limit.cpp).
void IsolateEnvironment() {
  setenv("LUX_DB_URL", "sqlite::memory:", 1);
  setenv("LUX_DB_PATH", ":memory:", 1);
  setenv("LUX_JOBS_URL", "embedded", 1);
  setenv("LUX_JOBS_PATH", ":memory:", 1);
  setenv("LUX_BUS_URL", "embedded", 1);
  setenv("LUX_EVENTS_PATH", ":memory:", 1);
  setenv("LUX_REALTIME_URL", "local", 1);
  for (const char* name : {"LUX_SESSION_URL", "LUX_BREAKER_URL"}) unsetenv(name);
  setenv("LUX_SCHEDULER_ENABLED", "0", 1);
  if (!std::getenv("LUX_LOG_LEVEL")) setenv("LUX_LOG_LEVEL", "off", 1);
  if (!std::getenv("LUX_PROGRAM_SECRET"))
    setenv("LUX_PROGRAM_SECRET", "6c75782d746573742d70726f6772616d2d7365637265742d6e6f742d7573656421", 1);
}

// ---- the child that runs the tests, and the parent that reports them ----
// The child writes two messages per test on a pipe: 'B', the test's index and the descriptor of
// the file its output goes to, when it begins; 'D', the index and the outcome, when it ended.
// Numbers are 32 bits in the machine's order, strings a length and their bytes.

void PutU32(std::string& buf, std::uint32_t v) { buf.append(reinterpret_cast<const char*>(&v), sizeof v); }
void PutString(std::string& buf, const std::string& text) {
  PutU32(buf, static_cast<std::uint32_t>(text.size()));
  buf += text;
}

bool WriteAll(int fd, const std::string& buf) {
  std::size_t done = 0;
  while (done < buf.size()) {
    ssize_t n = write(fd, buf.data() + done, buf.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

// Runs chosen[from], chosen[from + 1], ... and tells the parent about each; never returns.
[[noreturn]] void RunChild(int fd, const std::vector<const TestCase*>& chosen, std::size_t from, const char* program,
                           void (*setup)(App&)) {
  for (std::size_t i = from; i < chosen.size(); ++i) {
    Capture capture;
    std::string msg = "B";
    PutU32(msg, static_cast<std::uint32_t>(i));
    PutU32(msg, static_cast<std::uint32_t>(capture.Fd()));
    if (!WriteAll(fd, msg)) _exit(1);
    Outcome o = RunOne(*chosen[i], program, setup);
    o.output = capture.Take();
    msg = "D";
    PutU32(msg, static_cast<std::uint32_t>(i));
    msg += o.ok ? '1' : '0';
    PutString(msg, o.failure);
    PutString(msg, o.output);
    PutU32(msg, static_cast<std::uint32_t>(o.notes.size()));
    for (const std::string& n : o.notes) PutString(msg, n);
    if (!WriteAll(fd, msg)) _exit(1);
  }
  _exit(0);
}

struct Message {
  char type = 0;  // 'B' or 'D'
  std::size_t index = 0;
  int capture_fd = -1;  // 'B'
  Outcome outcome;      // 'D'
};

// The parent's end of the pipe: whole messages, each awaited until a deadline.
class ChildReader {
 public:
  enum class Got { kMessage, kEnd, kLate };
  explicit ChildReader(int fd) : fd_(fd) {}

  Got Next(std::chrono::steady_clock::time_point deadline, Message& m) {
    for (;;) {
      if (Parse(m)) return Got::kMessage;
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return Got::kLate;
      pollfd p{fd_, POLLIN, 0};
      int ready = poll(&p, 1, static_cast<int>(std::min<std::int64_t>(left.count() + 1, 1'000'000)));
      if (ready < 0 && errno == EINTR) continue;
      if (ready == 0) continue;
      char chunk[65536];
      ssize_t n = read(fd_, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return Got::kEnd;
      buf_.append(chunk, static_cast<std::size_t>(n));
    }
  }

 private:
  bool U32(std::size_t& at, std::uint32_t& v) const {
    if (buf_.size() - at < sizeof v) return false;
    std::memcpy(&v, buf_.data() + at, sizeof v);
    at += sizeof v;
    return true;
  }
  bool String(std::size_t& at, std::string& text) const {
    std::uint32_t n = 0;
    if (!U32(at, n) || buf_.size() - at < n) return false;
    text.assign(buf_, at, n);
    at += n;
    return true;
  }
  // Takes one whole message off the buffer, if there is one.
  bool Parse(Message& m) {
    std::size_t at = 1;
    std::uint32_t index = 0, v = 0;
    if (buf_.empty() || !U32(at, index)) return false;
    m = Message{};
    m.type = buf_[0];
    m.index = index;
    if (m.type == 'B') {
      if (!U32(at, v)) return false;
      m.capture_fd = static_cast<int>(v);
    } else {
      if (buf_.size() - at < 1) return false;
      m.outcome.ok = buf_[at++] == '1';
      std::uint32_t notes = 0;
      if (!String(at, m.outcome.failure) || !String(at, m.outcome.output) || !U32(at, notes)) return false;
      for (std::uint32_t i = 0; i < notes; ++i) {
        std::string note;
        if (!String(at, note)) return false;
        m.outcome.notes.push_back(std::move(note));
      }
    }
    buf_.erase(0, at);
    return true;
  }

  int fd_;
  std::string buf_;
};

// What a test the parent stopped had printed so far: its capture file, through the child's
// descriptor table (the file has no name).
std::string CapturedSoFar(pid_t child, int fd) {
  if (fd < 0) return "";
  std::string path = "/proc/" + std::to_string(child) + "/fd/" + std::to_string(fd);
  int in = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return "";
  std::string text;
  char chunk[4096];
  for (ssize_t n; (n = read(in, chunk, sizeof chunk)) > 0;) text.append(chunk, static_cast<std::size_t>(n));
  close(in);
  return text;
}

std::string DescribeEnd(int status) {
  if (WIFSIGNALED(status)) return "signal " + std::to_string(WTERMSIG(status)) + ", " + strsignal(WTERMSIG(status));
  return "exit status " + std::to_string(WEXITSTATUS(status));
}

// Runs the chosen tests in children (one until a test overruns or ends the process, then a new
// one from the next test) and calls `report` with each test's outcome, in order, after `begin`
// when it starts. False when no child could be started.
template <typename Begin, typename Report>
bool RunInChildren(const std::vector<const TestCase*>& chosen, const char* program, void (*setup)(App&), Begin begin,
                   Report report) {
  using Clock = std::chrono::steady_clock;
  std::size_t next = 0;
  while (next < chosen.size()) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return false;
    std::fflush(stdout);
    std::fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
      close(fds[0]);
      close(fds[1]);
      return false;
    }
    if (pid == 0) {
      close(fds[0]);
      RunChild(fds[1], chosen, next, program, setup);
    }
    close(fds[1]);
    ChildReader reader(fds[0]);
    constexpr std::size_t kNone = static_cast<std::size_t>(-1);
    std::size_t running = kNone;  // the test that began and has not ended
    int capture_fd = -1;
    Clock::time_point deadline = Clock::time_point::max();
    std::int64_t limit_ms = 0;
    for (;;) {
      Message m;
      ChildReader::Got got = reader.Next(running != kNone ? deadline : Clock::time_point::max(), m);
      if (got == ChildReader::Got::kMessage && m.type == 'B' && m.index < chosen.size()) {
        running = m.index;
        capture_fd = m.capture_fd;
        const TestCase& t = *chosen[m.index];
        limit_ms = t.timeout_ms > 0 ? t.timeout_ms : kDefaultTimeoutMs;
        deadline = Clock::now() + std::chrono::milliseconds(limit_ms);
        begin(t);
        continue;
      }
      if (got == ChildReader::Got::kMessage && m.type == 'D' && m.index == running) {
        report(*chosen[m.index], std::move(m.outcome));
        running = kNone;
        next = m.index + 1;
        continue;
      }
      // The child finished, overran a test's limit, or ended in the middle of a test.
      Outcome o;
      o.ok = false;
      if (got == ChildReader::Got::kLate) {
        o.output = CapturedSoFar(pid, capture_fd);
        kill(pid, SIGKILL);
      }
      int status = 0;
      while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      close(fds[0]);
      if (running != kNone) {
        const TestCase& t = *chosen[running];
        o.failure = got == ChildReader::Got::kLate
                        ? std::string(t.where) + ": test \"" + t.name + "\" timed out after " + std::to_string(limit_ms) + " ms"
                        : std::string(t.where) + ": the test ended the process (" + DescribeEnd(status) + ")";
        report(t, std::move(o));
        next = running + 1;
      } else if (next < chosen.size()) {
        // Ended between two tests: the test after the last one reported fails in its place, so
        // that the runner always moves on.
        const TestCase& t = *chosen[next];
        begin(t);
        o.failure = std::string(t.where) + ": the test process ended before the test (" + DescribeEnd(status) + ")";
        report(t, std::move(o));
        ++next;
      }
      break;
    }
  }
  return true;
}

}  // namespace

int TestMain(int argc, char** argv, const char* program, void (*setup)(App&), const TestCase* tests,
             std::size_t count) {
  std::string filter;
  bool list = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--filter" && i + 1 < argc) filter = argv[++i];
    else if (a.rfind("--filter=", 0) == 0) filter = a.substr(9);
    else if (a == "--list") list = true;
    else {
      std::fprintf(stderr, "%s: unknown argument `%s` (expected --filter TEXT or --list)\n", program, a.c_str());
      return 2;
    }
  }
  std::vector<const TestCase*> chosen;
  for (std::size_t i = 0; i < count; ++i)
    if (filter.empty() || std::string_view(tests[i].name).find(filter) != std::string_view::npos) chosen.push_back(&tests[i]);
  if (list) {
    for (const TestCase* t : chosen) std::printf("%s: test\n", t->name);
    return 0;
  }
  IsolateEnvironment();
  static jobs::ManualClock clock(kClockStartMs);
  g_clock = &clock;
  jobs::SetProcessClock(&clock);
  client::SetFetchOffline(true);
  services::SetBreakerClock([] { return g_clock->NowMs(); });
  services::SetRpcMock(&MockedCall);
  bus::SetPublishRecorder([](std::string_view event, const Value& data) {
    Context& c = Current();
    c.published[std::string(event)].push_back(data);
    c.undelivered.emplace_back(std::string(event), data);
  });

  auto started = std::chrono::steady_clock::now();
  std::printf("\nrunning %zu test%s\n", chosen.size(), chosen.size() == 1 ? "" : "s");
  std::fflush(stdout);
  std::vector<std::pair<const TestCase*, Outcome>> failed;
  std::size_t passed = 0;
  auto begin = [](const TestCase& t) {
    std::printf("test %s ... ", t.name);
    std::fflush(stdout);
  };
  auto report = [&](const TestCase& t, Outcome o) {
    std::printf("%s\n", o.ok ? "ok" : "FAILED");
    std::fflush(stdout);
    if (o.ok) ++passed;
    else failed.emplace_back(&t, std::move(o));
  };
  if (!RunInChildren(chosen, program, setup, begin, report)) {
    std::fprintf(stderr, "%s: cannot start the test process: %s\n", program, std::strerror(errno));
    return 1;
  }
  if (!failed.empty()) {
    std::printf("\nfailures:\n");
    for (const auto& [t, o] : failed) {
      std::printf("\n---- %s ----\n%s%s%s\n", t->name, o.output.c_str(),
                  o.output.empty() || o.output.back() == '\n' ? "" : "\n", o.failure.c_str());
      for (std::size_t i = 0; i < o.notes.size() && i < kShownNotes; ++i) std::printf("  note: %s\n", o.notes[i].c_str());
      if (o.notes.size() > kShownNotes) std::printf("  note: ... and %zu more\n", o.notes.size() - kShownNotes);
    }
    std::printf("\nfailures:\n");
    for (const auto& [t, o] : failed) std::printf("    %s\n", t->name);
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("\ntest result: %s. %zu passed; %zu failed; %zu filtered out; finished in %.2fs\n\n",
              failed.empty() ? "ok" : "FAILED", passed, failed.size(), count - chosen.size(), secs);
  std::fflush(stdout);
  bus::SetPublishRecorder({});
  services::SetRpcMock(nullptr);
  return failed.empty() ? 0 : 1;
}

Value Request(std::string_view method, const std::string& target, const Value* body, const Value& headers) {
  Context& c = Current();
  lux::Request req;
  for (char ch : method) req.method += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  req.target = target.empty() || target[0] != '/' ? "/" + target : target;
  // As the server reads a request line (server.cpp): the path percent-decoded, the query string
  // kept raw for Request::Query and friends to decode.
  std::size_t q = req.target.find('?');
  req.path = http::PercentDecode(std::string_view(req.target).substr(0, q), false);
  if (q != std::string::npos) req.query_string = req.target.substr(q + 1);
  req.remote_addr = "127.0.0.1";
  if (headers.IsObject())
    for (const auto& [name, value] : headers.AsObject())
      req.headers.Add(name, value.IsString() ? value.AsString() : ToJson(value));
  if (body && !body->IsNull()) {
    if (const Value* fields = FormFields(*body)) {
      // A boundary no field's text holds (the texts are in the fields' JSON as they are: the
      // boundary has no character JSON escapes).
      std::string all = ToJson(*fields), boundary;
      do boundary = "lux-test-boundary-" + std::to_string(++c.forms);
      while (all.find(boundary) != std::string::npos);
      req.body = EncodeMultipart(*fields, boundary);
      if (!req.headers.Has("content-type"))
        req.headers.Add("Content-Type", "multipart/form-data; boundary=" + boundary);
    } else {
      bool text = body->IsString();
      req.body = text ? body->AsString() : ToJson(*body);
      if (!req.headers.Has("content-type"))
        req.headers.Add("Content-Type", text ? "text/plain; charset=utf-8" : "application/json");
    }
  }
  if (!req.headers.Has("host")) req.headers.Add("Host", "localhost");
  req.headers.Add("Content-Length", std::to_string(req.body.size()));
  // A body a component reads as a stream (multipart uploads): handed over as the server hands a
  // socket's body (server.cpp), with its answers to a refused head, a body past the stream's
  // limit and a refused body; the stream lives until the handler is done (its temporary files).
  std::unique_ptr<server::BodyStream> stream;
  std::optional<Response> early;
  App::Impl& impl = AppImpl(*c.app);
  if (!req.body.empty() && impl.body_streams) {
    std::string body_bytes = std::move(req.body);
    req.body.clear();
    try {
      stream = impl.body_streams(req);
      if (stream && body_bytes.size() > stream->Limit()) throw HttpError(413, "request body too large");
      if (stream) {
        stream->Write(body_bytes);
        stream->Finish(req);
      } else {
        req.body = std::move(body_bytes);
      }
    } catch (const Error& e) {
      early = EarlyAnswer(e.status(), e.message(), e.data());
      impl.lifecycle.DecorateEarlyAnswer(req, *early);
    } catch (const std::exception& e) {
      early = EarlyAnswer(500, "internal server error", Value());
      c.notes.push_back(std::string("request body stream failed: ") + e.what());
    }
  }
  Response res = early ? std::move(*early) : c.app->Handle(req);
  stream.reset();
  if (res.HasFileBody()) res.LoadFileBody();
  Value out = Value::MakeObject();
  out["status"] = Value(static_cast<long long>(res.status));
  Value hs = Value::MakeObject();
  for (const auto& [name, value] : res.headers) {
    std::string key = Lower(name);
    const Value* had = hs.Find(key);
    hs[key] = Value(had ? had->AsString() + ", " + value : value);
  }
  std::string text(res.BodyView());
  Value json;
  auto type = res.headers.Get("content-type");
  if (type && type->find("json") != std::string_view::npos && !text.empty()) {
    try {
      json = ParseJson(text);
    } catch (const std::exception&) {
      json = Value();
    }
  }
  out["headers"] = std::move(hs);
  out["body"] = Value(std::move(text));
  out["json"] = std::move(json);
  // Work the request published or spawned stays queued until the test drains or moves the clock.
  return out;
}

void AdvanceClock(std::int64_t ms) {
  Context& c = Current();
  if (ms < 0) throw Error("clock.advance: a negative duration (" + std::to_string(ms) + " ms)");
  AdvanceTo(c, Now() + ms);
}

void SetClock(std::int64_t ms) {
  Context& c = Current();
  if (ms >= Now()) {
    AdvanceTo(c, ms);
    return;
  }
  g_clock->Set(ms);
  PlanSchedules(c);
}

std::int64_t ClockNow() { return Now(); }

std::int64_t DrainJobs() { return DrainNow(Current()); }

void MockService(const std::string& service, const Value& functions) {
  Context& c = Current();
  if (!services::Registry::Get().Find(service))
    throw Error("mock_service: the test's server does not discover a service named `" + service + "`");
  if (!functions.IsObject())
    throw Error("mock_service: the functions of `" + service + "` must be an object ({ name: fn(...) ... })");
  for (const auto& [name, fn] : functions.AsObject())
    if (!fn.IsFunction()) throw Error("mock_service: `" + service + "." + name + "` must be a function");
  auto& mocked = c.mocks[service];
  for (const auto& [name, fn] : functions.AsObject()) mocked.insert_or_assign(name, fn);
}

Value Form(const Value& fields) {
  if (!fields.IsObject()) throw Error("form: the fields must be an object ({ name: value, file: file_part(...) })");
  for (const auto& [name, v] : fields.AsObject())
    if (name.empty()) throw Error("form: a field has an empty name");
  Value out = Value::MakeObject();
  out[std::string(kFormKey)] = fields;
  return out;
}

Value FilePart(const std::string& filename, const std::string& content, const std::string& type) {
  if (filename.empty()) throw Error("file_part: the file name is empty");
  Value part = Value::MakeObject();
  part["filename"] = Value(filename);
  part["content"] = Value(content);
  part["type"] = Value(type.empty() ? std::string("application/octet-stream") : type);
  Value out = Value::MakeObject();
  out[std::string(kFilePartKey)] = std::move(part);
  return out;
}

Value Published(const std::string& event) {
  Context& c = Current();
  Value out = Value::MakeArray();
  auto it = c.published.find(event);
  if (it != c.published.end())
    for (const Value& v : it->second) out.AsArray().push_back(v);
  return out;
}

}  // namespace lux::testing
