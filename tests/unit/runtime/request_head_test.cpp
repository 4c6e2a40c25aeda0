// http::ParseSimpleHead against Beast's request parser: every head it takes, Beast takes with
// the same method, target, version, fields (names as sent, values trimmed) and keep-alive, as
// a complete message without a body; the heads it leaves to Beast are the ones listed. Then the
// same comparison over byte-level mutations of the accepted heads.
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <catch2/catch.hpp>

#include <cctype>
#include <random>
#include <string>

#include "http/request_head.h"
#include "lux/http.h"

namespace {

namespace bhttp = boost::beast::http;
using lux::http::ParseSimpleHead;
using lux::http::SimpleHead;

constexpr std::size_t kLimit = 8192;

// Whether Beast reads `text` (header_limit as the server sets it) as a complete request whose
// parts equal `head`'s; `why` says what differs.
bool SameAsBeast(const std::string& text, std::size_t used, const SimpleHead& head, std::string& why) {
  bhttp::request_parser<bhttp::string_body> parser;
  parser.header_limit(kLimit + 1);
  parser.eager(false);
  boost::system::error_code ec;
  std::size_t n = parser.put(boost::asio::buffer(text.data(), used), ec);
  if (ec || n != used || !parser.is_header_done() || !parser.is_done()) {
    why = "beast: " + ec.message() + " used " + std::to_string(n) + " of " + std::to_string(used);
    return false;
  }
  const auto& m = parser.get();
  if (std::string(m.method_string()) != head.method) return why = "method", false;
  if (std::string(m.target()) != head.target) return why = "target", false;
  if (static_cast<int>(m.version()) != head.version) return why = "version", false;
  if (m.keep_alive() != head.keep_alive) return why = "keep_alive", false;
  std::size_t i = 0;
  for (const auto& f : m) {
    if (i == head.field_count) return why = "more fields in beast", false;
    if (std::string(f.name_string()) != head.fields[i].name) return why = "field name " + std::to_string(i), false;
    if (std::string(f.value()) != head.fields[i].value) return why = "field value " + std::to_string(i), false;
    ++i;
  }
  if (i != head.field_count) return why = "fewer fields in beast", false;
  return true;
}

const char* const kAccepted[] = {
    "GET /hello HTTP/1.1\r\nHost: localhost:8080\r\n\r\n",
    "GET /a/b?x=1&y=%20z HTTP/1.1\r\nHost: h\r\nUser-Agent: wrk\r\nAccept: */*\r\n\r\n",
    "HEAD / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: h\r\nCONNECTION: Keep-Alive\r\n\r\n",
    "GET / HTTP/1.0\r\n\r\n",
    "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
    "GET / HTTP/1.0\r\nConnection: close\r\nHost: a\r\n\r\n",
    "DELETE /x HTTP/1.1\r\nHost: h\r\nX-Empty:\r\nX-Spaces: \t a  b \t \r\n\r\n",
    "OPTIONS * HTTP/1.1\r\nHost: h\r\nOrigin: http://o\r\n\r\n",
    "GET /%7Euser HTTP/1.1\r\nhost: [::1]:80\r\nx-request-id: abc-123\r\n"
    "traceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: h\r\n!#$%&'*+-.^_`|~09az: v\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: h\r\nCookie: a=1; b=2\r\nCookie: c=3\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: h\r\n\r\nGET /next HTTP/1.1\r\n",  // pipelined bytes after the head
};

// Heads left to Beast (ParseSimpleHead returns 0).
const char* const kLeft[] = {
    "",
    "GET /hello HTTP/1.1\r\nHost: h\r\n",                        // not whole yet
    "GET /hello HTTP/1.1\r\nHost: h\r\n\r",                      // not whole yet
    "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nhi",  // a body
    "POST /x HTTP/1.1\r\nHost: h\r\ncontent-length: 0\r\n\r\n",
    "POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n  folded\r\n\r\n",    // obs-fold
    "GET / HTTP/1.1\nHost: h\n\n",                                 // bare LF
    "get / HTTP/1.1\r\nHost: h\r\n\r\n",                           // method not in upper case
    "GET  / HTTP/1.1\r\nHost: h\r\n\r\n",
    "GET /a b HTTP/1.1\r\nHost: h\r\n\r\n",
    "GET /\xc3\xa9 HTTP/1.1\r\nHost: h\r\n\r\n",                   // bytes past ASCII
    "GET / HTTP/1.1\r\nHost: h\r\nX-A: caf\xc3\xa9\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\x7f\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\rb\r\n\r\n",
    "GET / HTTP/1.1\r\nHost : h\r\n\r\n",
    "GET / HTTP/1.1\r\n: h\r\n\r\n",
    "GET / HTTP/2.0\r\nHost: h\r\n\r\n",
    "GET / HTTP/1.2\r\nHost: h\r\n\r\n",
    "GET / HTTP/1.1 \r\nHost: h\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, close\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\nConnection: close\r\n\r\n",
    "VERYLONGMETHODNAME / HTTP/1.1\r\nHost: h\r\n\r\n",
};

std::size_t Parse(const std::string& text, SimpleHead& head, std::size_t limit = kLimit) {
  return ParseSimpleHead(text, limit, head);
}

}  // namespace

TEST_CASE("ParseSimpleHead: what it takes, Beast reads the same way") {
  for (const char* c : kAccepted) {
    std::string text = c;
    SimpleHead head;
    std::size_t used = Parse(text, head);
    INFO(text);
    REQUIRE(used > 0);
    REQUIRE(text.compare(used - 4, 4, "\r\n\r\n") == 0);
    std::string why;
    bool same = SameAsBeast(text, used, head, why);
    INFO(why);
    CHECK(same);
  }
  SimpleHead head;
  std::string text = "GET /a?q HTTP/1.0\r\nHost: x\r\nHost: y\r\n\r\n";
  REQUIRE(Parse(text, head) == text.size());
  CHECK(head.hosts == 2);  // counted: the server leaves this head to Beast's path (400)
  CHECK(head.host == "y");
  CHECK(head.version == 10);
  CHECK(!head.keep_alive);
}

TEST_CASE("ParseSimpleHead: heads left to Beast") {
  for (const char* c : kLeft) {
    SimpleHead head;
    INFO(c);
    CHECK(Parse(c, head) == 0);
  }
}

TEST_CASE("ParseSimpleHead: the header byte limit and the field count") {
  std::string text = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";
  SimpleHead head;
  CHECK(Parse(text, head, text.size()) == text.size());  // at the limit
  CHECK(Parse(text, head, text.size() - 1) == 0);         // one byte over it
  std::string many = "GET / HTTP/1.1\r\nHost: h\r\n";
  for (std::size_t i = 1; i < SimpleHead::kMaxFields; ++i) many += "X-F" + std::to_string(i) + ": v\r\n";
  CHECK(Parse(many + "\r\n", head) > 0);
  CHECK(head.field_count == SimpleHead::kMaxFields);
  CHECK(Parse(many + "X-One-More: v\r\n\r\n", head) == 0);
}

TEST_CASE("ParseSimpleHead: mutated heads it takes, Beast reads the same way") {
  std::mt19937 rng(20261206);
  const std::string alphabet = std::string("\r\n :\t/?%-aZ09\x7f\x80\xff") + '\0';
  int taken = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string text = kAccepted[rng() % std::size(kAccepted)];
    int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits; ++e) {
      std::size_t at = rng() % text.size();
      switch (rng() % 3) {
        case 0: text[at] = alphabet[rng() % alphabet.size()]; break;
        case 1: text.insert(at, 1, alphabet[rng() % alphabet.size()]); break;
        default: text.erase(at, 1); break;
      }
    }
    SimpleHead head;
    std::size_t used = Parse(text, head);
    if (used == 0) continue;
    ++taken;
    std::string why;
    bool same = SameAsBeast(text, used, head, why);
    INFO(text);
    INFO(why);
    REQUIRE(same);
  }
  CHECK(taken > 1000);  // the comparison ran on many mutated heads, not only on a few
}

TEST_CASE("IEquals: ASCII case-insensitive, eight bytes a step, the same answers as byte by byte") {
  auto reference = [](std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
      unsigned char x = static_cast<unsigned char>(a[i]), y = static_cast<unsigned char>(b[i]);
      if (x >= 'A' && x <= 'Z') x = static_cast<unsigned char>(x + 32);
      if (y >= 'A' && y <= 'Z') y = static_cast<unsigned char>(y + 32);
      if (x != y) return false;
    }
    return true;
  };
  CHECK(lux::IEquals("Content-Type", "content-type"));
  CHECK(lux::IEquals("X-REQUEST-ID", "x-request-id"));
  CHECK_FALSE(lux::IEquals("Content-Type", "Content-Typf"));
  CHECK_FALSE(lux::IEquals("@[`{", "`{@["));  // the bytes beside the letters are not letters
  CHECK_FALSE(lux::IEquals("\xc1\xc2\xc3\xc4\xc5\xc6\xc7\xc8\xc9", "\xe1\xe2\xe3\xe4\xe5\xe6\xe7\xe8\xe9"));
  CHECK(lux::IEquals("", ""));
  // Random pairs over the bytes around the letters' edges, every length up to 40, each pair
  // the same text with some bytes changed in case or replaced.
  std::mt19937 rng(7);
  const std::string alphabet = std::string("@AZ[`az{-09 ") + "\x80\xc1\xe1\xff\x40\x5a\x5b\x60\x7a\x7b";
  for (int round = 0; round < 20000; ++round) {
    std::size_t n = rng() % 41;
    std::string a, b;
    for (std::size_t i = 0; i < n; ++i) a.push_back(alphabet[rng() % alphabet.size()]);
    b = a;
    for (std::size_t i = 0; i < n; ++i) {
      unsigned r = rng() % 8;
      if (r == 0 && std::isalpha(static_cast<unsigned char>(b[i]))) b[i] = static_cast<char>(b[i] ^ 0x20);
      if (r == 1 && rng() % 4 == 0) b[i] = alphabet[rng() % alphabet.size()];
      if (r == 2 && rng() % 8 == 0) b[i] = static_cast<char>(b[i] ^ 0x20);
    }
    INFO("a=" << a << " b=" << b);
    REQUIRE(lux::IEquals(a, b) == reference(a, b));
  }
}
