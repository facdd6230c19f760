#include "backup_args.hpp"

#include "connection_args.hpp"

#include <immichbak/error.hpp>

#include <fmt/format.h>

#include <chrono>

namespace immichbak::cli {

namespace {

constexpr const char* compress_forms = "zstd, zstd:LEVEL, gzip, gzip:LEVEL or none";

void parse_compression(const std::string& spec, backup_options& o) {
  if (spec == "none") {
    o.compress = compression::none;
    return;
  }
  struct variant {
    const char* name;
    compression c;
    int default_level;
    const char* range;
  };
  for (const variant v : {variant{"zstd", compression::zstd, 2, "1 to 19"},
                          variant{"gzip", compression::gzip, default_gzip_level, "1 to 12"}}) {
    const std::string name = v.name;
    if (spec.rfind(name, 0) != 0) continue;
    o.compress = v.c;
    o.compression_level = v.default_level;
    if (spec.size() == name.size()) return;
    if (spec[name.size()] != ':')
      throw error(errc::invalid_argument, fmt::format("--compress: expected {}, got \"{}\"", compress_forms, spec));
    const std::string level = spec.substr(name.size() + 1);
    std::size_t used = 0;
    try {
      o.compression_level = std::stoi(level, &used);
    } catch (...) {
      used = 0;
    }
    if (used == 0 || used != level.size())
      throw error(errc::invalid_argument,
                  fmt::format("--compress: the {} level must be a number from {}, got \"{}\"", name, v.range, level));
    return;
  }
  throw error(errc::invalid_argument, fmt::format("--compress: expected {}, got \"{}\"", compress_forms, spec));
}

}  // namespace

void add_backup_options(CLI::App* sub, backup_args& a, bool env_for_all) {
  auto env = [env_for_all](CLI::Option* o, const char* name) {
    if (env_for_all) o->envname(name);
    return o;
  };
  sub->add_option("-d,--dbname", a.dsn, "libpq connection string or URI (default: PG* environment, .pgpass, service files)")
      ->envname("IMMICHBAK_DBNAME");
  add_immich_env_option(sub, a.immich_env);
  sub->add_option("--dest", a.dest, "Directory to write the backup into")->required()->envname("IMMICHBAK_DEST");
  env(sub->add_option("--prefix", a.prefix, "File name prefix")->capture_default_str(), "IMMICHBAK_PREFIX");
  env(sub->add_option("--compress", a.compress, "zstd (level 2), zstd:LEVEL (1-19), gzip (level 2; a .sql.gz Immich's own Backups page restores), gzip:LEVEL (1-12) or none")->capture_default_str(),
      "IMMICHBAK_COMPRESS");
  env(sub->add_option("-j,--jobs", a.jobs, "Parallel COPY workers sharing one snapshot")
          ->check(CLI::Range(1, 64))
          ->capture_default_str(),
      "IMMICHBAK_JOBS");
  env(sub->add_option("--exclude-table-data", a.exclude,
                      "Keep the table's definition but not its rows (schema.table or table; * and ? wildcards); repeatable"),
      "IMMICHBAK_EXCLUDE_TABLE_DATA");
  env(sub->add_flag("--exclude-regenerable", a.exclude_regenerable,
                    "Leave out rows Immich can rebuild with its own jobs (embeddings, thumbnails, geodata)"),
      "IMMICHBAK_EXCLUDE_REGENERABLE");
  env(sub->add_option("--lock-timeout", a.lock_timeout_s, "Seconds to wait for table locks")->capture_default_str(),
      "IMMICHBAK_LOCK_TIMEOUT");
  env(sub->add_flag("--allow-non-immich", a.allow_non_immich,
                    "Back up the database even if it holds no Immich tables (by default that is refused: it is "
                    "usually the wrong database, e.g. \"postgres\" when neither --dbname nor PGDATABASE names one)"),
      "IMMICHBAK_ALLOW_NON_IMMICH");
  // One flag with its negation: --text-copy turns the default off (and so does
  // IMMICHBAK_BINARY_COPY=0); --binary-copy stays accepted for scripts written before it was the default.
  env(sub->add_flag("--binary-copy,!--text-copy", a.binary_copy,
                    "--binary-copy (the default): read tables of number, text, uuid, jsonb, bytea, array and vector "
                    "columns with binary COPY and write the same text here (each type proven on the server first; "
                    "the file does not change), less work for the database server. --text-copy: the server "
                    "formats every row, as pg_dump does"),
      "IMMICHBAK_BINARY_COPY");
}

backup_options to_backup_options(const backup_args& a) {
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
  o.binary_copy = a.binary_copy;
  return o;
}

}  // namespace immichbak::cli
