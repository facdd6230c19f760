#include "backup/options_check.hpp"

#include "format/gzip_member.hpp"

#include <immichbak/error.hpp>

#include <fmt/format.h>

#include <cerrno>
#include <unistd.h>

namespace immichbak::backup_detail {

namespace {

// A gzip backup is meant for Immich's own Backups page (docs/immich.md), which lists only
// names matching /^[\d\w-.]+\.sql(?:\.gz)?$/ and reads a version out of /-v(.*)-/ in the
// name: a version <= 2.4 there makes it restore the file as a pg_dumpall script, into
// the wrong database. So the prefix keeps to those characters and holds no "-v".
void check_immich_listable_prefix(const std::string& prefix) {
  for (char c : prefix) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                    c == '-' || c == '.';
    if (!ok)
      throw error(errc::invalid_argument,
                  fmt::format("--prefix \"{}\" has a character Immich's Backups page does not accept in a file name; "
                              "with --compress gzip use only letters, digits, '_', '-' and '.'",
                              prefix));
  }
  if (prefix.find("-v") != std::string::npos)
    throw error(errc::invalid_argument,
                fmt::format("--prefix \"{}\" holds \"-v\", which Immich's Backups page reads as the Immich version "
                            "that wrote the file (an old one makes it restore the file the wrong way); choose a "
                            "prefix without \"-v\" for --compress gzip",
                            prefix));
}

}  // namespace

void check_options(const backup_options& o) {
  namespace fs = std::filesystem;
  if (o.jobs < 1 || o.jobs > 64)
    throw error(errc::invalid_argument, fmt::format("--jobs must be between 1 and 64, got {}", o.jobs));
  if (o.compress == compression::zstd && (o.compression_level < 1 || o.compression_level > 19))
    throw error(errc::invalid_argument,
                fmt::format("the zstd compression level (--compress zstd:LEVEL) must be between 1 and 19, got {}",
                            o.compression_level));
  if (o.compress == compression::gzip &&
      (o.compression_level < format::gzip_min_level || o.compression_level > format::gzip_max_level))
    throw error(errc::invalid_argument,
                fmt::format("the gzip compression level (--compress gzip:LEVEL) must be between {} and {}, got {}",
                            format::gzip_min_level, format::gzip_max_level, o.compression_level));
  if (o.compress == compression::gzip) check_immich_listable_prefix(o.prefix);
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

}  // namespace immichbak::backup_detail
