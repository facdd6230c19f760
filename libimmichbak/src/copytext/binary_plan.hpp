#pragma once
// Which tables a backup reads with binary COPY (copytext/binary_render.hpp says why), and
// the proof that it may: a column type is used only after the server's text COPY of probe
// values matched, byte for byte, what binary_row_decoder makes of its binary COPY of the
// same values, in the same session (so under the backup's settings, with this server's
// and this extension's output functions). A type that fails, or that has no kind, keeps
// its tables on text COPY.

#include "copytext/binary_render.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace immichbak::pg {
class connection;
}

namespace immichbak::copytext {

struct table_columns {
  std::uint32_t oid = 0;
  /// The COPY column list as the backup writes it: ("a", "b"); "" for no columns.
  std::string copy_columns;
};

/// Per table (indexed like `tables`): the kinds of its COPY columns when every one has a
/// kind that passed its probe, else empty (text COPY). Runs in `c`'s transaction; each
/// probe under a savepoint, so a failing one leaves the transaction usable.
std::vector<std::vector<render_kind>> plan_binary_copy(pg::connection& c, const std::vector<table_columns>& tables);

/// The probe itself, for one type (a type name as format_type() writes it) of `kind`:
/// true when binary and text COPY of probe values agree. Exposed for the tests.
bool probe_type(pg::connection& c, render_kind kind, std::uint32_t type_oid, const std::string& type_name);

}  // namespace immichbak::copytext
