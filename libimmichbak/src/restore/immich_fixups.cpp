#include "restore/immich_fixups.hpp"

#include <immichbak/backup.hpp>

#include "pg/connection.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace immichbak::restore_detail {

namespace {

constexpr const char* immich_schema = "public";
// Immich re-imports geodata_places / naturalearth_countries on start only when this
// system_metadata key is absent.
constexpr const char* reverse_geocoding_state_key = "reverse-geocoding-state";

bool excluded(const manifest& m, const std::string& table) {
  return std::any_of(m.tables.begin(), m.tables.end(), [&](const manifest_table& t) {
    return t.data_excluded && t.schema == immich_schema && t.name == table;
  });
}

}  // namespace

std::vector<std::string> immich_jobs_for(const manifest& m) {
  std::vector<std::string> jobs;
  for (const auto& r : immich_regenerable_tables()) {
    if (!excluded(m, r.table)) continue;
    if (r.immich_job.rfind("none", 0) == 0) continue;  // rebuilt by Immich itself, no job to run
    if (std::find(jobs.begin(), jobs.end(), r.immich_job) == jobs.end()) jobs.push_back(r.immich_job);
  }
  return jobs;
}

void apply_immich_fixups(pg::connection& c, const manifest& m, restore_result& res, util::reporter& rep) {
  res.immich_jobs_to_run = immich_jobs_for(m);
  if (!excluded(m, "geodata_places") && !excluded(m, "naturalearth_countries")) return;
  auto present = c.exec(
      "SELECT 1 FROM pg_catalog.pg_class k JOIN pg_catalog.pg_namespace n ON n.oid = k.relnamespace "
      "WHERE n.nspname = 'public' AND k.relname = 'system_metadata' AND k.relkind IN ('r', 'p')");
  if (present.rows() == 0) return;
  auto r = c.exec("DELETE FROM \"public\".\"system_metadata\" WHERE \"key\" = $1", {reverse_geocoding_state_key});
  if (r.affected() > 0)
    rep.log(log_level::info,
            fmt::format("the backup left out the geodata rows: removed system_metadata key '{}' so Immich "
                        "re-imports them on its next start",
                        reverse_geocoding_state_key));
}

}  // namespace immichbak::restore_detail
