#include "pg/conninfo.hpp"

#include <immichbak/dsn.hpp>
#include <immichbak/error.hpp>

#include <libpq-fe.h>

#include <fmt/format.h>

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

}  // namespace immichbak::pg
