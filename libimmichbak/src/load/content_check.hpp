#pragma once
// After loading: do the restored tables hold exactly the rows the backup hashed?
// Two depths, both comparing row counts and content hashes (format/content_hash.hpp)
// with the manifest:
//   check_loaded   the rows as the load sent them (hashed while streaming) and the row
//                  counts the server confirmed for each COPY: costs the server nothing.
//   check_content  reads every table back, `COPY "s"."t" (cols) TO STDOUT` under the
//                  backup's session settings: also catches anything the server changed
//                  on the way in, at the price of a second full pass over the data.
// The findings are values; the caller decides whether a mismatch is an error (restore)
// or a reported check (verify --restore-test).

#include <immichbak/manifest.hpp>

#include "load/loader.hpp"
#include "load/parallel_run.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace immichbak::pg {
class connection;
}

namespace immichbak::load {

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
                                       const std::vector<pg::connection*>& sessions, run_control& state, reporter& rep,
                                       const std::function<bool(const manifest_table&)>& selected = {});

/// Compares what load() sent (load_result::loaded_hashes) with the manifest
/// for the tables that have data and, when `selected` is set, that it accepts.
std::vector<table_check> check_loaded(const manifest& m, const load_result& loaded,
                                      const std::function<bool(const manifest_table&)>& selected = {});

/// Throws the error restore() reports when any check failed: errc::restore_check_failed
/// listing the tables (the first few in detail). Returns when all passed.
void throw_if_check_failed(const std::vector<table_check>& checks);

}  // namespace immichbak::load
