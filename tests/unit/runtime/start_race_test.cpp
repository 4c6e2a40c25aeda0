// Opening one SQLite file from many connections at the same instant: eight threads opening the
// same fresh file through each embedded store's open path (db backend with migration, job store,
// event outbox), and eight server processes (lux_start_race_server: a db file, a job store, an
// event outbox) started at one instant on the same three files, round after round: every one
// must open and serve. The process rounds cycle through the states a deployment meets: fresh
// files, files left by a clean stop, and files left by SIGKILL right after a write (WAL and
// shared memory to recover). A file that another process keeps locked stops the server after
// kOpenBusyRetryMs with one line and exit 1.
#include <catch2/catch.hpp>
#include <unistd.h>

#include <array>
#include <latch>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bus/outbox.h"
#include "db/backend.h"
#include "db/sqlite_open.h"
#include "db_test_util.h"
#include "jobs/store.h"
#include "test_proc.h"

using luxtest::Proc;

namespace {

const std::string kBinary = LUX_START_RACE_SERVER;
constexpr int kProcesses = 8;
constexpr int kRounds = 50;
// A process that has neither listened nor exited by then has hung: a failure too.
constexpr int kStartTimeoutMs = 20'000;

// Waits until `p` listens (its port) or exits (0); its stderr says which.
std::uint16_t WaitStarted(Proc& p) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kStartTimeoutMs);
  while (std::chrono::steady_clock::now() < deadline) {
    if (p.WaitFor("msg=listening", 20)) return p.Port();
    if (p.Wait(10) != -1) return 0;
  }
  return 0;
}

// A scratch directory under /dev/shm (else the temporary directory), removed at scope exit.
class ShmTempDir {
 public:
  ShmTempDir() {
    std::string base = std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : std::filesystem::temp_directory_path().string();
    std::string tmpl = base + "/lux_start_race_XXXXXX";
    path_ = ::mkdtemp(tmpl.data());
  }
  ~ShmTempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

std::string LastLine(const std::string& text) {
  std::string t = text;
  while (!t.empty() && t.back() == '\n') t.pop_back();
  auto nl = t.rfind('\n');
  return nl == std::string::npos ? t : t.substr(nl + 1);
}

}  // namespace

TEST_CASE("eight connections opening one fresh file at one instant all open it, in every store", "[start_race]") {
  constexpr int kThreads = 8;
  constexpr int kThreadRounds = 600;
  std::vector<std::string> failures;
  std::mutex mu;
  for (int round = 0; round < kThreadRounds; ++round) {
    // On tmpfs when there is one: no fsync, so a round takes milliseconds, not tens of them.
    ShmTempDir dir;
    const std::string path = dir.File("shared.db");
    const int store = round % 3;  // 0: db file + migration, 1: job store, 2: event outbox
    std::latch go(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&] {
        go.arrive_and_wait();
        try {
          if (store == 0) {
            lux::db::Models models;
            models.emplace("Reading", lux::db::Model({"Reading", "", {{"sensor", lux::ColumnType::kString, false, {}}}}));
            auto backend = lux::db::OpenSqlite(path, {}, 2);
            backend->Migrate(models);
            backend->Close();
          } else if (store == 1) {
            auto jobs = lux::jobs::OpenSqliteStore(path);
            jobs->SetRunnableNames({"record"});
          } else {
            auto box = lux::bus::Outbox::Open(path);
            box->PruneSeen(0);
          }
        } catch (const std::exception& e) {
          std::lock_guard lock(mu);
          failures.push_back("round " + std::to_string(round) + " (" + std::array{"db", "jobs", "outbox"}[store] + "): " +
                             e.what());
        }
      });
    }
    for (auto& t : threads) t.join();
  }
  std::string shown;
  for (std::size_t i = 0; i < failures.size() && i < 10; ++i) shown += "\n  " + failures[i];
  INFO(failures.size() << " failure(s) in " << kThreadRounds * kThreads << " opens:" << shown);
  CHECK(failures.empty());
}

TEST_CASE("eight processes started at one instant on one db, job store and outbox all start", "[start_race]") {
  std::unique_ptr<luxtest::TempDir> dir;
  std::vector<std::string> failures;
  int started = 0;
  for (int round = 0; round < kRounds; ++round) {
    // 0: fresh files, clean stop; 1: the files of a clean stop, a write, then SIGKILL;
    // 2: the files of that SIGKILL (WAL recovery), clean stop.
    int mode = round % 3;
    if (mode == 0) dir = std::make_unique<luxtest::TempDir>();
    std::vector<std::string> env{"LUX_DB_PATH=" + dir->File("race.db"), "LUX_JOBS_PATH=" + dir->File("jobs.db"),
                                 "LUX_EVENTS_PATH=" + dir->File("events.db"), "LUX_THREADS=1", "LUX_ACCESS_LOG=0",
                                 "LUX_JOB_WORKERS=1"};
    int start[2];
    REQUIRE(::pipe(start) == 0);
    std::vector<std::unique_ptr<Proc>> procs;
    for (int i = 0; i < kProcesses; ++i)
      procs.push_back(std::make_unique<Proc>(kBinary, std::vector<std::string>{"--host", "127.0.0.1", "--port", "0"}, env,
                                             start[0]));
    // The barrier: one byte per child in one write wakes them all at once.
    std::string go(kProcesses, 'g');
    REQUIRE(::write(start[1], go.data(), go.size()) == static_cast<ssize_t>(go.size()));
    ::close(start[0]);
    ::close(start[1]);
    std::vector<std::uint16_t> ports;
    for (auto& p : procs) {
      std::uint16_t port = WaitStarted(*p);
      if (port) {
        ports.push_back(port);
        ++started;
      } else {
        failures.push_back("round " + std::to_string(round) + ": " + LastLine(p->err()));
      }
    }
    if (mode == 1 && ports.size() == static_cast<std::size_t>(kProcesses)) {
      // Every store in use: the event goes through the outbox to the subscriber, whose job
      // (job store) creates the record (db file) that another process reads.
      auto r = luxtest::Call(ports[0], "POST", "/readings", R"({"sensor":"s1"})", "Content-Type: application/json\r\n");
      CHECK((r && r->status == 202));
      std::int64_t count = 0;
      auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      while (count < 1 && std::chrono::steady_clock::now() < deadline) {
        auto c = luxtest::Call(ports[kProcesses - 1], "GET", "/readings/count");
        if (c && c->status == 200) count = c->Json()["count"].AsInt();
        if (count < 1) ::usleep(20'000);
      }
      CHECK(count >= 1);
    }
    int sig = mode == 1 ? SIGKILL : SIGTERM;
    for (auto& p : procs) p->Signal(sig);
    for (auto& p : procs) {
      int code = p->Wait(15'000);
      bool was_up = p->err().find("msg=listening") != std::string::npos;
      if (was_up && sig == SIGTERM && code != 0)
        failures.push_back("round " + std::to_string(round) + ": exit status " + std::to_string(code) + " after SIGTERM: " +
                           LastLine(p->err()));
    }
  }
  std::string shown;
  for (std::size_t i = 0; i < failures.size() && i < 10; ++i) shown += "\n  " + failures[i];
  INFO(failures.size() << " failure(s) in " << kRounds * kProcesses << " starts:" << shown);
  CHECK(started == kRounds * kProcesses);
  CHECK(failures.empty());
}

TEST_CASE("a server whose database file stays locked stops after the retry bound with one line and exit 1", "[start_race]") {
  luxtest::TempDir dir;
  const std::string path = dir.File("held.db");
  // Another process's exclusive transaction (rollback mode): nobody else can even read the file.
  sqlite3* holder = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &holder) == SQLITE_OK);
  REQUIRE(sqlite3_exec(holder, "CREATE TABLE t(x); BEGIN EXCLUSIVE; INSERT INTO t VALUES (1);", nullptr, nullptr, nullptr) ==
          SQLITE_OK);
  auto started = std::chrono::steady_clock::now();
  Proc p(kBinary, {"--host", "127.0.0.1", "--port", "0"},
         {"LUX_DB_PATH=" + path, "LUX_JOBS_PATH=" + dir.File("jobs.db"), "LUX_EVENTS_PATH=" + dir.File("events.db")});
  int code = p.Wait(lux::db::kOpenBusyRetryMs + 10'000);
  auto took = std::chrono::steady_clock::now() - started;
  sqlite3_exec(holder, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(holder);
  CHECK(code == 1);
  CHECK(took >= std::chrono::milliseconds(lux::db::kOpenBusyRetryMs));
  CHECK(p.err() == "race: db " + path + ": open: database is locked (another connection kept the file locked for " +
                       std::to_string(lux::db::kOpenBusyRetryMs / 1000) + " s)\n");
}
