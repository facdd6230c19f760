// immichbak backup --dbname DSN --dest DIR [--prefix P] [--compress zstd[:LEVEL]|none] [--jobs N]
//                  [--exclude-table-data PATTERN]... [--exclude-regenerable] [--lock-timeout SECONDS]
//                  [--allow-non-immich]
#include "cli_common.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <iostream>

namespace immichbak::cli {

namespace {

struct backup_args {
  std::string dsn;
  std::string dest;
  std::string prefix = "immich-db";
  std::string compress = "zstd";
  int jobs = 1;
  std::vector<std::string> exclude;
  bool exclude_regenerable = false;
  double lock_timeout_s = 30;
  bool allow_non_immich = false;
};

void parse_compression(const std::string& spec, backup_options& o) {
  if (spec == "none") {
    o.compress = compression::none;
    return;
  }
  if (spec.rfind("zstd", 0) == 0) {
    o.compress = compression::zstd;
    if (spec.size() > 4) {
      if (spec[4] != ':') throw error(errc::invalid_argument, "--compress: expected zstd, zstd:LEVEL or none, got \"" + spec + "\"");
      try {
        o.compression_level = std::stoi(spec.substr(5));
      } catch (...) {
        throw error(errc::invalid_argument, "--compress: the zstd level must be a number from 1 to 19, got \"" + spec.substr(5) + "\"");
      }
    }
    return;
  }
  throw error(errc::invalid_argument, "--compress: expected zstd, zstd:LEVEL or none, got \"" + spec + "\"");
}

int run_backup(const backup_args& a, const global_options& g) {
  backup_options o;
  o.dsn = a.dsn;
  o.dest_dir = a.dest;
  o.prefix = a.prefix;
  parse_compression(a.compress, o);
  o.jobs = a.jobs;
  o.exclude_table_data = a.exclude;
  o.exclude_regenerable = a.exclude_regenerable;
  o.lock_timeout = std::chrono::milliseconds(static_cast<long long>(a.lock_timeout_s * 1000));
  o.require_immich = !a.allow_non_immich;
  o.events = make_event_sink(g);

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
  sub->add_option("-d,--dbname", args->dsn,
                  "libpq connection string or URI (default: PG* environment, .pgpass, service files)")
      ->envname("IMMICHBAK_DBNAME");
  sub->add_option("--dest", args->dest, "Directory to write the backup into")->required()->envname("IMMICHBAK_DEST");
  sub->add_option("--prefix", args->prefix, "File name prefix")->capture_default_str();
  sub->add_option("--compress", args->compress, "zstd (level 2), zstd:LEVEL (1-19) or none")->capture_default_str();
  sub->add_option("-j,--jobs", args->jobs, "Parallel COPY workers sharing one snapshot")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  sub->add_option("--exclude-table-data", args->exclude,
                  "Keep the table's definition but not its rows (schema.table or table; * and ? wildcards); repeatable");
  sub->add_flag("--exclude-regenerable", args->exclude_regenerable,
                "Leave out rows Immich can rebuild with its own jobs (embeddings, thumbnails, geodata)");
  sub->add_option("--lock-timeout", args->lock_timeout_s, "Seconds to wait for table locks")->capture_default_str();
  sub->add_flag("--allow-non-immich", args->allow_non_immich,
                "Back up the database even if it holds no Immich tables (by default that is refused: it is "
                "usually the wrong database, e.g. \"postgres\" when neither --dbname nor PGDATABASE names one)");
  return {sub, [args, &g] { return run_backup(*args, g); }};
}

}  // namespace immichbak::cli
