#pragma once
// Streaming check of one data frame (docs/format.md section 3.3): the COPY statement for
// the expected table, rows with the statement's column count, the `\.` end marker last.
// Also counts the rows and computes their content hash. Memory is bounded: rows are
// hashed piece by piece, only the statement line is buffered (up to 1 MiB).

#include "format/content_hash.hpp"
#include "format/sha256.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace immichbak::verify_detail {

class copy_checker {
 public:
  copy_checker(std::string schema, std::string table);
  void feed(std::string_view piece);
  /// Call once after the last piece.
  void finish();

  /// The first problem found, empty when the block is well-formed.
  const std::string& problem() const noexcept { return problem_; }
  std::uint64_t rows() const noexcept { return rows_; }
  const format::content_hash& hash() const noexcept { return hash_; }
  /// Columns in the statement's column list (after the statement line was read).
  std::size_t columns() const noexcept { return columns_; }

 private:
  void fail(std::string what);
  void end_statement_line();
  void end_row_line();

  std::string schema_, table_;
  std::string problem_;
  enum class state { statement, rows, ended, broken } state_ = state::statement;
  std::string statement_;
  std::size_t columns_ = 0;
  std::uint64_t rows_ = 0;
  format::content_hash hash_;
  // The row being read.
  format::sha256 row_sha_;
  std::uint64_t row_len_ = 0;
  std::uint64_t row_tabs_ = 0;
  bool escaped_ = false;
  char row_head_[2] = {0, 0};
  std::uint64_t byte_pos_ = 0;  // plain offset of the next byte, for messages
};

/// Parses `COPY "schema"."table" ("c1", ...) FROM stdin;` (without the newline); returns
/// the column count or an explanation of what is wrong.
struct copy_statement {
  bool ok = false;
  std::size_t columns = 0;
  std::string problem;
};
copy_statement parse_copy_statement(std::string_view line, std::string_view schema, std::string_view table);

}  // namespace immichbak::verify_detail
