// immichbak_backup() and its result; the regenerable-table list.

#include "c_api.hpp"

#include <nlohmann/json.hpp>

using namespace immichbak_c;

namespace {
// The C++ API has no to_json for backup_result; this small object uses the names of the
// accessors (and of the CLI's `backup --json` fields where they exist).
nlohmann::json backup_json(const immichbak::backup_result& b) {
  return nlohmann::json{{"file", b.file.string()},
                        {"sidecar", b.sidecar.string()},
                        {"sha256", b.sha256},
                        {"bytes", b.bytes},
                        {"plain_bytes", b.plain_bytes},
                        {"rows", b.rows},
                        {"database", b.database},
                        {"tables", b.tables},
                        {"tables_empty", b.tables_empty},
                        {"tables_excluded", b.tables_excluded},
                        {"seconds", b.seconds},
                        {"immich_version", b.immich_version},
                        {"server_version", b.server_version}};
}
}  // namespace

extern "C" {

int immichbak_backup(const immichbak_backup_options* options, immichbak_backup_result** out) {
  return guarded([&] {
    require(out, "out");
    *out = nullptr;
    require(options, "options");
    immichbak::backup_options o = to_cpp(*options);
    *out = new immichbak_backup_result{immichbak::backup(o)};
  });
}

const char* immichbak_backup_result_file(const immichbak_backup_result* r) { return r ? r->value.file.c_str() : nullptr; }
const char* immichbak_backup_result_sidecar(const immichbak_backup_result* r) { return r ? r->value.sidecar.c_str() : nullptr; }
const char* immichbak_backup_result_sha256(const immichbak_backup_result* r) { return r ? r->value.sha256.c_str() : nullptr; }
uint64_t immichbak_backup_result_bytes(const immichbak_backup_result* r) { return r ? r->value.bytes : 0; }
uint64_t immichbak_backup_result_plain_bytes(const immichbak_backup_result* r) { return r ? r->value.plain_bytes : 0; }
uint64_t immichbak_backup_result_rows(const immichbak_backup_result* r) { return r ? r->value.rows : 0; }
uint64_t immichbak_backup_result_tables(const immichbak_backup_result* r) { return r ? r->value.tables : 0; }
uint64_t immichbak_backup_result_tables_excluded(const immichbak_backup_result* r) { return r ? r->value.tables_excluded : 0; }
const char* immichbak_backup_result_database(const immichbak_backup_result* r) { return r ? r->value.database.c_str() : nullptr; }
const char* immichbak_backup_result_immich_version(const immichbak_backup_result* r) {
  return r ? r->value.immich_version.c_str() : nullptr;
}
const char* immichbak_backup_result_server_version(const immichbak_backup_result* r) {
  return r ? r->value.server_version.c_str() : nullptr;
}
double immichbak_backup_result_seconds(const immichbak_backup_result* r) { return r ? r->value.seconds : 0; }

int immichbak_backup_result_to_json(const immichbak_backup_result* r, char** out) {
  return text_out(out, [&] {
    require(r, "result");
    return backup_json(r->value).dump(2);
  });
}

void immichbak_backup_result_free(immichbak_backup_result* r) { delete r; }

// The list is a function-local static of the library: the first call builds it, and could
// in principle fail to allocate; these accessors must not throw, so they answer "none".
size_t immichbak_regenerable_table_count(void) {
  try {
    return immichbak::immich_regenerable_tables().size();
  } catch (...) {
    return 0;
  }
}

const char* immichbak_regenerable_table_name(size_t i) {
  try {
    const auto* t = at(immichbak::immich_regenerable_tables(), i);
    return t ? t->table.c_str() : nullptr;
  } catch (...) {
    return nullptr;
  }
}

const char* immichbak_regenerable_table_job(size_t i) {
  try {
    const auto* t = at(immichbak::immich_regenerable_tables(), i);
    return t ? t->immich_job.c_str() : nullptr;
  } catch (...) {
    return nullptr;
  }
}

}  // extern "C"
