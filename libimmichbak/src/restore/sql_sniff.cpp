#include "restore/sql_sniff.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>
#include <string>

namespace immichbak::restore_detail {

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

bool looks_like_sql_script(const std::filesystem::path& file) {
  std::string name = file.filename().string();
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  if (ends_with(name, ".sql") || ends_with(name, ".sql.gz") || ends_with(name, ".sql.zst")) return true;

  std::ifstream in(file, std::ios::binary);
  if (!in) return false;
  std::string head(4096, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<std::size_t>(in.gcount()));
  if (head.size() >= 2 && static_cast<unsigned char>(head[0]) == 0x1f && static_cast<unsigned char>(head[1]) == 0x8b)
    return true;  // gzip
  if (head.size() >= 4 && head.compare(0, 4, "\x28\xb5\x2f\xfd") == 0) return true;  // zstd
  // pg_dump custom (-Fc) and tar (-Ft) archives: the plain path refuses them with a
  // "use pg_restore" hint, which beats a bare "not a backup".
  if (head.rfind("PGDMP", 0) == 0) return true;
  if (head.size() >= 262 && head.compare(257, 5, "ustar") == 0) return true;
  if (head.find('\0') != std::string::npos) return false;  // binary
  // The first line that is not blank.
  std::size_t i = head.find_first_not_of(" \t\r\n");
  if (i == std::string::npos) return false;
  std::string start = head.substr(i, 16);
  std::transform(start.begin(), start.end(), start.begin(), [](unsigned char c) { return std::toupper(c); });
  static const std::array<const char*, 8> openers{"--", "/*", "SET ", "CREATE ", "BEGIN", "SELECT ", "\\CONNECT",
                                                   "\\RESTRICT"};
  return std::any_of(openers.begin(), openers.end(), [&](const char* o) { return start.rfind(o, 0) == 0; });
}

}  // namespace immichbak::restore_detail
