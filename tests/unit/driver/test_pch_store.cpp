// The shared stdlib PCH store (compiler/driver/pch_store.cpp) on real directories and flocks: a
// key held by a build is never pruned, a pruned key is leased again from scratch, and many
// processes leasing, filling, reading and pruning keys at once never see their PCH vanish.
#include <catch2/catch.hpp>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "driver/pch_store.h"

namespace fs = std::filesystem;

namespace {

// A fresh empty directory under the system's temporary directory.
fs::path FreshRoot(const std::string& name) {
  fs::path root = fs::temp_directory_path() / ("lux_pch_store_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(root);
  fs::create_directories(root);
  return root;
}

void WriteFile(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
}

// `count` keys k0 (oldest) .. k<count-1> (newest), each with a PCH, one minute apart.
void MakeKeys(const fs::path& root, int count) {
  auto now = fs::file_time_type::clock::now();
  for (int i = 0; i < count; ++i) {
    fs::path dir = root / ("k" + std::to_string(i));
    fs::create_directories(dir);
    WriteFile(dir / "lux_stdlib.pch", "pch " + std::to_string(i));
    fs::last_write_time(dir, now - std::chrono::minutes(count - i));
  }
}

std::vector<std::string> Entries(const fs::path& root) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(root)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("PruneSharedPchs keeps the PCHs used last and every PCH a build holds") {
  fs::path root = FreshRoot("held");
  MakeKeys(root, 7);
  {
    auto held = lux::PchLease::Acquire(root, "k0");  // the oldest, in use by a build
    REQUIRE(held);
    REQUIRE(held->dir() == root / "k0");
    // Its lock file made it the newest: used long ago again, the first to go but for the lease.
    fs::last_write_time(root / "k0", fs::file_time_type::clock::now() - std::chrono::hours(1));
    REQUIRE(lux::PruneSharedPchs(root, 4) == 2);  // k1 and k2
    REQUIRE(Entries(root) == std::vector<std::string>{"k0", "k3", "k4", "k5", "k6"});
    REQUIRE(fs::exists(root / "k0" / "lux_stdlib.pch"));
    REQUIRE(lux::PruneSharedPchs(root, 4) == 0);  // still held
  }
  REQUIRE(lux::PruneSharedPchs(root, 4) == 1);  // released: k0 goes, no trash is left
  REQUIRE(Entries(root) == std::vector<std::string>{"k3", "k4", "k5", "k6"});
  fs::remove_all(root);
}

TEST_CASE("a PchLease on a pruned key starts a fresh directory, and two leases on one key coexist") {
  fs::path root = FreshRoot("fresh");
  MakeKeys(root, 5);
  REQUIRE(lux::PruneSharedPchs(root, 4) == 1);
  REQUIRE_FALSE(fs::exists(root / "k0"));
  auto a = lux::PchLease::Acquire(root, "k0");
  auto b = lux::PchLease::Acquire(root, "k0");
  REQUIRE(a);
  REQUIRE(b);
  REQUIRE(fs::is_directory(root / "k0"));
  REQUIRE_FALSE(fs::exists(root / "k0" / "lux_stdlib.pch"));  // the build makes it again
  fs::last_write_time(root / "k0", fs::file_time_type::clock::now() - std::chrono::hours(1));
  a.reset();
  REQUIRE(lux::PruneSharedPchs(root, 4) == 0);  // b still holds it
  b.reset();
  REQUIRE(lux::PruneSharedPchs(root, 4) == 1);
  REQUIRE(Entries(root) == std::vector<std::string>{"k1", "k2", "k3", "k4"});
  fs::remove_all(root);
}

TEST_CASE("a PchLease is refused where the store cannot be created") {
  fs::path root = FreshRoot("file");
  WriteFile(root / "not_a_dir", "x");
  REQUIRE_FALSE(lux::PchLease::Acquire(root / "not_a_dir", "k0"));
  fs::remove_all(root);
}

// What a build does (lease, make the PCH when missing, read it over and over as its compiles
// do, make room for it by pruning), in 8 processes over 12 keys with 2 kept: every round prunes
// while others read. Each process exits 1 when its PCH vanished under its lease.
TEST_CASE("concurrent builds leasing, making, reading and pruning PCHs never lose theirs") {
  fs::path root = FreshRoot("race");
  constexpr int kProcs = 8, kRounds = 60, kKeys = 12, kReads = 20;
  std::vector<pid_t> kids;
  for (int p = 0; p < kProcs; ++p) {
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      int status = 0;
      for (int r = 0; r < kRounds && status == 0; ++r) {
        std::string key = "k" + std::to_string((p * 7 + r * 5) % kKeys);
        auto lease = lux::PchLease::Acquire(root, key);
        if (!lease) {
          status = 2;
          break;
        }
        fs::path pch = lease->dir() / "lux_stdlib.pch";
        std::error_code ec;
        if (!fs::exists(pch, ec)) {
          fs::path partial = pch.string() + "." + std::to_string(::getpid()) + ".partial";
          WriteFile(partial, key);
          if (::link(partial.c_str(), pch.c_str()) != 0 && errno != EEXIST) status = 3;
          fs::remove(partial, ec);
        }
        fs::last_write_time(lease->dir(), fs::file_time_type::clock::now(), ec);
        lux::PruneSharedPchs(root, 2);
        for (int i = 0; i < kReads && status == 0; ++i) {
          std::ifstream in(pch, std::ios::binary);
          std::string text;
          if (!std::getline(in, text) || text != key) status = 1;
        }
      }
      ::_exit(status);
    }
    kids.push_back(pid);
  }
  std::vector<int> statuses;
  for (pid_t k : kids) {
    int st = 0;
    ::waitpid(k, &st, 0);
    statuses.push_back(WIFEXITED(st) ? WEXITSTATUS(st) : 100 + WTERMSIG(st));
  }
  REQUIRE(statuses == std::vector<int>(kProcs, 0));
  lux::PruneSharedPchs(root, 2);  // nothing held now: back to the 2 used last
  REQUIRE(Entries(root).size() == 2);
  fs::remove_all(root);
}
