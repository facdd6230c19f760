// pg_depend, twice: which sub-objects belong to another object's DDL (catalog::part_of),
// and the ordinary dependencies the DDL orderer sorts by.
#include "schema/catalog/context.hpp"

namespace immichbak::schema::detail {

void read_part_of(read_context& ctx) {
  auto add = [&](const std::string& sql) {
    for (auto r : ctx.query(sql))
      ctx.out.part_of[{r.oid("classid"), r.oid("objid")}] = obj_key{r.oid("refclassid"), r.oid("refobjid")};
  };
  const std::string pg_type = "'pg_catalog.pg_type'::pg_catalog.regclass::oid";
  const std::string pg_class = "'pg_catalog.pg_class'::pg_catalog.regclass::oid";
  // Extension members -> the extension.
  add("SELECT classid, objid, refclassid, refobjid FROM pg_catalog.pg_depend WHERE deptype = 'e' AND objsubid = 0");
  // Array types -> their element type.
  add("SELECT " + pg_type + " AS classid, t.typarray AS objid, " + pg_type + " AS refclassid, t.oid AS refobjid "
      "FROM pg_catalog.pg_type t WHERE t.typarray <> 0 AND t.oid >= 16384");
  // Row types of tables/views -> the relation; a composite type's relation -> the type.
  add("SELECT " + pg_type + " AS classid, t.oid AS objid, " + pg_class + " AS refclassid, t.typrelid AS refobjid "
      "FROM pg_catalog.pg_type t JOIN pg_catalog.pg_class c ON c.oid = t.typrelid WHERE t.oid >= 16384 AND c.relkind <> 'c'");
  add("SELECT " + pg_class + " AS classid, t.typrelid AS objid, " + pg_type + " AS refclassid, t.oid AS refobjid "
      "FROM pg_catalog.pg_type t JOIN pg_catalog.pg_class c ON c.oid = t.typrelid WHERE t.oid >= 16384 AND c.relkind = 'c'");
  // Multirange types (14+) -> their range type.
  add("SELECT " + pg_type + " AS classid, r.rngmultitypid AS objid, " + pg_type + " AS refclassid, r.rngtypid AS refobjid "
      "FROM pg_catalog.pg_range r WHERE r.rngtypid >= 16384");
  // Column defaults -> the table (split out by the orderer only to break a cycle).
  add("SELECT 'pg_catalog.pg_attrdef'::pg_catalog.regclass::oid AS classid, d.oid AS objid, " + pg_class +
      " AS refclassid, d.adrelid AS refobjid FROM pg_catalog.pg_attrdef d WHERE d.oid >= 16384");
  // Domain constraints -> the domain.
  add("SELECT 'pg_catalog.pg_constraint'::pg_catalog.regclass::oid AS classid, c.oid AS objid, " + pg_type +
      " AS refclassid, c.contypid AS refobjid FROM pg_catalog.pg_constraint c WHERE c.contypid <> 0 AND c.oid >= 16384");
  // A view's query lives in its _RETURN rule.
  add("SELECT 'pg_catalog.pg_rewrite'::pg_catalog.regclass::oid AS classid, r.oid AS objid, " + pg_class +
      " AS refclassid, r.ev_class AS refobjid FROM pg_catalog.pg_rewrite r WHERE r.rulename = '_RETURN' AND r.oid >= 16384");
}

void read_dependencies(read_context& ctx) {
  auto rows = ctx.query(
      "SELECT DISTINCT classid, objid, refclassid, refobjid FROM pg_catalog.pg_depend "
      "WHERE deptype IN ('n', 'a') AND objid >= 16384 AND refobjid >= 16384");
  ctx.out.dependencies.reserve(static_cast<std::size_t>(rows.size()));
  for (auto r : rows)
    ctx.out.dependencies.push_back({{r.oid("classid"), r.oid("objid")}, {r.oid("refclassid"), r.oid("refobjid")}});
}

}  // namespace immichbak::schema::detail
