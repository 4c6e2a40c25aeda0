// The admin HTTP routes (see admin.h). Every route checks `Authorization: Bearer <token>` with
// a constant-time compare and answers 401 JSON otherwise; unknown ids and names are 404 JSON.
// Store calls block the I/O thread briefly (SQLite, local file): acceptable for admin traffic.
#include "jobs/admin.h"

#include "core/bearer.h"
#include "core/log.h"

namespace lux::jobs {
namespace {

std::string IsoTime(std::int64_t ms) {
  std::string out;
  core::AppendIsoTime(std::chrono::system_clock::time_point(std::chrono::milliseconds(ms)), out);
  return out;
}

Response JsonError(int status, const std::string& message, const Request& req) {
  return Respond(status, Value{{"error", message}, {"request_id", req.id}});
}

}  // namespace

Value JobsReport(JobStore& store, std::int64_t now_ms) {
  JobCounts c = store.Counts(now_ms);
  Value counts{{"pending", c.pending}, {"scheduled", c.scheduled}, {"running", c.running},
               {"dead", c.dead}, {"completed", c.completed}};
  Value failures = Value::MakeArray();
  for (const FailureRecord& f : store.RecentFailures(kReportedFailures))
    failures.PushBack(Value{{"id", f.id}, {"name", f.name}, {"attempt", f.attempt}, {"error", f.error}, {"at", IsoTime(f.at_ms)}});
  return Value{{"counts", counts}, {"recent_failures", failures}};
}

void RegisterAdminRoutes(server::Host& app, JobsState& st) {
  JobsState* s = &st;
  // Wraps a handler with the bearer-token check.
  auto guarded = [s](std::function<Response(Request&)> inner) {
    return [s, inner = std::move(inner)](Request& req) -> Response {
      if (!core::HasBearer(req, s->config.admin_token)) {
        core::Log(LogLevel::kWarn, "admin request refused", {{"path", req.path}, {"request_id", req.id}});
        Response res = JsonError(401, "unauthorized", req);
        res.SetHeader("WWW-Authenticate", "Bearer");
        return res;
      }
      if (!s->store) return JsonError(503, "jobs are not running", req);
      return inner(req);
    };
  };
  auto now = [s] { return (s->clock ? s->clock : &SystemClock())->NowMs(); };

  app.AddRoute("GET", "/_lux/jobs", guarded([s, now](Request&) { return Respond(200, JobsReport(*s->store, now())); }));
  app.AddRoute("POST", "/_lux/jobs/:id/retry", guarded([s, now](Request& req) {
    std::string id = req.Param("id").value_or("");
    if (!s->store->Retry(id, now())) return JsonError(404, "no dead or failed job with id `" + id + "`", req);
    if (s->queue) s->queue->Poke();
    core::Log(LogLevel::kInfo, "job retried by admin", {{"job_id", id}, {"request_id", req.id}});
    return Respond(200, Value{{"retried", id}});
  }));
  app.AddRoute("GET", "/_lux/schedules", guarded([s](Request&) {
    Value list = Value::MakeArray();
    if (s->scheduler) {
      for (const Scheduler::Info& i : s->scheduler->Describe()) {
        Value v{{"name", i.name}, {"tz", i.tz}, {"description", i.description}, {"running", i.running}};
        if (i.cron.empty()) v["every_ms"] = i.interval_ms; else v["cron"] = i.cron;
        v["next_fire"] = i.next_fire_ms ? Value(IsoTime(*i.next_fire_ms)) : Value();
        list.PushBack(std::move(v));
      }
    }
    return Respond(200, Value{{"scheduler_enabled", s->config.scheduler_enabled}, {"schedules", list}});
  }));
  app.AddRoute("POST", "/_lux/schedules/:name/run", guarded([s](Request& req) {
    std::string name = req.Param("name").value_or("");
    Scheduler::TriggerResult r = s->scheduler ? s->scheduler->Trigger(name) : Scheduler::TriggerResult::kUnknown;
    if (r == Scheduler::TriggerResult::kUnknown) return JsonError(404, "no schedule named `" + name + "`", req);
    if (r == Scheduler::TriggerResult::kBusy)
      return JsonError(409, "schedule `" + name + "` is still running (overlap: skip)", req);
    core::Log(LogLevel::kInfo, "schedule run by admin", {{"schedule", name}, {"request_id", req.id}});
    return Respond(202, Value{{"started", name}});
  }));
}

}  // namespace lux::jobs
