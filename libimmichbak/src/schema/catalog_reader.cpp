// Catalog queries. Each block reads one kind of object into the model. Arrays come back
// as JSON (to_json / json_agg) so no text-array parsing is needed here.
//
// Which objects are "ours": in a schema other than pg_catalog, information_schema,
// pg_toast*, pg_temp*; and not a member of an extension (pg_depend deptype 'e'), since
// CREATE EXTENSION brings those back.
#include "schema/catalog_reader.hpp"

#include "pg/connection.hpp"
#include "schema/ddl.hpp"
#include "util/sql_quote.hpp"

#include <immichbak/error.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <set>

namespace immichbak::schema {

namespace {

using json = nlohmann::json;

constexpr const char* user_schema =
    "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' "
    "AND n.nspname NOT LIKE 'pg\\_temp\\_%'";

std::string not_extension_member(const char* catalog, const char* oid_expr) {
  return fmt::format(
      "NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend xd WHERE xd.classid = 'pg_catalog.{}'::pg_catalog.regclass "
      "AND xd.objid = {} AND xd.deptype = 'e')",
      catalog, oid_expr);
}

std::uint32_t u32(const pg::result& r, int row, int col) {
  return r.is_null(row, col) ? 0 : static_cast<std::uint32_t>(r.i64(row, col));
}

std::optional<std::string> opt(const pg::result& r, int row, int col) { return r.opt(row, col); }

std::vector<std::string> json_strings(const pg::result& r, int row, int col) {
  std::vector<std::string> out;
  if (r.is_null(row, col)) return out;
  auto j = json::parse(r.get(row, col));
  if (j.is_array())
    for (const auto& v : j) out.push_back(v.get<std::string>());
  return out;
}

std::vector<acl_item> parse_acl_json(std::string_view text) {
  std::vector<acl_item> items;
  auto j = json::parse(text);
  long last = -1;
  for (const auto& e : j) {
    long item = e.at("i").get<long>();
    if (item != last) {
      items.push_back({});
      items.back().grantee = e.at("ge").get<std::string>();
      items.back().grantor = e.at("gr").get<std::string>();
      last = item;
    }
    auto priv = e.at("p").get<std::string>();
    if (e.at("g").get<bool>()) items.back().grantable.push_back(priv);
    else items.back().privileges.push_back(priv);
  }
  return items;
}

/// SQL for an aclitem[] expression as JSON rows {i: item number, ge: grantee ('' =
/// PUBLIC), gr: grantor, p: privilege, g: grantable}, in item and privilege order.
std::string acl_json_sql(const std::string& acl_expr) {
  return fmt::format(
      "COALESCE((SELECT pg_catalog.json_agg(pg_catalog.json_build_object("
      "'i', a.ord, 'ge', CASE WHEN e.grantee = 0 THEN '' ELSE pg_catalog.pg_get_userbyid(e.grantee) END, "
      "'gr', pg_catalog.pg_get_userbyid(e.grantor), 'p', e.privilege_type, 'g', e.is_grantable) ORDER BY a.ord, e.pn) "
      "FROM pg_catalog.unnest({}) WITH ORDINALITY a(item, ord), "
      "pg_catalog.aclexplode(ARRAY[a.item]) WITH ORDINALITY e(grantor, grantee, privilege_type, is_grantable, pn)), '[]')",
      acl_expr);
}

/// Reads ACLs: `inner` is a SELECT producing columns (id text, acl aclitem[], base aclitem[]).
std::map<std::string, acl_info> read_acls(pg::connection& conn, const std::string& inner) {
  std::map<std::string, acl_info> out;
  auto r = conn.exec(fmt::format("SELECT x.id, x.acl IS NULL, {}, {} FROM ({}) x", acl_json_sql("x.acl"),
                                 acl_json_sql("x.base"), inner));
  for (int i = 0; i < r.rows(); ++i) {
    acl_info a;
    a.is_null = r.boolean(i, 1);
    if (!a.is_null) a.items = parse_acl_json(r.get(i, 2));
    a.base = parse_acl_json(r.get(i, 3));
    out[r.str(i, 0)] = std::move(a);
  }
  return out;
}

/// Base ACL: the object's initial privileges when it has some (pg_init_privs), else the
/// kind's built-in default for its owner.
std::string base_acl(const char* catalog, const char* oid_expr, const char* kind, const char* owner_expr) {
  return fmt::format(
      "COALESCE((SELECT pip.initprivs FROM pg_catalog.pg_init_privs pip WHERE pip.classoid = "
      "'pg_catalog.{}'::pg_catalog.regclass AND pip.objoid = {} AND pip.objsubid = 0), pg_catalog.acldefault('{}', {}))",
      catalog, oid_expr, kind, owner_expr);
}

std::string qualified_or_empty(const pg::result& r, int row, int schema_col, int name_col) {
  if (r.is_null(row, name_col)) return {};
  return sql::qualified(r.get(row, schema_col), r.get(row, name_col));
}

class reader {
 public:
  explicit reader(pg::connection& conn) : conn_(conn), v_(conn.server_version()) { c_.server_version_num = v_; }

  catalog run() {
    basics();
    extensions();
    part_of();
    schemas();
    types();
    routines();
    sequences();
    relations();
    indexes();
    constraints();
    triggers();
    rules();
    policies();
    statistics();
    default_acls();
    extension_acls();
    settings();
    dependencies();
    unsupported();
    return std::move(c_);
  }

 private:
  pg::result q(const std::string& sql) { return conn_.exec(sql); }

  void basics() {
    auto r = q("SELECT pg_catalog.current_database(), pg_catalog.pg_encoding_to_char(d.encoding), d.oid "
               "FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database()");
    c_.database = r.str(0, 0);
    c_.encoding = r.str(0, 1);
    db_oid_ = r.str(0, 2);
  }

  void extensions() {
    auto r = q(
        "SELECT e.oid, e.extname, n.nspname, e.extversion, pg_catalog.pg_get_userbyid(e.extowner), "
        "pg_catalog.obj_description(e.oid, 'pg_extension') FROM pg_catalog.pg_extension e "
        "JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace "
        // plpgsql and anything else installed by initdb is in every database already.
        "WHERE e.oid >= 16384 ORDER BY e.extname");
    for (int i = 0; i < r.rows(); ++i) {
      extension_info e;
      e.key = {catalog_oid::pg_extension, u32(r, i, 0)};
      e.name = r.str(i, 1);
      e.schema = r.str(i, 2);
      e.version = r.str(i, 3);
      e.owner = r.str(i, 4);
      e.comment = opt(r, i, 5);
      e.needs_preload = extension_needs_preload(e.name);
      c_.extensions.push_back(std::move(e));
    }
    auto cfg = q("SELECT e.oid, u.cfg, COALESCE(u.cond, '') FROM pg_catalog.pg_extension e, "
                 "unnest(e.extconfig, e.extcondition) AS u(cfg, cond) WHERE u.cfg IS NOT NULL");
    for (int i = 0; i < cfg.rows(); ++i) {
      config_filter_[u32(cfg, i, 1)] = cfg.str(i, 2);
      for (auto& e : c_.extensions)
        if (e.key.oid == u32(cfg, i, 0)) e.config.emplace_back(u32(cfg, i, 1), cfg.str(i, 2));
    }
  }

  /// Sub-objects that belong to another object's DDL (see catalog::part_of).
  void part_of() {
    auto add = [&](const std::string& sql) {
      auto r = q(sql);
      for (int i = 0; i < r.rows(); ++i)
        c_.part_of[{u32(r, i, 0), u32(r, i, 1)}] = obj_key{u32(r, i, 2), u32(r, i, 3)};
    };
    // Extension members -> the extension.
    add("SELECT classid, objid, refclassid, refobjid FROM pg_catalog.pg_depend WHERE deptype = 'e' AND objsubid = 0");
    // Array types -> their element type.
    add("SELECT 'pg_catalog.pg_type'::pg_catalog.regclass::oid, t.typarray, 'pg_catalog.pg_type'::pg_catalog.regclass::oid, "
        "t.oid FROM pg_catalog.pg_type t WHERE t.typarray <> 0 AND t.oid >= 16384");
    // Row types of tables/views -> the relation; a composite type's relation -> the type.
    add("SELECT 'pg_catalog.pg_type'::pg_catalog.regclass::oid, t.oid, 'pg_catalog.pg_class'::pg_catalog.regclass::oid, "
        "t.typrelid FROM pg_catalog.pg_type t JOIN pg_catalog.pg_class c ON c.oid = t.typrelid "
        "WHERE t.oid >= 16384 AND c.relkind <> 'c'");
    add("SELECT 'pg_catalog.pg_class'::pg_catalog.regclass::oid, t.typrelid, 'pg_catalog.pg_type'::pg_catalog.regclass::oid, "
        "t.oid FROM pg_catalog.pg_type t JOIN pg_catalog.pg_class c ON c.oid = t.typrelid "
        "WHERE t.oid >= 16384 AND c.relkind = 'c'");
    if (v_ >= 140000)
      add("SELECT 'pg_catalog.pg_type'::pg_catalog.regclass::oid, r.rngmultitypid, "
          "'pg_catalog.pg_type'::pg_catalog.regclass::oid, r.rngtypid FROM pg_catalog.pg_range r WHERE r.rngtypid >= 16384");
    // Column defaults -> the table (split out by the orderer only to break a cycle).
    add("SELECT 'pg_catalog.pg_attrdef'::pg_catalog.regclass::oid, d.oid, 'pg_catalog.pg_class'::pg_catalog.regclass::oid, "
        "d.adrelid FROM pg_catalog.pg_attrdef d WHERE d.oid >= 16384");
    // Domain constraints -> the domain.
    add("SELECT 'pg_catalog.pg_constraint'::pg_catalog.regclass::oid, c.oid, 'pg_catalog.pg_type'::pg_catalog.regclass::oid, "
        "c.contypid FROM pg_catalog.pg_constraint c WHERE c.contypid <> 0 AND c.oid >= 16384");
    // A view's query lives in its _RETURN rule.
    add("SELECT 'pg_catalog.pg_rewrite'::pg_catalog.regclass::oid, r.oid, 'pg_catalog.pg_class'::pg_catalog.regclass::oid, "
        "r.ev_class FROM pg_catalog.pg_rewrite r WHERE r.rulename = '_RETURN' AND r.oid >= 16384");
  }

  void schemas() {
    auto r = q(fmt::format(
        "SELECT n.oid, n.nspname, pg_catalog.pg_get_userbyid(n.nspowner), pg_catalog.obj_description(n.oid, 'pg_namespace') "
        "FROM pg_catalog.pg_namespace n WHERE {} AND {} ORDER BY n.nspname",
        user_schema, not_extension_member("pg_namespace", "n.oid")));
    auto acls = read_acls(conn_, fmt::format("SELECT n.oid::text AS id, n.nspacl AS acl, {} AS base FROM pg_catalog.pg_namespace n",
                                             base_acl("pg_namespace", "n.oid", "n", "n.nspowner")));
    for (int i = 0; i < r.rows(); ++i) {
      schema_info s;
      s.key = {catalog_oid::pg_namespace, u32(r, i, 0)};
      s.name = r.str(i, 1);
      s.owner = r.str(i, 2);
      s.comment = opt(r, i, 3);
      s.acl = acls[r.str(i, 0)];
      // Every new database has a schema "public" (even if the source's was recreated).
      s.is_public = s.name == "public";
      c_.schemas.push_back(std::move(s));
    }
  }

  void types() {
    auto r = q(fmt::format(
        "SELECT t.oid, n.nspname, t.typname, pg_catalog.pg_get_userbyid(t.typowner), "
        "pg_catalog.obj_description(t.oid, 'pg_type'), t.typtype, t.typrelid, "
        "CASE WHEN t.typtype = 'd' THEN pg_catalog.format_type(t.typbasetype, t.typtypmod) END, t.typnotnull, "
        "pg_catalog.pg_get_expr(t.typdefaultbin, 0), cn.nspname, co.collname "
        "FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace "
        "LEFT JOIN pg_catalog.pg_type bt ON bt.oid = t.typbasetype "
        "LEFT JOIN pg_catalog.pg_collation co ON co.oid = t.typcollation AND t.typtype = 'd' "
        "  AND t.typcollation <> bt.typcollation "
        "LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace "
        "WHERE {} AND {} AND (t.typtype IN ('e', 'd', 'r') OR (t.typtype = 'c' AND "
        "  (SELECT c.relkind FROM pg_catalog.pg_class c WHERE c.oid = t.typrelid) = 'c')) "
        "ORDER BY n.nspname, t.typname",
        user_schema, not_extension_member("pg_type", "t.oid")));
    auto acls = read_acls(conn_, fmt::format("SELECT t.oid::text AS id, t.typacl AS acl, {} AS base FROM pg_catalog.pg_type t "
                                             "WHERE t.typacl IS NOT NULL",
                                             base_acl("pg_type", "t.oid", "T", "t.typowner")));
    std::map<std::uint32_t, std::size_t> by_oid;
    std::map<std::uint32_t, std::size_t> by_relid;
    for (int i = 0; i < r.rows(); ++i) {
      type_info t;
      t.key = {catalog_oid::pg_type, u32(r, i, 0)};
      t.schema = r.str(i, 1);
      t.name = r.str(i, 2);
      t.owner = r.str(i, 3);
      t.comment = opt(r, i, 4);
      char k = r.get(i, 5)[0];
      t.kind = k == 'e' ? type_kind::enum_type : k == 'd' ? type_kind::domain : k == 'c' ? type_kind::composite : type_kind::range;
      t.base_type = r.str(i, 7);
      t.not_null = r.boolean(i, 8);
      t.default_expr = opt(r, i, 9);
      t.collation = qualified_or_empty(r, i, 10, 11);
      if (auto it = acls.find(r.str(i, 0)); it != acls.end()) t.acl = it->second;
      by_oid[t.key.oid] = c_.types.size();
      if (t.kind == type_kind::composite) by_relid[u32(r, i, 6)] = c_.types.size();
      c_.types.push_back(std::move(t));
    }
    auto labels = q("SELECT enumtypid, enumlabel FROM pg_catalog.pg_enum ORDER BY enumtypid, enumsortorder");
    for (int i = 0; i < labels.rows(); ++i)
      if (auto it = by_oid.find(u32(labels, i, 0)); it != by_oid.end()) c_.types[it->second].enum_labels.push_back(labels.str(i, 1));
    auto cons = q("SELECT c.contypid, c.conname, pg_catalog.pg_get_constraintdef(c.oid), c.convalidated, "
                  "pg_catalog.obj_description(c.oid, 'pg_constraint') FROM pg_catalog.pg_constraint c "
                  "WHERE c.contypid <> 0 AND c.contype = 'c' ORDER BY c.contypid, c.conname");
    for (int i = 0; i < cons.rows(); ++i)
      if (auto it = by_oid.find(u32(cons, i, 0)); it != by_oid.end())
        c_.types[it->second].constraints.push_back({cons.str(i, 1), cons.str(i, 2), cons.boolean(i, 3), opt(cons, i, 4)});
    auto attrs = q("SELECT a.attrelid, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), cn.nspname, co.collname, "
                   "pg_catalog.col_description(a.attrelid, a.attnum) FROM pg_catalog.pg_attribute a "
                   "JOIN pg_catalog.pg_class c ON c.oid = a.attrelid AND c.relkind = 'c' "
                   "JOIN pg_catalog.pg_type at ON at.oid = a.atttypid "
                   "LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation AND a.attcollation <> at.typcollation "
                   "LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace "
                   "WHERE a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attrelid, a.attnum");
    for (int i = 0; i < attrs.rows(); ++i)
      if (auto it = by_relid.find(u32(attrs, i, 0)); it != by_relid.end())
        c_.types[it->second].attributes.push_back(
            {attrs.str(i, 1), attrs.str(i, 2), qualified_or_empty(attrs, i, 3, 4), opt(attrs, i, 5)});
    auto ranges = q(
        "SELECT r.rngtypid, pg_catalog.format_type(r.rngsubtype, NULL), "
        "CASE WHEN NOT opc.opcdefault THEN opn.nspname END, opc.opcname, cn.nspname, co.collname, "
        "dn.nspname, dp.proname, NULL, r.rngcanonical::oid "
        "FROM pg_catalog.pg_range r JOIN pg_catalog.pg_opclass opc ON opc.oid = r.rngsubopc "
        "JOIN pg_catalog.pg_namespace opn ON opn.oid = opc.opcnamespace "
        "LEFT JOIN pg_catalog.pg_collation co ON co.oid = r.rngcollation AND r.rngcollation <> "
        "  (SELECT st.typcollation FROM pg_catalog.pg_type st WHERE st.oid = r.rngsubtype) "
        "LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace "
        "LEFT JOIN pg_catalog.pg_proc dp ON dp.oid = r.rngsubdiff "
        "LEFT JOIN pg_catalog.pg_namespace dn ON dn.oid = dp.pronamespace");
    std::map<std::uint32_t, std::pair<std::string, std::string>> multirange;
    if (v_ >= 140000) {
      auto m = q("SELECT r.rngtypid, mn.nspname, mt.typname FROM pg_catalog.pg_range r JOIN pg_catalog.pg_type mt "
                 "ON mt.oid = r.rngmultitypid JOIN pg_catalog.pg_namespace mn ON mn.oid = mt.typnamespace");
      for (int i = 0; i < m.rows(); ++i) multirange[u32(m, i, 0)] = {m.str(i, 1), m.str(i, 2)};
    }
    for (int i = 0; i < ranges.rows(); ++i) {
      auto it = by_oid.find(u32(ranges, i, 0));
      if (it == by_oid.end()) continue;
      auto& t = c_.types[it->second];
      t.subtype = ranges.str(i, 1);
      if (!ranges.is_null(i, 2)) t.subtype_opclass = sql::qualified(ranges.get(i, 2), ranges.get(i, 3));
      t.collation = qualified_or_empty(ranges, i, 4, 5);
      t.subtype_diff = qualified_or_empty(ranges, i, 6, 7);
      if (auto m = multirange.find(t.key.oid); m != multirange.end())
        t.multirange_name = sql::qualified(m->second.first, m->second.second);
      if (u32(ranges, i, 9) != 0)
        c_.unsupported.push_back({"range type with a canonical function", sql::qualified(t.schema, t.name),
                                  "canonical functions are written in C and need a shell type; not supported yet"});
    }
  }

  void routines() {
    auto r = q(fmt::format(
        "SELECT p.oid, n.nspname, p.proname, pg_catalog.pg_get_userbyid(p.proowner), "
        "pg_catalog.obj_description(p.oid, 'pg_proc'), p.prokind, pg_catalog.pg_get_function_identity_arguments(p.oid), "
        "CASE WHEN p.prokind <> 'a' THEN pg_catalog.pg_get_functiondef(p.oid) END "
        "FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace "
        // Functions created with another object (a range type's constructors) come back with it.
        "WHERE {} AND {} AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = "
        "'pg_catalog.pg_proc'::pg_catalog.regclass AND d.objid = p.oid AND d.deptype = 'i') "
        "ORDER BY n.nspname, p.proname, p.oid",
        user_schema, not_extension_member("pg_proc", "p.oid")));
    auto acls = read_acls(conn_, fmt::format("SELECT p.oid::text AS id, p.proacl AS acl, {} AS base FROM pg_catalog.pg_proc p "
                                             "WHERE p.proacl IS NOT NULL",
                                             base_acl("pg_proc", "p.oid", "f", "p.proowner")));
    std::map<std::uint32_t, std::size_t> by_oid;
    for (int i = 0; i < r.rows(); ++i) {
      routine_info f;
      f.key = {catalog_oid::pg_proc, u32(r, i, 0)};
      f.schema = r.str(i, 1);
      f.name = r.str(i, 2);
      f.owner = r.str(i, 3);
      f.comment = opt(r, i, 4);
      char k = r.get(i, 5)[0];
      f.kind = k == 'p' ? routine_kind::procedure : k == 'a' ? routine_kind::aggregate : k == 'w' ? routine_kind::window
                                                                                                : routine_kind::function;
      f.identity_args = r.str(i, 6);
      f.definition = r.str(i, 7);
      if (auto it = acls.find(r.str(i, 0)); it != acls.end()) f.acl = it->second;
      by_oid[f.key.oid] = c_.routines.size();
      c_.routines.push_back(std::move(f));
    }
    // regproc text is the server's own deparse: qualified unless in pg_catalog.
    auto a = q(
        "SELECT a.aggfnoid::oid, a.aggkind, a.aggtransfn::regproc::text, pg_catalog.format_type(a.aggtranstype, NULL), "
        "a.aggtransspace, NULLIF(a.aggfinalfn, 0)::regproc::text, a.aggfinalextra, a.aggfinalmodify, "
        "NULLIF(a.aggcombinefn, 0)::regproc::text, NULLIF(a.aggserialfn, 0)::regproc::text, "
        "NULLIF(a.aggdeserialfn, 0)::regproc::text, a.agginitval, NULLIF(a.aggmtransfn, 0)::regproc::text, "
        "NULLIF(a.aggminvtransfn, 0)::regproc::text, CASE WHEN a.aggmtranstype <> 0 THEN "
        "pg_catalog.format_type(a.aggmtranstype, NULL) END, a.aggmtransspace, NULLIF(a.aggmfinalfn, 0)::regproc::text, "
        "a.aggmfinalextra, a.aggmfinalmodify, a.aggminitval, opn.nspname, op.oprname, p.proparallel "
        "FROM pg_catalog.pg_aggregate a JOIN pg_catalog.pg_proc p ON p.oid = a.aggfnoid "
        "LEFT JOIN pg_catalog.pg_operator op ON op.oid = a.aggsortop "
        "LEFT JOIN pg_catalog.pg_namespace opn ON opn.oid = op.oprnamespace WHERE a.aggfnoid::oid >= 16384");
    for (int i = 0; i < a.rows(); ++i) {
      auto it = by_oid.find(u32(a, i, 0));
      if (it == by_oid.end()) continue;
      auto& g = c_.routines[it->second].aggregate;
      g.kind = a.get(i, 1)[0];
      g.sfunc = a.str(i, 2);
      g.stype = a.str(i, 3);
      g.sspace = a.i64(i, 4);
      g.finalfunc = a.str(i, 5);
      g.finalfunc_extra = a.boolean(i, 6);
      g.finalfunc_modify = a.get(i, 7)[0];
      g.combinefunc = a.str(i, 8);
      g.serialfunc = a.str(i, 9);
      g.deserialfunc = a.str(i, 10);
      g.initcond = opt(a, i, 11);
      g.msfunc = a.str(i, 12);
      g.minvfunc = a.str(i, 13);
      g.mstype = a.str(i, 14);
      g.msspace = a.i64(i, 15);
      g.mfinalfunc = a.str(i, 16);
      g.mfinalfunc_extra = a.boolean(i, 17);
      g.mfinalfunc_modify = a.get(i, 18)[0];
      g.minitcond = opt(a, i, 19);
      if (!a.is_null(i, 21)) g.sortop = fmt::format("OPERATOR({}.{})", sql::ident(a.get(i, 20)), a.get(i, 21));
      g.parallel = a.get(i, 22)[0];
    }
  }

  void sequences() {
    auto r = q(fmt::format(
        "SELECT c.oid, n.nspname, c.relname, pg_catalog.pg_get_userbyid(c.relowner), "
        "pg_catalog.obj_description(c.oid, 'pg_class'), pg_catalog.format_type(s.seqtypid, NULL), s.seqstart, "
        "s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle, c.relpersistence = 'u', "
        "d.deptype, tn.nspname, t.relname, ta.attname "
        "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "JOIN pg_catalog.pg_sequence s ON s.seqrelid = c.oid "
        "LEFT JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid "
        "  AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.refobjsubid > 0 AND d.deptype IN ('a', 'i') "
        "LEFT JOIN pg_catalog.pg_class t ON t.oid = d.refobjid "
        "LEFT JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace "
        "LEFT JOIN pg_catalog.pg_attribute ta ON ta.attrelid = d.refobjid AND ta.attnum = d.refobjsubid "
        "WHERE c.relkind = 'S' AND c.relpersistence <> 't' AND {} AND {} ORDER BY n.nspname, c.relname",
        user_schema, not_extension_member("pg_class", "c.oid")));
    auto acls = read_acls(conn_, fmt::format("SELECT c.oid::text AS id, c.relacl AS acl, {} AS base FROM pg_catalog.pg_class c "
                                             "WHERE c.relkind = 'S' AND c.relacl IS NOT NULL",
                                             base_acl("pg_class", "c.oid", "s", "c.relowner")));
    for (int i = 0; i < r.rows(); ++i) {
      sequence_info s;
      s.key = {catalog_oid::pg_class, u32(r, i, 0)};
      s.schema = r.str(i, 1);
      s.name = r.str(i, 2);
      s.owner = r.str(i, 3);
      s.comment = opt(r, i, 4);
      s.options.data_type = r.str(i, 5);
      s.options.start = r.i64(i, 6);
      s.options.increment = r.i64(i, 7);
      s.options.min = r.i64(i, 8);
      s.options.max = r.i64(i, 9);
      s.options.cache = r.i64(i, 10);
      s.options.cycle = r.boolean(i, 11);
      s.unlogged = r.boolean(i, 12);
      s.identity = r.get(i, 13) == "i";
      s.owned_by_schema = r.str(i, 14);
      s.owned_by_table = r.str(i, 15);
      s.owned_by_column = r.str(i, 16);
      if (auto it = acls.find(r.str(i, 0)); it != acls.end()) s.acl = it->second;
      c_.sequences.push_back(std::move(s));
    }
    // Sequence state, read inside the snapshot transaction (sequences are not
    // transactional: this is the value at the time of reading, as with pg_dump).
    for (std::size_t start = 0; start < c_.sequences.size(); start += 200) {
      std::string sql;
      for (std::size_t i = start; i < std::min(c_.sequences.size(), start + 200); ++i) {
        if (!sql.empty()) sql += " UNION ALL ";
        sql += fmt::format("SELECT {}::bigint, last_value, is_called FROM {}", i,
                           sql::qualified(c_.sequences[i].schema, c_.sequences[i].name));
      }
      auto v = q(sql);
      for (int i = 0; i < v.rows(); ++i) {
        auto& s = c_.sequences[static_cast<std::size_t>(v.i64(i, 0))];
        s.last_value = v.i64(i, 1);
        s.is_called = v.boolean(i, 2);
      }
    }
  }

  void relations() {
    std::string rel_filter = fmt::format(
        "c.relkind IN ('r', 'p', 'v', 'm') AND c.relpersistence <> 't' AND {}", user_schema);
    auto r = q(fmt::format(
        "SELECT c.oid, n.nspname, c.relname, pg_catalog.pg_get_userbyid(c.relowner), "
        "pg_catalog.obj_description(c.oid, 'pg_class'), c.relkind, c.relpersistence = 'u', "
        "pg_catalog.to_json(c.reloptions), (SELECT pg_catalog.to_json(tt.reloptions) FROM pg_catalog.pg_class tt "
        "  WHERE tt.oid = c.reltoastrelid), "
        "CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END, c.relispartition, "
        "pn.nspname, pc.relname, pg_catalog.pg_get_expr(c.relpartbound, c.oid), "
        "(SELECT pg_catalog.json_agg(pg_catalog.json_build_array(hn.nspname, hc.relname) ORDER BY h.inhseqno) "
        "  FROM pg_catalog.pg_inherits h JOIN pg_catalog.pg_class hc ON hc.oid = h.inhparent "
        "  JOIN pg_catalog.pg_namespace hn ON hn.oid = hc.relnamespace WHERE h.inhrelid = c.oid), "
        "EXISTS (SELECT 1 FROM pg_catalog.pg_inherits h WHERE h.inhparent = c.oid), "
        "c.relreplident, c.relrowsecurity, c.relforcerowsecurity, am.amname, "
        "CASE WHEN c.relkind IN ('v', 'm') THEN pg_catalog.pg_get_viewdef(c.oid) END, c.relispopulated, "
        "c.reltuples, c.relpages, CASE WHEN c.relkind = 'r' THEN pg_catalog.pg_table_size(c.oid) ELSE 0 END, "
        "c.reloftype, c.reltablespace, NOT {} "
        "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "LEFT JOIN pg_catalog.pg_am am ON am.oid = c.relam "
        "LEFT JOIN pg_catalog.pg_inherits pi ON pi.inhrelid = c.oid AND c.relispartition "
        "LEFT JOIN pg_catalog.pg_class pc ON pc.oid = pi.inhparent "
        "LEFT JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace "
        "WHERE {} ORDER BY n.nspname, c.relname",
        not_extension_member("pg_class", "c.oid"), rel_filter));
    auto acls = read_acls(conn_, fmt::format("SELECT c.oid::text AS id, c.relacl AS acl, {} AS base FROM pg_catalog.pg_class c "
                                             "WHERE c.relkind IN ('r', 'p', 'v', 'm') AND c.relacl IS NOT NULL",
                                             base_acl("pg_class", "c.oid", "r", "c.relowner")));
    std::map<std::uint32_t, std::pair<bool, std::size_t>> by_oid;  // (config table?, index)
    for (int i = 0; i < r.rows(); ++i) {
      relation_info t;
      t.key = {catalog_oid::pg_class, u32(r, i, 0)};
      t.schema = r.str(i, 1);
      t.name = r.str(i, 2);
      t.owner = r.str(i, 3);
      t.comment = opt(r, i, 4);
      char k = r.get(i, 5)[0];
      t.kind = k == 'p' ? relation_kind::partitioned_table : k == 'v' ? relation_kind::view : k == 'm' ? relation_kind::matview
                                                                                                     : relation_kind::table;
      t.unlogged = r.boolean(i, 6);
      t.reloptions = json_strings(r, i, 7);
      for (const auto& o : json_strings(r, i, 8)) t.reloptions.push_back("toast." + o);
      t.partition_key = r.str(i, 9);
      if (r.boolean(i, 10)) {
        t.partition_parent = qualified_or_empty(r, i, 11, 12);
        t.partition_bound = r.str(i, 13);
      }
      if (!r.is_null(i, 14) && !r.boolean(i, 10))
        for (const auto& p : json::parse(r.get(i, 14)))
          t.inherits.push_back(sql::qualified(p[0].get<std::string>(), p[1].get<std::string>()));
      t.has_children = r.boolean(i, 15);
      t.replica_identity = r.get(i, 16)[0];
      t.row_security = r.boolean(i, 17);
      t.force_row_security = r.boolean(i, 18);
      std::string am = r.str(i, 19);
      std::string display = sql::qualified(t.schema, t.name);
      if (!am.empty() && am != "heap") {
        c_.unsupported.push_back({"relation with table access method " + am, display,
                                  "only the heap access method is supported"});
      }
      std::string def = r.str(i, 20);
      while (!def.empty() && (def.back() == ';' || def.back() == '\n' || def.back() == ' ')) def.pop_back();
      t.view_definition = def;
      t.populated = r.boolean(i, 21);
      t.reltuples = std::stod(r.str(i, 22));
      t.relpages = static_cast<std::uint64_t>(r.i64(i, 23));
      t.table_bytes = static_cast<std::uint64_t>(r.i64(i, 24));
      if (u32(r, i, 25) != 0)
        c_.unsupported.push_back({"typed table (CREATE TABLE ... OF type)", display, "typed tables are not supported yet"});
      if (u32(r, i, 26) != 0)
        c_.unsupported.push_back({"relation in a non-default tablespace", display,
                                  "tablespaces are server-specific; move the object to the default tablespace"});
      bool member = r.boolean(i, 27);
      if (member) {
        auto f = config_filter_.find(t.key.oid);
        if (f == config_filter_.end() || t.kind != relation_kind::table) continue;  // created by its extension
        t.extension_config = true;
        t.config_filter = f->second;
        by_oid[t.key.oid] = {true, c_.config_tables.size()};
        c_.config_tables.push_back(std::move(t));
      } else {
        by_oid[t.key.oid] = {false, c_.relations.size()};
        c_.relations.push_back(std::move(t));
      }
    }
    auto rel = [&](std::uint32_t oid) -> relation_info* {
      auto it = by_oid.find(oid);
      if (it == by_oid.end()) return nullptr;
      return it->second.first ? &c_.config_tables[it->second.second] : &c_.relations[it->second.second];
    };

    auto cols = q(fmt::format(
        "SELECT a.attrelid, a.attnum, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), cn.nspname, co.collname, "
        "a.attnotnull, pg_catalog.pg_get_expr(d.adbin, d.adrelid), d.oid, a.attidentity, a.attgenerated, "
        "CASE WHEN a.attstorage <> t.typstorage THEN a.attstorage END, {}, {}, pg_catalog.to_json(a.attoptions), "
        "a.attislocal, a.attinhcount, pg_catalog.col_description(a.attrelid, a.attnum), "
        "EXISTS (SELECT 1 FROM pg_catalog.pg_inherits h JOIN pg_catalog.pg_attribute pa ON pa.attrelid = h.inhparent "
        "  AND pa.attname = a.attname WHERE h.inhrelid = a.attrelid AND pa.attnotnull), "
        "EXISTS (SELECT 1 FROM pg_catalog.pg_inherits h JOIN pg_catalog.pg_attribute pa ON pa.attrelid = h.inhparent "
        "  AND pa.attname = a.attname WHERE h.inhrelid = a.attrelid AND pa.atthasdef) "
        "FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid "
        "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace JOIN pg_catalog.pg_type t ON t.oid = a.atttypid "
        "LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
        "LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation AND a.attcollation <> t.typcollation "
        "LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace "
        "WHERE {} AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attrelid, a.attnum",
        v_ >= 140000 ? "NULLIF(a.attcompression, '')" : "NULL",
        v_ >= 170000 ? "COALESCE(a.attstattarget, -1)" : "a.attstattarget", rel_filter));
    auto col_acls = read_acls(conn_, "SELECT a.attrelid::text || ':' || a.attnum::text AS id, a.attacl AS acl, "
                                     "'{}'::pg_catalog.aclitem[] AS base FROM pg_catalog.pg_attribute a "
                                     "WHERE a.attacl IS NOT NULL AND a.attnum > 0 AND NOT a.attisdropped");
    for (int i = 0; i < cols.rows(); ++i) {
      auto* t = rel(u32(cols, i, 0));
      if (!t) continue;
      column_info c;
      c.attnum = static_cast<int>(cols.i64(i, 1));
      c.name = cols.str(i, 2);
      c.type = cols.str(i, 3);
      c.collation = qualified_or_empty(cols, i, 4, 5);
      c.not_null = cols.boolean(i, 6);
      c.default_expr = opt(cols, i, 7);
      c.default_oid = u32(cols, i, 8);
      c.identity = cols.get(i, 9).empty() ? 0 : cols.get(i, 9)[0];
      c.generated = cols.get(i, 10).empty() ? 0 : cols.get(i, 10)[0];
      static const std::map<char, const char*> storage{{'p', "PLAIN"}, {'m', "MAIN"}, {'e', "EXTERNAL"}, {'x', "EXTENDED"}};
      if (!cols.is_null(i, 11)) c.storage = storage.at(cols.get(i, 11)[0]);
      if (!cols.is_null(i, 12)) c.compression = cols.get(i, 12) == "l" ? "lz4" : "pglz";
      c.stattarget = static_cast<int>(cols.i64(i, 13));
      c.options = json_strings(cols, i, 14);
      c.is_local = cols.boolean(i, 15);
      c.inh_count = static_cast<int>(cols.i64(i, 16));
      c.comment = opt(cols, i, 17);
      c.parent_not_null = cols.boolean(i, 18);
      c.parent_has_default = cols.boolean(i, 19);
      if (auto it = col_acls.find(fmt::format("{}:{}", u32(cols, i, 0), c.attnum)); it != col_acls.end()) c.acl = it->second;
      t->columns.push_back(std::move(c));
    }
    // Identity columns: their sequence's name and options.
    for (auto& t : c_.relations)
      for (auto& col : t.columns) {
        if (!col.identity) continue;
        for (const auto& s : c_.sequences)
          if (s.identity && s.owned_by_schema == t.schema && s.owned_by_table == t.name && s.owned_by_column == col.name) {
            col.identity_sequence_schema = s.schema;
            col.identity_sequence_name = s.name;
            col.identity_options = s.options;
          }
      }
    auto checks = q(fmt::format(
        "SELECT co.oid, co.conrelid, co.conname, pg_catalog.pg_get_constraintdef(co.oid), co.convalidated, co.conislocal, "
        "co.coninhcount, pg_catalog.obj_description(co.oid, 'pg_constraint') FROM pg_catalog.pg_constraint co "
        "JOIN pg_catalog.pg_class c ON c.oid = co.conrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "WHERE co.contype = 'c' AND {} ORDER BY co.conrelid, co.conname",
        rel_filter));
    for (int i = 0; i < checks.rows(); ++i) {
      auto* t = rel(u32(checks, i, 1));
      if (!t) continue;
      check_constraint ck;
      ck.oid = u32(checks, i, 0);
      ck.name = checks.str(i, 2);
      ck.definition = checks.str(i, 3);
      ck.validated = checks.boolean(i, 4);
      ck.is_local = checks.boolean(i, 5);
      ck.inh_count = static_cast<int>(checks.i64(i, 6));
      ck.comment = opt(checks, i, 7);
      t->checks.push_back(std::move(ck));
    }
    for (auto& t : c_.relations)
      if (auto it = acls.find(std::to_string(t.key.oid)); it != acls.end()) t.acl = it->second;
  }

  /// Filter for objects attached to a dumped table/view/matview (`c` is the relation).
  std::string on_dumped_relation() const {
    return fmt::format("c.relkind IN ('r', 'p', 'v', 'm') AND c.relpersistence <> 't' AND {} AND {}", user_schema,
                       not_extension_member("pg_class", "c.oid"));
  }

  void indexes() {
    auto r = q(fmt::format(
        "SELECT i.indexrelid, n.nspname, ic.relname, c.oid, pg_catalog.pg_get_indexdef(i.indexrelid), "
        "c.relkind = 'p', (SELECT h.inhparent FROM pg_catalog.pg_inherits h WHERE h.inhrelid = i.indexrelid), "
        "(SELECT co.oid FROM pg_catalog.pg_constraint co WHERE co.conindid = i.indexrelid AND co.conrelid = c.oid "
        "  AND co.contype IN ('p', 'u', 'x')), i.indisclustered, i.indisreplident, "
        "pg_catalog.obj_description(i.indexrelid, 'pg_class'), "
        "(SELECT pg_catalog.json_agg(pg_catalog.json_build_array(ia.attnum, ia.attstattarget) ORDER BY ia.attnum) "
        "  FROM pg_catalog.pg_attribute ia WHERE ia.attrelid = i.indexrelid AND ia.attstattarget >= 0), "
        "ic.reltablespace "
        "FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid "
        "JOIN pg_catalog.pg_namespace n ON n.oid = ic.relnamespace "
        "JOIN pg_catalog.pg_class c ON c.oid = i.indrelid "
        // Invalid indexes (a failed CREATE INDEX CONCURRENTLY) are skipped, as pg_dump does;
        // an invalid index of a partitioned table is only waiting for its partitions.
        "WHERE {} AND (i.indisvalid OR c.relkind = 'p') ORDER BY n.nspname, ic.relname",
        on_dumped_relation()));
    std::map<std::uint32_t, const relation_info*> rels;
    for (const auto& t : c_.relations) rels[t.key.oid] = &t;
    for (int i = 0; i < r.rows(); ++i) {
      index_info ix;
      ix.key = {catalog_oid::pg_class, u32(r, i, 0)};
      ix.schema = r.str(i, 1);
      ix.name = r.str(i, 2);
      ix.table_oid = u32(r, i, 3);
      auto t = rels.find(ix.table_oid);
      if (t == rels.end()) continue;
      ix.table_schema = t->second->schema;
      ix.table_name = t->second->name;
      ix.definition = r.str(i, 4);
      ix.partitioned_table = r.boolean(i, 5);
      ix.parent_index = u32(r, i, 6);
      ix.constraint_oid = u32(r, i, 7);
      ix.clustered = r.boolean(i, 8);
      ix.replica_identity = r.boolean(i, 9);
      ix.comment = opt(r, i, 10);
      if (!r.is_null(i, 11))
        for (const auto& p : json::parse(r.get(i, 11))) ix.stattargets.emplace_back(p[0].get<int>(), p[1].get<int>());
      if (u32(r, i, 12) != 0)
        c_.unsupported.push_back({"index in a non-default tablespace", sql::qualified(ix.schema, ix.name),
                                  "tablespaces are server-specific; move the object to the default tablespace"});
      c_.indexes.push_back(std::move(ix));
    }
  }

  void constraints() {
    auto r = q(fmt::format(
        "SELECT co.oid, co.contype, co.conname, c.oid, c.relkind = 'p', pg_catalog.pg_get_constraintdef(co.oid), "
        "co.conindid, co.conparentid, co.conislocal, pg_catalog.obj_description(co.oid, 'pg_constraint'), "
        "co.confrelid "
        "FROM pg_catalog.pg_constraint co JOIN pg_catalog.pg_class c ON c.oid = co.conrelid "
        "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "WHERE co.contype IN ('p', 'u', 'x', 'f') AND {} ORDER BY n.nspname, c.relname, co.conname",
        on_dumped_relation()));
    std::map<std::uint32_t, const relation_info*> rels;
    for (const auto& t : c_.relations) rels[t.key.oid] = &t;
    for (int i = 0; i < r.rows(); ++i) {
      table_constraint con;
      con.key = {catalog_oid::pg_constraint, u32(r, i, 0)};
      con.type = r.get(i, 1)[0];
      con.name = r.str(i, 2);
      con.table_oid = u32(r, i, 3);
      auto t = rels.find(con.table_oid);
      if (t == rels.end()) continue;
      con.table_schema = t->second->schema;
      con.table_name = t->second->name;
      con.on_partitioned = r.boolean(i, 4);
      con.definition = r.str(i, 5);
      con.index_oid = u32(r, i, 6);
      con.parent = u32(r, i, 7);
      con.is_local = r.boolean(i, 8);
      con.comment = opt(r, i, 9);
      con.referenced_oid = u32(r, i, 10);
      c_.constraints.push_back(std::move(con));
    }
  }

  void triggers() {
    auto r = q(fmt::format(
        "SELECT tg.oid, tg.tgname, n.nspname, c.relname, c.relkind, pg_catalog.pg_get_triggerdef(tg.oid), tg.tgenabled, "
        "pg_catalog.obj_description(tg.oid, 'pg_trigger') FROM pg_catalog.pg_trigger tg "
        "JOIN pg_catalog.pg_class c ON c.oid = tg.tgrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        // Internal triggers implement FKs; clones on partitions come back with the parent's.
        "WHERE NOT tg.tgisinternal {} AND {} ORDER BY n.nspname, c.relname, tg.tgname",
        v_ >= 130000 ? "AND tg.tgparentid = 0" : "", on_dumped_relation()));
    for (int i = 0; i < r.rows(); ++i) {
      trigger_info t;
      t.key = {catalog_oid::pg_trigger, u32(r, i, 0)};
      t.name = r.str(i, 1);
      t.table_schema = r.str(i, 2);
      t.table_name = r.str(i, 3);
      t.definition = r.str(i, 5);
      t.enabled = r.get(i, 6)[0];
      t.comment = opt(r, i, 7);
      c_.triggers.push_back(std::move(t));
    }
  }

  void rules() {
    auto r = q(fmt::format(
        "SELECT rw.oid, rw.rulename, n.nspname, c.relname, pg_catalog.pg_get_ruledef(rw.oid), rw.ev_enabled, "
        "pg_catalog.obj_description(rw.oid, 'pg_rewrite') FROM pg_catalog.pg_rewrite rw "
        "JOIN pg_catalog.pg_class c ON c.oid = rw.ev_class JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "WHERE rw.rulename <> '_RETURN' AND {} ORDER BY n.nspname, c.relname, rw.rulename",
        on_dumped_relation()));
    for (int i = 0; i < r.rows(); ++i) {
      rule_info ru;
      ru.key = {catalog_oid::pg_rewrite, u32(r, i, 0)};
      ru.name = r.str(i, 1);
      ru.table_schema = r.str(i, 2);
      ru.table_name = r.str(i, 3);
      ru.definition = r.str(i, 4);
      ru.enabled = r.get(i, 5)[0];
      ru.comment = opt(r, i, 6);
      c_.rules.push_back(std::move(ru));
    }
  }

  void policies() {
    auto r = q(fmt::format(
        "SELECT p.oid, p.polname, n.nspname, c.relname, p.polpermissive, p.polcmd, "
        "(SELECT pg_catalog.json_agg(pg_catalog.pg_get_userbyid(u.r) ORDER BY u.ord) "
        "  FROM pg_catalog.unnest(p.polroles) WITH ORDINALITY u(r, ord) WHERE u.r <> 0), "
        "pg_catalog.pg_get_expr(p.polqual, p.polrelid), pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid), "
        "pg_catalog.obj_description(p.oid, 'pg_policy') FROM pg_catalog.pg_policy p "
        "JOIN pg_catalog.pg_class c ON c.oid = p.polrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "WHERE {} ORDER BY n.nspname, c.relname, p.polname",
        on_dumped_relation()));
    for (int i = 0; i < r.rows(); ++i) {
      policy_info p;
      p.key = {catalog_oid::pg_policy, u32(r, i, 0)};
      p.name = r.str(i, 1);
      p.table_schema = r.str(i, 2);
      p.table_name = r.str(i, 3);
      p.permissive = r.boolean(i, 4);
      p.command = r.get(i, 5)[0];
      p.roles = json_strings(r, i, 6);
      p.using_expr = opt(r, i, 7);
      p.check_expr = opt(r, i, 8);
      p.comment = opt(r, i, 9);
      c_.policies.push_back(std::move(p));
    }
  }

  void statistics() {
    auto r = q(fmt::format(
        "SELECT s.oid, n.nspname, s.stxname, pg_catalog.pg_get_userbyid(s.stxowner), "
        "pg_catalog.obj_description(s.oid, 'pg_statistic_ext'), tn.nspname, c.relname, "
        "pg_catalog.pg_get_statisticsobjdef(s.oid), {} FROM pg_catalog.pg_statistic_ext s "
        "JOIN pg_catalog.pg_namespace n ON n.oid = s.stxnamespace JOIN pg_catalog.pg_class c ON c.oid = s.stxrelid "
        "JOIN pg_catalog.pg_namespace tn ON tn.oid = c.relnamespace "
        "WHERE {} AND {} ORDER BY n.nspname, s.stxname",
        v_ >= 170000 ? "COALESCE(s.stxstattarget, -1)" : v_ >= 130000 ? "s.stxstattarget" : "-1", user_schema,
        not_extension_member("pg_statistic_ext", "s.oid")));
    for (int i = 0; i < r.rows(); ++i) {
      statistics_info s;
      s.key = {catalog_oid::pg_statistic_ext, u32(r, i, 0)};
      s.schema = r.str(i, 1);
      s.name = r.str(i, 2);
      s.owner = r.str(i, 3);
      s.comment = opt(r, i, 4);
      s.table_schema = r.str(i, 5);
      s.table_name = r.str(i, 6);
      s.definition = r.str(i, 7);
      s.stattarget = static_cast<int>(r.i64(i, 8));
      c_.statistics.push_back(std::move(s));
    }
  }

  void default_acls() {
    auto acls = read_acls(
        conn_,
        "SELECT d.oid::text AS id, d.defaclacl AS acl, CASE WHEN d.defaclnamespace = 0 THEN pg_catalog.acldefault("
        "CASE d.defaclobjtype WHEN 'r' THEN 'r' WHEN 'S' THEN 's' WHEN 'f' THEN 'f' WHEN 'T' THEN 'T' ELSE 'n' END::\"char\", "
        "d.defaclrole) ELSE '{}'::pg_catalog.aclitem[] END AS base FROM pg_catalog.pg_default_acl d");
    auto r = q("SELECT d.oid, pg_catalog.pg_get_userbyid(d.defaclrole), COALESCE(n.nspname, ''), d.defaclobjtype "
               "FROM pg_catalog.pg_default_acl d LEFT JOIN pg_catalog.pg_namespace n ON n.oid = d.defaclnamespace "
               "ORDER BY 2, 3, 4");
    for (int i = 0; i < r.rows(); ++i) {
      default_acl d;
      d.role = r.str(i, 1);
      d.schema = r.str(i, 2);
      d.objtype = r.get(i, 3)[0];
      d.acl = acls[r.str(i, 0)];
      c_.default_acls.push_back(std::move(d));
    }
  }

  void extension_acls() {
    // Objects of an extension whose privileges differ from those CREATE EXTENSION gives them.
    auto read = [&](const char* catalog, const char* acl_col, const char* owner_col, const char* acl_kind,
                    const std::string& extra_filter) {
      return read_acls(
          conn_, fmt::format("SELECT x.oid::text AS id, COALESCE(x.{1}, pg_catalog.acldefault('{3}', x.{2})) AS acl, "
                             "COALESCE(pip.initprivs, pg_catalog.acldefault('{3}', x.{2})) AS base "
                             "FROM pg_catalog.{0} x LEFT JOIN pg_catalog.pg_init_privs pip ON pip.classoid = "
                             "'pg_catalog.{0}'::pg_catalog.regclass AND pip.objoid = x.oid AND pip.objsubid = 0 "
                             "WHERE NOT {4} {5} AND COALESCE(x.{1}, pg_catalog.acldefault('{3}', x.{2})) IS DISTINCT FROM "
                             "COALESCE(pip.initprivs, pg_catalog.acldefault('{3}', x.{2}))",
                             catalog, acl_col, owner_col, acl_kind, not_extension_member(catalog, "x.oid"), extra_filter));
    };
    auto tables = read("pg_class", "relacl", "relowner", "r", "AND x.relkind IN ('r', 'p', 'v', 'm')");
    auto seqs = read("pg_class", "relacl", "relowner", "s", "AND x.relkind = 'S'");
    auto procs = read("pg_proc", "proacl", "proowner", "f", "");
    auto types = read("pg_type", "typacl", "typowner", "T", "");
    auto add = [&](const std::map<std::string, acl_info>& acls, const std::string& names_sql, const char* type_kw) {
      if (acls.empty()) return;
      auto r = q(names_sql);
      for (int i = 0; i < r.rows(); ++i) {
        auto it = acls.find(r.str(i, 0));
        if (it == acls.end()) continue;
        extension_member_acl m;
        m.object_type = type_kw;
        m.object = sql::qualified(r.get(i, 1), r.get(i, 2)) + (r.is_null(i, 3) ? "" : "(" + r.str(i, 3) + ")");
        m.label = r.str(i, 1) + "." + r.str(i, 2) + (r.is_null(i, 3) ? "" : "(" + r.str(i, 3) + ")");
        m.owner = r.str(i, 4);
        m.acl = it->second;
        m.acl.is_null = false;
        if (std::string(type_kw) == "FUNCTION" && r.get(i, 5) == "p") m.object_type = "PROCEDURE";
        c_.extension_acls.push_back(std::move(m));
      }
    };
    add(tables, "SELECT c.oid::text, n.nspname, c.relname, NULL, pg_catalog.pg_get_userbyid(c.relowner), '' "
                "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace ORDER BY 2, 3", "TABLE");
    add(seqs, "SELECT c.oid::text, n.nspname, c.relname, NULL, pg_catalog.pg_get_userbyid(c.relowner), '' "
              "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace ORDER BY 2, 3", "SEQUENCE");
    add(procs, "SELECT p.oid::text, n.nspname, p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid), "
               "pg_catalog.pg_get_userbyid(p.proowner), p.prokind FROM pg_catalog.pg_proc p "
               "JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace ORDER BY 2, 3, 4", "FUNCTION");
    add(types, "SELECT t.oid::text, n.nspname, t.typname, NULL, pg_catalog.pg_get_userbyid(t.typowner), '' "
               "FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace ORDER BY 2, 3", "TYPE");
  }

  void settings() {
    auto dc = q("SELECT pg_catalog.shobj_description(d.oid, 'pg_database') FROM pg_catalog.pg_database d "
                "WHERE d.datname = pg_catalog.current_database()");
    c_.database_comment = opt(dc, 0, 0);
    auto r = q("SELECT CASE WHEN s.setrole = 0 THEN '' ELSE pg_catalog.pg_get_userbyid(s.setrole) END, u.cfg "
               "FROM pg_catalog.pg_db_role_setting s, pg_catalog.unnest(s.setconfig) WITH ORDINALITY u(cfg, ord) "
               "WHERE s.setdatabase = (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = "
               "pg_catalog.current_database()) ORDER BY s.setrole <> 0, 1, u.ord");
    for (int i = 0; i < r.rows(); ++i) {
      std::string cfg = r.str(i, 1);
      auto eq = cfg.find('=');
      if (eq == std::string::npos) continue;
      c_.settings.push_back({r.str(i, 0), cfg.substr(0, eq), cfg.substr(eq + 1)});
    }
  }

  void dependencies() {
    auto r = q("SELECT DISTINCT classid, objid, refclassid, refobjid FROM pg_catalog.pg_depend "
               "WHERE deptype IN ('n', 'a') AND objid >= 16384 AND refobjid >= 16384");
    c_.dependencies.reserve(static_cast<std::size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i)
      c_.dependencies.push_back({{u32(r, i, 0), u32(r, i, 1)}, {u32(r, i, 2), u32(r, i, 3)}});
  }

  void refuse(const std::string& sql, const std::string& kind, const std::string& hint) {
    auto r = q(sql);
    for (int i = 0; i < r.rows(); ++i) c_.unsupported.push_back({kind, r.str(i, 0), hint});
  }

  void unsupported() {
    const std::string custom = "pg_dump can dump it; immichbak refuses rather than leave it out";
    // One entry for all large objects: there may be millions.
    refuse("SELECT pg_catalog.max(o.total)::text || ' (oid ' || pg_catalog.string_agg(o.oid::text, ', ' ORDER BY o.oid) || "
           "CASE WHEN pg_catalog.max(o.total) > 10 THEN ', ...' ELSE '' END || ')' FROM (SELECT oid, pg_catalog.count(*) "
           "OVER () AS total FROM pg_catalog.pg_largeobject_metadata ORDER BY oid LIMIT 10) o HAVING pg_catalog.count(*) > 0",
           "large objects:", "large objects are not used by Immich; export them with lo_export and remove them (lo_unlink)");
    refuse("SELECT pg_catalog.quote_ident(pubname) FROM pg_catalog.pg_publication ORDER BY 1", "publication",
           "logical replication setup is not part of a backup; drop it or recreate it after restore");
    refuse("SELECT pg_catalog.quote_ident(subname) FROM pg_catalog.pg_subscription WHERE subdbid = " + db_oid_ + " ORDER BY 1",
           "subscription", "logical replication setup is not part of a backup; drop it or recreate it after restore");
    auto nonext = [&](const char* cat, const char* alias) { return not_extension_member(cat, (std::string(alias) + ".oid").c_str()); };
    refuse(fmt::format("SELECT pg_catalog.format('%I.%I', n.nspname, c.relname) FROM pg_catalog.pg_class c "
                       "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'f' AND {} ORDER BY 1",
                       nonext("pg_class", "c")),
           "foreign table", "foreign data wrappers are not supported");
    refuse(fmt::format("SELECT pg_catalog.quote_ident(s.srvname) FROM pg_catalog.pg_foreign_server s WHERE {} ORDER BY 1",
                       nonext("pg_foreign_server", "s")),
           "foreign server", "foreign data wrappers are not supported");
    refuse(fmt::format("SELECT pg_catalog.quote_ident(w.fdwname) FROM pg_catalog.pg_foreign_data_wrapper w WHERE {} ORDER BY 1",
                       nonext("pg_foreign_data_wrapper", "w")),
           "foreign-data wrapper", "foreign data wrappers are not supported");
    refuse("SELECT pg_catalog.quote_ident(usename) || ' on ' || pg_catalog.quote_ident(srvname) FROM "
           "pg_catalog.pg_user_mappings ORDER BY 1",
           "user mapping", "foreign data wrappers are not supported");
    refuse(fmt::format("SELECT pg_catalog.quote_ident(e.evtname) FROM pg_catalog.pg_event_trigger e WHERE {} ORDER BY 1",
                       nonext("pg_event_trigger", "e")),
           "event trigger", "event triggers are database-wide hooks; drop it before the backup and recreate it after restore");
    struct simple {
      const char *catalog, *kind, *name_sql, *ns_col;
    };
    const simple kinds[] = {
        {"pg_operator", "operator", "pg_catalog.format('%I.%s', n.nspname, x.oprname)", "oprnamespace"},
        {"pg_opclass", "operator class", "pg_catalog.format('%I.%I', n.nspname, x.opcname)", "opcnamespace"},
        {"pg_opfamily", "operator family", "pg_catalog.format('%I.%I', n.nspname, x.opfname)", "opfnamespace"},
        {"pg_collation", "collation", "pg_catalog.format('%I.%I', n.nspname, x.collname)", "collnamespace"},
        {"pg_conversion", "conversion", "pg_catalog.format('%I.%I', n.nspname, x.conname)", "connamespace"},
        {"pg_ts_config", "text search configuration", "pg_catalog.format('%I.%I', n.nspname, x.cfgname)", "cfgnamespace"},
        {"pg_ts_dict", "text search dictionary", "pg_catalog.format('%I.%I', n.nspname, x.dictname)", "dictnamespace"},
        {"pg_ts_parser", "text search parser", "pg_catalog.format('%I.%I', n.nspname, x.prsname)", "prsnamespace"},
        {"pg_ts_template", "text search template", "pg_catalog.format('%I.%I', n.nspname, x.tmplname)", "tmplnamespace"},
    };
    for (const auto& k : kinds)
      refuse(fmt::format("SELECT {} FROM pg_catalog.{} x JOIN pg_catalog.pg_namespace n ON n.oid = x.{} "
                         "WHERE x.oid >= 16384 AND {} ORDER BY 1",
                         k.name_sql, k.catalog, k.ns_col, nonext(k.catalog, "x")),
             k.kind, custom);
    refuse(fmt::format("SELECT pg_catalog.format('(%s AS %s)', pg_catalog.format_type(x.castsource, NULL), "
                       "pg_catalog.format_type(x.casttarget, NULL)) FROM pg_catalog.pg_cast x WHERE x.oid >= 16384 AND {} "
                       // Casts created with a range type's multirange belong to it.
                       "AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = "
                       "'pg_catalog.pg_cast'::pg_catalog.regclass AND d.objid = x.oid AND d.deptype = 'i') "
                       "ORDER BY 1",
                       nonext("pg_cast", "x")),
           "cast", custom);
    refuse(fmt::format("SELECT pg_catalog.format('FOR %s LANGUAGE %I', pg_catalog.format_type(x.trftype, NULL), l.lanname) "
                       "FROM pg_catalog.pg_transform x JOIN pg_catalog.pg_language l ON l.oid = x.trflang "
                       "WHERE {} ORDER BY 1",
                       nonext("pg_transform", "x")),
           "transform", custom);
    refuse(fmt::format("SELECT pg_catalog.quote_ident(x.amname) FROM pg_catalog.pg_am x WHERE x.oid >= 16384 AND {} ORDER BY 1",
                       nonext("pg_am", "x")),
           "access method", custom);
    refuse(fmt::format("SELECT pg_catalog.quote_ident(x.lanname) FROM pg_catalog.pg_language x WHERE x.oid >= 16384 AND {} "
                       "ORDER BY 1",
                       nonext("pg_language", "x")),
           "procedural language", "create the language through its extension (CREATE EXTENSION)");
    refuse(fmt::format("SELECT pg_catalog.format('%I.%I', n.nspname, t.typname) FROM pg_catalog.pg_type t "
                       "JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace WHERE {} AND {} AND t.typtype IN ('b', 'p') "
                       "AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_type e WHERE e.typarray = t.oid) ORDER BY 1",
                       user_schema, nonext("pg_type", "t")),
           "base or shell type", "types written in C are not supported unless they come from an extension");
    // Objects someone created inside the system schemas are not dumped by anyone.
    refuse(fmt::format("SELECT pg_catalog.format('%I.%I', n.nspname, c.relname) FROM pg_catalog.pg_class c "
                       "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.oid >= 16384 AND "
                       "n.nspname IN ('pg_catalog', 'information_schema') AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') "
                       "AND {} ORDER BY 1",
                       nonext("pg_class", "c")),
           "relation in a system schema", "move it to a user schema");
    refuse(fmt::format("SELECT pg_catalog.format('%I.%I(%s)', n.nspname, p.proname, "
                       "pg_catalog.pg_get_function_identity_arguments(p.oid)) FROM pg_catalog.pg_proc p "
                       "JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace WHERE p.oid >= 16384 AND "
                       "n.nspname IN ('pg_catalog', 'information_schema') AND {} ORDER BY 1",
                       nonext("pg_proc", "p")),
           "function in a system schema", "move it to a user schema");
    refuse("SELECT pg_catalog.format('%s %s (provider %s)', objtype, objname, provider) FROM pg_catalog.pg_seclabels "
           "WHERE objoid >= 16384 ORDER BY 1",
           "security label", "security labels need their provider module; remove them before the backup");
  }

  pg::connection& conn_;
  int v_;
  catalog c_;
  std::string db_oid_;
  std::map<std::uint32_t, std::string> config_filter_;
};

}  // namespace

catalog read_catalog(pg::connection& conn) {
  if (conn.server_version() < 120000)
    throw error(errc::server_version, fmt::format("PostgreSQL {} is too old: schema capture needs 12 or newer",
                                                  conn.server_version_string()));
  return reader(conn).run();
}

}  // namespace immichbak::schema
