// Exact schemas on every supported server: what capture copies from the catalogs is only
// what a user can set (docs/schema-capture.md, "Options"), and nothing the user set is
// lost on the way: storage parameters of constraint indexes, an identity column whose
// sequence has another type, server-managed attribute options left out (PostgreSQL 15.20
// stores `pg_attver=N` in every column's attoptions), unknown options refused by name.
// Checked through the catalogs of the restored database, so it runs on every major.
#include "test_backup_support.hpp"

#include "pg/connection.hpp"

#include <immichbak/error.hpp>
#include <immichbak/restore.hpp>

using namespace immichbak;

namespace {

std::string one(const std::string& db, const std::string& sql) {
  pg::connection c(test::dsn(db));
  auto r = c.exec(sql);
  return r.rows() ? r.str(0, 0) : std::string("<no row>");
}

int server_major(const std::string& db) {
  pg::connection c(test::dsn(db));
  return c.server_version() / 10000;
}

/// Backs `src` up and restores it into a new database `dst` (named after `src`).
std::string backup_and_restore(const test::scratch_database& src, const test::temp_dir& dir) {
  auto result = backup(test::basic_options(src.dsn(), dir.path()));
  std::string target = src.name() + "_r";
  restore_options r;
  r.file = result.file;
  r.dsn = test::dsn(target);
  restore(r);
  return target;
}

struct drop_after {
  std::string name;
  ~drop_after() {
    test::run(fmt::format("psql -X -q -d postgres -c {}", test::shell_quote("DROP DATABASE IF EXISTS \"" + name + "\"")));
  }
};

}  // namespace

TEST_CASE("constraint indexes keep their storage parameters and identity sequences their type", "[schema][matrix]") {
  test::scratch_database src("exact_src");
  src.psql(
      "CREATE TABLE public.c_opts (id integer, code text, extra text, "
      "  CONSTRAINT c_opts_pkey PRIMARY KEY (id) WITH (fillfactor = 100), "
      "  CONSTRAINT c_opts_code_key UNIQUE (code) INCLUDE (extra) WITH (fillfactor = 90, deduplicate_items = off) "
      "    DEFERRABLE INITIALLY DEFERRED);"
      "CREATE TABLE public.narrow_ident (id integer GENERATED ALWAYS AS IDENTITY (START WITH 7), v text);"
      "ALTER SEQUENCE public.narrow_ident_id_seq AS bigint MAXVALUE 2147483647;"
      "INSERT INTO public.narrow_ident (v) VALUES ('a'), ('b');"
      "INSERT INTO public.c_opts VALUES (1, 'x', 'y');");
  bool v15 = server_major(src.name()) >= 15;
  if (v15) src.psql("CREATE TABLE public.nnd (k text, CONSTRAINT nnd_k_key UNIQUE NULLS NOT DISTINCT (k));");
  test::temp_dir dir("exact");
  drop_after dst{backup_and_restore(src, dir)};

  auto reloptions = [&](const std::string& db, const std::string& rel) {
    return one(db, "SELECT coalesce(array_to_string(reloptions, ','), '') FROM pg_class WHERE oid = 'public." + rel + "'::regclass");
  };
  CHECK(reloptions(dst.name, "c_opts_pkey") == "fillfactor=100");
  CHECK(reloptions(dst.name, "c_opts_code_key") == reloptions(src.name(), "c_opts_code_key"));
  auto condef = [&](const std::string& db, const std::string& name) {
    return one(db, "SELECT pg_get_constraintdef(oid) || ' ' || condeferrable || condeferred FROM pg_constraint WHERE conname = '" +
                       name + "'");
  };
  CHECK(condef(dst.name, "c_opts_code_key") == condef(src.name(), "c_opts_code_key"));
  CHECK(condef(dst.name, "c_opts_code_key") == "UNIQUE (code) INCLUDE (extra) DEFERRABLE INITIALLY DEFERRED truetrue");
  if (v15) CHECK(condef(dst.name, "nnd_k_key") == "UNIQUE NULLS NOT DISTINCT (k) falsefalse");

  auto seq = [&](const std::string& db) {
    return one(db, "SELECT data_type || ' ' || start_value || ' ' || min_value || ' ' || max_value || ' ' || last_value "
                   "FROM pg_sequences WHERE sequencename = 'narrow_ident_id_seq'");
  };
  CHECK(seq(src.name()) == "bigint 7 1 2147483647 8");
  CHECK(seq(dst.name) == seq(src.name()));
  CHECK(one(dst.name, "SELECT attidentity FROM pg_attribute WHERE attrelid = 'public.narrow_ident'::regclass AND attname = 'id'") ==
        "a");
}

TEST_CASE("NOT NULL constraints keep their names, NO INHERIT, comments and NOT VALID (PostgreSQL 18+)",
          "[schema][matrix]") {
  test::scratch_database src("nn_src");
  if (server_major(src.name()) < 18) {
    // Before 18 a NOT NULL has no name: the flag alone round-trips.
    src.psql("CREATE TABLE public.nn (a integer NOT NULL, b integer);");
    test::temp_dir dir("nn");
    drop_after dst{backup_and_restore(src, dir)};
    CHECK(one(dst.name, "SELECT string_agg(attname || '=' || attnotnull, ',' ORDER BY attnum) FROM pg_attribute "
                        "WHERE attrelid = 'public.nn'::regclass AND attnum > 0") == "a=true,b=false");
    return;
  }
  src.psql(
      "CREATE TABLE public.nn (a integer CONSTRAINT nn_a_named NOT NULL, b integer NOT NULL, "
      "  c integer CONSTRAINT nn_c_noinh NOT NULL NO INHERIT, d integer);"
      "COMMENT ON CONSTRAINT nn_b_not_null ON public.nn IS 'b is required';"
      "INSERT INTO public.nn VALUES (1, 1, 1, NULL);"
      "ALTER TABLE public.nn ADD CONSTRAINT nn_d_later NOT NULL d NOT VALID;"
      "CREATE TABLE public.parted (id integer NOT NULL, k integer NOT NULL) PARTITION BY RANGE (k);"
      "CREATE TABLE public.parted_1 PARTITION OF public.parted FOR VALUES FROM (0) TO (10);"
      "CREATE TABLE public.parted_2 (id integer NOT NULL, k integer NOT NULL);"
      "ALTER TABLE public.parted ATTACH PARTITION public.parted_2 FOR VALUES FROM (10) TO (20);");
  test::temp_dir dir("nn");
  drop_after dst{backup_and_restore(src, dir)};
  const std::string constraints =
      "SELECT string_agg(conrelid::regclass || ':' || conname || ':' || pg_get_constraintdef(oid) || ':' || "
      "  coalesce(obj_description(oid, 'pg_constraint'), '-'), ' | ' ORDER BY conrelid::regclass::text, conname) "
      "FROM pg_constraint WHERE contype = 'n' AND conrelid::regclass::text LIKE '%nn%' OR "
      "  (contype = 'n' AND conrelid::regclass::text LIKE '%parted%')";
  CHECK(one(dst.name, constraints) == one(src.name(), constraints));
  CHECK_THAT(one(dst.name, constraints), Catch::Contains("nn_d_later:NOT NULL d NOT VALID") &&
                                             Catch::Contains("nn_c_noinh:NOT NULL c NO INHERIT") &&
                                             Catch::Contains("nn_b_not_null:NOT NULL b:b is required") &&
                                             Catch::Contains("parted_1:parted_id_not_null"));
  CHECK(one(dst.name, "SELECT count(*) FROM public.nn WHERE d IS NULL") == "1");
}

TEST_CASE("server-managed attribute options are left out and user ones kept", "[schema][matrix]") {
  // What 15.20 does to every column, done by hand so every major is tested (a superuser
  // may write the catalog directly).
  test::scratch_database src("attver_src");
  src.psql(
      "CREATE TABLE public.t (a integer, b text); CREATE VIEW public.v AS SELECT a, b FROM public.t;"
      "ALTER TABLE public.t ALTER COLUMN a SET (n_distinct = 5);"
      "UPDATE pg_catalog.pg_attribute SET attoptions = array_append(coalesce(attoptions, '{}'), 'pg_attver=22158912') "
      "WHERE attrelid IN ('public.t'::regclass, 'public.v'::regclass) AND attnum > 0;");
  test::temp_dir dir("attver");
  drop_after dst{backup_and_restore(src, dir)};
  auto opts = [&](const std::string& rel, const std::string& col) {
    return one(dst.name, "SELECT coalesce(array_to_string(attoptions, ','), '') FROM pg_attribute WHERE attrelid = 'public." + rel +
                             "'::regclass AND attname = '" + col + "'");
  };
  CHECK(opts("t", "a").find("n_distinct=5") != std::string::npos);
  CHECK(opts("t", "a").find("pg_attver=22158912") == std::string::npos);
  CHECK(opts("v", "b").find("pg_attver=22158912") == std::string::npos);
}

TEST_CASE("an option immichbak does not know stops the backup, naming it", "[schema][matrix]") {
  test::scratch_database src("unknown_opt");
  src.psql(
      "CREATE TABLE public.t (a integer) WITH (fillfactor = 70);"
      "UPDATE pg_catalog.pg_attribute SET attoptions = '{mystery_option=1}' "
      "WHERE attrelid = 'public.t'::regclass AND attname = 'a';"
      "UPDATE pg_catalog.pg_class SET reloptions = array_append(reloptions, 'future_knob=on') "
      "WHERE oid = 'public.t'::regclass;");
  test::temp_dir dir("unknown");
  try {
    backup(test::basic_options(src.dsn(), dir.path()));
    FAIL("the backup should have been refused");
  } catch (const error& e) {
    std::string msg = e.what();
    INFO(msg);
    CHECK(e.code() == errc::unsupported_object);
    CHECK(msg.find("column option mystery_option") != std::string::npos);
    CHECK(msg.find("storage parameter future_knob") != std::string::npos);
    CHECK(msg.find("\"public\".\"t\"") != std::string::npos);
  }
  test::require_no_backup_left(dir.path());
}

TEST_CASE("a function the restore would refuse to create stops the backup, naming it", "[schema][matrix]") {
  // The restore's statement check refuses functions bound to machine code (C, internal) or
  // in untrusted languages; the backup must not write a file that fails verify every night.
  test::scratch_database src("machine_code");
  src.psql("CREATE FUNCTION public.next_int(integer) RETURNS integer LANGUAGE internal IMMUTABLE STRICT AS 'int4inc';"
           "CREATE TABLE public.t (a integer);");
  test::temp_dir dir("machine_code");
  try {
    backup(test::basic_options(src.dsn(), dir.path()));
    FAIL("the backup should have been refused");
  } catch (const error& e) {
    std::string msg = e.what();
    INFO(msg);
    CHECK(e.code() == errc::unsupported_object);
    CHECK(msg.find("FUNCTION public.next_int") != std::string::npos);
    CHECK(msg.find("language internal") != std::string::npos);
  }
  test::require_no_backup_left(dir.path());
}
