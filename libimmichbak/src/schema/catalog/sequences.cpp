// Sequences: options (pg_sequence: type, start, increment, bounds, cache, cycle), owner
// column (OWNED BY, identity), and their state, read inside the snapshot transaction.
#include "schema/catalog/context.hpp"
#include "util/sql_quote.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace immichbak::schema::detail {

namespace {

/// last_value and is_called of every sequence, 200 per query. Sequences are not
/// transactional: this is the value at the time of reading, as with pg_dump.
void read_sequence_state(read_context& ctx) {
  auto& seqs = ctx.out.sequences;
  for (std::size_t start = 0; start < seqs.size(); start += 200) {
    std::string sql;
    for (std::size_t i = start; i < std::min(seqs.size(), start + 200); ++i) {
      if (!sql.empty()) sql += " UNION ALL ";
      sql += fmt::format("SELECT {}::bigint AS idx, last_value, is_called FROM {}", i,
                         util::sql::qualified(seqs[i].schema, seqs[i].name));
    }
    for (auto r : ctx.query(sql)) {
      auto& s = seqs[static_cast<std::size_t>(r.i64("idx"))];
      s.last_value = r.i64("last_value");
      s.is_called = r.flag("is_called");
    }
  }
}

}  // namespace

void read_sequences(read_context& ctx) {
  auto rows = ctx.query(fmt::format(
      "SELECT c.oid, n.nspname, c.relname, pg_catalog.pg_get_userbyid(c.relowner) AS owner, "
      "pg_catalog.obj_description(c.oid, 'pg_class') AS comment, pg_catalog.format_type(s.seqtypid, NULL) AS data_type, "
      "s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle, c.relpersistence = 'u' AS unlogged, "
      "d.deptype, tn.nspname AS table_schema, t.relname AS table_name, ta.attname AS column_name "
      "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
      "JOIN pg_catalog.pg_sequence s ON s.seqrelid = c.oid "
      "LEFT JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid "
      "  AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.refobjsubid > 0 AND d.deptype IN ('a', 'i') "
      "LEFT JOIN pg_catalog.pg_class t ON t.oid = d.refobjid "
      "LEFT JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace "
      "LEFT JOIN pg_catalog.pg_attribute ta ON ta.attrelid = d.refobjid AND ta.attnum = d.refobjsubid "
      "WHERE c.relkind = 'S' AND c.relpersistence <> 't' AND {} AND {} ORDER BY n.nspname, c.relname",
      user_schema_sql, not_extension_member("pg_class", "c.oid")));
  auto acls = read_acls(ctx, fmt::format("SELECT c.oid::text AS id, c.relacl AS acl, {} AS base FROM pg_catalog.pg_class c "
                                         "WHERE c.relkind = 'S' AND c.relacl IS NOT NULL",
                                         base_acl_sql("pg_class", "c.oid", "s", "c.relowner")));
  for (auto r : rows) {
    sequence_info s;
    s.key = {catalog_oid::pg_class, r.oid("oid")};
    s.schema = r.str("nspname");
    s.name = r.str("relname");
    s.owner = r.str("owner");
    s.comment = r.opt("comment");
    s.options.data_type = r.str("data_type");
    s.options.start = r.i64("seqstart");
    s.options.increment = r.i64("seqincrement");
    s.options.min = r.i64("seqmin");
    s.options.max = r.i64("seqmax");
    s.options.cache = r.i64("seqcache");
    s.options.cycle = r.flag("seqcycle");
    s.unlogged = r.flag("unlogged");
    s.identity = r.ch("deptype") == 'i';
    s.owned_by_schema = r.str("table_schema");
    s.owned_by_table = r.str("table_name");
    s.owned_by_column = r.str("column_name");
    if (auto it = acls.find(r.str("oid")); it != acls.end()) s.acl = it->second;
    ctx.out.sequences.push_back(std::move(s));
  }
  read_sequence_state(ctx);
}

}  // namespace immichbak::schema::detail
