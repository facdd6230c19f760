// verify --restore-test: restore into a scratch database (always dropped), per-table
// content checks, the Immich summary, and the media check against a fixture media folder.
#include "test_restore_support.hpp"

#include <immichbak/backup.hpp>
#include <immichbak/error.hpp>
#include <immichbak/verify.hpp>

#include "verify/media_check.hpp"
#include "verify/restore_test.hpp"

#include <fstream>
#include <regex>

using namespace immichbak;

namespace {

// Names of the scratch databases a run created (from its log), to prove they are gone.
struct scratch_log {
  std::vector<std::string> created;
  void attach(event_sink& ev) {
    ev.log = [this](log_level, const std::string& m) {
      static const std::regex re("created scratch database \"([^\"]+)\"");
      std::smatch s;
      if (std::regex_search(m, s, re)) created.push_back(s[1]);
    };
  }
  void require_dropped() const {
    REQUIRE(created.size() == 1);
    CHECK(created[0].rfind("immichbak_verify__immichbak_", 0) == 0);
    CHECK_FALSE(test::database_exists(created[0]));
  }
};

std::vector<const check_result*> checks_named(const verify_report& r, const std::string& name,
                                              std::optional<check_status> status = std::nullopt) {
  std::vector<const check_result*> out;
  for (const auto& c : r.checks)
    if (c.name == name && (!status || c.status == *status)) out.push_back(&c);
  return out;
}

std::string dump_checks(const verify_report& r) {
  std::string s;
  for (const auto& c : r.checks)
    s += fmt::format("[{}] {} {} {}\n", check_status_name(c.status), c.name, c.table, c.detail);
  return s;
}

// The Immich fixture with original files written for every asset (SHA-1 = asset.checksum).
struct immich_with_media {
  test::scratch_database src{"vmedia_src"};
  test::temp_dir media{"vmedia_files"};
  test::temp_dir out{"vmedia_out"};
  std::filesystem::path file;
  immich_with_media() {
    src.psql_file(test::source_dir() / "tests/fixtures/immich_schema.sql");
    test::run_ok(fmt::format("python3 {} --assets 30 --media-dir {} --media-files 30 | psql -X -q -v ON_ERROR_STOP=1 -d {}",
                             test::shell_quote((test::source_dir() / "tests/fixtures/generate_immich_data.py").string()),
                             test::shell_quote(media.path().string()), test::shell_quote(src.name())));
    backup_options o;
    o.dsn = src.dsn();
    o.dest_dir = out.path();
    file = backup(o).file;
  }
  verify_options options(int jobs = 2) const {
    verify_options v;
    v.file = file;
    v.restore_test = true;
    v.dsn = test::dsn("postgres");
    v.jobs = jobs;
    v.media_roots = {{"/usr/src/app/upload", media.path().string()}};
    v.media_sample = 10;
    return v;
  }
  // The sampled assets' server paths, in the order the media check reads them.
  std::vector<std::string> sampled_paths() const {
    pg::connection c(src.dsn());
    auto r = c.exec("SELECT \"originalPath\" FROM asset WHERE \"deletedAt\" IS NULL ORDER BY id LIMIT 10");
    std::vector<std::string> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back(r.str(i, 0));
    return out;
  }
  // How many of them are uploads (external library files live elsewhere: no root maps them).
  std::size_t sampled_uploads() const {
    auto p = sampled_paths();
    return static_cast<std::size_t>(std::count_if(p.begin(), p.end(), [](const std::string& s) {
      return s.rfind("/usr/src/app/upload/", 0) == 0;
    }));
  }
  std::filesystem::path local(const std::string& server_path) const {
    return media.path() / server_path.substr(std::string("/usr/src/app/upload/").size());
  }
};

}  // namespace

TEST_CASE("verify --restore-test of an Immich backup: tables, Immich summary and media all pass",
          "[verify][restore-test][matrix]") {
  immich_with_media fx;
  auto o = fx.options(GENERATE(1, 3));
  scratch_log log;
  log.attach(o.events);
  verify_report r = verify(o);
  INFO(dump_checks(r));
  CHECK(r.ok());
  log.require_dropped();

  // One passing content check per table with data, and the summary.
  auto per_table = checks_named(r, "restore-test", check_status::pass);
  CHECK(per_table.size() > 20);
  CHECK(std::any_of(per_table.begin(), per_table.end(), [](auto* c) { return c->table == "public.asset"; }));
  CHECK(checks_named(r, "restore-test", check_status::fail).empty());

  REQUIRE(r.immich);
  pg::connection src(fx.src.dsn());
  CHECK(r.immich->assets ==
        static_cast<std::uint64_t>(src.exec("SELECT count(*) FROM asset WHERE \"deletedAt\" IS NULL").i64(0, 0)));
  CHECK(r.immich->users == static_cast<std::uint64_t>(
                               src.exec("SELECT count(*) FROM users WHERE \"deletedAt\" IS NULL").i64(0, 0)));
  CHECK(r.immich->people == static_cast<std::uint64_t>(src.exec("SELECT count(*) FROM person").i64(0, 0)));
  CHECK(r.immich->faces > 0);
  CHECK(r.immich->albums > 0);
  CHECK(r.immich->admin_exists);
  CHECK_FALSE(r.immich->version.empty());
  CHECK_FALSE(r.immich->migration.empty());

  // Uploaded files all match; external library files are outside the media roots (warned).
  std::size_t uploads = fx.sampled_uploads();
  REQUIRE(uploads >= 5);
  auto summary = checks_named(r, "media", check_status::pass);
  REQUIRE(summary.size() == 1);
  CHECK(summary[0]->detail.find(fmt::format("{} of 10", uploads)) != std::string::npos);
  CHECK(summary[0]->detail.find(fmt::format("{} outside", 10 - uploads)) != std::string::npos);
  CHECK(checks_named(r, "media", check_status::warn).size() == 10 - uploads);
  CHECK(checks_named(r, "media", check_status::fail).empty());
}

TEST_CASE("verify --restore-test media check names missing and altered files", "[verify][restore-test][media][matrix]") {
  immich_with_media fx;
  std::vector<std::string> paths;
  for (const auto& p : fx.sampled_paths())
    if (p.rfind("/usr/src/app/upload/", 0) == 0) paths.push_back(p);
  REQUIRE(paths.size() >= 5);
  std::filesystem::remove(fx.local(paths[2]));
  {
    std::ofstream f(fx.local(paths[4]), std::ios::app | std::ios::binary);
    f << "tampered";
  }
  auto o = fx.options();
  verify_report r = verify(o);
  INFO(dump_checks(r));
  CHECK_FALSE(r.ok());
  CHECK(checks_named(r, "restore-test", check_status::fail).empty());  // the database itself is fine
  auto failed = checks_named(r, "media", check_status::fail);
  REQUIRE(failed.size() == 3);  // the missing file, the altered file, the summary
  auto mentions = [&](const std::string& what, const std::filesystem::path& p) {
    return std::any_of(failed.begin(), failed.end(), [&](auto* c) {
      return c->detail.find(what) != std::string::npos && c->detail.find(p.string()) != std::string::npos;
    });
  };
  CHECK(mentions("missing", fx.local(paths[2])));
  CHECK(mentions("content differs", fx.local(paths[4])));
  std::string summary = fmt::format("{} of 10 sampled assets present with matching SHA-1 (1 missing, 1 different",
                                    paths.size() - 2);
  CHECK(std::any_of(failed.begin(), failed.end(),
                    [&](auto* c) { return c->detail.find(summary) != std::string::npos; }));
}

TEST_CASE("restore test reports a table whose content differs, per table", "[verify][restore-test][matrix]") {
  test::scratch_database src("vrt_src");
  auto spec = test::sample_backup(src, 60);
  spec.tamper_hash_of = "app.pet";
  test::temp_dir dir("vrt");
  auto file = test::write_handmade(dir.path(), "b.sql.zst", spec);
  verify_options o;
  o.file = file;
  o.restore_test = true;
  o.dsn = test::dsn("postgres");
  o.jobs = 2;
  scratch_log log;
  log.attach(o.events);
  verify_report r;
  r.file = file;
  // Called directly: verify()'s offline content-hash check would catch the tampered
  // manifest first and skip the restore test.
  verify_detail::run_restore_test(read_manifest(file), o, r);
  INFO(dump_checks(r));
  CHECK_FALSE(r.ok());
  auto failed = checks_named(r, "restore-test", check_status::fail);
  REQUIRE(failed.size() == 2);  // app.pet and the summary
  CHECK(failed[0]->table == "app.pet");
  CHECK(failed[0]->detail.find("content hash differs") != std::string::npos);
  CHECK(failed[1]->detail.find("2 of 3 tables") != std::string::npos);
  auto passed = checks_named(r, "restore-test", check_status::pass);
  CHECK(std::any_of(passed.begin(), passed.end(), [](auto* c) { return c->table == "app.person"; }));
  CHECK_FALSE(r.immich);  // not an Immich database
  log.require_dropped();
}

TEST_CASE("restore test on a server lacking an extension says so and touches nothing", "[verify][restore-test][matrix]") {
  test::scratch_database src("vext_src");
  src.psql("CREATE TABLE public.item (id integer)");
  test::handmade_backup b;
  b.source_db = src.name();
  b.extensions = {{"vchord", "0.4.3", "public", true}};
  b.units = {{frame_kind::pre_data, post_phase::none, "TABLE public.item", "public", "item",
              "CREATE TABLE \"public\".\"item\" (\"id\" integer);\n"}};
  test::temp_dir dir("vext");
  auto file = test::write_handmade(dir.path(), "b.sql.zst", b);
  verify_options o;
  o.file = file;
  o.restore_test = true;
  o.dsn = test::dsn("postgres");
  scratch_log log;
  log.attach(o.events);
  verify_report r = verify(o);
  INFO(dump_checks(r));
  CHECK_FALSE(r.ok());
  auto failed = checks_named(r, "restore-test", check_status::fail);
  REQUIRE(failed.size() == 1);
  CHECK(failed[0]->detail.find("extension \"vchord\" 0.4.3 is not available") != std::string::npos);
  CHECK(log.created.empty());
}

TEST_CASE("media paths map by the longest matching root", "[verify][media][matrix]") {
  using verify_detail::map_media_path;
  std::vector<std::pair<std::string, std::string>> roots{{"/usr/src/app/upload", "/mnt/photos"},
                                                         {"/usr/src/app/upload/library/", "/mnt/nas"},
                                                         {"/data", "/srv/immich"}};
  CHECK(map_media_path("/usr/src/app/upload/upload/u1/a.jpg", roots) == "/mnt/photos/upload/u1/a.jpg");
  CHECK(map_media_path("/usr/src/app/upload/library/admin/2020/b.jpg", roots) == "/mnt/nas/admin/2020/b.jpg");
  CHECK(map_media_path("/data/upload/c.jpg", roots) == "/srv/immich/upload/c.jpg");
  CHECK_FALSE(map_media_path("/datax/upload/c.jpg", roots));
  CHECK_FALSE(map_media_path("/elsewhere/d.jpg", roots));
}
