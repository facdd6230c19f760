// Retention against real backups: a directory of ~30 backups of a real (tiny) Immich
// database, with their times faked, is pruned exactly as planned; a prune racing a backup
// waits for it or refuses.
//
// How the time is faked: list_backups() reads a backup's time from its manifest (the
// snapshot time), so the test rewrites real backups with another created_at: every frame
// is copied through the real writer, which writes a new, fully valid file (verify passes)
// named for the new time, exactly as the backup would have named it.
#include <catch2/catch.hpp>

#include "format/backup_reader.hpp"
#include "format/backup_writer.hpp"
#include "format/dir_lock.hpp"
#include "support/test_env.hpp"
#include "unit/test_retention_support.hpp"

#include <immichbak/backup.hpp>
#include <immichbak/error.hpp>
#include <immichbak/retention.hpp>
#include <immichbak/verify.hpp>

#include <fmt/format.h>

#include <atomic>
#include <fstream>
#include <map>
#include <set>
#include <sys/stat.h>
#include <thread>

using namespace immichbak;
using namespace immichbak::test;
namespace fs = std::filesystem;

namespace {

// A copy of the real backup `src`, taken (says its manifest) at `t`, named for it.
fs::path retime(const fs::path& src, const fs::path& dir, std::time_t t) {
  format::backup_reader r(src);
  manifest m = r.get_manifest();
  fs::path dst = dir / backup_file_name(t);
  format::backup_writer w(dst, compression::zstd, 3);
  for (const auto& f : m.frames)
    w.write_frame({f.kind, f.phase, f.schema, f.table, f.label, f.rows}, r.read_frame(f));
  m.created_at = retention::iso8601_utc(t);
  w.commit(m);
  return dst;
}

void verify_file(const fs::path& file, bool expect_ok) {
  verify_options o;
  o.file = file;
  verify_report rep = verify(o);
  INFO(to_text(rep));
  REQUIRE(rep.ok() == expect_ok);
}

// Flips one byte in the middle of the file's first data frame (verify then fails).
void damage_data(const fs::path& file) {
  std::uint64_t at = 0;
  for (const auto& f : read_manifest(file).frames)
    if (f.kind == frame_kind::data && at == 0) at = f.offset + f.stored_size / 2;
  REQUIRE(at > 0);
  std::fstream io(file, std::ios::in | std::ios::out | std::ios::binary);
  io.seekg(static_cast<std::streamoff>(at));
  char c = 0;
  io.get(c);
  io.seekp(static_cast<std::streamoff>(at));
  io.put(static_cast<char>(c ^ 0x21));
}

struct file_state {
  std::uintmax_t size;
  std::int64_t mtime_ns;
  bool operator==(const file_state&) const = default;
};

std::map<std::string, file_state> snapshot(const fs::path& dir) {
  std::map<std::string, file_state> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    struct stat st {};
    REQUIRE(::stat(e.path().c_str(), &st) == 0);
    out[e.path().filename().string()] = {static_cast<std::uintmax_t>(st.st_size),
                                         std::int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec};
  }
  return out;
}

void write_text(const fs::path& p, const std::string& s) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << s;
}

std::time_t now_s() { return std::time(nullptr); }

}  // namespace

TEST_CASE("retention: a directory of real backups is pruned exactly as planned", "[retention]") {
  tz_guard tz("Europe/Berlin");
  scratch_database db("ret_prune");
  load_immich_fixture(db, 5);
  temp_dir tmp("ret_prune");
  const fs::path dir = tmp.path() / "backups";
  fs::create_directories(dir);

  // Three real backups, made now.
  std::vector<fs::path> real;
  for (int i = 0; i < 3; ++i) {
    backup_options o;
    o.dsn = db.dsn();
    o.dest_dir = dir;
    o.require_immich = true;
    real.push_back(backup(o).file);
  }
  // 30 more, one a night for the 30 nights before today, at 02:30 local time (some nights
  // late, one night twice), copied from the real ones with their time faked.
  const std::time_t now = now_s();
  std::tm today{};
  ::localtime_r(&now, &today);
  std::vector<fs::path> old;
  for (int night = 1; night <= 30; ++night) {
    std::time_t t = local_time(today.tm_year + 1900, today.tm_mon + 1, today.tm_mday - night, 2, 30);
    if (night % 7 == 3) t += 3 * 3600 + 17;  // a slow night
    old.push_back(retime(real[static_cast<std::size_t>(night) % 3], dir, t));
    if (night == 12) old.push_back(retime(real[0], dir, t + 600));  // run twice that night
  }
  // Every backup verified for real, except: the newest real one not yet (verify runs after
  // the backup), and two old ones that fail their verify.
  for (std::size_t i = 0; i + 1 < real.size(); ++i) verify_file(real[i], true);
  damage_data(old[4]);
  damage_data(old[20]);
  for (std::size_t i = 0; i < old.size(); ++i) verify_file(old[i], i != 4 && i != 20);

  // What else lives in such a directory.
  write_text(dir / "notes.txt", "where the NAS keeps its notes");
  write_text(dir / "immich-db-backup-20250101T020000-v1.135.0-pg15.18.sql.gz", "Immich's own");
  const fs::path cut = dir / backup_file_name(local_time(today.tm_year + 1900, today.tm_mon + 1, today.tm_mday - 40, 2, 30));
  fs::copy_file(real[0], cut);
  fs::resize_file(cut, fs::file_size(cut) / 2);
  const std::string stale = backup_file_name(now - 3 * 86400) + ".partial";
  const std::string young = backup_file_name(now - 600) + ".partial";
  write_text(dir / stale, "interrupted");
  write_text(dir / young, "being written");
  set_mtime(dir / stale, now - 3 * 86400);
  set_mtime(dir / young, now - 600);

  prune_options o;
  o.dir = dir;
  o.policy.keep_daily = 7;
  o.policy.keep_weekly = 3;
  o.now = sys(now + 60);
  o.dry_run = true;
  const auto before = snapshot(dir);
  const prune_result planned = prune(o);
  CHECK(snapshot(dir) == before);
  INFO(to_text(planned));

  // The plan, spot-checked against the rules.
  std::map<std::string, const plan_entry*> by_name;
  for (const auto& pe : planned.plan.entries) by_name[pe.entry.name] = &pe;
  REQUIRE(by_name.size() == 3 + 31 + 5);
  CHECK(by_name[real[2].filename().string()]->action == plan_action::keep);  // unverified, newest
  CHECK(by_name[real[1].filename().string()]->action == plan_action::keep);  // newest verified
  CHECK(by_name[old[4].filename().string()]->action == plan_action::remove);   // failed, older than the
  CHECK(by_name[old[20].filename().string()]->action == plan_action::remove);  // newest verified one
  CHECK(by_name[cut.filename().string()]->action == plan_action::untouched);
  CHECK(by_name[cut.filename().string()]->entry.kind == entry_kind::damaged);
  CHECK(by_name[stale]->action == plan_action::remove);
  CHECK(by_name[young]->action == plan_action::untouched);
  CHECK(by_name["notes.txt"]->action == plan_action::untouched);
  CHECK(by_name["immich-db-backup-20250101T020000-v1.135.0-pg15.18.sql.gz"]->entry.kind == entry_kind::immich);
  std::size_t daily = 0, weekly = 0;
  for (const auto& pe : planned.plan.entries)
    for (const auto& r : pe.reasons) {
      daily += r == "daily";
      weekly += r == "weekly";
    }
  CHECK(daily == 7);
  CHECK(weekly == 3);

  // What must be left: everything but the removed files and their sidecars and records.
  std::set<std::string> expected;
  for (const auto& [name, st] : before) expected.insert(name);
  for (const auto& pe : planned.plan.entries) {
    if (pe.action != plan_action::remove) continue;
    expected.erase(pe.entry.name);
    for (const auto& c : pe.entry.companions) expected.erase(c.filename().string());
  }
  CHECK(expected.size() < before.size() - 20);

  o.dry_run = false;
  const prune_result done = prune(o);
  CHECK(done.applied.ok());
  // The same plan, carried out.
  REQUIRE(done.plan.entries.size() == planned.plan.entries.size());
  for (std::size_t i = 0; i < done.plan.entries.size(); ++i) {
    CHECK(done.plan.entries[i].entry.name == planned.plan.entries[i].entry.name);
    CHECK(done.plan.entries[i].action == planned.plan.entries[i].action);
    CHECK(done.plan.entries[i].reasons == planned.plan.entries[i].reasons);
  }
  const auto after = snapshot(dir);
  std::set<std::string> left;
  for (const auto& [name, st] : after) left.insert(name);
  CHECK(left == expected);
  // Nothing that stays was touched.
  for (const auto& [name, st] : after) {
    INFO(name);
    REQUIRE(before.count(name));
    CHECK(before.at(name) == st);
  }
  // What is left still verifies, and a second prune removes nothing.
  verify_file(dir / real[1].filename(), true);
  const prune_result again = prune(o);
  CHECK(again.applied.removals.empty());
}

TEST_CASE("retention: a prune racing a backup refuses, or waits for it", "[retention]") {
  tz_guard tz("UTC");
  scratch_database db("ret_race");
  load_immich_fixture(db, 5);
  temp_dir tmp("ret_race");
  const fs::path dir = tmp.path() / "backups";
  fs::create_directories(dir);
  backup_options bo;
  bo.dsn = db.dsn();
  bo.dest_dir = dir;
  bo.lock_timeout = std::chrono::seconds(60);
  fs::path first = backup(bo).file;
  verify_file(first, true);
  const std::time_t now = now_s();
  for (int d = 1; d <= 3; ++d) verify_file(retime(first, dir, now - d * 86400), true);

  // Hold the asset table: the backup takes the directory lock, then waits for the table.
  std::atomic<bool> sleeper_done{false};
  std::thread sleeper([&] {
    run(fmt::format("psql -X -q -d {} -c {}", shell_quote(db.name()),
                    shell_quote("BEGIN; LOCK TABLE public.asset IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(4); COMMIT;")));
    sleeper_done = true;
  });
  for (int i = 0; i < 200; ++i) {
    std::string out;
    run(fmt::format("psql -X -At -d {} -c {}", shell_quote(db.name()),
                    shell_quote("SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                                "WHERE c.relname = 'asset' AND l.mode = 'AccessExclusiveLock' AND l.granted")),
        &out);
    if (out.rfind("1", 0) == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  std::atomic<bool> backup_done{false};
  fs::path racing;
  std::thread writer([&] {
    racing = backup(bo).file;
    backup_done = true;
  });
  // Wait until the backup holds the directory.
  bool held = false;
  for (int i = 0; i < 400 && !held; ++i) {
    try {
      format::dir_lock::acquire(dir, format::dir_lock_mode::exclusive, std::chrono::milliseconds(0), nullptr, "t");
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    } catch (const error& e) {
      held = e.code() == errc::already_running;
    }
  }
  REQUIRE(held);
  REQUIRE_FALSE(backup_done);

  prune_options o;
  o.dir = dir;
  o.policy.keep_last = 1;
  try {
    prune(o);
    FAIL("prune ran while a backup was writing");
  } catch (const error& e) {
    CHECK(e.code() == errc::already_running);
    CHECK_THAT(e.what(), Catch::Contains("backup is working in"));
  }
  CHECK(list_backups(dir).size() == 4);

  o.lock_wait = std::chrono::seconds(120);
  prune_result r = prune(o);
  writer.join();
  sleeper.join();
  CHECK(sleeper_done);
  bool seen = false;
  for (const auto& pe : r.plan.entries)
    if (pe.entry.path == racing) {
      seen = true;
      CHECK(pe.action == plan_action::keep);
    }
  // It ran once the backup had committed: the new backup was in its listing, and is kept
  // (not verified yet, and newer than the newest verified one).
  CHECK(seen);
  CHECK(fs::exists(racing));
  CHECK(r.applied.removals.size() == 3);  // --keep-last 1 keeps the newest verified one
  CHECK(list_backups(dir).size() == 2);
  CHECK_FALSE(fs::exists(dir / format::dir_lock_name));
}
