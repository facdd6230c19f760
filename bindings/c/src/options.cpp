// Versioned C options structs: their init functions (the library's defaults) and their
// conversion to the C++ options.
//
// Versioning (libgit2's GIT_*_OPTIONS_VERSION pattern): fields are only ever appended. When
// a version 2 of a struct exists, init(opts, 1) must write only the version-1 fields (the
// caller's struct is that small) and to_cpp() must read only the fields of opts->version,
// leaving the rest at the C++ defaults. immichbak_backup_options has two versions (2 appended
// binary_copy); the restore and run options each changed their layout once, so their old
// version is refused (check_version's `first`).

#include "c_api.hpp"

#include <chrono>
#include <cstddef>
#include <cstring>
#include <limits>
#include <string>

namespace immichbak_c {

std::vector<std::string> str_list(const char* const* list, std::size_t count, const char* what) {
  std::vector<std::string> out;
  if (count == 0) return out;
  if (list == nullptr) invalid(std::string(what) + " is NULL but its count is " + std::to_string(count));
  out.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    if (list[i] == nullptr) invalid(std::string(what) + "[" + std::to_string(i) + "] is NULL");
    out.emplace_back(list[i]);
  }
  return out;
}

void check_version(unsigned int version, unsigned int current, const char* type, unsigned int first) {
  if (version >= first && version <= current) return;
  std::string message = std::string(type) + " version " + std::to_string(version) +
                        " is not one this library knows (" + std::to_string(first) + " to " + std::to_string(current) +
                        ")";
  if (version == 0) message += "; call " + std::string(type) + "_init() first";
  else if (version < first) message += ": its layout changed since; rebuild the program against this library's immichbak.h";
  invalid(message);
}

namespace {

std::chrono::milliseconds millis(std::uint64_t ms, const char* what) {
  if (ms > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max() / 2))
    invalid(std::string(what) + " is too large");
  return std::chrono::milliseconds(static_cast<std::int64_t>(ms));
}

immichbak::calendar_duration duration(const char* text) {
  if (text == nullptr || *text == '\0') return {};
  return immichbak::parse_calendar_duration(text);
}

immichbak::compression compression(int c) {
  switch (c) {
    case IMMICHBAK_COMPRESSION_NONE: return immichbak::compression::none;
    case IMMICHBAK_COMPRESSION_ZSTD: return immichbak::compression::zstd;
    case IMMICHBAK_COMPRESSION_GZIP: return immichbak::compression::gzip;
    default: invalid("compression " + std::to_string(c) + " is not an immichbak_compression value");
  }
}

std::optional<std::chrono::sys_seconds> clock_or(std::int64_t now) {
  if (now == 0) return std::nullopt;
  return std::chrono::sys_seconds(std::chrono::seconds(now));
}

}  // namespace

void init_policy(immichbak_retention_policy& p) {
  const immichbak::retention_policy d;
  std::memset(&p, 0, sizeof p);
  p.count_unverified = d.count_unverified ? 1 : 0;
  p.partial_max_age_seconds = d.partial_max_age.count();
}

// How much of the struct a caller of `version` has: init must not write past it.
std::size_t backup_options_size(unsigned int version) {
  return version == 1 ? offsetof(immichbak_backup_options, binary_copy) : sizeof(immichbak_backup_options);
}

immichbak::backup_options to_cpp(const immichbak_backup_options& o) {
  check_version(o.version, IMMICHBAK_BACKUP_OPTIONS_VERSION, "immichbak_backup_options");
  immichbak::backup_options b;
  b.dsn = str(o.dsn);
  if (o.dest_dir == nullptr || *o.dest_dir == '\0') invalid("immichbak_backup_options.dest_dir must be set");
  b.dest_dir = o.dest_dir;
  if (o.prefix != nullptr) b.prefix = o.prefix;
  b.compress = compression(o.compression);
  b.compression_level = o.compression_level;
  b.jobs = o.jobs;
  b.exclude_table_data = str_list(o.exclude_table_data, o.exclude_table_data_count, "exclude_table_data");
  b.exclude_regenerable = o.exclude_regenerable != 0;
  b.require_immich = o.require_immich != 0;
  b.lock_timeout = millis(o.lock_timeout_ms, "lock_timeout_ms");
  b.chunk_bytes = static_cast<std::size_t>(o.chunk_bytes);
  b.split_table_bytes = o.split_table_bytes;
  b.events = to_sink(o.events);
  if (o.version >= 2) b.binary_copy = o.binary_copy != 0;
  return b;
}

immichbak::verify_options to_cpp(const immichbak_verify_options& o) {
  check_version(o.version, IMMICHBAK_VERIFY_OPTIONS_VERSION, "immichbak_verify_options");
  immichbak::verify_options v;
  if (o.file == nullptr || *o.file == '\0') invalid("immichbak_verify_options.file must be set");
  v.file = o.file;
  v.restore_test = o.restore_test != 0;
  v.dsn = str(o.dsn);
  if (o.media_roots_count > 0 && o.media_roots == nullptr) invalid("media_roots is NULL but its count is not 0");
  for (std::size_t i = 0; i < o.media_roots_count; ++i) {
    const immichbak_media_root& r = o.media_roots[i];
    if (r.server_prefix == nullptr || r.local_prefix == nullptr)
      invalid("media_roots[" + std::to_string(i) + "] has a NULL prefix");
    v.media_roots.emplace_back(r.server_prefix, r.local_prefix);
  }
  v.media_sample = o.media_sample;
  v.jobs = o.jobs;
  v.events = to_sink(o.events);
  return v;
}

immichbak::restore_options to_cpp(const immichbak_restore_options& o) {
  check_version(o.version, IMMICHBAK_RESTORE_OPTIONS_VERSION, "immichbak_restore_options", 2);
  immichbak::restore_options r;
  if (o.file == nullptr || *o.file == '\0') invalid("immichbak_restore_options.file must be set");
  r.file = o.file;
  r.dsn = str(o.dsn);
  r.jobs = o.jobs;
  switch (o.mode) {
    case IMMICHBAK_RESTORE_NEW_DATABASE: r.mode = immichbak::restore_mode::new_database; break;
    case IMMICHBAK_RESTORE_REPLACE: r.mode = immichbak::restore_mode::replace; break;
    case IMMICHBAK_RESTORE_REPLACE_DROP_OLD: r.mode = immichbak::restore_mode::replace_drop_old; break;
    case IMMICHBAK_RESTORE_IN_PLACE: r.mode = immichbak::restore_mode::in_place; break;
    default: invalid("immichbak_restore_options.mode " + std::to_string(o.mode) + " is not an immichbak_restore_mode");
  }
  r.terminate_sessions = o.terminate_sessions != 0;
  r.no_owner = o.no_owner != 0;
  r.no_privileges = o.no_privileges != 0;
  r.tables = str_list(o.tables, o.tables_count, "tables");
  r.check_content = o.check_content != 0;
  r.check_readback = o.check_readback != 0;
  r.events = to_sink(o.events);
  return r;
}

immichbak::retention_policy to_cpp(const immichbak_retention_policy& p) {
  immichbak::retention_policy r;
  r.keep_last = p.keep_last;
  r.keep_hourly = p.keep_hourly;
  r.keep_daily = p.keep_daily;
  r.keep_weekly = p.keep_weekly;
  r.keep_monthly = p.keep_monthly;
  r.keep_yearly = p.keep_yearly;
  r.keep_within = duration(p.keep_within);
  r.keep_within_hourly = duration(p.keep_within_hourly);
  r.keep_within_daily = duration(p.keep_within_daily);
  r.keep_within_weekly = duration(p.keep_within_weekly);
  r.keep_within_monthly = duration(p.keep_within_monthly);
  r.keep_within_yearly = duration(p.keep_within_yearly);
  r.count_unverified = p.count_unverified != 0;
  r.partial_max_age = std::chrono::seconds(p.partial_max_age_seconds);
  r.prefix = str(p.prefix);
  return r;
}

immichbak::prune_options to_cpp(const immichbak_prune_options& o) {
  check_version(o.version, IMMICHBAK_PRUNE_OPTIONS_VERSION, "immichbak_prune_options");
  immichbak::prune_options p;
  if (o.dir == nullptr || *o.dir == '\0') invalid("immichbak_prune_options.dir must be set");
  p.dir = o.dir;
  p.policy = to_cpp(o.policy);
  p.dry_run = o.dry_run != 0;
  p.lock_wait = millis(o.lock_wait_ms, "lock_wait_ms");
  p.now = clock_or(o.now);
  p.events = to_sink(o.events);
  return p;
}

immichbak::age_check_options to_cpp(const immichbak_check_age_options& o) {
  check_version(o.version, IMMICHBAK_CHECK_AGE_OPTIONS_VERSION, "immichbak_check_age_options");
  immichbak::age_check_options a;
  if (o.dir == nullptr || *o.dir == '\0') invalid("immichbak_check_age_options.dir must be set");
  a.dir = o.dir;
  a.max_age = std::chrono::seconds(o.max_age_seconds);
  if (o.warn_age_seconds != 0) a.warn_age = std::chrono::seconds(o.warn_age_seconds);
  a.prefix = str(o.prefix);
  a.count_unverified = o.count_unverified != 0;
  a.now = clock_or(o.now);
  return a;
}

}  // namespace immichbak_c

using namespace immichbak_c;

extern "C" {

int immichbak_backup_options_init(immichbak_backup_options* options, unsigned int version) {
  return guarded([&] {
    require(options, "options");
    check_version(version, IMMICHBAK_BACKUP_OPTIONS_VERSION, "immichbak_backup_options");
    const immichbak::backup_options d;  // the C++ defaults are the one source of truth
    std::memset(options, 0, backup_options_size(version));
    options->version = version;
    options->compression = IMMICHBAK_COMPRESSION_ZSTD;
    options->compression_level = d.compression_level;
    options->jobs = d.jobs;
    options->exclude_regenerable = d.exclude_regenerable ? 1 : 0;
    options->require_immich = d.require_immich ? 1 : 0;
    options->lock_timeout_ms = static_cast<std::uint64_t>(d.lock_timeout.count());
    options->chunk_bytes = d.chunk_bytes;
    options->split_table_bytes = d.split_table_bytes;
    if (version >= 2) options->binary_copy = d.binary_copy ? 1 : 0;
  });
}

int immichbak_verify_options_init(immichbak_verify_options* options, unsigned int version) {
  return guarded([&] {
    require(options, "options");
    check_version(version, IMMICHBAK_VERIFY_OPTIONS_VERSION, "immichbak_verify_options");
    const immichbak::verify_options d;
    std::memset(options, 0, sizeof *options);
    options->version = version;
    options->media_sample = d.media_sample;
    options->jobs = d.jobs;
  });
}

int immichbak_restore_options_init(immichbak_restore_options* options, unsigned int version) {
  return guarded([&] {
    require(options, "options");
    check_version(version, IMMICHBAK_RESTORE_OPTIONS_VERSION, "immichbak_restore_options", 2);
    const immichbak::restore_options d;
    std::memset(options, 0, sizeof *options);
    options->version = version;
    options->jobs = d.jobs;
    options->check_content = d.check_content ? 1 : 0;
    options->check_readback = d.check_readback ? 1 : 0;
  });
}

int immichbak_list_options_init(immichbak_list_options* options, unsigned int version) {
  return guarded([&] {
    require(options, "options");
    check_version(version, IMMICHBAK_LIST_OPTIONS_VERSION, "immichbak_list_options");
    std::memset(options, 0, sizeof *options);
    options->version = version;
  });
}

int immichbak_prune_options_init(immichbak_prune_options* options, unsigned int version) {
  return guarded([&] {
    require(options, "options");
    check_version(version, IMMICHBAK_PRUNE_OPTIONS_VERSION, "immichbak_prune_options");
    const immichbak::prune_options d;
    std::memset(options, 0, sizeof *options);
    options->version = version;
    init_policy(options->policy);
    options->lock_wait_ms = static_cast<std::uint64_t>(d.lock_wait.count());
  });
}

int immichbak_check_age_options_init(immichbak_check_age_options* options, unsigned int version) {
  return guarded([&] {
    require(options, "options");
    check_version(version, IMMICHBAK_CHECK_AGE_OPTIONS_VERSION, "immichbak_check_age_options");
    const immichbak::age_check_options d;
    std::memset(options, 0, sizeof *options);
    options->version = version;
    options->max_age_seconds = d.max_age.count();
    options->count_unverified = d.count_unverified ? 1 : 0;
  });
}

}  // extern "C"
