// PchLease and PruneSharedPchs (see pch_store.h). The protocol: a build opens `<key>/lock`
// (creating it), takes LOCK_SH and then checks that the file it locked is still the one at that
// path; a pruner takes LOCK_EX | LOCK_NB on the same file (skipping the directory when a build
// holds it), checks the same, and renames the directory away while it holds the lock. A build
// whose lock file was renamed away before its LOCK_SH was granted sees the mismatch and starts
// again with a fresh directory.
#include "driver/pch_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>
#include <vector>

namespace lux {
namespace fs = std::filesystem;

namespace {

// Attempts at leasing a key whose directory pruners keep renaming away (each one needs four
// newer directories in the store, so a second attempt practically always succeeds).
constexpr int kLeaseAttempts = 16;
constexpr const char* kLockName = "lock";
constexpr const char* kTrashPrefix = ".trash.";

int OpenLock(const fs::path& file) {
  int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0 && errno == EACCES) fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  return fd;
}

int Flock(int fd, int op) {
  int rc;
  do rc = ::flock(fd, op);
  while (rc != 0 && errno == EINTR);
  return rc;
}

// Whether `fd` is still the file at `path` (not renamed away or replaced).
bool StillAt(int fd, const fs::path& path) {
  struct stat held {}, named {};
  if (::fstat(fd, &held) != 0 || ::stat(path.c_str(), &named) != 0) return false;
  return held.st_dev == named.st_dev && held.st_ino == named.st_ino;
}

}  // namespace

std::optional<PchLease> PchLease::Acquire(const fs::path& root, const std::string& key) {
  fs::path dir = root / key;
  fs::path lock_file = dir / kLockName;
  for (int attempt = 0; attempt < kLeaseAttempts; ++attempt) {
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
      std::error_code ec;
      if (errno != ENOENT) return std::nullopt;
      fs::create_directories(root, ec);  // the store itself was missing
      if (ec) return std::nullopt;
      continue;
    }
    int fd = OpenLock(lock_file);
    if (fd < 0) {
      if (errno == ENOENT) continue;  // renamed away between the two calls
      return std::nullopt;
    }
    if (Flock(fd, LOCK_SH) == 0 && StillAt(fd, lock_file)) return PchLease(dir, fd);
    ::close(fd);
  }
  return std::nullopt;
}

PchLease& PchLease::operator=(PchLease&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    dir_ = std::move(other.dir_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

PchLease::~PchLease() {
  if (fd_ >= 0) ::close(fd_);  // closing the last descriptor of the open file releases the flock
}

std::size_t PruneSharedPchs(const fs::path& root, std::size_t keep) {
  std::error_code ec;
  std::vector<std::pair<fs::file_time_type, fs::path>> dirs;
  std::vector<fs::path> trash;
  for (const auto& e : fs::directory_iterator(root, ec)) {
    std::string name = e.path().filename().string();
    if (name.rfind(kTrashPrefix, 0) == 0) {
      trash.push_back(e.path());
    } else if (name[0] != '.' && e.is_directory(ec)) {
      dirs.emplace_back(fs::last_write_time(e.path(), ec), e.path());
    }
  }
  std::size_t removed = 0;
  if (dirs.size() > keep) {
    std::sort(dirs.begin(), dirs.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    for (std::size_t i = keep; i < dirs.size(); ++i) {
      const fs::path& dir = dirs[i].second;
      fs::path lock_file = dir / kLockName;
      int fd = OpenLock(lock_file);
      if (fd < 0) continue;
      // In use by a build (or being pruned by another luxc): kept.
      if (Flock(fd, LOCK_EX | LOCK_NB) != 0 || !StillAt(fd, lock_file)) {
        ::close(fd);
        continue;
      }
      fs::path to = root / (kTrashPrefix + dir.filename().string() + "." + std::to_string(::getpid()));
      fs::rename(dir, to, ec);
      ::close(fd);
      if (ec) continue;
      trash.push_back(to);
      ++removed;
    }
  }
  // Nothing uses a trash directory; two pruners removing one at once both succeed or fail quietly.
  for (const fs::path& t : trash) fs::remove_all(t, ec);
  return removed;
}

}  // namespace lux
