#pragma once
// `immichbak verify`: prove a backup restorable. Findings are values, not exceptions:
// the report holds one verdict per check, and every problem found, not only the first.

#include <immichbak/events.hpp>
#include <immichbak/export.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace immichbak {

/// The verdict of one check.
enum class check_status {
  pass,     ///< the check found nothing wrong
  warn,     ///< something to look at that does not make the backup unusable
  fail,     ///< the backup would not restore what it should
  skipped   ///< the check did not run (not asked for, or not applicable)
};
/// "pass", "warn", "fail", "skipped".
IMMICHBAK_EXPORT const char* check_status_name(check_status s) noexcept;

/// One check of a verify, or one finding of it.
struct check_result {
  std::string name;                   ///< e.g. "sidecar", "frame", "restore-test", "media"
  check_status status = check_status::pass;  ///< its verdict
  std::string detail;                 ///< what was found, with a hint where one helps
  std::string table;                  ///< "schema.table" when the finding is about one
  std::optional<std::uint64_t> offset;///< byte offset in the file, when known
};

/// What the test restore found in Immich's tables (a sanity check of the restored copy).
struct immich_summary {
  std::string version;        ///< Immich's version, from version_history
  std::string migration;      ///< the newest migration applied
  bool admin_exists = false;  ///< an admin user exists
  /// Live rows (not in the trash) of Immich's user, album, asset, face and person tables.
  ///@{
  std::uint64_t users = 0, albums = 0, assets = 0, faces = 0, people = 0;
  ///@}
};

/// What verify() checks, and how thoroughly.
struct verify_options {
  std::filesystem::path file;  ///< the backup file (or a plain pg_dump script)
  /// Restore into a scratch database on this server, compare with the manifest, run the
  /// Immich checks, and drop the scratch database whatever happens.
  bool restore_test = false;
  /// The server for the test restore (libpq connection string or URI; empty: PG* environment).
  std::string dsn;
  /// Media check: server path prefix -> local path prefix, e.g.
  /// {"/usr/src/app/upload", "/mnt/photos"}. Needs restore_test (the asset table is read
  /// from the restored copy).
  std::vector<std::pair<std::string, std::string>> media_roots;
  std::size_t media_sample = 20;  ///< assets whose files the media check looks for
  int jobs = 1;                   ///< parallel sessions of the test restore
  event_sink events;              ///< log, progress and cancellation
};

/// Every check verify() ran, with its verdict; a value, not an exception.
struct verify_report {
  std::filesystem::path file;             ///< the file that was verified
  std::vector<check_result> checks;       ///< every check and finding, in the order they ran
  std::optional<immich_summary> immich;   ///< set when a test restore found Immich's tables
  /// True when no check failed (warnings and skipped checks do not fail a backup).
  IMMICHBAK_EXPORT bool ok() const noexcept;
};

/// Verifies. Throws only when the input cannot be examined at all (unreadable file,
/// not a backup, unknown format version); damage inside a backup is a finding.
IMMICHBAK_EXPORT verify_report verify(const verify_options& options);

/// The report as `immichbak verify --json` prints it.
IMMICHBAK_EXPORT std::string to_json(const verify_report& r, bool pretty = true);
/// The report for a person: one line per check, then the verdict.
IMMICHBAK_EXPORT std::string to_text(const verify_report& r);

}  // namespace immichbak
