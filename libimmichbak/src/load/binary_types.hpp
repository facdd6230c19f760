#pragma once
// Which restored columns may be loaded with binary COPY (load/binary_copy.hpp).
//
// A column qualifies by its type in the target database (uuid, real[], pgvector's vector),
// and a type only after a probe: for each type, the server's own send function is run on
// probe values and must return exactly the bytes encode_value() makes of the same text.
// A server or extension with another binary format therefore keeps the text path.

#include "load/binary_copy.hpp"
#include "load/loader.hpp"

#include <map>
#include <string>
#include <vector>

namespace immichbak::pg {
class connection;
}

namespace immichbak::load {

/// Per table: the columns that may be sent as binary, by name.
using binary_columns = std::map<table_key, std::map<std::string, binary_kind>>;

/// Looks up the columns of `tables` in the database `c` is connected to (after pre-data)
/// and probes their types. Never throws for a probe that fails: that type is left out.
/// Inside a transaction the probes run under a savepoint.
binary_columns find_binary_columns(pg::connection& c, const std::vector<table_key>& tables);

/// The binary kinds of a frame's COPY columns (parse_copy_line()'s list), or an empty
/// vector when any column is not in `table_columns` (the frame loads as text).
std::vector<binary_kind> binary_plan(const std::map<std::string, binary_kind>& table_columns,
                                     const std::string& copy_columns);

}  // namespace immichbak::load
