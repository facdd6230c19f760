#include "load/early_indexes.hpp"

#include "pg/connection.hpp"

namespace immichbak::load {

std::set<table_key> tables_indexable_early(pg::connection& c, const std::vector<table_key>& tables) {
  auto r = c.exec(
      "SELECT n.nspname, c.relname FROM pg_catalog.pg_class c "
      "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
      "WHERE c.relkind = 'r' AND NOT c.relhassubclass AND n.nspname NOT IN ('pg_catalog', 'information_schema')");
  std::set<table_key> plain;
  for (int i = 0; i < r.rows(); ++i) plain.emplace(r.str(i, 0), r.str(i, 1));
  std::set<table_key> out;
  for (const auto& t : tables)
    if (plain.count(t)) out.insert(t);
  return out;
}

}  // namespace immichbak::load
