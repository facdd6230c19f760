#include "format/dir_lock.hpp"

#include <immichbak/error.hpp>

#include <fmt/format.h>

#include <cerrno>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace immichbak::format {

namespace fs = std::filesystem;

namespace {

bool flock_unsupported(int err) { return err == ENOLCK || err == EOPNOTSUPP || err == EINVAL || err == ENOSYS; }

// Whether `path` still names the file open as `fd` (see the header: the last holder
// removes the file, and a waiter may have opened the removed one).
bool still_named(int fd, const fs::path& path) {
  struct stat by_fd {}, by_name {};
  if (::fstat(fd, &by_fd) != 0) return false;
  if (::stat(path.c_str(), &by_name) != 0) return false;
  return by_fd.st_dev == by_name.st_dev && by_fd.st_ino == by_name.st_ino;
}

}  // namespace

dir_lock dir_lock::acquire(const fs::path& dir, dir_lock_mode mode, std::chrono::milliseconds wait,
                           const std::atomic<bool>* cancel, const std::string& holder) {
  using clock = std::chrono::steady_clock;
  const auto deadline = clock::now() + wait;
  const fs::path path = dir / dir_lock_name;
  const int op = mode == dir_lock_mode::exclusive ? LOCK_EX : LOCK_SH;
  for (;;) {
    // Read-only is enough for flock, and lets another user (backup as "immich", prune as
    // root) open a lock file it did not create.
    unique_fd fd(::open(path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644));
    if (!fd) throw_io("create the directory lock", path, errno);
    // Readable by everyone whatever the umask (a root prune with umask 077 must not lock out
    // the backup user); only the owner can change it, and only that matters.
    (void)::fchmod(fd.get(), 0644);
    for (;;) {
      if (::flock(fd.get(), op | LOCK_NB) == 0) break;
      int err = errno;
      if (err == EINTR) continue;
      if (flock_unsupported(err)) {
        dir_lock none;
        none.unsupported_ = true;
        return none;
      }
      if (err != EWOULDBLOCK) throw_io("lock", path, err);
      if (cancel && cancel->load()) throw error(errc::cancelled, "cancelled while waiting for the directory lock");
      if (clock::now() >= deadline) {
        if (wait.count() == 0)
          throw error(errc::already_running,
                      fmt::format("{} is working in {} (it holds {}); try again when it has finished", holder,
                                  dir.string(), path.string()));
        throw error(errc::lock_timeout,
                    fmt::format("{} is still working in {} after {:.1f} s (it holds {}); try again when it has "
                                "finished",
                                holder, dir.string(), static_cast<double>(wait.count()) / 1000.0, path.string()));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (still_named(fd.get(), path)) {
      dir_lock l;
      l.fd_ = std::move(fd);
      l.path_ = path;
      return l;
    }
    // The previous holder removed the file after we opened it: lock the new one.
  }
}

dir_lock dir_lock::for_backup(const fs::path& dir, std::chrono::milliseconds wait, const std::atomic<bool>* cancel) {
  return acquire(dir, dir_lock_mode::shared, wait, cancel, "immichbak prune");
}

dir_lock& dir_lock::operator=(dir_lock&& o) noexcept {
  if (this != &o) {
    release();
    fd_ = std::move(o.fd_);
    path_ = std::move(o.path_);
    unsupported_ = o.unsupported_;
  }
  return *this;
}

dir_lock::~dir_lock() { release(); }

void dir_lock::release() noexcept {
  if (!fd_) return;
  // The last holder removes the file: only then does an exclusive lock succeed at once.
  // (Converting a shared lock is not atomic, which the holders' name check allows for.)
  if (::flock(fd_.get(), LOCK_EX | LOCK_NB) == 0 && still_named(fd_.get(), path_)) ::unlink(path_.c_str());
  fd_.reset();  // closing drops the lock
}

}  // namespace immichbak::format
