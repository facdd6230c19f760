#pragma once
// The structural check of a manifest (docs/format.md sections 4.2, 4.3 and 11) that both
// verify (as findings) and restore (a refusal before anything changes) run: the frames'
// order and coverage of the file, the table list and its bookkeeping. What the reader
// itself enforces while opening a file (bounds, overlaps, known kinds) is not repeated
// here; what it lets through because it is not needed to read frames safely is.

#include <immichbak/manifest.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace immichbak::format {

struct manifest_problem {
  /// The verify check it belongs to: "layout" (order, coverage), "tables" (the table
  /// list), "rows" (a table's rows against its data frames').
  std::string check;
  std::string detail;
  std::string table;                     ///< "schema.table" when about one
  std::optional<std::uint64_t> offset;   ///< of the frame, when about one
};

/// Every problem found (empty: the manifest is consistent). `frames_end` is where the
/// frames must end: backup_reader::frames_end().
std::vector<manifest_problem> check_manifest(const manifest& m, std::uint64_t frames_end);

}  // namespace immichbak::format
