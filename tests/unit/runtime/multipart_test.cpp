// The multipart/form-data parser (a body split at every byte position gives the same parts),
// its errors, the boundary of a Content-Type, file-type sniffing and filenames; then uploads
// over HTTP on a real App: files in memory and spooled to temporary files (removed after the
// request), 413/415/400 with the error shape, and a readiness route.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <array>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "http/multipart.h"
#include "lux/upload.h"
#include "server/component.h"
#include "test_http.h"

using lux::http::MultipartError;
using lux::http::MultipartParser;
using lux::http::PartHead;

namespace {

struct Part {
  PartHead head;
  std::string data;
};

struct Collect : lux::http::MultipartSink {
  std::vector<Part> parts;
  bool open = false;
  void PartBegin(const PartHead& h) override {
    REQUIRE_FALSE(open);
    open = true;
    parts.push_back({h, ""});
  }
  void PartData(std::string_view b) override {
    REQUIRE(open);
    parts.back().data.append(b);
  }
  void PartEnd() override {
    REQUIRE(open);
    open = false;
  }
};

const std::string kBody =
    "preamble to ignore\r\n"
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"title\"\r\n"
    "\r\n"
    "hello\r\n--XyQ not it\r\n-\r\n"
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"file\"; filename=\"a\\\"b.png\"\r\n"
    "Content-Type: Image/PNG; x=1\r\n"
    "\r\n"
    "\x89PNG\r\n\x1a\n\r\r\n-\r\n--XY\r\n"
    "--XyZ  \r\n"
    "content-disposition: form-data; name=empty\r\n"
    "\r\n"
    "\r\n"
    "--XyZ--\r\n"
    "epilogue";

std::vector<Part> ParseIn(const std::string& body, std::vector<std::size_t> cuts) {
  Collect c;
  MultipartParser p("XyZ", c);
  std::size_t from = 0;
  cuts.push_back(body.size());
  for (std::size_t cut : cuts) {
    p.Feed(std::string_view(body).substr(from, cut - from));
    from = cut;
  }
  p.Finish();
  CHECK(p.done());
  return c.parts;
}

void CheckParts(const std::vector<Part>& parts) {
  REQUIRE(parts.size() == 3);
  CHECK(parts[0].head.name == "title");
  CHECK_FALSE(parts[0].head.is_file);
  CHECK(parts[0].data == "hello\r\n--XyQ not it\r\n-");
  CHECK(parts[1].head.name == "file");
  CHECK(parts[1].head.is_file);
  CHECK(parts[1].head.filename == "a\"b.png");
  CHECK(parts[1].head.content_type == "image/png");
  CHECK(parts[1].data == std::string("\x89PNG\r\n\x1a\n\r\r\n-\r\n--XY"));
  CHECK(parts[2].head.name == "empty");
  CHECK(parts[2].data.empty());
}

std::string Fails(const std::string& body, const std::string& boundary = "XyZ") {
  Collect c;
  MultipartParser p(boundary, c);
  try {
    p.Feed(body);
    p.Finish();
  } catch (const MultipartError& e) {
    CHECK(e.status() == 400);
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("multipart: one piece, and split at every byte position", "[multipart]") {
  CheckParts(ParseIn(kBody, {}));
  for (std::size_t i = 1; i < kBody.size(); ++i) {
    INFO("cut at " << i);
    CheckParts(ParseIn(kBody, {i}));
  }
  // Every byte on its own.
  std::vector<std::size_t> all;
  for (std::size_t i = 1; i < kBody.size(); ++i) all.push_back(i);
  CheckParts(ParseIn(kBody, all));
}

TEST_CASE("multipart: a body that starts with the delimiter, filename* and no preamble", "[multipart]") {
  std::string body =
      "--b\r\nContent-Disposition: form-data; name=f; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf; filename=\"x.pdf\"\r\n\r\n%PDF-1\r\n--b--";
  Collect c;
  MultipartParser p("b", c);
  p.Feed(body);
  p.Finish();
  REQUIRE(c.parts.size() == 1);
  CHECK(c.parts[0].head.filename == "r\xc3\xa9sum\xc3\xa9.pdf");
  CHECK(c.parts[0].data == "%PDF-1");
}

TEST_CASE("multipart: malformed bodies are 400 with a reason", "[multipart]") {
  CHECK_THAT(Fails("no delimiter here"), Catch::Contains("boundary from Content-Type never occurs"));
  CHECK_THAT(Fails("--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\nhalf a part"), Catch::Contains("cut short"));
  CHECK_THAT(Fails("--XyZ\r\nContent-Disposition: form-data; name=a\r\n"), Catch::Contains("cut short"));
  CHECK_THAT(Fails("--XyZ\r\nContent-Type: text/plain\r\n\r\nx\r\n--XyZ--"), Catch::Contains("no Content-Disposition"));
  CHECK_THAT(Fails("--XyZ\r\nContent-Disposition: form-data\r\n\r\nx\r\n--XyZ--"), Catch::Contains("without a `name`"));
  CHECK_THAT(Fails("--XyZ\r\nContent-Disposition: attachment; name=a\r\n\r\nx\r\n--XyZ--"), Catch::Contains("form-data"));
  CHECK_THAT(Fails("--XyZ\r\nnot a header\r\n\r\nx\r\n--XyZ--"), Catch::Contains("name: value"));
  CHECK_THAT(Fails("--XyZx\r\n"), Catch::Contains("CRLF"));
  CHECK_THAT(Fails("--XyZ\r\nContent-Disposition: form-data; name=\"a\r\n\r\nx\r\n--XyZ--"), Catch::Contains("parameters"));
}

TEST_CASE("multipart: limits on header size and part count, each at its edge", "[multipart]") {
  // A header block of exactly kMaxPartHeaderBytes (its lines and the blank line) passes.
  std::string line = "Content-Disposition: form-data; name=a\r\n";
  std::size_t pad = lux::http::kMaxPartHeaderBytes - line.size() - 2 - std::string("X-Pad: \r\n").size();
  std::string head = line + "X-Pad: " + std::string(pad, 'p') + "\r\n\r\n";
  REQUIRE(head.size() == lux::http::kMaxPartHeaderBytes);
  CHECK(Fails("--XyZ\r\n" + head + "x\r\n--XyZ--") == "");
  std::string over = line + "X-Pad: " + std::string(pad + 1, 'p') + "\r\n\r\n";
  CHECK_THAT(Fails("--XyZ\r\n" + over + "x\r\n--XyZ--"), Catch::Contains("header block is longer"));

  std::string parts;
  for (std::size_t i = 0; i < lux::http::kMaxParts; ++i) parts += "--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\nx\r\n";
  CHECK(Fails(parts + "--XyZ--") == "");
  parts += "--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\nx\r\n";
  CHECK_THAT(Fails(parts + "--XyZ--"), Catch::Contains("too many parts"));
}

TEST_CASE("multipart: the boundary of a Content-Type", "[multipart]") {
  using lux::http::BoundaryOf;
  CHECK(BoundaryOf("multipart/form-data; boundary=abc") == std::optional<std::string>("abc"));
  CHECK(BoundaryOf("Multipart/Form-Data;charset=utf-8; BOUNDARY=\"a b:c\"") == std::optional<std::string>("a b:c"));
  CHECK_FALSE(BoundaryOf("application/json").has_value());
  CHECK_FALSE(BoundaryOf("multipart/mixed; boundary=x").has_value());
  CHECK_THROWS_AS(BoundaryOf("multipart/form-data"), MultipartError);
  CHECK_THROWS_AS(BoundaryOf("multipart/form-data; boundary="), MultipartError);
  CHECK_THROWS_AS(BoundaryOf("multipart/form-data; boundary=\"a\rb\""), MultipartError);
  CHECK_THROWS_AS(BoundaryOf("multipart/form-data; boundary=" + std::string(71, 'a')), MultipartError);
  CHECK(BoundaryOf("multipart/form-data; boundary=" + std::string(70, 'a')).has_value());
}

TEST_CASE("sniffing: magic numbers and agreement with the declared type", "[multipart]") {
  using lux::http::SniffType;
  using lux::http::TypesAgree;
  using namespace std::string_view_literals;
  CHECK(SniffType("\x89PNG\r\n\x1a\n...."sv) == "image/png");
  CHECK(SniffType("\xff\xd8\xff\xe0"sv) == "image/jpeg");
  CHECK(SniffType("GIF89a") == "image/gif");
  CHECK(SniffType("%PDF-1.7") == "application/pdf");
  CHECK(SniffType("PK\x03\x04"sv) == "application/zip");
  CHECK(SniffType("RIFF\x10\0\0\0WEBPVP8 "sv) == "image/webp");
  CHECK(SniffType("hello world") == "");
  CHECK(SniffType("\x89PN"sv) == "");  // too short to tell
  CHECK(TypesAgree("image/png", "image/png"));
  CHECK(TypesAgree("image/jpg", "image/jpeg"));
  CHECK_FALSE(TypesAgree("image/png", ""));           // declared PNG, not a PNG
  CHECK_FALSE(TypesAgree("image/png", "image/gif"));
  CHECK_FALSE(TypesAgree("text/plain", "image/png"));  // an image posing as text
  CHECK(TypesAgree("text/plain", ""));
  CHECK(TypesAgree("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "application/zip"));
  CHECK(TypesAgree("application/octet-stream", "image/png"));
}

TEST_CASE("filenames are data: the last segment, no control bytes", "[multipart]") {
  using lux::http::SafeFilename;
  CHECK(SafeFilename("../../etc/passwd") == "passwd");
  CHECK(SafeFilename("C:\\Users\\me\\a.png") == "a.png");
  CHECK(SafeFilename("..") == "");
  CHECK(SafeFilename("a/..") == "");
  CHECK(SafeFilename(std::string("x\ny\0z", 5)) == "xyz");
}

// ---- over HTTP ----

namespace {

std::string Multipart(const std::string& boundary, const std::vector<std::array<std::string, 4>>& parts) {
  std::string body;
  for (const auto& [name, filename, type, data] : parts) {
    body += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"";
    if (!filename.empty()) body += "; filename=\"" + filename + "\"";
    body += "\r\n";
    if (!type.empty()) body += "Content-Type: " + type + "\r\n";
    body += "\r\n" + data + "\r\n";
  }
  return body + "--" + boundary + "--\r\n";
}

std::string Post(const std::string& target, const std::string& body, const std::string& type) {
  return "POST " + target + " HTTP/1.1\r\nHost: t\r\nContent-Type: " + type + "\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::size_t FilesIn(const std::string& dir) {
  std::size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) n += e.path().filename().string().rfind("lux-upload-", 0) == 0;
  return n;
}

const std::string kPng = std::string("\x89PNG\r\n\x1a\n", 8) + std::string(100, 'p');

}  // namespace

TEST_CASE("upload over HTTP: fields, small and spooled files, temporary files removed", "[multipart][http]") {
  std::string dir = std::filesystem::temp_directory_path().string() + "/lux-upload-test-" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  // A leftover of a process that no longer exists is removed at start; a live one's is kept.
  std::string stale = dir + "/lux-upload-999999999-dead", live = dir + "/lux-upload-" + std::to_string(::getpid()) + "-live";
  { std::ofstream(stale) << "x"; std::ofstream(live) << "x"; }
  std::string seen_path, seen_data;
  bool seen_exists = false;
  luxtest::TestServer s{[&](lux::App& app) {
    lux::UploadOptions o;
    o.max_size = 1 << 20;
    o.allowed_types = {"image/png", "text/*"};
    o.max_files = 3;
    o.dir = dir;
    lux::RegisterUpload(app, o);
    app.Post("/up", [&](lux::Request& req) {
      lux::Value files = req.FilesValue();
      for (const lux::Value& f : files.AsArray())
        if (f["data"].IsString()) seen_data = f["data"].AsString();
        else if (f["path"].IsString()) {
          seen_path = f["path"].AsString();
          seen_exists = std::filesystem::exists(seen_path);
        }
      return lux::Respond(200, lux::Value{{"files", files.AsArray().size()}, {"form", req.FormValue()},
                                          {"first", files.AsArray().empty() ? lux::Value() : files[0]}});
    });
    app.Post("/boom", [](lux::Request&) -> lux::Response { throw std::runtime_error("handler failed"); });
  }};
  CHECK_FALSE(std::filesystem::exists(stale));
  CHECK(std::filesystem::exists(live));
  std::filesystem::remove(live);

  std::string big(300 * 1024, 'b');
  std::string body = Multipart("B0undary", {{"title", "", "", "hi"}, {"img", "../../evil.png", "image/png", kPng},
                                            {"notes", "n.txt", "text/plain", big}});
  auto r = luxtest::Call(s.port(), "POST", "/up", body, "Content-Type: multipart/form-data; boundary=B0undary\r\n");
  REQUIRE(r);
  CHECK(r->status == 200);
  lux::Value v = r->Json();
  CHECK(v["files"].AsInt() == 2);
  CHECK(v["form"]["title"].AsString() == "hi");
  CHECK(v["first"]["filename"].AsString() == "evil.png");
  CHECK(v["first"]["field"].AsString() == "img");
  CHECK(v["first"]["size"].AsInt() == static_cast<std::int64_t>(kPng.size()));
  CHECK(seen_data == kPng);  // bytes as sent (the JSON answer cannot carry them unchanged)
  CHECK(v["first"]["path"].IsNull());
  CHECK(seen_exists);                                  // the big one was on disk for the handler
  CHECK(seen_path.rfind(dir + "/lux-upload-", 0) == 0);  // named by the server, not the client
  CHECK_FALSE(std::filesystem::exists(seen_path));     // and removed after the request
  CHECK(FilesIn(dir) == 0);

  // The handler throws: the temporary file goes too.
  r = luxtest::Call(s.port(), "POST", "/boom", body, "Content-Type: multipart/form-data; boundary=B0undary\r\n");
  REQUIRE(r);
  CHECK(r->status == 500);
  CHECK(FilesIn(dir) == 0);

  // 415: a type not allowed; a PNG that is not one.
  auto refused = [&](const std::string& b, int status, const std::string& what) {
    luxtest::Conn c(s.port());
    c.Send(Post("/up", b, "multipart/form-data; boundary=B0undary"));
    auto res = c.Read();
    REQUIRE(res);
    CHECK(res->status == status);
    CHECK_THAT(res->body, Catch::Contains(what));
    CHECK(res->Json()["request_id"].IsString());
  };
  refused(Multipart("B0undary", {{"f", "a.gif", "image/gif", "GIF89a...."}}), 415, "not allowed");
  refused(Multipart("B0undary", {{"f", "a.png", "image/png", "just text, not a png"}}), 415, "does not match");
  refused(Multipart("B0undary", {{"f", "a.txt", "text/plain", kPng}}), 415, "\"detected\":\"image/png\"");
  // 413: one file over max_size, and several that are together.
  refused(Multipart("B0undary", {{"f", "a.txt", "text/plain", std::string((1 << 20) + 1, 't')}}), 413, "upload limit");
  refused(Multipart("B0undary", {{"f", "a.txt", "text/plain", std::string(600 << 10, 't')},
                                 {"g", "b.txt", "text/plain", std::string(600 << 10, 't')}}),
          413, "in total");
  // 400: too many files, malformed, no boundary.
  refused(Multipart("B0undary", {{"f", "1.txt", "text/plain", "1"}, {"f", "2.txt", "text/plain", "2"},
                                 {"f", "3.txt", "text/plain", "3"}, {"f", "4.txt", "text/plain", "4"}}),
          400, "too many files");
  refused("--B0undary\r\nContent-Disposition: form-data; name=a\r\n\r\ntruncated", 400, "cut short");
  {
    luxtest::Conn c(s.port());
    c.Send(Post("/up", "x", "multipart/form-data"));
    auto res = c.Read();
    REQUIRE(res);
    CHECK(res->status == 400);
    CHECK_THAT(res->body, Catch::Contains("boundary"));
  }
  CHECK(FilesIn(dir) == 0);
  // Other bodies are read as before.
  r = luxtest::Call(s.port(), "POST", "/up", "{}", "Content-Type: application/json\r\n");
  REQUIRE(r);
  CHECK(r->status == 200);
  s.Stop();
  std::filesystem::remove_all(dir);
}

namespace {

// A component with a readiness check, as db or jobs have.
class Probe final : public lux::server::Component {
 public:
  static constexpr lux::server::Order kOrder = lux::server::Order::kDocs;
  Probe() : Component(kOrder, "probe") {}
  std::vector<lux::server::ReadinessCheck> ReadinessChecks() override {
    auto healthy = healthy_;
    return {{"db", [healthy](lux::server::Deadline) {
               if (!*healthy) throw std::runtime_error("connection refused");
             }}};
  }
  std::shared_ptr<std::atomic<bool>> healthy_ = std::make_shared<std::atomic<bool>>(true);
};

}  // namespace

TEST_CASE("readiness: component checks, program checks, a timeout, 200 then 503", "[readiness][http]") {
  std::shared_ptr<std::atomic<bool>> healthy;
  std::atomic<bool> slow{false};
  luxtest::TestServer s{[&](lux::App& app) {
    healthy = lux::server::Ensure<Probe>(app).healthy_;
    std::vector<lux::ReadinessItem> items;
    items.push_back({"db", "db", {}});
    items.push_back({"cache_warm", "", [&] {
                       while (slow.load()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
                       return true;
                     }});
    lux::ServeReadiness(app, "/ready", std::move(items), 300);
    lux::ServeLiveness(app, "/health");
    // The server's GET default does not make probes cacheable.
    lux::ConfigureCacheDefaults(app, lux::Value{{"max_age", lux::Value(300)}});
  }};
  auto live = luxtest::Call(s.port(), "GET", "/health");
  REQUIRE(live);
  CHECK(live->status == 200);
  CHECK(live->Json()["status"].AsString() == "ok");
  CHECK(live->Header("cache-control") == "no-store");
  auto r = luxtest::Call(s.port(), "GET", "/ready");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->Header("cache-control") == "no-store");
  lux::Value v = r->Json();
  CHECK(v["status"].AsString() == "ok");
  CHECK(v["checks"]["db"]["ok"].AsBool());
  CHECK(v["checks"]["db"]["latency_ms"].IsNumber());
  CHECK(v["checks"]["cache_warm"]["ok"].AsBool());

  healthy->store(false);
  r = luxtest::Call(s.port(), "GET", "/ready");
  REQUIRE(r);
  CHECK(r->status == 503);
  v = r->Json();
  CHECK(v["status"].AsString() == "unavailable");
  CHECK_FALSE(v["checks"]["db"]["ok"].AsBool());
  CHECK(v["checks"]["db"]["error"].AsString() == "connection refused");
  CHECK(v["checks"]["cache_warm"]["ok"].AsBool());
  CHECK_THAT(v["error"].AsString(), Catch::Contains("db"));
  CHECK(r->Header("cache-control") == "no-store");

  healthy->store(true);
  slow.store(true);
  auto t0 = std::chrono::steady_clock::now();
  r = luxtest::Call(s.port(), "GET", "/ready");
  REQUIRE(r);
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(2));
  CHECK(r->status == 503);
  CHECK_THAT(r->Json()["checks"]["cache_warm"]["error"].AsString(), Catch::Contains("timed out after 300 ms"));
  // Still hung: not started a second time.
  r = luxtest::Call(s.port(), "GET", "/ready");
  REQUIRE(r);
  CHECK_THAT(r->Json()["checks"]["cache_warm"]["error"].AsString(), Catch::Contains("has not finished"));
  slow.store(false);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  r = luxtest::Call(s.port(), "GET", "/ready");
  REQUIRE(r);
  CHECK(r->status == 200);
}
