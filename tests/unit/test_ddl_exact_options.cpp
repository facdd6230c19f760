// What schema capture copies from the catalogs, decided per option name
// (schema/catalog/options.hpp), and the DDL pg_dump writes for the same catalog rows:
// PRIMARY KEY / UNIQUE with their index's storage parameters, identity columns whose
// sequence type differs from the column.
#include <catch2/catch.hpp>

#include "schema/catalog/options.hpp"
#include "schema/ddl.hpp"

using namespace immichbak::schema;
using detail::classify_option;
using detail::option_target;

TEST_CASE("options: user-settable kept, server-managed dropped, unknown reported", "[ddl][options]") {
  // 15.20 writes pg_attver into every column's attoptions, views included.
  CHECK(classify_option(option_target::column, "pg_attver") == "drop");
  CHECK(classify_option(option_target::column, "n_distinct") == "keep");
  CHECK(classify_option(option_target::column, "n_distinct_inherited") == "keep");
  CHECK(classify_option(option_target::column, "fillfactor") == "unknown");
  CHECK(classify_option(option_target::table, "pg_attver") == "drop");
  for (auto name : {"fillfactor", "autovacuum_enabled", "toast_tuple_target", "parallel_workers", "vacuum_truncate",
                    "vacuum_index_cleanup", "autovacuum_vacuum_insert_threshold", "autovacuum_vacuum_max_threshold",
                    "vacuum_max_eager_freeze_failure_rate", "user_catalog_table", "log_autovacuum_min_duration"})
    CHECK(classify_option(option_target::table, name) == "keep");
  CHECK(classify_option(option_target::table, "security_barrier") == "unknown");
  CHECK(classify_option(option_target::table, "future_knob") == "unknown");
  CHECK(classify_option(option_target::toast, "autovacuum_enabled") == "keep");
  CHECK(classify_option(option_target::toast, "fillfactor") == "unknown");
  CHECK(classify_option(option_target::toast, "autovacuum_analyze_threshold") == "unknown");
  for (auto name : {"check_option", "security_barrier", "security_invoker"})
    CHECK(classify_option(option_target::view, name) == "keep");
  CHECK(classify_option(option_target::view, "fillfactor") == "unknown");
  CHECK(classify_option(option_target::index, "deduplicate_items", "btree") == "keep");
  CHECK(classify_option(option_target::index, "buffering", "gist") == "keep");
  CHECK(classify_option(option_target::index, "fastupdate", "gin") == "keep");
  CHECK(classify_option(option_target::index, "pages_per_range", "brin") == "keep");
  CHECK(classify_option(option_target::index, "buffering", "btree") == "unknown");
  CHECK(classify_option(option_target::index, "pg_attver", "btree") == "drop");
  // Extension access methods validate their own options: copied as deparsed.
  CHECK(classify_option(option_target::index, "m", "hnsw") == "keep");
  CHECK(classify_option(option_target::index, "lists", "ivfflat") == "keep");
  CHECK(classify_option(option_target::index, "options", "vchordrq") == "keep");
  CHECK(classify_option(option_target::column, "") == "unknown");
}

TEST_CASE("PRIMARY KEY and UNIQUE are written as pg_dump writes them", "[ddl][options]") {
  table_constraint pk;
  pk.type = 'p';
  pk.name = "asset_pkey";
  pk.definition = "PRIMARY KEY (id)";
  pk.key_columns = {"id"};
  CHECK(unique_constraint_definition(pk, {"fillfactor=100"}) == "PRIMARY KEY (\"id\") WITH (fillfactor='100')");
  CHECK(unique_constraint_definition(pk, {}) == "PRIMARY KEY (\"id\")");

  table_constraint u;
  u.type = 'u';
  u.definition = "(not used when the parts are known)";
  u.key_columns = {"Owner Id", "we\"ird"};
  u.include_columns = {"select", "b"};
  u.nulls_not_distinct = true;
  u.deferrable = true;
  u.deferred = true;
  CHECK(unique_constraint_definition(u, {"fillfactor=90", "deduplicate_items=off"}) ==
        "UNIQUE NULLS NOT DISTINCT (\"Owner Id\", \"we\"\"ird\") INCLUDE (\"select\", \"b\") "
        "WITH (fillfactor='90', deduplicate_items='off') DEFERRABLE INITIALLY DEFERRED");
  u.deferred = false;
  u.nulls_not_distinct = false;
  u.include_columns.clear();
  CHECK(unique_constraint_definition(u, {}) == "UNIQUE (\"Owner Id\", \"we\"\"ird\") DEFERRABLE");

  table_constraint temporal;  // PostgreSQL 18
  temporal.type = 'p';
  temporal.key_columns = {"id", "valid_at"};
  temporal.without_overlaps = true;
  CHECK(unique_constraint_definition(temporal, {}) == "PRIMARY KEY (\"id\", \"valid_at\" WITHOUT OVERLAPS)");

  // Hand-built values without parts, and other kinds, keep the server's text.
  table_constraint ex;
  ex.type = 'x';
  ex.definition = "EXCLUDE USING gist (c WITH &&) WITH (fillfactor='70')";
  CHECK(unique_constraint_definition(ex, {"fillfactor=70"}) == ex.definition);
  table_constraint legacy;
  legacy.type = 'u';
  legacy.definition = "UNIQUE (a)";
  CHECK(unique_constraint_definition(legacy, {}) == "UNIQUE (a)");
}

TEST_CASE("an identity column whose sequence has another type gets ALTER SEQUENCE ... AS", "[ddl][options]") {
  relation_info t;
  t.key = {catalog_oid::pg_class, 20001};
  t.schema = "public";
  t.name = "asset_audit";
  column_info id;
  id.name = "id";
  id.type = "integer";
  id.not_null = true;
  id.identity = 'a';
  id.identity_sequence_schema = "public";
  id.identity_sequence_name = "asset_audit_id_seq";
  id.identity_options = {"bigint", 1, 1, 1, 2147483647, 1, false};
  t.columns = {id};
  std::string ddl = relation_ddl(t, {});
  CHECK(ddl ==
        "CREATE TABLE \"public\".\"asset_audit\" (\n"
        "    \"id\" integer NOT NULL GENERATED ALWAYS AS IDENTITY (\n"
        "        SEQUENCE NAME \"public\".\"asset_audit_id_seq\"\n"
        "    )\n"
        ");\n"
        "ALTER SEQUENCE \"public\".\"asset_audit_id_seq\"\n"
        "    AS bigint\n"
        "    START WITH 1\n"
        "    INCREMENT BY 1\n"
        "    MINVALUE 1\n"
        "    MAXVALUE 2147483647\n"
        "    CACHE 1;\n");
  // Same type: the options stay in the identity clause, no ALTER SEQUENCE.
  t.columns[0].identity_options.data_type = "integer";
  std::string same = relation_ddl(t, {});
  CHECK(same.find("ALTER SEQUENCE") == std::string::npos);
  CHECK(same.find("        MAXVALUE 2147483647\n        CACHE 1\n    )") != std::string::npos);
}
