#pragma once
// Helpers for integration tests: the throwaway cluster started by the pg_cluster CTest
// fixture, a fresh database per test, and running shell tools (psql, pg_dump) against it.

#include <filesystem>
#include <string>

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

/// `pg_dump --schema-only` of a database with the header comments and the lines that
/// always differ between two databases (restrict keys, dump timestamps) removed.
std::string schema_dump(const std::string& db);
/// Every table's rows, sorted, as "schema.table\n<sorted COPY lines>" blocks.
std::string data_dump(const std::string& db);

/// Loads tests/fixtures/immich_schema.sql and the generated data for `assets` assets.
void load_immich_fixture(const scratch_database& db, int assets = 50);

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

}  // namespace immichbak::test
