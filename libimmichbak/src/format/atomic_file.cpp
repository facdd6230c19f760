#include "format/atomic_file.hpp"

#include "format/file_io.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

namespace immichbak::format {

void write_file_atomic(const std::filesystem::path& path, std::string_view text, mode_t mode) {
  const std::filesystem::path tmp = fmt::format("{}.{}.tmp", path.string(), ::getpid());
  ::unlink(tmp.c_str());  // a leftover of a crashed process with the same pid
  unique_fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode));
  if (!fd) throw_io("create", tmp, errno);
  try {
    write_all(fd.get(), text, tmp);
    fsync_and_close(fd, tmp);
    if (::rename(tmp.c_str(), path.c_str()) != 0) throw_io(fmt::format("rename {} to", tmp.string()), path, errno);
  } catch (...) {
    ::unlink(tmp.c_str());
    throw;
  }
  fsync_parent_dir(path);
}

}  // namespace immichbak::format
