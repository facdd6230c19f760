#pragma once
// The session settings every immichbak session runs with: the backup's leader and
// workers (COPY text must be deterministic for the content hash), and the restore's
// sessions. The list itself lives in ONE place, format/header_sql (the header frame of
// docs/format.md section 3.2); this is the session-side view of it.

#include <string>
#include <utility>
#include <vector>

namespace immichbak::session {

/// (name, value) pairs in the order they are applied; search_path's value is "".
const std::vector<std::pair<std::string, std::string>>& settings();

/// The settings as SQL statements (the header frame without its comments and psql
/// meta-commands), one per line, so a libpq session can run them as one string.
const std::string& settings_sql();

}  // namespace immichbak::session
