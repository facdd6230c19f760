#pragma once
// Everything a restore checks before it touches anything: the file (footer, manifest,
// sidecar), the server (extensions, preloaded libraries, roles, CREATEDB, version) and the
// target (exists, empty, in use). Each check is its own function so verify --restore-test
// and the tests can run them one by one; preflight() runs the set a restore mode needs and
// throws the first problem as an immichbak::error with a hint.

#include <immichbak/manifest.hpp>
#include <immichbak/restore.hpp>

#include "load/loader.hpp"
#include "load/target_db.hpp"

#include <atomic>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace immichbak::format {
class backup_reader;
}
namespace immichbak::pg {
class connection;
}

namespace immichbak::load {

enum class load_mode {
  scratch,   ///< load into a scratch database, swap it in (the default)
  in_place,  ///< one transaction into the existing empty target (--in-place)
  tables,    ///< one transaction: selected tables into the existing target (--table)
};

/// The file itself, before anything is touched (no server needed): the manifest's
/// structure (format::check_manifest, the check verify runs) and every DDL frame's
/// statements against what immichbak writes in that section (sqlscript::check_frame_statements).
/// Throws error(corrupt_backup) naming the file and the first problems; data frames are
/// checked as they load (their COPY line, sqlscript::parse_copy_line).
void check_backup_file(const format::backup_reader& reader, const std::atomic<bool>* cancel = nullptr);

/// Compares the file's SHA-256 with FILE.sha256 (format::check_sidecar, the check verify
/// runs). Returns a warning when the sidecar is
/// missing; throws error(corrupt_backup) when it differs or is malformed, error(cancelled)
/// when `cancel` becomes true while hashing.
std::optional<std::string> check_sidecar(const std::filesystem::path& file, const std::atomic<bool>* cancel = nullptr);

/// Every extension of the manifest is available on the server (name; a version the
/// server lacks is a warning: CREATE EXTENSION installs the server's default). Throws
/// error(missing_extension) listing every missing one with an install hint.
std::vector<std::string> check_extensions(pg::connection& c, const manifest& m);

/// Extensions marked needs_preload are in shared_preload_libraries, else
/// error(missing_extension) saying what to add.
void check_preload(pg::connection& c, const manifest& m);

/// The manifest's roles that the restore needs exist on the server. A role is needed when
/// an owner unit of `all` names it (unless no_owner), a privilege unit names it (unless
/// no_privileges), or no such unit names it (unless both). `all` is the plan built
/// without skipping owners/privileges. Throws error(missing_role) listing them with the
/// flags that would do without them.
void check_roles(pg::connection& c, const format::backup_reader& reader, const load_plan& all, bool no_owner,
                 bool no_privileges);

/// Throws error(server_version) when the server's major version is older than the
/// source's; a warning when it is outside the tested 14-18.
std::optional<std::string> check_server_version(pg::connection& c, const manifest& m);

/// Resolves --table names ("t" or "schema.t") against the manifest's tables. Throws
/// error(invalid_argument) naming an unknown or ambiguous one.
std::set<table_key> resolve_tables(const manifest& m, const std::vector<std::string>& names);

struct preflight_result {
  target_state target;
  std::vector<std::string> warnings;
};

/// Runs the checks `mode` needs, in order of cost: target state, server, then the sidecar
/// (hashing the whole file) last; restore() has run check_backup_file() before. `filter`
/// selects the frames to restore (tables mode); `tables` is the resolved --table set.
preflight_result preflight(const format::backup_reader& reader, const restore_options& o, load_mode mode,
                           target_db& target, const std::function<bool(const manifest_frame&)>& filter,
                           const std::set<table_key>& tables, reporter& rep);

}  // namespace immichbak::load
