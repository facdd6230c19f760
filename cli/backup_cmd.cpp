// immichbak backup [--dbname DSN] [--immich-env FILE] --dest DIR [--prefix P] [--compress zstd[:LEVEL]|none] [--jobs N]
//                  [--exclude-table-data PATTERN]... [--exclude-regenerable] [--lock-timeout SECONDS]
//                  [--allow-non-immich]
#include "backup_args.hpp"
#include "cli_common.hpp"
#include "connection_args.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <iostream>

namespace immichbak::cli {

namespace {

int run_backup(const backup_args& a, const global_options& g) {
  backup_options o = to_backup_options(a);
  o.events = make_event_sink(g);
  o.dsn = resolve_dsn(a.immich_env, a.dsn, o.events);

  backup_result r = backup(o);
  finish_progress();

  if (g.json) {
    nlohmann::json j{{"ok", true},
                     {"path", r.file.string()},
                     {"sidecar", r.sidecar.string()},
                     {"sha256", r.sha256},
                     {"bytes", r.bytes},
                     {"plain_bytes", r.plain_bytes},
                     {"rows", r.rows},
                     {"tables", r.tables},
                     {"tables_empty", r.tables_empty},
                     {"tables_excluded", r.tables_excluded},
                     {"seconds", r.seconds},
                     {"database", r.database},
                     {"immich_version", r.immich_version},
                     {"server_version", r.server_version}};
    std::cout << dump_json(j) << "\n";
  } else {
    // The path once, on stdout, for scripts; the library's last log line is the summary.
    std::cout << r.file.string() << "\n";
  }
  return exit_code::ok;
}

}  // namespace

command add_backup(CLI::App& root, const global_options& g) {
  auto args = std::make_shared<backup_args>();
  CLI::App* sub = root.add_subcommand("backup", "Write one consistent, compressed, self-describing backup file");
  add_backup_options(sub, *args, false);
  return {sub, [args, &g] { return run_backup(*args, g); }};
}

}  // namespace immichbak::cli
