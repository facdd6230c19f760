// Rows can be left out (definitions kept): by pattern, or the Immich "regenerable" preset.

#include "integration/test_backup_support.hpp"
#include "pg/connection.hpp"

#include <immichbak/error.hpp>
#include <immichbak/manifest.hpp>

#include <algorithm>
#include <map>
#include <set>

using namespace immichbak;

namespace {
std::map<std::string, const manifest_table*> by_name(const manifest& m) {
  std::map<std::string, const manifest_table*> out;
  for (const auto& t : m.tables) out[t.name] = &t;
  return out;
}
}  // namespace

TEST_CASE("backup: --exclude-regenerable keeps definitions and drops the rows Immich rebuilds", "[backup][matrix]") {
  test::scratch_database src("bk_regen");
  test::load_immich_fixture(src, 80);
  test::temp_dir dir("bk_regen");
  auto o = test::basic_options(src.dsn(), dir.path());
  o.exclude_regenerable = true;
  backup_result res = backup(o);

  std::set<std::string> preset;
  pg::connection c(src.dsn());
  for (const auto& t : immich_regenerable_tables())
    if (c.exec("SELECT to_regclass('public." + t.table + "') IS NOT NULL").boolean(0, 0)) preset.insert(t.table);
  REQUIRE(preset.count("smart_search") == 1);
  REQUIRE(preset.count("face_search") == 1);
  REQUIRE(preset.count("geodata_places") == 1);

  manifest m = read_manifest(res.file);
  CHECK(m.exclusion_presets == std::vector<std::string>{"regenerable"});
  auto tables = by_name(m);
  for (const auto& name : preset) {
    INFO(name);
    REQUIRE(tables.count(name) == 1);
    CHECK(tables[name]->data_excluded);
    CHECK(tables[name]->exclusion_reason == "--exclude-regenerable");
    CHECK(tables[name]->rows == 0);
  }
  CHECK(res.tables_excluded == preset.size());
  CHECK_FALSE(tables["asset"]->data_excluded);
  CHECK(tables["asset"]->rows == 80);
  for (const auto& f : m.frames)
    if (f.kind == frame_kind::data) CHECK(preset.count(f.table) == 0);

  test::scratch_database dst("bk_regen_dst");
  test::restore_with_psql(res.file, dst.name());
  CHECK(test::schema_dump(dst.name()) == test::schema_dump(src.name()));
  pg::connection d(dst.dsn());
  for (const auto& name : preset) {
    INFO(name);
    CHECK(c.exec("SELECT count(*) FROM public." + name).i64(0, 0) > 0);
    CHECK(d.exec("SELECT count(*) FROM public." + name).i64(0, 0) == 0);
  }
  CHECK(d.exec("SELECT count(*) FROM public.asset").i64(0, 0) == 80);
  CHECK(d.exec("SELECT count(*) FROM public.asset_exif").i64(0, 0) ==
        c.exec("SELECT count(*) FROM public.asset_exif").i64(0, 0));
}

TEST_CASE("backup: --exclude-table-data patterns match schema.table or table with wildcards", "[backup][matrix]") {
  test::scratch_database src("bk_exclude");
  test::load_immich_fixture(src, 50);
  test::temp_dir dir("bk_exclude");
  auto o = test::basic_options(src.dsn(), dir.path());
  o.exclude_table_data = {"*_audit", "public.move_histor?"};
  backup_result res = backup(o);

  manifest m = read_manifest(res.file);
  CHECK(m.exclusion_presets.empty());
  auto tables = by_name(m);
  for (const char* name : {"user_audit", "asset_audit", "album_audit", "partner_audit"}) {
    INFO(name);
    REQUIRE(tables.count(name) == 1);
    CHECK(tables[name]->data_excluded);
    CHECK(tables[name]->exclusion_reason == "--exclude-table-data *_audit");
  }
  CHECK(tables["move_history"]->data_excluded);
  CHECK(tables["move_history"]->exclusion_reason == "--exclude-table-data public.move_histor?");
  CHECK_FALSE(tables["asset"]->data_excluded);

  test::scratch_database dst("bk_exclude_dst");
  test::restore_with_psql(res.file, dst.name());
  CHECK(test::schema_dump(dst.name()) == test::schema_dump(src.name()));
  pg::connection d(dst.dsn());
  CHECK(d.exec("SELECT count(*) FROM public.asset_audit").i64(0, 0) == 0);
}
