// Metrics: the exposition encoder (label and HELP escaping, cumulative histogram buckets ending
// with +Inf, OpenMetrics' family names and # EOF), Accept negotiation, histogram bucket edges,
// and the metrics component on a real App over loopback: series by route pattern, unmatched
// requests, in-flight, the Bearer token, LUX_METRICS=0, and the listener of its own.
#include <chrono>
#include <catch2/catch.hpp>

#include <cstdlib>
#include <ctime>

#include "metrics/exposition.h"
#include "metrics/instrument.h"
#include "metrics/registry.h"
#include "test_http.h"

using lux::metrics::Encode;
using lux::metrics::FamilySnapshot;
using lux::metrics::Format;
using lux::metrics::SeriesSnapshot;
using lux::metrics::Type;
using luxtest::Call;
using luxtest::TestServer;

namespace {

// Sets an environment variable for the scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) { ::setenv(name, value, 1); }
  ~ScopedEnv() { ::unsetenv(name_); }

 private:
  const char* name_;
};

// The value of the sample line starting with `prefix` (name and labels, exactly), or -1.
double SampleValue(const std::string& text, const std::string& prefix) {
  std::size_t at = 0;
  while ((at = text.find(prefix, at)) != std::string::npos) {
    if ((at == 0 || text[at - 1] == '\n') && text[at + prefix.size()] == ' ')
      return std::atof(text.c_str() + at + prefix.size() + 1);
    at += prefix.size();
  }
  return -1;
}

std::uint16_t FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

}  // namespace

TEST_CASE("metrics.encode: label values escape backslash, quote and newline, HELP escapes backslash and newline") {
  FamilySnapshot f{"jobs_seen", "Seen \\ jobs\nper \"name\".", Type::kCounter, {}, {}};
  SeriesSnapshot s;
  s.labels = {{"job", "a\\b\"c\nd"}};
  s.value = 3;
  f.series.push_back(s);
  std::string text = Encode({f}, Format::kPrometheus);
  CHECK(text ==
        "# HELP jobs_seen_total Seen \\\\ jobs\\nper \"name\".\n"
        "# TYPE jobs_seen_total counter\n"
        "jobs_seen_total{job=\"a\\\\b\\\"c\\nd\"} 3\n");
  std::string om = Encode({f}, Format::kOpenMetrics);
  CHECK(om ==
        "# HELP jobs_seen Seen \\\\ jobs\\nper \\\"name\\\".\n"
        "# TYPE jobs_seen counter\n"
        "jobs_seen_total{job=\"a\\\\b\\\"c\\nd\"} 3\n"
        "# EOF\n");
}

TEST_CASE("metrics.encode: histogram buckets are cumulative and end with +Inf, then _sum and _count") {
  lux::metrics::Family fam("req_seconds", "Request time.", Type::kHistogram, {"route"}, {0.1, 1, 10});
  lux::metrics::Series& s = fam.With({"/a"});
  s.Observe(0.05);
  s.Observe(0.1);  // on a bound: in that bucket (le is "less or equal")
  s.Observe(0.5);
  s.Observe(42);
  std::string text = Encode({fam.Snap()}, Format::kPrometheus);
  CHECK(text ==
        "# HELP req_seconds Request time.\n"
        "# TYPE req_seconds histogram\n"
        "req_seconds_bucket{route=\"/a\",le=\"0.1\"} 2\n"
        "req_seconds_bucket{route=\"/a\",le=\"1\"} 3\n"
        "req_seconds_bucket{route=\"/a\",le=\"10\"} 3\n"
        "req_seconds_bucket{route=\"/a\",le=\"+Inf\"} 4\n"
        "req_seconds_sum{route=\"/a\"} 42.65\n"
        "req_seconds_count{route=\"/a\"} 4\n");
  std::string om = Encode({fam.Snap()}, Format::kOpenMetrics);
  CHECK(om.find("req_seconds_bucket{route=\"/a\",le=\"1.0\"} 3\n") != std::string::npos);
  CHECK(om.find("req_seconds_bucket{route=\"/a\",le=\"+Inf\"} 4\n") != std::string::npos);
  CHECK(om.substr(om.size() - 6) == "# EOF\n");
}

TEST_CASE("metrics.encode: OpenMetrics declares units and writes _created, the text format has neither") {
  // Bounds from the clock the registry reads (std::time may read a coarse clock a tick behind it).
  auto wall_now = [] { return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count(); };
  double before = wall_now();
  lux::metrics::Family bytes("sent_bytes", "Bytes sent.", Type::kCounter, {"peer"});
  bytes.With({"a"}).Add(512);
  lux::metrics::Family hist("wait_seconds", "Time waited.", Type::kHistogram, {}, {1});
  hist.With({}).Observe(0.5);
  lux::metrics::Family plain("calls", "Calls.", Type::kCounter, {});
  plain.With({}).Add(2);
  lux::metrics::Family level("queue_depth_bytes_total_x", "Not a unit: the suffix is not last.", Type::kGauge, {});
  level.With({}).Set(1);
  std::vector<FamilySnapshot> snap = {bytes.Snap(), hist.Snap(), plain.Snap(), level.Snap()};
  REQUIRE(snap[0].series.size() == 1);
  double created = snap[0].series[0].created;
  CHECK(created >= before);
  CHECK(created <= wall_now());
  std::string c = lux::metrics::FormatValue(created);
  std::string om = Encode(snap, Format::kOpenMetrics);
  CHECK(om.find("# TYPE sent_bytes counter\n# UNIT sent_bytes bytes\nsent_bytes_total{peer=\"a\"} 512\n"
                "sent_bytes_created{peer=\"a\"} " + c + "\n") != std::string::npos);
  CHECK(om.find("# TYPE wait_seconds histogram\n# UNIT wait_seconds seconds\n") != std::string::npos);
  CHECK(om.find("wait_seconds_count 1\nwait_seconds_created ") != std::string::npos);
  CHECK(om.find("# TYPE calls counter\ncalls_total 2\ncalls_created ") != std::string::npos);
  CHECK(om.find("# UNIT calls") == std::string::npos);
  CHECK(om.find("# UNIT queue_depth") == std::string::npos);
  CHECK(om.find("queue_depth_bytes_total_x_created") == std::string::npos);  // gauges have none
  CHECK(om.substr(om.size() - 6) == "# EOF\n");
  std::string text = Encode(snap, Format::kPrometheus);
  CHECK(text.find("# UNIT") == std::string::npos);
  CHECK(text.find("_created") == std::string::npos);
  CHECK(text.find("# EOF") == std::string::npos);
}

TEST_CASE("metrics.encode: series never used stay out, gauges always show, values print plainly") {
  lux::metrics::Family c("unused", "Never counted.", Type::kCounter, {"k"});
  c.With({"x"});
  CHECK(c.Snap().series.empty());
  lux::metrics::Family g("level", "A gauge.", Type::kGauge, {});
  g.With({}).Set(0);
  CHECK(g.Snap().series.size() == 1);
  CHECK(lux::metrics::FormatValue(1e20) == "1e+20");
  CHECK(lux::metrics::FormatValue(0.25) == "0.25");
  CHECK(lux::metrics::FormatValue(-3) == "-3");
  CHECK(lux::metrics::FormatValue(1.0 / 0.0) == "+Inf");
}

TEST_CASE("metrics.negotiate: OpenMetrics only when the Accept header asks for it with q > 0") {
  using lux::metrics::NegotiateFormat;
  CHECK(NegotiateFormat("") == Format::kPrometheus);
  CHECK(NegotiateFormat("text/plain;version=0.0.4") == Format::kPrometheus);
  // What Prometheus 2.x sends.
  CHECK(NegotiateFormat("application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
                        "text/plain;version=0.0.4;q=0.5,*/*;q=0.1") == Format::kOpenMetrics);
  CHECK(NegotiateFormat("Application/OpenMetrics-Text; q=0, text/plain") == Format::kPrometheus);
  CHECK(std::string(lux::metrics::ContentType(Format::kOpenMetrics)).rfind("application/openmetrics-text; version=1.0.0", 0) == 0);
}

TEST_CASE("metrics.http: requests are counted by route pattern, method and status class, unmatched ones as route unmatched") {
  TestServer s([](lux::App& app) {
    app.Get("/metrics_test/users/:id", [](lux::Request& r) { return lux::Respond(200, lux::Value{{"id", *r.Param("id")}}); });
    app.Post("/metrics_test/fail", [](lux::Request&) -> lux::Response { throw lux::HttpError(422, "no"); });
    lux::ServeMetrics(app, {.program = "unit"});
  });
  const std::string users = "http_server_requests_total{method=\"GET\",route=\"/metrics_test/users/:id\",status_class=\"2xx\"}";
  const std::string fail = "http_server_requests_total{method=\"POST\",route=\"/metrics_test/fail\",status_class=\"4xx\"}";
  auto before = Call(s.port(), "GET", "/metrics");
  REQUIRE(before);
  double users0 = std::max(0.0, SampleValue(before->body, users));
  double unmatched0 =
      std::max(0.0, SampleValue(before->body, "http_server_requests_total{method=\"DELETE\",route=\"unmatched\",status_class=\"4xx\"}"));
  for (int i = 0; i < 3; ++i) REQUIRE(Call(s.port(), "GET", "/metrics_test/users/" + std::to_string(i)));
  REQUIRE(Call(s.port(), "POST", "/metrics_test/fail", "{}", "Content-Type: application/json\r\n"));
  REQUIRE(Call(s.port(), "DELETE", "/metrics_test/nowhere/7"));
  auto r = Call(s.port(), "GET", "/metrics");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->Header("content-type") == "text/plain; version=0.0.4; charset=utf-8");
  CHECK(SampleValue(r->body, users) == users0 + 3);
  CHECK(SampleValue(r->body, fail) >= 1);
  CHECK(SampleValue(r->body, "http_server_requests_total{method=\"DELETE\",route=\"unmatched\",status_class=\"4xx\"}") ==
        unmatched0 + 1);
  CHECK(r->body.find("/metrics_test/nowhere") == std::string::npos);  // never the raw path
  CHECK(SampleValue(r->body,
                    "http_server_request_duration_seconds_bucket{method=\"GET\",route=\"/metrics_test/users/:id\","
                    "status_class=\"2xx\",le=\"+Inf\"}") == users0 + 3);
  CHECK(SampleValue(r->body, "http_server_active_requests") == 1);  // this scrape
  CHECK(r->body.find("lux_build_info{version=\"") != std::string::npos);
  CHECK(r->body.find("program=\"unit\",server=\"test\"} 1\n") != std::string::npos);
  CHECK(SampleValue(r->body, "process_resident_memory_bytes") > 0);
  CHECK(SampleValue(r->body, "process_open_fds") > 0);
  CHECK(SampleValue(r->body, "process_start_time_seconds") > 1.6e9);

  auto om = Call(s.port(), "GET", "/metrics", "", "Accept: application/openmetrics-text; version=1.0.0\r\n");
  REQUIRE(om);
  CHECK(om->Header("content-type") == "application/openmetrics-text; version=1.0.0; charset=utf-8");
  CHECK(om->body.find("# TYPE http_server_requests counter\n") != std::string::npos);
  CHECK(om->body.substr(om->body.size() - 6) == "# EOF\n");
}

TEST_CASE("metrics.http: LUX_METRICS_TOKEN puts GET /metrics behind a Bearer token, LUX_METRICS=0 leaves it out") {
  {
    ScopedEnv token("LUX_METRICS_TOKEN", "s3cret");
    TestServer s([](lux::App& app) { lux::ServeMetrics(app, {}); });
    auto r = Call(s.port(), "GET", "/metrics");
    REQUIRE(r);
    CHECK(r->status == 401);
    CHECK(r->Json()["error"].AsString() == "unauthorized");
    CHECK(!r->Json()["request_id"].AsString().empty());
    CHECK(r->Header("www-authenticate").rfind("Bearer", 0) == 0);
    r = Call(s.port(), "GET", "/metrics", "", "Authorization: Bearer wrong\r\n");
    REQUIRE(r);
    CHECK(r->status == 401);
    r = Call(s.port(), "GET", "/metrics", "", "Authorization: Bearer s3cret\r\n");
    REQUIRE(r);
    CHECK(r->status == 200);
  }
  {
    ScopedEnv off("LUX_METRICS", "0");
    TestServer s([](lux::App& app) { lux::ServeMetrics(app, {}); });
    auto r = Call(s.port(), "GET", "/metrics");
    REQUIRE(r);
    CHECK(r->status == 404);
  }
  TestServer s([](lux::App& app) { lux::ServeMetrics(app, {.enabled = false}); });
  auto r = Call(s.port(), "GET", "/metrics");
  REQUIRE(r);
  CHECK(r->status == 404);
}

TEST_CASE("metrics.listener: a port of its own serves the path there only, 404 and 405 elsewhere, and stops with the server") {
  std::uint16_t port = FreePort();
  {
    TestServer s([port](lux::App& app) {
      app.Get("/metrics_test/ping", [](lux::Request&) { return lux::Text(200, "pong"); });
      lux::ServeMetrics(app, {.path = "/internal/metrics", .port = port});
    });
    REQUIRE(Call(s.port(), "GET", "/metrics_test/ping"));
    auto main_port = Call(s.port(), "GET", "/internal/metrics");
    REQUIRE(main_port);
    CHECK(main_port->status == 404);
    auto r = Call(port, "GET", "/internal/metrics");
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->body.find("route=\"/metrics_test/ping\"") != std::string::npos);
    auto other = Call(port, "GET", "/metrics");
    REQUIRE(other);
    CHECK(other->status == 404);
    CHECK(other->Json()["error"].AsString() == "not found");
    auto post = Call(port, "POST", "/internal/metrics", "x");
    REQUIRE(post);
    CHECK(post->status == 405);
    CHECK(post->Header("allow") == "GET, HEAD");
  }
  CHECK(!Call(port, "GET", "/internal/metrics"));  // closed with the server
}

TEST_CASE("metrics.listener: a taken port stops the start with one line naming it") {
  TestServer first([](lux::App& app) { (void)app; });
  lux::App app("second");
  app.options().host = "127.0.0.1";
  app.options().port = 0;
  app.options().log_level = lux::LogLevel::kOff;
  app.options().handle_signals = false;
  lux::ServeMetrics(app, {.port = first.port()});
  try {
    app.Start();
    FAIL("started on a taken port");
  } catch (const lux::StartupError& e) {
    CHECK(std::string(e.what()).find("metrics: cannot listen on 127.0.0.1:" + std::to_string(first.port()) +
                                     ": address already in use") != std::string::npos);
  }
}

TEST_CASE("metrics.instrument: jobs, schedules, events and RPC outcomes count by name") {
  auto text = [] { return Encode(lux::metrics::Registry::Default().Snapshot(), Format::kPrometheus); };
  lux::metrics::JobEnqueued("unit_job");
  auto t = lux::metrics::JobStarted("unit_job");
  lux::metrics::JobFinished("unit_job", false, t);
  lux::metrics::JobDeadLettered("unit_job");
  lux::metrics::ScheduleSkipped("unit_schedule");
  lux::metrics::ScheduleLag("unit_schedule", 1500);
  lux::metrics::EventPublished("unit.event");
  lux::metrics::EventDelivery("unit.event", true);
  lux::metrics::RpcCall("unit_svc", lux::metrics::RpcOutcome::kRejected, lux::metrics::Clock::now());
  lux::metrics::BreakerTransition("unit_svc", 2);
  std::string out = text();
  CHECK(SampleValue(out, "lux_jobs_enqueued_total{job=\"unit_job\"}") == 1);
  CHECK(SampleValue(out, "lux_jobs_failed_total{job=\"unit_job\"}") == 1);
  CHECK(SampleValue(out, "lux_jobs_dead_lettered_total{job=\"unit_job\"}") == 1);
  CHECK(SampleValue(out, "lux_job_duration_seconds_count{job=\"unit_job\"}") == 1);
  CHECK(SampleValue(out, "lux_schedule_skips_total{schedule=\"unit_schedule\"}") == 1);
  CHECK(SampleValue(out, "lux_schedule_lag_seconds_bucket{schedule=\"unit_schedule\",le=\"1\"}") == 0);
  CHECK(SampleValue(out, "lux_schedule_lag_seconds_bucket{schedule=\"unit_schedule\",le=\"5\"}") == 1);
  CHECK(SampleValue(out, "lux_events_published_total{event=\"unit.event\"}") == 1);
  CHECK(SampleValue(out, "lux_events_delivered_total{event=\"unit.event\"}") == 1);
  CHECK(SampleValue(out, "lux_rpc_calls_total{service=\"unit_svc\",outcome=\"rejected\"}") == 1);
  CHECK(SampleValue(out, "lux_breaker_transitions_total{service=\"unit_svc\",to=\"open\"}") == 1);
  {
    auto watch = lux::metrics::WatchGauge("unit_depth", "A computed gauge.", "lane", [] {
      return std::vector<std::pair<std::string, double>>{{"a", 2}, {"b", 0}};
    });
    out = text();
    CHECK(SampleValue(out, "unit_depth{lane=\"a\"}") == 2);
    CHECK(SampleValue(out, "unit_depth{lane=\"b\"}") == 0);
  }
  CHECK(text().find("unit_depth") == std::string::npos);  // gone with its handle
}
