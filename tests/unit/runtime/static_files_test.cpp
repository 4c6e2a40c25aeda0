// Static files and compression: the media type table, request paths (traversal in every
// spelling), Range parsing, HTTP dates, Accept-Encoding negotiation and the type rules; then a
// real App on loopback serving a temporary directory (304, 206/416, HEAD, index.html, SPA
// fallback, route priority, symlinks out of the directory, precompressed siblings) and the
// compression stage (gzip and Brotli decoded here, min_size, already-compressed types, ETag).
#include <brotli/decode.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <string>

#include "http/compression.h"
#include "http/static.h"
#include "test_http.h"

using lux::http::Coding;
using lux::http::PathVerdict;
using lux::http::RangeKind;

namespace {

std::string Gunzip(const std::string& in) {
  z_stream zs{};
  REQUIRE(inflateInit2(&zs, 15 + 32) == Z_OK);
  std::string out(4 << 20, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = inflate(&zs, Z_FINISH);
  inflateEnd(&zs);
  REQUIRE(rc == Z_STREAM_END);
  out.resize(zs.total_out);
  return out;
}

std::string Unbrotli(const std::string& in) {
  std::string out(4 << 20, '\0');
  std::size_t size = out.size();
  REQUIRE(BrotliDecoderDecompress(in.size(), reinterpret_cast<const std::uint8_t*>(in.data()), &size,
                                  reinterpret_cast<std::uint8_t*>(out.data())) == BROTLI_DECODER_RESULT_SUCCESS);
  out.resize(size);
  return out;
}

// A fresh directory under TMPDIR, removed at the end of the test.
struct TempDir {
  std::string path;
  TempDir() {
    std::string tmpl = (std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp") + std::string("/lux_static_XXXXXX");
    path = ::mkdtemp(tmpl.data());
  }
  ~TempDir() { (void)std::system(("rm -rf '" + path + "'").c_str()); }
  void Write(const std::string& rel, const std::string& bytes) const {
    std::string full = path + "/" + rel;
    (void)std::system(("mkdir -p \"$(dirname '" + full + "')\"").c_str());
    std::ofstream(full, std::ios::binary) << bytes;
  }
};

std::string Repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

}  // namespace

TEST_CASE("media types by extension, text with charset", "[static]") {
  CHECK(lux::http::MimeType("index.html") == "text/html; charset=utf-8");
  CHECK(lux::http::MimeType("a/b/app.JS") == "text/javascript; charset=utf-8");
  CHECK(lux::http::MimeType("style.css") == "text/css; charset=utf-8");
  CHECK(lux::http::MimeType("logo.png") == "image/png");
  CHECK(lux::http::MimeType("font.woff2") == "font/woff2");
  CHECK(lux::http::MimeType("data.json") == "application/json; charset=utf-8");
  CHECK(lux::http::MimeType("icon.svg") == "image/svg+xml; charset=utf-8");
  CHECK(lux::http::MimeType("README") == "application/octet-stream");
  CHECK(lux::http::MimeType("archive.unknownext") == "application/octet-stream");
  CHECK(lux::http::MimeType("dir.d/noext") == "application/octet-stream");
}

TEST_CASE("request paths below the prefix: traversal refused in every spelling", "[static]") {
  std::string out;
  CHECK(lux::http::SafeRelativePath("/css/site.css", out) == PathVerdict::kOk);
  CHECK(out == "css/site.css");
  CHECK(lux::http::SafeRelativePath("", out) == PathVerdict::kOk);
  CHECK(out.empty());
  CHECK(lux::http::SafeRelativePath("//a///b/", out) == PathVerdict::kOk);
  CHECK(out == "a/b");
  CHECK(lux::http::SafeRelativePath("/my%20file.txt", out) == PathVerdict::kOk);
  CHECK(out == "my file.txt");
  for (const char* bad : {"/../etc/passwd", "/a/../../x", "/%2e%2e/x", "/%2E%2e/x", "/.%2e/x", "/a%2f..%2fb",
                          "/a%2F..", "/..%5c..%5cx", "/a\\..\\b", "/x%00.html", "/./x", "/%2e/x"}) {
    INFO(bad);
    CHECK(lux::http::SafeRelativePath(bad, out) == PathVerdict::kBad);
  }
  CHECK(lux::http::SafeRelativePath("/.env", out) == PathVerdict::kHidden);
  CHECK(lux::http::SafeRelativePath("/.git/config", out) == PathVerdict::kHidden);
  CHECK(lux::http::SafeRelativePath("/%2egit/config", out) == PathVerdict::kHidden);
  CHECK(lux::http::SafeRelativePath("/.well-known/security.txt", out) == PathVerdict::kOk);
}

TEST_CASE("Range: single ranges, suffixes, unsatisfiable and ignored forms", "[static]") {
  lux::http::ByteRange r;
  CHECK(lux::http::ParseRange("bytes=0-9", 100, r) == RangeKind::kPartial);
  CHECK((r.first == 0 && r.last == 9));
  CHECK(lux::http::ParseRange("bytes=90-", 100, r) == RangeKind::kPartial);
  CHECK((r.first == 90 && r.last == 99));
  CHECK(lux::http::ParseRange("bytes=-5", 100, r) == RangeKind::kPartial);
  CHECK((r.first == 95 && r.last == 99));
  CHECK(lux::http::ParseRange("bytes=-500", 100, r) == RangeKind::kPartial);
  CHECK((r.first == 0 && r.last == 99));
  CHECK(lux::http::ParseRange("bytes=50-5000", 100, r) == RangeKind::kPartial);
  CHECK(r.last == 99);
  CHECK(lux::http::ParseRange("BYTES = 1-2", 100, r) == RangeKind::kWhole);  // malformed unit spelling
  CHECK(lux::http::ParseRange("bytes=100-", 100, r) == RangeKind::kUnsatisfiable);
  CHECK(lux::http::ParseRange("bytes=-0", 100, r) == RangeKind::kUnsatisfiable);
  CHECK(lux::http::ParseRange("bytes=0-1,5-6", 100, r) == RangeKind::kWhole);  // several: whole body
  CHECK(lux::http::ParseRange("bytes=9-1", 100, r) == RangeKind::kWhole);
  CHECK(lux::http::ParseRange("items=0-1", 100, r) == RangeKind::kWhole);
  CHECK(lux::http::ParseRange("bytes=x-1", 100, r) == RangeKind::kWhole);
  CHECK(lux::http::ParseRange("bytes=99999999999999999999-", 100, r) == RangeKind::kWhole);
}

TEST_CASE("HTTP dates round-trip, other forms are ignored", "[static]") {
  CHECK(lux::http::HttpDate(784111777) == "Sun, 06 Nov 1994 08:49:37 GMT");
  CHECK(lux::http::ParseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT") == std::optional<std::time_t>(784111777));
  CHECK_FALSE(lux::http::ParseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT"));
  CHECK_FALSE(lux::http::ParseHttpDate("yesterday"));
  CHECK_FALSE(lux::http::ParseHttpDate("Sun, 06 Foo 1994 08:49:37 GMT"));
}

TEST_CASE("Accept-Encoding negotiation: q-values, star, identity, ties", "[compression]") {
  const unsigned all = 0xe;
  CHECK(lux::http::Negotiate(std::nullopt, all) == Coding::kIdentity);
  CHECK(lux::http::Negotiate("", all) == Coding::kIdentity);
  CHECK(lux::http::Negotiate("gzip, deflate, br", all) == Coding::kBrotli);
  CHECK(lux::http::Negotiate("gzip", all) == Coding::kGzip);
  CHECK(lux::http::Negotiate("br;q=1, gzip;q=0.5", all) == Coding::kBrotli);
  CHECK(lux::http::Negotiate("br;q=0.4, gzip;q=0.5", all) == Coding::kGzip);
  CHECK(lux::http::Negotiate("br;q=0, gzip;q=0", all) == Coding::kIdentity);
  CHECK(lux::http::Negotiate("*", all) == Coding::kBrotli);
  CHECK(lux::http::Negotiate("*;q=0.1, br;q=0", all) == Coding::kGzip);
  CHECK(lux::http::Negotiate("identity;q=0", all) == Coding::kIdentity);  // no coding offered is listed
  CHECK(lux::http::Negotiate("GZIP;Q=1.000", all) == Coding::kGzip);
  CHECK(lux::http::Negotiate("x-gzip", all) == Coding::kGzip);
  CHECK(lux::http::Negotiate("gzip;q=2", all) == Coding::kIdentity);  // malformed q: the item is ignored
  CHECK(lux::http::Negotiate("gzip;foo=1;q=0.5, br;q=0.25", all) == Coding::kGzip);  // other parameters skipped
  CHECK(lux::http::Negotiate("br", 1u << static_cast<unsigned>(Coding::kGzip)) == Coding::kIdentity);
}

TEST_CASE("compressible types: defaults, user lists, never the compressed ones", "[compression]") {
  const std::vector<std::string> none;
  CHECK(lux::http::CompressibleType("text/html; charset=utf-8", none));
  CHECK(lux::http::CompressibleType("application/json", none));
  CHECK(lux::http::CompressibleType("application/problem+json", none));
  CHECK(lux::http::CompressibleType("image/svg+xml", none));
  CHECK_FALSE(lux::http::CompressibleType("image/png", none));
  CHECK_FALSE(lux::http::CompressibleType("application/zip", none));
  CHECK_FALSE(lux::http::CompressibleType("video/mp4", none));
  const std::vector<std::string> mine = {"text/*", "image/*"};
  CHECK(lux::http::CompressibleType("text/css", mine));
  CHECK_FALSE(lux::http::CompressibleType("application/json", mine));
  CHECK_FALSE(lux::http::CompressibleType("image/jpeg", mine));  // listed, but compressed already
}

TEST_CASE("the encoders produce what zlib and libbrotlidec decode", "[compression]") {
  std::string text = Repeat("the quick brown fox jumps over the lazy dog ", 200);
  for (int level : {0, 1, 9}) {
    std::string gz = lux::http::Encode(Coding::kGzip, text, level);
    CHECK(gz.size() < text.size() / 5);
    CHECK(Gunzip(gz) == text);
    CHECK(Gunzip(lux::http::Encode(Coding::kDeflate, text, level)) == text);
    CHECK(Unbrotli(lux::http::Encode(Coding::kBrotli, text, level)) == text);
  }
}

TEST_CASE("static files over HTTP: types, validators, 304, ranges, HEAD, directories", "[static][http]") {
  TempDir dir;
  std::string css = Repeat("body { color: red; }\n", 10);
  dir.Write("site.css", css);
  dir.Write("index.html", "<h1>home</h1>");
  dir.Write("docs/index.html", "<h1>docs</h1>");
  dir.Write("empty/.keep", "");
  dir.Write(".env", "SECRET=1");
  luxtest::TestServer s{[&](lux::App& app) {
    lux::ServeStatic(app, {"/assets", dir.path, ""});
    app.Get("/assets/api", [](lux::Request&) { return lux::Respond(200, lux::Value{{"route", true}}); });
  }};
  auto r = luxtest::Call(s.port(), "GET", "/assets/site.css");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->body == css);
  CHECK(r->Header("content-type") == "text/css; charset=utf-8");
  CHECK(r->Header("content-length") == std::to_string(css.size()));
  CHECK(r->Header("accept-ranges") == "bytes");
  std::string etag = r->Header("etag");
  CHECK(etag.size() > 2);
  CHECK(etag[0] == '"');
  std::string modified = r->Header("last-modified");
  CHECK(lux::http::ParseHttpDate(modified));

  auto cond = luxtest::Call(s.port(), "GET", "/assets/site.css", "", "If-None-Match: " + etag + "\r\n");
  REQUIRE(cond);
  CHECK(cond->status == 304);
  CHECK(cond->body.empty());
  cond = luxtest::Call(s.port(), "GET", "/assets/site.css", "", "If-Modified-Since: " + modified + "\r\n");
  REQUIRE(cond);
  CHECK(cond->status == 304);
  cond = luxtest::Call(s.port(), "GET", "/assets/site.css", "", "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n");
  REQUIRE(cond);
  CHECK(cond->status == 200);

  auto part = luxtest::Call(s.port(), "GET", "/assets/site.css", "", "Range: bytes=5-9\r\n");
  REQUIRE(part);
  CHECK(part->status == 206);
  CHECK(part->body == css.substr(5, 5));
  CHECK(part->Header("content-range") == "bytes 5-9/" + std::to_string(css.size()));
  part = luxtest::Call(s.port(), "GET", "/assets/site.css", "", "Range: bytes=5-9\r\nIf-Range: \"stale\"\r\n");
  REQUIRE(part);
  CHECK(part->status == 200);
  auto unsat = luxtest::Call(s.port(), "GET", "/assets/site.css", "", "Range: bytes=99999-\r\n");
  REQUIRE(unsat);
  CHECK(unsat->status == 416);
  CHECK(unsat->Header("content-range") == "bytes */" + std::to_string(css.size()));
  CHECK(unsat->Json()["error"].AsString() == "range not satisfiable");

  std::string large = Repeat("0123456789abcdef", 8 << 10);  // 128 KiB: sent with sendfile
  dir.Write("large.txt", large);
  auto whole = luxtest::Call(s.port(), "GET", "/assets/large.txt");
  REQUIRE(whole);
  CHECK(whole->body == large);
  CHECK(whole->Header("content-length") == std::to_string(large.size()));
  auto tail = luxtest::Call(s.port(), "GET", "/assets/large.txt", "", "Range: bytes=-16\r\n");
  CHECK(tail->body == "0123456789abcdef");

  auto head = luxtest::Call(s.port(), "HEAD", "/assets/site.css");
  REQUIRE(head);
  CHECK(head->status == 200);
  CHECK(head->body.empty());
  CHECK(head->Header("content-length") == std::to_string(css.size()));

  CHECK(luxtest::Call(s.port(), "GET", "/assets/")->body == "<h1>home</h1>");
  CHECK(luxtest::Call(s.port(), "GET", "/assets/docs/")->body == "<h1>docs</h1>");
  auto redirect = luxtest::Call(s.port(), "GET", "/assets/docs?x=1");
  CHECK(redirect->status == 301);
  CHECK(redirect->Header("location") == "/assets/docs/?x=1");
  CHECK(luxtest::Call(s.port(), "GET", "/assets/empty/")->status == 404);  // no listing
  CHECK(luxtest::Call(s.port(), "GET", "/assets/missing.txt")->status == 404);
  CHECK(luxtest::Call(s.port(), "GET", "/assets/.env")->status == 404);
  CHECK(luxtest::Call(s.port(), "GET", "/assets/api")->Json()["route"].AsBool());  // routes first
  CHECK(luxtest::Call(s.port(), "POST", "/assets/site.css")->status == 405);
}

TEST_CASE("static files refuse every way out of the directory", "[static][http]") {
  TempDir outside;
  outside.Write("secret.txt", "top secret");
  TempDir dir;
  dir.Write("public.txt", "hello");
  REQUIRE(::symlink((outside.path + "/secret.txt").c_str(), (dir.path + "/abs-link.txt").c_str()) == 0);
  std::string rel_target = "../" + outside.path.substr(outside.path.rfind('/') + 1) + "/secret.txt";
  REQUIRE(::symlink(rel_target.c_str(), (dir.path + "/rel-link.txt").c_str()) == 0);
  REQUIRE(::symlink("public.txt", (dir.path + "/inside-link.txt").c_str()) == 0);
  luxtest::TestServer s{[&](lux::App& app) { lux::ServeStatic(app, {"/", dir.path, ""}); }};
  for (const char* target : {"/../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E%2Fsecret.txt", "/..%2fsecret.txt",
                             "/..%5csecret.txt", "/a\\..\\..\\secret.txt", "/public.txt%00.html"}) {
    INFO(target);
    auto r = luxtest::Call(s.port(), "GET", target);
    REQUIRE(r);
    CHECK(r->status == 400);
    CHECK(r->Json()["error"].AsString() == "invalid path");
    CHECK(r->body.find("top secret") == std::string::npos);
  }
  for (const char* target : {"/abs-link.txt", "/rel-link.txt"}) {
    INFO(target);
    auto r = luxtest::Call(s.port(), "GET", target);
    REQUIRE(r);
    CHECK(r->status == 404);
    CHECK(r->body.find("top secret") == std::string::npos);
  }
  CHECK(luxtest::Call(s.port(), "GET", "/inside-link.txt")->body == "hello");
}

TEST_CASE("SPA fallback, precompressed siblings, and a missing directory at start", "[static][http]") {
  TempDir dir;
  dir.Write("index.html", "<div id=app></div>");
  std::string js = Repeat("console.log('hello');\n", 100);
  dir.Write("app.js", js);
  dir.Write("app.js.gz", lux::http::Encode(Coding::kGzip, js, 9));
  dir.Write("app.js.br", lux::http::Encode(Coding::kBrotli, js, 9));
  luxtest::TestServer s{[&](lux::App& app) {
    lux::ServeStatic(app, {"/", dir.path, "index.html"});
    app.Get("/api/ping", [](lux::Request&) { return lux::Respond(200, lux::Value{{"pong", true}}); });
  }};
  auto deep = luxtest::Call(s.port(), "GET", "/settings/profile");
  CHECK(deep->status == 200);
  CHECK(deep->body == "<div id=app></div>");
  CHECK(deep->Header("content-type") == "text/html; charset=utf-8");
  CHECK(luxtest::Call(s.port(), "GET", "/api/ping")->Json()["pong"].AsBool());
  CHECK(luxtest::Call(s.port(), "GET", "/../x")->status == 400);  // traversal is not a fallback case

  auto br = luxtest::Call(s.port(), "GET", "/app.js", "", "Accept-Encoding: gzip, br\r\n");
  CHECK(br->Header("content-encoding") == "br");
  CHECK(br->Header("vary") == "Accept-Encoding");
  CHECK(br->Header("content-type") == "text/javascript; charset=utf-8");
  CHECK(Unbrotli(br->body) == js);
  auto gz = luxtest::Call(s.port(), "GET", "/app.js", "", "Accept-Encoding: gzip\r\n");
  CHECK(gz->Header("content-encoding") == "gzip");
  CHECK(Gunzip(gz->body) == js);
  CHECK(gz->Header("etag") != br->Header("etag"));
  auto plain = luxtest::Call(s.port(), "GET", "/app.js");
  CHECK(!plain->Has("content-encoding"));
  CHECK(plain->body == js);

  lux::App missing{"missing"};
  missing.options().host = "127.0.0.1";
  missing.options().port = 0;
  missing.options().log_level = lux::LogLevel::kOff;
  missing.options().handle_signals = false;
  lux::ServeStatic(missing, {"/", dir.path + "/nope", ""});
  CHECK_THROWS_WITH(missing.Start(), Catch::Contains("static \"/\": directory") && Catch::Contains("does not exist"));
  CHECK_THROWS_AS(lux::ServeStatic(missing, {"/", dir.path, ""}), std::invalid_argument);  // the prefix twice
  CHECK_THROWS_AS(lux::ServeStatic(missing, {"assets", dir.path, ""}), std::invalid_argument);
}

TEST_CASE("the compression stage: routes and files, min_size, types, ETag, HEAD", "[compression][http]") {
  TempDir dir;
  std::string page = Repeat("<p>static page</p>\n", 200);
  dir.Write("page.html", page);
  dir.Write("logo.png", Repeat("PNGDATA", 400));
  std::string big = Repeat("{\"id\": 1, \"name\": \"widget\"}, ", 200);
  luxtest::TestServer s{[&](lux::App& app) {
    lux::EnableCompression(app, {1024, 0, {}});
    lux::ServeStatic(app, {"/files", dir.path, ""});
    app.Get("/big", [&](lux::Request&) {
      lux::Response r = lux::Text(200, big);
      r.SetHeader("Content-Type", "application/json");
      r.SetHeader("ETag", "\"v1\"");
      return r;
    });
    app.Get("/small", [](lux::Request&) { return lux::Text(200, "tiny"); });
    app.Get("/already", [&](lux::Request&) {
      lux::Response r = lux::Text(200, big);
      r.SetHeader("Content-Encoding", "identity-ish");
      return r;
    });
  }};
  auto gz = luxtest::Call(s.port(), "GET", "/big", "", "Accept-Encoding: gzip\r\n");
  CHECK(gz->Header("content-encoding") == "gzip");
  CHECK(gz->Header("vary") == "Accept-Encoding");
  CHECK(gz->Header("etag") == "W/\"v1\"");
  CHECK(gz->Header("content-length") == std::to_string(gz->body.size()));
  CHECK(Gunzip(gz->body) == big);
  auto br = luxtest::Call(s.port(), "GET", "/big", "", "Accept-Encoding: br;q=1, gzip;q=0.5\r\n");
  CHECK(br->Header("content-encoding") == "br");
  CHECK(Unbrotli(br->body) == big);
  auto revalidate = luxtest::Call(s.port(), "GET", "/big", "", "Accept-Encoding: gzip\r\nIf-None-Match: W/\"v1\"\r\n");
  CHECK(revalidate->status == 304);
  auto plain = luxtest::Call(s.port(), "GET", "/big");
  CHECK(!plain->Has("content-encoding"));
  CHECK(plain->Header("vary") == "Accept-Encoding");
  CHECK(plain->body == big);
  CHECK(!luxtest::Call(s.port(), "GET", "/big", "", "Accept-Encoding: gzip;q=0, br;q=0\r\n")->Has("content-encoding"));
  CHECK(!luxtest::Call(s.port(), "GET", "/small", "", "Accept-Encoding: gzip\r\n")->Has("content-encoding"));
  CHECK(luxtest::Call(s.port(), "GET", "/already", "", "Accept-Encoding: gzip\r\n")->Header("content-encoding") ==
        "identity-ish");
  auto head = luxtest::Call(s.port(), "HEAD", "/big", "", "Accept-Encoding: gzip\r\n");
  CHECK(!head->Has("content-encoding"));
  CHECK(head->Header("vary") == "Accept-Encoding");  // the GET's Vary
  CHECK(luxtest::Call(s.port(), "HEAD", "/files/page.html", "", "Accept-Encoding: gzip\r\n")->Header("vary") ==
        "Accept-Encoding");
  CHECK(!luxtest::Call(s.port(), "HEAD", "/small", "", "Accept-Encoding: gzip\r\n")->Has("vary"));

  auto file = luxtest::Call(s.port(), "GET", "/files/page.html", "", "Accept-Encoding: gzip\r\n");
  CHECK(file->Header("content-encoding") == "gzip");
  CHECK(file->Header("etag").rfind("W/\"", 0) == 0);
  CHECK(!file->Has("accept-ranges"));
  CHECK(Gunzip(file->body) == page);
  // Revalidating the gzip copy: a 304 with the 200's Vary (the file's type from its path).
  auto file304 = luxtest::Call(s.port(), "GET", "/files/page.html", "",
                               "Accept-Encoding: gzip\r\nIf-None-Match: " + file->Header("etag") + "\r\n");
  CHECK(file304->status == 304);
  CHECK(file304->Header("vary") == "Accept-Encoding");
  auto png = luxtest::Call(s.port(), "GET", "/files/logo.png", "", "Accept-Encoding: gzip\r\n");
  CHECK(!png->Has("content-encoding"));
  auto png304 = luxtest::Call(s.port(), "GET", "/files/logo.png", "",
                              "Accept-Encoding: gzip\r\nIf-None-Match: " + png->Header("etag") + "\r\n");
  CHECK(png304->status == 304);
  CHECK(!png304->Has("vary"));  // never compressed: nothing varies
  auto range = luxtest::Call(s.port(), "GET", "/files/page.html", "", "Accept-Encoding: gzip\r\nRange: bytes=0-9\r\n");
  CHECK(range->status == 206);
  CHECK(!range->Has("content-encoding"));
  CHECK(range->body == page.substr(0, 10));
}

TEST_CASE("a client that resets while a large file is sent costs its connection only", "[static][http]") {
  TempDir dir;
  dir.Write("big.bin", std::string(8 << 20, 'x'));
  luxtest::TestServer s{[&](lux::App& app) { lux::ServeStatic(app, {"/", dir.path, ""}); }, 1};
  for (int i = 0; i < 20; ++i) {
    luxtest::Conn c(s.port());
    REQUIRE(c.ok());
    c.Send(luxtest::Req("GET", "/big.bin"));
    c.Fill(2000);  // the head and the first bytes: the rest is still being sent
    linger hard{1, 0};
    setsockopt(c.fd(), SOL_SOCKET, SO_LINGER, &hard, sizeof hard);  // close sends RST: EPIPE/ECONNRESET
  }
  auto r = luxtest::Call(s.port(), "GET", "/big.bin", "", "Range: bytes=0-3\r\n");
  REQUIRE(r);
  CHECK(r->status == 206);
  CHECK(r->body == "xxxx");
}
