// Primary key, unique, exclusion and foreign key constraints (post-data).
//
// PRIMARY KEY and UNIQUE are assembled from their parts, as pg_dump does, because
// pg_get_constraintdef leaves out the backing index's storage parameters
// (`PRIMARY KEY (id) WITH (fillfactor='100')` would come back without WITH). EXCLUDE
// (whose deparse includes WITH) and FOREIGN KEY use the server's text.
#include "schema/catalog/context.hpp"

#include <fmt/format.h>

namespace immichbak::schema::detail {

void read_constraints(read_context& ctx) {
  auto columns = [](const char* which) {
    return fmt::format(
        "(SELECT pg_catalog.json_agg(a.attname ORDER BY k.ord) FROM pg_catalog.unnest(i.indkey::pg_catalog.int2[]) "
        "WITH ORDINALITY k(attnum, ord) JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum "
        "WHERE k.ord {} i.indnkeyatts)",
        which);
  };
  auto rows = ctx.query(fmt::format(
      "SELECT co.oid, co.contype, co.conname, c.oid AS table_oid, c.relkind = 'p' AS on_partitioned, "
      "pg_catalog.pg_get_constraintdef(co.oid) AS definition, co.conindid, co.conparentid, co.conislocal, "
      "pg_catalog.obj_description(co.oid, 'pg_constraint') AS comment, co.confrelid, co.condeferrable, co.condeferred, "
      "{} AS key_columns, {} AS include_columns, {} AS nulls_not_distinct, {} AS without_overlaps "
      "FROM pg_catalog.pg_constraint co JOIN pg_catalog.pg_class c ON c.oid = co.conrelid "
      "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
      "LEFT JOIN pg_catalog.pg_index i ON i.indexrelid = co.conindid AND co.contype IN ('p', 'u') "
      "WHERE co.contype IN ('p', 'u', 'x', 'f') AND {} ORDER BY n.nspname, c.relname, co.conname",
      columns("<="), columns(">"), ctx.version >= 150000 ? "i.indnullsnotdistinct" : "false",
      ctx.version >= 180000 ? "co.conperiod" : "false", dumped_relation_sql()));
  std::map<std::uint32_t, const relation_info*> tables;
  for (const auto& t : ctx.out.relations) tables[t.key.oid] = &t;
  for (auto r : rows) {
    table_constraint con;
    con.key = {catalog_oid::pg_constraint, r.oid("oid")};
    con.type = r.ch("contype");
    con.name = r.str("conname");
    con.table_oid = r.oid("table_oid");
    auto t = tables.find(con.table_oid);
    if (t == tables.end()) continue;
    con.table_schema = t->second->schema;
    con.table_name = t->second->name;
    con.on_partitioned = r.flag("on_partitioned");
    con.definition = r.str("definition");
    con.index_oid = r.oid("conindid");
    con.parent = r.oid("conparentid");
    con.is_local = r.flag("conislocal");
    con.comment = r.opt("comment");
    con.referenced_oid = r.oid("confrelid");
    if (con.type == 'p' || con.type == 'u') {
      con.key_columns = r.strings("key_columns");
      con.include_columns = r.strings("include_columns");
      con.nulls_not_distinct = r.flag("nulls_not_distinct");
      con.without_overlaps = r.flag("without_overlaps");
      con.deferrable = r.flag("condeferrable");
      con.deferred = r.flag("condeferred");
    }
    ctx.out.constraints.push_back(std::move(con));
  }
}

}  // namespace immichbak::schema::detail
