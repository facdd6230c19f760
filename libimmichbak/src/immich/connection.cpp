// connection_from_immich_env(): Immich's `.env` as a libpq connection string, with the
// defaults Immich's server applies (server/src/repositories/config.repository.ts).
#include <immichbak/error.hpp>
#include <immichbak/immich_env.hpp>

#include "format/file_io.hpp"
#include "immich/env_file.hpp"
#include "pg/conninfo.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <iterator>

namespace immichbak {

namespace {

std::string read_env_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in || std::filesystem::is_directory(file))
    throw error(errc::invalid_argument,
                fmt::format("cannot read Immich's env file {}: {}; give the .env that sits beside Immich's "
                            "docker-compose.yml",
                            file.string(), std::filesystem::is_directory(file) ? "it is a directory" : format::errno_text(errno)));
  return std::string(std::istreambuf_iterator<char>(in), {});
}

struct part {
  const char* variable;
  const char* keyword;
  const char* immich_default;  // nullptr: no default (libpq's own applies)
};

// Immich's `||` fallbacks: an empty value counts as unset.
constexpr part parts[] = {
    {"DB_HOSTNAME", "host", "database"},       {"DB_PORT", "port", "5432"},
    {"DB_USERNAME", "user", "postgres"},       {"DB_PASSWORD", "password", "postgres"},
    {"DB_DATABASE_NAME", "dbname", "immich"},  {"DB_SSL_MODE", "sslmode", nullptr},
};

bool env_set(const std::string& name) {
  const char* v = name.empty() ? nullptr : std::getenv(name.c_str());
  return v && *v;
}

}  // namespace

immich_env_connection connection_from_immich_env(const std::filesystem::path& env_file, const std::string& dsn) {
  const auto vars = immich::parse_env_file(read_env_file(env_file), env_file.string());
  auto get = [&](const char* name) -> std::string {
    auto it = vars.find(name);
    return it == vars.end() ? "" : it->second;
  };
  immich_env_connection c;
  pg::conninfo_settings from_file;
  if (const std::string url = get("DB_URL"); !url.empty()) {
    try {
      from_file = pg::conninfo_parse(url);
    } catch (const error&) {
      throw error(errc::invalid_argument,
                  fmt::format("{}: DB_URL is not a connection URI libpq can read (postgresql://user:password@host:"
                              "port/database); its value is not shown because it holds the password",
                              env_file.string()));
    }
    c.used.push_back("DB_URL");
  } else {
    for (const auto& p : parts) {
      std::string value = get(p.variable);
      if (!value.empty()) {
        c.used.push_back(p.variable);
      } else if (p.immich_default) {
        value = p.immich_default;
        c.defaults.push_back(std::string(p.keyword) == "password"
                                 ? fmt::format("password: Immich's default ({} unset)", p.variable)
                                 : fmt::format("{}={} ({} unset)", p.keyword, value, p.variable));
      } else {
        continue;
      }
      from_file.emplace_back(p.keyword, value);
    }
  }

  // What the user gave wins: first the PG* environment (a keyword left out of the string
  // lets libpq read it), then the connection string's own settings.
  const pg::conninfo_settings given = dsn.empty() ? pg::conninfo_settings{} : pg::conninfo_parse(dsn);
  pg::conninfo_settings merged;
  for (const auto& [k, v] : from_file) {
    const std::string& keyword = k;  // clang 14 cannot capture a structured binding
    const bool in_string =
        std::any_of(given.begin(), given.end(), [&](const auto& g) { return g.first == keyword; });
    const std::string env = pg::conninfo_env_name(k);
    if (in_string)
      c.overridden.push_back(fmt::format("{} (the connection string)", k));
    else if (env_set(env))
      c.overridden.push_back(fmt::format("{} ({})", k, env));
    else
      merged.emplace_back(k, v);
  }
  merged.insert(merged.end(), given.begin(), given.end());
  c.dsn = pg::conninfo_string(merged);
  return c;
}

}  // namespace immichbak
