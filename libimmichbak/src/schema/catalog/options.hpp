#pragma once
// Storage and attribute options (pg_class.reloptions, pg_attribute.attoptions) that the
// catalog readers copy into DDL. Only what a user can set is written back: PostgreSQL
// minor releases may add entries the server manages itself (15.20 stores `pg_attver=N`
// in every column's attoptions; pg_dump leaves it out), and writing those back makes the
// restore fail. So each option name is checked against the names PostgreSQL accepts for
// that kind of object (src/backend/access/common/reloptions.c, 14-18):
//   user-settable   -> copied;
//   server-managed  -> left out (the server sets it again by itself);
//   anything else   -> the object is reported as unsupported, naming the option, so the
//                      backup stops instead of writing DDL that cannot be restored.

#include "schema/catalog/context.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace immichbak::schema::detail {

enum class option_target {
  table,          ///< heap tables, partitioned tables, materialized views
  toast,          ///< a table's TOAST relation (written as toast.name)
  view,
  column,         ///< attoptions of table, view and index columns
  index,          ///< an index; `access_method` says which
};

/// Keeps the user-settable entries of `options` ("name=value"), drops server-managed ones
/// and records unknown names in ctx.out.unsupported against `object`.
std::vector<std::string> user_settable_options(read_context& ctx, option_target target,
                                               const std::vector<std::string>& options, const std::string& object,
                                               std::string_view access_method = {});

/// The same decision as a pure function (unit tests): "keep", "drop" or "unknown".
std::string_view classify_option(option_target target, std::string_view name, std::string_view access_method = {});

}  // namespace immichbak::schema::detail
