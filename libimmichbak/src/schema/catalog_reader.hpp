#pragma once
// Reads pg_catalog into the value model (model.hpp). All deparsing is done by the server
// here (pg_get_*def, format_type, pg_get_expr) under search_path = '', so names come out
// schema-qualified. Written for PostgreSQL 12-17; column differences between versions are
// chosen by server_version_num.

#include "schema/model.hpp"

namespace immichbak::pg {
class connection;
}

namespace immichbak::schema {

/// Reads everything capture needs, including the objects it cannot reproduce
/// (catalog::unsupported). Runs only SELECTs; `conn` must be in the snapshot transaction
/// with search_path = ''.
catalog read_catalog(pg::connection& conn);

}  // namespace immichbak::schema
