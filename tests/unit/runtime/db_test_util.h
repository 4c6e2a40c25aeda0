// Helpers for the db tests: a scratch directory per test, an App on 127.0.0.1:0 with a db
// block and models (DbServer), and the model most tests use (User).
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "test_http.h"

namespace luxtest {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "lux_db_test_XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string File(const std::string& name) const { return (std::filesystem::path(path_) / name).string(); }

 private:
  std::string path_;
};

inline lux::ModelSpec UserSpec() {
  return {"User", "", {
      {"name", lux::ColumnType::kString, false, {}},
      {"email", lux::ColumnType::kString, true, {}},
      {"age", lux::ColumnType::kInt, false, {}},
      {"score", lux::ColumnType::kFloat, true, {}},
      {"active", lux::ColumnType::kBool, false, true},
      {"tags", lux::ColumnType::kJson, true, {}},
  }};
}

// An App serving on loopback with `db { path }` and the given models (and extra setup).
class DbServer : public TestServer {
 public:
  DbServer(const std::string& path, std::vector<lux::ModelSpec> models,
           std::function<void(lux::App&)> extra = {}, int threads = 2)
      : TestServer(
            [&](lux::App& app) {
              lux::RegisterDb(app, {path});
              for (auto& m : models) lux::RegisterModel(app, m);
              if (extra) extra(app);
            },
            threads) {}
};

// The StartupError message of starting such an App ("" when it started).
inline std::string StartFailure(const std::string& path, std::vector<lux::ModelSpec> models) {
  try {
    DbServer s(path, std::move(models));
  } catch (const lux::StartupError& e) {
    return e.what();
  }
  return "";
}

}  // namespace luxtest
