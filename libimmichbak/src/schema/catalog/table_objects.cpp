// What hangs off a dumped table or view, each written whole by the server's deparser:
// triggers (pg_get_triggerdef), rules (pg_get_ruledef), row-level security policies
// (pg_get_expr of USING / WITH CHECK) and extended statistics (pg_get_statisticsobjdef).
#include "schema/catalog/context.hpp"

#include <fmt/format.h>

namespace immichbak::schema::detail {

void read_triggers(read_context& ctx) {
  auto rows = ctx.query(fmt::format(
      "SELECT tg.oid, tg.tgname, n.nspname, c.relname, pg_catalog.pg_get_triggerdef(tg.oid) AS definition, tg.tgenabled, "
      "pg_catalog.obj_description(tg.oid, 'pg_trigger') AS comment FROM pg_catalog.pg_trigger tg "
      "JOIN pg_catalog.pg_class c ON c.oid = tg.tgrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
      // Internal triggers implement FKs; clones on partitions come back with the parent's.
      "WHERE NOT tg.tgisinternal AND tg.tgparentid = 0 AND {} ORDER BY n.nspname, c.relname, tg.tgname",
      dumped_relation_sql()));
  for (auto r : rows) {
    trigger_info t;
    t.key = {catalog_oid::pg_trigger, r.oid("oid")};
    t.name = r.str("tgname");
    t.table_schema = r.str("nspname");
    t.table_name = r.str("relname");
    t.definition = r.str("definition");
    t.enabled = r.ch("tgenabled");
    t.comment = r.opt("comment");
    ctx.out.triggers.push_back(std::move(t));
  }
}

void read_rules(read_context& ctx) {
  auto rows = ctx.query(fmt::format(
      "SELECT rw.oid, rw.rulename, n.nspname, c.relname, pg_catalog.pg_get_ruledef(rw.oid) AS definition, rw.ev_enabled, "
      "pg_catalog.obj_description(rw.oid, 'pg_rewrite') AS comment FROM pg_catalog.pg_rewrite rw "
      "JOIN pg_catalog.pg_class c ON c.oid = rw.ev_class JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
      "WHERE rw.rulename <> '_RETURN' AND {} ORDER BY n.nspname, c.relname, rw.rulename",
      dumped_relation_sql()));
  for (auto r : rows) {
    rule_info ru;
    ru.key = {catalog_oid::pg_rewrite, r.oid("oid")};
    ru.name = r.str("rulename");
    ru.table_schema = r.str("nspname");
    ru.table_name = r.str("relname");
    ru.definition = r.str("definition");
    ru.enabled = r.ch("ev_enabled");
    ru.comment = r.opt("comment");
    ctx.out.rules.push_back(std::move(ru));
  }
}

void read_policies(read_context& ctx) {
  auto rows = ctx.query(fmt::format(
      "SELECT p.oid, p.polname, n.nspname, c.relname, p.polpermissive, p.polcmd, "
      "(SELECT pg_catalog.json_agg(pg_catalog.pg_get_userbyid(u.r) ORDER BY u.ord) "
      "  FROM pg_catalog.unnest(p.polroles) WITH ORDINALITY u(r, ord) WHERE u.r <> 0) AS roles, "
      "pg_catalog.pg_get_expr(p.polqual, p.polrelid) AS using_expr, "
      "pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid) AS check_expr, "
      "pg_catalog.obj_description(p.oid, 'pg_policy') AS comment FROM pg_catalog.pg_policy p "
      "JOIN pg_catalog.pg_class c ON c.oid = p.polrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
      "WHERE {} ORDER BY n.nspname, c.relname, p.polname",
      dumped_relation_sql()));
  for (auto r : rows) {
    policy_info p;
    p.key = {catalog_oid::pg_policy, r.oid("oid")};
    p.name = r.str("polname");
    p.table_schema = r.str("nspname");
    p.table_name = r.str("relname");
    p.permissive = r.flag("polpermissive");
    p.command = r.ch("polcmd");
    p.roles = r.strings("roles");
    p.using_expr = r.opt("using_expr");
    p.check_expr = r.opt("check_expr");
    p.comment = r.opt("comment");
    ctx.out.policies.push_back(std::move(p));
  }
}

void read_statistics(read_context& ctx) {
  auto rows = ctx.query(fmt::format(
      "SELECT s.oid, n.nspname, s.stxname, pg_catalog.pg_get_userbyid(s.stxowner) AS owner, "
      "pg_catalog.obj_description(s.oid, 'pg_statistic_ext') AS comment, tn.nspname AS table_schema, "
      "c.relname AS table_name, pg_catalog.pg_get_statisticsobjdef(s.oid) AS definition, {} AS stattarget "
      "FROM pg_catalog.pg_statistic_ext s "
      "JOIN pg_catalog.pg_namespace n ON n.oid = s.stxnamespace JOIN pg_catalog.pg_class c ON c.oid = s.stxrelid "
      "JOIN pg_catalog.pg_namespace tn ON tn.oid = c.relnamespace "
      "WHERE {} AND {} ORDER BY n.nspname, s.stxname",
      // 17 made stxstattarget nullable (NULL = the default, which was -1 before).
      ctx.version >= 170000 ? "COALESCE(s.stxstattarget, -1)" : "s.stxstattarget", user_schema_sql,
      not_extension_member("pg_statistic_ext", "s.oid")));
  for (auto r : rows) {
    statistics_info s;
    s.key = {catalog_oid::pg_statistic_ext, r.oid("oid")};
    s.schema = r.str("nspname");
    s.name = r.str("stxname");
    s.owner = r.str("owner");
    s.comment = r.opt("comment");
    s.table_schema = r.str("table_schema");
    s.table_name = r.str("table_name");
    s.definition = r.str("definition");
    s.stattarget = static_cast<int>(r.i64("stattarget"));
    ctx.out.statistics.push_back(std::move(s));
  }
}

}  // namespace immichbak::schema::detail
