// The Redis job store against a real redis-server started by each test: the same contract as
// the SQLite store (claim order, completion, retries, dead letter, retry by id), leases that
// expire when their worker is gone and are renewed while it lives, fencing of a worker whose
// lease was taken over, several stores (replicas) claiming concurrently with no job twice,
// wake-ups across replicas, durability through an AOF restart, Redis going away and coming back,
// and URL parsing.
#include <catch2/catch.hpp>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "jobs/queue.h"
#include "jobs/store.h"
#include "jobs_test_util.h"
#include "redis/client.h"
#include "redis_test_util.h"

using lux::jobs::JobCounts;
using lux::jobs::JobStore;
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
  j.created_at_ms = std::min<std::int64_t>(run_at, 1000);
  j.request_id = "req-" + j.id;
  return j;
}

std::vector<std::string> Names(const std::vector<StoredJob>& js) {
  std::vector<std::string> out;
  for (const auto& j : js) out.push_back(j.name);
  return out;
}

std::unique_ptr<JobStore> Open(luxtest::RedisServer& r, const std::string& prefix, std::int64_t vis = 30'000,
                               const std::string& app = "app") {
  lux::jobs::RedisStoreOptions o;
  o.url = r.Url();
  o.prefix = prefix;
  o.app = app;
  o.visibility_ms = vis;
  return lux::jobs::OpenRedisStore(o);
}

}  // namespace

TEST_CASE("redis store: claim order is priority desc then run_at then insertion - future jobs wait", "[redis]") {
  luxtest::RedisServer redis;
  auto store = Open(redis, luxtest::UniquePrefix("order"));
  REQUIRE(store->Shared());
  store->Enqueue(Job("a", 0, 100));
  store->Enqueue(Job("b", 5, 200));
  store->Enqueue(Job("c", 0, 50));
  store->Enqueue(Job("d", 0, 50));
  store->Enqueue(Job("e", 9, 10'000));  // high priority but not due
  auto first = store->ClaimDue(1000, 2);
  REQUIRE(Names(first) == std::vector<std::string>{"b", "c"});
  REQUIRE(first[0].state == "running");
  REQUIRE(first[0].attempts == 1);
  REQUIRE(first[0].request_id == "req-" + first[0].id);
  REQUIRE(*store->NextRunAt() == 1000);  // the claim stopped at its limit: more are due now
  auto rest = store->ClaimDue(1000, 10);
  REQUIRE(Names(rest) == std::vector<std::string>{"d", "a"});
  REQUIRE(*store->NextRunAt() == 10'000);
  REQUIRE(store->ClaimDue(1000, 10).empty());
  JobCounts c = store->Counts(1000);
  REQUIRE(c.running == 4);
  REQUIRE(c.scheduled == 1);
  REQUIRE(c.pending == 0);
  REQUIRE(Names(store->ClaimDue(10'000, 10)) == std::vector<std::string>{"e"});
  // Negative priorities sort after zero.
  store->Enqueue(Job("low", -3, 0));
  store->Enqueue(Job("zero", 0, 0));
  REQUIRE(Names(store->ClaimDue(20'000, 10)) == std::vector<std::string>{"zero", "low"});
}

TEST_CASE("redis store: complete deletes and counts - release undoes a claim - arguments are kept byte for byte",
          "[redis]") {
  luxtest::RedisServer redis;
  auto store = Open(redis, luxtest::UniquePrefix("complete"));
  StoredJob j = Job("a", 0, 0, 3, R"x(["it's", "\"quoted\"", "redis.call('FLUSHALL')", "ünï", 1.5])x");
  store->Enqueue(j);
  store->Enqueue(j);  // same id again (a replay after a lost reply): stored once
  store->Enqueue(Job("b", 0, 0));
  auto claimed = store->ClaimDue(1, 2);
  REQUIRE(claimed.size() == 2);
  REQUIRE(claimed[0].args_json == j.args_json);
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
  // Completed ids handed to the next claim are completed in the same script.
  auto next = store->ClaimDue(1, 1);
  REQUIRE(next.size() == 1);
  REQUIRE(store->ClaimDue(1, 1, {next[0].id}).empty());
  REQUIRE(store->Counts(1).completed == 2);
  REQUIRE(redis.Cmd({"KEYS", "*job:*"}).elements.empty());  // nothing left behind
}

TEST_CASE("redis store: fail retries at a time then the dead letter with the last error - retry by id", "[redis]") {
  luxtest::RedisServer redis;
  auto store = Open(redis, luxtest::UniquePrefix("fail"));
  StoredJob j = Job("mail", 0, 0, 2);
  store->Enqueue(j);
  auto c1 = store->ClaimDue(10, 5);
  REQUIRE(c1.size() == 1);
  store->Fail(j.id, "smtp down", 10, 500);
  auto waiting = store->Find(j.id);
  REQUIRE(waiting->state == "pending");
  REQUIRE(waiting->run_at_ms == 500);
  REQUIRE(waiting->last_error == "smtp down");
  REQUIRE(store->Counts(10).scheduled == 1);
  REQUIRE(store->ClaimDue(499, 5).empty());
  // Retry by id moves a job waiting for its retry to now.
  REQUIRE(store->Retry(j.id, 100));
  auto c2 = store->ClaimDue(100, 5);
  REQUIRE(c2.size() == 1);
  REQUIRE(c2[0].attempts == 2);
  store->Fail(j.id, "smtp still down", 120, std::nullopt);
  JobCounts c = store->Counts(120);
  REQUIRE(c.dead == 1);
  REQUIRE(c.pending + c.scheduled + c.running == 0);
  auto dead = store->Find(j.id);
  REQUIRE(dead->state == "dead");
  REQUIRE(dead->last_error == "smtp still down");
  auto failures = store->RecentFailures(10);
  REQUIRE(failures.size() == 2);
  REQUIRE(failures[0].error == "smtp still down");  // newest first
  REQUIRE(failures[0].attempt == 2);
  REQUIRE(failures[0].at_ms == 120);
  REQUIRE(failures[1].error == "smtp down");
  REQUIRE(failures[1].name == "mail");
  // Retry of a dead job: pending again, attempts reset; an unknown id is refused.
  REQUIRE(store->Retry(j.id, 200));
  REQUIRE_FALSE(store->Retry("nope", 200));
  REQUIRE_FALSE(store->Retry(j.id, 200));  // pending and due: nothing to retry
  auto revived = store->ClaimDue(200, 5);
  REQUIRE(revived.size() == 1);
  REQUIRE(revived[0].attempts == 1);
  REQUIRE(store->Counts(200).dead == 0);
}

TEST_CASE("redis store: the failures list keeps the most recent kKeptFailures", "[redis]") {
  luxtest::RedisServer redis;
  auto store = Open(redis, luxtest::UniquePrefix("failures"));
  for (int i = 0; i < lux::jobs::kKeptFailures + 20; ++i) {
    StoredJob j = Job("f", 0, 0, 1);
    store->Enqueue(j);
    REQUIRE(store->ClaimDue(1, 1).size() == 1);
    store->Fail(j.id, "error " + std::to_string(i), 1, std::nullopt);
  }
  auto all = store->RecentFailures(1000);
  REQUIRE(all.size() == static_cast<std::size_t>(lux::jobs::kKeptFailures));
  REQUIRE(all.front().error == "error " + std::to_string(lux::jobs::kKeptFailures + 19));
}

TEST_CASE("redis store: a lease that is not renewed expires and any replica takes the job - a live one is renewed",
          "[redis]") {
  luxtest::RedisServer redis;
  std::string prefix = luxtest::UniquePrefix("lease");
  auto b = Open(redis, prefix, 300);
  StoredJob dies = Job("work", 0, 0);
  StoredJob lives = Job("work", 0, 0);
  {
    auto a = Open(redis, prefix, 300);
    a->Enqueue(dies);
    REQUIRE(a->ClaimDue(1, 1).size() == 1);
  }  // replica A is gone: nothing renews its lease
  REQUIRE(b->ClaimDue(1, 5).empty());  // still within the visibility timeout
  std::this_thread::sleep_for(std::chrono::milliseconds(450));
  auto taken = b->ClaimDue(1, 5);
  REQUIRE(taken.size() == 1);
  REQUIRE(taken[0].id == dies.id);
  REQUIRE(taken[0].attempts == 2);  // the interrupted attempt counts
  REQUIRE(taken[0].last_error.find("interrupted") != std::string::npos);
  // RecoverRunning on a shared store takes back only expired leases: B's live one stays.
  auto c = Open(redis, prefix, 300);
  c->Enqueue(lives);
  REQUIRE(c->ClaimDue(1, 1).size() == 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(900));  // three lease periods, renewed
  REQUIRE(b->RecoverRunning("x") == 0);
  REQUIRE(b->ClaimDue(1, 5).empty());
  REQUIRE(b->Counts(1).running == 2);
  c->ClaimDue(1, 0, {lives.id});
  b->ClaimDue(1, 0, {dies.id});
  REQUIRE(b->Counts(1).completed == 2);
  REQUIRE(b->Counts(1).running == 0);
}

TEST_CASE("redis store: a worker whose job was taken over cannot fail or release it (fenced by the claim token)",
          "[redis]") {
  luxtest::RedisServer redis;
  std::string prefix = luxtest::UniquePrefix("fence");
  luxtest::LogCapture log;
  auto a = Open(redis, prefix, 300);
  StoredJob j = Job("work", 0, 0, 5);
  a->Enqueue(j);
  REQUIRE(a->ClaimDue(1, 1).size() == 1);
  // Another worker took it over (as after a long stall of A): its token replaces A's.
  redis.Cmd({"HSET", prefix + ":{app}:job:" + j.id, "claim", "someone-else"});
  a->Fail(j.id, "late failure", 2, 10);
  auto now = a->Find(j.id);
  REQUIRE(now->state == "running");  // untouched by A
  REQUIRE(now->last_error.empty());
  REQUIRE(log.Has("job result dropped"));
  a->Release(j.id);  // no longer A's: nothing happens
  REQUIRE(a->Find(j.id)->state == "running");
}

TEST_CASE("redis store: three replicas claiming 6000 jobs at once: each is claimed exactly once", "[redis]") {
  luxtest::RedisServer redis;
  std::string prefix = luxtest::UniquePrefix("race");
  constexpr int kJobs = 6000;
  {
    auto s = Open(redis, prefix);
    std::vector<std::thread> spawners;
    for (int t = 0; t < 4; ++t)
      spawners.emplace_back([&, t] {
        auto own = Open(redis, prefix);
        for (int i = t; i < kJobs; i += 4) {
          StoredJob j = Job("n", i % 3, 0);
          j.id = "job-" + std::to_string(i);
          own->Enqueue(j);
        }
      });
    for (auto& t : spawners) t.join();
    REQUIRE(s->Counts(1).pending == kJobs);
  }
  std::mutex mu;
  std::map<std::string, int> seen;
  std::vector<std::thread> replicas;
  for (int r = 0; r < 3; ++r)
    replicas.emplace_back([&] {
      auto store = Open(redis, prefix);
      store->SetRunnableNames({"n"});
      std::vector<std::string> done;
      for (;;) {
        auto got = store->ClaimDue(1, 7, done);
        done.clear();
        if (got.empty()) break;
        std::lock_guard<std::mutex> lock(mu);
        for (const auto& j : got) {
          ++seen[j.id];
          done.push_back(j.id);
        }
      }
      store->ClaimDue(1, 0, done);
    });
  for (auto& t : replicas) t.join();
  REQUIRE(seen.size() == static_cast<std::size_t>(kJobs));
  int twice = 0;
  for (const auto& [id, n] : seen) twice += n != 1;
  REQUIRE(twice == 0);
  auto s = Open(redis, prefix);
  JobCounts c = s->Counts(1);
  REQUIRE(c.completed == kJobs);
  REQUIRE(c.running == 0);
  REQUIRE(c.pending == 0);
}

TEST_CASE("redis store: jobs with a name this replica cannot run stay for one that can", "[redis]") {
  luxtest::RedisServer redis;
  std::string prefix = luxtest::UniquePrefix("names");
  auto old_build = Open(redis, prefix);
  old_build->SetRunnableNames({"a"});
  old_build->Enqueue(Job("b", 9, 0));
  old_build->Enqueue(Job("a", 0, 0));
  auto got = old_build->ClaimDue(1, 5);
  REQUIRE(Names(got) == std::vector<std::string>{"a"});
  auto unrunnable = old_build->UnrunnableNames();
  REQUIRE(unrunnable.size() == 1);
  REQUIRE(unrunnable[0].first == "b");
  REQUIRE(unrunnable[0].second == 1);
  REQUIRE_FALSE(old_build->NextRunAt().has_value());  // nothing it can run: no busy loop
  auto new_build = Open(redis, prefix);
  new_build->SetRunnableNames({"a", "b"});
  REQUIRE(Names(new_build->ClaimDue(1, 5)) == std::vector<std::string>{"b"});
}

TEST_CASE("redis store: worker pools on three replicas run 3000 jobs spawned on one of them each once", "[redis]") {
  luxtest::RedisServer redis;
  std::string prefix = luxtest::UniquePrefix("pools");
  std::mutex mu;
  std::map<std::string, int> runs;
  std::map<int, int> per_replica;
  lux::jobs::JobRegistry registries[3];
  std::unique_ptr<JobStore> stores[3];
  std::unique_ptr<lux::jobs::JobQueue> queues[3];
  for (int r = 0; r < 3; ++r) {
    stores[r] = Open(redis, prefix);
    registries[r]["count"] = lux::jobs::JobDef{"count", lux::JobOptions{}, [&, r](const lux::Value& args) {
                                                  std::this_thread::sleep_for(std::chrono::microseconds(200));
                                                  std::lock_guard<std::mutex> lock(mu);
                                                  ++runs[args[0].AsString()];
                                                  ++per_replica[r];
                                                }};
    lux::jobs::JobQueue::Options qo;
    qo.workers = 4;
    queues[r] = std::make_unique<lux::jobs::JobQueue>(*stores[r], registries[r], qo);
    queues[r]->Start();
    stores[r]->SetWakeup([q = queues[r].get()] { q->Poke(); });
  }
  constexpr int kJobs = 3000;
  for (int i = 0; i < kJobs; ++i) {
    StoredJob j = Job("count", 0, luxtest::NowMs(), 3, "[\"" + std::to_string(i) + "\"]");
    j.created_at_ms = j.run_at_ms;
    stores[0]->Enqueue(j);
  }
  REQUIRE(luxtest::WaitFor(
      [&] {
        std::lock_guard<std::mutex> lock(mu);
        return runs.size() == static_cast<std::size_t>(kJobs);
      },
      60'000));
  for (int r = 0; r < 3; ++r) {
    stores[r]->SetWakeup({});
    queues[r]->Stop(std::chrono::steady_clock::now() + std::chrono::seconds(5));
  }
  int twice = 0;
  for (const auto& [id, n] : runs) twice += n != 1;
  REQUIRE(twice == 0);
  // Every replica took part (the others were woken by the spawns, not by polling alone).
  for (int r = 0; r < 3; ++r) {
    INFO("replica " << r << " ran " << per_replica[r]);
    REQUIRE(per_replica[r] > 0);
  }
  REQUIRE(stores[1]->Counts(luxtest::NowMs()).completed == kJobs);
}

TEST_CASE("redis store: a job spawned on an idle replica's peer starts within milliseconds (pub/sub wake-up)",
          "[redis]") {
  luxtest::RedisServer redis;
  std::string prefix = luxtest::UniquePrefix("wake");
  auto spawner = Open(redis, prefix);
  auto worker = Open(redis, prefix);
  lux::jobs::JobRegistry reg;
  std::atomic<std::int64_t> ran_at{0};
  reg["x"] = lux::jobs::JobDef{"x", lux::JobOptions{}, [&](const lux::Value&) { ran_at = luxtest::NowMs(); }};
  lux::jobs::JobQueue q(*worker, reg, {});
  q.Start();
  worker->SetWakeup([&] { q.Poke(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the queue is idle, waiting
  std::int64_t t0 = luxtest::NowMs();
  StoredJob j = Job("x", 0, t0);
  j.created_at_ms = t0;
  spawner->Enqueue(j);
  REQUIRE(luxtest::WaitFor([&] { return ran_at.load() != 0; }, 5000));
  INFO("started after " << ran_at.load() - t0 << " ms");
  REQUIRE(ran_at.load() - t0 < 500);  // polling alone would take up to kStorePollMs (1 s)
  worker->SetWakeup({});
  q.Stop(std::chrono::steady_clock::now() + std::chrono::seconds(2));
}

TEST_CASE("redis store: with AOF (appendfsync always) a stored job survives Redis being killed", "[redis]") {
  luxtest::RedisServer redis(/*aof=*/true);
  std::string prefix = luxtest::UniquePrefix("aof");
  StoredJob j = Job("durable", 0, 0);
  {
    auto store = Open(redis, prefix);
    store->Enqueue(j);
  }
  redis.Restart();  // SIGKILL, then start again from the AOF
  auto store = Open(redis, prefix);
  auto got = store->ClaimDue(1, 5);
  REQUIRE(Names(got) == std::vector<std::string>{"durable"});
}

TEST_CASE("redis store: Redis down fails calls with an error naming it - the store reconnects when it is back",
          "[redis]") {
  luxtest::RedisServer redis(/*aof=*/true);
  std::string prefix = luxtest::UniquePrefix("down");
  auto store = Open(redis, prefix);
  store->Enqueue(Job("a", 0, 0));
  redis.Kill();
  REQUIRE_THROWS_WITH(store->Enqueue(Job("b", 0, 0)), Catch::Contains("redis redis://127.0.0.1:"));
  redis.Restart();
  store->Enqueue(Job("c", 0, 0));
  REQUIRE(store->ClaimDue(1, 5).size() == 2);
  // Opening against nothing fails at once (start-up), with the URL.
  lux::jobs::RedisStoreOptions o;
  o.url = "redis://127.0.0.1:" + std::to_string(luxtest::FreeTcpPort());
  o.app = "x";
  REQUIRE_THROWS_WITH(lux::jobs::OpenRedisStore(o), Catch::Contains("cannot connect"));
}

TEST_CASE("redis URLs: host port password database unix sockets - bad ones are refused with the reason",
          "[redis]") {
  using lux::redis::ParseUrl;
  auto u = ParseUrl("redis://127.0.0.1:6380/2");
  REQUIRE(u.host == "127.0.0.1");
  REQUIRE(u.port == 6380);
  REQUIRE(u.db == 2);
  auto p = ParseUrl("redis://:s3cret@cache.internal");
  REQUIRE(p.password == "s3cret");
  REQUIRE(p.host == "cache.internal");
  REQUIRE(p.port == 6379);
  REQUIRE(p.text.find("s3cret") == std::string::npos);  // logs never show it
  auto up = ParseUrl("redis://worker:pw@h:1");
  REQUIRE(up.user == "worker");
  REQUIRE(up.password == "pw");
  REQUIRE(ParseUrl("redis://[::1]:7000").host == "::1");
  REQUIRE(ParseUrl("redis://[::1]:7000").port == 7000);
  REQUIRE(ParseUrl("redis://").host == "127.0.0.1");
  auto s = ParseUrl("unix:///run/redis.sock?db=3");
  REQUIRE(s.unix_path == "/run/redis.sock");
  REQUIRE(s.db == 3);
  REQUIRE_THROWS_WITH(ParseUrl("rediss://h"), Catch::Contains("TLS"));
  REQUIRE_THROWS_WITH(ParseUrl("http://h"), Catch::Contains("scheme"));
  REQUIRE_THROWS_WITH(ParseUrl("redis://h:0"), Catch::Contains("port"));
  REQUIRE_THROWS_WITH(ParseUrl("redis://h:99999"), Catch::Contains("port"));
  REQUIRE_THROWS_WITH(ParseUrl("redis://h/x"), Catch::Contains("database"));
  REQUIRE_THROWS_WITH(ParseUrl("unix://relative"), Catch::Contains("absolute"));
}

TEST_CASE("redis scripts: EVALSHA falls back to EVAL after SCRIPT FLUSH", "[redis]") {
  luxtest::RedisServer redis;
  auto store = Open(redis, luxtest::UniquePrefix("flush"));
  store->Enqueue(Job("a", 0, 0));
  redis.Cmd({"SCRIPT", "FLUSH"});
  store->Enqueue(Job("b", 0, 0));
  REQUIRE(store->ClaimDue(1, 5).size() == 2);
}

TEST_CASE("redis store: the trace context a job was spawned in comes back with its claim", "[redis]") {
  luxtest::RedisServer redis;
  auto store = Open(redis, luxtest::UniquePrefix("trace"));
  StoredJob j = Job("traced", 0, 0);
  j.traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  store->Enqueue(j);
  store->Enqueue(Job("untraced", 0, 0));
  auto claimed = store->ClaimDue(1000, 10);
  REQUIRE(claimed.size() == 2);
  CHECK(claimed[0].traceparent == j.traceparent);
  CHECK(claimed[1].traceparent.empty());
  REQUIRE(store->Find(j.id));
  CHECK(store->Find(j.id)->traceparent == j.traceparent);
}

TEST_CASE("redis store: a dead-lettered job keeps the trace context it was spawned in, and a retry runs in it",
          "[redis]") {
  luxtest::RedisServer redis;
  std::string prefix = luxtest::UniquePrefix("trace-dead");
  auto store = Open(redis, prefix);
  StoredJob j = Job("traced", 0, 0, 1);
  j.traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  store->Enqueue(j);
  REQUIRE(store->ClaimDue(10, 5).size() == 1);
  store->Fail(j.id, "boom", 20, std::nullopt);  // its only attempt: the dead letter
  auto dead = store->Find(j.id);
  REQUIRE(dead);
  REQUIRE(dead->state == "dead");
  CHECK(dead->traceparent == j.traceparent);
  REQUIRE(store->Retry(j.id, 30));
  auto again = store->ClaimDue(30, 5);
  REQUIRE(again.size() == 1);
  CHECK(again[0].traceparent == j.traceparent);
}
