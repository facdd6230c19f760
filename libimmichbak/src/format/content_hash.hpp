#pragma once
// The order-independent content hash of a table's rows (docs/format.md, "Content hash").
// Each row's COPY text (without its newline) is hashed with SHA-256; the digests are
// added as four little-endian 64-bit lanes modulo 2^64. Addition (unlike XOR) keeps
// duplicate rows from cancelling, and lets chunks hashed by different workers be merged.

#include "format/sha256.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace immichbak::format {

class content_hash {
 public:
  void add_row(std::string_view row_without_newline);
  /// Adds a row whose SHA-256 the caller computed (incrementally, for rows streamed in
  /// pieces): same result as add_row() of the row's bytes.
  void add_row_digest(const std::array<std::uint8_t, 32>& sha256_of_row) noexcept;
  void merge(const content_hash& other) noexcept;
  std::uint64_t rows() const noexcept { return rows_; }
  /// 64 hex digits (lane 0 first, each lane little-endian).
  std::string hex() const;
  static std::optional<content_hash> from_hex(std::string_view hex, std::uint64_t rows);
  bool operator==(const content_hash&) const = default;

 private:
  std::array<std::uint64_t, 4> lanes_{};
  std::uint64_t rows_ = 0;
};

/// The content hash of COPY text arriving in pieces of any size (a restore streaming a
/// data frame): every line is one row, hashed without its newline. Feed only row lines
/// (no COPY header, no `\.` end line).
class content_hash_stream {
 public:
  void feed(std::string_view bytes);
  /// True when the bytes fed so far end in the middle of a line.
  bool partial_line() const noexcept { return in_line_; }
  const content_hash& hash() const noexcept { return hash_; }

 private:
  content_hash hash_;
  sha256 line_;
  bool in_line_ = false;
};

}  // namespace immichbak::format
