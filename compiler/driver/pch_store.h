// The shared stdlib PCH store (`<luxc's build tree>/pch` or $LUX_PCH_DIR): one directory per
// key, used by concurrent luxc processes. A build holds a PchLease on its key's directory (a
// shared flock on `<key>/lock`) for as long as it compiles against the PCH; PruneSharedPchs
// removes only directories no build holds (exclusive flock, LOCK_NB), renaming each to a
// `.trash.*` name under that lock before deleting it, so a build never loses its PCH mid-compile.
// Entry points: PchLease::Acquire, PruneSharedPchs.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>

namespace lux {

class PchLease {
 public:
  // Creates `root/key` when missing and holds it in use. A directory renamed away by a pruner
  // between its creation and the lock is created again. nullopt when `root` cannot be written.
  static std::optional<PchLease> Acquire(const std::filesystem::path& root, const std::string& key);

  PchLease(PchLease&& other) noexcept : dir_(std::move(other.dir_)), fd_(other.fd_) { other.fd_ = -1; }
  PchLease& operator=(PchLease&& other) noexcept;
  PchLease(const PchLease&) = delete;
  PchLease& operator=(const PchLease&) = delete;
  ~PchLease();  // releases the lock

  const std::filesystem::path& dir() const { return dir_; }

 private:
  PchLease(std::filesystem::path dir, int fd) : dir_(std::move(dir)), fd_(fd) {}
  std::filesystem::path dir_;
  int fd_ = -1;
};

// Removes the key directories of `root` beyond the `keep` used last (newest modification time
// first) that no PchLease holds, and what earlier prunes left in `.trash.*`. Returns how many
// key directories it removed.
std::size_t PruneSharedPchs(const std::filesystem::path& root, std::size_t keep);

}  // namespace lux
