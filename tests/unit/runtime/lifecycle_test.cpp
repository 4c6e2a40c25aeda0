// The example server as a real process: signals (SIGTERM drains and exits 0, a second signal
// forces exit), on_start/on_stop output, start-up failures as one line and a non-zero exit,
// PORT/--port, JSON log format.
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>

#include <regex>

#include "test_http.h"

using luxtest::Conn;
using luxtest::Req;

namespace {

class Proc {
 public:
  Proc(std::vector<std::string> args, std::vector<std::string> env) {
    int err[2];
    REQUIRE(::pipe(err) == 0);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(err[1], 2);
      ::close(err[0]);
      ::close(err[1]);
      for (const auto& e : env) ::putenv(const_cast<char*>(e.c_str()));
      std::vector<char*> argv{const_cast<char*>(LUX_EXAMPLE_SERVER)};
      for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      ::execv(LUX_EXAMPLE_SERVER, argv.data());
      ::_exit(127);
    }
    ::close(err[1]);
    fd_ = err[0];
    ::fcntl(fd_, F_SETFL, O_NONBLOCK);
  }
  ~Proc() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      int st;
      ::waitpid(pid_, &st, 0);
    }
    ::close(fd_);
  }

  // Reads stderr until `pattern` appears (or timeout); returns everything read so far.
  std::string ReadUntil(const std::string& needle, int timeout_ms = 5000) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (out_.find(needle) == std::string::npos && std::chrono::steady_clock::now() < deadline) Pump(20);
    return out_;
  }
  void Pump(int ms) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, ms) > 0) {
      char buf[4096];
      ssize_t n = ::read(fd_, buf, sizeof buf);
      if (n > 0) out_.append(buf, static_cast<std::size_t>(n));
    }
  }
  std::uint16_t Port() {
    std::smatch m;
    std::string s = ReadUntil("msg=listening");
    REQUIRE(std::regex_search(s, m, std::regex("port=(\\d+)")));
    return static_cast<std::uint16_t>(std::stoi(m[1]));
  }
  // Exit code, or 128+signal; -1 on timeout.
  int Wait(int timeout_ms = 5000) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < deadline) {
      int st = 0;
      pid_t r = ::waitpid(pid_, &st, WNOHANG);
      if (r == pid_) {
        exited_ = true;
        for (int i = 0; i < 5; ++i) Pump(5);
        return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      }
      Pump(10);
    }
    return -1;
  }
  void Signal(int sig) { ::kill(pid_, sig); }
  const std::string& output() const { return out_; }

 private:
  pid_t pid_ = -1;
  int fd_ = -1;
  bool exited_ = false;
  std::string out_;
};

int CountLines(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

}  // namespace

TEST_CASE("SIGTERM: the in-flight request completes, new connections are refused, on_stop runs, exit 0") {
  Proc p({"--host", "127.0.0.1", "--port", "0"}, {"PORT=1"});  // the flag wins over PORT
  std::uint16_t port = p.Port();
  REQUIRE(p.output().find("[example] on_start") < p.output().find("msg=listening"));
  Conn busy(port);
  busy.Send(Req("GET", "/slow?ms=600"));
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  p.Signal(SIGTERM);
  bool refused = false;
  for (int i = 0; i < 60 && !refused; ++i) {
    int fd = luxtest::Connect(port);
    if (fd < 0) refused = true; else { ::close(fd); std::this_thread::sleep_for(std::chrono::milliseconds(5)); }
  }
  REQUIRE(refused);
  auto r = busy.Read(3000);
  REQUIRE(r);
  REQUIRE(r->status == 200);
  REQUIRE(r->Json()["slept_ms"].AsInt() == 600);
  REQUIRE(p.Wait() == 0);
  const std::string& out = p.output();
  REQUIRE(out.find("msg=\"signal received\" signal=SIGTERM") != std::string::npos);
  REQUIRE(out.find("path=/slow status=200") < out.find("[example] on_stop"));
}

TEST_CASE("SIGINT with nothing in flight exits 0 promptly") {
  Proc p({}, {"PORT=0", "HOST=127.0.0.1"});
  std::uint16_t port = p.Port();
  REQUIRE(luxtest::Call(port, "GET", "/hello")->status == 200);
  p.Signal(SIGINT);
  REQUIRE(p.Wait(2000) == 0);
  REQUIRE(p.output().find("[example] on_stop") != std::string::npos);
}

TEST_CASE("a second signal forces exit while a request is stuck") {
  Proc p({"--port=0", "--host=127.0.0.1"}, {});
  std::uint16_t port = p.Port();
  Conn busy(port);
  busy.Send(Req("GET", "/slow?ms=5000"));
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  p.Signal(SIGTERM);
  p.ReadUntil("shutting down");
  auto t0 = std::chrono::steady_clock::now();
  p.Signal(SIGTERM);
  int code = p.Wait(2000);
  REQUIRE(code != 0);
  REQUIRE(code != -1);
  REQUIRE(std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(1000));
  REQUIRE(p.output().find("[example] on_stop") == std::string::npos);
}

TEST_CASE("start-up failures: one clear line and a non-zero exit") {
  SECTION("port in use") {
    Proc first({"--port", "0", "--host", "127.0.0.1"}, {});
    std::uint16_t port = first.Port();
    Proc second({"--port", std::to_string(port), "--host", "127.0.0.1"}, {});
    REQUIRE(second.Wait() == 1);
    REQUIRE(second.output().find("example: cannot listen on 127.0.0.1:" + std::to_string(port) + ": address already in use\n") !=
            std::string::npos);
    REQUIRE(second.output().find("on_start") == std::string::npos);  // failed before on_start
  }
  SECTION("bad env value") {
    Proc p({"--port", "0"}, {"SLOW_DEFAULT_MS=12x"});
    REQUIRE(p.Wait() == 1);
    REQUIRE(p.output() == "example: env SLOW_DEFAULT_MS: expected Int, got \"12x\"\n");
  }
  SECTION("bad PORT") {
    Proc p({}, {"PORT=http"});
    REQUIRE(p.Wait() == 1);
    REQUIRE(p.output() == "example: env PORT: expected Int, got \"http\"\n");
    REQUIRE(CountLines(p.output()) == 1);
  }
  SECTION("bad flag") {
    Proc p({"--port", "99999"}, {});
    REQUIRE(p.Wait() == 1);
    REQUIRE(p.output() == "example: option --port: expected Int in 0..65535, got \"99999\"\n");
  }
}

TEST_CASE("LUX_LOG_FORMAT=json gives one JSON object per line") {
  Proc p({"--port", "0", "--host", "127.0.0.1"}, {"LUX_LOG_FORMAT=json"});
  std::string s = p.ReadUntil("\"msg\":\"listening\"");
  std::smatch m;
  REQUIRE(std::regex_search(s, m, std::regex("\"port\":(\\d+)")));
  std::uint16_t port = static_cast<std::uint16_t>(std::stoi(m[1]));
  REQUIRE(luxtest::Call(port, "GET", "/hello", "", "X-Request-Id: j-1\r\n")->status == 200);
  p.Signal(SIGTERM);
  REQUIRE(p.Wait() == 0);
  bool found = false;
  std::size_t pos = 0;
  const std::string& out = p.output();
  while (pos < out.size()) {
    std::size_t e = out.find('\n', pos);
    std::string line = out.substr(pos, e - pos);
    pos = e + 1;
    if (line.empty() || line[0] != '{') continue;  // the example's own prints
    lux::Value v = lux::ParseJson(line);
    if (v["msg"].AsString() == "request") {
      REQUIRE(v["request_id"].AsString() == "j-1");
      REQUIRE(v["status"].AsInt() == 200);
      found = true;
    }
  }
  REQUIRE(found);
}
