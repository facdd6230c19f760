#pragma once
// Immich sanity checks on a restored copy (verify --restore-test): is this a usable
// Immich database -- an admin, users, assets, faces, people, which release and schema
// level? Findings are check_results named "immich"; counts go to verify_report::immich.

#include <immichbak/verify.hpp>

#include <optional>
#include <string>

namespace immichbak::pg {
class connection;
}

namespace immichbak::verify_detail {

/// The public table Immich keeps `what` in, under its current or older name
/// ("users": user/users, "assets": asset/assets, ...), or "" when absent.
std::string immich_table(pg::connection& c, const std::string& what);

/// Whether public.<table> has `column`.
bool public_has_column(pg::connection& c, const std::string& table, const std::string& column);

/// Fills report.immich and adds "immich" checks when `c`'s database looks like Immich
/// (has an asset table and a users table); adds nothing otherwise.
void immich_check(pg::connection& c, verify_report& report);

}  // namespace immichbak::verify_detail
