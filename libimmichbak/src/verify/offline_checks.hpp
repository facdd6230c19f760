#pragma once
// The offline checks of `immichbak verify` (docs/format.md section 11). Each appends its
// findings to the report; none throws for damage inside the backup.

#include "format/backup_reader.hpp"

#include <immichbak/verify.hpp>

namespace immichbak::verify_detail {

/// format::check_sidecar() as a report line: missing, or naming another file, warns.
check_result sidecar_check(const std::filesystem::path& file, const event_sink& events);
/// format::check_manifest() (the structural check restore runs too) as "layout", "tables"
/// and "rows" findings: frame order and coverage, the table list and its bookkeeping.
void manifest_checks(const format::backup_reader& reader, verify_report& report);
/// Decodes every frame (checksum, size, sha256); the statements of DDL frames
/// (sqlscript::check_frame_statements, "statements"); COPY well-formedness and row counts of
/// data frames; per-table content hashes. Uses options.jobs threads.
void frame_checks(const format::backup_reader& reader, const verify_options& options, verify_report& report);

}  // namespace immichbak::verify_detail
