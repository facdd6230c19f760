#include "verify/copy_checker.hpp"

#include "sqlscript/statement_check.hpp"

#include <fmt/format.h>

#include <cstring>

namespace immichbak::verify_detail {

namespace {

constexpr std::size_t max_statement_bytes = 1u << 20;

}  // namespace

copy_statement parse_copy_statement(std::string_view line, std::string_view schema, std::string_view table) {
  // The parser restore uses too (sqlscript/statement_check.hpp).
  sqlscript::copy_line p = sqlscript::parse_copy_line(line, schema, table);
  copy_statement r;
  r.ok = p.ok;
  r.columns = p.count;
  r.problem = p.problem;
  return r;
}

copy_checker::copy_checker(std::string schema, std::string table) : schema_(std::move(schema)), table_(std::move(table)) {}

void copy_checker::fail(std::string what) {
  if (problem_.empty()) problem_ = std::move(what);
}

void copy_checker::end_statement_line() {
  auto st = parse_copy_statement(statement_, schema_, table_);
  if (!st.ok) fail(st.problem);
  columns_ = st.columns;
  statement_.clear();
  statement_.shrink_to_fit();
  state_ = state::rows;
}

void copy_checker::end_row_line() {
  auto digest = row_sha_.finish();  // also resets it for the next row
  if (row_len_ == 2 && row_head_[0] == '\\' && row_head_[1] == '.') {
    state_ = state::ended;
    return;
  }
  const std::uint64_t row_no = rows_ + 1;
  if (escaped_) fail(fmt::format("row {} ends in a lone backslash (plain offset {})", row_no, byte_pos_));
  std::uint64_t fields = columns_ == 0 ? (row_len_ == 0 ? 0 : row_tabs_ + 1) : row_tabs_ + 1;
  if (fields != columns_)
    fail(fmt::format("row {} has {} columns, the COPY statement lists {} (plain offset {})", row_no, fields, columns_,
                     byte_pos_));
  ++rows_;
  hash_.add_row_digest(digest);
}

void copy_checker::feed(std::string_view piece) {
  while (!piece.empty()) {
    const char* nl = static_cast<const char*>(std::memchr(piece.data(), '\n', piece.size()));
    std::size_t seg_len = nl ? static_cast<std::size_t>(nl - piece.data()) : piece.size();
    std::string_view seg = piece.substr(0, seg_len);

    switch (state_) {
      case state::statement:
        if (statement_.size() + seg.size() > max_statement_bytes) {
          fail("the first line is not a COPY statement (no newline within 1 MiB)");
          state_ = state::broken;  // nothing sensible left to check
          return;
        }
        statement_.append(seg);
        if (nl) end_statement_line();
        break;
      case state::rows:
        for (char c : seg) {
          if (escaped_) escaped_ = false;
          else if (c == '\\') escaped_ = true;
          else if (c == '\t') ++row_tabs_;
          else if (c == '\r') fail(fmt::format("row {} holds a raw carriage return (plain offset {})", rows_ + 1,
                                               byte_pos_));
        }
        for (std::size_t k = 0; k < seg.size() && row_len_ + k < 2; ++k) row_head_[row_len_ + k] = seg[k];
        row_sha_.update(seg);
        row_len_ += seg.size();
        if (nl) {
          end_row_line();
          row_len_ = 0;
          row_tabs_ = 0;
          escaped_ = false;
          row_head_[0] = row_head_[1] = 0;
        }
        break;
      case state::ended:
        // psql would run whatever follows the marker as SQL.
        fail(fmt::format("data follows the end-of-data marker \\. (plain offset {})", byte_pos_));
        state_ = state::broken;
        return;
      case state::broken: return;
    }
    std::size_t consumed = seg_len + (nl ? 1 : 0);
    byte_pos_ += consumed;
    piece.remove_prefix(consumed);
  }
}

void copy_checker::finish() {
  switch (state_) {
    case state::statement: fail("the frame has no complete COPY statement line"); break;
    case state::rows:
      if (row_len_ > 0) fail("the frame does not end with a newline");
      else fail("the frame has no end-of-data marker \\.");
      break;
    case state::ended:
    case state::broken: break;
  }
}

}  // namespace immichbak::verify_detail
