#pragma once
// The lock of a backup directory, DIR/.immichbak.lock (docs/retention.md, "Safety"): a
// backup holds it shared while it writes (several backups of different databases may
// share a directory), prune holds it exclusive while it deletes. flock(2) locks: the
// kernel drops them when a process dies, so a crash never leaves a stale lock.
//
// The file is removed again by the last holder. That is safe because every holder checks,
// once it has the lock, that the path still names the file it locked (an unlink between
// its open and its flock would otherwise leave two holders of two different files).

#include "format/file_io.hpp"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>

namespace immichbak::format {

inline constexpr const char* dir_lock_name = ".immichbak.lock";

enum class dir_lock_mode { shared, exclusive };

class dir_lock {
 public:
  /// An empty lock (holds nothing).
  dir_lock() = default;
  /// Takes the lock of `dir`, waiting up to `wait` (polling; zero: one try) for holders of
  /// the other kind. Returns an empty lock when the file system does not support flock
  /// (`unsupported()` then says so). Throws error(already_running) when `wait` is zero and
  /// the lock is held, error(lock_timeout) when waiting did not help, error(cancelled)
  /// when `cancel` becomes true, error(io_error) when the lock file cannot be created.
  /// `holder` names the other party in those messages ("a backup", "prune").
  static dir_lock acquire(const std::filesystem::path& dir, dir_lock_mode mode, std::chrono::milliseconds wait,
                          const std::atomic<bool>* cancel, const std::string& holder);

  /// Shared, for backup(): waits up to `wait` for a prune; the one call the backup makes.
  static dir_lock for_backup(const std::filesystem::path& dir, std::chrono::milliseconds wait,
                             const std::atomic<bool>* cancel);

  ~dir_lock();
  dir_lock(dir_lock&&) noexcept = default;
  dir_lock& operator=(dir_lock&& o) noexcept;
  dir_lock(const dir_lock&) = delete;
  dir_lock& operator=(const dir_lock&) = delete;

  bool held() const noexcept { return static_cast<bool>(fd_); }
  bool unsupported() const noexcept { return unsupported_; }
  /// Releases now (removing the lock file when no one else holds it). Never throws.
  void release() noexcept;

 private:
  unique_fd fd_;
  std::filesystem::path path_;
  bool unsupported_ = false;
};

}  // namespace immichbak::format
