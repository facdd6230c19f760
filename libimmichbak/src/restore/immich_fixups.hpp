#pragma once
// What a restore must do for Immich after loading a backup that left data out
// (`backup --exclude-regenerable` or --exclude-table-data on Immich tables).

#include <immichbak/manifest.hpp>
#include <immichbak/restore.hpp>

#include "util/reporter.hpp"

namespace immichbak::pg {
class connection;
}

namespace immichbak::restore_detail {

/// Immich jobs that rebuild the tables whose rows the backup left out (from
/// immich_regenerable_tables(); tables Immich re-imports by itself need no job).
std::vector<std::string> immich_jobs_for(const manifest& m);

/// On `c` (the restored copy, before it becomes the target): when geodata rows were left
/// out, deletes system_metadata's 'reverse-geocoding-state' so Immich re-imports them on
/// start (otherwise reverse geocoding silently stays empty); fills
/// res.immich_jobs_to_run. Runs after the content check (it changes system_metadata).
void apply_immich_fixups(pg::connection& c, const manifest& m, restore_result& res, util::reporter& rep);

}  // namespace immichbak::restore_detail
