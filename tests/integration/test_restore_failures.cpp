// Failure injection: whatever goes wrong during a restore, the target is left exactly as
// it was and the error says what happened.
#include "test_restore_support.hpp"

#include <immichbak/error.hpp>
#include <immichbak/restore.hpp>

#include "load/target_db.hpp"

#include <atomic>
#include <csignal>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace immichbak;

namespace {

// A target with something precious in it, and the expectation that it stays that way.
struct guarded_target {
  test::scratch_database db{"guarded"};
  guarded_target() { db.psql("CREATE TABLE precious (v text); INSERT INTO precious VALUES ('keep me')"); }
  void require_unchanged() const {
    CHECK(test::query_one(db.name(), "SELECT string_agg(v, ',') FROM precious") == "keep me");
    CHECK(test::query_one(db.name(), "SELECT count(*) FROM pg_class WHERE relname = 'person'") == "0");
    CHECK(test::databases_like(db.name() + "_before_restore_").empty());
  }
  restore_options options(const std::filesystem::path& file, int jobs = 2) const {
    restore_options o;
    o.file = file;
    o.dsn = db.dsn();
    o.jobs = jobs;
    o.mode = restore_mode::replace;
    return o;
  }
};

// A backup of a table whose rows load slowly (a trigger sleeps 0.05 s a row, five rows a
// frame), so a test can act while the restore is mid-COPY.
struct slow_file {
  test::scratch_database src;
  test::temp_dir dir;
  std::filesystem::path path;
  slow_file(const std::string& hint, int rows)
      : src(hint + "_src"),
        dir(hint),
        path(test::write_handmade(dir.path(), "b.sql.zst", test::slow_backup(src, rows, 0.05))) {}
};

const manifest_frame& first_data_frame(const std::filesystem::path& file) {
  static manifest m;
  m = read_manifest(file);
  for (const auto& f : m.frames)
    if (f.kind == frame_kind::data) return f;
  FAIL("no data frame");
  return m.frames.front();
}

}  // namespace

TEST_CASE("restore refuses a damaged data frame: sidecar first, then the frame itself", "[restore][failure]") {
  test::scratch_database src("dmg_src");
  auto spec = test::sample_backup(src, 200);
  compression comp = GENERATE(compression::zstd, compression::none);
  spec.compress = comp;
  test::temp_dir dir("dmg");
  auto file = test::write_handmade(dir.path(), comp == compression::zstd ? "b.sql.zst" : "b.sql", spec);
  const manifest_frame& f = first_data_frame(file);
  test::flip_byte(file, f.offset + f.stored_size / 2);
  guarded_target target;

  SECTION("with the sidecar: the whole-file checksum catches it before anything is touched") {
    auto e = test::restore_error(target.options(file));
    CHECK(e.code() == errc::corrupt_backup);
    CHECK(std::string(e.what()).find("checksum file") != std::string::npos);
    target.require_unchanged();
    CHECK(test::databases_like(target.db.name() + "__immichbak_").empty());
  }
  SECTION("without the sidecar: the frame check catches it during the load") {
    std::filesystem::remove(file.string() + ".sha256");
    auto e = test::restore_error(target.options(file));
    INFO(e.what());
    CHECK(e.code() == errc::corrupt_backup);
    std::string m = e.what();
    CHECK(m.find(fmt::format("offset {}", f.offset)) != std::string::npos);
    CHECK(m.find("was not changed") != std::string::npos);
    target.require_unchanged();
    CHECK(test::databases_like(target.db.name() + "__immichbak_").empty());
  }
}

TEST_CASE("restore refuses a backup needing an extension the server lacks", "[restore][failure]") {
  test::scratch_database src("ext_src");
  src.psql("CREATE TABLE public.item (id integer)");
  test::handmade_backup b;
  b.source_db = src.name();
  // A name no server can have installed (pgvector's "vector" may well be there).
  b.extensions = {{"immichbak_no_such_extension", "0.8.0", "public", false}};
  b.units = {{frame_kind::pre_data, post_phase::none, "EXTENSION immichbak_no_such_extension", "", "",
              "CREATE EXTENSION IF NOT EXISTS \"immichbak_no_such_extension\" WITH SCHEMA \"public\";\n"},
             {frame_kind::pre_data, post_phase::none, "TABLE public.item", "public", "item",
              "CREATE TABLE \"public\".\"item\" (\"id\" integer);\n"}};
  test::temp_dir dir("ext");
  auto file = test::write_handmade(dir.path(), "b.sql.zst", b);
  guarded_target target;
  auto e = test::restore_error(target.options(file));
  CHECK(e.code() == errc::missing_extension);
  std::string m = e.what();
  CHECK(m.find("extension \"immichbak_no_such_extension\" 0.8.0 is not available on the target server") !=
        std::string::npos);
  target.require_unchanged();
  CHECK(test::databases_like(target.db.name() + "__immichbak_").empty());

  // Immich's vector extensions get a hint where to find them; checkable only on a server
  // without pgvector.
  bool have_vector = pg::connection(test::dsn("postgres"))
                         .exec("SELECT 1 FROM pg_catalog.pg_available_extensions WHERE name = 'vector'")
                         .rows() > 0;
  if (!have_vector) {
    b.extensions = {{"vector", "0.8.0", "public", false}};
    b.units[0].label = "EXTENSION vector";
    b.units[0].sql = "CREATE EXTENSION IF NOT EXISTS \"vector\" WITH SCHEMA \"public\";\n";
    auto file_v = test::write_handmade(dir.path(), "bv.sql.zst", b);
    auto ev = test::restore_error(target.options(file_v));
    CHECK(ev.code() == errc::missing_extension);
    std::string mv = ev.what();
    CHECK(mv.find("ghcr.io/immich-app/postgres") != std::string::npos);
    CHECK(mv.find("pgvector") != std::string::npos);
    target.require_unchanged();
  }

  SECTION("an extension that must be preloaded but is not") {
    b.extensions = {{"pg_trgm", "1.6", "public", true}};
    b.units.erase(b.units.begin());
    auto file2 = test::write_handmade(dir.path(), "b2.sql.zst", b);
    auto e2 = test::restore_error(target.options(file2));
    CHECK(e2.code() == errc::missing_extension);
    CHECK(std::string(e2.what()).find("shared_preload_libraries") != std::string::npos);
    target.require_unchanged();
  }
}

TEST_CASE("restore refuses missing roles unless told to do without them", "[restore][failure]") {
  test::scratch_database src("role_src");
  auto spec = test::sample_backup(src, 20);
  spec.roles.push_back("immichbak_t_nobody");
  spec.units.push_back({frame_kind::owners, post_phase::none, "OWNER app.person", "app", "person",
                        "ALTER TABLE \"app\".\"person\" OWNER TO \"immichbak_t_nobody\";\n"});
  test::temp_dir dir("role");
  auto file = test::write_handmade(dir.path(), "b.sql.zst", spec);
  guarded_target target;
  auto e = test::restore_error(target.options(file));
  CHECK(e.code() == errc::missing_role);
  std::string m = e.what();
  CHECK(m.find("\"immichbak_t_nobody\"") != std::string::npos);
  CHECK(m.find("--no-owner") != std::string::npos);
  CHECK(m.find("--no-privileges") == std::string::npos);  // only an owner unit names it
  target.require_unchanged();

  auto o = target.options(file);
  o.no_owner = true;
  auto r = restore(o);
  REQUIRE(r.kept_old_database);
  test::drop_databases cleanup{{*r.kept_old_database}};
  CHECK(test::data_dump(target.db.name()) == test::data_dump(src.name()));
}

TEST_CASE("restore fails the content check on a mismatch and leaves the target alone", "[restore][failure]") {
  test::scratch_database src("chk_src");
  auto spec = test::sample_backup(src, 100);
  spec.tamper_hash_of = "app.pet";
  test::temp_dir dir("chk");
  auto file = test::write_handmade(dir.path(), "b.sql.zst", spec);
  guarded_target target;
  auto e = test::restore_error(target.options(file, 3));
  CHECK(e.code() == errc::restore_check_failed);
  std::string m = e.what();
  CHECK(m.find("app.pet: content hash differs") != std::string::npos);
  CHECK(m.find("app.person") == std::string::npos);
  target.require_unchanged();
  CHECK(test::databases_like(target.db.name() + "__immichbak_").empty());

  SECTION("--no-check skips the comparison") {
    auto o = target.options(file);
    o.check_content = false;
    auto r = restore(o);
    REQUIRE(r.kept_old_database);
    test::drop_databases cleanup{{*r.kept_old_database}};
    CHECK(test::data_dump(target.db.name()) == test::data_dump(src.name()));
  }
}

TEST_CASE("a cancelled restore undoes itself", "[restore][failure]") {
  slow_file file("cancel", 200);  // 40 frames of 0.25 s: 5 s on 2 sessions
  guarded_target target;
  std::atomic<bool> cancel{false};
  auto o = target.options(file.path, 2);
  o.events.cancel = &cancel;
  o.events.progress = [&](const progress_event& ev) {
    if (ev.phase == "data" && ev.items_done >= 1) cancel = true;
  };
  auto t0 = std::chrono::steady_clock::now();
  auto e = test::restore_error(o);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  CHECK(e.code() == errc::cancelled);
  CHECK(secs < 2.5);  // the running COPYs were cancelled, not waited for
  target.require_unchanged();
  CHECK(test::databases_like(target.db.name() + "__immichbak_").empty());
}

TEST_CASE("a restore whose sessions are terminated mid-load (server restart) leaves the target unchanged",
          "[restore][failure]") {
  slow_file file("term", 100);
  guarded_target target;
  bool all_sessions = GENERATE(false, true);

  std::thread killer([&] {
    if (!test::wait_for_copy_in_scratch(target.db.name())) return;
    pg::connection c(test::dsn("postgres"));
    // Loader sessions sit on the scratch database; the maintenance session on "postgres"
    // is the backend whose pid the scratch name carries.
    auto scratch = test::databases_like(target.db.name() + "__immichbak_");
    for (const auto& s : scratch) {
      c.exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", {s});
      if (all_sessions)
        if (auto pid = load::scratch_owner_pid(s, target.db.name()))
          c.exec("SELECT pg_terminate_backend($1)", {std::to_string(*pid)});
    }
  });
  auto e = test::restore_error(target.options(file.path, 2));
  killer.join();
  INFO(e.what());
  CHECK(e.code() == errc::connection_failed);
  CHECK(std::string(e.what()).find("was not changed") != std::string::npos);
  target.require_unchanged();
  if (!all_sessions) {
    CHECK(test::databases_like(target.db.name() + "__immichbak_").empty());
  } else {
    // The maintenance session died too: the scratch copy stays, named so the next restore
    // (or a person) recognises it, and the error says so.
    CHECK(std::string(e.what()).find("could not drop database") != std::string::npos);
    auto left = test::databases_like(target.db.name() + "__immichbak_");
    CHECK(left.size() == 1);
    load::target_db t(target.db.dsn());
    CHECK(t.drop_stale_scratch() == left);
  }
}

TEST_CASE("a killed restore process leaves the target unchanged and the next restore cleans up", "[restore][failure]") {
  slow_file file("kill", 100);
  guarded_target target;
  auto o = target.options(file.path, 2);

  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    try {
      restore(o);
    } catch (...) {
      ::_exit(1);
    }
    ::_exit(0);
  }
  bool copying = test::wait_for_copy_in_scratch(target.db.name());
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  REQUIRE(copying);
  CHECK(WIFSIGNALED(status));
  target.require_unchanged();
  auto left = test::databases_like(target.db.name() + "__immichbak_");
  REQUIRE(left.size() == 1);  // recognisable leftover

  // The next restore drops it (its owner is gone) and completes.
  std::vector<std::string> logs;
  o.events.log = [&](log_level, const std::string& m) { logs.push_back(m); };
  // The killed client's backends notice the closed sockets and exit, in a moment.
  {
    auto owner = load::scratch_owner_pid(left[0], target.db.name());
    REQUIRE(owner);
    pg::connection c(test::dsn("postgres"));
    for (int i = 0; i < 500; ++i) {
      auto r = c.exec("SELECT 1 FROM pg_stat_activity WHERE datname = $1 OR pid = $2", {left[0], std::to_string(*owner)});
      if (r.rows() == 0) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  restore_result r = restore(o);
  REQUIRE(r.kept_old_database);
  test::drop_databases cleanup{{*r.kept_old_database}};
  CHECK(test::query_one(target.db.name(), "SELECT count(*) FROM public.slow") == "100");
  CHECK(std::find_if(logs.begin(), logs.end(), [&](const std::string& m) {
          return m.find(left[0]) != std::string::npos && m.find("interrupted") != std::string::npos;
        }) != logs.end());
  CHECK(test::databases_like(target.db.name() + "__immichbak_").empty());
}

TEST_CASE("a server stopped mid-restore leaves the target unchanged and the next restore cleans up",
          "[restore][failure]") {
  // A cluster of its own: this test takes the server down.
  test::private_cluster cluster;
  slow_file file("stop", 100);
  guarded_target target;
  auto o = target.options(file.path, 2);

  std::atomic<bool> crashed{false};
  std::thread stopper([&] {
    if (!test::wait_for_copy_in_scratch(target.db.name())) return;
    cluster.crash();
    crashed = true;
  });
  auto e = test::restore_error(o);
  stopper.join();
  REQUIRE(crashed);
  INFO(e.what());
  CHECK(e.code() == errc::connection_failed);
  CHECK(std::string(e.what()).find("was not changed") != std::string::npos);

  cluster.restart();
  target.require_unchanged();
  // The server went away before the scratch copy could be dropped: it is left under a name
  // the next restore recognises (its owner session is gone), and that restore completes.
  CHECK(test::databases_like(target.db.name() + "__immichbak_").size() <= 1);
  std::vector<std::string> logs;
  o.events.log = [&](log_level, const std::string& m) { logs.push_back(m); };
  restore_result r = restore(o);
  REQUIRE(r.kept_old_database);
  test::drop_databases cleanup{{*r.kept_old_database}};
  CHECK(test::query_one(target.db.name(), "SELECT count(*) FROM public.slow") == "100");
  CHECK(test::databases_like(target.db.name() + "__immichbak_").empty());
}
