#pragma once
// The options of `backup`, shared by `backup` and `run` (one definition: the two commands
// take the same words with the same meaning).

#include <immichbak/backup.hpp>

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace immichbak::cli {

struct backup_args {
  std::string dsn;
  std::string immich_env;  ///< --immich-env: resolve_dsn() turns it into the DSN
  std::string dest;
  std::string prefix = "immich-db";
  std::string compress = "zstd";
  int jobs = 1;
  std::vector<std::string> exclude;
  bool exclude_regenerable = false;
  bool binary_copy = true;  ///< --binary-copy / --text-copy
  double lock_timeout_s = 30;
  bool allow_non_immich = false;
};

/// Registers the backup options on `sub`. --dbname and --dest read IMMICHBAK_DBNAME and
/// IMMICHBAK_DEST; with `env_for_all`, every other option reads IMMICHBAK_<NAME> too
/// (IMMICHBAK_PREFIX, IMMICHBAK_JOBS, ...: `run` under systemd's EnvironmentFile).
void add_backup_options(CLI::App* sub, backup_args& a, bool env_for_all);

/// The library's options (events not set). Throws error(invalid_argument) for a bad value.
backup_options to_backup_options(const backup_args& a);

}  // namespace immichbak::cli
