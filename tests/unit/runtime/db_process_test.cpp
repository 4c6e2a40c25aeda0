// lux_db_server as a real process: a record whose create returned survives SIGKILL and a
// restart; two processes of one program share one database file and neither sees
// "database is locked"; an incompatible schema stops start-up with one line and exit 1.
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <regex>
#include <thread>

#include "db_test_util.h"

using lux::Value;
using luxtest::TempDir;

namespace {

class Server {
 public:
  explicit Server(const std::string& db_path) {
    int err[2];
    REQUIRE(::pipe(err) == 0);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(err[1], 2);
      ::close(err[0]);
      ::close(err[1]);
      ::setenv("LUX_DB_PATH", db_path.c_str(), 1);
      ::setenv("PORT", "0", 1);
      ::setenv("HOST", "127.0.0.1", 1);
      ::setenv("LUX_THREADS", "2", 1);
      ::setenv("LUX_ACCESS_LOG", "0", 1);
      ::execl(LUX_DB_SERVER, LUX_DB_SERVER, static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(err[1]);
    fd_ = err[0];
    ::fcntl(fd_, F_SETFL, O_NONBLOCK);
  }
  ~Server() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      int st;
      ::waitpid(pid_, &st, 0);
    }
    ::close(fd_);
  }
  std::uint16_t Port() {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    std::smatch m;
    while (std::chrono::steady_clock::now() < deadline) {
      if (std::regex_search(out_, m, std::regex("msg=listening.*port=(\\d+)"))) return static_cast<std::uint16_t>(std::stoi(m[1]));
      Pump(20);
    }
    FAIL("no listening line: " << out_);
    return 0;
  }
  void Kill() {
    ::kill(pid_, SIGKILL);
    Wait();
  }
  int Wait() {
    int st = 0;
    ::waitpid(pid_, &st, 0);
    exited_ = true;
    for (int i = 0; i < 5; ++i) Pump(5);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  }
  const std::string& output() const { return out_; }

 private:
  void Pump(int ms) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, ms) > 0) {
      char buf[4096];
      ssize_t n = ::read(fd_, buf, sizeof buf);
      if (n > 0) out_.append(buf, static_cast<std::size_t>(n));
    }
  }
  pid_t pid_ = -1;
  int fd_ = -1;
  bool exited_ = false;
  std::string out_;
};

std::optional<luxtest::HttpResponse> Post(std::uint16_t port, const std::string& body) {
  return luxtest::Call(port, "POST", "/items", body, "Content-Type: application/json\r\n");
}

}  // namespace

TEST_CASE("a create that returned survives SIGKILL and a restart") {
  TempDir dir;
  std::string path = dir.File("items.db");
  Value created;
  {
    Server s(path);
    std::uint16_t port = s.Port();
    for (int i = 0; i < 20; ++i) REQUIRE(Post(port, R"({"name":"warmup","qty":1})")->status == 201);
    auto r = Post(port, R"({"name":"keep me","qty":7,"price":2.5,"done":true,"tags":["a","b"]})");
    REQUIRE(r);
    REQUIRE(r->status == 201);
    created = r->Json();
    s.Kill();  // no on_stop, no close, no checkpoint: only the WAL has the row
  }
  CHECK(std::filesystem::exists(path + "-wal"));
  Server again(path);
  std::uint16_t port = again.Port();
  auto r = luxtest::Call(port, "GET", "/items/" + std::to_string(created["id"].AsInt()));
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->Json() == created);
  CHECK(r->Json()["done"] == Value(true));
  CHECK(luxtest::Call(port, "GET", "/items/count")->Json()["count"] == Value(21));
}

TEST_CASE("two server processes share one database file") {
  TempDir dir;
  std::string path = dir.File("shared.db");
  Server a(path);
  Server b(path);
  std::uint16_t pa = a.Port(), pb = b.Port();
  constexpr int kThreads = 8;
  constexpr int kEach = 25;
  std::atomic<int> ok{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < kThreads; ++t) {
    ts.emplace_back([&, t] {
      luxtest::Conn c(t % 2 ? pa : pb);
      for (int i = 0; i < kEach; ++i) {
        c.Send(luxtest::Req("POST", "/items", R"({"name":"w","qty":)" + std::to_string(i) + "}", "Content-Type: application/json\r\n"));
        auto r = c.Read(15000);
        if (r && r->status == 201) ok++;
      }
    });
  }
  for (auto& t : ts) t.join();
  CHECK(ok.load() == kThreads * kEach);
  // Each process reads what the other wrote.
  CHECK(luxtest::Call(pa, "GET", "/items/count")->Json()["count"] == Value(kThreads * kEach));
  CHECK(luxtest::Call(pb, "GET", "/items/count")->Json()["count"] == Value(kThreads * kEach));
}

TEST_CASE("an incompatible schema stops the process at start with one line and exit 1") {
  TempDir dir;
  std::string path = dir.File("bad.db");
  {
    luxtest::DbServer s(path, {{"Item", "", {{"name", lux::ColumnType::kString, false, {}}, {"qty", lux::ColumnType::kString, false, {}}}}});
  }
  Server s(path);
  CHECK(s.Wait() == 1);
  CHECK(s.output() == "db_server: db " + path +
                          ": model Item (table items): field `qty` (Int) but column `qty` holds String (TEXT): a column's type "
                          "cannot change in place; add a new field, or convert the table with SQL\n");
}
