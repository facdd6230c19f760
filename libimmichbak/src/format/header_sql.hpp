#pragma once
// The header frame (docs/format.md section 3.2) and the session settings it pins. The
// backup's COPY sessions use the same settings (the content hash depends on them), and the
// manifest records them.

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace immichbak::format {

/// (name, value) in the order the header sets them; search_path's value is "".
const std::vector<std::pair<std::string, std::string>>& pinned_session_settings();
/// The same as a map, as stored in manifest::session_settings.
std::map<std::string, std::string> pinned_session_settings_map();
/// The plain bytes of the header frame.
const std::string& header_sql();
/// The statement that ends the pre-data frames (docs/format.md section 3.1).
std::string set_search_path_sql(const std::string& search_path);

}  // namespace immichbak::format
