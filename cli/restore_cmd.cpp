// immichbak restore FILE [--dbname DSN] [--immich-env FILE] [--jobs N] [--replace [--drop-old]] [--terminate-sessions] [--in-place] [--table T]...
//                   [--no-owner] [--no-privileges] [--no-check | --check-readback]
#include "cli_common.hpp"
#include "connection_args.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <iostream>

namespace immichbak::cli {

namespace {

struct restore_args {
  std::string file;
  std::string immich_env;
  restore_options o;
  bool replace = false, drop_old = false, in_place = false;
  bool no_check = false;
};

// The flags as the library's one restore_mode; the combinations it cannot express are refused
// here, naming the flags.
restore_mode mode_of(const restore_args& a) {
  if (a.drop_old && !a.replace) throw error(errc::invalid_argument, "--drop-old only makes sense with --replace");
  if (a.in_place && a.replace)
    throw error(errc::invalid_argument,
                "--in-place restores only into an empty database and cannot --replace one; drop one of the two");
  if (a.in_place) return restore_mode::in_place;
  if (a.replace) return a.drop_old ? restore_mode::replace_drop_old : restore_mode::replace;
  return restore_mode::new_database;
}

int run_restore(restore_args& a, const global_options& g) {
  a.o.file = a.file;
  a.o.mode = mode_of(a);
  a.o.check_content = !a.no_check;
  a.o.events = make_event_sink(g);
  a.o.dsn = resolve_dsn(a.immich_env, a.o.dsn, a.o.events);
  restore_result r = restore(a.o);
  finish_progress();

  if (g.json) {
    nlohmann::json j{{"ok", true},          {"database", r.database}, {"rows", r.rows},
                     {"tables", r.tables},  {"seconds", r.seconds},   {"plain_sql", r.plain_sql},
                     {"warnings", r.warnings}, {"immich_jobs_to_run", r.immich_jobs_to_run}};
    j["kept_old_database"] = r.kept_old_database ? nlohmann::json(*r.kept_old_database) : nlohmann::json(nullptr);
    std::cout << dump_json(j) << "\n";
    return exit_code::ok;
  }
  std::cout << fmt::format("restored {} into database \"{}\": {} tables, {} rows in {:.1f}s\n", a.file, r.database,
                           r.tables, r.rows, r.seconds);
  if (r.kept_old_database) std::cout << fmt::format("the previous database was kept as \"{}\"\n", *r.kept_old_database);
  for (const auto& w : r.warnings) std::cerr << "immichbak: warning: " << w << "\n";
  if (!r.immich_jobs_to_run.empty()) {
    std::cout << "this backup left out data Immich can rebuild; after starting Immich run these jobs "
                 "(Administration > Jobs):\n";
    for (const auto& job : r.immich_jobs_to_run) std::cout << "  - " << job << "\n";
  }
  return exit_code::ok;
}

}  // namespace

command add_restore(CLI::App& root, const global_options& g) {
  auto a = std::make_shared<restore_args>();
  CLI::App* sub = root.add_subcommand(
      "restore", "Restore a backup (or a plain pg_dump .sql/.sql.gz/.sql.zst) all or nothing");
  sub->add_option("file", a->file, "Backup file")->required()->check(CLI::ExistingFile);
  sub->add_option("-d,--dbname", a->o.dsn,
                  "Target: libpq connection string or URI; its database is the one restored (default: PG* environment)")
      ->envname("IMMICHBAK_DBNAME");
  add_immich_env_option(sub, a->immich_env);
  sub->add_option("-j,--jobs", a->o.jobs, "Parallel workers for data and index builds")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  sub->add_flag("--replace", a->replace,
                "Replace a non-empty target; the old one is kept as NAME_before_restore_<timestamp>");
  sub->add_flag("--drop-old", a->drop_old, "With --replace: drop the old database instead of keeping it");
  sub->add_flag("--terminate-sessions", a->o.terminate_sessions,
                "End the sessions connected to the target (a running Immich) when the restored copy is swapped in, "
                "instead of refusing; it takes no new connections until then");
  sub->add_flag("--in-place", a->in_place,
                "For roles without CREATEDB: one job, one transaction, into an existing empty database");
  sub->add_option("-t,--table", a->o.tables, "Restore only this table (definition and data); repeatable");
  sub->add_flag("--no-owner", a->o.no_owner, "Do not restore object owners (everything is owned by you)");
  sub->add_flag("--no-privileges", a->o.no_privileges, "Do not restore GRANTs and REVOKEs");
  sub->add_flag("--no-check", a->no_check, "Skip comparing the loaded rows and hashes with the manifest (not advised)");
  sub->add_flag("--check-readback", a->o.check_readback,
                "Also read every restored table back from the server and compare it with the manifest (a second "
                "pass over the data)");
  return {sub, [a, &g] { return run_restore(*a, g); }};
}

}  // namespace immichbak::cli
