#pragma once
// Writes a backup file (docs/format.md): frames in any order from any thread, then the
// manifest and footer, then the atomic commit (fsync, rename, directory fsync, sidecar).

#include <immichbak/backup.hpp>
#include <immichbak/manifest.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace immichbak::format {

struct frame_meta {
  frame_kind kind = frame_kind::data;
  post_phase phase = post_phase::none;
  std::string schema;
  std::string table;
  std::string label;
  std::uint64_t rows = 0;
};

/// The manifest's name for a variant: "zstd", "gzip" or "none".
const char* manifest_compression(compression c) noexcept;

class backup_writer {
 public:
  /// Creates `final_path` + ".partial" (O_EXCL, mode 0600). Throws error(io_error) naming
  /// the path when the directory is missing or not writable, or the file exists.
  backup_writer(std::filesystem::path final_path, compression c, int level);
  /// Removes the partial file unless commit() succeeded.
  ~backup_writer();
  backup_writer(const backup_writer&) = delete;
  backup_writer& operator=(const backup_writer&) = delete;

  /// Thread-safe. Compresses `plain` in the calling thread (one zstd frame with content
  /// checksum, when compressing), then appends it under a lock. Returns its manifest entry.
  manifest_frame write_frame(const frame_meta& meta, std::string_view plain);

  /// Appends the manifest (with `m.frames` replaced by the frames written, in file order)
  /// and the footer and fsyncs; writes the `.sha256` sidecar (format/sidecar.hpp: partial,
  /// fsync, rename, directory fsync); then renames the file to its final name and fsyncs
  /// the directory. That last rename is the commit point: before it there is no backup
  /// (at most an orphan sidecar), after it the file and its sidecar are both in place.
  /// Returns the file's sha256 (hex).
  std::string commit(manifest m);

  /// Removes the partial file. Safe to call more than once; never throws.
  void abort() noexcept;

  const std::filesystem::path& final_path() const noexcept;
  std::uint64_t bytes_written() const noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

namespace testing {
/// Called by commit() after each step of the commit, in this order: "synced" (the file is
/// complete and fsynced under its .partial name), "sidecar" (FILE.sha256 is in place and
/// durable), "renamed" (the file has its final name, the directory not yet fsynced).
/// Tests stop a process there to see what a crash at that point leaves behind
/// (docs/reliability.md). Null (the default): nothing is called.
using commit_hook = void (*)(const char* step);
void set_commit_hook(commit_hook hook) noexcept;
}  // namespace testing

}  // namespace immichbak::format
