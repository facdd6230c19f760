// Indexes: pg_get_indexdef writes each one whole (access method, expressions, opclasses,
// INCLUDE, WITH (...), WHERE); an index that backs a constraint is written as that
// constraint instead (constraints.cpp). Storage parameters are checked by name here,
// since the server's deparse would write a server-managed one back too. (Index columns'
// attoptions hold operator class parameters, e.g. gist_trgm_ops (siglen='32'), which the
// deparse writes and the user set: they need no check.)
#include "schema/catalog/context.hpp"
#include "schema/catalog/options.hpp"
#include "util/sql_quote.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace immichbak::schema::detail {

void read_indexes(read_context& ctx) {
  auto rows = ctx.query(fmt::format(
      "SELECT i.indexrelid, n.nspname, ic.relname, c.oid AS table_oid, pg_catalog.pg_get_indexdef(i.indexrelid) AS definition, "
      "c.relkind = 'p' AS partitioned_table, "
      "(SELECT h.inhparent FROM pg_catalog.pg_inherits h WHERE h.inhrelid = i.indexrelid) AS parent_index, "
      "(SELECT co.oid FROM pg_catalog.pg_constraint co WHERE co.conindid = i.indexrelid AND co.conrelid = c.oid "
      "  AND co.contype IN ('p', 'u', 'x')) AS constraint_oid, i.indisclustered, i.indisreplident, "
      "pg_catalog.obj_description(i.indexrelid, 'pg_class') AS comment, "
      "(SELECT pg_catalog.json_agg(pg_catalog.json_build_array(ia.attnum, ia.attstattarget) ORDER BY ia.attnum) "
      "  FROM pg_catalog.pg_attribute ia WHERE ia.attrelid = i.indexrelid AND ia.attstattarget >= 0) AS stattargets, "
      "ic.reltablespace, pg_catalog.to_json(ic.reloptions) AS reloptions, am.amname "
      "FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid "
      "JOIN pg_catalog.pg_namespace n ON n.oid = ic.relnamespace "
      "JOIN pg_catalog.pg_am am ON am.oid = ic.relam "
      "JOIN pg_catalog.pg_class c ON c.oid = i.indrelid "
      // Invalid indexes (a failed CREATE INDEX CONCURRENTLY) are skipped, as pg_dump does;
      // an invalid index of a partitioned table is only waiting for its partitions.
      "WHERE {} AND (i.indisvalid OR c.relkind = 'p') ORDER BY n.nspname, ic.relname",
      dumped_relation_sql()));
  std::map<std::uint32_t, const relation_info*> tables;
  for (const auto& t : ctx.out.relations) tables[t.key.oid] = &t;
  for (auto r : rows) {
    index_info ix;
    ix.key = {catalog_oid::pg_class, r.oid("indexrelid")};
    ix.schema = r.str("nspname");
    ix.name = r.str("relname");
    ix.table_oid = r.oid("table_oid");
    auto t = tables.find(ix.table_oid);
    if (t == tables.end()) continue;
    ix.table_schema = t->second->schema;
    ix.table_name = t->second->name;
    ix.definition = r.str("definition");
    ix.partitioned_table = r.flag("partitioned_table");
    ix.parent_index = r.oid("parent_index");
    ix.constraint_oid = r.oid("constraint_oid");
    ix.clustered = r.flag("indisclustered");
    ix.replica_identity = r.flag("indisreplident");
    ix.comment = r.opt("comment");
    if (!r.is_null("stattargets"))
      for (const auto& p : nlohmann::json::parse(r.str("stattargets"))) ix.stattargets.emplace_back(p[0].get<int>(), p[1].get<int>());
    std::string display = util::sql::qualified(ix.schema, ix.name);
    // The definition carries the storage parameters as the server deparses them: refuse
    // an index whose parameters include one that is not the user's (see options.hpp).
    auto amname = r.str("amname");
    ix.options = user_settable_options(ctx, option_target::index, r.strings("reloptions"), display, amname);
    if (r.oid("reltablespace") != 0)
      ctx.refuse("index in a non-default tablespace", display,
                 "tablespaces are server-specific; move the object to the default tablespace");
    ctx.out.indexes.push_back(std::move(ix));
  }
}

}  // namespace immichbak::schema::detail
