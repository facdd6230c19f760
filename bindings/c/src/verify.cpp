// immichbak_verify() and its report.

#include "c_api.hpp"

using namespace immichbak_c;

static_assert(static_cast<int>(immichbak::check_status::pass) == IMMICHBAK_CHECK_PASS);
static_assert(static_cast<int>(immichbak::check_status::warn) == IMMICHBAK_CHECK_WARN);
static_assert(static_cast<int>(immichbak::check_status::fail) == IMMICHBAK_CHECK_FAIL);
static_assert(static_cast<int>(immichbak::check_status::skipped) == IMMICHBAK_CHECK_SKIPPED);

namespace {
const immichbak::check_result* check(const immichbak_verify_report* r, size_t i) {
  return r ? at(r->value.checks, i) : nullptr;
}
const immichbak::immich_summary* summary(const immichbak_verify_report* r) {
  return r && r->value.immich ? &*r->value.immich : nullptr;
}
}  // namespace

extern "C" {

int immichbak_verify(const immichbak_verify_options* options, immichbak_verify_report** out) {
  return guarded([&] {
    require(out, "out");
    *out = nullptr;
    require(options, "options");
    immichbak::verify_options o = to_cpp(*options);
    *out = new immichbak_verify_report{immichbak::verify(o)};
  });
}

int immichbak_verify_report_ok(const immichbak_verify_report* r) { return r && r->value.ok() ? 1 : 0; }
const char* immichbak_verify_report_file(const immichbak_verify_report* r) { return r ? r->value.file.c_str() : nullptr; }
size_t immichbak_verify_report_check_count(const immichbak_verify_report* r) { return r ? r->value.checks.size() : 0; }

const char* immichbak_verify_report_check_name(const immichbak_verify_report* r, size_t i) {
  const auto* c = check(r, i);
  return c ? c->name.c_str() : nullptr;
}
int immichbak_verify_report_check_status(const immichbak_verify_report* r, size_t i) {
  const auto* c = check(r, i);
  return c ? static_cast<int>(c->status) : -1;
}
const char* immichbak_verify_report_check_detail(const immichbak_verify_report* r, size_t i) {
  const auto* c = check(r, i);
  return c ? c->detail.c_str() : nullptr;
}
const char* immichbak_verify_report_check_table(const immichbak_verify_report* r, size_t i) {
  const auto* c = check(r, i);
  return c ? c->table.c_str() : nullptr;
}
int immichbak_verify_report_check_offset(const immichbak_verify_report* r, size_t i, uint64_t* offset) {
  const auto* c = check(r, i);
  if (c == nullptr || !c->offset) return 0;
  if (offset != nullptr) *offset = *c->offset;
  return 1;
}

int immichbak_verify_report_has_immich(const immichbak_verify_report* r) { return summary(r) ? 1 : 0; }
const char* immichbak_verify_report_immich_version(const immichbak_verify_report* r) {
  const auto* s = summary(r);
  return s ? s->version.c_str() : nullptr;
}
const char* immichbak_verify_report_immich_migration(const immichbak_verify_report* r) {
  const auto* s = summary(r);
  return s ? s->migration.c_str() : nullptr;
}
int immichbak_verify_report_immich_admin_exists(const immichbak_verify_report* r) {
  const auto* s = summary(r);
  return s && s->admin_exists ? 1 : 0;
}
uint64_t immichbak_verify_report_immich_count(const immichbak_verify_report* r, int which) {
  const auto* s = summary(r);
  if (s == nullptr) return 0;
  switch (which) {
    case IMMICHBAK_IMMICH_USERS: return s->users;
    case IMMICHBAK_IMMICH_ALBUMS: return s->albums;
    case IMMICHBAK_IMMICH_ASSETS: return s->assets;
    case IMMICHBAK_IMMICH_FACES: return s->faces;
    case IMMICHBAK_IMMICH_PEOPLE: return s->people;
    default: return 0;
  }
}

int immichbak_verify_report_to_json(const immichbak_verify_report* r, char** out) {
  return text_out(out, [&] {
    require(r, "report");
    return immichbak::to_json(r->value);
  });
}
int immichbak_verify_report_to_text(const immichbak_verify_report* r, char** out) {
  return text_out(out, [&] {
    require(r, "report");
    return immichbak::to_text(r->value);
  });
}
void immichbak_verify_report_free(immichbak_verify_report* r) { delete r; }

const char* immichbak_check_status_name(int status) {
  if (status < IMMICHBAK_CHECK_PASS || status > IMMICHBAK_CHECK_SKIPPED) return "unknown";
  return immichbak::check_status_name(static_cast<immichbak::check_status>(status));
}

}  // extern "C"
