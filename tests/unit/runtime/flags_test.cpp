// A server's command line (runtime/src/env/flags.cpp): which env settings --help hides, the
// "did you mean" for an unknown flag, and App::Run refusing an unknown flag with it.
#include <catch2/catch.hpp>
#include <lux/env.h>
#include <lux/http.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

TEST_CASE("secret settings: a marker anywhere in the name or the type, in any case") {
  for (const char* name : {"JWT_SECRET", "SECRET", "GITHUB_TOKEN", "DB_PASSWORD", "SMTP_PASS", "PASSPHRASE", "API_KEY",
                           "APIKEY", "AWS_CREDENTIALS", "PRIVATE_PEM", "jwt_secret", "Api_Key"})
    CHECK(lux::IsSecretSetting(name, "String"));
  CHECK(lux::IsSecretSetting("SIGNING", "Option<Secret>"));
  for (const char* name : {"PORT", "CODE_LENGTH", "BASE_URL", "GREETING", "RETENTION_HOURS", "ALERT_WEBHOOK"})
    CHECK_FALSE(lux::IsSecretSetting(name, "String"));
  CHECK_FALSE(lux::IsSecretSetting("", ""));
}

TEST_CASE("the closest flag: typos within the bound, none beyond it") {
  std::vector<std::string> accepted = {"--port", "--host", "--max-connections", "--help", "--code-length", "--jwt-secret"};
  CHECK(lux::ClosestFlag("--code-lenght", accepted) == "--code-length");  // a swapped pair: one edit
  CHECK(lux::ClosestFlag("--CODE_LENGHT", accepted) == "--code-length");  // case and `_` do not count
  CHECK(lux::ClosestFlag("--code-lenght=5", accepted) == "--code-length");
  CHECK(lux::ClosestFlag("--prot", accepted) == "--port");
  CHECK(lux::ClosestFlag("-host", accepted) == "--host");
  CHECK(lux::ClosestFlag("--max-conections", accepted) == "--max-connections");
  CHECK(lux::ClosestFlag("--jwt-secrte", accepted) == "--jwt-secret");
  // Up to 5 characters one edit, up to 8 two, beyond that three.
  CHECK(lux::ClosestFlag("--pr", accepted).empty());
  CHECK(lux::ClosestFlag("--hots", accepted) == "--host");
  CHECK(lux::ClosestFlag("--hxsx", accepted).empty());
  CHECK(lux::ClosestFlag("--zzz", accepted).empty());
  CHECK(lux::ClosestFlag("--", accepted).empty());
  CHECK(lux::ClosestFlag("--code", accepted).empty());
  CHECK(lux::ClosestFlag(std::string(100000, 'x'), accepted).empty());
  CHECK(lux::ClosestFlag("--port", {}).empty());
}

TEST_CASE("the runtime's flags are the ones ApplyEnvAndFlags reads") {
  std::vector<std::string> flags(lux::ServerFlags().begin(), lux::ServerFlags().end());
  CHECK(flags == std::vector<std::string>{"--port", "--host", "--max-connections", "--max-body", "--max-header-bytes",
                                          "--header-timeout", "--idle-timeout", "--trust-proxy"});
}

TEST_CASE("App::Run refuses an unknown flag, naming the likely one and not echoing its value") {
  lux::App app("flags");
  std::vector<std::string> args = {"flags", "--max-conection=secret-value"};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  // Run prints the StartupError on stderr and returns 1 without starting anything: stderr goes
  // to a file for the call.
  char path[] = "/tmp/lux_flags_test_XXXXXX";
  int file = mkstemp(path);
  REQUIRE(file >= 0);
  std::fflush(stderr);
  int saved = dup(2);
  dup2(file, 2);
  int rc = app.Run(static_cast<int>(args.size()), argv.data());
  std::fflush(stderr);
  dup2(saved, 2);
  close(saved);
  close(file);
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  unlink(path);
  CHECK(rc == 1);
  CHECK(text.str() == "flags: unknown option `--max-conection`; did you mean `--max-connections`? "
                      "(options are --port N, --host H, --max-connections N, --max-body BYTES, --max-header-bytes BYTES, "
                      "--header-timeout DURATION, --idle-timeout DURATION, --trust-proxy SPEC)\n");
}
