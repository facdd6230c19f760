#pragma once
// Everything public in one include.

#include <immichbak/backup.hpp>
#include <immichbak/dsn.hpp>
#include <immichbak/error.hpp>
#include <immichbak/events.hpp>
#include <immichbak/immich_env.hpp>
#include <immichbak/export.hpp>
#include <immichbak/manifest.hpp>
#include <immichbak/restore.hpp>
#include <immichbak/run.hpp>
#include <immichbak/retention.hpp>
#include <immichbak/verify.hpp>
#include <immichbak/version.hpp>

namespace immichbak {
/// The version of the library linked at run time (compare with `header_version`).
IMMICHBAK_EXPORT const char* library_version() noexcept;
}  // namespace immichbak
