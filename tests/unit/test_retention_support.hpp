#pragma once
// Helpers of the retention tests (test_retention_*.cpp): a time zone for the duration of a
// test, synthetic listings for the planner, and real backup files with a chosen snapshot
// time (the manifest's created_at, which is where list_backups() reads a backup's time).

#include "format/backup_writer.hpp"
#include "format/content_hash.hpp"
#include "format/header_sql.hpp"
#include "format/verify_record.hpp"
#include "retention/names.hpp"
#include "support/test_env.hpp"

#include <immichbak/retention.hpp>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <cstdlib>
#include <ctime>
#include <fcntl.h>
#include <filesystem>
#include <optional>
#include <string>
#include <sys/stat.h>
#include <vector>

namespace immichbak::test {

/// TZ set for the lifetime of the object (calendar buckets use local time).
class tz_guard {
 public:
  explicit tz_guard(const char* tz) {
    if (const char* old = std::getenv("TZ")) old_ = old;
    ::setenv("TZ", tz, 1);
    ::tzset();
  }
  ~tz_guard() {
    if (old_)
      ::setenv("TZ", old_->c_str(), 1);
    else
      ::unsetenv("TZ");
    ::tzset();
  }
  tz_guard(const tz_guard&) = delete;
  tz_guard& operator=(const tz_guard&) = delete;

 private:
  std::optional<std::string> old_;
};

/// The fields as a std::tm, DST left to mktime (written here, not taken from the library, so
/// that the tests do not share the code they check).
inline std::tm fields(int y, int mo, int d, int h, int mi, int s) {
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  tm.tm_isdst = -1;
  return tm;
}

/// A local time in the current TZ (mktime, DST decided by the zone).
inline std::time_t local_time(int y, int mo, int d, int h = 0, int mi = 0, int s = 0) {
  std::tm tm = fields(y, mo, d, h, mi, s);
  return std::mktime(&tm);
}

inline std::time_t utc_time(int y, int mo, int d, int h = 0, int mi = 0, int s = 0) {
  std::tm tm = fields(y, mo, d, h, mi, s);
  return ::timegm(&tm);
}

inline std::chrono::sys_seconds sys(std::time_t t) { return std::chrono::sys_seconds(std::chrono::seconds(t)); }
inline std::time_t secs(std::chrono::sys_seconds t) { return static_cast<std::time_t>(t.time_since_epoch().count()); }

/// "immich-db-YYYYMMDDTHHMMSSZ[-N].sql.zst" for a UTC time.
inline std::string backup_file_name(std::time_t t, const std::string& prefix = "immich-db", int suffix = 0) {
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  return fmt::format("{}-{:04}{:02}{:02}T{:02}{:02}{:02}Z{}.sql.zst", prefix, tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, suffix ? fmt::format("-{}", suffix) : "");
}

/// A listing entry of a backup as list_backups() would return it, without a file.
inline backup_entry synthetic(std::time_t t, verify_state v = verify_state::passed, const std::string& prefix = "immich-db",
                              int suffix = 0) {
  backup_entry e;
  e.name = backup_file_name(t, prefix, suffix);
  e.path = std::filesystem::path("/backups") / e.name;
  e.kind = entry_kind::backup;
  e.prefix = prefix;
  e.name_suffix = suffix;
  e.time = sys(t);
  e.time_source = "manifest";
  e.modified = sys(t);
  e.bytes = 1000;
  e.verification = v;
  return e;
}

/// Writes a small but complete backup with the real writer; its manifest says it was
/// taken at `created` (UTC). Returns the file.
inline std::filesystem::path write_backup(const std::filesystem::path& dir, std::time_t created,
                                          const std::string& name = "", const std::string& database = "immich") {
  namespace fs = std::filesystem;
  fs::path file = dir / (name.empty() ? backup_file_name(created) : name);
  format::backup_writer w(file, compression::zstd, 3);
  w.write_frame({frame_kind::header, post_phase::none, "", "", "session settings", 0}, format::header_sql());
  w.write_frame({frame_kind::pre_data, post_phase::none, "public", "album", "TABLE public.album", 0},
                "CREATE TABLE \"public\".\"album\" (id integer, name text);\n");
  w.write_frame({frame_kind::pre_data, post_phase::none, "", "", "SEARCH_PATH", 0},
                format::set_search_path_sql("\"$user\", public"));
  const std::vector<std::string> rows = {"1\tholiday", "2\tfamily", fmt::format("3\t{}", created)};
  std::string copy = "COPY \"public\".\"album\" (\"id\", \"name\") FROM stdin;\n";
  format::content_hash h;
  for (const auto& r : rows) {
    copy += r + "\n";
    h.add_row(r);
  }
  copy += "\\.\n";
  w.write_frame({frame_kind::data, post_phase::none, "public", "album", "", rows.size()}, copy);
  manifest m;
  m.tool_version = "0.1.0-test";
  m.created_at = retention::iso8601_utc(created);
  m.database = database;
  m.server_version = "15.18";
  m.server_version_num = 150018;
  m.immich_version = "v1.135.0";
  m.encoding = "UTF8";
  m.session_settings = format::pinned_session_settings_map();
  m.restore_search_path = "\"$user\", public";
  manifest_table t;
  t.schema = "public";
  t.name = "album";
  t.rows = rows.size();
  t.content_hash = h.hex();
  m.tables.push_back(t);
  w.commit(m);
  return file;
}

/// Records a verify result for `file` as immichbak::verify would.
inline void mark_verified(const std::filesystem::path& file, bool ok = true) {
  verify_record r;
  r.verified_at = "2025-01-01T00:00:00Z";
  r.ok = ok;
  r.kind = "offline";
  r.tool_version = "test";
  r.bytes = std::filesystem::file_size(file);
  if (!ok) r.failed_checks = {"frame"};
  format::write_verify_record(file, r);
}

/// Sets a file's modification time.
inline void set_mtime(const std::filesystem::path& p, std::time_t t) {
  struct timespec ts[2];
  ts[0].tv_sec = t;
  ts[0].tv_nsec = 0;
  ts[1] = ts[0];
  REQUIRE(::utimensat(AT_FDCWD, p.c_str(), ts, 0) == 0);
}

}  // namespace immichbak::test
