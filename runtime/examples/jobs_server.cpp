// A hand-written server with background jobs and schedules, in the shape luxc emits
// (`background fn`, `spawn_job`, `schedule`). The process tests fork it to kill it mid-job,
// stop it with SIGTERM while a job runs, read the dead letter and use `run-task`.
//   LUX_JOBS_PATH=/tmp/j.db LUX_ADMIN_TOKEN=t ./lux_jobs_server --port 8080
//   curl -XPOST 'localhost:8080/spawn/write_marker' -d '["/tmp/m", 500]'
#include <lux/lux.h>

#include <cstdio>
#include <fstream>

namespace {

// env MARKER_DIR: String = "/tmp"
std::string g_marker_dir;

void Setup(lux::App& app) {
  g_marker_dir = lux::EnvString("MARKER_DIR", "/tmp");

  // background fn write_marker(path: String, sleep_ms: Int) with { attempts: 3 }
  lux::RegisterJob(app, "write_marker", {}, [](const lux::Value& args) {
    std::string path = args[0].AsString();
    std::fprintf(stderr, "[jobs] running write_marker %s\n", path.c_str());
    lux::rt::Sleep(args[1].AsInt());
    std::ofstream(path, std::ios::app) << "done " << lux::rt::RequestId() << "\n";
    std::fprintf(stderr, "[jobs] wrote %s\n", path.c_str());
  });
  // background fn always_fails() with { attempts: 2, backoff: "fixed", backoff_delay: 10ms }
  lux::JobOptions failing;
  failing.attempts = 2;
  failing.backoff = lux::Backoff::kFixed;
  failing.backoff_ms = 10;
  lux::RegisterJob(app, "always_fails", failing, [](const lux::Value&) {
    throw lux::Error("payment provider said no");
  });

  // schedule touch "0 4 1 1 *" { ... }: rarely fires by itself; run with `run-task touch`.
  lux::RegisterSchedule(app, "touch", "0 4 1 1 *", {}, [] {
    std::ofstream(g_marker_dir + "/touched") << "touched\n";
  });
  lux::RegisterSchedule(app, "broken", "0 4 1 1 *", {}, [] { throw lux::Error("cannot reach the warehouse"); });

  // POST /spawn/:job  body: the JSON array of arguments
  app.Post("/spawn/:job", [](lux::Request& req) {
    std::string id = lux::rt::SpawnJob(req.Param("job").value_or(""), req.Json());
    return lux::Respond(202, {{"id", id}});
  });
  app.OnStart([] { std::fprintf(stderr, "[jobs] on_start\n"); });
  app.OnStop([] { std::fprintf(stderr, "[jobs] on_stop\n"); });
}

}  // namespace

int main(int argc, char** argv) { return lux::rt::RunMain(argc, argv, "jobs", &Setup); }
