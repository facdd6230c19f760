#pragma once
// Reads a backup file: footer, manifest, and frames (streamed, bounded memory).
// Every limit a hostile file could abuse is enforced here (docs/format.md, "Reader limits").

#include <immichbak/manifest.hpp>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace immichbak::format {

class backup_reader {
 public:
  /// Opens the file and validates footer and manifest. Throws error(not_a_backup) when there
  /// is no valid footer, error(unsupported_format) for an unknown major version,
  /// error(corrupt_backup) when the manifest is damaged, error(io_error) when unreadable.
  explicit backup_reader(const std::filesystem::path& file);
  ~backup_reader();
  backup_reader(backup_reader&&) noexcept;
  backup_reader& operator=(backup_reader&&) noexcept;

  const manifest& get_manifest() const noexcept;
  bool compressed() const noexcept;
  std::uint64_t file_size() const noexcept;
  const std::filesystem::path& path() const noexcept;
  /// Where the frames must end: the start of the manifest's container (the skippable
  /// frame header, or the `-- immichbak-manifest ` line).
  std::uint64_t frames_end() const noexcept;

  /// Thread-safe (positional reads). Streams the frame's plain bytes to `sink` in pieces of
  /// bounded size. Checks the zstd checksum and, when `check_sha256`, the plain sha256 and
  /// size against the manifest. Throws error(corrupt_backup) naming the frame (kind, table,
  /// offset) on any mismatch; data already handed to `sink` must then be discarded.
  void read_frame(const manifest_frame& frame, const std::function<void(std::string_view)>& sink,
                  bool check_sha256 = true) const;
  /// The whole frame as a string (DDL frames); refuses frames over 256 MiB plain.
  std::string read_frame(const manifest_frame& frame) const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace immichbak::format
