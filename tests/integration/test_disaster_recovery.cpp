// docs/disaster-recovery.md, performed: each scenario's commands, as the runbook gives them,
// against the throwaway clusters. Scenario 4 (upgrade to a new PostgreSQL major) is the
// cross-version suite (test_cross_version.cpp, label `cross`).
#include <catch2/catch.hpp>

#include "test_restore_support.hpp"

#include <fmt/format.h>

#include <filesystem>

#ifdef IMMICHBAK_CLI_PATH

using namespace immichbak;
namespace fs = std::filesystem;

namespace {

const std::string cli = IMMICHBAK_CLI_PATH;

std::string q(const std::string& s) { return test::shell_quote(s); }
std::string q(const fs::path& p) { return test::shell_quote(p.string()); }

// `immichbak ARGS`, which must succeed; returns its stdout and stderr.
std::string immichbak_ok(const std::string& args) { return test::run_ok(q(cli) + " " + args + " 2>&1"); }

// The nightly routine in small: a backup, proven by verify, then a newer one never verified
// (the night it ran out of disk, say): the runbooks restore the newest VERIFIED one.
fs::path nightly_backups(const test::scratch_database& db, const fs::path& dir) {
  fs::create_directories(dir);
  immichbak_ok(fmt::format("backup --dbname {} --dest {}", q(db.dsn()), q(dir)));
  auto newest = [&] {
    fs::path best;
    for (const auto& e : fs::directory_iterator(dir))
      if (e.path().extension() == ".zst" && (best.empty() || e.path().filename() > best.filename())) best = e.path();
    return best;
  };
  const fs::path verified = newest();
  immichbak_ok(fmt::format("verify {}", q(verified)));
  test::run_ok("sleep 1.1");  // a later file name
  immichbak_ok(fmt::format("backup --dbname {} --dest {}", q(db.dsn()), q(dir)));
  REQUIRE(newest() != verified);
  return verified;
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

}  // namespace

TEST_CASE("disaster 1: the host is rebuilt: restore the newest verified backup on an empty server", "[cli][disaster]") {
  test::scratch_database src("dr_rebuild");
  test::load_immich_fixture(src, 20);
  test::temp_dir tmp("dr_rebuild");
  const fs::path nas = tmp.path() / "nas";
  const fs::path verified = nightly_backups(src, nas);
  const std::string before = test::data_dump(src.name());
  {
    // The new host: a fresh server with Immich's empty database, nothing else (PGHOST/PGPORT
    // point at it while it exists).
    test::private_cluster fresh;
    test::run_ok("createdb immich");
    const std::string file = trimmed(test::run_ok(fmt::format("{} list {} --newest-verified", q(cli), q(nas))));
    CHECK(fs::path(file) == verified);
    immichbak_ok(fmt::format("restore {} --dbname immich --jobs 2", q(file)));
    auto proof = immichbak_ok(fmt::format("verify {} --restore-test --dbname postgres", q(file)));
    CHECK(proof.find("users") != std::string::npos);
    CHECK(test::data_dump("immich") == before);
  }
}

TEST_CASE("disaster 2: the database is corrupted: restore the last good backup with --replace, keep the damaged one",
          "[cli][disaster]") {
  test::scratch_database live("dr_corrupt");
  test::load_immich_fixture(live, 20);
  test::temp_dir tmp("dr_corrupt");
  const fs::path verified = nightly_backups(live, tmp.path() / "nas");
  const std::string good = test::data_dump(live.name());
  // The damage: rows gone from one table, garbage in another (what a bad disk, a bad
  // migration or a stray UPDATE leaves).
  live.psql("DELETE FROM public.asset_face; UPDATE public.album SET \"albumName\" = 'garbage'");
  const std::string file = trimmed(test::run_ok(fmt::format("{} list {} --newest-verified", q(cli), q(tmp.path() / "nas"))));
  REQUIRE(fs::path(file) == verified);
  auto out = immichbak_ok(fmt::format("restore {} --dbname {} --replace --jobs 2", q(file), q(live.name())));
  CHECK(test::data_dump(live.name()) == good);
  auto kept = test::databases_like(live.name() + "_before_restore_");
  REQUIRE(kept.size() == 1);
  test::drop_databases cleanup{{kept[0]}};
  CHECK(out.find(kept[0]) != std::string::npos);
  CHECK(test::query_one(kept[0], "SELECT count(*) FROM public.asset_face") == "0");  // the damage, kept for study
}

TEST_CASE("disaster 3: an album was deleted: restore beside the live database and copy the album back",
          "[cli][disaster]") {
  test::scratch_database live("dr_album");
  test::load_immich_fixture(live, 30);
  test::temp_dir tmp("dr_album");
  const fs::path verified = nightly_backups(live, tmp.path() / "nas");
  // The album with the most assets, and everything that hangs off it.
  const std::string album = test::query_one(
      live.name(), "SELECT \"albumId\" FROM public.album_asset GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1");
  REQUIRE(!album.empty());
  const std::string before = test::data_dump(live.name());
  const std::string links_before = test::query_one(
      live.name(), fmt::format("SELECT count(*) FROM public.album_asset WHERE \"albumId\" = '{}'", album));
  CHECK(links_before != "0");
  // Someone deletes the album in Immich's web UI; everything else goes on (a new album).
  live.psql(fmt::format("DELETE FROM public.album WHERE id = '{}'", album));
  CHECK(test::query_one(live.name(), fmt::format("SELECT count(*) FROM public.album_asset WHERE \"albumId\" = '{}'",
                                                 album)) == "0");

  const std::string side = test::unique_db("album_side");
  test::drop_databases cleanup{{side}};
  const std::string file = trimmed(test::run_ok(fmt::format("{} list {} --newest-verified", q(cli), q(tmp.path() / "nas"))));
  REQUIRE(fs::path(file) == verified);
  immichbak_ok(fmt::format("restore {} --dbname {}", q(file), q(side)));
  const std::string script = (test::source_dir() / "contrib/runbooks/restore-album.sh").string();
  auto out = test::run_ok(fmt::format("bash {} {} {} {} 2>&1", q(script), q(side), q(live.name()), album));
  CHECK(out.find("album_asset: " + links_before + " row(s) restored") != std::string::npos);
  // Every row is back as it was, in every table: the album, its links, shares, activity.
  // (Immich's album_audit keeps a record of the deletion, as it would after any undo.)
  std::string after = test::data_dump(live.name());
  auto without_audit = [](const std::string& dump) {
    auto at = dump.find("== public.album_audit\n");
    REQUIRE(at != std::string::npos);
    auto end = dump.find("\n== ", at);
    return dump.substr(0, at) + (end == std::string::npos ? "" : dump.substr(end + 1));
  };
  CHECK(without_audit(after) == without_audit(before));

  // Run again, it changes nothing and says why.
  std::string again;
  CHECK(test::run(fmt::format("bash {} {} {} {} 2>&1", q(script), q(side), q(live.name()), album), &again) == 1);
  CHECK(again.find("nothing was changed") != std::string::npos);
  CHECK(test::data_dump(live.name()) == after);
}

#endif  // IMMICHBAK_CLI_PATH
