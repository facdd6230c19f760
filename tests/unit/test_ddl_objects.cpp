// DDL of single objects from hand-built catalog values, against golden files. Names are
// chosen to break naive quoting: mixed case, embedded double quotes, reserved words,
// unicode, spaces and dots.
// Regenerate goldens: IMMICHBAK_UPDATE_GOLDEN=1 ./unit_tests "[ddl]" (see test_ddl_golden.hpp).
#include "test_ddl_golden.hpp"

#include "schema/ddl.hpp"

using namespace immichbak;
using namespace immichbak::schema;

namespace {

relation_info awkward_table() {
  relation_info t;
  t.key = {catalog_oid::pg_class, 20001};
  t.schema = "Mixed Case";
  t.name = "we\"ird.ta ble";
  t.owner = "Owner Role";
  t.comment = "it's a table";
  t.reloptions = {"fillfactor=70", "toast.autovacuum_enabled=false"};
  column_info id;
  id.name = "Id";
  id.type = "bigint";
  id.not_null = true;
  id.identity = 'a';
  id.identity_sequence_schema = "Mixed Case";
  id.identity_sequence_name = "we\"ird.ta ble_Id_seq";
  id.identity_options = {"bigint", 10, 5, 1, 9223372036854775807, 1, false};
  column_info sel;
  sel.name = "select";
  sel.type = "text";
  sel.collation = "pg_catalog.\"C\"";
  sel.default_expr = "'x'::text";
  sel.default_oid = 30001;
  sel.storage = "EXTERNAL";
  sel.compression = "pglz";
  sel.stattarget = 500;
  sel.comment = "reserved word";
  column_info uni;
  uni.name = "fötö größe";
  uni.type = "integer";
  uni.generated = 's';
  uni.default_expr = "(\"Id\" * 2)";
  uni.options = {"n_distinct=100"};
  column_info dotted;
  dotted.name = "a.b";
  dotted.type = "\"Mixed Case\".\"Email\"";
  dotted.default_expr = "app.next_code()";
  dotted.default_oid = 30002;
  t.columns = {id, sel, uni, dotted};
  check_constraint ck;
  ck.oid = 40001;
  ck.name = "Check \"me\"";
  ck.definition = "CHECK ((\"Id\" > 0))";
  ck.comment = "constraint comment";
  check_constraint nv;
  nv.oid = 40002;
  nv.name = "later";
  nv.definition = "CHECK ((\"Id\" < 100)) NOT VALID";
  nv.validated = false;
  t.checks = {ck, nv};
  t.replica_identity = 'f';
  return t;
}

}  // namespace

TEST_CASE("tables: quoting, identity, generated, storage, options, comments", "[ddl]") {
  relation_info t = awkward_table();
  sequence_info owned;
  owned.schema = "Mixed Case";
  owned.name = "serial \"seq\"";
  owned.owned_by_column = "a.b";
  std::string out = relation_ddl(t, {owned});
  out += "-- with the default of \"a.b\" split out to break a cycle:\n";
  out += relation_ddl(t, {}, {30002}) + split_part_ddl(t, 30002) + split_part_ddl(t, 40001);
  test_ddl::check_golden("table_awkward", out);
}

TEST_CASE("partitions print every column and attach and inherited columns are left to INHERITS", "[ddl]") {
  relation_info parent;
  parent.schema = "app";
  parent.name = "events";
  parent.kind = relation_kind::partitioned_table;
  parent.partition_key = "RANGE (happened)";
  column_info id;
  id.name = "id";
  id.type = "bigint";
  id.not_null = true;
  column_info happened;
  happened.name = "happened";
  happened.type = "date";
  happened.not_null = true;
  parent.columns = {id, happened};
  parent.checks = {{1, "events_check", "CHECK ((id > 0))", true, true, 0, std::nullopt}};

  relation_info part = parent;
  part.kind = relation_kind::table;
  part.name = "events_2024";
  part.partition_key.clear();
  part.partition_parent = "\"app\".\"events\"";
  part.partition_bound = "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')";
  for (auto& c : part.columns) c.is_local = false;
  part.checks[0].is_local = false;
  part.checks[0].inh_count = 1;

  relation_info child;
  child.schema = "app";
  child.name = "child";
  child.inherits = {"\"app\".\"parent\"", "\"other\".\"Parent 2\""};
  column_info inherited;
  inherited.name = "inherited";
  inherited.type = "text";
  inherited.is_local = false;
  inherited.not_null = true;       // added on the child only
  inherited.default_expr = "'child'::text";
  column_info nodefault;
  nodefault.name = "nodefault";
  nodefault.type = "integer";
  nodefault.is_local = false;
  nodefault.parent_has_default = true;  // the child dropped the parent's default
  nodefault.parent_not_null = true;
  nodefault.not_null = true;
  column_info own;
  own.name = "own";
  own.type = "integer";
  child.columns = {inherited, nodefault, own};
  child.unlogged = true;

  std::string out = relation_ddl(parent, {}) + relation_ddl(part, {}) + relation_ddl(child, {});
  test_ddl::check_golden("table_partitions_inheritance", out);
}

TEST_CASE("PostgreSQL 18 NOT NULL constraints: names, NO INHERIT, comments, as pg_dump 18 writes them", "[ddl]") {
  relation_info t;
  t.schema = "app";
  t.name = "nn";
  column_info plain;  // the server's own name: written as plain NOT NULL
  plain.name = "a";
  plain.type = "integer";
  plain.not_null = true;
  plain.not_null_comment = "a is required";
  column_info named = plain;
  named.name = "b";
  named.not_null_name = "nn_b_named";
  named.not_null_comment.reset();
  column_info noinh = plain;
  noinh.name = "c";
  noinh.not_null_name = "Nn \"c\"";
  noinh.not_null_no_inherit = true;
  noinh.not_null_comment.reset();
  t.columns = {plain, named, noinh};

  relation_info child;  // a child's own named NOT NULL on an inherited column
  child.schema = "app";
  child.name = "nn_child";
  child.inherits = {"\"app\".\"nn\""};
  column_info inherited;
  inherited.name = "d";
  inherited.type = "text";
  inherited.is_local = false;
  inherited.not_null = true;
  inherited.not_null_name = "child_d";
  child.columns = {inherited};

  std::string out = relation_ddl(t, {}) + relation_ddl(child, {});
  CHECK_THAT(out, Catch::Contains("\"a\" integer NOT NULL,") &&
                      Catch::Contains("\"b\" integer CONSTRAINT \"nn_b_named\" NOT NULL,") &&
                      Catch::Contains("\"c\" integer CONSTRAINT \"Nn \"\"c\"\"\" NOT NULL NO INHERIT\n") &&
                      Catch::Contains("COMMENT ON CONSTRAINT \"nn_a_not_null\" ON \"app\".\"nn\" IS 'a is required';") &&
                      Catch::Contains("ALTER TABLE ONLY \"app\".\"nn_child\" ADD CONSTRAINT \"child_d\" NOT NULL \"d\";"));
  CHECK_THAT(out, !Catch::Contains("SET NOT NULL"));
}

TEST_CASE("types: enum, domain, composite, range", "[ddl]") {
  type_info e;
  e.kind = type_kind::enum_type;
  e.schema = "select";
  e.name = "Mood \"x\"";
  e.enum_labels = {"sad", "it's", "\"quoted\"", "ünïcödé"};
  e.comment = "enum";
  type_info d;
  d.kind = type_kind::domain;
  d.schema = "app";
  d.name = "positive int";
  d.base_type = "integer";
  d.default_expr = "1";
  d.not_null = true;
  d.collation = "";
  d.constraints = {{"positive", "CHECK ((VALUE > 0))", true, "domain constraint"},
                   {"later", "CHECK ((VALUE < 10)) NOT VALID", false, std::nullopt}};
  type_info c;
  c.kind = type_kind::composite;
  c.schema = "app";
  c.name = "point3";
  c.attributes = {{"x", "double precision", "", "attr comment"}, {"Z label", "text", "pg_catalog.\"C\"", std::nullopt}};
  type_info r;
  r.kind = type_kind::range;
  r.schema = "app";
  r.name = "floatrange";
  r.subtype = "double precision";
  r.subtype_diff = "\"pg_catalog\".\"float8mi\"";
  r.multirange_name = "\"app\".\"floatmultirange\"";
  test_ddl::check_golden("types", type_ddl(e) + type_ddl(d) + type_ddl(c) + type_ddl(r));
}

TEST_CASE("routines: functions keep the server definition and aggregates are written out", "[ddl]") {
  routine_info f;
  f.schema = "app";
  f.name = "Fn";
  f.identity_args = "a integer, VARIADIC rest integer[]";
  f.definition = "CREATE OR REPLACE FUNCTION app.\"Fn\"(a integer, VARIADIC rest integer[])\n RETURNS integer\n "
                 "LANGUAGE sql\n SET search_path TO 'pg_catalog', 'pg_temp'\nAS $function$ SELECT a $function$\n";
  f.comment = "function";
  routine_info p = f;
  p.kind = routine_kind::procedure;
  p.name = "proc";
  p.identity_args = "INOUT x integer";
  p.definition = "CREATE OR REPLACE PROCEDURE app.proc(INOUT x integer)\n LANGUAGE plpgsql\nAS $procedure$ BEGIN END $procedure$\n";
  routine_info a;
  a.kind = routine_kind::aggregate;
  a.schema = "Mixed Case";
  a.name = "Sum It";
  a.identity_args = "integer";
  a.aggregate.sfunc = "app.sfunc";
  a.aggregate.stype = "bigint";
  a.aggregate.finalfunc = "app.final";
  a.aggregate.initcond = "0";
  a.aggregate.sortop = "OPERATOR(\"pg_catalog\".>)";
  a.aggregate.parallel = 's';
  a.comment = "aggregate";
  routine_info star;
  star.kind = routine_kind::aggregate;
  star.schema = "app";
  star.name = "count_all";
  star.aggregate.sfunc = "int8inc";
  star.aggregate.stype = "bigint";
  star.aggregate.initcond = "0";
  star.comment = "count(*)-style";
  test_ddl::check_golden("routines", routine_ddl(f) + routine_ddl(p) + routine_ddl(a) + routine_ddl(star));
}

TEST_CASE("extensions, schemas, sequences, views and materialized views", "[ddl]") {
  extension_info e;
  e.name = "uuid-ossp";
  e.schema = "ext schema";
  e.comment = "uuids";
  schema_info s;
  s.name = "fotos_ü \"x\"";
  s.comment = "schema";
  schema_info pub_std;
  pub_std.name = "public";
  pub_std.is_public = true;
  pub_std.comment = "standard public schema";
  schema_info pub_changed = pub_std;
  pub_changed.comment = "changed";
  schema_info pub_none = pub_std;
  pub_none.comment.reset();
  sequence_info q;
  q.schema = "app";
  q.name = "free seq";
  q.options = {"integer", 100, -3, -1000, 1000, 5, true};
  q.unlogged = true;
  q.comment = "sequence";
  relation_info v;
  v.kind = relation_kind::view;
  v.schema = "app";
  v.name = "View";
  v.reloptions = {"security_barrier=true", "check_option=local"};
  v.view_definition = " SELECT t.id,\n    t.code\n   FROM app.t";
  column_info vc;
  vc.name = "code";
  vc.type = "text";
  vc.default_expr = "'x'::text";
  vc.comment = "view column";
  column_info vid;
  vid.name = "id";
  vid.type = "integer";
  v.columns = {vid, vc};
  v.comment = "view";
  relation_info m = v;
  m.kind = relation_kind::matview;
  m.name = "MatView";
  m.reloptions.clear();
  m.columns[1].default_expr.reset();
  m.columns[1].stattarget = 50;
  m.comment = "matview";
  std::string out = extension_ddl(e) + schema_ddl(s) + schema_ddl(pub_std) + schema_ddl(pub_changed) + schema_ddl(pub_none) +
                    sequence_ddl(q) + relation_ddl(v, {}) + relation_ddl(m, {}) + view_shell_ddl(v) + view_body_ddl(v);
  test_ddl::check_golden("misc_objects", out);
}
