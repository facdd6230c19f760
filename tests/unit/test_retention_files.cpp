// list_backups(), prune()/apply_retention(), the directory lock and the verify record, on
// real files written by the real writer (their time is the manifest's created_at).
#include "test_retention_support.hpp"

#include "format/dir_lock.hpp"

#include <immichbak/error.hpp>
#include <immichbak/manifest.hpp>
#include <immichbak/verify.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <set>
#include <sys/stat.h>
#include <thread>

using namespace immichbak;
using namespace immichbak::test;
namespace fs = std::filesystem;

namespace {

void write_text(const fs::path& p, const std::string& s) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << s;
}

std::set<std::string> names_in(const fs::path& dir) {
  std::set<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.insert(e.path().filename().string());
  return out;
}

const backup_entry& find(const std::vector<backup_entry>& v, const std::string& name) {
  for (const auto& e : v)
    if (e.name == name) return e;
  FAIL("not listed: " << name);
  throw;
}

// A copy of `src` cut to `keep` bytes (a full disk, an interrupted copy).
void truncated_copy(const fs::path& src, const fs::path& dst, std::uintmax_t keep) {
  fs::copy_file(src, dst);
  fs::resize_file(dst, keep);
}

}  // namespace

TEST_CASE("retention files: list_backups tells backups, damage, partial, Immich's and foreign files apart",
          "[retention][files]") {
  tz_guard tz("UTC");
  temp_dir dir("ret_list");
  const fs::path d = dir.path();
  const std::time_t day = 86400, t0 = utc_time(2025, 6, 1, 2, 30);
  fs::path passed = write_backup(d, t0 + 4 * day);
  fs::path failed = write_backup(d, t0 + 3 * day);
  fs::path plain = write_backup(d, t0 + 2 * day);
  // Named for one time, taken at another: the manifest's snapshot time wins.
  fs::path renamed = write_backup(d, t0, backup_file_name(t0 + 10 * day, "immich-db"));
  mark_verified(passed);
  mark_verified(failed, false);
  // A record for an older, different file of the same name.
  verify_record stale;
  stale.verified_at = "2025-01-01T00:00:00Z";
  stale.ok = true;
  stale.kind = "offline";
  stale.bytes = fs::file_size(plain) + 1;
  format::write_verify_record(plain, stale);

  truncated_copy(passed, d / backup_file_name(t0 + 5 * day), fs::file_size(passed) / 2);
  write_text(d / "immich-db-backup-20250601T020000-v1.135.0-pg14.17.sql.gz", "not really gzip");
  write_text(d / "notes.txt", "hello");
  const std::string part = backup_file_name(t0 + 6 * day);
  write_text(d / (part + ".partial"), "-- immichbak backup, format 1.0\n");
  write_text(d / (part + ".sha256"), "orphan sidecar of the partial file\n");
  write_text(d / "gone.sql.zst.sha256", "a sidecar whose file is gone\n");
  write_text(d / ".hidden", "");
  fs::create_directories(d / "subdir");

  auto v = list_backups(d);
  std::vector<std::string> order;
  for (const auto& e : v) order.push_back(e.name);
  INFO(fmt::format("{}", fmt::join(order, ", ")));
  REQUIRE(v.size() == 9);

  const auto& p = find(v, passed.filename().string());
  CHECK(p.kind == entry_kind::backup);
  CHECK(p.prefix == "immich-db");
  CHECK(p.verification == verify_state::passed);
  CHECK(p.time == sys(t0 + 4 * day));
  CHECK(p.time_source == "manifest");
  CHECK(p.immich_version == "v1.135.0");
  CHECK(p.server_version == "15.18");
  CHECK(p.database == "immich");
  CHECK(p.tables == 1);
  CHECK(p.rows == 3);
  CHECK(p.has_sidecar);
  CHECK(p.companions.size() == 2);  // .sha256 and .verified.json
  CHECK(find(v, failed.filename().string()).verification == verify_state::failed);
  CHECK(find(v, plain.filename().string()).verification == verify_state::outdated);
  const auto& r = find(v, renamed.filename().string());
  CHECK(r.time == sys(t0));
  CHECK(r.verification == verify_state::unverified);

  const auto& cut = find(v, backup_file_name(t0 + 5 * day));
  CHECK(cut.kind == entry_kind::damaged);
  CHECK_FALSE(cut.problem.empty());
  CHECK(cut.time == sys(t0 + 5 * day));  // from its name
  CHECK(cut.time_source == "name");

  const auto& im = find(v, "immich-db-backup-20250601T020000-v1.135.0-pg14.17.sql.gz");
  CHECK(im.kind == entry_kind::immich);
  CHECK(im.immich_version == "v1.135.0");
  CHECK(im.server_version == "14.17");
  CHECK(im.time == sys(utc_time(2025, 6, 1, 2)));

  const auto& pa = find(v, part + ".partial");
  CHECK(pa.kind == entry_kind::partial);
  CHECK(pa.prefix == "immich-db");
  REQUIRE(pa.companions.size() == 1);
  CHECK(pa.companions[0].filename() == part + ".sha256");

  CHECK(find(v, "notes.txt").kind == entry_kind::foreign);
  CHECK(find(v, "gone.sql.zst.sha256").kind == entry_kind::foreign);

  // Newest first.
  for (std::size_t i = 1; i < v.size(); ++i) CHECK(v[i - 1].time >= v[i].time);

  // The JSON form is one object with every entry.
  auto j = to_json(v);
  CHECK(j.find("\"kind\": \"damaged\"") != std::string::npos);
  CHECK(to_text(v).find("VERIFY FAILED") != std::string::npos);

  CHECK_THROWS_AS(list_backups(d / "no-such-dir"), error);
}

TEST_CASE("retention files: prune removes exactly what the plan removes, with sidecars and records",
          "[retention][files]") {
  tz_guard tz("UTC");
  temp_dir dir("ret_prune");
  const fs::path d = dir.path();
  const std::time_t day = 86400, t0 = utc_time(2025, 6, 1, 2, 30);
  std::vector<fs::path> files;
  for (int i = 0; i < 10; ++i) {
    files.push_back(write_backup(d, t0 + i * day));
    mark_verified(files.back());
  }
  truncated_copy(files[0], d / backup_file_name(t0 - day), 100);
  write_text(d / "notes.txt", "hello");
  const std::string stale = backup_file_name(t0 - 3 * day) + ".partial";
  const std::string young = backup_file_name(t0 + 9 * day + 3600) + ".partial";
  write_text(d / stale, "x");
  write_text(d / young, "x");
  set_mtime(d / stale, t0 - 3 * day);
  set_mtime(d / young, t0 + 9 * day + 3600);

  prune_options o;
  o.dir = d;
  o.policy.keep_last = 3;
  o.now = sys(t0 + 9 * day + 7200);
  o.dry_run = true;
  const auto before = names_in(d);
  prune_result dry = prune(o);
  CHECK(names_in(d) == before);  // a dry run touches nothing
  CHECK(dry.plan.count(plan_action::remove) == 8);  // 7 backups, the stale partial file
  CHECK(dry.applied.removals.empty());
  CHECK(to_text(dry).find("would keep 3, remove 8") != std::string::npos);

  o.dry_run = false;
  prune_result res = prune(o);
  CHECK(res.applied.ok());
  CHECK(res.applied.removals.size() == 8);
  std::set<std::string> expected;
  for (int i = 7; i < 10; ++i) {
    expected.insert(files[static_cast<std::size_t>(i)].filename().string());
    expected.insert(files[static_cast<std::size_t>(i)].filename().string() + ".sha256");
    expected.insert(files[static_cast<std::size_t>(i)].filename().string() + ".verified.json");
  }
  expected.insert(backup_file_name(t0 - day));  // damaged: never removed
  expected.insert("notes.txt");
  expected.insert(young);
  CHECK(names_in(d) == expected);
  for (const auto& rm : res.applied.removals)
    if (rm.path.filename() != stale) CHECK(rm.companions.size() == 2);
  CHECK(res.applied.bytes_freed > 0);
  CHECK(to_json(res).find("\"removed\": 8") != std::string::npos);

  // Planned again on what is left: nothing more goes.
  prune_result again = prune(o);
  CHECK(again.applied.removals.empty());
  CHECK(names_in(d) == expected);
}

TEST_CASE("retention files: apply leaves a file alone that changed after the plan", "[retention][files]") {
  tz_guard tz("UTC");
  temp_dir dir("ret_changed");
  const fs::path d = dir.path();
  const std::time_t day = 86400, t0 = utc_time(2025, 6, 1, 2, 30);
  std::vector<fs::path> files;
  for (int i = 0; i < 4; ++i) {
    files.push_back(write_backup(d, t0 + i * day));
    mark_verified(files.back());
  }
  retention_policy p;
  p.keep_last = 1;
  auto plan = plan_retention(list_backups(d), p, sys(t0 + 5 * day));
  REQUIRE(plan.count(plan_action::remove) == 3);
  {
    std::ofstream out(files[0], std::ios::app | std::ios::binary);
    out << "grown";
  }
  auto res = apply_retention(plan);
  CHECK_FALSE(res.ok());
  CHECK(fs::exists(files[0]));
  CHECK_FALSE(fs::exists(files[1]));
  CHECK_FALSE(fs::exists(files[2]));
  for (const auto& rm : res.removals)
    if (rm.path == files[0]) CHECK_THAT(rm.problem, Catch::Contains("size changed"));

  // The newest verified backup, which the plan keeps, disappears: nothing is removed.
  fs::path more = write_backup(d, t0 + 6 * day);
  mark_verified(more);
  auto plan2 = plan_retention(list_backups(d), p, sys(t0 + 7 * day));
  // (files[0] grew after its footer: it is damaged now, and left alone)
  const auto listing = list_backups(d);
  CHECK(find(listing, files[0].filename().string()).kind == entry_kind::damaged);
  REQUIRE(plan2.count(plan_action::remove) == 1);
  fs::remove(more);
  CHECK_THROWS_AS(apply_retention(plan2), error);
  CHECK(fs::exists(files[3]));
}

TEST_CASE("retention files: prune refuses while a backup holds the directory, or waits for it", "[retention][files]") {
  tz_guard tz("UTC");
  temp_dir dir("ret_lock");
  const fs::path d = dir.path();
  const std::time_t t0 = utc_time(2025, 6, 1, 2, 30);
  for (int i = 0; i < 3; ++i) mark_verified(write_backup(d, t0 + i * 86400));
  prune_options o;
  o.dir = d;
  o.policy.keep_last = 1;
  o.now = sys(t0 + 5 * 86400);

  auto backup_lock = format::dir_lock::for_backup(d, std::chrono::milliseconds(0), nullptr);
  REQUIRE(backup_lock.held());
  CHECK(fs::exists(d / format::dir_lock_name));
  try {
    prune(o);
    FAIL("prune ran while a backup held the directory");
  } catch (const error& e) {
    CHECK(e.code() == errc::already_running);
    CHECK_THAT(e.what(), Catch::Contains("backup"));
  }
  CHECK(list_backups(d).size() == 3);
  // A dry run needs no lock.
  o.dry_run = true;
  CHECK(prune(o).plan.count(plan_action::remove) == 2);
  o.dry_run = false;

  // With a wait, prune runs once the backup has finished.
  std::thread finisher([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    backup_lock.release();
  });
  o.lock_wait = std::chrono::seconds(20);
  auto res = prune(o);
  finisher.join();
  CHECK(res.applied.removals.size() == 2);
  CHECK(list_backups(d).size() == 1);
  // The last holder removed the lock file.
  CHECK_FALSE(fs::exists(d / format::dir_lock_name));

  // A backup waits for a prune, and gives up after its wait.
  auto prune_lock =
      format::dir_lock::acquire(d, format::dir_lock_mode::exclusive, std::chrono::milliseconds(0), nullptr, "test");
  try {
    format::dir_lock::for_backup(d, std::chrono::milliseconds(200), nullptr);
    FAIL("a backup started while prune held the directory");
  } catch (const error& e) {
    CHECK(e.code() == errc::lock_timeout);
    CHECK_THAT(e.what(), Catch::Contains("prune"));
  }
  // Two backups share the directory.
  prune_lock.release();
  auto a = format::dir_lock::for_backup(d, std::chrono::milliseconds(0), nullptr);
  auto b = format::dir_lock::for_backup(d, std::chrono::milliseconds(0), nullptr);
  CHECK((a.held() && b.held()));
  a.release();
  CHECK(fs::exists(d / format::dir_lock_name));  // b still holds it
  b.release();
  CHECK_FALSE(fs::exists(d / format::dir_lock_name));

  // Readable by every user whatever the umask: a prune run by root must not lock out the
  // backup's user.
  const mode_t saved = ::umask(077);
  {
    auto l = format::dir_lock::acquire(d, format::dir_lock_mode::exclusive, std::chrono::milliseconds(0), nullptr, "t");
    struct stat st {};
    REQUIRE(::stat((d / format::dir_lock_name).c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0644);
  }
  ::umask(saved);
}

TEST_CASE("retention files: verify records its result next to the file", "[retention][files]") {
  temp_dir dir("ret_record");
  fs::path file = write_backup(dir.path(), utc_time(2025, 6, 1, 2, 30));
  verify_options o;
  o.file = file;
  verify_report rep = verify(o);
  INFO(to_text(rep));
  REQUIRE(rep.ok());
  auto rec = format::read_verify_record(file);
  REQUIRE(rec);
  CHECK(rec->ok);
  CHECK(rec->kind == "offline");
  CHECK(rec->bytes == fs::file_size(file));
  CHECK(rec->failed_checks.empty());
  CHECK(list_backups(dir.path()).front().verification == verify_state::passed);
  // No temporary file is left.
  std::set<std::string> expected{file.filename().string(), file.filename().string() + ".sha256",
                                 file.filename().string() + ".verified.json"};
  CHECK(names_in(dir.path()) == expected);

  // Damage inside the data frame (same size): verify fails, and the record says so.
  std::uint64_t at = 0;
  for (const auto& f : read_manifest(file).frames)
    if (f.kind == frame_kind::data) at = f.offset + f.stored_size / 2;
  REQUIRE(at > 0);
  auto poke = [&](std::uint64_t offset) {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(static_cast<std::streamoff>(offset));
    char c = 0;
    f.get(c);
    f.seekp(static_cast<std::streamoff>(offset));
    f.put(static_cast<char>(c ^ 0x5A));
  };
  poke(at);
  rep = verify(o);
  INFO(to_text(rep));
  REQUIRE_FALSE(rep.ok());
  rec = format::read_verify_record(file);
  REQUIRE(rec);
  CHECK_FALSE(rec->ok);
  CHECK_FALSE(rec->failed_checks.empty());
  CHECK(list_backups(dir.path()).front().verification == verify_state::failed);

  // Damage in the manifest: verify stops before its checks and leaves the last record as
  // it was, but nothing trusts a record of a file whose manifest does not read.
  mark_verified(file, true);
  poke(fs::file_size(file) - 200);
  CHECK_THROWS(read_manifest(file));
  CHECK(list_backups(dir.path()).front().kind == entry_kind::damaged);

  // A record that is not one is ignored (and the file counts as unverified).
  poke(fs::file_size(file) - 200);  // repaired
  write_text(format::verify_record_path(file), "{not json");
  CHECK_FALSE(format::read_verify_record(file));
  CHECK(list_backups(dir.path()).front().kind == entry_kind::backup);
  CHECK(list_backups(dir.path()).front().verification == verify_state::unverified);
  CHECK(format::parse_verify_record(R"({"format": 2, "bytes": 1, "verified_at": "x", "ok": true, "kind": "offline"})") ==
        std::nullopt);
}
