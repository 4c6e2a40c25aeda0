// TLS: TlsContext::Load's one-line refusals (missing file, not PEM, a key of another
// certificate, a bad min_version) and a real App serving HTTPS on loopback, checked with curl
// verifying a throwaway CA made by the openssl CLI; plain HTTP to the port answers 400.
#include <catch2/catch.hpp>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "http/tls.h"
#include "lazy/loader.h"
#include "lux/tls.h"
#include "test_http.h"

namespace fs = std::filesystem;

namespace {

std::string Run(const std::string& cmd) {
  std::string out;
  if (FILE* p = ::popen((cmd + " 2>&1").c_str(), "r")) {
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    ::pclose(p);
  }
  return out;
}

// A CA and a certificate for localhost/127.0.0.1 signed by it, plus an unrelated key; made once.
const fs::path& Pki() {
  static const fs::path dir = [] {
    fs::path d = fs::temp_directory_path() / ("lux-tls-test-" + std::to_string(::getpid()));
    fs::create_directories(d);
    std::string cd = "cd '" + d.string() + "' && ";
    Run(cd + "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj '/CN=lux test CA'");
    Run(cd + "openssl req -newkey rsa:2048 -nodes -keyout key.pem -out s.csr -subj /CN=localhost");
    Run(cd + "printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\n' > san.ext");
    Run(cd + "openssl x509 -req -in s.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out cert.pem -days 2 -extfile san.ext");
    Run(cd + "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out other.key");
    return d;
  }();
  return dir;
}

std::string P(const char* name) { return (Pki() / name).string(); }

std::string LoadError(const lux::TlsOptions& o) {
  try {
    lux::http::TlsContext::Load(o);
  } catch (const lux::StartupError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("tls: the files are checked at load, one line each") {
  REQUIRE(fs::exists(Pki() / "cert.pem"));
  CHECK(LoadError({P("cert.pem"), P("key.pem"), "1.2"}).empty());
  CHECK(LoadError({P("nope.pem"), P("key.pem"), "1.2"}) == "tls: cert \"" + P("nope.pem") + "\": No such file or directory");
  CHECK(LoadError({P("cert.pem"), P("nope.pem"), "1.2"}) == "tls: key \"" + P("nope.pem") + "\": No such file or directory");
  CHECK(LoadError({P("cert.pem"), P("other.key"), "1.2"}) ==
        "tls: key \"" + P("other.key") + "\" does not match cert \"" + P("cert.pem") + "\"");
  CHECK(LoadError({P("san.ext"), P("key.pem"), "1.2"}).rfind("tls: cert \"" + P("san.ext") + "\" is not a PEM certificate", 0) == 0);
  CHECK(LoadError({P("cert.pem"), P("cert.pem"), "1.2"}).find("is not a PEM private key") != std::string::npos);
  CHECK(LoadError({P("cert.pem"), P("key.pem"), "1.1"}) == "tls: min_version must be \"1.2\" or \"1.3\", got \"1.1\"");
  CHECK(LoadError({"", P("key.pem"), "1.2"}) == "tls: `cert` is empty");
}

TEST_CASE("tls: an App serves HTTPS that curl verifies, plain HTTP gets 400, 1.3 refuses 1.2") {
  for (const char* floor : {"1.2", "1.3"}) {
    luxtest::TestServer srv([&](lux::App& app) {
      lux::ServeTls(app, {P("cert.pem"), P("key.pem"), floor});
      app.Get("/hi", [](lux::Request& req) { return lux::Respond(200, lux::Value{{"path", req.path}}); });
    });
    std::string url = "https://localhost:" + std::to_string(srv.port());
    std::string curl = "curl -sS --max-time 10 --cacert '" + P("ca.pem") + "' ";
    CHECK(Run(curl + url + "/hi " + url + "/hi") == "{\"path\":\"/hi\"}{\"path\":\"/hi\"}");  // one connection, two requests
    // -s without -S: only the status code on the output ("000" when the handshake is refused).
    std::string quiet = "curl -s --max-time 10 --cacert '" + P("ca.pem") + "' --tls-max 1.2 -o /dev/null -w '%{http_code}' ";
    CHECK(Run(quiet + url + "/hi") == (std::string(floor) == "1.2" ? "200" : "000"));
    CHECK(Run("curl -sS --max-time 10 -o /dev/null " + url + "/hi").find("certificate") != std::string::npos);
    auto r = luxtest::Call(srv.port(), "GET", "/hi");
    REQUIRE(r);
    CHECK(r->status == 400);
    CHECK(r->Json()["error"] == lux::Value("plain HTTP request sent to an HTTPS port"));
  }
  CHECK(lux::lazy::Loaded(lux::lazy::kSsl));
}
