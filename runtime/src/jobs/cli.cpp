// The jobs commands (see cli.h). They never bind the HTTP port and start no background work.
// `jobs` and `jobs retry` open the job store alone (RunMode::kAdmin), without recovering running
// jobs (a server may be using the same store). run-task brings the components up as a task run
// (RunMode::kTask: db, job store, bus, services open; on_start), runs the task, then on_stop and
// the components close, as a server would around a scheduled run; jobs the task spawns and
// events it publishes stay in the store and the outbox for the server.
#include "jobs/cli.h"

#include <cstdio>
#include <optional>
#include <string>

#include "core/log.h"
#include "jobs/admin.h"
#include "jobs/jobs_state.h"
#include "lux/services.h"

namespace lux::jobs {
namespace {

int Fail(const server::CommandHost& app, const std::string& message) {
  core::FlushThreadLog();
  std::fprintf(stderr, "%s: %s\n", app.AppName().c_str(), message.c_str());
  return 1;
}

int RunTask(server::CommandHost& app, JobsState& st, const std::string& name) {
  const ScheduleDef* def = nullptr;
  std::string known;
  for (const ScheduleDef& d : st.schedules) {
    if (d.name == name) def = &d;
    known += (known.empty() ? "" : ", ") + d.name;
  }
  if (!def) return Fail(app, "unknown task `" + name + "` (schedules: " + (known.empty() ? "none" : known) + ")");
  try {
    app.Up(server::RunMode::kTask);
  } catch (const std::exception& e) {
    return Fail(app, e.what());
  }
  std::string error;
  bool ok = false;
  try {
    def->task();
    if (std::optional<CallResult> failed = rt::TakeCallFailure()) error = failed->error;  // kept (lux/services.h)
    else ok = true;
  } catch (const std::exception& e) {
    error = e.what();
  } catch (...) {
    error = "unknown exception";
  }
  try {
    st.store->SetLastFire(name, SystemClock().NowMs());
  } catch (const std::exception&) {
  }
  app.Down();
  if (!ok) return Fail(app, "task `" + name + "` failed: " + error);
  core::Log(LogLevel::kInfo, "task finished", {{"schedule", name}});
  return 0;
}

}  // namespace

bool IsJobsCommand(std::string_view command) { return command == "run-task" || command == "jobs"; }

int RunJobsCommand(server::CommandHost& app, JobsState& st, int argc, char** argv) {
  std::string cmd = argv[1];
  if (cmd == "run-task" && argc != 3) return Fail(app, "usage: run-task NAME");
  if (cmd == "jobs" && !(argc == 2 || (argc == 4 && std::string(argv[2]) == "retry")))
    return Fail(app, "usage: jobs | jobs retry ID");
  if (cmd == "run-task") return RunTask(app, st, argv[2]);
  try {
    app.Up(server::RunMode::kAdmin);
  } catch (const std::exception& e) {
    return Fail(app, e.what());
  }
  int code = 0;
  try {
    if (argc == 2) {
      std::string out = ToJsonPretty(JobsReport(*st.store, SystemClock().NowMs()));
      std::printf("%s\n", out.c_str());
    } else {
      std::string id = argv[3];
      if (st.store->Retry(id, SystemClock().NowMs())) {
        std::printf("retried %s\n", id.c_str());
      } else {
        code = Fail(app, "no dead or failed job with id `" + id + "`");
      }
    }
  } catch (const std::exception& e) {
    code = Fail(app, e.what());
  }
  std::fflush(stdout);
  app.Down();
  return code;
}

}  // namespace lux::jobs
