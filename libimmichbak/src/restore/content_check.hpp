#pragma once
// After loading: do the restored tables hold exactly the rows the backup hashed?
// For each table of the manifest with data, `COPY "s"."t" (cols) TO STDOUT` under the
// backup's session settings, recompute the content hash (format/content_hash.hpp) and
// compare rows and hash with the manifest. The findings are values; the caller decides
// whether a mismatch is an error (restore) or a reported check (verify --restore-test).

#include <immichbak/manifest.hpp>

#include "restore/loader.hpp"
#include "restore/run_state.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace immichbak::pg {
class connection;
}

namespace immichbak::restore_detail {

struct table_check {
  std::string schema;
  std::string table;
  bool ok = false;
  std::uint64_t expected_rows = 0;
  std::uint64_t actual_rows = 0;
  std::string expected_hash;
  std::string actual_hash;
  std::string detail;  ///< what differs, when !ok
};

/// Checks the manifest's tables that have data (not data_excluded) and, when `selected`
/// is set, that it accepts. `copy_columns` are the column lists the load saw in the data
/// frames (load_result::copy_columns); tables without data frames take theirs from the
/// catalog (non-generated columns in attnum order, as the backup lists them). Extension
/// configuration tables are read through the extension's own filter, as the backup did.
/// Sessions must be set up (setup_session) and registered with `state`.
std::vector<table_check> check_content(const manifest& m, const std::map<table_key, std::string>& copy_columns,
                                       const std::vector<pg::connection*>& sessions, run_state& state, reporter& rep,
                                       const std::function<bool(const manifest_table&)>& selected = {});

/// Throws the error restore() reports when any check failed: errc::restore_check_failed
/// listing the tables (the first few in detail). Returns when all passed.
void throw_if_check_failed(const std::vector<table_check>& checks);

}  // namespace immichbak::restore_detail
