// The jobs commands (see cli.h). They open the store without recovering running jobs (a server
// may be using the same file) and never bind the HTTP port. run-task runs on_start before the
// task and on_stop after it, as a server would around a scheduled run; jobs the task spawns
// stay in the store for the server's workers.
#include "jobs/cli.h"

#include <cstdio>
#include <string>

#include "core/log.h"
#include "jobs/admin.h"
#include "jobs/jobs_state.h"

namespace lux::jobs {
namespace {

int Fail(const App::Impl& app, const std::string& message) {
  core::FlushThreadLog();
  std::fprintf(stderr, "%s: %s\n", app.name.c_str(), message.c_str());
  return 1;
}

int RunTask(App::Impl& app, JobsState& st, const std::string& name) {
  const ScheduleDef* def = nullptr;
  std::string known;
  for (const ScheduleDef& d : st.schedules) {
    if (d.name == name) def = &d;
    known += (known.empty() ? "" : ", ") + d.name;
  }
  if (!def) return Fail(app, "unknown task `" + name + "` (schedules: " + (known.empty() ? "none" : known) + ")");
  for (auto& hook : app.on_start) {
    try {
      hook();
    } catch (const std::exception& e) {
      return Fail(app, std::string("on_start failed: ") + e.what());
    }
  }
  std::string error;
  bool ok = false;
  try {
    def->task();
    ok = true;
  } catch (const std::exception& e) {
    error = e.what();
  } catch (...) {
    error = "unknown exception";
  }
  try {
    st.store->SetLastFire(name, SystemClock().NowMs());
  } catch (const std::exception&) {
  }
  for (auto it = app.on_stop.rbegin(); it != app.on_stop.rend(); ++it) {
    try {
      (*it)();
    } catch (const std::exception& e) {
      core::Log(LogLevel::kError, "on_stop failed", {{"error", std::string(e.what())}});
    }
  }
  if (!ok) return Fail(app, "task `" + name + "` failed: " + error);
  core::Log(LogLevel::kInfo, "task finished", {{"schedule", name}});
  return 0;
}

}  // namespace

bool IsJobsCommand(int argc, char** argv) {
  if (argc < 2) return false;
  std::string cmd = argv[1];
  return cmd == "run-task" || cmd == "jobs";
}

int RunJobsCommand(App::Impl& app, int argc, char** argv) {
  std::string cmd = argv[1];
  if (!app.jobs) return Fail(app, "this program has no background jobs or schedules");
  JobsState& st = *app.jobs;
  if (cmd == "run-task" && argc != 3) return Fail(app, "usage: run-task NAME");
  if (cmd == "jobs" && !(argc == 2 || (argc == 4 && std::string(argv[2]) == "retry")))
    return Fail(app, "usage: jobs | jobs retry ID");
  core::LogConfig().level = app.opts.log_level;
  core::LogConfig().format = app.opts.log_format;
  try {
    st.Open(app.name, /*server=*/false);
  } catch (const std::exception& e) {
    return Fail(app, e.what());
  }
  int code = 0;
  try {
    if (cmd == "run-task") {
      code = RunTask(app, st, argv[2]);
    } else if (argc == 2) {
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
  st.Close();
  return code;
}

}  // namespace lux::jobs
