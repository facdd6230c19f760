#pragma once
// Checks backup_options before anything touches the server, so a typo costs nothing.

#include <immichbak/backup.hpp>

namespace immichbak::backup_detail {

/// Throws error(invalid_argument) for a bad value and error(io_error) for a destination
/// directory that is missing, not a directory or not writable; the message names the option.
void check_options(const backup_options& o);

}  // namespace immichbak::backup_detail
