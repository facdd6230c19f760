#pragma once
// What a connection string means, without connecting: libpq's own resolution of the
// database name (explicit dbname, service file, PGDATABASE, then the user name).

#include <string>

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

}  // namespace immichbak::pg
