#include "backup/session_settings.hpp"

#include "format/header_sql.hpp"

#include <sstream>

namespace immichbak::session {

const std::vector<std::pair<std::string, std::string>>& settings() { return format::pinned_session_settings(); }

const std::string& settings_sql() {
  // Derived from the header frame text so the file and the sessions can never disagree.
  static const std::string sql = [] {
    std::istringstream in(format::header_sql());
    std::string line, out;
    while (std::getline(in, line)) {
      if (line.empty() || line.rfind("--", 0) == 0 || line.front() == '\\') continue;
      out += line;
      out += '\n';
    }
    return out;
  }();
  return sql;
}

}  // namespace immichbak::session
