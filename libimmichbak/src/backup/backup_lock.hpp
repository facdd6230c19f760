#pragma once
// The advisory lock that keeps two immichbak backups of one database from running at once.
// Immich's own backup job uses the single key 42; this two-key form ("IMMB", 1) cannot
// collide with it (advisory locks are per database, so backups of different databases
// do not block each other).

#include <cstdint>

namespace immichbak::backup_detail {

inline constexpr std::int32_t advisory_key1 = 0x494D4D42;  // "IMMB"
inline constexpr std::int32_t advisory_key2 = 1;

}  // namespace immichbak::backup_detail
