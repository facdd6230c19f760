#include "load/index_order.hpp"

#include <algorithm>
#include <cctype>
#include <string>

namespace immichbak::load {

namespace {

// The access method after the first " USING " (pg_get_indexdef, EXCLUDE USING ...);
// index-backed constraints without one (PRIMARY KEY, UNIQUE) are btree.
std::string access_method(std::string_view ddl) {
  auto at = ddl.find(" USING ");
  if (at == std::string_view::npos) return "btree";
  std::string m;
  for (std::size_t i = at + 7; i < ddl.size() && (std::isalnum(static_cast<unsigned char>(ddl[i])) || ddl[i] == '_'); ++i)
    m.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(ddl[i]))));
  return m;
}

// Per row, relative to a btree build; rough, from builds seen on the benchmark and the
// vector extensions' own documentation (graph and cluster builds over 512 floats).
double method_weight(const std::string& m) {
  if (m == "hnsw" || m == "vchordrq" || m == "ivfflat" || m == "diskann" || m == "vectors") return 1000;
  if (m == "gist") return 20;
  if (m == "gin" || m == "spgist") return 8;
  if (m == "brin") return 0.2;
  return 1;
}

}  // namespace

double index_build_cost(std::string_view ddl, std::uint64_t table_rows) {
  return method_weight(access_method(ddl)) * static_cast<double>(std::max<std::uint64_t>(table_rows, 1));
}

bool locks_table_exclusively(std::string_view ddl) {
  constexpr std::string_view needle = "alter table";
  auto lower = [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); };
  return std::search(ddl.begin(), ddl.end(), needle.begin(), needle.end(),
                     [&](char a, char b) { return lower(a) == b; }) != ddl.end();
}

}  // namespace immichbak::load
