#include "backup/options_check.hpp"

#include <immichbak/error.hpp>

#include <fmt/format.h>

#include <cerrno>
#include <unistd.h>

namespace immichbak::backup_engine {

void check_options(const backup_options& o) {
  namespace fs = std::filesystem;
  if (o.jobs < 1 || o.jobs > 64)
    throw error(errc::invalid_argument, fmt::format("--jobs must be between 1 and 64, got {}", o.jobs));
  if (o.compress == compression::zstd && (o.compression_level < 1 || o.compression_level > 19))
    throw error(errc::invalid_argument,
                fmt::format("the zstd compression level (--compress zstd:LEVEL) must be between 1 and 19, got {}",
                            o.compression_level));
  if (o.prefix.empty()) throw error(errc::invalid_argument, "--prefix must not be empty");
  if (o.prefix.find('/') != std::string::npos || o.prefix.find('\0') != std::string::npos)
    throw error(errc::invalid_argument,
                fmt::format("--prefix \"{}\" must be a file name prefix, without '/'", o.prefix));
  if (o.prefix == "." || o.prefix == "..")
    throw error(errc::invalid_argument, fmt::format("--prefix \"{}\" is not a usable file name prefix", o.prefix));
  if (o.chunk_bytes == 0) throw error(errc::invalid_argument, "chunk size must be at least 1 byte");
  if (o.lock_timeout.count() < 0)
    throw error(errc::invalid_argument, fmt::format("--lock-timeout must not be negative, got {} ms",
                                                    o.lock_timeout.count()));
  for (const auto& p : o.exclude_table_data)
    if (p.empty()) throw error(errc::invalid_argument, "--exclude-table-data pattern must not be empty");

  if (o.dest_dir.empty()) throw error(errc::invalid_argument, "no destination directory given (--dest)");
  std::error_code ec;
  auto st = fs::status(o.dest_dir, ec);
  if (st.type() == fs::file_type::not_found) {
    // A path under a file (ENOTDIR) is "not found" too, but creating it would not help.
    for (fs::path up = o.dest_dir.parent_path(); !up.empty() && up != up.parent_path(); up = up.parent_path()) {
      std::error_code uec;
      auto ut = fs::status(up, uec).type();
      if (ut == fs::file_type::not_found) continue;
      if (!uec && ut != fs::file_type::directory)
        throw error(errc::io_error, fmt::format("destination directory {} cannot exist: {} is a file, not a directory",
                                                o.dest_dir.string(), up.string()));
      break;
    }
    throw error(errc::io_error,
                fmt::format("destination directory {} does not exist; create it first", o.dest_dir.string()));
  }
  if (ec) throw error(errc::io_error, fmt::format("cannot access destination directory {}: {}", o.dest_dir.string(),
                                                  ec.message()));
  if (st.type() != fs::file_type::directory)
    throw error(errc::io_error, fmt::format("destination {} is not a directory", o.dest_dir.string()));
  if (::access(o.dest_dir.c_str(), W_OK | X_OK) != 0) {
    if (errno == EROFS)
      throw error(errc::io_error, fmt::format("destination directory {} is on a read-only file system (mounted "
                                              "read-only?)",
                                              o.dest_dir.string()));
    throw error(errc::io_error,
                fmt::format("destination directory {} is not writable by this user", o.dest_dir.string()));
  }
}

}  // namespace immichbak::backup_engine
