// Fault injection, restore side ([faults]): the `immichbak restore` process killed at random
// points, over an existing database with --replace, into an existing empty database and
// into a new one. The target is always the old database or the new one -- never a mix,
// never missing -- and the next restore drops the scratch databases the killed ones left.

#include "integration/test_faults_support.hpp"

#include <immichbak/backup.hpp>

#ifdef IMMICHBAK_CLI_PATH

using namespace immichbak;
using namespace immichbak::faults;

namespace {

enum class mode { replace, empty_target, absent_target };

const char* mode_name(mode m) {
  switch (m) {
    case mode::replace: return "--replace over a database";
    case mode::empty_target: return "into an existing empty database";
    case mode::absent_target: return "into a new database";
  }
  return "?";
}

}  // namespace

TEST_CASE("faults: immichbak restore killed (SIGKILL) at 24 random points leaves the old database or the new one, "
          "never a mix, and the next restore cleans up",
          "[faults][restore]") {
  // The new content: a backup of `src`; the old: a smaller database of its own kind.
  test::scratch_database src("fr_src");
  load_source(src, 600, "new");
  test::scratch_database old_tpl("fr_old");
  load_source(old_tpl, 150, "old");
  test::scratch_database empty_tpl("fr_empty");
  test::temp_dir tmp("fr_kill");
  backup_options bo;
  bo.dsn = src.dsn();
  bo.dest_dir = tmp.path();
  const fs::path file = backup(bo).file;

  const std::string target = src.name() + "_t";
  database_guard guard{{target}, {target + "__immichbak_", target + "_before_restore_"}};
  const std::string new_fp = fingerprint(src.name());
  const std::string old_fp = fingerprint(old_tpl.name());
  const std::string empty_fp = fingerprint(empty_tpl.name());
  REQUIRE(new_fp != old_fp);

  pg::connection admin(test::dsn("postgres"));
  // Puts the target into its "before" state for `m`.
  auto reset = [&](mode m) {
    REQUIRE(wait_for_no_immichbak_sessions(15, restore_sessions_of(target)));
    for (const auto& d : databases_with_prefix(target + "_before_restore_")) drop_database(d);
    drop_database(target);
    if (m == mode::replace)
      admin.exec(fmt::format("CREATE DATABASE {} TEMPLATE {}", util::sql::ident(target), util::sql::ident(old_tpl.name())));
    else if (m == mode::empty_target)
      admin.exec(fmt::format("CREATE DATABASE {} TEMPLATE {}", util::sql::ident(target), util::sql::ident(empty_tpl.name())));
  };
  auto args = [&](mode m) {
    std::vector<std::string> a{"restore", file.string(), "--dbname", test::dsn(target), "--jobs", "2", "-q"};
    if (m == mode::replace) a.emplace_back("--replace");
    return a;
  };
  auto scratch_left = [&] { return databases_with_prefix(target + "__immichbak_"); };

  // A complete run of each kind first: it has to work, and gives the run's duration.
  double run_seconds = 1e9;
  for (mode m : {mode::replace, mode::absent_target}) {
    reset(m);
    auto base = run_cli(args(m), tmp.path(), "baseline");
    INFO(mode_name(m) << ": " << base.err);
    REQUIRE(base.rc == 0);
    REQUIRE(fingerprint(target) == new_fp);
    run_seconds = std::min(run_seconds, base.seconds);
  }

  const std::uint32_t seed = fault_seed();
  test::report(fmt::format("restore kill points: seed {}, a full restore takes {:.2f} s", seed, run_seconds));
  std::mt19937 rng(seed + 1);
  // Every third kill lands near the end, where the swap is (the rest anywhere in the run).
  std::uniform_real_distribution<double> anywhere(0.0, run_seconds * 1.1);
  std::uniform_real_distribution<double> late(run_seconds * 0.75, run_seconds * 1.15);

  const int kills = 24;
  std::map<mode, std::pair<int, int>> outcomes;  // old, new
  int finished_first = 0;
  std::size_t max_left = 0;
  std::set<std::string> ever_left, cleaned;  // scratch databases left by kills; dropped by a later restore
  for (int i = 0; i < kills; ++i) {
    mode m = i % 2 == 0 ? mode::replace : (i % 4 == 1 ? mode::empty_target : mode::absent_target);
    reset(m);
    double d = i % 3 == 2 ? late(rng) : anywhere(rng);
    cli_process p(args(m), tmp.path(), fmt::format("kill{}", i));
    std::this_thread::sleep_for(std::chrono::microseconds(static_cast<long>(d * 1e6)));
    p.kill_now();
    const bool was_running = p.killed_by(SIGKILL);
    INFO("kill " << i << " (" << mode_name(m) << ") after " << d << " s: " << p.describe() << "; stderr: " << p.err());
    if (!was_running) {
      CHECK(p.exit_code() == 0);
      ++finished_first;
    }
    // The killed client's backends go once they notice (an index build first finishes).
    CHECK(wait_for_no_immichbak_sessions(15, restore_sessions_of(target)));

    // A restore that got as far as creating its scratch database dropped the stale ones first.
    auto left = scratch_left();
    for (const auto& s : ever_left)
      if (std::find(left.begin(), left.end(), s) == left.end()) cleaned.insert(s);
    ever_left.insert(left.begin(), left.end());
    max_left = std::max(max_left, left.size());
    INFO("scratch databases left: " << fmt::format("{}", fmt::join(left, ", ")));
    CHECK(left.size() <= 2);

    // The target: the old database or the new one, never anything in between, never missing.
    bool exists = database_exists(target);
    if (m == mode::absent_target && !exists) {
      ++outcomes[m].first;
      continue;
    }
    REQUIRE(exists);
    std::string fp = fingerprint(target);
    const std::string& before = m == mode::replace ? old_fp : empty_fp;
    INFO("target fingerprint: " << fp);
    CHECK((fp == before || fp == new_fp));
    if (fp == new_fp) {
      ++outcomes[m].second;
      // --replace keeps the old database, whole.
      if (m == mode::replace) {
        auto kept = databases_with_prefix(target + "_before_restore_");
        REQUIRE(kept.size() == 1);
        CHECK(fingerprint(kept[0]) == old_fp);
      }
    } else {
      ++outcomes[m].first;
      // Still the old one: nothing was moved aside.
      CHECK(databases_with_prefix(target + "_before_restore_").empty());
    }
  }

  // The next restore runs to its end and drops what the killed ones left.
  reset(mode::replace);
  auto last = run_cli(args(mode::replace), tmp.path(), "next");
  INFO(last.err);
  REQUIRE(last.rc == 0);
  CHECK(fingerprint(target) == new_fp);
  CHECK(scratch_left().empty());
  for (const auto& s : ever_left) cleaned.insert(s);

  std::string counts;
  for (mode m : {mode::replace, mode::empty_target, mode::absent_target})
    counts += fmt::format("{}: {} old, {} new; ", mode_name(m), outcomes[m].first, outcomes[m].second);
  test::report(fmt::format("restore kills: {} ({}{} finished before the kill), every target the old or the new database; "
                   "scratch databases left by kills: {} (at most {} at a time), all {} dropped by a following "
                   "restore, none left at the end",
                   kills, counts, finished_first, ever_left.size(), max_left, cleaned.size()));
  // The kill points have to reach into the run (how many land after the swap, or after the
  // end, depends on the machine's speed: counted above, not required).
  int olds = 0;
  for (const auto& [m, c] : outcomes) olds += c.first;
  CHECK(olds >= 3);
}

#endif  // IMMICHBAK_CLI_PATH
