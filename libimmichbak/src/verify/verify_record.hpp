#pragma once
// Records the result of a verify next to the file (FILE.verified.json, format/verify_record),
// so `immichbak list` and `prune` know which backups were proven without re-reading them.

#include <immichbak/verify.hpp>

namespace immichbak::verify_detail {

/// Writes the record for options.file from `report`. Never throws: a record that cannot be
/// written (read-only medium, permissions) is a log line, the verify's result stands.
void record_verification(const verify_options& options, const verify_report& report) noexcept;

}  // namespace immichbak::verify_detail
