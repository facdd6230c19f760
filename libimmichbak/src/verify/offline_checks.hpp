#pragma once
// The offline checks of `immichbak verify` (docs/format.md section 11). Each appends its
// findings to the report; none throws for damage inside the backup.

#include "format/backup_reader.hpp"

#include <immichbak/verify.hpp>

namespace immichbak::verify_detail {

/// Sidecar present and matching the file's sha256 (missing: warn).
check_result sidecar_check(const std::filesystem::path& file, const event_sink& events);
/// Frame order and coverage: header first at 0, contiguous, kinds/phases in order,
/// manifest container right after the last frame.
void layout_checks(const format::backup_reader& reader, verify_report& report);
/// Manifest bookkeeping: tables unique, data frames name listed non-excluded tables,
/// per-table row and byte sums.
void table_checks(const manifest& m, verify_report& report);
/// Decodes every frame (checksum, size, sha256); COPY well-formedness and row counts of
/// data frames; per-table content hashes. Uses options.jobs threads.
void frame_checks(const format::backup_reader& reader, const verify_options& options, verify_report& report);

}  // namespace immichbak::verify_detail
