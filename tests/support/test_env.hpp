#pragma once
// Helpers for integration tests: the throwaway cluster started by the pg_cluster CTest
// fixture, a fresh database per test, and running shell tools (psql, pg_dump) against it.

#include <filesystem>
#include <string>

namespace immichbak::pg {
class connection;
}

namespace immichbak::test {

/// Loads PGHOST/PGPORT/PGUSER from the fixture's env file into this process's
/// environment (once). Fails the test (throws) when there is no cluster: a missing
/// server is a failure, never a skip.
void require_cluster();

/// A libpq keyword DSN for database `db` on the test cluster.
std::string dsn(const std::string& db);

/// A database that exists for the lifetime of this object. Its name is unique per
/// process and test ("t_<pid>_<n>_<hint>").
class scratch_database {
 public:
  explicit scratch_database(const std::string& hint = "db");
  ~scratch_database();
  scratch_database(const scratch_database&) = delete;
  scratch_database& operator=(const scratch_database&) = delete;
  const std::string& name() const { return name_; }
  std::string dsn() const { return test::dsn(name_); }
  /// Runs SQL through psql -v ON_ERROR_STOP=1; throws with psql's output on failure.
  void psql(const std::string& sql) const;
  void psql_file(const std::filesystem::path& file) const;

 private:
  std::string name_;
};

/// Runs a shell command; returns its exit status and fills `output` with stdout+stderr.
int run(const std::string& command, std::string* output = nullptr);
/// Runs a shell command and throws (with its output) unless it exits 0; returns stdout+stderr.
std::string run_ok(const std::string& command);

/// The schema of a database as text, for comparing two databases: `pg_dump --schema-only`
/// with the header comments and the lines that always differ between two databases
/// (restrict keys, dump timestamps) removed; when the server is newer than pg_dump (Debian's
/// pg_dump 15 refuses a 16+ server), catalog_schema() instead. IMMICHBAK_TEST_SCHEMA_DUMP=catalog
/// or =pg_dump forces one of the two.
std::string schema_dump(const std::string& db);

/// A deterministic description of database `db`'s schema built from the server's own catalog
/// and its deparsers (pg_get_indexdef, pg_get_constraintdef, pg_get_triggerdef,
/// pg_get_functiondef, pg_get_viewdef, format_type, ...): one line per fact ("kind object:
/// facts"), sorted bytewise, no OIDs, no database name, newlines in values written as \n. Two
/// databases with the same schema on the same server give the same text; any difference in
/// columns (type, NOT NULL, default, identity, generated, collation, storage, compression,
/// statistics target, options, column ACLs), constraints, indexes, triggers, rules, views,
/// functions, aggregates, operators, types (enum labels, domains, ranges), sequences and their
/// options and owners, extensions and their versions, inheritance and partitioning, policies,
/// statistics objects, text search objects, foreign data objects, publications, event triggers,
/// default privileges, large objects, owners, ACLs, reloptions, comments, security labels and
/// database-level settings (pg_db_role_setting) and comment shows. Works on PostgreSQL 14-18;
/// objects of extensions are left out (the extension and its version stand for them) except
/// privileges changed after CREATE EXTENSION. Not compared: data, sequence values, whether a
/// materialized view is populated, the database's owner and ACL, tablespaces' locations.
std::string catalog_schema(const std::string& db);
/// The same for any libpq connection string (another cluster, another server version).
std::string catalog_schema_dsn(const std::string& conninfo);
/// The same on an open connection, inside its transaction if one is open (so uncommitted DDL
/// shows; the session's settings are left as they were).
std::string catalog_schema(pg::connection& c);

/// `diff -u` of two texts (at most 200 lines), "-" for `a` and "+" for `b`: readable failure
/// messages when two schema descriptions differ.
std::string unified_diff(const std::string& a, const std::string& b);

/// A result line worth seeing in every run (how many kills, mutated files, refusals ...):
/// written to stdout and appended to BUILD_DIR/test-report.txt, which scripts/test.sh
/// prints after the suite (ctest shows a passing test's output only with -V).
void report(const std::string& line);

/// The major version of the test cluster's server (e.g. 16).
int server_major();
/// The major version of the `pg_dump` on PATH (e.g. 15).
int pg_dump_major();
/// Every table's rows, sorted, as "schema.table\n<sorted COPY lines>" blocks.
std::string data_dump(const std::string& db);

/// Loads tests/fixtures/immich_schema.sql and the generated data for `assets` assets.
void load_immich_fixture(const scratch_database& db, int assets = 50);

/// Loads tests/fixtures/torture_schema.sql, with what the server cannot do rewritten: on
/// PostgreSQL 14 the unlogged sequence becomes a logged one and the security_invoker view a
/// plain one (both 15+); on a server built without lz4 (the npm builds of 14, 16, 17, 18) the
/// lz4 column uses pglz. Returns the rewrites made, one per line (empty on Debian's 15), for
/// the test to log. A rewrite whose statement is no longer in the fixture is an error.
std::string load_torture_schema(const scratch_database& db);

/// A fresh empty directory under the build tree, removed by the destructor.
class temp_dir {
 public:
  explicit temp_dir(const std::string& hint = "tmp");
  ~temp_dir();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

/// A PostgreSQL cluster of a test's own, for tests that stop the server (the shared
/// fixture cluster must stay up for every other test). While it exists PGHOST/PGPORT name
/// it, so dsn(), scratch_database and the psql helpers talk to it; the destructor stops it
/// and points them back at the fixture cluster.
class private_cluster {
 public:
  private_cluster();
  ~private_cluster();
  private_cluster(const private_cluster&) = delete;
  private_cluster& operator=(const private_cluster&) = delete;
  /// Stops the server the way a power cut does (immediate shutdown, no checkpoint).
  void crash();
  /// Starts it again on the same port; crash recovery runs first.
  void restart();

 private:
  temp_dir dir_{"cluster"};
  std::string saved_host_;
  std::string saved_port_;
};

std::filesystem::path source_dir();
std::string shell_quote(const std::string& s);
/// The file's bytes; "" when it does not exist or cannot be read.
std::string slurp(const std::filesystem::path& p);

}  // namespace immichbak::test
