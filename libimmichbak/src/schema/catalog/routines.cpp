// Functions, procedures and window functions (pg_get_functiondef writes them whole, SET
// clauses and SQL-standard bodies included) and aggregates (pg_aggregate, assembled into
// CREATE AGGREGATE by the DDL generator).
#include "schema/catalog/context.hpp"
#include "util/sql_quote.hpp"

#include <fmt/format.h>

namespace immichbak::schema::detail {

namespace {

routine_kind kind_of(char prokind) {
  switch (prokind) {
    case 'p': return routine_kind::procedure;
    case 'a': return routine_kind::aggregate;
    case 'w': return routine_kind::window;
    default: return routine_kind::function;
  }
}

void read_aggregates(read_context& ctx, const std::map<std::uint32_t, std::size_t>& by_oid) {
  // regproc text is the server's own deparse: qualified unless in pg_catalog.
  auto rows = ctx.query(
      "SELECT a.aggfnoid::oid AS oid, a.aggkind, a.aggtransfn::regproc::text AS sfunc, "
      "pg_catalog.format_type(a.aggtranstype, NULL) AS stype, a.aggtransspace, "
      "NULLIF(a.aggfinalfn, 0)::regproc::text AS finalfunc, a.aggfinalextra, a.aggfinalmodify, "
      "NULLIF(a.aggcombinefn, 0)::regproc::text AS combinefunc, NULLIF(a.aggserialfn, 0)::regproc::text AS serialfunc, "
      "NULLIF(a.aggdeserialfn, 0)::regproc::text AS deserialfunc, a.agginitval, "
      "NULLIF(a.aggmtransfn, 0)::regproc::text AS msfunc, NULLIF(a.aggminvtransfn, 0)::regproc::text AS minvfunc, "
      "CASE WHEN a.aggmtranstype <> 0 THEN pg_catalog.format_type(a.aggmtranstype, NULL) END AS mstype, "
      "a.aggmtransspace, NULLIF(a.aggmfinalfn, 0)::regproc::text AS mfinalfunc, a.aggmfinalextra, a.aggmfinalmodify, "
      "a.aggminitval, opn.nspname AS sortop_schema, op.oprname AS sortop_name, p.proparallel "
      "FROM pg_catalog.pg_aggregate a JOIN pg_catalog.pg_proc p ON p.oid = a.aggfnoid "
      "LEFT JOIN pg_catalog.pg_operator op ON op.oid = a.aggsortop "
      "LEFT JOIN pg_catalog.pg_namespace opn ON opn.oid = op.oprnamespace WHERE a.aggfnoid::oid >= 16384");
  for (auto r : rows) {
    auto it = by_oid.find(r.oid("oid"));
    if (it == by_oid.end()) continue;
    auto& g = ctx.out.routines[it->second].aggregate;
    g.kind = r.ch("aggkind");
    g.sfunc = r.str("sfunc");
    g.stype = r.str("stype");
    g.sspace = r.i64("aggtransspace");
    g.finalfunc = r.str("finalfunc");
    g.finalfunc_extra = r.flag("aggfinalextra");
    g.finalfunc_modify = r.ch("aggfinalmodify");
    g.combinefunc = r.str("combinefunc");
    g.serialfunc = r.str("serialfunc");
    g.deserialfunc = r.str("deserialfunc");
    g.initcond = r.opt("agginitval");
    g.msfunc = r.str("msfunc");
    g.minvfunc = r.str("minvfunc");
    g.mstype = r.str("mstype");
    g.msspace = r.i64("aggmtransspace");
    g.mfinalfunc = r.str("mfinalfunc");
    g.mfinalfunc_extra = r.flag("aggmfinalextra");
    g.mfinalfunc_modify = r.ch("aggmfinalmodify");
    g.minitcond = r.opt("aggminitval");
    if (!r.is_null("sortop_name"))
      g.sortop = fmt::format("OPERATOR({}.{})", util::sql::ident(r.str("sortop_schema")), r.str("sortop_name"));
    g.parallel = r.ch("proparallel");
  }
}

}  // namespace

void read_routines(read_context& ctx) {
  auto rows = ctx.query(fmt::format(
      "SELECT p.oid, n.nspname, p.proname, pg_catalog.pg_get_userbyid(p.proowner) AS owner, "
      "pg_catalog.obj_description(p.oid, 'pg_proc') AS comment, p.prokind, "
      "pg_catalog.pg_get_function_identity_arguments(p.oid) AS identity_args, "
      "CASE WHEN p.prokind <> 'a' THEN pg_catalog.pg_get_functiondef(p.oid) END AS definition "
      "FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace "
      // Functions created with another object (a range type's constructors) come back with it.
      "WHERE {} AND {} AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = "
      "'pg_catalog.pg_proc'::pg_catalog.regclass AND d.objid = p.oid AND d.deptype = 'i') "
      "ORDER BY n.nspname, p.proname, p.oid",
      user_schema_sql, not_extension_member("pg_proc", "p.oid")));
  auto acls = read_acls(ctx, fmt::format("SELECT p.oid::text AS id, p.proacl AS acl, {} AS base FROM pg_catalog.pg_proc p "
                                         "WHERE p.proacl IS NOT NULL",
                                         base_acl_sql("pg_proc", "p.oid", "f", "p.proowner")));
  std::map<std::uint32_t, std::size_t> by_oid;
  for (auto r : rows) {
    routine_info f;
    f.key = {catalog_oid::pg_proc, r.oid("oid")};
    f.schema = r.str("nspname");
    f.name = r.str("proname");
    f.owner = r.str("owner");
    f.comment = r.opt("comment");
    f.kind = kind_of(r.ch("prokind"));
    f.identity_args = r.str("identity_args");
    f.definition = r.str("definition");
    if (auto it = acls.find(r.str("oid")); it != acls.end()) f.acl = it->second;
    by_oid[f.key.oid] = ctx.out.routines.size();
    ctx.out.routines.push_back(std::move(f));
  }
  read_aggregates(ctx, by_oid);
}

}  // namespace immichbak::schema::detail
