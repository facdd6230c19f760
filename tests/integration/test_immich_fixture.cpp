// The Immich-shaped fixture (tests/fixtures/immich_schema.sql + generate_immich_data.py) is the
// input of most backup/restore tests. These tests pin its shape, so a change to the fixture that
// would silently weaken those tests (fewer object kinds, empty tables) fails here first.

#include <catch2/catch.hpp>

#include "pg/connection.hpp"
#include "support/test_env.hpp"

#include <cstdint>
#include <map>
#include <string>

using namespace immichbak;

namespace {

std::int64_t count(pg::connection& c, const std::string& sql) { return c.exec(sql).i64(0, 0); }

std::int64_t rows(pg::connection& c, const std::string& table) {
  return count(c, "SELECT count(*) FROM public." + table);
}

}  // namespace

TEST_CASE("the Immich fixture has the object kinds of a real Immich database", "[fixture][matrix]") {
  test::scratch_database db("fixture_objects");
  test::load_immich_fixture(db, 50);
  pg::connection c(db.dsn());

  CHECK(count(c, "SELECT count(*) FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace") == 39);
  CHECK(count(c, "SELECT count(*) FROM pg_type WHERE typtype = 'e' AND typnamespace = 'public'::regnamespace") == 5);
  // functions of our own, not the ones the extensions bring
  CHECK(count(c, "SELECT count(*) FROM pg_proc p WHERE pronamespace = 'public'::regnamespace AND NOT EXISTS ("
                 "SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid "
                 "AND d.deptype = 'e')") == 10);
  CHECK(count(c, "SELECT count(*) FROM pg_proc WHERE proname = 'album_user_after_insert' "
                 "AND proconfig = ARRAY['search_path=public']") == 1);
  CHECK(count(c, "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal") == 21);
  CHECK(count(c, "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal AND tgenabled = 'D'") == 1);
  CHECK(count(c, "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal AND tgoldtable IS NOT NULL") == 4);
  CHECK(count(c, "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND connamespace = 'public'::regnamespace") == 46);
  CHECK(count(c, "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND condeferrable AND condeferred") == 1);
  CHECK(count(c, "SELECT count(*) FROM pg_constraint WHERE contype = 'c' AND conrelid <> 0 "
                 "AND connamespace = 'public'::regnamespace") == 2);
  CHECK(count(c, "SELECT count(*) FROM pg_index i JOIN pg_class x ON x.oid = i.indexrelid "
                 "WHERE x.relnamespace = 'public'::regnamespace") == 101);
  CHECK(count(c, "SELECT count(*) FROM pg_indexes WHERE schemaname = 'public' AND indexdef LIKE '%f_unaccent%gin_trgm_ops%'") == 5);
  CHECK(count(c, "SELECT count(*) FROM pg_indexes WHERE schemaname = 'public' AND indexdef LIKE '%USING gist (ll_to_earth(%'") == 1);
  CHECK(count(c, "SELECT count(*) FROM pg_indexes WHERE schemaname = 'public' AND indexdef LIKE '% INCLUDE %'") == 1);
  // serial, integer identity (ALWAYS), bigint identity (BY DEFAULT), all advanced by the rows
  CHECK(count(c, "SELECT count(*) FROM pg_class WHERE relkind = 'S' AND relnamespace = 'public'::regnamespace") == 3);
  CHECK(count(c, "SELECT count(*) FROM pg_attribute WHERE attidentity IN ('a', 'd') AND attrelid IN "
                 "('public.move_history'::regclass, 'public.naturalearth_countries'::regclass)") == 2);
  CHECK(count(c, "SELECT last_value FROM public.move_history_seq_seq") == 1024);  // 25 rows from 1000
  CHECK(count(c, "SELECT count(*) FROM pg_class WHERE relkind = 'v' AND relnamespace = 'public'::regnamespace") == 2);
  CHECK(count(c, "SELECT count(*) FROM pg_class WHERE relkind = 'm' AND relispopulated") == 1);
  CHECK(count(c, "SELECT count(*) FROM pg_extension WHERE extname IN "
                 "('uuid-ossp', 'unaccent', 'cube', 'earthdistance', 'pg_trgm') "
                 "AND extnamespace = 'public'::regnamespace") == 5);
  CHECK(count(c, "SELECT count(*) FROM pg_description d JOIN pg_class x ON x.oid = d.objoid "
                 "WHERE d.classoid = 'pg_class'::regclass AND x.relname IN ('asset', 'album')") == 3);

  // Immich's database-level search_path, which pg_dump without --create loses
  auto setting = c.exec("SELECT array_to_string(s.setconfig, ';') FROM pg_db_role_setting s "
                        "JOIN pg_database d ON d.oid = s.setdatabase "
                        "WHERE d.datname = current_database() AND s.setrole = 0");
  REQUIRE(setting.rows() == 1);
  CHECK(setting.str(0, 0) == "search_path=\"$user\", public");

  // f_unaccent resolves unaccent through the search_path it was created with, and works
  CHECK(c.exec("SELECT public.f_unaccent('Zoë Müller')").str(0, 0) == "Zoe Muller");
}

TEST_CASE("the Immich fixture has deterministic rows in every table that matters", "[fixture][matrix]") {
  test::scratch_database db("fixture_rows");
  test::load_immich_fixture(db, 50);
  pg::connection c(db.dsn());

  const std::map<std::string, std::int64_t> expected = {
      {"users", 4},        {"library", 2},        {"asset", 50},           {"stack", 2},
      {"asset_exif", 49},  {"asset_file", 107},   {"asset_job_status", 50}, {"smart_search", 49},
      {"person", 8},       {"asset_face", 72},    {"face_search", 72},     {"album", 4},
      {"album_asset", 46}, {"album_user", 2},     {"activity", 4},         {"tag", 24},
      {"tag_closure", 40}, {"tag_asset", 16},     {"memory", 1},           {"memory_asset", 3},
      {"shared_link", 1},  {"partner", 2},        {"session", 7},          {"api_key", 3},
      {"move_history", 25}, {"notification", 3},  {"geodata_places", 300}, {"naturalearth_countries", 6},
      {"system_metadata", 5}, {"version_history", 2}, {"kysely_migrations", 12},
      {"kysely_migrations_lock", 1}, {"migration_overrides", 3}, {"user_metadata", 5},
      {"person_face_count", 8}, {"asset_audit", 0}};
  for (const auto& [table, n] : expected) {
    INFO(table);
    CHECK(rows(c, table) == n);
  }

  CHECK(count(c, "SELECT count(*) FROM users WHERE \"isAdmin\"") == 1);
  CHECK(c.exec("SELECT version FROM version_history ORDER BY \"createdAt\" DESC LIMIT 1").str(0, 0) == "v1.135.0");
  CHECK(c.exec("SELECT max(name) FROM kysely_migrations").str(0, 0) == "1750676477029-AddIsPendingSyncResetToSession");
  CHECK(c.exec("SELECT value->>'lastImportFileName' FROM system_metadata WHERE key = 'reverse-geocoding-state'")
            .str(0, 0) == "cities500.txt");
  // checksums are 20-byte SHA-1 values; embeddings have 512 dimensions
  CHECK(count(c, "SELECT count(*) FROM asset WHERE length(checksum) = 20") == 50);
  CHECK(count(c, "SELECT min(array_length(embedding, 1)) FROM smart_search") == 512);
  CHECK(count(c, "SELECT max(array_length(embedding, 1)) FROM face_search") == 512);
  CHECK(count(c, "SELECT count(*) FROM asset WHERE \"originalPath\" LIKE '/usr/src/app/upload/library/%'") > 40);
  CHECK(count(c, "SELECT count(*) FROM person WHERE \"faceAssetId\" IS NOT NULL") > 0);
  // nasty-but-valid values made it through COPY intact
  CHECK(count(c, "SELECT count(*) FROM asset_exif WHERE latitude IS NULL") > 0);
  CHECK(count(c, "SELECT count(*) FROM asset_exif WHERE description LIKE '%' || chr(10) || '%'") > 0);
  CHECK(count(c, "SELECT count(*) FROM album WHERE \"albumName\" LIKE '%\\\\%'") > 0);
  CHECK(count(c, "SELECT count(*) FROM album WHERE \"albumName\" LIKE '%🎈%'") > 0);

  // the earthdistance and trigram indexes are usable (with the database's search_path)
  c.exec("SET search_path = \"$user\", public");
  CHECK(count(c, "SELECT count(*) FROM asset_exif WHERE earth_box(ll_to_earth(48.0, 11.0), 2000000) "
                 "@> ll_to_earth(latitude, longitude)") >= 0);
  CHECK(count(c, "SELECT count(*) FROM geodata_places WHERE f_unaccent(name) % 'Munchen'") > 0);
}

TEST_CASE("the fixture generator is deterministic", "[fixture][matrix]") {
  auto gen = test::shell_quote((test::source_dir() / "tests/fixtures/generate_immich_data.py").string());
  auto a = test::run_ok("python3 " + gen + " --assets 30 | sha256sum");
  auto b = test::run_ok("python3 " + gen + " --assets 30 | sha256sum");
  CHECK(a == b);
  auto other = test::run_ok("python3 " + gen + " --assets 30 --seed 7 | sha256sum");
  CHECK(a != other);
}
