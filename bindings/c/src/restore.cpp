// immichbak_restore() and its result.

#include "c_api.hpp"

#include <nlohmann/json.hpp>

using namespace immichbak_c;

namespace {
// The C++ API has no to_json for restore_result: the accessors' names, as one object.
nlohmann::json restore_json(const immichbak::restore_result& r) {
  nlohmann::json j{{"database", r.database},
                   {"kept_old_database", nullptr},
                   {"rows", r.rows},
                   {"tables", r.tables},
                   {"seconds", r.seconds},
                   {"plain_sql", r.plain_sql},
                   {"warnings", r.warnings},
                   {"immich_jobs_to_run", r.immich_jobs_to_run}};
  if (r.kept_old_database) j["kept_old_database"] = *r.kept_old_database;
  return j;
}
}  // namespace

extern "C" {

int immichbak_restore(const immichbak_restore_options* options, immichbak_restore_result** out) {
  return guarded([&] {
    require(out, "out");
    *out = nullptr;
    require(options, "options");
    immichbak::restore_options o = to_cpp(*options);
    *out = new immichbak_restore_result{immichbak::restore(o)};
  });
}

const char* immichbak_restore_result_database(const immichbak_restore_result* r) { return r ? r->value.database.c_str() : nullptr; }
const char* immichbak_restore_result_kept_old_database(const immichbak_restore_result* r) {
  return r && r->value.kept_old_database ? r->value.kept_old_database->c_str() : nullptr;
}
uint64_t immichbak_restore_result_rows(const immichbak_restore_result* r) { return r ? r->value.rows : 0; }
uint64_t immichbak_restore_result_tables(const immichbak_restore_result* r) { return r ? r->value.tables : 0; }
double immichbak_restore_result_seconds(const immichbak_restore_result* r) { return r ? r->value.seconds : 0; }
int immichbak_restore_result_plain_sql(const immichbak_restore_result* r) { return r && r->value.plain_sql ? 1 : 0; }
size_t immichbak_restore_result_warning_count(const immichbak_restore_result* r) { return r ? r->value.warnings.size() : 0; }
const char* immichbak_restore_result_warning(const immichbak_restore_result* r, size_t i) {
  const std::string* s = r ? at(r->value.warnings, i) : nullptr;
  return s ? s->c_str() : nullptr;
}
size_t immichbak_restore_result_immich_job_count(const immichbak_restore_result* r) {
  return r ? r->value.immich_jobs_to_run.size() : 0;
}
const char* immichbak_restore_result_immich_job(const immichbak_restore_result* r, size_t i) {
  const std::string* s = r ? at(r->value.immich_jobs_to_run, i) : nullptr;
  return s ? s->c_str() : nullptr;
}
int immichbak_restore_result_to_json(const immichbak_restore_result* r, char** out) {
  return text_out(out, [&] {
    require(r, "result");
    return restore_json(r->value).dump(2);
  });
}
void immichbak_restore_result_free(immichbak_restore_result* r) { delete r; }

}  // extern "C"
