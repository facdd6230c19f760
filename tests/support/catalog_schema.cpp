// test::catalog_schema(): a database's schema as sorted text facts, from the server's own
// catalog and deparsers. The oracle of the schema comparisons where pg_dump cannot be used
// (a server newer than the pg_dump on PATH), and usable to compare databases on two servers.
//
// Every query returns (key, fact); a line is "key: fact". Keys name objects the way the
// server prints them with search_path = pg_catalog (schema-qualified, quoted as needed), so
// no OID and no database name ends up in the text. Works on PostgreSQL 14 to 18: catalog
// columns that differ between majors are avoided, read through to_jsonb() or chosen by
// server version below.
#include "support/test_env.hpp"

#include "pg/connection.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <vector>

namespace immichbak::test {

namespace {

// Schemas that are the server's own are left out.
std::string user_namespace(const std::string& alias) {
  return fmt::format(
      "({0}.nspname NOT IN ('pg_catalog', 'information_schema') AND {0}.nspname NOT LIKE 'pg\\_toast%' "
      "AND {0}.nspname NOT LIKE 'pg\\_temp\\_%')",
      alias);
}

// The object (catalog `cat`, oid `oid`) is not a member of an extension.
std::string not_member(const std::string& cat, const std::string& oid) {
  return fmt::format(
      "NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = '{}'::regclass AND e.objid = {} AND e.deptype = 'e')",
      cat, oid);
}

// An ACL as sorted aclitems; NULL (the default) written out as the default it stands for.
std::string acl(const std::string& column, char objtype, const std::string& owner) {
  return fmt::format(
      "(SELECT coalesce(string_agg(a::text, ',' ORDER BY a::text), '') FROM unnest(coalesce({}, acldefault('{}', {}))) a)",
      column, objtype, owner);
}

// An option array (reloptions, attoptions, ...) as sorted text. Options named pg_* are left
// out: no option a user can set is, and some server builds keep options of their own there
// (this Debian 15.20 puts pg_attver=<number> on every column, a different number in every
// database, and does not let it be reset).
std::string options(const std::string& column) {
  return fmt::format(
      "(SELECT coalesce(string_agg(o, ',' ORDER BY o), '') FROM unnest({}) o WHERE o NOT LIKE 'pg\\_%')", column);
}

// The catalog queries, one per kind of object: a table of SQL texts rather than logic, kept in
// one function so the whole comparison reads in one place; long for that reason only.
std::vector<std::string> queries(int version) {
  const std::string ns_n = user_namespace("n");
  std::vector<std::string> q;

  // schemas
  q.push_back(fmt::format(
      "SELECT 'schema ' || quote_ident(n.nspname), 'owner=' || pg_get_userbyid(n.nspowner) || ' acl=' || {} "
      "FROM pg_namespace n WHERE {} AND {}",
      acl("n.nspacl", 'n', "n.nspowner"), ns_n, not_member("pg_namespace", "n.oid")));

  // extensions
  q.push_back(
      "SELECT 'extension ' || quote_ident(x.extname), 'version=' || x.extversion || ' schema=' || "
      "quote_ident(n.nspname) || ' owner=' || pg_get_userbyid(x.extowner) || ' relocatable=' || x.extrelocatable || "
      "' config=' || coalesce(x.extconfig::regclass[]::text, '') || ' condition=' || coalesce(x.extcondition::text, '') "
      "FROM pg_extension x JOIN pg_namespace n ON n.oid = x.extnamespace");

  // relations: tables, partitioned tables, views, materialized views, sequences, foreign
  // tables, composite types, indexes
  q.push_back(fmt::format(
      "SELECT 'relation ' || c.oid::regclass::text, "
      "'kind=' || c.relkind::text || ' owner=' || pg_get_userbyid(c.relowner) || ' persistence=' || c.relpersistence::text || "
      "' am=' || coalesce(am.amname, '') || ' tablespace=' || coalesce(ts.spcname, '') || ' options=' || {} || "
      "' toast_options=' || coalesce({}, '') || ' replident=' || c.relreplident::text || ' rls=' || c.relrowsecurity || "
      "' forcerls=' || c.relforcerowsecurity || ' partition=' || c.relispartition || ' partkey=' || "
      "coalesce(pg_get_partkeydef(c.oid), '') || ' bound=' || coalesce(pg_get_expr(c.relpartbound, c.oid), '') || "
      "' acl=' || CASE WHEN c.relkind IN ('r', 'p', 'v', 'm', 'f') THEN {} WHEN c.relkind = 'S' THEN {} ELSE '' END "
      "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_am am ON am.oid = c.relam "
      "LEFT JOIN pg_tablespace ts ON ts.oid = c.reltablespace LEFT JOIN pg_class t ON t.oid = c.reltoastrelid "
      "WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f', 'c', 'i', 'I') AND {} AND {}",
      options("c.reloptions"), options("t.reloptions"), acl("c.relacl", 'r', "c.relowner"),
      acl("c.relacl", 's', "c.relowner"), ns_n, not_member("pg_class", "c.oid")));

  // columns, numbered among the live ones (dropped columns leave holes in attnum)
  q.push_back(fmt::format(
      "SELECT 'column ' || c.oid::regclass::text || ' #' || lpad((row_number() OVER (PARTITION BY c.oid ORDER BY "
      "a.attnum))::text, 4, '0') || ' ' || quote_ident(a.attname), "
      "'type=' || format_type(a.atttypid, a.atttypmod) || ' notnull=' || a.attnotnull || ' default=' || "
      "coalesce(pg_get_expr(d.adbin, d.adrelid), '') || ' identity=' || a.attidentity::text || ' generated=' || "
      "a.attgenerated::text || ' collation=' || CASE WHEN a.attcollation <> t.typcollation THEN "
      "coalesce(quote_ident(cn.nspname) || '.' || quote_ident(co.collname), '?') ELSE '' END || ' stattarget=' || "
      "coalesce(a.attstattarget::int, -1) || ' storage=' || CASE WHEN a.attstorage <> t.typstorage THEN "
      "a.attstorage::text ELSE '' END || ' compression=' || a.attcompression::text || ' options=' || {} || "
      "' fdwoptions=' || {} || ' local=' || a.attislocal || ' inhcount=' || a.attinhcount || ' acl=' || "
      "(SELECT coalesce(string_agg(x::text, ',' ORDER BY x::text), '') FROM unnest(a.attacl) x) "
      "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
      "JOIN pg_type t ON t.oid = a.atttypid LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
      "LEFT JOIN pg_collation co ON co.oid = a.attcollation LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace "
      "WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'c', 'i', 'I') "
      "AND {} AND {}",
      options("a.attoptions"), options("a.attfdwoptions"), ns_n, not_member("pg_class", "c.oid")));

  // constraints of tables and of domains. Left out, as pg_dump leaves them out: connoinherit
  // of constraints that are not CHECK or NOT NULL (meaningless there: a primary key made by
  // ADD PRIMARY KEY down a partition tree has false, one made on the partition and attached
  // true), and whether an inherited constraint is validated (a parent's NOT VALID CHECK is
  // NOT VALID on the children pg_dump's script makes, whatever they were)
  q.push_back(fmt::format(
      "SELECT 'constraint ' || coalesce(r.oid::regclass::text, format_type(ty.oid, NULL)) || ' ' || "
      "quote_ident(k.conname), CASE WHEN k.conislocal THEN pg_get_constraintdef(k.oid) ELSE "
      "regexp_replace(pg_get_constraintdef(k.oid), ' NOT VALID$', '') END || ' type=' || k.contype::text || "
      "' local=' || k.conislocal || ' inhcount=' || k.coninhcount || CASE WHEN k.contype IN ('c', 'n') THEN "
      "' noinherit=' || k.connoinherit ELSE '' END || CASE WHEN k.conislocal THEN ' validated=' || k.convalidated "
      "ELSE '' END "
      "FROM pg_constraint k LEFT JOIN pg_class r ON r.oid = k.conrelid AND k.conrelid <> 0 "
      "LEFT JOIN pg_type ty ON ty.oid = k.contypid AND k.contypid <> 0 "
      "JOIN pg_namespace n ON n.oid = k.connamespace WHERE {} AND {} AND (r.oid IS NULL OR {}) "
      "AND (ty.oid IS NULL OR {})",
      ns_n, not_member("pg_constraint", "k.oid"), not_member("pg_class", "r.oid"), not_member("pg_type", "ty.oid")));

  // indexes (their storage options, tablespace and column statistics are in relation/column)
  q.push_back(fmt::format(
      "SELECT 'index ' || i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) || ' primary=' || "
      "i.indisprimary || ' clustered=' || i.indisclustered || ' replident=' || i.indisreplident || ' valid=' || "
      "i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = "
      "c.relnamespace WHERE {} AND {}",
      ns_n, not_member("pg_class", "i.indrelid")));

  // inheritance and partitions (of tables and of indexes)
  q.push_back(fmt::format(
      "SELECT 'inherits ' || h.inhrelid::regclass::text || ' ' || h.inhparent::regclass::text, 'seqno=' || "
      "h.inhseqno FROM pg_inherits h JOIN pg_class c ON c.oid = h.inhrelid JOIN pg_namespace n ON n.oid = "
      "c.relnamespace WHERE {} AND {}",
      ns_n, not_member("pg_class", "c.oid")));

  // triggers (not the internal ones of foreign keys)
  q.push_back(fmt::format(
      "SELECT 'trigger ' || g.tgrelid::regclass::text || ' ' || quote_ident(g.tgname), pg_get_triggerdef(g.oid) || "
      "' enabled=' || g.tgenabled::text FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid JOIN pg_namespace n "
      "ON n.oid = c.relnamespace WHERE NOT g.tgisinternal AND {} AND {}",
      ns_n, not_member("pg_class", "c.oid")));

  // rules (not the _RETURN rules of views) and view definitions
  q.push_back(fmt::format(
      "SELECT 'rule ' || w.ev_class::regclass::text || ' ' || quote_ident(w.rulename), pg_get_ruledef(w.oid) || "
      "' enabled=' || w.ev_enabled::text FROM pg_rewrite w JOIN pg_class c ON c.oid = w.ev_class JOIN pg_namespace n "
      "ON n.oid = c.relnamespace WHERE w.rulename <> '_RETURN' AND {} AND {}",
      ns_n, not_member("pg_class", "c.oid")));
  q.push_back(fmt::format(
      "SELECT 'view ' || c.oid::regclass::text, pg_get_viewdef(c.oid) FROM pg_class c JOIN pg_namespace n ON n.oid "
      "= c.relnamespace WHERE c.relkind IN ('v', 'm') AND {} AND {}",
      ns_n, not_member("pg_class", "c.oid")));

  // sequences: options, and the column that owns them (OWNED BY, identity)
  q.push_back(fmt::format(
      "SELECT 'sequence ' || s.seqrelid::regclass::text, 'type=' || format_type(s.seqtypid, NULL) || ' start=' || "
      "s.seqstart || ' increment=' || s.seqincrement || ' min=' || s.seqmin || ' max=' || s.seqmax || ' cache=' || "
      "s.seqcache || ' cycle=' || s.seqcycle FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid "
      "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE {} AND {}",
      ns_n, not_member("pg_class", "c.oid")));
  q.push_back(fmt::format(
      "SELECT 'sequence owner ' || d.objid::regclass::text, pg_describe_object(d.refclassid, d.refobjid, "
      "d.refobjsubid) || ' deptype=' || d.deptype::text FROM pg_depend d JOIN pg_class c ON c.oid = d.objid "
      "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE d.classid = 'pg_class'::regclass AND c.relkind = 'S' "
      "AND d.refclassid = 'pg_class'::regclass AND d.refobjsubid > 0 AND d.deptype IN ('a', 'i') AND {} AND {}",
      ns_n, not_member("pg_class", "c.oid")));

  // types: enums (labels in order), domains, ranges, composites, base types; not the array
  // types made along with them, not the row types of tables
  q.push_back(fmt::format(
      "SELECT 'type ' || format_type(t.oid, NULL), 'kind=' || t.typtype::text || ' owner=' || "
      "pg_get_userbyid(t.typowner) || ' acl=' || {} || "
      "CASE t.typtype "
      " WHEN 'e' THEN ' labels=' || coalesce((SELECT string_agg(quote_literal(e.enumlabel), ',' ORDER BY "
      "e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid), '') "
      " WHEN 'd' THEN ' base=' || format_type(t.typbasetype, t.typtypmod) || ' notnull=' || t.typnotnull || "
      "' default=' || coalesce(pg_get_expr(t.typdefaultbin, 0), t.typdefault, '') || ' collation=' || "
      "coalesce((SELECT quote_ident(cn.nspname) || '.' || quote_ident(co.collname) FROM pg_collation co JOIN "
      "pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = t.typcollation), '') "
      " WHEN 'r' THEN (SELECT ' subtype=' || format_type(r.rngsubtype, NULL) || ' multirange=' || "
      "format_type(r.rngmultitypid, NULL) || ' collation=' || coalesce((SELECT quote_ident(co.collname) FROM "
      "pg_collation co WHERE co.oid = r.rngcollation), '') || ' opclass=' || (SELECT quote_ident(oc.opcname) FROM "
      "pg_opclass oc WHERE oc.oid = r.rngsubopc) || ' canonical=' || r.rngcanonical::regproc::text || ' subdiff=' || "
      "r.rngsubdiff::regproc::text FROM pg_range r WHERE r.rngtypid = t.oid) "
      " WHEN 'b' THEN ' input=' || t.typinput::regproc::text || ' output=' || t.typoutput::regproc::text || "
      "' receive=' || t.typreceive::regproc::text || ' send=' || t.typsend::regproc::text || ' modin=' || "
      "t.typmodin::regproc::text || ' modout=' || t.typmodout::regproc::text || ' analyze=' || "
      "t.typanalyze::regproc::text || ' len=' || t.typlen || ' byval=' || t.typbyval || ' align=' || "
      "t.typalign::text || ' storage=' || t.typstorage::text || ' category=' || t.typcategory::text || "
      "' preferred=' || t.typispreferred || ' delim=' || t.typdelim::text || ' element=' || "
      "coalesce(format_type(nullif(t.typelem, 0), NULL), '-') || ' default=' || coalesce(t.typdefault, '') "
      " ELSE '' END "
      "FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace LEFT JOIN pg_class rc ON rc.oid = t.typrelid "
      "WHERE {} AND {} AND (t.typrelid = 0 OR rc.relkind = 'c') AND NOT (t.typcategory = 'A' AND EXISTS (SELECT 1 "
      "FROM pg_type el WHERE el.oid = t.typelem AND el.typarray = t.oid))",
      acl("t.typacl", 'T', "t.typowner"), ns_n, not_member("pg_type", "t.oid")));

  // functions and procedures (their full definition), aggregates (their parts)
  q.push_back(fmt::format(
      "SELECT 'function ' || p.oid::regprocedure::text, 'kind=' || p.prokind::text || ' owner=' || "
      "pg_get_userbyid(p.proowner) || ' acl=' || {} || ' ' || CASE WHEN p.prokind <> 'a' THEN "
      "pg_get_functiondef(p.oid) ELSE "
      "(SELECT 'args=' || pg_get_function_arguments(p.oid) || ' result=' || pg_get_function_result(p.oid) || "
      "' aggkind=' || g.aggkind::text || ' direct=' || g.aggnumdirectargs || ' sfunc=' || g.aggtransfn::text || "
      "' stype=' || format_type(g.aggtranstype, NULL) || ' sspace=' || g.aggtransspace || ' final=' || "
      "g.aggfinalfn::text || ' finalextra=' || g.aggfinalextra || ' finalmodify=' || g.aggfinalmodify::text || "
      "' combine=' || g.aggcombinefn::text || ' serial=' || g.aggserialfn::text || ' deserial=' || "
      "g.aggdeserialfn::text || ' msfunc=' || g.aggmtransfn::text || ' minvfunc=' || g.aggminvtransfn::text || "
      "' mstype=' || coalesce(format_type(nullif(g.aggmtranstype, 0), NULL), '-') || ' msspace=' || "
      "g.aggmtransspace || ' mfinal=' || g.aggmfinalfn::text || ' mfinalextra=' || g.aggmfinalextra || "
      "' mfinalmodify=' || g.aggmfinalmodify::text || ' sortop=' || g.aggsortop::regoperator::text || "
      "' initcond=' || coalesce(quote_literal(g.agginitval), 'NULL') || ' minitcond=' || "
      "coalesce(quote_literal(g.aggminitval), 'NULL') || ' parallel=' || p.proparallel::text || ' strict=' || "
      "p.proisstrict FROM pg_aggregate g WHERE g.aggfnoid = p.oid) END "
      "FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE {} AND {}",
      acl("p.proacl", 'f', "p.proowner"), ns_n, not_member("pg_proc", "p.oid")));

  // operators, operator families and classes (with their members), casts, collations,
  // conversions
  q.push_back(fmt::format(
      "SELECT 'operator ' || o.oid::regoperator::text, 'code=' || o.oprcode::text || ' restrict=' || "
      "o.oprrest::text || ' join=' || o.oprjoin::text || ' commutator=' || o.oprcom::regoperator::text || "
      "' negator=' || o.oprnegate::regoperator::text || ' merges=' || o.oprcanmerge || ' hashes=' || o.oprcanhash || "
      "' owner=' || pg_get_userbyid(o.oprowner) FROM pg_operator o JOIN pg_namespace n ON n.oid = o.oprnamespace "
      "WHERE {} AND {}",
      ns_n, not_member("pg_operator", "o.oid")));
  q.push_back(fmt::format(
      "SELECT 'operator family ' || quote_ident(n.nspname) || '.' || quote_ident(f.opfname) || ' using ' || "
      "am.amname, 'owner=' || pg_get_userbyid(f.opfowner) FROM pg_opfamily f JOIN pg_namespace n ON n.oid = "
      "f.opfnamespace JOIN pg_am am ON am.oid = f.opfmethod WHERE {} AND {}",
      ns_n, not_member("pg_opfamily", "f.oid")));
  q.push_back(fmt::format(
      "SELECT 'operator class ' || quote_ident(n.nspname) || '.' || quote_ident(oc.opcname) || ' using ' || "
      "am.amname, 'type=' || format_type(oc.opcintype, NULL) || ' default=' || oc.opcdefault || ' family=' || "
      "(SELECT quote_ident(fn.nspname) || '.' || quote_ident(f.opfname) FROM pg_opfamily f JOIN pg_namespace fn ON "
      "fn.oid = f.opfnamespace WHERE f.oid = oc.opcfamily) || ' keytype=' || coalesce(format_type(nullif("
      "oc.opckeytype, 0), NULL), '-') || ' owner=' || pg_get_userbyid(oc.opcowner) FROM pg_opclass oc JOIN "
      "pg_namespace n ON n.oid = oc.opcnamespace JOIN pg_am am ON am.oid = oc.opcmethod WHERE {} AND {}",
      ns_n, not_member("pg_opclass", "oc.oid")));
  q.push_back(fmt::format(
      "SELECT 'operator family member ' || pg_describe_object('pg_amop'::regclass, ao.oid, 0), 'purpose=' || "
      "ao.amoppurpose::text || ' sortfamily=' || coalesce((SELECT quote_ident(sf.opfname) FROM pg_opfamily sf WHERE sf.oid = "
      "ao.amopsortfamily), '-') FROM pg_amop ao JOIN pg_opfamily "
      "f ON f.oid = ao.amopfamily JOIN pg_namespace n ON n.oid = f.opfnamespace WHERE {} AND {} "
      "UNION ALL SELECT 'operator family member ' || pg_describe_object('pg_amproc'::regclass, ap.oid, 0), '' "
      "FROM pg_amproc ap JOIN pg_opfamily f ON f.oid = ap.amprocfamily JOIN pg_namespace n ON n.oid = "
      "f.opfnamespace WHERE {} AND {}",
      ns_n, not_member("pg_opfamily", "f.oid"), ns_n, not_member("pg_opfamily", "f.oid")));
  q.push_back(fmt::format(
      "SELECT 'cast ' || pg_describe_object('pg_cast'::regclass, k.oid, 0), 'function=' || "
      "coalesce(nullif(k.castfunc, 0)::regprocedure::text, '-') || ' context=' || k.castcontext::text || "
      "' method=' || k.castmethod::text FROM pg_cast k WHERE k.oid >= 16384 AND {}",
      not_member("pg_cast", "k.oid")));
  q.push_back(fmt::format(
      "SELECT 'collation ' || quote_ident(n.nspname) || '.' || quote_ident(co.collname), 'owner=' || "
      "pg_get_userbyid(co.collowner) || ' ' || (to_jsonb(co) - 'oid' - 'collnamespace' - 'collowner')::text "
      "FROM pg_collation co JOIN pg_namespace n ON n.oid = co.collnamespace WHERE {} AND {}",
      ns_n, not_member("pg_collation", "co.oid")));
  q.push_back(fmt::format(
      "SELECT 'conversion ' || quote_ident(n.nspname) || '.' || quote_ident(cv.conname), 'from=' || "
      "pg_encoding_to_char(cv.conforencoding) || ' to=' || pg_encoding_to_char(cv.contoencoding) || ' function=' || "
      "cv.conproc::text || ' default=' || cv.condefault || ' owner=' || pg_get_userbyid(cv.conowner) "
      "FROM pg_conversion cv JOIN pg_namespace n ON n.oid = cv.connamespace WHERE {} AND {}",
      ns_n, not_member("pg_conversion", "cv.oid")));

  // text search
  q.push_back(fmt::format(
      "SELECT 'text search configuration ' || cf.oid::regconfig::text, 'parser=' || (SELECT quote_ident(pn.nspname) "
      "|| '.' || quote_ident(pr.prsname) FROM pg_ts_parser pr JOIN pg_namespace pn ON pn.oid = pr.prsnamespace "
      "WHERE pr.oid = cf.cfgparser) || ' owner=' || pg_get_userbyid(cf.cfgowner) || ' map=' || coalesce((SELECT "
      "string_agg(m.maptokentype || ':' || m.mapseqno || ':' || m.mapdict::regdictionary::text, ',' ORDER BY "
      "m.maptokentype, m.mapseqno) FROM pg_ts_config_map m WHERE m.mapcfg = cf.oid), '') FROM pg_ts_config cf "
      "JOIN pg_namespace n ON n.oid = cf.cfgnamespace WHERE {} AND {}",
      ns_n, not_member("pg_ts_config", "cf.oid")));
  q.push_back(fmt::format(
      "SELECT 'text search dictionary ' || d.oid::regdictionary::text, 'template=' || (SELECT "
      "quote_ident(tn.nspname) || '.' || quote_ident(tm.tmplname) FROM pg_ts_template tm JOIN pg_namespace tn ON "
      "tn.oid = tm.tmplnamespace WHERE tm.oid = d.dicttemplate) || ' options=' || coalesce(d.dictinitoption, '') || "
      "' owner=' || pg_get_userbyid(d.dictowner) FROM pg_ts_dict d JOIN pg_namespace n ON n.oid = d.dictnamespace "
      "WHERE {} AND {}",
      ns_n, not_member("pg_ts_dict", "d.oid")));
  q.push_back(fmt::format(
      "SELECT 'text search parser ' || quote_ident(n.nspname) || '.' || quote_ident(pr.prsname), 'start=' || "
      "pr.prsstart::text || ' token=' || pr.prstoken::text || ' end=' || pr.prsend::text || ' headline=' || "
      "pr.prsheadline::text || ' lextype=' || pr.prslextype::text FROM pg_ts_parser pr JOIN pg_namespace n ON "
      "n.oid = pr.prsnamespace WHERE {} AND {} UNION ALL "
      "SELECT 'text search template ' || quote_ident(n.nspname) || '.' || quote_ident(tm.tmplname), 'init=' || "
      "tm.tmplinit::text || ' lexize=' || tm.tmpllexize::text FROM pg_ts_template tm JOIN pg_namespace n ON n.oid = "
      "tm.tmplnamespace WHERE {} AND {}",
      ns_n, not_member("pg_ts_parser", "pr.oid"), ns_n, not_member("pg_ts_template", "tm.oid")));

  // extended statistics, row level security policies
  q.push_back(fmt::format(
      "SELECT 'statistics ' || quote_ident(n.nspname) || '.' || quote_ident(x.stxname), "
      "pg_get_statisticsobjdef(x.oid) || ' target=' || coalesce(x.stxstattarget::int, -1) || ' owner=' || "
      "pg_get_userbyid(x.stxowner) FROM pg_statistic_ext x JOIN pg_namespace n ON n.oid = x.stxnamespace "
      "WHERE {} AND {}",
      ns_n, not_member("pg_statistic_ext", "x.oid")));
  q.push_back(fmt::format(
      "SELECT 'policy ' || po.polrelid::regclass::text || ' ' || quote_ident(po.polname), 'command=' || "
      "po.polcmd::text || ' permissive=' || po.polpermissive || ' roles=' || (SELECT string_agg(CASE WHEN r = 0 "
      "THEN 'public' ELSE quote_ident(pg_get_userbyid(r)) END, ',' ORDER BY 1) FROM unnest(po.polroles) r) || "
      "' using=' || coalesce(pg_get_expr(po.polqual, po.polrelid), '') || ' check=' || "
      "coalesce(pg_get_expr(po.polwithcheck, po.polrelid), '') FROM pg_policy po JOIN pg_class c ON c.oid = "
      "po.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE {} AND {}",
      ns_n, not_member("pg_class", "c.oid")));

  // event triggers, publications (and what they publish), foreign data wrappers, servers,
  // user mappings, foreign tables
  q.push_back(fmt::format(
      "SELECT 'event trigger ' || quote_ident(et.evtname), 'event=' || et.evtevent || ' function=' || "
      "et.evtfoid::regproc::text || ' enabled=' || et.evtenabled::text || ' tags=' || coalesce(et.evttags::text, '') "
      "|| ' owner=' || pg_get_userbyid(et.evtowner) FROM pg_event_trigger et WHERE {}",
      not_member("pg_event_trigger", "et.oid")));
  q.push_back(
      "SELECT 'publication ' || quote_ident(pb.pubname), 'owner=' || pg_get_userbyid(pb.pubowner) || ' ' || "
      "(to_jsonb(pb) - 'oid' - 'pubowner')::text FROM pg_publication pb UNION ALL "
      "SELECT 'publication member ' || pg_describe_object('pg_publication_rel'::regclass, pr.oid, 0), '' FROM "
      "pg_publication_rel pr");
  if (version >= 150000)
    q.push_back(
        "SELECT 'publication member ' || pg_describe_object('pg_publication_namespace'::regclass, pn.oid, 0), '' "
        "FROM pg_publication_namespace pn");
  q.push_back(fmt::format(
      "SELECT 'foreign data wrapper ' || quote_ident(w.fdwname), 'handler=' || w.fdwhandler::regproc::text || "
      "' validator=' || w.fdwvalidator::regproc::text || ' options=' || {} || ' owner=' || "
      "pg_get_userbyid(w.fdwowner) || ' acl=' || {} FROM pg_foreign_data_wrapper w WHERE {}",
      options("w.fdwoptions"), acl("w.fdwacl", 'F', "w.fdwowner"), not_member("pg_foreign_data_wrapper", "w.oid")));
  q.push_back(fmt::format(
      "SELECT 'server ' || quote_ident(sv.srvname), 'wrapper=' || quote_ident(w.fdwname) || ' type=' || "
      "coalesce(sv.srvtype, '') || ' version=' || coalesce(sv.srvversion, '') || ' options=' || {} || ' owner=' || "
      "pg_get_userbyid(sv.srvowner) || ' acl=' || {} FROM pg_foreign_server sv JOIN pg_foreign_data_wrapper w ON "
      "w.oid = sv.srvfdw WHERE {}",
      options("sv.srvoptions"), acl("sv.srvacl", 'S', "sv.srvowner"), not_member("pg_foreign_server", "sv.oid")));
  q.push_back(fmt::format(
      "SELECT 'user mapping ' || quote_ident(um.usename) || ' server ' || quote_ident(um.srvname), 'options=' || {} "
      "FROM pg_user_mappings um",
      options("um.umoptions")));
  q.push_back(fmt::format(
      "SELECT 'foreign table ' || ft.ftrelid::regclass::text, 'server=' || quote_ident(sv.srvname) || ' options=' || "
      "{} FROM pg_foreign_table ft JOIN pg_foreign_server sv ON sv.oid = ft.ftserver",
      options("ft.ftoptions")));

  // default privileges, large objects, procedural languages, transforms, access methods
  q.push_back(
      "SELECT 'default privileges for ' || quote_ident(pg_get_userbyid(da.defaclrole)) || ' in ' || "
      "coalesce(quote_ident(n.nspname), '-') || ' on ' || da.defaclobjtype::text, (SELECT coalesce(string_agg("
      "a::text, ',' ORDER BY a::text), '') FROM unnest(da.defaclacl) a) FROM pg_default_acl da LEFT JOIN "
      "pg_namespace n ON n.oid = da.defaclnamespace");
  q.push_back(fmt::format(
      "SELECT 'large object ' || lo.oid, 'owner=' || pg_get_userbyid(lo.lomowner) || ' acl=' || {} "
      "FROM pg_largeobject_metadata lo",
      acl("lo.lomacl", 'L', "lo.lomowner")));
  q.push_back(fmt::format(
      "SELECT 'language ' || quote_ident(l.lanname), 'pl=' || l.lanispl || ' trusted=' || l.lanpltrusted || "
      "' handler=' || l.lanplcallfoid::regproc::text || ' inline=' || l.laninline::regproc::text || ' validator=' || "
      "l.lanvalidator::regproc::text || ' owner=' || pg_get_userbyid(l.lanowner) || ' acl=' || {} "
      "FROM pg_language l WHERE l.oid >= 16384 AND {}",
      acl("l.lanacl", 'l', "l.lanowner"), not_member("pg_language", "l.oid")));
  q.push_back(fmt::format(
      "SELECT 'transform ' || pg_describe_object('pg_transform'::regclass, tr.oid, 0), 'from=' || "
      "tr.trffromsql::regproc::text || ' to=' || tr.trftosql::regproc::text FROM pg_transform tr WHERE {}",
      not_member("pg_transform", "tr.oid")));
  q.push_back(fmt::format(
      "SELECT 'access method ' || quote_ident(am.amname), 'type=' || am.amtype::text || ' handler=' || "
      "am.amhandler::regproc::text FROM pg_am am WHERE am.oid >= 16384 AND {}",
      not_member("pg_am", "am.oid")));

  // comments and security labels on anything not the server's own or an extension's (and the
  // public schema's, which pg_dump also compares)
  for (const char* cat : {"pg_description", "pg_seclabel"}) {
    bool comment = std::string(cat) == "pg_description";
    q.push_back(fmt::format(
        "SELECT '{} ' || pg_describe_object(d.classoid, d.objoid, d.objsubid){}, {} FROM {} d "
        "WHERE (d.objoid >= 16384 OR (d.classoid = 'pg_namespace'::regclass AND d.objoid = 2200)) AND NOT EXISTS "
        "(SELECT 1 FROM pg_depend e WHERE e.classid = d.classoid AND e.objid = d.objoid AND e.deptype = 'e')",
        comment ? "comment on" : "security label on", comment ? "" : " || ' provider ' || d.provider",
        comment ? "d.description" : "d.label", cat));
  }

  // privileges changed on an extension's objects after CREATE EXTENSION (pg_dump keeps them):
  // the ACL now against the one the extension script left (pg_init_privs; none: the default)
  struct member_acl {
    const char* catalog;
    const char* acl;
    const char* owner;
    char objtype;
  };
  for (const member_acl& m : {member_acl{"pg_class", "relacl", "relowner", 'r'},
                              member_acl{"pg_proc", "proacl", "proowner", 'f'},
                              member_acl{"pg_type", "typacl", "typowner", 'T'},
                              member_acl{"pg_namespace", "nspacl", "nspowner", 'n'},
                              member_acl{"pg_foreign_data_wrapper", "fdwacl", "fdwowner", 'F'},
                              member_acl{"pg_foreign_server", "srvacl", "srvowner", 'S'},
                              member_acl{"pg_language", "lanacl", "lanowner", 'l'}}) {
    // sequences have their own default ACL
    std::string objtype = std::string(m.catalog) == "pg_class"
                              ? "CASE WHEN x.relkind = 'S' THEN 's' ELSE 'r' END"
                              : fmt::format("'{}'", m.objtype);
    std::string now = fmt::format(
        "(SELECT coalesce(string_agg(a::text, ',' ORDER BY a::text), '') FROM unnest(coalesce(x.{}, "
        "acldefault(({})::\"char\", x.{}))) a)",
        m.acl, objtype, m.owner);
    std::string initial = fmt::format(
        "(SELECT coalesce(string_agg(a::text, ',' ORDER BY a::text), '') FROM unnest(coalesce(ip.initprivs, "
        "acldefault(({})::\"char\", x.{}))) a)",
        objtype, m.owner);
    q.push_back(fmt::format(
        "SELECT 'extension member privileges ' || pg_describe_object(e.classid, e.objid, 0), 'initial=' || {} || "
        "' now=' || {} FROM pg_depend e JOIN {} x ON x.oid = e.objid LEFT JOIN pg_init_privs ip ON ip.classoid = "
        "e.classid AND ip.objoid = e.objid AND ip.objsubid = 0 WHERE e.classid = '{}'::regclass AND e.deptype = 'e' "
        "AND {} IS DISTINCT FROM {}",
        initial, now, m.catalog, m.catalog, initial, now));
  }

  // the database's settings (ALTER DATABASE / ALTER ROLE ... IN DATABASE ... SET) and comment
  q.push_back(
      "SELECT 'database setting for ' || coalesce(quote_ident(r.rolname), '-'), (SELECT string_agg(x, ',' ORDER BY "
      "x) FROM unnest(s.setconfig) x) FROM pg_db_role_setting s LEFT JOIN pg_roles r ON r.oid = s.setrole "
      "WHERE s.setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())");
  q.push_back(
      "SELECT 'database comment', shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = "
      "current_database() AND shobj_description(oid, 'pg_database') IS NOT NULL");
  return q;
}

std::string escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else out += c;
  }
  return out;
}

}  // namespace

std::string catalog_schema(pg::connection& c) {
  // Deparsed text depends on these: fix them whatever the database, role or caller sets, for
  // these queries only (a savepoint in the caller's transaction, rolled back: SET LOCAL goes).
  const bool own = !c.in_transaction();
  if (own) c.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  c.exec("SAVEPOINT immichbak_catalog_schema");
  c.exec("SET LOCAL search_path = pg_catalog; SET LOCAL DateStyle = ISO; SET LOCAL IntervalStyle = postgres; "
         "SET LOCAL TimeZone = 'UTC'; SET LOCAL extra_float_digits = 3; SET LOCAL bytea_output = hex; "
         "SET LOCAL standard_conforming_strings = on; SET LOCAL quote_all_identifiers = off; "
         "SET LOCAL lc_messages = 'C'");
  std::vector<std::string> lines;
  for (const auto& sql : queries(c.server_version())) {
    auto r = c.exec(sql);
    for (int i = 0; i < r.rows(); ++i)
      lines.push_back(escape(r.get(i, 0)) + ": " + (r.is_null(i, 1) ? std::string("NULL") : escape(r.get(i, 1))));
  }
  c.exec("ROLLBACK TO SAVEPOINT immichbak_catalog_schema; RELEASE SAVEPOINT immichbak_catalog_schema");
  if (own) c.exec("COMMIT");
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (const auto& l : lines) out += l + '\n';
  return out;
}

std::string catalog_schema_dsn(const std::string& conninfo) {
  pg::connection c(conninfo);
  return catalog_schema(c);
}

std::string catalog_schema(const std::string& db) { return catalog_schema_dsn(dsn(db)); }

}  // namespace immichbak::test
