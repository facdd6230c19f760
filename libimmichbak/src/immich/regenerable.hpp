#pragma once
// Immich facts used by the backup's --exclude-regenerable preset (GUIDE section 5).

#include <immichbak/backup.hpp>

#include <string>
#include <vector>

namespace immichbak::immich {

/// The schema every Immich table lives in.
inline constexpr const char* schema = "public";

/// Name of the preset as recorded in manifest.exclusion_presets.
inline constexpr const char* regenerable_preset = "regenerable";

/// The exclusion reason written into manifest.tables for the preset's tables.
inline constexpr const char* regenerable_reason = "--exclude-regenerable";

/// system_metadata key that makes Immich re-import geodata_places / naturalearth_countries
/// on start when it is absent; a restore of a backup without those rows must delete it.
inline constexpr const char* reverse_geocoding_state_key = "reverse-geocoding-state";

/// The preset's entries whose table exists in `public_tables` (table names of schema public).
std::vector<regenerable_table> regenerable_present(const std::vector<std::string>& public_tables);

}  // namespace immichbak::immich
