// The SQLite job store on its own: claim order, completion, retry times, the dead letter,
// recovery of jobs left running, retry by id, in-memory mode, hostile text kept as text, and
// the enqueue cost (durable file and in memory; printed, not asserted).
#include <catch2/catch.hpp>

#include <sqlite3.h>

#include "jobs/store.h"
#include "jobs_test_util.h"

using lux::jobs::JobCounts;
using lux::jobs::OpenSqliteStore;
using lux::jobs::StoredJob;

namespace {

int g_seq = 0;

StoredJob Job(const std::string& name, int priority, std::int64_t run_at, int max_attempts = 3,
              const std::string& args = "[]") {
  StoredJob j;
  j.id = name + "-" + std::to_string(++g_seq);
  j.name = name;
  j.args_json = args;
  j.priority = priority;
  j.max_attempts = max_attempts;
  j.run_at_ms = run_at;
  j.created_at_ms = run_at;
  j.request_id = "req-" + j.id;
  return j;
}

std::vector<std::string> Names(const std::vector<StoredJob>& js) {
  std::vector<std::string> out;
  for (const auto& j : js) out.push_back(j.name);
  return out;
}

}  // namespace

TEST_CASE("claim order: priority desc, then run_at, then insertion, future jobs wait") {
  auto store = OpenSqliteStore(":memory:");
  store->Enqueue(Job("a", 0, 100));
  store->Enqueue(Job("b", 5, 200));
  store->Enqueue(Job("c", 0, 50));
  store->Enqueue(Job("d", 0, 50));
  store->Enqueue(Job("e", 9, 10'000));  // high priority but not due
  REQUIRE(*store->NextRunAt() == 50);
  auto first = store->ClaimDue(1000, 2);
  REQUIRE(Names(first) == std::vector<std::string>{"b", "c"});
  REQUIRE(first[0].state == "running");
  REQUIRE(first[0].attempts == 1);
  REQUIRE(first[0].request_id == "req-" + first[0].id);
  auto rest = store->ClaimDue(1000, 10);
  REQUIRE(Names(rest) == std::vector<std::string>{"d", "a"});
  REQUIRE(store->ClaimDue(1000, 10).empty());
  REQUIRE(*store->NextRunAt() == 10'000);
  JobCounts c = store->Counts(1000);
  REQUIRE(c.running == 4);
  REQUIRE(c.scheduled == 1);
  REQUIRE(c.pending == 0);
  REQUIRE(Names(store->ClaimDue(10'000, 10)) == std::vector<std::string>{"e"});
}

TEST_CASE("complete deletes the job and counts it, release undoes a claim") {
  auto store = OpenSqliteStore(":memory:");
  StoredJob j = Job("a", 0, 0);
  store->Enqueue(j);
  store->Enqueue(Job("b", 0, 0));
  auto claimed = store->ClaimDue(1, 2);
  store->Complete(j.id);
  REQUIRE_FALSE(store->Find(j.id));
  store->Release(claimed[1].id);
  auto again = store->Find(claimed[1].id);
  REQUIRE(again->state == "pending");
  REQUIRE(again->attempts == 0);
  JobCounts c = store->Counts(1);
  REQUIRE(c.completed == 1);
  REQUIRE(c.pending == 1);
  REQUIRE(c.running == 0);
}

TEST_CASE("fail: retry at a time, then the dead letter with the last error, retry by id") {
  auto store = OpenSqliteStore(":memory:");
  StoredJob j = Job("mail", 0, 0, 2);
  store->Enqueue(j);
  REQUIRE(store->ClaimDue(1000, 1).size() == 1);
  store->Fail(j.id, "smtp down", 1000, 1500);
  auto f = store->Find(j.id);
  REQUIRE(f->state == "pending");
  REQUIRE(f->run_at_ms == 1500);
  REQUIRE(f->last_error == "smtp down");
  REQUIRE(store->Counts(1000).scheduled == 1);
  REQUIRE(store->ClaimDue(1499, 1).empty());
  auto second = store->ClaimDue(1500, 1);
  REQUIRE(second.size() == 1);
  REQUIRE(second[0].attempts == 2);
  store->Fail(j.id, "smtp still down", 1600, std::nullopt);
  auto dead = store->Find(j.id);
  REQUIRE(dead->state == "dead");
  REQUIRE(dead->last_error == "smtp still down");
  REQUIRE(dead->attempts == 2);
  JobCounts c = store->Counts(2000);
  REQUIRE(c.dead == 1);
  REQUIRE(c.pending + c.scheduled + c.running == 0);
  auto failures = store->RecentFailures(10);
  REQUIRE(failures.size() == 2);
  REQUIRE(failures[0].error == "smtp still down");  // newest first
  REQUIRE(failures[0].attempt == 2);
  REQUIRE(failures[1].attempt == 1);
  REQUIRE(failures[0].at_ms == 1600);

  REQUIRE_FALSE(store->Retry("no-such-id", 3000));
  REQUIRE(store->Retry(j.id, 3000));
  auto back = store->Find(j.id);
  REQUIRE(back->state == "pending");
  REQUIRE(back->attempts == 0);
  REQUIRE(back->run_at_ms == 3000);
  REQUIRE(store->Counts(3000).dead == 0);
  REQUIRE_FALSE(store->Retry(j.id, 3000));  // pending and never failed since: nothing to retry

  // A job waiting for its retry time can be moved to now.
  store->ClaimDue(3000, 1);
  store->Fail(j.id, "again", 3000, 900'000);
  REQUIRE(store->Retry(j.id, 3001));
  REQUIRE(store->Find(j.id)->run_at_ms == 3001);
}

TEST_CASE("failures list keeps the most recent kKeptFailures") {
  auto store = OpenSqliteStore(":memory:");
  StoredJob j = Job("flaky", 0, 0, 100);
  store->Enqueue(j);
  for (int i = 0; i < lux::jobs::kKeptFailures + 20; ++i) {
    store->ClaimDue(i, 1);
    store->Fail(j.id, "e" + std::to_string(i), i, i);
  }
  auto f = store->RecentFailures(1000);
  REQUIRE(f.size() == static_cast<std::size_t>(lux::jobs::kKeptFailures));
  REQUIRE(f.front().error == "e" + std::to_string(lux::jobs::kKeptFailures + 19));
}

TEST_CASE("jobs left running by a killed process are pending again after reopening") {
  luxtest::TempDir dir;
  std::string path = dir.File("sub/dir/app.jobs.db");  // the directory is created
  StoredJob j = Job("report", 0, 0);
  {
    auto store = OpenSqliteStore(path);
    store->Enqueue(j);
    store->Enqueue(Job("other", 0, 0));
    REQUIRE(store->ClaimDue(10, 1).size() == 1);
    store->SetLastFire("nightly", 12345);
  }  // closed with the job running: what a kill leaves on disk
  auto store = OpenSqliteStore(path);
  REQUIRE(store->Counts(10).running == 1);
  REQUIRE(store->RecoverRunning("interrupted") == 1);
  auto f = store->Find(j.id);
  REQUIRE(f->state == "pending");
  REQUIRE(f->attempts == 1);  // the interrupted attempt counts
  REQUIRE(f->last_error == "interrupted");
  auto again = store->ClaimDue(10, 2);
  REQUIRE(again.size() == 2);
  REQUIRE(again[0].id == j.id);
  REQUIRE(again[0].attempts == 2);
  REQUIRE(*store->LastFire("nightly") == 12345);
  REQUIRE_FALSE(store->LastFire("weekly"));
}

TEST_CASE("in-memory stores are separate and start empty") {
  auto a = OpenSqliteStore(":memory:");
  auto b = OpenSqliteStore(":memory:");
  a->Enqueue(Job("x", 0, 0));
  REQUIRE(a->Counts(0).pending == 1);
  REQUIRE(b->Counts(0).pending == 0);
  a->SetLastFire("s", 5);
  a->SetLastFire("s", 7);
  REQUIRE(*a->LastFire("s") == 7);
}

TEST_CASE("quotes and SQL in arguments, names and errors are stored as text") {
  auto store = OpenSqliteStore(":memory:");
  std::string args = R"(["'); DROP TABLE jobs; --","\"quoted\"","Robert'); DELETE FROM dead_letter;--"])";
  StoredJob j = Job("x'); DROP TABLE jobs; --", 0, 0, 1, args);
  store->Enqueue(j);
  auto claimed = store->ClaimDue(1, 1);
  REQUIRE(claimed.size() == 1);
  REQUIRE(claimed[0].args_json == args);
  REQUIRE(claimed[0].name == j.name);
  store->Fail(j.id, "error with 'quotes' and \"dq\"; DROP TABLE failures", 2, std::nullopt);
  REQUIRE(store->Find(j.id)->last_error == "error with 'quotes' and \"dq\"; DROP TABLE failures");
  REQUIRE(store->Counts(2).dead == 1);
  REQUIRE(store->RecentFailures(1).size() == 1);
  store->Enqueue(Job("after", 0, 0));
  REQUIRE(store->Counts(2).pending == 1);  // tables still there
}

TEST_CASE("only runnable names are claimed, the others are reported") {
  auto store = OpenSqliteStore(":memory:");
  store->Enqueue(Job("known", 0, 0));
  store->Enqueue(Job("ghost", 5, 0));
  store->Enqueue(Job("ghost", 5, 0));
  store->SetRunnableNames({"known"});
  REQUIRE(Names(store->ClaimDue(1, 10)) == std::vector<std::string>{"known"});
  REQUIRE_FALSE(store->NextRunAt());
  auto u = store->UnrunnableNames();
  REQUIRE(u.size() == 1);
  REQUIRE(u[0].first == "ghost");
  REQUIRE(u[0].second == 2);
}

TEST_CASE("enqueue cost (printed): durable file in WAL mode and in memory") {
  luxtest::TempDir dir;
  auto measure = [](lux::jobs::JobStore& s, int n) {
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < n; ++i) s.Enqueue(Job("bench", 0, 0, 3, R"([1,"two",{"three":3}])"));
    return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count() / n;
  };
  auto file = OpenSqliteStore(dir.File("bench.db"));
  auto full = OpenSqliteStore(dir.File("bench_full.db"), lux::jobs::SyncMode::kFull);
  auto mem = OpenSqliteStore(":memory:");
  double file_us = measure(*file, 5000);
  double full_us = measure(*full, 300);
  double mem_us = measure(*mem, 5000);
  WARN("enqueue per job: file (synchronous=NORMAL) " << file_us << " us, file (FULL) " << full_us
                                                     << " us, in memory " << mem_us << " us");
  REQUIRE(file->Counts(0).pending == 5000);
}

TEST_CASE("the trace context a job was spawned in is stored with it, through the dead letter and back") {
  auto store = OpenSqliteStore(":memory:");
  StoredJob j = Job("traced", 0, 0, 1);
  j.traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  store->Enqueue(j);
  auto claimed = store->ClaimDue(1000, 10);
  REQUIRE(claimed.size() == 1);
  CHECK(claimed[0].traceparent == j.traceparent);
  store->Fail(j.id, "boom", 1000, std::nullopt);  // to the dead letter
  REQUIRE(store->Find(j.id));
  CHECK(store->Find(j.id)->traceparent == j.traceparent);
  REQUIRE(store->Retry(j.id, 2000));
  claimed = store->ClaimDue(3000, 10);
  REQUIRE(claimed.size() == 1);
  CHECK(claimed[0].traceparent == j.traceparent);
}

TEST_CASE("a job store file written before jobs kept their trace context opens, its jobs intact") {
  luxtest::TempDir dir;
  std::string path = dir.path() + "/jobs.db";
  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    const char* old_schema =
        "CREATE TABLE jobs (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, name TEXT NOT NULL, args TEXT NOT NULL,"
        " state TEXT NOT NULL, priority INTEGER NOT NULL, attempts INTEGER NOT NULL, max_attempts INTEGER NOT NULL,"
        " run_at INTEGER NOT NULL, created_at INTEGER NOT NULL, last_error TEXT NOT NULL DEFAULT '',"
        " request_id TEXT NOT NULL DEFAULT '');"
        "CREATE TABLE dead_letter (id TEXT PRIMARY KEY, name TEXT NOT NULL, args TEXT NOT NULL, priority INTEGER NOT NULL,"
        " attempts INTEGER NOT NULL, max_attempts INTEGER NOT NULL, created_at INTEGER NOT NULL, last_error TEXT NOT NULL,"
        " request_id TEXT NOT NULL, failed_at INTEGER NOT NULL);"
        "INSERT INTO jobs (id, name, args, state, priority, attempts, max_attempts, run_at, created_at, request_id)"
        " VALUES ('old-1', 'legacy', '[]', 'pending', 0, 0, 3, 0, 0, 'req-old');";
    REQUIRE(sqlite3_exec(db, old_schema, nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
  }
  auto store = OpenSqliteStore(path);
  auto claimed = store->ClaimDue(1000, 10);
  REQUIRE(claimed.size() == 1);
  CHECK(claimed[0].id == "old-1");
  CHECK(claimed[0].request_id == "req-old");
  CHECK(claimed[0].traceparent.empty());
  StoredJob j = Job("new", 0, 0);
  j.traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  store->Enqueue(j);
  store.reset();
  auto again = OpenSqliteStore(path);  // the column exists now: opening again adds nothing
  auto next = again->ClaimDue(1000, 10);
  REQUIRE(next.size() == 1);
  CHECK(next[0].traceparent == j.traceparent);
}
