// The whole plan from a hand-built catalog: dependency order (with cycles to break), the
// search_path unit, post-data phases, owners, privileges, tables and manifest facts.
// Regenerate goldens: IMMICHBAK_UPDATE_GOLDEN=1 ./unit_tests "[ddl]" (see test_ddl_golden.hpp).
#include "test_ddl_golden.hpp"

#include "schema/ddl.hpp"

#include <immichbak/error.hpp>

#include <algorithm>

using namespace immichbak;
using namespace immichbak::schema;

namespace {

constexpr auto CLS = catalog_oid::pg_class;
constexpr auto TYP = catalog_oid::pg_type;
constexpr auto PRO = catalog_oid::pg_proc;
constexpr auto NSP = catalog_oid::pg_namespace;
constexpr auto EXT = catalog_oid::pg_extension;
constexpr auto DEF = catalog_oid::pg_attrdef;
constexpr auto CON = catalog_oid::pg_constraint;
constexpr auto RW = catalog_oid::pg_rewrite;

column_info col(std::string name, std::string type) {
  column_info c;
  c.name = std::move(name);
  c.type = std::move(type);
  return c;
}

relation_info rel(std::uint32_t oid, relation_kind kind, std::string schema, std::string name) {
  relation_info r;
  r.key = {CLS, oid};
  r.kind = kind;
  r.schema = std::move(schema);
  r.name = std::move(name);
  r.owner = "app owner";
  return r;
}

routine_info fn(std::uint32_t oid, std::string name, std::string def) {
  routine_info f;
  f.key = {PRO, oid};
  f.schema = "app";
  f.name = std::move(name);
  f.owner = "app owner";
  f.definition = std::move(def);
  return f;
}

catalog sample_catalog() {
  catalog c;
  c.server_version_num = 150000;
  c.database = "immich";
  c.encoding = "UTF8";

  schema_info pub;
  pub.key = {NSP, 2200};
  pub.name = "public";
  pub.is_public = true;
  pub.owner = "pg_database_owner";
  pub.comment = "standard public schema";
  pub.acl.is_null = false;
  pub.acl.items = {{"pg_database_owner", "pg_database_owner", {"USAGE", "CREATE"}, {}}, {"", "pg_database_owner", {"USAGE"}, {}}};
  pub.acl.base = pub.acl.items;
  schema_info app;
  app.key = {NSP, 2};
  app.name = "app";
  app.owner = "app owner";
  app.acl.is_null = false;
  app.acl.base = {{"app owner", "app owner", {"USAGE", "CREATE"}, {}}};
  app.acl.items = {{"app owner", "app owner", {"USAGE", "CREATE"}, {}}, {"reader", "app owner", {"USAGE"}, {}}};
  c.schemas = {app, pub};

  extension_info earth;
  earth.key = {EXT, 11};
  earth.name = "earthdistance";
  earth.schema = "public";
  earth.version = "1.1";
  extension_info cube;
  cube.key = {EXT, 10};
  cube.name = "cube";
  cube.schema = "public";
  cube.version = "1.5";
  extension_info vchord;
  vchord.key = {EXT, 12};
  vchord.name = "vchord";
  vchord.schema = "public";
  vchord.version = "0.4.3";
  vchord.needs_preload = true;
  // Listed in name order, as the reader does; the dependency puts cube first.
  c.extensions = {cube, earth, vchord};
  std::swap(c.extensions[0], c.extensions[1]);

  type_info mood;
  mood.key = {TYP, 400};
  mood.schema = "app";
  mood.name = "mood";
  mood.owner = "app owner";
  mood.enum_labels = {"sad", "happy"};
  c.types = {mood};

  c.routines = {
      fn(300, "top", "CREATE OR REPLACE FUNCTION app.top()\n RETURNS SETOF app.t\n LANGUAGE sql\nAS $f$ SELECT * FROM app.t $f$\n"),
      fn(301, "cf", "CREATE OR REPLACE FUNCTION app.cf()\n RETURNS SETOF app.cv\n LANGUAGE sql\nBEGIN ATOMIC\n SELECT 1;\nEND\n"),
      fn(302, "is_ok", "CREATE OR REPLACE FUNCTION app.is_ok(integer)\n RETURNS boolean\n LANGUAGE sql\nAS $f$ SELECT true $f$\n"),
  };
  c.routines[2].identity_args = "integer";
  c.routines[2].acl.is_null = false;
  c.routines[2].acl.base = {{"", "app owner", {"EXECUTE"}, {}}, {"app owner", "app owner", {"EXECUTE"}, {}}};
  c.routines[2].acl.items = {{"app owner", "app owner", {"EXECUTE"}, {}}};

  sequence_info seq;
  seq.key = {CLS, 150};
  seq.schema = "app";
  seq.name = "t_id_seq";
  seq.owner = "app owner";
  seq.options = {"integer", 1, 1, 1, 2147483647, 1, false};
  seq.owned_by_schema = "app";
  seq.owned_by_table = "t";
  seq.owned_by_column = "id";
  seq.last_value = 42;
  seq.is_called = true;
  sequence_info free = seq;
  free.key = {CLS, 151};
  free.name = "free";
  free.owned_by_schema = free.owned_by_table = free.owned_by_column = "";
  free.last_value = 1;
  free.is_called = false;
  c.sequences = {seq, free};

  relation_info t = rel(100, relation_kind::table, "app", "t");
  auto id = col("id", "integer");
  id.not_null = true;
  id.default_expr = "nextval('app.t_id_seq'::regclass)";
  id.default_oid = 501;
  auto score = col("score", "integer");
  score.default_expr = "( SELECT count(*) AS count FROM app.top() top(id, score, mood))::integer";
  score.default_oid = 500;
  t.columns = {id, score, col("mood", "app.mood")};
  t.checks = {{700, "t_score_check", "CHECK (app.is_ok(score))", true, true, 0, std::nullopt},
              {701, "t_later", "CHECK ((score < 100)) NOT VALID", false, true, 0, "added later"}};
  t.row_security = true;
  t.force_row_security = true;
  t.reltuples = 1000;
  t.relpages = 10;
  t.table_bytes = 81920;
  t.acl.is_null = false;
  t.acl.base = {{"app owner", "app owner", {"INSERT", "SELECT"}, {}}};
  t.acl.items = {{"app owner", "app owner", {"INSERT", "SELECT"}, {}}, {"reader", "app owner", {"SELECT"}, {}}};
  t.columns[1].acl.is_null = false;
  t.columns[1].acl.items = {{"writer", "app owner", {"UPDATE"}, {}}};

  relation_info p = rel(110, relation_kind::partitioned_table, "app", "p");
  p.columns = {col("k", "integer")};
  p.partition_key = "LIST (k)";
  relation_info p1 = rel(111, relation_kind::table, "app", "p1");
  p1.columns = p.columns;
  p1.partition_parent = "\"app\".\"p\"";
  p1.partition_bound = "FOR VALUES IN (1)";

  relation_info v1 = rel(200, relation_kind::view, "app", "v1");
  v1.columns = {col("id", "integer")};
  v1.view_definition = " SELECT t.id\n   FROM app.t";
  relation_info v2 = rel(201, relation_kind::view, "app", "v2");
  v2.columns = {col("id", "integer")};
  v2.view_definition = " SELECT v1.id\n   FROM app.v1";
  relation_info m1 = rel(202, relation_kind::matview, "app", "m1");
  m1.columns = {col("id", "integer")};
  m1.view_definition = " SELECT v2.id\n   FROM app.v2";
  relation_info m2 = rel(203, relation_kind::matview, "app", "a_m2");  // sorts before m1 by name
  m2.columns = {col("id", "integer")};
  m2.view_definition = " SELECT m1.id\n   FROM app.m1";
  relation_info m3 = rel(205, relation_kind::matview, "app", "m3");
  m3.columns = {col("id", "integer")};
  m3.view_definition = " SELECT 1 AS id";
  m3.populated = false;
  relation_info cv = rel(204, relation_kind::view, "app", "cv");
  cv.columns = {col("id", "integer")};
  cv.view_definition = " SELECT 1 AS id\n  WHERE (NOT (EXISTS ( SELECT 1\n           FROM app.cf() cf(id))))";
  c.relations = {cv, m2, m1, m3, p, p1, t, v1, v2};

  relation_info cfg = rel(900, relation_kind::table, "public", "vchord_config");
  cfg.extension_config = true;
  cfg.config_filter = "WHERE NOT builtin";
  cfg.columns = {col("name", "text"), col("builtin", "boolean")};
  c.config_tables = {cfg};

  index_info pk;
  pk.key = {CLS, 1001};
  pk.schema = "app";
  pk.name = "t_pkey";
  pk.table_schema = "app";
  pk.table_name = "t";
  pk.table_oid = 100;
  pk.constraint_oid = 800;
  pk.definition = "CREATE UNIQUE INDEX t_pkey ON app.t USING btree (id)";
  pk.comment = "index comment";
  index_info pidx;
  pidx.key = {CLS, 1002};
  pidx.schema = "app";
  pidx.name = "p_k_idx";
  pidx.table_schema = "app";
  pidx.table_name = "p";
  pidx.table_oid = 110;
  pidx.partitioned_table = true;
  pidx.definition = "CREATE INDEX p_k_idx ON ONLY app.p USING btree (k)";
  index_info p1idx = pidx;
  p1idx.key = {CLS, 1003};
  p1idx.name = "p1_k_idx";
  p1idx.table_name = "p1";
  p1idx.table_oid = 111;
  p1idx.partitioned_table = false;
  p1idx.parent_index = 1002;
  p1idx.definition = "CREATE INDEX p1_k_idx ON app.p1 USING btree (k)";
  p1idx.clustered = true;
  index_info midx;
  midx.key = {CLS, 1004};
  midx.schema = "app";
  midx.name = "m1_id_idx";
  midx.table_schema = "app";
  midx.table_name = "m1";
  midx.table_oid = 202;
  midx.definition = "CREATE UNIQUE INDEX m1_id_idx ON app.m1 USING btree (id)";
  midx.stattargets = {{1, 200}};
  c.indexes = {pk, p1idx, pidx, midx};

  table_constraint pkc;
  pkc.key = {CON, 800};
  pkc.type = 'p';
  pkc.name = "t_pkey";
  pkc.table_schema = "app";
  pkc.table_name = "t";
  pkc.table_oid = 100;
  pkc.definition = "PRIMARY KEY (id)";
  pkc.index_oid = 1001;
  pkc.comment = "pk comment";
  table_constraint fk;
  fk.key = {CON, 801};
  fk.type = 'f';
  fk.name = "p_k_fkey";
  fk.table_schema = "app";
  fk.table_name = "p";
  fk.table_oid = 110;
  fk.on_partitioned = true;
  fk.definition = "FOREIGN KEY (k) REFERENCES app.t(id) DEFERRABLE INITIALLY DEFERRED";
  table_constraint fk_clone = fk;
  fk_clone.key = {CON, 802};
  fk_clone.table_name = "p1";
  fk_clone.parent = 801;
  c.constraints = {pkc, fk, fk_clone};

  c.triggers = {{{catalog_oid::pg_trigger, 1}, "t_touch", "app", "t", relation_kind::table,
                 "CREATE TRIGGER t_touch BEFORE UPDATE ON app.t FOR EACH ROW EXECUTE FUNCTION app.touch()", 'D',
                 "trigger comment"}};
  c.rules = {{{RW, 610}, "t_protect", "app", "t", relation_kind::table,
              "CREATE RULE t_protect AS\n    ON DELETE TO app.t DO INSTEAD NOTHING;", 'A', std::nullopt}};
  c.policies = {{{catalog_oid::pg_policy, 1}, "t_read", "app", "t", true, 'r', {"reader", "Mixed Role"}, "(score > 0)",
                 std::nullopt, std::nullopt},
                {{catalog_oid::pg_policy, 2}, "t_all", "app", "t", false, '*', {}, std::nullopt, "(score < 10)", std::nullopt}};
  statistics_info st;
  st.key = {catalog_oid::pg_statistic_ext, 1};
  st.schema = "app";
  st.name = "t_stats";
  st.owner = "app owner";
  st.table_schema = "app";
  st.table_name = "t";
  st.definition = "CREATE STATISTICS app.t_stats (ndistinct) ON id, score FROM app.t";
  st.stattarget = 100;
  c.statistics = {st};

  default_acl da;
  da.role = "app owner";
  da.schema = "app";
  da.objtype = 'r';
  da.acl.is_null = false;
  da.acl.items = {{"reader", "app owner", {"SELECT"}, {}}};
  c.default_acls = {da};
  c.settings = {{"", "search_path", "\"$user\", public, vectors"}, {"reader", "work_mem", "8MB"}};
  c.database_comment = "photos";

  auto dep = [&](obj_key from, obj_key to) { c.dependencies.push_back({from, to}); };
  for (std::uint32_t oid : {100u, 110u, 111u, 150u, 151u, 200u, 201u, 202u, 203u, 204u, 205u}) dep({CLS, oid}, {NSP, 2});
  for (std::uint32_t oid : {300u, 301u, 302u}) dep({PRO, oid}, {NSP, 2});
  dep({TYP, 400}, {NSP, 2});
  dep({EXT, 11}, {EXT, 10});                 // earthdistance requires cube
  dep({CLS, 100}, {TYP, 400});               // t.mood is app.mood
  dep({DEF, 500}, {PRO, 300});               // t.score default calls app.top()
  dep({PRO, 300}, {TYP, 101});               // app.top() returns SETOF app.t ...
  c.part_of[{TYP, 101}] = {CLS, 100};        // ... whose row type belongs to the table
  dep({DEF, 501}, {CLS, 150});               // t.id default uses the sequence
  dep({CLS, 150}, {CLS, 100});               // OWNED BY: must not order the sequence after t
  dep({CON, 700}, {PRO, 302});               // CHECK calls app.is_ok
  dep({CON, 701}, {PRO, 999});               // NOT VALID check: post-data, orders nothing
  dep({CLS, 111}, {CLS, 110});               // partition after its parent
  dep({RW, 600}, {CLS, 100});
  c.part_of[{RW, 600}] = {CLS, 200};
  dep({RW, 601}, {CLS, 200});
  c.part_of[{RW, 601}] = {CLS, 201};
  dep({RW, 602}, {CLS, 201});
  c.part_of[{RW, 602}] = {CLS, 202};
  dep({RW, 603}, {CLS, 202});
  c.part_of[{RW, 603}] = {CLS, 203};
  dep({RW, 604}, {PRO, 301});                // cv's query calls app.cf() ...
  c.part_of[{RW, 604}] = {CLS, 204};
  dep({PRO, 301}, {TYP, 105});               // ... which returns SETOF app.cv
  c.part_of[{TYP, 105}] = {CLS, 204};
  return c;
}

std::size_t position(const dump_plan& plan, const std::string& label) {
  for (std::size_t i = 0; i < plan.units.size(); ++i)
    if (plan.units[i].label == label) return i;
  FAIL("no unit labelled " << label);
  return 0;
}

}  // namespace

TEST_CASE("a whole plan: order, phases, owners, privileges", "[ddl][plan]") {
  auto plan = build_plan(sample_catalog(), {});
  test_ddl::check_golden("plan", test_ddl::render(plan));

  // Dependencies win over the name tie-break.
  CHECK(position(plan, "EXTENSION cube") < position(plan, "EXTENSION earthdistance"));
  CHECK(position(plan, "MATERIALIZED VIEW app.m1") < position(plan, "MATERIALIZED VIEW app.a_m2"));
  CHECK(position(plan, "REFRESH MATERIALIZED VIEW app.m1") < position(plan, "REFRESH MATERIALIZED VIEW app.a_m2"));
  CHECK(position(plan, "SEQUENCE app.t_id_seq") < position(plan, "TABLE app.t"));
  CHECK(position(plan, "FUNCTION app.is_ok(integer)") < position(plan, "TABLE app.t"));
  // The cycle t -> top() -> t is broken by moving the default out.
  CHECK(position(plan, "TABLE app.t") < position(plan, "FUNCTION app.top()"));
  CHECK(position(plan, "FUNCTION app.top()") < position(plan, "DEFAULT app.t.score"));
  // The cycle cv -> cf() -> cv is broken with a shell view.
  CHECK(position(plan, "VIEW app.cv (shell)") < position(plan, "FUNCTION app.cf()"));
  CHECK(position(plan, "FUNCTION app.cf()") < position(plan, "VIEW app.cv"));
  // The last pre-data unit sets the source's search_path.
  std::size_t last_pre = 0;
  for (std::size_t i = 0; i < plan.units.size(); ++i)
    if (plan.units[i].kind == frame_kind::pre_data) last_pre = i;
  CHECK(plan.units[last_pre].label == "SEARCH_PATH");
  CHECK(plan.units[last_pre].sql == "SELECT pg_catalog.set_config('search_path', '\"$user\", public, vectors', false);\n");
  CHECK(plan.restore_search_path == "\"$user\", public, vectors");
  CHECK(plan.encoding == "UTF8");
  // Unpopulated materialized views are not refreshed; cloned FKs are not emitted.
  for (const auto& u : plan.units) {
    CHECK(u.label != "REFRESH MATERIALIZED VIEW app.m3");
    CHECK(u.sql.find("\"p1\" ADD CONSTRAINT \"p_k_fkey\"") == std::string::npos);
  }
}

TEST_CASE("plan facts: tables, extensions, settings, roles", "[ddl][plan]") {
  capture_options o;
  o.exclude_table_data = {{"app.p*", "regenerable"}};
  auto plan = build_plan(sample_catalog(), o);
  std::vector<std::string> names;
  for (const auto& t : plan.tables) names.push_back(t.schema + "." + t.name);
  // Ordinary tables and leaf partitions; not partitioned parents, views or matviews.
  CHECK(names == std::vector<std::string>{"app.p1", "app.t", "public.vchord_config"});
  const auto& p1 = plan.tables[0];
  CHECK(p1.data_excluded);
  CHECK(p1.exclusion_reason == "regenerable");
  const auto& t = plan.tables[1];
  CHECK_FALSE(t.data_excluded);
  CHECK(t.copy_columns == "(\"id\", \"score\", \"mood\")");
  CHECK(t.estimated_rows == 1000);
  CHECK(t.relpages == 10);
  CHECK(t.estimated_bytes == 81920);
  const auto& cfg = plan.tables[2];
  CHECK(cfg.extension_config);
  CHECK(cfg.filter == "WHERE NOT builtin");

  REQUIRE(plan.extensions.size() == 3);
  bool vchord_preload = false;
  for (const auto& e : plan.extensions) vchord_preload = vchord_preload || (e.name == "vchord" && e.needs_preload);
  CHECK(vchord_preload);
  REQUIRE(plan.database_settings.size() == 2);
  CHECK(plan.database_settings[1].role == "reader");
  CHECK(plan.roles == std::vector<std::string>{"Mixed Role", "app owner", "pg_database_owner", "reader", "writer"});
}

TEST_CASE("a generated column is not copied", "[ddl][plan]") {
  catalog c;
  relation_info t = rel(1, relation_kind::table, "s", "t");
  auto g = col("g", "integer");
  g.generated = 's';
  g.default_expr = "(a * 2)";
  t.columns = {col("a", "integer"), g};
  c.relations = {t};
  auto plan = build_plan(c, {});
  REQUIRE(plan.tables.size() == 1);
  CHECK(plan.tables[0].copy_columns == "(\"a\")");
}

TEST_CASE("a cycle that cannot be broken is refused with its objects named", "[ddl][plan]") {
  catalog c;
  c.database = "db";
  routine_info f = fn(1, "f", "CREATE FUNCTION app.f() ...");
  routine_info g = fn(2, "g", "CREATE FUNCTION app.g() ...");
  c.routines = {f, g};
  c.dependencies = {{{PRO, 1}, {PRO, 2}}, {{PRO, 2}, {PRO, 1}}};
  try {
    build_plan(c, {});
    FAIL("expected a refusal");
  } catch (const error& e) {
    CHECK(e.code() == errc::unsupported_object);
    std::string msg = e.what();
    CHECK(msg.find("\"app\".\"f\" -> \"app\".\"g\" -> \"app\".\"f\"") != std::string::npos);
  }
}

TEST_CASE("unsupported objects are refused all at once, each named with a hint", "[ddl][plan]") {
  catalog c;
  c.database = "immich";
  check_supported(c);  // nothing to refuse
  c.unsupported = {{"publication", "pub1", "logical replication setup is not part of a backup"},
                   {"large object", "oid 4242", "export them"},
                   {"event trigger", "evt", "drop it"}};
  try {
    check_supported(c);
    FAIL("expected a refusal");
  } catch (const error& e) {
    CHECK(e.code() == errc::unsupported_object);
    std::string msg = e.what();
    CHECK(msg.find("3 objects") != std::string::npos);
    CHECK(msg.find("publication pub1") != std::string::npos);
    CHECK(msg.find("large object oid 4242") != std::string::npos);
    CHECK(msg.find("event trigger evt") != std::string::npos);
    CHECK(msg.find("hint: export them") != std::string::npos);
  }
}

TEST_CASE("a cycle through a generated column is refused, not split", "[ddl][plan]") {
  catalog c;
  c.database = "db";
  relation_info t = rel(1, relation_kind::table, "app", "t");
  auto g = col("g", "integer");
  g.generated = 's';
  g.default_expr = "app.f(a)";
  g.default_oid = 50;
  t.columns = {col("a", "integer"), g};
  c.relations = {t};
  c.routines = {fn(2, "f", "CREATE FUNCTION app.f() ...")};
  c.part_of[{DEF, 50}] = {CLS, 1};
  c.part_of[{TYP, 3}] = {CLS, 1};
  c.dependencies = {{{DEF, 50}, {PRO, 2}}, {{PRO, 2}, {TYP, 3}}};
  CHECK_THROWS_AS(build_plan(c, {}), error);
}

TEST_CASE("leaving out rows that kept rows reference is refused, naming the foreign key", "[ddl][plan]") {
  catalog c;
  c.database = "db";
  relation_info parent = rel(1, relation_kind::table, "public", "asset");
  parent.columns = {col("id", "uuid")};
  relation_info child = rel(2, relation_kind::table, "public", "asset_face");
  child.columns = {col("id", "uuid"), col("assetId", "uuid")};
  c.relations = {parent, child};
  table_constraint fk;
  fk.key = {CON, 10};
  fk.type = 'f';
  fk.name = "asset_face_assetId_fkey";
  fk.table_schema = "public";
  fk.table_name = "asset_face";
  fk.table_oid = 2;
  fk.referenced_oid = 1;
  fk.definition = "FOREIGN KEY (\"assetId\") REFERENCES public.asset(id)";
  c.constraints = {fk};

  capture_options parent_only;
  parent_only.exclude_table_data = {{"asset", "--exclude-table-data asset"}};
  try {
    build_plan(c, parent_only);
    FAIL("expected a refusal");
  } catch (const error& e) {
    CHECK(e.code() == errc::invalid_argument);
    CHECK_THAT(e.what(), Catch::Contains("asset_face_assetId_fkey") && Catch::Contains("public.asset"));
  }

  capture_options both;
  both.exclude_table_data = {{"asset*", "pattern"}};
  CHECK_NOTHROW(build_plan(c, both));
  capture_options child_only;
  child_only.exclude_table_data = {{"asset_face", "pattern"}};
  CHECK_NOTHROW(build_plan(c, child_only));
}
