#pragma once
// Small POSIX file helpers shared by the backup writer and reader: every failure becomes
// error(io_error) naming the path and the system's text ("no space left on device").

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace immichbak::format {

/// strerror(err), lowercased first letter ("no such file or directory").
std::string errno_text(int err);

/// Throws error(io_error, "cannot <action> <path>: <errno text>").
[[noreturn]] void throw_io(std::string_view action, const std::filesystem::path& path, int err);

/// An owned file descriptor.
class unique_fd {
 public:
  unique_fd() = default;
  explicit unique_fd(int fd) noexcept : fd_(fd) {}
  ~unique_fd() { reset(); }
  unique_fd(unique_fd&& o) noexcept : fd_(o.release()) {}
  unique_fd& operator=(unique_fd&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = o.release();
    }
    return *this;
  }
  unique_fd(const unique_fd&) = delete;
  unique_fd& operator=(const unique_fd&) = delete;
  int get() const noexcept { return fd_; }
  explicit operator bool() const noexcept { return fd_ >= 0; }
  int release() noexcept {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset() noexcept;

 private:
  int fd_ = -1;
};

/// write() until everything is written (retries EINTR and short writes).
void write_all(int fd, std::string_view data, const std::filesystem::path& path);
/// pread() exactly `size` bytes at `offset`; a short read (the file shrank) is an io_error.
void pread_exact(int fd, void* buf, std::size_t size, std::uint64_t offset, const std::filesystem::path& path);
/// Asks the kernel to start writing `length` bytes at `offset` to the disk now (Linux's
/// sync_file_range; nothing elsewhere), so that a long file's closing fsync finds little
/// left to write. Never waits for the write-out, never fails (fsync reports errors).
void start_writeback(int fd, std::uint64_t offset, std::uint64_t length) noexcept;
/// fsync() then close(); both errors are reported (close can report delayed write errors).
void fsync_and_close(unique_fd& fd, const std::filesystem::path& path);
/// fsync of the directory holding `file`, so a rename inside it is durable.
void fsync_parent_dir(const std::filesystem::path& file);
/// rename() that never replaces an existing `to` (renameat2 RENAME_NOREPLACE where the
/// file system supports it).
void rename_no_replace(const std::filesystem::path& from, const std::filesystem::path& to);

}  // namespace immichbak::format
