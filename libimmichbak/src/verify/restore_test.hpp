#pragma once
// The restore test of `immichbak verify --restore-test`: restore into a scratch database,
// compare with the manifest, run the Immich checks, drop the scratch database. Appends its
// results to `report` (check "restore-test", "media", and report.immich).

#include <immichbak/manifest.hpp>
#include <immichbak/verify.hpp>

namespace immichbak::verify_detail {

void run_restore_test(const manifest& m, const verify_options& options, verify_report& report);

}  // namespace immichbak::verify_detail
