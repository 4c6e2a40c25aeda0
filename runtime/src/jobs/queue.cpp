// The job worker pool (see queue.h). One dispatcher thread claims due jobs for free workers and
// watches attempt deadlines; `workers` pool threads run handlers. Everything mutable is in a
// shared State so a thread abandoned on timeout can finish (and be ignored) after Stop.
// Each failure is logged with job id, name, attempt, error and the spawning request's id.
#include "jobs/queue.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <random>
#include <thread>

#include "core/fiber.h"
#include "core/log.h"
#include "lux/rt.h"
#include "lux/services.h"
#include "tracing/instrument.h"
#include "metrics/instrument.h"

namespace lux::jobs {

namespace {

struct Worker;

struct Attempt {
  StoredJob job;
  JobOptions options;
  JobHandler handler;  // a copy: an abandoned thread may outlive the registry
  std::int64_t deadline_ms = kNever;
  bool abandoned = false;
  std::shared_ptr<Worker> worker;
};

struct Worker {
  std::thread thread;
  bool exited = false;
};

double DefaultJitter() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_real_distribution<double> d(1.0 - kBackoffJitter, 1.0 + kBackoffJitter);
  return d(rng);
}

}  // namespace

struct JobQueue::State {
  JobStore* store = nullptr;
  const JobRegistry* registry = nullptr;
  Clock* clock = nullptr;
  std::function<double()> jitter;
  int workers = 1;

  std::mutex mu;
  std::condition_variable cv;       // the dispatcher waits here
  std::condition_variable work_cv;  // pool threads wait here
  std::deque<std::shared_ptr<Attempt>> ready;
  std::vector<std::shared_ptr<Attempt>> running;
  std::vector<std::shared_ptr<Worker>> pool;
  int active = 0;  // attempts handed out and not yet recorded (abandoned ones excluded)
  std::vector<std::string> completed;  // succeeded, to be completed with the next claim
  bool poked = true;
  bool started = false;
  bool stopping = false;
  std::int64_t next_due_ms = 0;
  std::thread dispatcher;
};

std::int64_t BackoffDelayMs(const JobOptions& options, int failed_attempt, double jitter_factor) {
  double delay = static_cast<double>(std::max<std::int64_t>(options.backoff_ms, 0));
  if (options.backoff == Backoff::kExponential) delay *= std::ldexp(1.0, std::clamp(failed_attempt - 1, 0, 62));
  delay = std::min(delay, static_cast<double>(kMaxBackoffMs));
  delay *= jitter_factor;
  delay = std::clamp(delay, 0.0, static_cast<double>(kMaxBackoffMs));
  return static_cast<std::int64_t>(std::llround(delay));
}

namespace {

using State = JobQueue::State;

void LogFailure(LogLevel level, std::string_view msg, const StoredJob& j, const std::string& error,
                std::int64_t retry_in_ms) {
  if (retry_in_ms >= 0) {
    core::Log(level, msg,
              {{"job_id", j.id}, {"job", j.name}, {"attempt", j.attempts}, {"max_attempts", j.max_attempts},
               {"error", error}, {"retry_in_ms", static_cast<long long>(retry_in_ms)}, {"request_id", j.request_id}});
  } else {
    core::Log(level, msg,
              {{"job_id", j.id}, {"job", j.name}, {"attempt", j.attempts}, {"max_attempts", j.max_attempts},
               {"error", error}, {"request_id", j.request_id}});
  }
}

// Stores the outcome of one attempt. Never throws: a store failure is logged and the job stays
// `running` on disk, to be recovered at the next start.
void Record(State& s, const Attempt& a, bool ok, const std::string& error) {
  const StoredJob& j = a.job;
  try {
    if (ok) {
      s.store->Complete(j.id);
      return;
    }
    std::int64_t now = s.clock->NowMs();
    if (j.attempts >= j.max_attempts) {
      s.store->Fail(j.id, error, now, std::nullopt);
      metrics::JobDeadLettered(j.name);
      LogFailure(LogLevel::kError, "job failed; moved to the dead letter", j, error, -1);
    } else {
      double factor = s.jitter ? s.jitter() : DefaultJitter();
      std::int64_t delay = BackoffDelayMs(a.options, j.attempts, factor);
      s.store->Fail(j.id, error, now, now + delay);
      LogFailure(LogLevel::kWarn, "job failed; will retry", j, error, delay);
    }
  } catch (const std::exception& e) {
    core::Log(LogLevel::kError, "job store failed while recording a result",
              {{"job_id", j.id}, {"job", j.name}, {"error", std::string(e.what())}});
  }
}

bool Execute(Attempt& a, std::string& error) {
  Value args;
  try {
    args = ParseJson(a.job.args_json);
  } catch (const std::exception& e) {
    error = std::string("stored arguments are not valid JSON: ") + e.what();
    return false;
  }
  bool ok = false;
  // The run's span; its fetches, queries and log lines belong to it.
  tracing::ConsumerScope traced(tracing::JobSpan(a.job.name, a.job.id, a.job.attempts, a.job.traceparent),
                                a.job.traceparent);
  core::tl_job_request_id = &a.job.request_id;  // rt::RequestId() inside the job
  core::tl_job_id = &a.job.id;                   // and the job on its log lines
  core::tl_job_name = &a.job.name;
  try {
    a.handler(args);
    if (std::optional<CallResult> failed = rt::TakeCallFailure()) {  // a failed call it kept (lux/services.h)
      error = failed->error;
      traced.span().SetError(failed->rejected ? "lux::CircuitOpenError" : "lux::Error", error);
    } else {
      ok = true;
    }
  } catch (const std::exception& e) {
    error = e.what();
    traced.span().SetError(tracing::ErrorType(e), error);
  } catch (...) {
    error = "unknown exception";
    traced.span().SetError("unknown", error);
  }
  core::tl_job_request_id = nullptr;
  core::tl_job_id = nullptr;
  core::tl_job_name = nullptr;
  lux::rt::Locals() = Value::MakeObject();  // the worker thread's locals do not carry over to the next job
  return ok;
}

void WorkerLoop(std::shared_ptr<State> s, std::shared_ptr<Worker> w) {
  std::unique_lock<std::mutex> lock(s->mu);
  for (;;) {
    s->work_cv.wait(lock, [&] { return s->stopping || !s->ready.empty(); });
    if (s->stopping) break;
    std::shared_ptr<Attempt> a = s->ready.front();
    s->ready.pop_front();
    a->worker = w;
    if (a->options.timeout_ms > 0) a->deadline_ms = s->clock->NowMs() + a->options.timeout_ms;
    s->running.push_back(a);
    s->cv.notify_all();  // the dispatcher watches the new deadline
    lock.unlock();
    std::string error;
    metrics::Clock::time_point started = metrics::JobStarted(a->job.name);
    bool ok = Execute(*a, error);
    metrics::JobFinished(a->job.name, ok, started);
    lock.lock();
    a->worker.reset();
    s->running.erase(std::remove(s->running.begin(), s->running.end(), a), s->running.end());
    if (a->abandoned) {
      // Replaced by a fresh thread when the attempt timed out (or left at shutdown): this
      // thread is no longer part of the pool and its result no longer matters.
      lock.unlock();
      core::Log(LogLevel::kDebug, "abandoned job attempt finished; result discarded",
                {{"job_id", a->job.id}, {"job", a->job.name}, {"attempt", a->job.attempts}});
      return;
    }
    if (ok) {
      s->completed.push_back(a->job.id);  // committed with the dispatcher's next claim
    } else {
      lock.unlock();
      Record(*s, *a, ok, error);
      lock.lock();
    }
    --s->active;
    s->poked = true;  // a free slot, and maybe a retry time to look at
    s->cv.notify_all();
  }
  w->exited = true;
  s->cv.notify_all();
}

// With s->mu held.
void SpawnWorker(const std::shared_ptr<State>& s) {
  auto w = std::make_shared<Worker>();
  s->pool.push_back(w);
  w->thread = std::thread(WorkerLoop, s, w);
}

void DispatchLoop(std::shared_ptr<State> s) {
  std::unique_lock<std::mutex> lock(s->mu);
  while (!s->stopping) {
    std::int64_t now = s->clock->NowMs();
    std::vector<std::shared_ptr<Attempt>> timed_out;
    std::int64_t next_deadline = kNever;
    for (auto it = s->running.begin(); it != s->running.end();) {
      std::shared_ptr<Attempt> a = *it;
      if (a->deadline_ms > now) {
        next_deadline = std::min(next_deadline, a->deadline_ms);
        ++it;
        continue;
      }
      a->abandoned = true;
      it = s->running.erase(it);
      --s->active;
      auto pw = std::find(s->pool.begin(), s->pool.end(), a->worker);
      if (pw != s->pool.end()) {
        (*pw)->thread.detach();
        s->pool.erase(pw);
      }
      SpawnWorker(s);  // keep the pool's capacity
      timed_out.push_back(std::move(a));
    }
    if (!timed_out.empty()) {
      lock.unlock();
      for (const auto& a : timed_out) {
        std::string error = "timed out after " + std::to_string(a->options.timeout_ms) + " ms";
        Record(*s, *a, false, error);
      }
      lock.lock();
      s->poked = true;
      continue;
    }

    int free = s->workers - s->active;
    if (free > 0 && (s->poked || now >= s->next_due_ms)) {
      s->poked = false;
      std::vector<std::string> completed = std::move(s->completed);
      s->completed.clear();
      lock.unlock();
      std::vector<StoredJob> claimed;
      std::optional<std::int64_t> next;
      try {
        claimed = s->store->ClaimDue(now, free, completed);
        next = s->store->NextRunAt();
      } catch (const std::exception& e) {
        core::Log(LogLevel::kError, "job store failed while claiming jobs", {{"error", std::string(e.what())}});
        next = now + kStorePollMs;
      }
      std::vector<std::shared_ptr<Attempt>> fresh;
      for (StoredJob& j : claimed) {
        auto def = s->registry->find(j.name);
        if (def == s->registry->end()) {  // not runnable here: leave it for a build that has it
          try {
            s->store->Release(j.id);
          } catch (const std::exception&) {
          }
          continue;
        }
        auto a = std::make_shared<Attempt>();
        a->job = std::move(j);
        a->options = def->second.options;
        a->handler = def->second.handler;
        if (a->job.attempts > a->job.max_attempts) {
          // Its last attempt was interrupted by a process stop: nothing left to try.
          std::string error = a->job.last_error.empty() ? "interrupted" : a->job.last_error;
          --a->job.attempts;
          try {
            s->store->Fail(a->job.id, error, now, std::nullopt);
          } catch (const std::exception&) {
          }
          metrics::JobDeadLettered(a->job.name);
          LogFailure(LogLevel::kError, "job failed; moved to the dead letter", a->job, error, -1);
          continue;
        }
        fresh.push_back(std::move(a));
      }
      lock.lock();
      if (s->stopping) {
        lock.unlock();
        for (const auto& a : fresh) {
          try {
            s->store->Release(a->job.id);
          } catch (const std::exception&) {
          }
        }
        return;
      }
      for (auto& a : fresh) {
        s->ready.push_back(std::move(a));
        ++s->active;
      }
      if (!fresh.empty()) s->work_cv.notify_all();
      // At least every kStorePollMs even with nothing due: jobs other processes added (another
      // replica, `jobs retry`) and leases that ran out are found by the next claim.
      s->next_due_ms = std::min(next.value_or(kNever), now + kStorePollMs);
      continue;
    }
    std::int64_t wake = now + kStorePollMs;
    if (free > 0) wake = std::min(wake, s->next_due_ms);
    wake = std::min(wake, next_deadline);
    s->clock->WaitUntil(s->cv, lock, wake);
  }
}

}  // namespace

JobQueue::JobQueue(JobStore& store, const JobRegistry& registry, Options options) : s_(std::make_shared<State>()) {
  s_->store = &store;
  s_->registry = &registry;
  s_->clock = options.clock ? options.clock : &SystemClock();
  s_->jitter = std::move(options.jitter);
  s_->workers = std::clamp(options.workers, 1, kMaxJobWorkers);
}

JobQueue::~JobQueue() { Stop(std::chrono::steady_clock::now()); }

void JobQueue::Start() {
  // Jobs without a handler here stay pending, untouched, instead of being claimed and released.
  std::vector<std::string> names;
  for (const auto& [name, def] : *s_->registry) names.push_back(name);
  s_->store->SetRunnableNames(names);
  std::lock_guard<std::mutex> lock(s_->mu);
  if (s_->started) return;
  s_->started = true;
  for (int i = 0; i < s_->workers; ++i) SpawnWorker(s_);
  s_->dispatcher = std::thread(DispatchLoop, s_);
}

void JobQueue::Poke() {
  std::lock_guard<std::mutex> lock(s_->mu);
  if (s_->poked) return;  // the dispatcher has not looked yet: one wake-up serves all
  s_->poked = true;
  s_->cv.notify_all();
}

int JobQueue::Stop(std::chrono::steady_clock::time_point deadline) {
  std::vector<std::shared_ptr<Attempt>> unstarted;
  {
    std::lock_guard<std::mutex> lock(s_->mu);
    if (!s_->started || s_->stopping) return 0;
    s_->stopping = true;
    unstarted.assign(s_->ready.begin(), s_->ready.end());
    s_->ready.clear();
    s_->active -= static_cast<int>(unstarted.size());
    s_->cv.notify_all();
    s_->work_cv.notify_all();
  }
  if (s_->dispatcher.joinable()) s_->dispatcher.join();
  for (const auto& a : unstarted) {
    try {
      s_->store->Release(a->job.id);
    } catch (const std::exception& e) {
      core::Log(LogLevel::kError, "job store failed while releasing a job", {{"error", std::string(e.what())}});
    }
  }
  std::unique_lock<std::mutex> lock(s_->mu);
  s_->cv.wait_until(lock, deadline, [&] { return s_->active <= 0; });
  std::vector<std::string> completed = std::move(s_->completed);
  s_->completed.clear();
  lock.unlock();
  try {
    if (!completed.empty()) s_->store->ClaimDue(0, 0, completed);
  } catch (const std::exception& e) {
    core::Log(LogLevel::kError, "job store failed while completing jobs", {{"error", std::string(e.what())}});
  }
  lock.lock();
  int left = static_cast<int>(s_->running.size());
  for (const auto& a : s_->running) a->abandoned = true;  // stays `running` on disk: recovered at next start
  std::vector<std::shared_ptr<Worker>> pool = std::move(s_->pool);
  s_->pool.clear();
  // Idle threads are exiting now; busy ones (left at the deadline) are detached.
  std::vector<std::shared_ptr<Worker>> busy;
  for (const auto& a : s_->running)
    if (a->worker) busy.push_back(a->worker);
  lock.unlock();
  for (const auto& w : pool) {
    if (std::find(busy.begin(), busy.end(), w) != busy.end()) {
      w->thread.detach();
    } else if (w->thread.joinable()) {
      w->thread.join();
    }
  }
  if (left > 0) {
    core::Log(LogLevel::kWarn, "jobs still running at the drain deadline; they run again at the next start",
              {{"running", left}});
  }
  return left;
}

}  // namespace lux::jobs
