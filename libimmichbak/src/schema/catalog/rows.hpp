#pragma once
// The one row decoder of the catalog readers: every value is read by its column name
// (`r.str("relname")`), never by position, so a query and the code that reads it can be
// checked against each other line by line, and a column added to a query cannot shift
// the others.

#include "pg/connection.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace immichbak::schema::detail {

class catalog_rows;

/// One row of a catalog query.
class catalog_row {
 public:
  catalog_row(const catalog_rows& rows, int index) : rows_(rows), index_(index) {}

  bool is_null(std::string_view col) const;
  /// Text value; "" for NULL.
  std::string str(std::string_view col) const;
  std::optional<std::string> opt(std::string_view col) const;
  std::int64_t i64(std::string_view col) const;
  /// An oid (or another unsigned 32-bit number); 0 for NULL.
  std::uint32_t oid(std::string_view col) const;
  bool flag(std::string_view col) const;
  /// A "char" column's value; 0 for NULL or "".
  char ch(std::string_view col) const;
  /// A column holding a JSON array of strings (to_json(text[])); empty for NULL.
  std::vector<std::string> strings(std::string_view col) const;

 private:
  int col(std::string_view name) const;
  const catalog_rows& rows_;
  int index_;
};

/// A query's result, iterated as catalog_row values.
class catalog_rows {
 public:
  explicit catalog_rows(pg::result r) : r_(std::move(r)) {}
  int size() const noexcept { return r_.rows(); }
  /// Rows refer to their result: a temporary's rows would dangle.
  catalog_row operator[](int i) const& { return {*this, i}; }
  catalog_row operator[](int i) const&& = delete;
  const pg::result& result() const noexcept { return r_; }

  class iterator {
   public:
    iterator(const catalog_rows& rows, int i) : rows_(&rows), i_(i) {}
    catalog_row operator*() const { return (*rows_)[i_]; }
    iterator& operator++() { ++i_; return *this; }
    bool operator!=(const iterator& o) const { return i_ != o.i_; }

   private:
    const catalog_rows* rows_;
    int i_;
  };
  iterator begin() const { return {*this, 0}; }
  iterator end() const { return {*this, size()}; }

 private:
  pg::result r_;
};

}  // namespace immichbak::schema::detail
