// A readiness route (`health "/ready" { check_db, check_redis, my_check }`): GET runs each
// named check — the checks the App's components offer (Component::ReadinessChecks) under that
// name, or a program function — each on a thread of its own, all at once, and waits for them
// on the request's fiber (an eventfd through core::WaitFd) until the deadline. 200 when every
// check passed, else 503; the body names each check's result and time. A check still running
// from an earlier request (a hung database) is not started twice: it fails at once.
// Entry point: lux::ServeReadiness.
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <thread>

#include "core/wait_fd.h"
#include "lux/services.h"
#include "lux/upload.h"
#include "server/app_impl.h"

namespace lux {

namespace {

using Clock = std::chrono::steady_clock;

struct Outcome {
  bool finished = false;
  bool ok = false;
  double latency_ms = 0;
  std::string error;
};

// What one request waits for: the threads write their outcome, then count on the eventfd.
struct Round {
  explicit Round(std::size_t n) : outcomes(n), efd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}
  ~Round() {
    if (efd >= 0) ::close(efd);
  }
  std::mutex mu;
  std::vector<Outcome> outcomes;
  int efd;
};

struct Entry {
  ReadinessItem item;
  std::shared_ptr<std::atomic<bool>> running = std::make_shared<std::atomic<bool>>(false);
};

// The runs behind one entry: a program function, or every component check of that name.
std::vector<std::function<void(server::Deadline)>> RunsOf(App& app, const ReadinessItem& item) {
  std::vector<std::function<void(server::Deadline)>> runs;
  if (item.fn) {
    auto fn = item.fn;
    runs.push_back([fn](server::Deadline) {
      bool ok = fn();
      if (rt::CallFailed()) return;  // a failed call it kept: Launch takes it (lux/services.h)
      if (!ok) throw std::runtime_error("check returned false");
    });
    return runs;
  }
  for (const auto& c : AppImpl(app).lifecycle.components())
    for (server::ReadinessCheck& check : c->ReadinessChecks())
      if (check.name == item.component) runs.push_back(std::move(check.run));
  return runs;
}

void Launch(std::shared_ptr<Round> round, std::size_t i, std::vector<std::function<void(server::Deadline)>> runs,
            std::shared_ptr<std::atomic<bool>> running, server::Deadline deadline) {
  std::thread([round, i, runs = std::move(runs), running, deadline] {
    auto t0 = Clock::now();
    Outcome out;
    out.ok = true;
    try {
      if (runs.empty()) throw std::runtime_error("nothing to check: the server has no such component");
      for (const auto& run : runs) {
        run(deadline);
        if (std::optional<CallResult> failed = rt::TakeCallFailure()) {
          out.ok = false;
          out.error = std::move(failed->error);
          break;
        }
      }
    } catch (const std::exception& e) {
      out.ok = false;
      out.error = e.what();
    } catch (...) {
      out.ok = false;
      out.error = "check failed";
    }
    out.finished = true;
    out.latency_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    {
      std::lock_guard<std::mutex> lock(round->mu);
      round->outcomes[i] = std::move(out);
    }
    running->store(false);
    std::uint64_t one = 1;
    ssize_t ignored = ::write(round->efd, &one, sizeof one);
    (void)ignored;
  }).detach();
}

double Round2(double ms) { return static_cast<double>(static_cast<long long>(ms * 100 + 0.5)) / 100; }

Response Answer(const std::vector<Entry>& entries, const std::vector<Outcome>& outcomes, std::int64_t timeout_ms,
                 const Request& req) {
  Value checks = Value::MakeObject();
  std::string failed;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const Outcome& o = outcomes[i];
    Value c = Value::MakeObject();
    c["ok"] = o.ok;
    c["latency_ms"] = Round2(o.finished ? o.latency_ms : static_cast<double>(timeout_ms));
    if (!o.ok) {
      c["error"] = o.finished ? o.error : o.error.empty() ? "timed out after " + std::to_string(timeout_ms) + " ms" : o.error;
      failed += (failed.empty() ? "" : ", ") + entries[i].item.name;
    }
    checks[entries[i].item.name] = std::move(c);
  }
  Value body = Value::MakeObject();
  body["status"] = failed.empty() ? "ok" : "unavailable";
  body["checks"] = std::move(checks);
  if (!failed.empty()) {
    body["error"] = "not ready: " + failed;
    body["request_id"] = req.id;
  }
  Response res = Respond(failed.empty() ? 200 : 503, body);
  // The state of this instant: never stored by a cache, whatever `cache { }` says of GETs.
  res.headers.Set("Cache-Control", "no-store");
  return res;
}

}  // namespace

void ServeLiveness(App& app, const std::string& path) {
  AppImpl(app).AddProbe(path, [](Request&) {
    Response res = Respond(200, Value{{"status", "ok"}});
    res.headers.Set("Cache-Control", "no-store");
    return res;
  });
}

void ServeReadiness(App& app, std::string path, std::vector<ReadinessItem> items, std::int64_t timeout_ms) {
  if (timeout_ms <= 0) timeout_ms = kDefaultReadinessTimeoutMs;
  auto entries = std::make_shared<std::vector<Entry>>();
  for (ReadinessItem& item : items) entries->push_back(Entry{std::move(item)});
  App* a = &app;
  AppImpl(app).AddProbe(path, [a, entries, timeout_ms](Request& req) {
    auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    auto round = std::make_shared<Round>(entries->size());
    if (round->efd < 0) throw Error("readiness: eventfd failed");
    std::size_t launched = 0;
    for (std::size_t i = 0; i < entries->size(); ++i) {
      const Entry& e = (*entries)[i];
      if (e.running->exchange(true)) {
        std::lock_guard<std::mutex> lock(round->mu);
        round->outcomes[i] = Outcome{true, false, 0, "the previous run of this check has not finished"};
        continue;
      }
      Launch(round, i, RunsOf(*a, e.item), e.running, deadline);
      ++launched;
    }
    std::size_t done = 0;
    while (done < launched) {
      std::uint64_t n = 0;
      if (::read(round->efd, &n, sizeof n) == sizeof n) {
        done += static_cast<std::size_t>(n);
        continue;
      }
      if (!core::WaitFd(round->efd, core::FdWait::kRead, deadline)) break;
    }
    std::vector<Outcome> outcomes;
    {
      std::lock_guard<std::mutex> lock(round->mu);
      outcomes = round->outcomes;
    }
    return Answer(*entries, outcomes, timeout_ms, req);
  });
}

}  // namespace lux
