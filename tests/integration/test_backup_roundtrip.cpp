// A backup restores with stock tools (zstd + psql) to the same schema and rows, and the
// file carries a complete manifest.

#include "integration/test_backup_support.hpp"
#include "pg/connection.hpp"

#include <immichbak/error.hpp>
#include <immichbak/manifest.hpp>
#include <immichbak/version.hpp>

#include <algorithm>
#include <ctime>
#include <fstream>
#include <map>
#include <mutex>
#include <regex>
#include <set>

using namespace immichbak;

namespace {

using test::slurp;

std::map<std::string, std::uint64_t> row_counts(const std::string& dsn) {
  pg::connection c(dsn);
  auto r = c.exec(
      "SELECT format('%s.%s', n.nspname, c.relname), c.oid::regclass::text FROM pg_class c "
      "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname = 'public' "
      "AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid "
      "AND d.deptype = 'e')");
  std::map<std::string, std::uint64_t> out;
  for (int i = 0; i < r.rows(); ++i)
    out[r.str(i, 0)] = static_cast<std::uint64_t>(c.exec("SELECT count(*) FROM " + r.str(i, 1)).i64(0, 0));
  return out;
}

}  // namespace

TEST_CASE("backup: a zstd backup restores with zstd -dc | psql to an identical database", "[backup][matrix]") {
  test::scratch_database src("bk_zstd_src");
  test::load_immich_fixture(src, 100);
  test::temp_dir dir("bk_zstd");

  std::vector<std::string> phases;
  std::mutex mu;
  bool overlapping = false;
  int inside = 0;
  auto o = test::basic_options(src.dsn(), dir.path());
  o.events.progress = [&](const progress_event& e) {
    if (++inside > 1) overlapping = true;
    {
      std::lock_guard lock(mu);
      if (phases.empty() || phases.back() != e.phase) phases.push_back(e.phase);
    }
    --inside;
  };
  std::vector<std::string> info;
  o.events.log = [&](log_level l, const std::string& m) {
    if (l == log_level::info) info.push_back(m);
  };

  backup_result res = backup(o);

  // File name, mode, sidecar, nothing partial left.
  CHECK(std::regex_match(res.file.filename().string(), std::regex(R"(immich-db-\d{8}T\d{6}Z\.sql\.zst)")));
  CHECK(res.file.parent_path() == dir.path());
  CHECK(res.sidecar == std::filesystem::path(res.file.string() + ".sha256"));
  CHECK(test::file_mode(res.file) == 0600);
  CHECK(test::file_mode(res.sidecar) == 0600);
  CHECK(test::backup_like_files(dir.path()).size() == 2);
  test::check_sidecar(res.file);
  CHECK(res.bytes == std::filesystem::file_size(res.file));
  CHECK(res.sha256.size() == 64);
  CHECK(slurp(res.sidecar).rfind(res.sha256 + "  " + res.file.filename().string(), 0) == 0);
  CHECK(res.plain_bytes > res.bytes);
  CHECK(res.rows > 0);
  CHECK(res.tables > 30);
  CHECK(res.tables_excluded == 0);

  // The DSN (host, port, user) is never stored: only the database name.
  std::string bytes = slurp(res.file);
  CHECK(bytes.find(src.dsn()) == std::string::npos);
  CHECK(bytes.find("host=") == std::string::npos);

  // Stock tools restore it.
  test::scratch_database dst("bk_zstd_dst");
  test::restore_with_psql(res.file, dst.name());
  CHECK(test::schema_dump(dst.name()) == test::schema_dump(src.name()));
  CHECK(test::data_dump(dst.name()) == test::data_dump(src.name()));

  // Progress and logs.
  CHECK_FALSE(overlapping);
  CHECK(phases == std::vector<std::string>{"schema", "data", "post-data", "commit"});
  REQUIRE(info.size() >= 2);
  CHECK(info.front().find("backing up database") != std::string::npos);
  CHECK(info.back().find("wrote") != std::string::npos);
}

TEST_CASE("backup: the manifest describes source, versions and every table", "[backup][matrix]") {
  test::scratch_database src("bk_manifest");
  test::load_immich_fixture(src, 60);
  src.psql("CREATE TABLE public.empty_table (id int)");
  test::temp_dir dir("bk_manifest");
  auto o = test::basic_options(src.dsn(), dir.path());
  o.compression_level = 5;
  backup_result res = backup(o);

  manifest m = read_manifest(res.file);
  pg::connection c(src.dsn());
  CHECK(m.format_major == 1);
  CHECK(m.tool_version == IMMICHBAK_VERSION_STRING);
  CHECK(std::regex_match(m.created_at, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")));
  // The file name carries the same (snapshot) time.
  std::string stamp = m.created_at;
  stamp.erase(std::remove_if(stamp.begin(), stamp.end(), [](char ch) { return ch == '-' || ch == ':'; }),
              stamp.end());
  CHECK(res.file.filename().string() == "immich-db-" + stamp + ".sql.zst");
  CHECK(m.database == src.name());
  CHECK(m.server_version_num == c.server_version());
  CHECK(m.server_version == c.exec("SHOW server_version").str(0, 0).substr(0, m.server_version.size()));
  CHECK(m.server_version.find(' ') == std::string::npos);
  CHECK(m.compression == "zstd");
  CHECK(m.compression_level == 5);
  CHECK(m.immich_version ==
        c.exec("SELECT version FROM version_history ORDER BY \"createdAt\" DESC LIMIT 1").str(0, 0));
  CHECK_FALSE(m.immich_version.empty());
  CHECK(m.immich_migration == c.exec("SELECT max(name) FROM kysely_migrations").str(0, 0));
  CHECK(m.encoding == "UTF8");
  CHECK(m.session_settings.at("TimeZone") == "UTC");
  CHECK(m.session_settings.at("search_path").empty());
  CHECK_FALSE(m.restore_search_path.empty());
  CHECK(m.exclusion_presets.empty());
  std::set<std::string> ext;
  for (const auto& e : m.extensions) ext.insert(e.name);
  CHECK(ext.count("earthdistance") == 1);
  CHECK(ext.count("pg_trgm") == 1);

  // Every table, with its row count; rows and bytes add up over the data frames.
  auto counts = row_counts(src.dsn());
  std::map<std::string, const manifest_table*> tables;
  for (const auto& t : m.tables) tables[t.schema + "." + t.name] = &t;
  for (const auto& [name, n] : counts) {
    INFO(name);
    REQUIRE(tables.count(name) == 1);
    CHECK(tables[name]->rows == n);
    CHECK(tables[name]->content_hash.size() == 64);
    CHECK_FALSE(tables[name]->data_excluded);
  }
  CHECK(tables["public.empty_table"]->rows == 0);
  CHECK(tables["public.empty_table"]->content_hash == std::string(64, '0'));
  CHECK(tables["public.empty_table"]->plain_bytes == 0);
  std::map<std::string, std::uint64_t> frame_rows, frame_plain, frame_stored;
  int headers = 0;
  for (const auto& f : m.frames) {
    if (f.kind == frame_kind::header) ++headers;
    if (f.kind != frame_kind::data) continue;
    frame_rows[f.schema + "." + f.table] += f.rows;
    frame_plain[f.schema + "." + f.table] += f.plain_size;
    frame_stored[f.schema + "." + f.table] += f.stored_size;
  }
  CHECK(headers == 1);
  CHECK(m.frames.front().kind == frame_kind::header);
  CHECK(frame_rows.count("public.empty_table") == 0);  // no frame for a table without rows
  for (const auto& t : m.tables) {
    INFO(t.schema + "." + t.name);
    CHECK(frame_rows[t.schema + "." + t.name] == t.rows);
    CHECK(frame_plain[t.schema + "." + t.name] == t.plain_bytes);
    CHECK(frame_stored[t.schema + "." + t.name] == t.stored_bytes);
  }
  // Frame kinds in file order.
  auto rank = [](const manifest_frame& f) {
    if (f.kind == frame_kind::post_data) return 3 + static_cast<int>(f.phase);
    if (f.kind == frame_kind::owners) return 10;
    if (f.kind == frame_kind::privileges) return 11;
    return static_cast<int>(f.kind);
  };
  for (std::size_t i = 1; i < m.frames.size(); ++i) CHECK(rank(m.frames[i - 1]) <= rank(m.frames[i]));
}

TEST_CASE("backup: --compress none writes a plain psql script that restores with psql -f", "[backup][matrix]") {
  test::scratch_database src("bk_plain_src");
  test::load_immich_fixture(src, 60);
  test::temp_dir dir("bk_plain");
  auto o = test::basic_options(src.dsn(), dir.path());
  o.compress = compression::none;
  o.prefix = "plain";
  backup_result res = backup(o);

  CHECK(std::regex_match(res.file.filename().string(), std::regex(R"(plain-\d{8}T\d{6}Z\.sql)")));
  CHECK(test::file_mode(res.file) == 0600);
  test::check_sidecar(res.file);
  CHECK(res.plain_bytes < res.bytes);  // the manifest and footer lines are extra
  manifest m = read_manifest(res.file);
  CHECK(m.compression == "none");
  CHECK(m.compression_level == 0);
  std::string head = slurp(res.file).substr(0, 4096);
  CHECK(head.find("\\set ON_ERROR_STOP on") != std::string::npos);

  test::scratch_database dst("bk_plain_dst");
  test::restore_with_psql(res.file, dst.name());
  CHECK(test::schema_dump(dst.name()) == test::schema_dump(src.name()));
  CHECK(test::data_dump(dst.name()) == test::data_dump(src.name()));
}

TEST_CASE("backup: jobs 4 with tiny chunks and ctid ranges gives the same content as jobs 1", "[backup][matrix]") {
  test::scratch_database src("bk_jobs_src");
  test::load_immich_fixture(src, 120);
  src.psql("VACUUM ANALYZE");  // relpages/reltuples drive the splitting
  test::temp_dir dir("bk_jobs");

  auto o1 = test::basic_options(src.dsn(), dir.path());
  o1.prefix = "one";
  backup_result r1 = backup(o1);

  auto o4 = test::basic_options(src.dsn(), dir.path());
  o4.prefix = "four";
  o4.jobs = 4;
  o4.chunk_bytes = 2048;
  o4.split_table_bytes = 64 * 1024;
  std::string split_log;
  o4.events.log = [&](log_level, const std::string& m) {
    if (m.find("ctid range") != std::string::npos) split_log = m;
  };
  backup_result r4 = backup(o4);

  manifest m1 = read_manifest(r1.file), m4 = read_manifest(r4.file);
  // Tables were really cut: several frames for one table, several ctid ranges.
  std::map<std::string, int> frames4;
  for (const auto& f : m4.frames)
    if (f.kind == frame_kind::data) ++frames4[f.table];
  CHECK(frames4["smart_search"] > 10);
  INFO(split_log);
  std::smatch sm;
  REQUIRE(std::regex_search(split_log, sm, std::regex(R"(\((\d+) ctid range)")));
  CHECK(std::stoi(sm[1]) >= 4);
  for (const auto& f : m4.frames)
    if (f.kind == frame_kind::data) CHECK(f.plain_size <= 2048 + 16 * 1024);  // a row may overshoot

  // Same rows and content hashes, table by table.
  REQUIRE(m1.tables.size() == m4.tables.size());
  for (std::size_t i = 0; i < m1.tables.size(); ++i) {
    INFO(m1.tables[i].name);
    CHECK(m1.tables[i].name == m4.tables[i].name);
    CHECK(m1.tables[i].rows == m4.tables[i].rows);
    CHECK(m1.tables[i].content_hash == m4.tables[i].content_hash);
  }

  test::scratch_database dst("bk_jobs_dst");
  test::restore_with_psql(r4.file, dst.name());
  CHECK(test::schema_dump(dst.name()) == test::schema_dump(src.name()));
  CHECK(test::data_dump(dst.name()) == test::data_dump(src.name()));
}

TEST_CASE("backup: a name taken in the same second gets a -1 suffix", "[backup][matrix]") {
  test::scratch_database src("bk_suffix");
  src.psql("CREATE TABLE t (id int); INSERT INTO t VALUES (1)");
  test::temp_dir dir("bk_suffix");
  // Occupy the names of the next seconds so the backup must pick a suffixed one.
  std::time_t now = std::time(nullptr);
  for (int s = -1; s < 20; ++s) {
    std::time_t t = now + s;
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
    std::ofstream(dir.path() / fmt::format("immich-db-{}.sql.zst", buf)) << "taken";
  }
  backup_result res = backup(test::basic_options(src.dsn(), dir.path()));
  CHECK(std::regex_match(res.file.filename().string(), std::regex(R"(immich-db-\d{8}T\d{6}Z-1\.sql\.zst)")));
  CHECK(read_manifest(res.file).tables.size() == 1);
}
