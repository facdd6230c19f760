// immichbak::verify(): the offline checks, then (on request) the restore test.
#include "format/backup_reader.hpp"
#include "format/manifest_json.hpp"
#include "verify/offline_checks.hpp"
#include "verify/restore_test.hpp"
#include "verify/verify_record.hpp"

#include <immichbak/error.hpp>
#include <immichbak/verify.hpp>

#include <fmt/format.h>

namespace immichbak {

namespace {

void log(const verify_options& o, log_level level, const std::string& text) {
  if (o.events.log) o.events.log(level, text);
}

}  // namespace

verify_report verify(const verify_options& options) {
  verify_report report;
  report.file = options.file;
  if (options.file.empty()) throw error(errc::invalid_argument, "verify: no backup file given");

  // Open first: a file that is not a backup at all (or cannot be read, or has a newer
  // major version) is an error, not a finding.
  std::optional<format::backup_reader> reader;
  std::string manifest_problem;
  try {
    reader.emplace(options.file);
  } catch (const error& e) {
    if (e.code() != errc::corrupt_backup) {
      if (e.code() == errc::not_a_backup) {
        // A truncated backup has lost its footer; the sidecar can tell it apart from a
        // file that never was a backup.
        check_result side = verify_detail::sidecar_check(options.file, options.events);
        if (side.status == check_status::fail)
          throw error(errc::not_a_backup, fmt::format("{}; its sidecar does not match either ({})", e.what(), side.detail));
      }
      throw;
    }
    manifest_problem = e.what();
  }

  log(options, log_level::info, fmt::format("verifying {}", options.file.string()));
  report.checks.push_back(verify_detail::sidecar_check(options.file, options.events));
  if (!reader) {
    report.checks.push_back(check_result{"manifest", check_status::fail, manifest_problem, {}, std::nullopt});
    return report;
  }
  const manifest& m = reader->get_manifest();
  report.checks.push_back(check_result{
      "manifest", check_status::pass,
      fmt::format("format {}.{}, {} frames, {} tables, database {} from PostgreSQL {}, created {}", m.format_major,
                  m.format_minor, m.frames.size(), m.tables.size(), m.database, m.server_version, m.created_at),
      {},
      std::nullopt});
  verify_detail::manifest_checks(*reader, report);
  verify_detail::frame_checks(*reader, options, report);

  if (options.restore_test) {
    if (!report.ok()) {
      report.checks.push_back(check_result{"restore-test", check_status::skipped,
                                           "not run: the offline checks above found damage", {}, std::nullopt});
    } else {
      verify_detail::run_restore_test(m, options, report);
    }
  }
  verify_detail::record_verification(options, report);
  return report;
}

}  // namespace immichbak
