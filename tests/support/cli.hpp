#pragma once
// Running the immichbak CLI from an integration test: one helper for every test file.

#include <filesystem>
#include <string>

namespace immichbak::test {

/// What one CLI run did.
struct cli_outcome {
  int rc = 0;
  std::string out;  ///< stdout only
  std::string err;  ///< stderr only
  std::string all() const { return out + err; }
};

/// Runs `env ENV immichbak ARGS` (ENV e.g. "TZ=UTC" or "-u PGDATABASE"; ARGS already shell
/// quoted) against the test cluster (require_cluster()), stdout and stderr captured apart
/// through files in `scratch`. Throws when the tests were built without the CLI
/// (IMMICHBAK_BUILD_CLI off).
cli_outcome run_cli(const std::string& args, const std::filesystem::path& scratch, const std::string& env = {});

}  // namespace immichbak::test
