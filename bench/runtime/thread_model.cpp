// Thread-model experiment for the runtime's design: the same minimal Beast server run as
// (a) `percore`: N io_contexts, one thread each, sockets handed out round-robin (what the
// runtime does), or (b) `shared`: one io_context run by N threads.
//   thread_model percore|shared THREADS PORT
#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

class Session : public std::enable_shared_from_this<Session> {
 public:
  explicit Session(tcp::socket s) : stream_(std::move(s)) {}
  void Read() {
    req_ = {};
    http::async_read(stream_, buf_, req_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (!ec) self->Respond();
    });
  }

 private:
  void Respond() {
    res_ = {};
    res_.result(http::status::ok);
    res_.version(11);
    res_.set(http::field::content_type, "application/json");
    res_.keep_alive(req_.keep_alive());
    res_.body() = R"({"message":"hello"})";
    res_.prepare_payload();
    http::async_write(stream_, res_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (!ec && self->res_.keep_alive()) self->Read();
    });
  }
  beast::tcp_stream stream_;
  beast::flat_buffer buf_;
  http::request<http::string_body> req_;
  http::response<http::string_body> res_;
};

int main(int argc, char** argv) {
  bool shared = argc > 1 && std::strcmp(argv[1], "shared") == 0;
  int n = argc > 2 ? std::atoi(argv[2]) : 2;
  unsigned short port = static_cast<unsigned short>(argc > 3 ? std::atoi(argv[3]) : 8095);
  std::vector<std::unique_ptr<asio::io_context>> ctxs;
  for (int i = 0; i < (shared ? 1 : n); ++i) ctxs.push_back(std::make_unique<asio::io_context>(shared ? n : 1));
  tcp::acceptor acc(*ctxs[0], {asio::ip::make_address("127.0.0.1"), port});
  std::size_t next = 0;
  std::function<void()> accept = [&] {
    asio::io_context& target = *ctxs[next++ % ctxs.size()];
    acc.async_accept(target, [&](beast::error_code ec, tcp::socket s) {
      if (!ec) {
        s.set_option(tcp::no_delay(true));
        std::make_shared<Session>(std::move(s))->Read();
      }
      accept();
    });
  };
  accept();
  std::vector<std::thread> threads;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  for (auto& c : ctxs) guards.emplace_back(c->get_executor());
  for (int i = 0; i < n; ++i) threads.emplace_back([&, i] { ctxs[shared ? 0 : i]->run(); });
  std::cerr << (shared ? "shared" : "percore") << " x" << n << " on " << port << "\n";
  for (auto& t : threads) t.join();
}
