#pragma once
// A file as a stream of plain bytes, whatever it was compressed with: gzip (any number of
// members, as `gzip --rsyncable`, `pigz` or `cat a.gz b.gz` produce), zstd (any number of
// frames; skippable frames are skipped) or nothing, detected by the magic bytes. Memory is
// bounded by fixed buffers plus the decoder's window (zstd's default limit, 128 MiB), never
// by the file size, so a multi-gigabyte Immich dump streams.
//
// Damage is reported, never skipped: a gzip CRC/length mismatch, a zstd checksum error, a
// stream that ends inside a member/frame, or unexpected bytes after the last member throw
// error(corrupt_backup) naming the file and the compressed offset.

#include <immichbak/backup.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace immichbak::sqlscript {

/// The compressions a script is read in are those a backup is written in (the public
/// immichbak::compression). "plain", "gzip" or "zstd".
const char* compression_name(compression c) noexcept;

class byte_source {
 public:
  /// Opens `file` and detects its compression. Throws error(io_error) when it cannot be
  /// opened, error(unsupported_format) for a directory or a compression we do not read
  /// (bzip2, xz, lz4: the message says how to decompress it first).
  explicit byte_source(std::filesystem::path file);
  ~byte_source();
  byte_source(const byte_source&) = delete;
  byte_source& operator=(const byte_source&) = delete;

  /// Up to `max` plain bytes into `out`; returns 0 only at the end of the stream.
  std::size_t read(char* out, std::size_t max);
  /// The next up to `n` plain bytes without consuming them (fewer only at the end).
  std::string_view peek(std::size_t n);

  compression kind() const noexcept;
  const std::filesystem::path& path() const noexcept;
  std::uint64_t file_size() const noexcept;
  /// File bytes consumed so far (for progress against file_size()).
  std::uint64_t file_offset() const noexcept;
  /// Plain bytes handed out by read() so far.
  std::uint64_t plain_offset() const noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace immichbak::sqlscript
