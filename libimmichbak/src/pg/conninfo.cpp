#include "pg/conninfo.hpp"

#include <immichbak/dsn.hpp>
#include <immichbak/error.hpp>

#include <libpq-fe.h>

#include <fmt/format.h>

#include <cstdlib>
#include <memory>

namespace immichbak::pg {

std::string conninfo_dbname(const std::string& conninfo) {
  // PQconnectStartParams applies every default (service file, environment, user name)
  // before the first network step, and PQdb reports the result. Closing before the
  // startup packet is sent leaves no trace in the server log ("no data at all" is not
  // logged by the postmaster).
  const char* keys[] = {"dbname", nullptr};
  const char* vals[] = {conninfo.c_str(), nullptr};
  std::unique_ptr<PGconn, void (*)(PGconn*)> conn(PQconnectStartParams(keys, vals, 1), PQfinish);
  if (!conn) throw error(errc::internal, "could not allocate a libpq connection");
  const char* db = PQdb(conn.get());
  if (!db || !*db) {
    // libpq's parse errors quote the offending text, which may be a password: not shown.
    throw error(errc::invalid_argument,
                fmt::format("cannot tell which database the connection string {} names; check its syntax "
                            "(keyword=value pairs or a postgresql:// URI)",
                            conninfo.empty() ? std::string("(PG* environment)") : redact_dsn(conninfo)));
  }
  return db;
}

dbname_origin conninfo_dbname_origin(const std::string& conninfo) {
  bool service = false;
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(conninfo.c_str(), &err);  // the string only, no defaults
  if (err) PQfreemem(err);
  if (!opts) return dbname_origin::conninfo;  // unparseable: the connection reports it
  std::unique_ptr<PQconninfoOption, void (*)(PQconninfoOption*)> guard(opts, PQconninfoFree);
  for (auto* o = opts; o->keyword; ++o) {
    if (!o->val || !*o->val) continue;
    std::string k = o->keyword;
    if (k == "dbname") return dbname_origin::conninfo;
    if (k == "service") service = true;
  }
  auto env = [](const char* name) {
    const char* v = std::getenv(name);
    return v && *v;
  };
  // libpq reads a service file before the environment
  if (service || env("PGSERVICE")) return dbname_origin::service;
  if (env("PGDATABASE")) return dbname_origin::environment;
  return dbname_origin::user_default;
}

conninfo_settings conninfo_parse(const std::string& conninfo) {
  // A bare word is a database name, as libpq's expand_dbname (and psql) take it.
  const bool uri = conninfo.rfind("postgresql://", 0) == 0 || conninfo.rfind("postgres://", 0) == 0;
  if (!uri && conninfo.find('=') == std::string::npos) return {{"dbname", conninfo}};
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(conninfo.c_str(), &err);
  if (err) PQfreemem(err);  // may quote the password: not shown
  if (!opts)
    throw error(errc::invalid_argument,
                fmt::format("cannot parse the connection string {}; check its syntax (keyword=value pairs or a "
                            "postgresql:// URI)",
                            redact_dsn(conninfo)));
  std::unique_ptr<PQconninfoOption, void (*)(PQconninfoOption*)> guard(opts, PQconninfoFree);
  conninfo_settings out;
  for (auto* o = opts; o->keyword; ++o)
    if (o->val) out.emplace_back(o->keyword, o->val);
  return out;
}

std::string conninfo_quote(const std::string& value) {
  bool plain = !value.empty() && value.find_first_of(" \t\n\r\f\v'\\") == std::string::npos;
  if (plain) return value;
  std::string out = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

std::string conninfo_string(const conninfo_settings& settings) {
  std::string out;
  for (std::size_t i = 0; i < settings.size(); ++i) {
    bool later = false;
    for (std::size_t j = i + 1; j < settings.size(); ++j) later = later || settings[j].first == settings[i].first;
    if (later) continue;
    if (!out.empty()) out += ' ';
    out += settings[i].first + "=" + conninfo_quote(settings[i].second);
  }
  return out;
}

std::string conninfo_env_name(const std::string& keyword) {
  // libpq's own table (PQconndefaults: envvar) rather than a copy of it.
  std::unique_ptr<PQconninfoOption, void (*)(PQconninfoOption*)> defaults(PQconndefaults(), PQconninfoFree);
  for (auto* o = defaults.get(); o && o->keyword; ++o)
    if (keyword == o->keyword) return o->envvar ? o->envvar : "";
  return "";
}

}  // namespace immichbak::pg
