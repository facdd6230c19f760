// The backup directory: immichbak_list_backups(), immichbak_prune(),
// immichbak_check_backup_age(), and their results.

#include "c_api.hpp"

using namespace immichbak_c;

static_assert(static_cast<int>(immichbak::entry_kind::backup) == IMMICHBAK_ENTRY_BACKUP);
static_assert(static_cast<int>(immichbak::entry_kind::damaged) == IMMICHBAK_ENTRY_DAMAGED);
static_assert(static_cast<int>(immichbak::entry_kind::unsupported) == IMMICHBAK_ENTRY_UNSUPPORTED);
static_assert(static_cast<int>(immichbak::entry_kind::unreadable) == IMMICHBAK_ENTRY_UNREADABLE);
static_assert(static_cast<int>(immichbak::entry_kind::partial) == IMMICHBAK_ENTRY_PARTIAL);
static_assert(static_cast<int>(immichbak::entry_kind::immich) == IMMICHBAK_ENTRY_IMMICH);
static_assert(static_cast<int>(immichbak::entry_kind::foreign) == IMMICHBAK_ENTRY_FOREIGN);
static_assert(static_cast<int>(immichbak::verify_state::unverified) == IMMICHBAK_VERIFY_UNVERIFIED);
static_assert(static_cast<int>(immichbak::verify_state::passed) == IMMICHBAK_VERIFY_PASSED);
static_assert(static_cast<int>(immichbak::verify_state::failed) == IMMICHBAK_VERIFY_FAILED);
static_assert(static_cast<int>(immichbak::verify_state::outdated) == IMMICHBAK_VERIFY_OUTDATED);
static_assert(static_cast<int>(immichbak::plan_action::keep) == IMMICHBAK_PLAN_KEEP);
static_assert(static_cast<int>(immichbak::plan_action::remove) == IMMICHBAK_PLAN_REMOVE);
static_assert(static_cast<int>(immichbak::plan_action::untouched) == IMMICHBAK_PLAN_UNTOUCHED);
static_assert(static_cast<int>(immichbak::age_status::ok) == IMMICHBAK_AGE_OK);
static_assert(static_cast<int>(immichbak::age_status::warning) == IMMICHBAK_AGE_WARNING);
static_assert(static_cast<int>(immichbak::age_status::critical) == IMMICHBAK_AGE_CRITICAL);
static_assert(static_cast<int>(immichbak::age_status::unknown) == IMMICHBAK_AGE_UNKNOWN);

namespace {
const immichbak::backup_entry* entry(const immichbak_backup_list* l, size_t i) { return l ? at(l->value, i) : nullptr; }
const immichbak::plan_entry* plan_entry(const immichbak_prune_result* r, size_t i) {
  return r ? at(r->value.plan.entries, i) : nullptr;
}
std::int64_t unix_seconds(std::chrono::sys_seconds t) { return static_cast<std::int64_t>(t.time_since_epoch().count()); }
}  // namespace

extern "C" {

// ---- list ----

int immichbak_list_backups(const immichbak_list_options* options, immichbak_backup_list** out) {
  return guarded([&] {
    require(out, "out");
    *out = nullptr;
    require(options, "options");
    check_version(options->version, IMMICHBAK_LIST_OPTIONS_VERSION, "immichbak_list_options");
    if (options->dir == nullptr || *options->dir == '\0') invalid("immichbak_list_options.dir must be set");
    *out = new immichbak_backup_list{immichbak::list_backups(options->dir)};
  });
}

size_t immichbak_backup_list_count(const immichbak_backup_list* l) { return l ? l->value.size() : 0; }
const char* immichbak_backup_list_name(const immichbak_backup_list* l, size_t i) {
  const auto* e = entry(l, i);
  return e ? e->name.c_str() : nullptr;
}
const char* immichbak_backup_list_path(const immichbak_backup_list* l, size_t i) {
  const auto* e = entry(l, i);
  return e ? e->path.c_str() : nullptr;
}
int immichbak_backup_list_kind(const immichbak_backup_list* l, size_t i) {
  const auto* e = entry(l, i);
  return e ? static_cast<int>(e->kind) : -1;
}
const char* immichbak_backup_list_prefix(const immichbak_backup_list* l, size_t i) {
  const auto* e = entry(l, i);
  return e ? e->prefix.c_str() : nullptr;
}
int64_t immichbak_backup_list_time(const immichbak_backup_list* l, size_t i) {
  const auto* e = entry(l, i);
  return e ? unix_seconds(e->time) : 0;
}
uint64_t immichbak_backup_list_bytes(const immichbak_backup_list* l, size_t i) {
  const auto* e = entry(l, i);
  return e ? e->bytes : 0;
}
uint64_t immichbak_backup_list_rows(const immichbak_backup_list* l, size_t i) {
  const auto* e = entry(l, i);
  return e ? e->rows : 0;
}
const char* immichbak_backup_list_database(const immichbak_backup_list* l, size_t i) {
  const auto* e = entry(l, i);
  return e ? e->database.c_str() : nullptr;
}
int immichbak_backup_list_verification(const immichbak_backup_list* l, size_t i) {
  const auto* e = entry(l, i);
  return e ? static_cast<int>(e->verification) : -1;
}
const char* immichbak_backup_list_problem(const immichbak_backup_list* l, size_t i) {
  const auto* e = entry(l, i);
  return e ? e->problem.c_str() : nullptr;
}
int immichbak_backup_list_to_json(const immichbak_backup_list* l, char** out) {
  return text_out(out, [&] {
    require(l, "list");
    return immichbak::to_json(l->value);
  });
}
int immichbak_backup_list_to_text(const immichbak_backup_list* l, char** out) {
  return text_out(out, [&] {
    require(l, "list");
    return immichbak::to_text(l->value);
  });
}
void immichbak_backup_list_free(immichbak_backup_list* l) { delete l; }

const char* immichbak_entry_kind_name(int kind) {
  if (kind < IMMICHBAK_ENTRY_BACKUP || kind > IMMICHBAK_ENTRY_FOREIGN) return "unknown";
  return immichbak::entry_kind_name(static_cast<immichbak::entry_kind>(kind));
}
const char* immichbak_verify_state_name(int state) {
  if (state < IMMICHBAK_VERIFY_UNVERIFIED || state > IMMICHBAK_VERIFY_OUTDATED) return "unknown";
  return immichbak::verify_state_name(static_cast<immichbak::verify_state>(state));
}

// ---- prune ----

int immichbak_prune(const immichbak_prune_options* options, immichbak_prune_result** out) {
  return guarded([&] {
    require(out, "out");
    *out = nullptr;
    require(options, "options");
    immichbak::prune_options o = to_cpp(*options);
    *out = new immichbak_prune_result{immichbak::prune(o)};
  });
}

int immichbak_prune_result_dry_run(const immichbak_prune_result* r) { return r && r->value.dry_run ? 1 : 0; }
int immichbak_prune_result_ok(const immichbak_prune_result* r) { return r && r->value.applied.ok() ? 1 : 0; }
size_t immichbak_prune_result_count(const immichbak_prune_result* r, int action) {
  if (r == nullptr || action < IMMICHBAK_PLAN_KEEP || action > IMMICHBAK_PLAN_UNTOUCHED) return 0;
  return r->value.plan.count(static_cast<immichbak::plan_action>(action));
}
uint64_t immichbak_prune_result_bytes_to_free(const immichbak_prune_result* r) { return r ? r->value.plan.bytes_to_free() : 0; }
uint64_t immichbak_prune_result_bytes_freed(const immichbak_prune_result* r) { return r ? r->value.applied.bytes_freed : 0; }
size_t immichbak_prune_result_entry_count(const immichbak_prune_result* r) { return r ? r->value.plan.entries.size() : 0; }
const char* immichbak_prune_result_entry_name(const immichbak_prune_result* r, size_t i) {
  const auto* e = plan_entry(r, i);
  return e ? e->entry.name.c_str() : nullptr;
}
int immichbak_prune_result_entry_action(const immichbak_prune_result* r, size_t i) {
  const auto* e = plan_entry(r, i);
  return e ? static_cast<int>(e->action) : -1;
}
size_t immichbak_prune_result_entry_reason_count(const immichbak_prune_result* r, size_t i) {
  const auto* e = plan_entry(r, i);
  return e ? e->reasons.size() : 0;
}
const char* immichbak_prune_result_entry_reason(const immichbak_prune_result* r, size_t i, size_t j) {
  const auto* e = plan_entry(r, i);
  const std::string* s = e ? at(e->reasons, j) : nullptr;
  return s ? s->c_str() : nullptr;
}
int immichbak_prune_result_to_json(const immichbak_prune_result* r, char** out) {
  return text_out(out, [&] {
    require(r, "result");
    return immichbak::to_json(r->value);
  });
}
int immichbak_prune_result_to_text(const immichbak_prune_result* r, char** out) {
  return text_out(out, [&] {
    require(r, "result");
    return immichbak::to_text(r->value);
  });
}
void immichbak_prune_result_free(immichbak_prune_result* r) { delete r; }

const char* immichbak_plan_action_name(int action) {
  if (action < IMMICHBAK_PLAN_KEEP || action > IMMICHBAK_PLAN_UNTOUCHED) return "unknown";
  return immichbak::plan_action_name(static_cast<immichbak::plan_action>(action));
}

// ---- check age ----

int immichbak_check_backup_age(const immichbak_check_age_options* options, immichbak_age_check_result** out) {
  return guarded([&] {
    require(out, "out");
    *out = nullptr;
    require(options, "options");
    immichbak::age_check_options o = to_cpp(*options);
    *out = new immichbak_age_check_result{immichbak::check_backup_age(o)};
  });
}

int immichbak_age_check_result_status(const immichbak_age_check_result* r) {
  return r ? static_cast<int>(r->value.status) : IMMICHBAK_AGE_UNKNOWN;
}
const char* immichbak_age_check_result_message(const immichbak_age_check_result* r) { return r ? r->value.message.c_str() : nullptr; }
int immichbak_age_check_result_age(const immichbak_age_check_result* r, int64_t* seconds) {
  if (r == nullptr || !r->value.age) return 0;
  if (seconds != nullptr) *seconds = static_cast<int64_t>(r->value.age->count());
  return 1;
}
const char* immichbak_age_check_result_newest_good(const immichbak_age_check_result* r) {
  return r && r->value.newest_good ? r->value.newest_good->name.c_str() : nullptr;
}
int immichbak_age_check_result_to_json(const immichbak_age_check_result* r, char** out) {
  return text_out(out, [&] {
    require(r, "result");
    return immichbak::to_json(r->value);
  });
}
int immichbak_age_check_result_to_text(const immichbak_age_check_result* r, char** out) {
  return text_out(out, [&] {
    require(r, "result");
    return immichbak::to_text(r->value);
  });
}
void immichbak_age_check_result_free(immichbak_age_check_result* r) { delete r; }

const char* immichbak_age_status_name(int status) {
  if (status < IMMICHBAK_AGE_OK || status > IMMICHBAK_AGE_UNKNOWN) return "unknown";
  return immichbak::age_status_name(static_cast<immichbak::age_status>(status));
}

}  // extern "C"
