#include "format/file_io.hpp"

#include <immichbak/error.hpp>

#include <fmt/format.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace immichbak::format {

namespace fs = std::filesystem;

std::string errno_text(int err) {
  std::string s = std::strerror(err);
  if (!s.empty()) s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
  return s;
}

void throw_io(std::string_view action, const fs::path& path, int err) {
  throw error(errc::io_error, fmt::format("cannot {} {}: {}", action, path.string(), errno_text(err)));
}

void unique_fd::reset() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void write_all(int fd, std::string_view data, const fs::path& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_io("write", path, errno);
    }
    if (n == 0) throw_io("write", path, EIO);
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

void pread_exact(int fd, void* buf, std::size_t size, std::uint64_t offset, const fs::path& path) {
  auto* p = static_cast<char*>(buf);
  while (size > 0) {
    ssize_t n = ::pread(fd, p, size, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_io("read", path, errno);
    }
    if (n == 0)
      throw error(errc::io_error,
                  fmt::format("cannot read {}: unexpected end of file at offset {} (was the file truncated "
                              "while being read?)",
                              path.string(), offset));
    p += n;
    size -= static_cast<std::size_t>(n);
    offset += static_cast<std::uint64_t>(n);
  }
}

void start_writeback(int fd, std::uint64_t offset, std::uint64_t length) noexcept {
#ifdef __linux__
  // Only starts the write-out (no waiting for it, no flush of metadata); a failure here is
  // reported by the fsync that follows, so it is ignored.
  (void)::sync_file_range(fd, static_cast<off_t>(offset), static_cast<off_t>(length), SYNC_FILE_RANGE_WRITE);
#else
  (void)fd, (void)offset, (void)length;
#endif
}

void fsync_and_close(unique_fd& fd, const fs::path& path) {
  if (::fsync(fd.get()) != 0) throw_io("fsync", path, errno);
  int raw = fd.release();
  if (::close(raw) != 0 && errno != EINTR) throw_io("close", path, errno);
}

void fsync_parent_dir(const fs::path& file) {
  fs::path dir = file.parent_path();
  if (dir.empty()) dir = ".";
  unique_fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) throw_io("open directory", dir, errno);
  if (::fsync(fd.get()) != 0 && errno != EINVAL) throw_io("fsync directory", dir, errno);
}

void rename_no_replace(const fs::path& from, const fs::path& to) {
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return;
  int err = errno;
  if (err != EINVAL && err != ENOSYS) {
    if (err == EEXIST)
      throw error(errc::io_error, fmt::format("cannot rename {} to {}: the target already exists", from.string(),
                                              to.string()));
    throw_io(fmt::format("rename {} to", from.string()), to, err);
  }
  // The file system cannot do RENAME_NOREPLACE: check, then rename (a small race, but
  // backup names carry a timestamp, so a collision needs two backups in one second).
  struct stat st {};
  if (::lstat(to.c_str(), &st) == 0)
    throw error(errc::io_error,
                fmt::format("cannot rename {} to {}: the target already exists", from.string(), to.string()));
  if (::rename(from.c_str(), to.c_str()) != 0) throw_io(fmt::format("rename {} to", from.string()), to, errno);
}

}  // namespace immichbak::format
