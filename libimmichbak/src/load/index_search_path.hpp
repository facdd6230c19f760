#pragma once
// PostgreSQL 17 and later build indexes with search_path = pg_catalog, pg_temp. An index
// whose expression goes through a function whose body calls another function without a
// schema (old Immich's `f_unaccent` with a string body calling `unaccent(...)`,
// earthdistance's `ll_to_earth` calling `earth()`) cannot be built there at all. The
// restore finds such indexes right after pre-data, before any row is loaded, by reading
// the bodies of the functions the index expressions call (recursively) on the target:
// a function is safe when it pins its own search_path (SET search_path), has an
// SQL-standard body (bound at creation), or is not SQL / PL/pgSQL; otherwise every
// unqualified call in its body that does not name a pg_catalog function but does name a
// function in another schema would fail.

#include <string>
#include <utility>
#include <vector>

namespace immichbak {
struct manifest_frame;
}
namespace immichbak::format {
class backup_reader;
}
namespace immichbak::pg {
class connection;
}

namespace immichbak::load {

struct unbuildable_index {
  std::string index;      ///< the unit's label, e.g. INDEX public.asset_name_idx
  std::string function;   ///< schema.name(args) of the function whose body fails
  std::string call;       ///< the unqualified call in that body, e.g. unaccent
  std::string extension;  ///< the extension the function belongs to, or empty
};

/// `indexes`: (label, SQL) of the index units. Runs only SELECTs. Empty below 17.
std::vector<unbuildable_index> find_unbuildable_indexes(pg::connection& c,
                                                        const std::vector<std::pair<std::string, std::string>>& indexes);

/// After pre-data, before the data: throws error(server_version) with
/// unbuildable_message() when an index of `index_frames` (on a table that has rows; an
/// empty table's index builds without evaluating anything) cannot be built on `c`'s server.
void refuse_unbuildable_indexes(pg::connection& c, const format::backup_reader& reader,
                                const std::vector<const manifest_frame*>& index_frames);

/// The refusal message: each index, the function and call, and what fixes it.
std::string unbuildable_message(const std::vector<unbuildable_index>& found, const std::string& server_version);

}  // namespace immichbak::load
