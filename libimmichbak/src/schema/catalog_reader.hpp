#pragma once
// Reads pg_catalog into the value model (model.hpp). All deparsing is done by the server
// (pg_get_*def, format_type, pg_get_expr) under search_path = '', so names come out
// schema-qualified. One reader per kind of object lives in catalog/; each reads its
// columns by name (catalog/rows.hpp). Written and tested for PostgreSQL 14-18, the
// versions Immich supports; column differences between them are chosen by
// server_version_num.

#include "schema/model.hpp"

#include <string>

namespace immichbak::pg {
class connection;
}

namespace immichbak::schema {

/// The servers whose catalogs the readers know: 14.0 up to, not including, 19.
inline constexpr int min_server_version = 140000;
inline constexpr int max_server_version_exclusive = 190000;

/// Throws error(server_version) for a server outside [14, 19), saying what to do.
void check_server_version(int version_num, const std::string& version_text);

/// Reads everything capture needs, including the objects it cannot reproduce
/// (catalog::unsupported). Runs only SELECTs; `conn` must be in the snapshot transaction
/// with search_path = ''.
catalog read_catalog(pg::connection& conn);

}  // namespace immichbak::schema
