// An outside program built against the installed package: uses only public headers and calls
// every function they declare at least once, so a symbol a header declares but the library
// does not export (a shared build hides everything else) fails to link here. The package test
// checks that every exported name of the headers appears in this file.
//
//   consumer                          link and version checks only
//   consumer WORK_DIR SOURCE_DB TARGET_DB
//                                     also the whole life of a backup against a real server
//                                     (PGHOST/PGPORT/PGUSER from the environment): back up,
//                                     inspect, extract, verify, list, plan, apply, prune,
//                                     check its age, run the nightly job, restore
#include <immichbak/immichbak.hpp>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

namespace fs = std::filesystem;

namespace {

int failures = 0;

void check(bool ok, const std::string& what) {
  if (!ok) {
    std::cerr << "consumer: FAILED: " << what << '\n';
    ++failures;
  }
}

void link_checks() {
  check(std::strcmp(immichbak::library_version(), immichbak::header_version) == 0,
        "header and library versions match");
  check(immichbak::redact_dsn("postgresql://u:secret@localhost/immich").find("secret") == std::string::npos,
        "redact_dsn removes the password");
  check(std::string(immichbak::code_name(immichbak::errc::corrupt_backup)) == "corrupt_backup", "code_name");
  immichbak::error e(immichbak::errc::query_failed, "x", "42P01");
  check(e.code() == immichbak::errc::query_failed && e.sqlstate() == "42P01", "error carries code and sqlstate");
  try {
    (void)immichbak::read_manifest("/nonexistent/backup.sql.zst");
    check(false, "reading a missing file throws");
  } catch (const immichbak::error& err) {
    check(err.code() == immichbak::errc::io_error || err.code() == immichbak::errc::not_a_backup,
          std::string("a missing file's error code: ") + immichbak::code_name(err.code()));
  }
  // Member functions of public value types, default-constructed.
  immichbak::verify_report report;
  immichbak::retention_policy policy;
  immichbak::retention_plan plan;
  immichbak::apply_result applied;
  check(report.ok() && policy.empty() && plan.count(immichbak::plan_action::keep) == 0 &&
            plan.bytes_to_free() == 0 && applied.ok(),
        "default-constructed report, policy, plan and result");
  check(std::string(immichbak::frame_kind_name(immichbak::frame_kind::data)) == "data", "frame_kind_name");
  check(std::string(immichbak::check_status_name(immichbak::check_status::warn)) == "warn", "check_status_name");
  check(std::string(immichbak::entry_kind_name(immichbak::entry_kind::partial)) == "partial", "entry_kind_name");
  check(std::string(immichbak::verify_state_name(immichbak::verify_state::passed)) == "passed",
        "verify_state_name");
  check(std::string(immichbak::plan_action_name(immichbak::plan_action::remove)) == "remove", "plan_action_name");
  check(std::string(immichbak::age_status_name(immichbak::age_status::critical)) == "CRITICAL", "age_status_name");
  check(std::string(immichbak::run_step_name(immichbak::run_step::prune)) == "prune", "run_step_name");
  check(immichbak::to_string(immichbak::parse_calendar_duration("2w")) == "14d", "parse_calendar_duration");
  check(immichbak::format_age(immichbak::parse_age("1d2h")) == "1d2h", "parse_age and format_age");
  check(!immichbak::immich_regenerable_tables().empty(), "immich_regenerable_tables");
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void life_of_a_backup(const fs::path& work, const std::string& source_db, const std::string& target_db) {
  fs::create_directories(work);
  const fs::path dir = work / "backups";
  fs::create_directories(dir);

  // Connect the way Immich does: its .env, with the database name given on top.
  const fs::path env_file = work / "immich.env";
  std::ofstream(env_file) << "DB_DATABASE_NAME=not-this-one\n";
  immichbak::immich_env_connection conn = immichbak::connection_from_immich_env(env_file, source_db);
  check(conn.dsn.find(source_db) != std::string::npos, "connection_from_immich_env takes the given database");

  std::size_t progress_calls = 0;
  immichbak::backup_options bo;
  bo.dsn = "dbname=" + source_db;  // PGHOST/PGPORT/PGUSER from the environment
  bo.dest_dir = dir;
  bo.jobs = 2;
  bo.require_immich = true;
  bo.events.progress = [&](const immichbak::progress_event&) { ++progress_calls; };
  immichbak::backup_result b = immichbak::backup(bo);
  check(fs::exists(b.file) && b.rows > 0 && progress_calls > 0, "backup wrote a file with rows, with progress");

  immichbak::manifest m = immichbak::read_manifest(b.file);
  check(m.database == source_db && !m.tables.empty(), "read_manifest");
  check(immichbak::to_json(m).find("\"tables\"") != std::string::npos && !immichbak::to_text(m).empty(),
        "manifest to_json and to_text");
  std::ostringstream sql;
  immichbak::extract_table(b.file, "public.asset", sql);
  check(sql.str().find("COPY") != std::string::npos, "extract_table writes COPY data");

  immichbak::verify_options vo;
  vo.file = b.file;
  immichbak::verify_report v = immichbak::verify(vo);
  check(v.ok(), "offline verify passes:\n" + immichbak::to_text(v));
  check(immichbak::to_json(v).find("\"checks\"") != std::string::npos, "verify to_json");

  std::vector<immichbak::backup_entry> entries = immichbak::list_backups(dir);
  check(entries.size() == 1 && entries[0].verification == immichbak::verify_state::passed,
        "list_backups sees the verified backup");
  check(!immichbak::to_json(entries).empty() && !immichbak::to_text(entries).empty(), "listing to_json and to_text");

  immichbak::retention_policy keep_one;
  keep_one.keep_last = 1;
  check(!keep_one.empty() && immichbak::to_string(keep_one).find("1") != std::string::npos, "policy to_string");
  const auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  immichbak::retention_plan plan = immichbak::plan_retention(entries, keep_one, now);
  check(plan.count(immichbak::plan_action::keep) == 1 && plan.bytes_to_free() == 0, "plan keeps the one backup");
  immichbak::apply_result applied = immichbak::apply_retention(plan);
  check(applied.ok() && applied.removals.empty() && fs::exists(b.file), "apply_retention removes nothing");

  immichbak::prune_options po;
  po.dir = dir;
  po.policy = keep_one;
  po.dry_run = true;
  immichbak::prune_result pr = immichbak::prune(po);
  check(pr.dry_run && !immichbak::to_json(pr).empty() && !immichbak::to_text(pr).empty(), "prune dry run");

  immichbak::age_check_options ao;
  ao.dir = dir;
  immichbak::age_check_result age = immichbak::check_backup_age(ao);
  check(age.status == immichbak::age_status::ok, "check_backup_age: " + immichbak::to_text(age));
  check(!immichbak::to_json(age).empty(), "age to_json");

  // The nightly job: a second backup, verified, then pruned down to one.
  immichbak::run_options ro;
  ro.backup = bo;
  ro.backup.events = {};
  ro.retention = keep_one;
  ro.metrics_file = work / "immichbak.prom";
  immichbak::run_result r = immichbak::run(ro);
  check(r.ok() && immichbak::run_exit_code(r) == 0, "run succeeded:\n" + immichbak::to_text(r));
  check(immichbak::to_json(r).find("\"backup\"") != std::string::npos, "run to_json");
  check(immichbak::to_prometheus(r) == read_file(ro.metrics_file), "the metrics file holds to_prometheus()");
  check(!fs::exists(b.file) && r.backup && fs::exists(r.backup->file), "run pruned the first backup");

  immichbak::restore_options rs;
  rs.file = r.backup->file;
  rs.dsn = "dbname=" + target_db;
  rs.jobs = 2;
  immichbak::restore_result restored = immichbak::restore(rs);
  check(restored.database == target_db && restored.rows == r.backup->rows, "restore loaded every row");
  std::cout << "consumer: backed up, verified, pruned and restored " << restored.rows << " rows of "
            << source_db << " into " << target_db << '\n';
}

}  // namespace

int main(int argc, char** argv) {
  try {
    link_checks();
    if (argc == 4) life_of_a_backup(argv[1], argv[2], argv[3]);
    else if (argc != 1) {
      std::cerr << "usage: consumer [WORK_DIR SOURCE_DB TARGET_DB]\n";
      return 2;
    }
  } catch (const immichbak::error& e) {
    std::cerr << "consumer: FAILED (" << immichbak::code_name(e.code()) << "): " << e.what() << '\n';
    return 1;
  }
  if (failures) return 1;
  std::cout << "immichbak " << immichbak::library_version() << " ok\n";
  return 0;
}
