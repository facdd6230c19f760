// --in-place (roles without CREATEDB) and --table (selective restore): one transaction on
// the existing target, all or nothing.
#include "test_restore_support.hpp"

#include <immichbak/error.hpp>
#include <immichbak/restore.hpp>

using namespace immichbak;

namespace {

// A login role without CREATEDB, and an empty database it owns.
struct restricted_target {
  std::string role = "immichbak_t_restricted";
  test::scratch_database db{"restricted"};
  restricted_target() {
    pg::connection c(test::dsn("postgres"));
    c.exec("DO $$BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'immichbak_t_restricted') THEN "
           "CREATE ROLE immichbak_t_restricted LOGIN NOCREATEDB; END IF; END$$");
    c.exec("ALTER DATABASE " + util::sql::ident(db.name()) + " OWNER TO immichbak_t_restricted");
    db.psql("ALTER SCHEMA public OWNER TO immichbak_t_restricted");
  }
  std::string dsn() const { return db.dsn() + " user=" + role; }
};

}  // namespace

TEST_CASE("restore --in-place with a role that may not create databases", "[restore][inplace]") {
  test::scratch_database src("ip_src");
  auto spec = test::sample_backup(src, 150);
  test::temp_dir dir("ip");
  auto file = test::write_handmade(dir.path(), "b.sql.zst", spec);
  restricted_target target;
  restore_options o;
  o.file = file;
  o.dsn = target.dsn();
  o.no_owner = true;  // the restricted role cannot give tables to other roles

  SECTION("without --in-place: refused with the hint") {
    auto e = test::restore_error(o);
    CHECK(e.code() == errc::permission_denied);
    CHECK(std::string(e.what()).find("--in-place") != std::string::npos);
    CHECK(test::query_one(target.db.name(), "SELECT count(*) FROM pg_class WHERE relname = 'person'") == "0");
  }
  SECTION("with --in-place: restored, equal to the source") {
    o.mode = restore_mode::in_place;
    o.jobs = 4;  // ignored: one transaction
    auto r = restore(o);
    CHECK(r.rows == 150 + 300);
    CHECK_FALSE(r.kept_old_database);
    CHECK(test::data_dump(target.db.name()) == test::data_dump(src.name()));
    CHECK(test::query_one(target.db.name(), "SELECT tableowner FROM pg_tables WHERE tablename = 'pet'") ==
          target.role);
    // grants of the restricted role's own tables still work
    CHECK(test::query_one(target.db.name(),
                          "SELECT has_table_privilege('immichbak_t_reader', 'app.person', 'SELECT')") == "t");
  }
  SECTION("--in-place into a non-empty database is refused") {
    target.db.psql("CREATE TABLE public.other (x int)");
    o.mode = restore_mode::in_place;
    auto e = test::restore_error(o);
    CHECK(e.code() == errc::target_not_empty);
    CHECK(std::string(e.what()).find("table public.other") != std::string::npos);
  }
}

TEST_CASE("restore --in-place rolls everything back on failure", "[restore][inplace]") {
  test::scratch_database src("iprb_src");
  auto spec = test::sample_backup(src, 80);
  spec.tamper_hash_of = "app.person";
  test::temp_dir dir("iprb");
  auto file = test::write_handmade(dir.path(), "b.sql.zst", spec);
  test::scratch_database target("iprb_tgt");
  restore_options o;
  o.file = file;
  o.dsn = target.dsn();
  o.mode = restore_mode::in_place;
  auto e = test::restore_error(o);
  CHECK(e.code() == errc::restore_check_failed);
  CHECK(std::string(e.what()).find("app.person") != std::string::npos);
  // nothing of the load survived: not the schema, not the extension's objects' use
  CHECK(test::query_one(target.name(), "SELECT count(*) FROM pg_namespace WHERE nspname = 'app'") == "0");
  CHECK(test::query_one(target.name(), "SELECT count(*) FROM pg_extension WHERE extname = 'pg_trgm'") == "0");
}

TEST_CASE("restore --table restores single tables into an existing database", "[restore][tables]") {
  test::scratch_database src("tbl_src");
  auto spec = test::sample_backup(src, 120);
  test::temp_dir dir("tbl");
  auto file = test::write_handmade(dir.path(), "b.sql.zst", spec);
  test::scratch_database target("tbl_tgt");
  {
    restore_options full;
    full.file = file;
    full.dsn = target.dsn();
    restore(full);
  }
  const std::string full_schema = test::schema_dump(src.name());
  const std::string full_data = test::data_dump(src.name());
  restore_options o;
  o.file = file;
  o.dsn = target.dsn();

  SECTION("a dropped table comes back with its indexes, FK, owner and data") {
    target.psql("DROP TABLE app.pet");
    o.tables = {"pet"};
    auto r = restore(o);
    CHECK(r.tables == 1);
    CHECK(r.rows == 240);
    CHECK(test::schema_dump(target.name()) == full_schema);
    CHECK(test::data_dump(target.name()) == full_data);
  }
  SECTION("an existing table needs --replace") {
    target.psql("DELETE FROM app.person WHERE id > 100");
    o.tables = {"app.person"};
    auto e = test::restore_error(o);
    CHECK(e.code() == errc::target_not_empty);
    CHECK(std::string(e.what()).find("\"app.person\"") != std::string::npos);
    CHECK(std::string(e.what()).find("--replace") != std::string::npos);
    CHECK(test::query_one(target.name(), "SELECT count(*) FROM app.person") == "100");
  }
  SECTION("--replace swaps a referenced table, keeping the foreign keys that point at it") {
    target.psql("DELETE FROM app.pet WHERE owner_id > 100; DELETE FROM app.person WHERE id > 100; "
                "UPDATE app.person SET name = 'changed'");
    o.tables = {"app.person"};
    o.mode = restore_mode::replace;
    restore(o);
    CHECK(test::query_one(target.name(), "SELECT count(*) FROM app.person") == "120");
    CHECK(test::query_one(target.name(), "SELECT count(*) FROM app.person WHERE name = 'changed'") == "0");
    CHECK(test::schema_dump(target.name()) == full_schema);
  }
  SECTION("--replace rolls back when other tables' rows no longer match") {
    // pets of person 500 exist only in the target
    target.psql("INSERT INTO app.person (id, name) VALUES (500, 'extra'); "
                "INSERT INTO app.pet (id, owner_id, name) VALUES (9999, 500, 'orphan-to-be')");
    o.tables = {"person"};
    o.mode = restore_mode::replace;
    auto e = test::restore_error(o);
    CHECK(e.code() == errc::query_failed);
    CHECK(std::string(e.what()).find("pet_owner_fkey") != std::string::npos);
    CHECK(std::string(e.what()).find("was not changed") != std::string::npos);
    CHECK(test::query_one(target.name(), "SELECT name FROM app.person WHERE id = 500") == "extra");
    CHECK(test::query_one(target.name(), "SELECT count(*) FROM pg_constraint WHERE conname = 'pet_owner_fkey'") == "1");
  }
  SECTION("an unknown table is named") {
    o.tables = {"pet", "no_such_table"};
    auto e = test::restore_error(o);
    CHECK(e.code() == errc::invalid_argument);
    CHECK(std::string(e.what()).find("\"no_such_table\"") != std::string::npos);
  }
}
