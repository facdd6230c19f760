#pragma once
// The `FILE.sha256` sidecar (docs/format.md section 10): its path, its one line, and the
// one check of a file against it that the writer's tests, restore and verify all share.
//
// The line is sha256sum's: `<64 hex>  <basename>\n`. Readers accept what sha256sum itself
// accepts for one file: hex digits of either case, ` *` (binary mode) instead of two
// spaces, and a CRLF line end.

#include <atomic>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace immichbak::format {

/// FILE.sha256
std::filesystem::path sidecar_path(const std::filesystem::path& file);

/// The sidecar's text for a file with this SHA-256: `<hex>  <file's basename>\n`
/// (hex in lower case, whatever case `sha256_hex` is in).
std::string sidecar_line(std::string_view sha256_hex, const std::filesystem::path& file);

struct sidecar_entry {
  std::string sha256;  ///< 64 lower-case hex digits
  std::string name;    ///< the file name the line is for
};

/// Parses a sidecar's text; nullopt when it is not exactly one sha256sum line.
std::optional<sidecar_entry> parse_sidecar(std::string_view text);

/// Writes FILE.sha256 for `file` durably: `FILE.sha256.partial` (created exclusively,
/// mode 0600, a leftover of a crash removed first), fsync, rename to FILE.sha256 (never
/// replacing an existing one), fsync of the directory. Throws error(io_error) naming the
/// path; nothing is left behind on failure.
void write_sidecar(const std::filesystem::path& file, std::string_view sha256_hex);

/// SHA-256 (hex) of a whole file. Throws error(io_error) naming it, error(cancelled)
/// when `cancel` becomes true.
std::string file_sha256(const std::filesystem::path& file, const std::atomic<bool>* cancel = nullptr);

enum class sidecar_status {
  missing,     ///< no FILE.sha256: the file is checked frame by frame only
  match,       ///< the file's SHA-256 is the sidecar's
  other_name,  ///< it matches, but the line names another file (renamed pair?)
  mismatch,    ///< the file's SHA-256 differs: damaged or changed
  malformed,   ///< FILE.sha256 is not one sha256sum line
  unreadable,  ///< FILE.sha256 exists but cannot be read
};

struct sidecar_result {
  sidecar_status status = sidecar_status::missing;
  std::string detail;    ///< one sentence for a report or an error message
  std::string expected;  ///< the sidecar's hash (lower case), when it parsed
  std::string actual;    ///< the file's hash, when it was computed

  /// The file must not be used: mismatch, malformed or unreadable sidecar.
  bool bad() const noexcept {
    return status == sidecar_status::mismatch || status == sidecar_status::malformed ||
           status == sidecar_status::unreadable;
  }
  /// Worth a warning: no sidecar, or one that names another file.
  bool warning() const noexcept { return status == sidecar_status::missing || status == sidecar_status::other_name; }
};

/// Compares `file` with FILE.sha256. Never throws for what it finds (the status says);
/// throws error(io_error) when `file` itself cannot be read and error(cancelled) when
/// `cancel` becomes true while hashing.
sidecar_result check_sidecar(const std::filesystem::path& file, const std::atomic<bool>* cancel = nullptr);

}  // namespace immichbak::format
