// The public jobs API (lux/jobs.h): RegisterJob / RegisterSchedule / RegisterEvery validate and
// record definitions on the App; rt::SpawnJob stores a job through the running App. Also the
// JobsState lifecycle (env, store open/recover, pool and scheduler start/stop, close) and the
// two runtime components that drive it: "jobs" and "scheduler" (server/component.h).
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <shared_mutex>
#include <stdexcept>

#include "core/ids.h"
#include "core/log.h"
#include "jobs/admin.h"
#include "jobs/cli.h"
#include "jobs/jobs_state.h"
#include "lux/env.h"
#include "lux/rt.h"
#include "tracing/instrument.h"
#include "metrics/instrument.h"
#include "redis/client.h"
#include "server/component.h"

namespace lux {
namespace jobs {
namespace {

std::shared_mutex g_running_mu;
JobsState* g_running = nullptr;  // guarded by g_running_mu

void CheckName(const char* what, const std::string& name) {
  if (name.empty()) throw std::invalid_argument(std::string(what) + " name is empty");
}

}  // namespace

namespace {

// lux_jobs_queue_depth{state} and lux_jobs_oldest_waiting_age_seconds, read from the store at
// each scrape (so replicas sharing a Redis store all report the shared queue).
std::vector<std::shared_ptr<void>> WatchQueue(std::shared_ptr<JobsState> st) {
  auto now_ms = [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  };
  std::vector<std::shared_ptr<void>> out;
  out.push_back(metrics::WatchGauge(
      "lux_jobs_queue_depth", "Jobs in the store by state: pending (due), scheduled (waiting for their time), running, dead.",
      "state", [st, now_ms]() -> std::vector<std::pair<std::string, double>> {
        if (!st->store) return {};
        JobCounts c = st->store->Counts(now_ms());
        return {{"pending", static_cast<double>(c.pending)}, {"scheduled", static_cast<double>(c.scheduled)},
                {"running", static_cast<double>(c.running)}, {"dead", static_cast<double>(c.dead)}};
      }));
  out.push_back(metrics::WatchGauge(
      "lux_jobs_oldest_waiting_age_seconds", "How long the oldest due job has been waiting to be claimed (0: none waits).", "",
      [st, now_ms]() -> std::vector<std::pair<std::string, double>> {
        if (!st->store) return {};
        std::int64_t now = now_ms();
        std::optional<std::int64_t> next = st->store->NextRunAt();
        return {{"", next && *next <= now ? static_cast<double>(now - *next) / 1000.0 : 0.0}};
      }));
  return out;
}

// The job store and worker pool. Takes part in every run: `jobs` and `jobs retry` open the
// store alone; serving also recovers interrupted jobs and adds the admin routes.
class JobsComponent final : public server::Component {
 public:
  static constexpr server::Order kOrder = server::Order::kJobs;
  JobsComponent() : Component(kOrder, "jobs") {}

  bool TakesPart(server::RunMode) const override { return true; }
  void Open(server::Host& host) override {
    bool serving = host.Mode() == server::RunMode::kServe;
    state->Open(host.AppName(), host.Mode());
    if (server::ServesRequests(host.Mode()) && !state->config.admin_token.empty()) RegisterAdminRoutes(host, *state);
    if (serving) watch_ = WatchQueue(state);
  }
  void Start(server::Host&) override { state->StartWorkers(); }
  void Stop(server::Deadline deadline) override { state->StopWorkers(deadline); }
  // A swap: no more claims here; running jobs finish by `deadline`, claimed ones not started go
  // back to the store (the new process's pool claims them), then the recovery lease goes.
  void HandOver(server::Deadline deadline) override { state->StopWorkers(deadline); }
  void Close() override {
    watch_.clear();
    state->Close();
  }
  // `check_jobs`: the job store answers (its counts); `check_redis` when it is Redis: a PING.
  std::vector<server::ReadinessCheck> ReadinessChecks() override {
    std::shared_ptr<JobsState> st = state;
    std::vector<server::ReadinessCheck> out;
    out.push_back({"jobs", [st](server::Deadline) {
                     if (!st->store) throw std::runtime_error("the job store is closed");
                     st->store->Counts(std::chrono::duration_cast<std::chrono::milliseconds>(
                                           std::chrono::system_clock::now().time_since_epoch())
                                           .count());
                   }});
    if (st->config.adapter == "redis") {
      std::string url = st->config.url;
      out.push_back({"redis", [url](server::Deadline deadline) {
                       auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
                       redis::Ping(url, static_cast<int>(left.count()));
                     }});
    }
    return out;
  }

  bool ProvidesCommand(std::string_view command) const override { return IsJobsCommand(command); }
  int RunCommand(server::CommandHost& host, int argc, char** argv) override {
    return RunJobsCommand(host, *state, argc, argv);
  }

  std::shared_ptr<JobsState> state = std::make_shared<JobsState>();

 private:
  std::vector<std::shared_ptr<void>> watch_;  // the queue's gauges (metrics)
};

// Schedules: the scheduler starts after the worker pool and stops before it.
class SchedulerComponent final : public server::Component {
 public:
  static constexpr server::Order kOrder = server::Order::kScheduler;
  SchedulerComponent() : Component(kOrder, "scheduler") {}

  void Start(server::Host&) override { state->StartScheduler(); }
  void Stop(server::Deadline deadline) override { state->StopScheduler(deadline); }
  // A swap: no more ticks here (a run under way finishes by `deadline`); the new process ticks
  // once it has the schedules' lease.
  void HandOver(server::Deadline deadline) override { state->StopScheduler(deadline); }

  JobsState* state = nullptr;
};

}  // namespace

JobsState* FindState(App& app) {
  auto* c = static_cast<JobsComponent*>(server::FindComponent(app, JobsComponent::kOrder));
  return c ? c->state.get() : nullptr;
}

JobsState& StateOf(App& app) {
  if (server::Started(app)) throw std::invalid_argument("jobs and schedules must be registered before the App starts");
  if (JobsState* st = FindState(app)) return *st;
  JobsState& st = *server::Ensure<JobsComponent>(app).state;
  server::Ensure<SchedulerComponent>(app).state = &st;
  return st;
}

JobsState* RunningState() {
  std::shared_lock<std::shared_mutex> lock(g_running_mu);
  return g_running;
}

JobsState::~JobsState() {
  Stop(std::chrono::steady_clock::now());
  Close();
}

void JobsState::Open(const std::string& app_name, server::RunMode mode) {
  bool server = mode == server::RunMode::kServe;
  if (auto p = EnvOptString("LUX_JOBS_PATH")) config.path = *p;
  if (auto w = EnvOptInt("LUX_JOB_WORKERS")) {
    if (*w < 1 || *w > kMaxJobWorkers)
      throw StartupError("env LUX_JOB_WORKERS: expected Int in 1.." + std::to_string(kMaxJobWorkers) + ", got \"" +
                         std::to_string(*w) + "\"");
    config.workers = static_cast<int>(*w);
  }
  if (auto e = EnvOptBool("LUX_SCHEDULER_ENABLED")) config.scheduler_enabled = *e;
  if (auto t = EnvOptString("LUX_ADMIN_TOKEN")) config.admin_token = *t;
  SyncMode sync = SyncMode::kNormal;
  if (auto s = EnvOptString("LUX_JOBS_SYNC")) {
    if (*s == "full") sync = SyncMode::kFull;
    else if (*s != "normal") throw StartupError("env LUX_JOBS_SYNC: expected normal|full, got \"" + *s + "\"");
  }
  if (config.workers < 1 || config.workers > kMaxJobWorkers)
    throw StartupError("jobs: workers must be in 1.." + std::to_string(kMaxJobWorkers));
  ApplyBackendEnv();
  bool redis = config.adapter == "redis";
  if (redis) {
    path = redis::ParseUrl(config.url).text;  // for logs: the password is masked
  } else {
    path = config.path.empty() ? ".lux/" + app_name + ".jobs.db" : config.path;
  }
  {
    std::unique_lock<std::shared_mutex> lock(g_running_mu);
    if (g_running && g_running != this) throw StartupError("another App with jobs is already running in this process");
  }
  try {
    if (redis) {
      RedisStoreOptions ro;
      ro.url = config.url;
      ro.prefix = config.prefix;
      ro.app = app_name;
      ro.visibility_ms = config.visibility_timeout_ms;
      store = OpenRedisStore(ro);
    } else {
      if (mode == server::RunMode::kAdmin && path != ":memory:" && !std::filesystem::exists(path))
        throw StartupError("no job store at " + std::filesystem::absolute(path).string() +
                           ": run this command in the directory the server runs in, or set LUX_JOBS_PATH to the "
                           "server's store");
      store = OpenSqliteStore(path, sync);
    }
    std::vector<std::string> names;
    for (const auto& [name, def] : jobs) names.push_back(name);
    store->SetRunnableNames(names);
    if (server) {
      if (!redis && path != ":memory:") {
        lease = std::make_unique<core::ProcessLease>(path + ".lease");
        if (!lease->TryTake())
          core::Log(LogLevel::kInfo, "another process serves this job store; the jobs it leaves running are recovered here once it stopped",
                    {{"store", path}});
      }
      if (!lease || lease->Held()) RecoverInterrupted();
      for (const auto& [name, count] : store->UnrunnableNames())
        core::Log(LogLevel::kWarn, "stored jobs have no handler in this program; left in the store",
                  {{"job", name}, {"count", static_cast<long long>(count)}});
    }
  } catch (const Error& e) {
    store.reset();
    throw StartupError(e.what());
  }
  std::unique_lock<std::shared_mutex> lock(g_running_mu);
  g_running = this;
}

void JobsState::RecoverInterrupted() {
  // Shared store: only jobs whose lease ran out (their replica died); the others run live.
  int recovered = store->RecoverRunning(store->Shared()
                                            ? "interrupted: the worker running this attempt stopped renewing its lease"
                                            : "interrupted: the process stopped while this attempt ran");
  if (recovered > 0)
    core::Log(LogLevel::kWarn, "jobs interrupted by the last stop are pending again",
              {{"jobs", recovered}, {"store", path}});
}

void JobsState::ApplyBackendEnv() {
  if (auto u = EnvOptString("LUX_JOBS_URL")) {
    if (*u == "embedded" || *u == "sqlite") {
      config.adapter = "sqlite";
    } else if (u->rfind("redis://", 0) == 0 || u->rfind("unix://", 0) == 0) {
      config.adapter = "redis";
      config.url = *u;
    } else {
      throw StartupError("env LUX_JOBS_URL: expected redis://..., unix://... or embedded, got \"" + *u + "\"");
    }
  }
  if (auto p = EnvOptString("LUX_JOBS_PREFIX")) config.prefix = *p;
  if (auto v = EnvOptInt("LUX_JOBS_VISIBILITY_MS")) config.visibility_timeout_ms = *v;
  if (config.adapter != "sqlite" && config.adapter != "redis")
    throw StartupError("jobs: unknown adapter \"" + config.adapter + "\" (expected \"sqlite\" or \"redis\")");
  if (config.adapter != "redis") return;
  if (config.url.empty()) throw StartupError("jobs: adapter \"redis\" needs a url (redis://host:port)");
  if (config.prefix.empty()) throw StartupError("jobs: the Redis key prefix is empty");
  if (config.visibility_timeout_ms < kMinVisibilityTimeoutMs)
    throw StartupError("jobs: visibility timeout " + std::to_string(config.visibility_timeout_ms) +
                       " ms is shorter than the minimum " + std::to_string(kMinVisibilityTimeoutMs) + " ms");
  try {
    redis::ParseUrl(config.url);
  } catch (const Error& e) {
    throw StartupError(std::string("jobs: ") + e.what());
  }
}

void JobsState::StartWorkers() {
  if (!store) return;
  JobQueue::Options qo;
  qo.workers = config.workers;
  qo.clock = clock;
  qo.jitter = jitter;
  queue = std::make_unique<JobQueue>(*store, jobs, qo);
  queue->Start();
  if (lease && !lease->Held()) {
    lease->WhenTaken([this] {
      try {
        RecoverInterrupted();
      } catch (const std::exception& e) {
        core::Log(LogLevel::kError, "job store failed while recovering interrupted jobs", {{"error", std::string(e.what())}});
      }
      if (queue) queue->Poke();
    });
  }
  store->SetWakeup([q = queue.get()] { q->Poke(); });  // other replicas' spawns
  core::Log(LogLevel::kInfo, "jobs started",
            {{"store", path}, {"workers", config.workers}, {"jobs", static_cast<int>(jobs.size())},
             {"schedules", static_cast<int>(schedules.size())}});
}

void JobsState::StartScheduler() {
  if (!store) return;
  scheduler = std::make_unique<Scheduler>(*store, schedules, clock);
  if (lease && config.scheduler_enabled && !schedules.empty()) {
    tick_lease = std::make_unique<core::ProcessLease>(path + ".schedules.lease");
    if (!tick_lease->TryTake()) {
      core::Log(LogLevel::kInfo, "another process ticks this job store's schedules; this one takes them over when it stops",
                {{"store", path}, {"schedules", static_cast<int>(schedules.size())}});
      tick_lease->WhenTaken([this] {
        scheduler->Start();
        core::Log(LogLevel::kInfo, "schedules taken over from the process that ticked them", {{"store", path}});
      });
      return;
    }
  }
  if (config.scheduler_enabled) {
    scheduler->Start();
  } else if (!schedules.empty()) {
    core::Log(LogLevel::kInfo, "scheduler disabled (LUX_SCHEDULER_ENABLED); run tasks with `run-task NAME`",
              {{"schedules", static_cast<int>(schedules.size())}});
  }
}

void JobsState::StopScheduler(std::chrono::steady_clock::time_point deadline) {
  if (tick_lease) tick_lease->StopWaiting();  // a take-over under way completes first
  int left = scheduler ? scheduler->Stop(deadline) : 0;
  if (tick_lease && left == 0) tick_lease->Release();  // the next process ticks from here
}

void JobsState::StopWorkers(std::chrono::steady_clock::time_point deadline) {
  if (lease) lease->StopWaiting();
  if (store) store->SetWakeup({});
  int left = queue ? queue->Stop(deadline) : 0;
  // A job still running keeps the lease until the process ends: no other process recovers it meanwhile.
  if (lease && left == 0) lease->Release();
}

void JobsState::Stop(std::chrono::steady_clock::time_point deadline) {
  StopScheduler(deadline);
  StopWorkers(deadline);
}

void JobsState::Close() {
  {
    std::unique_lock<std::shared_mutex> lock(g_running_mu);
    if (g_running == this) g_running = nullptr;
  }
  // Detached threads (abandoned attempts, tasks past the deadline) hold the queue's and the
  // scheduler's shared state, never the store: it can go.
  queue.reset();
  scheduler.reset();
  tick_lease.reset();
  lease.reset();
  store.reset();
}

std::string JobsState::Spawn(std::string_view name, Value args, const SpawnOptions& options) {
  auto it = jobs.find(std::string(name));
  if (it == jobs.end()) {
    std::string known;
    for (const auto& [n, def] : jobs) known += (known.empty() ? "" : ", ") + n;
    throw Error("spawn_job: unknown job `" + std::string(name) + "`" +
                (known.empty() ? std::string(" (no jobs are registered)") : " (registered: " + known + ")"));
  }
  if (!args.IsArray()) throw Error("spawn_job: the arguments of `" + std::string(name) + "` must be an array");
  const JobOptions& o = it->second.options;
  std::int64_t delay = options.delay_ms.value_or(o.delay_ms);
  if (delay < 0) delay = 0;
  if (delay > kMaxJobDelayMs)
    throw Error("spawn_job `" + std::string(name) + "`: delay " + std::to_string(delay) + " ms is longer than ten years");
  StoredJob j;
  j.id = core::NewRequestId();
  j.name = it->first;
  j.args_json = ToJson(args);
  j.priority = options.priority.value_or(o.priority);
  j.max_attempts = o.attempts;
  j.created_at_ms = (clock ? clock : &SystemClock())->NowMs();
  j.run_at_ms = j.created_at_ms + delay;
  j.request_id = rt::RequestId();
  j.traceparent = tracing::CurrentTraceparent();  // the run's span is a child of the spawning one
  store->Enqueue(j);
  metrics::JobEnqueued(j.name);
  if (queue) queue->Poke();
  return j.id;
}

}  // namespace jobs

// ---- lux/jobs.h ----

void RegisterJob(App& app, std::string name, JobOptions options, JobHandler handler) {
  jobs::CheckName("job", name);
  if (!handler) throw std::invalid_argument("job `" + name + "` has no handler");
  if (options.attempts < 1 || options.attempts > kMaxJobAttempts)
    throw std::invalid_argument("job `" + name + "`: attempts must be in 1.." + std::to_string(kMaxJobAttempts));
  if (options.backoff_ms < 0 || options.delay_ms < 0 || options.timeout_ms < 0)
    throw std::invalid_argument("job `" + name + "`: backoff_delay, delay and timeout must not be negative");
  if (options.delay_ms > jobs::kMaxJobDelayMs)
    throw std::invalid_argument("job `" + name + "`: delay is longer than ten years");
  jobs::JobsState& st = jobs::StateOf(app);
  if (st.jobs.count(name)) throw std::invalid_argument("job `" + name + "` is registered twice");
  st.jobs.emplace(name, jobs::JobDef{name, options, std::move(handler)});
}

namespace {

jobs::ScheduleDef& AddSchedule(App& app, const std::string& name, const ScheduleOptions& options, Hook task) {
  jobs::CheckName("schedule", name);
  if (!task) throw std::invalid_argument("schedule `" + name + "` has no task");
  jobs::JobsState& st = jobs::StateOf(app);
  for (const auto& s : st.schedules)
    if (s.name == name) throw std::invalid_argument("schedule `" + name + "` is registered twice");
  std::shared_ptr<const cron::TimeZone> zone = cron::loadZone(options.tz);
  if (!zone) throw std::invalid_argument("schedule `" + name + "`: unknown time zone `" + options.tz + "`");
  jobs::ScheduleDef def;
  def.name = name;
  def.options = options;
  def.task = std::move(task);
  def.zone = std::move(zone);
  st.schedules.push_back(std::move(def));
  return st.schedules.back();
}

}  // namespace

void RegisterSchedule(App& app, std::string name, std::string_view cron_text, ScheduleOptions options, Hook task) {
  cron::CronParseResult parsed = cron::parseCron(cron_text);
  if (!parsed.ok()) {
    throw std::invalid_argument("schedule `" + name + "`: invalid cron `" + std::string(cron_text) +
                                "`: " + (parsed.errors.empty() ? std::string("unknown error") : parsed.errors[0].message));
  }
  std::shared_ptr<const cron::TimeZone> zone = cron::loadZone(options.tz);
  if (zone && !cron::nextFireTime(*parsed.spec, cron::TimePoint(std::chrono::seconds(0)), *zone))
    throw std::invalid_argument("schedule `" + name + "`: cron `" + std::string(cron_text) + "` never fires");
  jobs::ScheduleDef& def = AddSchedule(app, name, options, std::move(task));
  def.cron_text = parsed.spec->text;
  def.description = cron::describeCron(*parsed.spec);
  def.spec = std::move(parsed.spec);
}

void RegisterEvery(App& app, std::string name, std::int64_t interval_ms, ScheduleOptions options, Hook task) {
  if (interval_ms < jobs::kMinEveryIntervalMs)
    throw std::invalid_argument("schedule `" + name + "`: interval must be at least " +
                                std::to_string(jobs::kMinEveryIntervalMs) + " ms");
  jobs::ScheduleDef& def = AddSchedule(app, name, options, std::move(task));
  def.interval_ms = interval_ms;
  def.description = "every " + std::to_string(interval_ms) + " ms";
}

JobsConfig& Jobs(App& app) { return jobs::StateOf(app).config; }

namespace rt {

std::string SpawnJob(std::string_view name, Value args, const SpawnOptions& options) {
  std::shared_lock<std::shared_mutex> lock(jobs::g_running_mu);
  if (!jobs::g_running)
    throw Error("spawn_job `" + std::string(name) + "`: no App with jobs is running in this process");
  return jobs::g_running->Spawn(name, std::move(args), options);
}

}  // namespace rt
}  // namespace lux
