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

enum class check_status { pass, warn, fail, skipped };
IMMICHBAK_EXPORT const char* check_status_name(check_status s) noexcept;

struct check_result {
  std::string name;                   ///< e.g. "sidecar", "frame", "restore-test", "media"
  check_status status = check_status::pass;
  std::string detail;                 ///< what was found, with a hint where one helps
  std::string table;                  ///< "schema.table" when the finding is about one
  std::optional<std::uint64_t> offset;///< byte offset in the file, when known
};

struct immich_summary {
  std::string version;
  std::string migration;
  bool admin_exists = false;
  std::uint64_t users = 0, albums = 0, assets = 0, faces = 0, people = 0;
};

struct verify_options {
  std::filesystem::path file;
  /// Restore into a scratch database on this server, compare with the manifest, run the
  /// Immich checks, and drop the scratch database whatever happens.
  bool restore_test = false;
  std::string dsn;
  /// Media check: server path prefix -> local path prefix, e.g.
  /// {"/usr/src/app/upload", "/mnt/photos"}. Needs restore_test (the asset table is read
  /// from the restored copy).
  std::vector<std::pair<std::string, std::string>> media_roots;
  std::size_t media_sample = 20;
  int jobs = 1;
  event_sink events;
};

struct verify_report {
  std::filesystem::path file;
  std::vector<check_result> checks;
  std::optional<immich_summary> immich;
  /// True when no check failed (warnings and skipped checks do not fail a backup).
  IMMICHBAK_EXPORT bool ok() const noexcept;
};

/// Verifies. Throws only when the input cannot be examined at all (unreadable file,
/// not a backup, unknown format version); damage inside a backup is a finding.
IMMICHBAK_EXPORT verify_report verify(const verify_options& options);

IMMICHBAK_EXPORT std::string to_json(const verify_report& r, bool pretty = true);
IMMICHBAK_EXPORT std::string to_text(const verify_report& r);

}  // namespace immichbak
