#pragma once
// What a connection string means, without connecting: libpq's own resolution of the
// database name (explicit dbname, service file, PGDATABASE, then the user name).

#include <string>
#include <utility>
#include <vector>

namespace immichbak::pg {

/// The database `conninfo` would connect to, resolved exactly as libpq does (service
/// files, PG* environment, default = user name). Opens no session. Throws
/// error(invalid_argument) when the string cannot be parsed (the message is redacted).
std::string conninfo_dbname(const std::string& conninfo);

/// Who names the database `conninfo` connects to: the string itself, a service (service=
/// or PGSERVICE; its file may or may not set dbname), PGDATABASE, or nobody (libpq then
/// uses the user name).
enum class dbname_origin { conninfo, environment, service, user_default };
dbname_origin conninfo_dbname_origin(const std::string& conninfo);

/// keyword=value settings, in order.
using conninfo_settings = std::vector<std::pair<std::string, std::string>>;

/// The settings a connection string or URI itself gives (no defaults, no environment).
/// Throws error(invalid_argument) when libpq cannot parse it (redacted message).
conninfo_settings conninfo_parse(const std::string& conninfo);

/// `value` quoted for a keyword=value string when it needs it (spaces, quotes, backslashes,
/// empty).
std::string conninfo_quote(const std::string& value);

/// A keyword=value connection string for `settings`, each value quoted as libpq wants;
/// a keyword given twice keeps its last value.
std::string conninfo_string(const conninfo_settings& settings);

/// The PG* environment variable that supplies `keyword` when a string leaves it out
/// ("host" -> "PGHOST"), or "" for a keyword without one.
std::string conninfo_env_name(const std::string& keyword);

}  // namespace immichbak::pg
