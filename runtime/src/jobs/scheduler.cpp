// The scheduler thread and schedule runs (see scheduler.h). The thread waits on the clock until
// the earliest next fire instant (microsecond-precise waits on the steady clock, no polling),
// fires what is due, and records each tick's time in the store for missed-run detection at the
// next start. A failing task is logged and its schedule keeps going. With a store shared by
// replicas (Redis), every due tick is first claimed in the store (JobStore::ClaimTick): exactly
// one replica runs it, and overlap: skip holds across replicas through a run lease.
#include "jobs/scheduler.h"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "core/log.h"
#include "lux/services.h"
#include "metrics/instrument.h"

namespace lux::jobs {

namespace {

struct Entry {
  const ScheduleDef* def = nullptr;
  std::int64_t next_ms = kNever;
  int running = 0;
  Scheduler::Stats stats;
};

std::string IsoTime(std::int64_t ms) {
  std::string out;
  core::AppendIsoTime(std::chrono::system_clock::time_point(std::chrono::milliseconds(ms)), out);
  return out;
}

}  // namespace

struct Scheduler::State {
  JobStore* store = nullptr;
  Clock* clock = nullptr;
  bool shared = false;  // the store arbitrates ticks between replicas
  std::mutex mu;
  std::condition_variable cv;
  std::vector<Entry> entries;
  int active = 0;  // runs in progress across schedules
  // Schedules whose run lease (shared store, overlap: skip) is to be released: run threads
  // never touch the store (it may be closed before they end), the timer thread or Stop does.
  std::vector<std::string> end_runs;
  bool started = false;
  bool stopping = false;
  std::thread timer;
};

std::int64_t NextFireMs(const ScheduleDef& def, std::int64_t after_ms) {
  if (!def.spec) return def.interval_ms > 0 ? after_ms + def.interval_ms : kNever;
  // Cron works in whole seconds: the next instant strictly after the second containing after_ms.
  std::int64_t sec = after_ms >= 0 ? after_ms / 1000 : -((-after_ms + 999) / 1000);
  auto next = cron::nextFireTime(*def.spec, cron::TimePoint(std::chrono::seconds(sec)),
                                 def.zone ? *def.zone : cron::utcZone());
  if (!next) return kNever;
  return static_cast<std::int64_t>(next->time_since_epoch().count()) * 1000;
}

// With a shared store, `every` intervals fire at multiples of the interval since the epoch, so
// that every replica computes the same instants (and claims the same ticks).
std::int64_t AlignedNextMs(std::int64_t interval_ms, std::int64_t after_ms) {
  return (after_ms / interval_ms + 1) * interval_ms;
}

namespace {

using State = Scheduler::State;

// With s->mu held. Starts a run of `e` on its own thread; false when skipped for overlap.
// `lease`: the run holds the schedule's run lease in the store, released when it ends.
bool Launch(const std::shared_ptr<State>& s, Entry& e, const char* why, bool lease = false) {
  if (e.def->options.overlap == Overlap::kSkip && e.running > 0) {
    ++e.stats.skipped;
    metrics::ScheduleSkipped(e.def->name);
    core::Log(LogLevel::kInfo, "scheduled run skipped: the previous run is still running",
              {{"schedule", e.def->name}, {"trigger", why}});
    if (lease) s->end_runs.push_back(e.def->name);
    return false;
  }
  ++e.running;
  ++e.stats.started;
  metrics::ScheduleRun(e.def->name);
  ++s->active;
  Hook task = e.def->task;  // a copy: the thread may outlive the registry at shutdown
  Entry* ep = &e;           // entries never move after Start (the vector is built once)
  std::string name = e.def->name;
  std::thread([s, ep, task = std::move(task), name, why, lease] {
    std::string error;
    bool ok = false;
    try {
      task();
      if (std::optional<CallResult> failed = rt::TakeCallFailure()) error = failed->error;  // kept (lux/services.h)
      else ok = true;
    } catch (const std::exception& ex) {
      error = ex.what();
    } catch (...) {
      error = "unknown exception";
    }
    if (!ok) core::Log(LogLevel::kError, "scheduled task failed", {{"schedule", name}, {"trigger", why}, {"error", error}});
    if (!ok) metrics::ScheduleFailed(name);
    std::lock_guard<std::mutex> lock(s->mu);
    --ep->running;
    ++ep->stats.finished;
    if (!ok) ++ep->stats.failed;
    if (lease) s->end_runs.push_back(name);
    --s->active;
    s->cv.notify_all();
  }).detach();
  return true;
}

// With s->mu held (released while the store is called): releases the run leases of runs that ended.
void ReleaseEndedRuns(const std::shared_ptr<State>& s, std::unique_lock<std::mutex>& lock) {
  if (s->end_runs.empty()) return;
  std::vector<std::string> names = std::move(s->end_runs);
  s->end_runs.clear();
  lock.unlock();
  for (const std::string& name : names) {
    try {
      s->store->EndRun(name);
    } catch (const std::exception& ex) {
      // The lease expires on its own.
      core::Log(LogLevel::kWarn, "job store failed while releasing a schedule's run lease",
                {{"schedule", name}, {"error", std::string(ex.what())}});
    }
  }
  lock.lock();
}

void RecordDelay(Entry& e, std::int64_t delay) {
  metrics::ScheduleLag(e.def->name, delay);
  e.stats.delays_ms.push_back(delay);
  if (e.stats.delays_ms.size() > kKeptDelays) e.stats.delays_ms.erase(e.stats.delays_ms.begin());
}

// With s->mu held (released while the store is called). Shared store: each due tick is
// claimed in the store first; only the replica that wins it runs it.
void FireShared(const std::shared_ptr<State>& s, std::unique_lock<std::mutex>& lock,
                const std::vector<std::pair<Entry*, std::int64_t>>& due,
                std::vector<std::pair<std::string, std::int64_t>>& ticks) {
  struct Ask {
    Entry* e;
    std::int64_t planned;
    bool exclusive;
    bool running_here;
    JobStore::TickClaim claim = JobStore::TickClaim::kTaken;
  };
  std::vector<Ask> asks;
  for (const auto& [e, planned] : due)
    asks.push_back({e, planned, e->def->options.overlap == Overlap::kSkip, e->running > 0});
  lock.unlock();
  for (Ask& a : asks) {
    try {
      a.claim = s->store->ClaimTick(a.e->def->name, a.planned, a.exclusive, a.running_here);
    } catch (const std::exception& ex) {
      // Without the store no replica can know whether another runs this tick: skip it.
      core::Log(LogLevel::kError, "job store failed while claiming a schedule tick; tick skipped",
                {{"schedule", a.e->def->name}, {"error", std::string(ex.what())}});
    }
  }
  lock.lock();
  std::int64_t now = s->clock->NowMs();
  for (Ask& a : asks) {
    Entry& e = *a.e;
    if (a.claim == JobStore::TickClaim::kTaken) continue;
    if (s->stopping) {  // claimed while the scheduler was stopping: not run (the lease expires)
      if (a.claim == JobStore::TickClaim::kRun && a.exclusive) s->end_runs.push_back(e.def->name);
      continue;
    }
    ticks.emplace_back(e.def->name, a.planned);
    if (a.claim == JobStore::TickClaim::kBusy) {
      ++e.stats.skipped;
      metrics::ScheduleSkipped(e.def->name);
      core::Log(LogLevel::kInfo, "scheduled run skipped: the previous run is still running (here or on another replica)",
                {{"schedule", e.def->name}, {"trigger", "schedule"}});
      continue;
    }
    RecordDelay(e, now - a.planned);
    Launch(s, e, "schedule", a.exclusive);
  }
}

void TimerLoop(std::shared_ptr<State> s) {
  std::unique_lock<std::mutex> lock(s->mu);
  while (!s->stopping) {
    ReleaseEndedRuns(s, lock);
    if (s->stopping) break;
    std::int64_t now = s->clock->NowMs();
    std::int64_t earliest = kNever;
    std::vector<std::pair<std::string, std::int64_t>> ticks;
    std::vector<std::pair<Entry*, std::int64_t>> due;
    for (Entry& e : s->entries) {
      if (e.next_ms <= now) {
        std::int64_t planned = e.next_ms;
        if (!s->shared) {
          RecordDelay(e, now - planned);
          Launch(s, e, "schedule");
          ticks.emplace_back(e.def->name, planned);
        } else {
          due.emplace_back(&e, planned);
        }
        if (!e.def->spec && s->shared) {
          e.next_ms = AlignedNextMs(e.def->interval_ms, std::max(planned, now - e.def->interval_ms));
          if (e.next_ms <= now) e.next_ms = AlignedNextMs(e.def->interval_ms, now);
        } else {
          // Intervals keep their cadence; after a long stall (suspend) they restart from now.
          std::int64_t base = e.def->spec ? now : std::max(planned, now - e.def->interval_ms);
          e.next_ms = NextFireMs(*e.def, base);
        }
      }
      earliest = std::min(earliest, e.next_ms);
    }
    if (!due.empty()) FireShared(s, lock, due, ticks);
    if (!ticks.empty() || !due.empty()) {
      lock.unlock();
      for (const auto& [name, at] : ticks) {
        try {
          s->store->SetLastFire(name, at);
        } catch (const std::exception& ex) {
          core::Log(LogLevel::kError, "job store failed while recording a schedule tick",
                    {{"schedule", name}, {"error", std::string(ex.what())}});
        }
      }
      lock.lock();
      continue;
    }
    s->clock->WaitUntil(s->cv, lock, earliest);
  }
}

}  // namespace

Scheduler::Scheduler(JobStore& store, const std::vector<ScheduleDef>& defs, Clock* clock)
    : s_(std::make_shared<State>()) {
  s_->store = &store;
  s_->shared = store.Shared();
  s_->clock = clock ? clock : &SystemClock();
  s_->entries.reserve(defs.size());
  for (const ScheduleDef& d : defs) {
    Entry e;
    e.def = &d;
    s_->entries.push_back(std::move(e));
  }
}

Scheduler::~Scheduler() { Stop(std::chrono::steady_clock::now()); }

void Scheduler::Start() {
  std::int64_t now = s_->clock->NowMs();
  // Store reads first, without the lock (the timer thread does not exist yet).
  struct Plan {
    std::optional<std::int64_t> last;
    bool missed = false;
    bool claimed = true;  // shared store: this replica won the missed run (only one does)
  };
  std::vector<Plan> plans(s_->entries.size());
  for (std::size_t i = 0; i < s_->entries.size(); ++i) {
    const ScheduleDef& d = *s_->entries[i].def;
    Plan& p = plans[i];
    p.last = s_->store->LastFire(d.name);
    if (p.last) p.missed = NextFireMs(d, *p.last) <= now;
    if (p.missed && d.options.missed == Missed::kRunOnce && s_->shared) {
      // The first missed tick is the same for every replica starting now: one of them runs it.
      p.claimed = s_->store->ClaimTick(d.name, NextFireMs(d, *p.last), false, false) == JobStore::TickClaim::kRun;
    }
    // First start (no record) or missed ticks handled now: this start is the new reference.
    if (!p.last || p.missed) s_->store->SetLastFire(d.name, now);
  }
  std::lock_guard<std::mutex> lock(s_->mu);
  if (s_->started) return;
  s_->started = true;
  for (std::size_t i = 0; i < s_->entries.size(); ++i) {
    Entry& e = s_->entries[i];
    const ScheduleDef& d = *e.def;
    const Plan& p = plans[i];
    if (!d.spec && s_->shared) {
      e.next_ms = AlignedNextMs(d.interval_ms, now);  // the same instants on every replica
    } else if (!d.spec && p.last && !p.missed) {
      e.next_ms = *p.last + d.interval_ms;  // keep the interval's cadence across restarts
    } else {
      e.next_ms = NextFireMs(d, now);
    }
    core::Log(LogLevel::kInfo, "schedule",
              {{"schedule", d.name}, {"cron", d.spec ? d.cron_text : std::string("every")},
               {"tz", d.options.tz}, {"description", d.description},
               {"next_fire", e.next_ms == kNever ? std::string("never") : IsoTime(e.next_ms)}});
    bool run_now = d.options.run_on_start;
    if (p.missed) {
      if (d.options.missed == Missed::kRunOnce && !p.claimed) {
        core::Log(LogLevel::kInfo, "missed scheduled run while stopped; another replica runs it",
                  {{"schedule", d.name}, {"last_fire", IsoTime(*p.last)}});
      } else if (d.options.missed == Missed::kRunOnce) {
        core::Log(LogLevel::kInfo, "missed scheduled run while stopped; running once now",
                  {{"schedule", d.name}, {"last_fire", IsoTime(*p.last)}});
        run_now = true;
      } else {
        core::Log(LogLevel::kInfo, "missed scheduled runs while stopped; skipped",
                  {{"schedule", d.name}, {"last_fire", IsoTime(*p.last)}});
      }
    }
    if (run_now) Launch(s_, e, p.missed && d.options.missed == Missed::kRunOnce ? "missed" : "start");
  }
  s_->timer = std::thread(TimerLoop, s_);
}

Scheduler::TriggerResult Scheduler::Trigger(const std::string& name) {
  std::lock_guard<std::mutex> lock(s_->mu);
  if (s_->stopping) return TriggerResult::kBusy;
  for (Entry& e : s_->entries) {
    if (e.def->name != name) continue;
    return Launch(s_, e, "manual") ? TriggerResult::kStarted : TriggerResult::kBusy;
  }
  return TriggerResult::kUnknown;
}

std::vector<Scheduler::Info> Scheduler::Describe() {
  std::lock_guard<std::mutex> lock(s_->mu);
  std::vector<Info> out;
  for (const Entry& e : s_->entries) {
    Info i;
    i.name = e.def->name;
    i.cron = e.def->cron_text;
    i.interval_ms = e.def->interval_ms;
    i.tz = e.def->options.tz;
    i.description = e.def->description;
    if (s_->started && e.next_ms != kNever) i.next_fire_ms = e.next_ms;
    i.running = e.running;
    out.push_back(std::move(i));
  }
  return out;
}

Scheduler::Stats Scheduler::StatsOf(const std::string& name) {
  std::lock_guard<std::mutex> lock(s_->mu);
  for (const Entry& e : s_->entries)
    if (e.def->name == name) return e.stats;
  return {};
}

int Scheduler::Stop(std::chrono::steady_clock::time_point deadline) {
  {
    std::lock_guard<std::mutex> lock(s_->mu);
    if (s_->stopping) return 0;
    s_->stopping = true;
    s_->cv.notify_all();
  }
  if (s_->timer.joinable()) s_->timer.join();
  std::unique_lock<std::mutex> lock(s_->mu);
  s_->cv.wait_until(lock, deadline, [&] { return s_->active == 0; });
  int left = s_->active;
  ReleaseEndedRuns(s_, lock);  // runs still going keep their lease until it expires
  lock.unlock();
  if (left > 0)
    core::Log(LogLevel::kWarn, "scheduled tasks still running at the drain deadline; abandoned", {{"running", left}});
  return left;
}

}  // namespace lux::jobs
