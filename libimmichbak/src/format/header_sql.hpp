#pragma once
// The header frame (docs/format.md section 3.2) and the session settings it pins. The
// backup's COPY sessions use the same settings (the content hash depends on them), and the
// manifest records them.

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace immichbak::format {

/// (name, value) in the order the header sets them; search_path's value is "".
const std::vector<std::pair<std::string, std::string>>& pinned_session_settings();
/// The same as a map, as stored in manifest::session_settings.
std::map<std::string, std::string> pinned_session_settings_map();
/// The plain bytes of the header frame.
const std::string& header_sql();
/// The header's settings as SQL statements (its text without comments and psql
/// meta-commands), one per line: what every immichbak session runs first (the backup's
/// leader and workers, so COPY text is deterministic for the content hash, and the
/// restore's sessions), derived from the header so the file and the sessions never disagree.
const std::string& session_settings_sql();
/// The gzip variant's header frame (format 1.1): the same statements, its comment lines
/// name the format's minor and the stock tools that restore it.
const std::string& gzip_header_sql();
/// The first bytes of every backup's script, up to the format version: the header's
/// first comment line starts with them (docs/format.md section 3.2).
inline constexpr std::string_view header_magic = "-- immichbak backup, format ";
/// True when `plain` (the first plain bytes of a file) starts like our header frame: it
/// begins with header_magic, or is a part of it at least 12 bytes long ("-- immichbak").
/// Used to tell a backup that lost its end from a file that never was one.
bool starts_like_header(std::string_view plain);
/// The statement that ends the pre-data frames (docs/format.md section 3.1).
std::string set_search_path_sql(const std::string& search_path);

}  // namespace immichbak::format
