// lux_jobs_server as a real process on one store file: a job interrupted by SIGKILL runs again
// after a restart (at-least-once); SIGTERM lets the running job finish and leaves waiting ones
// on disk for the next start; the dead letter through GET /_lux/jobs and retry; the
// `run-task` and `jobs` commands (no port opened).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "jobs_test_util.h"
#include "test_http.h"
#include "test_proc.h"

using luxtest::Proc;

namespace {

const std::string kBinary = LUX_JOBS_SERVER;
const std::string kAuth = "Authorization: Bearer tok\r\n";

bool Exists(const std::string& p) { return std::filesystem::exists(p); }

std::string Spawn(std::uint16_t port, const std::string& job, const std::string& args_json) {
  auto r = luxtest::Call(port, "POST", "/spawn/" + job, args_json,
                         "Content-Type: application/json\r\nX-Request-Id: spawner-1\r\n");
  REQUIRE(r);
  REQUIRE(r->status == 202);
  return r->Json()["id"].AsString();
}

std::vector<std::string> Env(const luxtest::TempDir& dir, std::vector<std::string> extra = {}) {
  std::vector<std::string> env{"LUX_JOBS_PATH=" + dir.File("store.db"), "LUX_ADMIN_TOKEN=tok", "MARKER_DIR=" + dir.path()};
  for (auto& e : extra) env.push_back(e);
  return env;
}

const std::vector<std::string> kArgs{"--host", "127.0.0.1", "--port", "0"};

}  // namespace

TEST_CASE("SIGKILL mid-job: after a restart on the same store the job runs again and completes") {
  luxtest::TempDir dir;
  std::string marker = dir.File("killed.marker");
  {
    Proc p(kBinary, kArgs, Env(dir));
    std::uint16_t port = p.Port();
    REQUIRE(port != 0);
    Spawn(port, "write_marker", "[\"" + marker + "\", 800]");
    REQUIRE(p.WaitFor("[jobs] running write_marker"));
    p.Signal(SIGKILL);
    REQUIRE(p.Wait() == 128 + SIGKILL);
  }
  REQUIRE_FALSE(Exists(marker));
  Proc p(kBinary, kArgs, Env(dir));
  REQUIRE(p.Port() != 0);
  REQUIRE(p.WaitFor("[jobs] wrote " + marker, 5000));
  REQUIRE(p.err().find("msg=\"jobs interrupted by the last stop are pending again\" jobs=1") != std::string::npos);
  std::ifstream in(marker);
  std::string line;
  std::getline(in, line);
  REQUIRE(line == "done spawner-1");  // the spawning request's id survived the restart
  p.Signal(SIGTERM);
  REQUIRE(p.Wait() == 0);
}

TEST_CASE("SIGTERM while a job runs: it finishes, waiting jobs stay on disk and run after a restart") {
  luxtest::TempDir dir;
  std::string m1 = dir.File("m1"), m2 = dir.File("m2"), m3 = dir.File("m3");
  {
    Proc p(kBinary, kArgs, Env(dir, {"LUX_JOB_WORKERS=1"}));
    std::uint16_t port = p.Port();
    REQUIRE(port != 0);
    Spawn(port, "write_marker", "[\"" + m1 + "\", 600]");
    REQUIRE(p.WaitFor("[jobs] running write_marker " + m1));
    Spawn(port, "write_marker", "[\"" + m2 + "\", 10]");
    Spawn(port, "write_marker", "[\"" + m3 + "\", 10]");
    p.Signal(SIGTERM);
    REQUIRE(p.Wait(8000) == 0);
    REQUIRE(p.err().find("[jobs] wrote " + m1) < p.err().find("[jobs] on_stop"));
  }
  REQUIRE(Exists(m1));
  REQUIRE_FALSE(Exists(m2));
  REQUIRE_FALSE(Exists(m3));
  Proc p(kBinary, kArgs, Env(dir));
  REQUIRE(p.Port() != 0);
  REQUIRE(p.WaitFor("[jobs] wrote " + m2));
  REQUIRE(p.WaitFor("[jobs] wrote " + m3));
  p.Signal(SIGTERM);
  REQUIRE(p.Wait() == 0);
}

TEST_CASE("dead letter through GET /_lux/jobs, retry by id over HTTP and from the command line") {
  luxtest::TempDir dir;
  std::string id;
  {
    Proc p(kBinary, kArgs, Env(dir));
    std::uint16_t port = p.Port();
    REQUIRE(port != 0);
    id = Spawn(port, "always_fails", "[]");
    lux::Value report;
    REQUIRE(luxtest::WaitFor([&] {
      auto r = luxtest::Call(port, "GET", "/_lux/jobs", "", kAuth);
      if (!r || r->status != 200) return false;
      report = r->Json();
      return report["counts"]["dead"].AsInt() == 1;
    }));
    REQUIRE(report["recent_failures"][0]["id"].AsString() == id);
    REQUIRE(report["recent_failures"][0]["name"].AsString() == "always_fails");
    REQUIRE(report["recent_failures"][0]["attempt"].AsInt() == 2);
    REQUIRE(report["recent_failures"][0]["error"].AsString() == "payment provider said no");
    REQUIRE(report["recent_failures"][1]["attempt"].AsInt() == 1);
    REQUIRE(luxtest::Call(port, "GET", "/_lux/jobs")->status == 401);
    REQUIRE(p.WaitFor("job_id=" + id + " job=always_fails attempt=2"));
    REQUIRE(p.err().find("request_id=spawner-1") != std::string::npos);
    auto retry = luxtest::Call(port, "POST", "/_lux/jobs/" + id + "/retry", "", kAuth);
    REQUIRE(retry->status == 200);
    REQUIRE(luxtest::Call(port, "POST", "/_lux/jobs/unknown-id/retry", "", kAuth)->status == 404);
    // It fails twice more and is dead again: four failures in all.
    REQUIRE(luxtest::WaitFor([&] {
      lux::Value v = luxtest::Call(port, "GET", "/_lux/jobs", "", kAuth)->Json();
      return v["counts"]["dead"].AsInt() == 1 && v["recent_failures"].size() == 4;
    }));
    p.Signal(SIGTERM);
    REQUIRE(p.Wait() == 0);
  }
  Proc jobs(kBinary, {"jobs"}, Env(dir));
  REQUIRE(jobs.Wait() == 0);
  lux::Value v = lux::ParseJson(jobs.out());
  REQUIRE(v["counts"]["dead"].AsInt() == 1);
  REQUIRE(jobs.err().find("listening") == std::string::npos);
  Proc retry(kBinary, {"jobs", "retry", id}, Env(dir));
  REQUIRE(retry.Wait() == 0);
  REQUIRE(retry.out() == "retried " + id + "\n");
  Proc again(kBinary, {"jobs", "retry", "no-such-id"}, Env(dir));
  REQUIRE(again.Wait() == 1);
  REQUIRE(again.err().find("jobs: no dead or failed job with id `no-such-id`\n") != std::string::npos);
}

TEST_CASE("jobs where there is no job store: one line naming the path, and no empty store left behind") {
  luxtest::TempDir dir;
  Proc jobs(kBinary, {"jobs"}, Env(dir));
  REQUIRE(jobs.Wait() == 1);
  REQUIRE(jobs.err().find("no job store at " + dir.File("store.db") + ": run this command in the directory") !=
          std::string::npos);
  REQUIRE_FALSE(Exists(dir.File("store.db")));
  Proc retry(kBinary, {"jobs", "retry", "some-id"}, Env(dir));
  REQUIRE(retry.Wait() == 1);
  REQUIRE_FALSE(Exists(dir.File("store.db")));
}

TEST_CASE("run-task NAME runs one task and exits: 0 on success, 1 with one line on failure or unknown") {
  luxtest::TempDir dir;
  {
    Proc ok(kBinary, {"run-task", "touch"}, Env(dir, {"LUX_SCHEDULER_ENABLED=false"}));
    REQUIRE(ok.Wait() == 0);
    REQUIRE(Exists(dir.File("touched")));
    REQUIRE(ok.err().find("listening") == std::string::npos);
    REQUIRE(ok.err().find("[jobs] on_start") < ok.err().find("[jobs] on_stop"));
  }
  {
    Proc bad(kBinary, {"run-task", "broken"}, Env(dir));
    REQUIRE(bad.Wait() == 1);
    REQUIRE(bad.err().find("jobs: task `broken` failed: cannot reach the warehouse\n") != std::string::npos);
  }
  {
    Proc unknown(kBinary, {"run-task", "nope"}, Env(dir));
    REQUIRE(unknown.Wait() == 1);
    REQUIRE(unknown.err().find("jobs: unknown task `nope` (schedules: touch, broken)\n") != std::string::npos);
  }
  {
    Proc usage(kBinary, {"run-task"}, Env(dir));
    REQUIRE(usage.Wait() == 1);
    REQUIRE(usage.err() == "jobs: usage: run-task NAME\n");
  }
}
