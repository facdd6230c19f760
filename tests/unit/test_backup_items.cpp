// Pure parts of the backup engine: COPY statements, ctid range splitting, file names,
// session settings, option checks.

#include <catch2/catch.hpp>

#include "backup/file_name.hpp"
#include "backup/options_check.hpp"
#include "backup/work_items.hpp"
#include "format/header_sql.hpp"
#include "immich/regenerable.hpp"

#include <immichbak/error.hpp>

#include <algorithm>
#include <regex>
#include <set>

using namespace immichbak;
using namespace immichbak::backup_detail;

namespace {
schema::table_data table(std::string name, std::uint64_t bytes, std::uint64_t pages) {
  schema::table_data t;
  t.schema = "public";
  t.name = std::move(name);
  t.copy_columns = "(\"id\", \"Name\")";
  t.estimated_bytes = bytes;
  t.relpages = pages;
  return t;
}
}  // namespace

TEST_CASE("backup items: COPY statements quote names and keep the column list", "[backup]") {
  auto t = table("my \"t\"", 10, 1);
  CHECK(copy_from_header(t) == "COPY \"public\".\"my \"\"t\"\"\" (\"id\", \"Name\") FROM stdin;\n");
  CHECK(copy_to_sql(t) == "COPY \"public\".\"my \"\"t\"\"\" (\"id\", \"Name\") TO STDOUT");
  CHECK(select_list(t) == "\"id\", \"Name\"");
  CHECK(copy_range_sql(t, 10, 20) ==
        "COPY (SELECT \"id\", \"Name\" FROM ONLY \"public\".\"my \"\"t\"\"\" WHERE ctid OPERATOR(pg_catalog.>=) "
        "'(10,0)'::pg_catalog.tid AND ctid OPERATOR(pg_catalog.<) '(20,0)'::pg_catalog.tid) TO STDOUT");
  CHECK(copy_range_sql(t, 10, 0) ==
        "COPY (SELECT \"id\", \"Name\" FROM ONLY \"public\".\"my \"\"t\"\"\" WHERE ctid OPERATOR(pg_catalog.>=) "
        "'(10,0)'::pg_catalog.tid) TO STDOUT");

  auto none = t;
  none.copy_columns = "";
  CHECK(copy_from_header(none) == "COPY \"public\".\"my \"\"t\"\"\" FROM stdin;\n");
  CHECK(copy_to_sql(none) == "COPY \"public\".\"my \"\"t\"\"\" TO STDOUT");

  auto cfg = t;
  cfg.filter = "WHERE id > 100";
  cfg.extension_config = true;
  CHECK(copy_to_sql(cfg) ==
        "COPY (SELECT \"id\", \"Name\" FROM ONLY \"public\".\"my \"\"t\"\"\" WHERE id > 100) TO STDOUT");
  cfg.filter = "  id > 100 ";
  CHECK(filter_clause(cfg) == "WHERE id > 100");
  cfg.filter = "wherever > 1";
  CHECK(filter_clause(cfg) == "WHERE wherever > 1");
}

TEST_CASE("backup items: big tables become ctid ranges covering every page, biggest first", "[backup]") {
  std::vector<schema::table_data> tables{table("small", 1000, 1), table("big", 1000000, 100), table("mid", 5000, 2)};
  tables.push_back(table("excluded", 9999999, 1000));
  tables.back().data_excluded = true;

  auto items = make_work_items(tables, item_options{300000, 150000, {}});
  // big: ceil(1e6 / 3e5) = 4 ranges of 25 pages, the last open-ended; plus small and mid.
  REQUIRE(items.size() == 6);
  std::uint64_t next = 0;
  int ranges = 0;
  std::vector<work_item> big;
  for (const auto& w : items)
    if (w.table_index == 1) big.push_back(w);
  std::sort(big.begin(), big.end(), [](const work_item& a, const work_item& b) { return a.first_page < b.first_page; });
  for (const auto& w : big) {
    CHECK(w.ranged);
    CHECK(w.first_page == next);
    next = w.end_page;
    ++ranges;
  }
  CHECK(ranges == 4);
  CHECK(big.back().end_page == 0);  // open-ended: pages added since ANALYZE are not lost
  CHECK(big.back().copy_sql.find("pg_catalog.<)") == std::string::npos);
  for (std::size_t i = 1; i < items.size(); ++i) CHECK(items[i - 1].estimated_bytes >= items[i].estimated_bytes);
  for (const auto& w : items) CHECK(w.table_index != 3);

  // Before PostgreSQL 14 (no TID range scans) tables are never split.
  CHECK(make_work_items(tables, item_options{300000, 130000, {}}).size() == 3);
  // Tables ruled out by the server-side check are not split.
  auto no = item_options{300000, 150000, {}};
  no.no_split = {false, true};
  CHECK(make_work_items(tables, no).size() == 3);
  // Extension config tables with a filter are never split either.
  tables[1].filter = "WHERE true";
  CHECK(make_work_items(tables, item_options{300000, 150000, {}}).size() == 3);
}

TEST_CASE("backup items: a table with one page is not split whatever its estimate", "[backup]") {
  std::vector<schema::table_data> tables{table("t", 1u << 30, 1)};
  CHECK(make_work_items(tables, item_options{1024, 160000, {}}).size() == 1);
  tables[0].relpages = 3;
  auto items = make_work_items(tables, item_options{1024, 160000, {}});
  CHECK(items.size() == 3);  // never more ranges than pages
}

TEST_CASE("backup file names: UTC stamp, extension, suffix", "[backup]") {
  std::time_t t = 1738288800;  // 2025-01-31T02:00:00Z
  CHECK(file_timestamp(t) == "20250131T020000Z");
  CHECK(iso8601(t) == "2025-01-31T02:00:00Z");
  CHECK(backup_file_name("/d", "immich-db", t, compression::zstd, 0) == "/d/immich-db-20250131T020000Z.sql.zst");
  CHECK(backup_file_name("/d", "x", t, compression::none, 2) == "/d/x-20250131T020000Z-2.sql");
  CHECK(backup_file_name("/d", "immich-db", t, compression::gzip, 0) == "/d/immich-db-20250131T020000Z.sql.gz");
}

TEST_CASE("gzip backup names are ones Immich's Backups page lists and never takes for its own", "[backup][gzip]") {
  // Immich's checks (server/src/utils/database-backups.ts). JavaScript reads its class
  // [\d\w-.] as digits, word characters, '-' and '.'; std::regex wants the '-' last.
  const std::regex valid(R"(^[\d\w.-]+\.sql(?:\.gz)?$)", std::regex::ECMAScript);
  const std::regex routine_old(R"(^immich-db-backup-\d+\.sql\.gz$)", std::regex::ECMAScript);
  const std::regex routine_new(R"(^immich-db-backup-\d{8}T\d{6}-v.*-pg.*\.sql\.gz$)", std::regex::ECMAScript);
  const std::regex version(R"(-v(.*)-)", std::regex::ECMAScript);
  const std::time_t t = 1738288800;
  for (const char* prefix : {"immich-db", "immich-db-backup", "my_photos.db", "x"}) {
    for (int suffix : {0, 3}) {
      const std::string name = backup_file_name("/d", prefix, t, compression::gzip, suffix).filename().string();
      INFO(name);
      CHECK(std::regex_match(name, valid));
      CHECK_FALSE(std::regex_match(name, routine_old));
      CHECK_FALSE(std::regex_match(name, routine_new));
      CHECK_FALSE(std::regex_search(name, version));  // no version for Immich to misread
    }
  }
  // Prefixes that would break one of those are refused for gzip (and only for gzip).
  backup_options o;
  o.dest_dir = "/";
  o.compress = compression::gzip;
  o.compression_level = default_gzip_level;
  for (const char* prefix : {"photos db", "fotos-ü", "immich-v2.3.0", "a-vault"}) {
    o.prefix = prefix;
    INFO(prefix);
    try {
      check_options(o);
      FAIL("accepted");
    } catch (const error& e) {
      CHECK(e.code() == errc::invalid_argument);
      CHECK_THAT(e.what(), Catch::Contains("Immich's Backups page"));
    }
    o.compress = compression::zstd;
    o.compression_level = 2;
    CHECK_NOTHROW(check_options(o));
    o.compress = compression::gzip;
    o.compression_level = default_gzip_level;
  }
}

TEST_CASE("backup session settings: one list, SQL derived from the header frame", "[backup]") {
  std::set<std::string> names;
  for (const auto& [n, v] : format::pinned_session_settings()) names.insert(n);
  for (const char* n : {"client_encoding", "search_path", "DateStyle", "IntervalStyle", "extra_float_digits",
                        "TimeZone", "row_security", "statement_timeout", "lock_timeout"})
    CHECK(names.count(n) == 1);
  const std::string& sql = format::session_settings_sql();
  CHECK(sql.find("\\set") == std::string::npos);
  CHECK(sql.find("--") == std::string::npos);
  CHECK(sql.find("SET TimeZone = 'UTC';\n") != std::string::npos);
  CHECK(sql.find("set_config('search_path', '', false)") != std::string::npos);
}

TEST_CASE("backup options: bad values are rejected naming the option", "[backup]") {
  backup_options o;
  o.dest_dir = "/";
  auto code_of = [](const backup_options& x) {
    try {
      check_options(x);
    } catch (const error& e) {
      return e.code();
    }
    return errc::internal;
  };
  CHECK(code_of(o) == errc::internal);  // valid
  auto b = o;
  b.jobs = 0;
  CHECK(code_of(b) == errc::invalid_argument);
  b = o;
  b.jobs = 64;
  CHECK(code_of(b) == errc::internal);
  b = o;
  b.compression_level = 0;
  CHECK(code_of(b) == errc::invalid_argument);
  b.compress = compression::none;
  CHECK(code_of(b) == errc::internal);  // the level does not matter without compression
  b = o;
  b.compress = compression::gzip;
  for (int level : {1, default_gzip_level, 12}) {
    b.compression_level = level;
    CHECK(code_of(b) == errc::internal);
  }
  for (int level : {0, 13}) {
    b.compression_level = level;
    CHECK(code_of(b) == errc::invalid_argument);
  }
  b = o;
  b.prefix = "../x";
  CHECK(code_of(b) == errc::invalid_argument);
  b = o;
  b.dest_dir = "/definitely/not/here";
  CHECK(code_of(b) == errc::io_error);
}

TEST_CASE("immich regenerable preset: only tables that exist", "[backup]") {
  auto present = immich::regenerable_present({"asset", "smart_search", "geodata_places"});
  REQUIRE(present.size() == 2);
  CHECK(present[0].table == "smart_search");
  CHECK(present[1].table == "geodata_places");
}

TEST_CASE("immich regenerable preset: every table names the Immich job that rebuilds it", "[backup]") {
  const auto& list = immich_regenerable_tables();
  std::set<std::string> names;
  for (const auto& t : list) {
    names.insert(t.table);
    CHECK_FALSE(t.immich_job.empty());
  }
  for (const char* t : {"smart_search", "face_search", "asset_file", "asset_job_status", "geodata_places",
                        "naturalearth_countries"})
    CHECK(names.count(t) == 1);
  CHECK(names.count("asset") == 0);
}
