#include "format/header_sql.hpp"

#include "util/sql_quote.hpp"

#include <sstream>

namespace immichbak::format {

const std::vector<std::pair<std::string, std::string>>& pinned_session_settings() {
  static const std::vector<std::pair<std::string, std::string>> s = {
      {"client_encoding", "UTF8"},
      {"standard_conforming_strings", "on"},
      {"search_path", ""},
      {"check_function_bodies", "false"},
      {"DateStyle", "ISO"},
      {"IntervalStyle", "postgres"},
      {"extra_float_digits", "3"},
      {"TimeZone", "UTC"},
      {"client_min_messages", "warning"},
      {"row_security", "off"},
      {"statement_timeout", "0"},
      {"lock_timeout", "0"},
      {"idle_in_transaction_session_timeout", "0"},
      {"xmloption", "content"},
  };
  return s;
}

std::map<std::string, std::string> pinned_session_settings_map() {
  const auto& v = pinned_session_settings();
  return {v.begin(), v.end()};
}

const std::string& header_sql() {
  static const std::string s =
      "-- immichbak backup, format 1.0\n"
      "-- Restore with `immichbak restore FILE`, or with stock tools into an empty database:\n"
      "--   zstd -dc FILE | psql -X -d DBNAME      (FILE.sql: psql -X -d DBNAME -f FILE)\n"
      "\\set ON_ERROR_STOP on\n"
      "SET client_encoding = 'UTF8';\n"
      "SET standard_conforming_strings = on;\n"
      "SELECT pg_catalog.set_config('search_path', '', false);\n"
      "SET check_function_bodies = false;\n"
      "SET DateStyle = 'ISO';\n"
      "SET IntervalStyle = 'postgres';\n"
      "SET extra_float_digits = 3;\n"
      "SET TimeZone = 'UTC';\n"
      "SET client_min_messages = warning;\n"
      "SET row_security = off;\n"
      "SET statement_timeout = 0;\n"
      "SET lock_timeout = 0;\n"
      "SET idle_in_transaction_session_timeout = 0;\n"
      "SET xmloption = content;\n";
  return s;
}

const std::string& gzip_header_sql() {
  static const std::string s = [] {
    const std::string& plain = header_sql();
    const std::string statements = plain.substr(plain.find("\\set ON_ERROR_STOP"));
    return "-- immichbak backup, format 1.1 (gzip)\n"
           "-- Restore with `immichbak restore FILE`, from Immich's own Backups page, or with stock tools into an\n"
           "-- empty database: gunzip -c FILE | psql -X -d DBNAME\n" +
           statements;
  }();
  return s;
}

bool starts_like_header(std::string_view plain) {
  constexpr std::size_t min_prefix = 12;  // "-- immichbak"
  if (plain.size() >= header_magic.size()) return plain.substr(0, header_magic.size()) == header_magic;
  return plain.size() >= min_prefix && header_magic.substr(0, plain.size()) == plain;
}

const std::string& session_settings_sql() {
  static const std::string sql = [] {
    std::istringstream in(header_sql());
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

std::string set_search_path_sql(const std::string& search_path) {
  return "SELECT pg_catalog.set_config('search_path', " + util::sql::literal(search_path) + ", false);\n";
}

}  // namespace immichbak::format
