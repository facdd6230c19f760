#pragma once
// Connecting the way Immich does: from its docker-compose `.env` file, so nobody copies the
// database password into a connection string by hand.

#include <immichbak/export.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace immichbak {

/// A connection made from Immich's `.env`.
struct immich_env_connection {
  /// keyword=value connection string for `backup_options::dsn` and the others. It holds
  /// the password: show it only through redact_dsn().
  std::string dsn;
  /// The file's variables that went into it: "DB_URL", or some of "DB_HOSTNAME", "DB_PORT",
  /// "DB_USERNAME", "DB_PASSWORD", "DB_DATABASE_NAME", "DB_SSL_MODE".
  std::vector<std::string> used;
  /// Immich's own defaults for what the file leaves out, e.g. "host=database (DB_HOSTNAME
  /// unset)". The password default is named, never its value.
  std::vector<std::string> defaults;
  /// Settings of the file that something the user gave replaced, e.g. "host (PGHOST)",
  /// "dbname (the connection string)".
  std::vector<std::string> overridden;
};

/// Reads Immich's `.env` (compose's env-file rules: comments, quotes, `${VAR}`) and builds
/// the connection Immich's server would make: `DB_URL` when set, else DB_HOSTNAME
/// (default "database", the compose service name), DB_PORT (5432), DB_USERNAME
/// ("postgres"), DB_PASSWORD ("postgres"), DB_DATABASE_NAME ("immich"), DB_SSL_MODE.
/// What the user gives as well wins over the file: each setting of `dsn` (a connection
/// string, URI, or a bare database name), then each PG* environment variable that is set
/// (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, PGSSLMODE, ...). Throws
/// error(invalid_argument) when the file cannot be read, for a line compose would reject
/// or a DB_URL libpq cannot parse; no message quotes a value of the file.
IMMICHBAK_EXPORT immich_env_connection connection_from_immich_env(const std::filesystem::path& env_file,
                                                                  const std::string& dsn = "");

}  // namespace immichbak
