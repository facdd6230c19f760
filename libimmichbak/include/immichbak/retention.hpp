#pragma once
// Generations of backups in one directory (docs/retention.md):
//
//   list_backups()      every file in the directory, newest first, read from footer and
//                       manifest only, with the last verify result recorded next to it
//   plan_retention()    a pure function: which backups a policy keeps (restic `forget`'s
//                       rules) and why, which it removes and why; nothing is touched
//   apply_retention()   deletes what a plan removes, re-checking every file first
//   prune()             lock the directory, list, plan, apply (or only plan: dry run)
//   check_backup_age()  a monitoring verdict (OK / WARNING / CRITICAL / UNKNOWN) for the
//                       newest backup
//
// Retention decisions are values: a plan lists every file with what happens to it.

#include <immichbak/events.hpp>
#include <immichbak/export.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace immichbak {

// ---- the listing ----

/// What a file in a backup directory is.
enum class entry_kind {
  backup,       ///< an immichbak backup whose footer and manifest read
  damaged,      ///< starts like an immichbak backup, but footer or manifest cannot be read
                ///< (truncated by a full disk or an interrupted copy, or damaged)
  unsupported,  ///< an immichbak backup of a newer format major version
  unreadable,   ///< could not be read at all (permissions, I/O error)
  partial,      ///< NAME.partial: a backup being written, or left behind by a crash
  immich,       ///< Immich's own backup, immich-db-backup-<time>-v<immich>-pg<pg>.sql.gz
  foreign,      ///< anything else
};
/// "backup", "damaged", "unsupported", "unreadable", "partial", "immich", "foreign".
IMMICHBAK_EXPORT const char* entry_kind_name(entry_kind k) noexcept;

/// The last verification of a file, as `immichbak::verify` records it next to the file
/// in FILE.verified.json (docs/retention.md).
struct verify_record {
  std::string verified_at;                 ///< UTC, ISO 8601
  bool ok = false;                         ///< no check failed
  std::string kind;                        ///< "offline" or "restore-test"
  std::string tool_version;                ///< the immichbak that verified
  std::uint64_t bytes = 0;                 ///< the file's size when it was verified
  std::vector<std::string> failed_checks;  ///< names of the failed checks, when !ok
};

enum class verify_state {
  unverified,  ///< no record
  passed,      ///< the record says ok, for a file of this size
  failed,      ///< the record says a check failed
  outdated,    ///< a record for a file of another size: the file was replaced since
};
/// "unverified", "passed", "failed", "outdated".
IMMICHBAK_EXPORT const char* verify_state_name(verify_state s) noexcept;

struct backup_entry {
  std::filesystem::path path;
  std::string name;                    ///< the file name
  entry_kind kind = entry_kind::foreign;
  /// PREFIX when the name is immichbak's, PREFIX-YYYYMMDDTHHMMSSZ[-N].sql[.zst] (for a
  /// partial file: its name without .partial); empty otherwise.
  std::string prefix;
  int name_suffix = 0;                 ///< the N of "-N" (a second backup in one second)
  /// The backup's time: the manifest's snapshot time, else the time in the name (for
  /// Immich's files: local time), else the file's modification time.
  std::chrono::sys_seconds time{};
  std::string time_source;             ///< "manifest", "name" or "modified"
  std::chrono::sys_seconds modified{}; ///< the file's modification time
  std::uint64_t bytes = 0;
  std::string database;                ///< from the manifest
  std::string immich_version;          ///< from the manifest, or Immich's file name
  std::string server_version;          ///< PostgreSQL, from the manifest or Immich's file name
  std::size_t tables = 0;
  std::uint64_t rows = 0;
  bool has_sidecar = false;            ///< FILE.sha256 exists
  verify_state verification = verify_state::unverified;
  std::optional<verify_record> last_verify;
  /// Files that belong to this one and go with it: FILE.sha256, FILE.verified.json and
  /// their temporaries (for a partial file: the sidecar of the backup it was to become).
  std::vector<std::filesystem::path> companions;
  std::string problem;                 ///< why it is damaged / unsupported / unreadable

  /// Named like an immichbak backup (kind backup, damaged, ... or partial).
  bool named_like_ours() const noexcept { return !prefix.empty(); }
};

/// Every file in `dir` (not its subdirectories; hidden files and companions are not
/// entries of their own), newest first. Reads only footers and manifests, never frames.
/// Throws error(io_error) when `dir` cannot be read.
IMMICHBAK_EXPORT std::vector<backup_entry> list_backups(const std::filesystem::path& dir);

// ---- the retention policy and its plan ----

/// A duration as restic writes it: years, months, days, hours ("1y2m3d4h"); weeks ("2w")
/// count as 7 days. Subtracted from a time on the calendar, in local time.
struct calendar_duration {
  int years = 0, months = 0, days = 0, hours = 0;
  bool zero() const noexcept { return years == 0 && months == 0 && days == 0 && hours == 0; }
  friend bool operator==(const calendar_duration&, const calendar_duration&) = default;
};
/// Parses "14d", "2w", "1y2m3d4h", "36h". Throws error(invalid_argument) naming the text.
IMMICHBAK_EXPORT calendar_duration parse_calendar_duration(const std::string& text);
/// "1y2m3d4h" (only the parts that are not zero; "0h" for zero).
IMMICHBAK_EXPORT std::string to_string(const calendar_duration& d);

/// A keep count that keeps every bucket ("unlimited" on the command line).
inline constexpr int keep_unlimited = -1;

/// Which backups to keep. The rules are independent: a backup is kept when any rule keeps
/// it. Counts are restic's --keep-last/-hourly/... (0: rule off, keep_unlimited: all);
/// durations restic's --keep-within and --keep-within-hourly/... (zero: rule off), measured
/// back from the newest counted backup, not from now.
struct retention_policy {
  int keep_last = 0;
  int keep_hourly = 0;
  int keep_daily = 0;
  int keep_weekly = 0;
  int keep_monthly = 0;
  int keep_yearly = 0;
  calendar_duration keep_within;
  calendar_duration keep_within_hourly;
  calendar_duration keep_within_daily;
  calendar_duration keep_within_weekly;
  calendar_duration keep_within_monthly;
  calendar_duration keep_within_yearly;
  /// Count backups that were never verified (their footer and manifest read) like
  /// verified ones. Off: only backups whose last verify passed count towards the rules.
  bool count_unverified = false;
  /// Partial files (of immichbak's name pattern) older than this are removed.
  std::chrono::seconds partial_max_age{std::chrono::hours(24)};
  /// Only backups with this prefix; empty: every prefix, each one planned on its own
  /// (like restic's groups).
  std::string prefix;

  /// True when no keep rule is set (planning refuses such a policy).
  IMMICHBAK_EXPORT bool empty() const noexcept;
};
/// "keep 7 daily, 4 weekly, all within 14d, ..." (restic's wording).
IMMICHBAK_EXPORT std::string to_string(const retention_policy& p);

enum class plan_action {
  keep,       ///< the policy keeps it (reasons: the rules, or the safety rule)
  remove,     ///< the policy removes it (reasons: why)
  untouched,  ///< not the policy's to decide: foreign, Immich's, damaged, other prefix, young partial
};
/// "keep", "remove", "untouched".
IMMICHBAK_EXPORT const char* plan_action_name(plan_action a) noexcept;

struct plan_entry {
  backup_entry entry;
  plan_action action = plan_action::untouched;
  /// keep: every rule that keeps it ("last", "daily", "oldest monthly", "within 14d",
  /// "daily within 7d", "newest verified backup", ...); remove and untouched: why.
  std::vector<std::string> reasons;
  /// Counted towards the rules' quotas: a backup of immichbak's name pattern whose last
  /// verify passed (or, with count_unverified, that was never verified), not in the future.
  bool counted = false;
};

struct retention_plan {
  retention_policy policy;
  std::chrono::sys_seconds now{};
  std::vector<plan_entry> entries;  ///< every listed entry, in the listing's order

  IMMICHBAK_EXPORT std::size_t count(plan_action a) const noexcept;
  std::uint64_t bytes_to_free() const noexcept;  ///< the removed files (companions not counted)
};

/// Decides, touching nothing. Pure: the same listing, policy and `now` give the same plan
/// (calendar buckets use the process's local time zone, TZ). Throws
/// error(invalid_argument) for an empty policy or a negative count.
IMMICHBAK_EXPORT retention_plan plan_retention(const std::vector<backup_entry>& entries, const retention_policy& policy,
                                               std::chrono::sys_seconds now);

struct removal {
  std::filesystem::path path;
  bool removed = false;
  std::string problem;                            ///< why not (when !removed)
  std::uint64_t bytes = 0;                        ///< freed, companions included
  std::vector<std::filesystem::path> companions;  ///< companions removed with it
};

struct apply_result {
  std::vector<removal> removals;  ///< one per entry the plan removes, in the plan's order
  std::uint64_t bytes_freed = 0;
  /// True when every removal the plan asked for was made.
  IMMICHBAK_EXPORT bool ok() const noexcept;
};

struct apply_options {
  /// How long to wait while a backup writes into the directory (holds its lock). Zero:
  /// do not wait, refuse with error(already_running).
  std::chrono::milliseconds lock_wait{0};
  event_sink events;
};

/// Deletes what `plan` removes, each file with its companions, under the directory lock.
/// Before each deletion the file is checked again: still there with the planned size, of
/// immichbak's name pattern, footer readable (a partial file: still old enough); a file
/// that changed is left alone (a removal with a problem). Refuses everything
/// (error(invalid_argument)) when the newest verified backup of a group the plan removes
/// from is gone or unreadable. Throws error(already_running | lock_timeout) for the lock.
IMMICHBAK_EXPORT apply_result apply_retention(const retention_plan& plan, const apply_options& options = {});

struct prune_options {
  std::filesystem::path dir;
  retention_policy policy;
  bool dry_run = false;                   ///< plan only
  std::chrono::milliseconds lock_wait{0}; ///< see apply_options
  std::optional<std::chrono::sys_seconds> now;  ///< default: the clock
  event_sink events;
};

struct prune_result {
  retention_plan plan;
  apply_result applied;  ///< empty for a dry run
  bool dry_run = false;
};

/// Takes the directory lock (a dry run does not), lists, plans and applies.
IMMICHBAK_EXPORT prune_result prune(const prune_options& options);

// ---- monitoring ----

/// Monitoring-plugin states; the values are the plugin exit codes.
enum class age_status { ok = 0, warning = 1, critical = 2, unknown = 3 };
/// "OK", "WARNING", "CRITICAL", "UNKNOWN".
IMMICHBAK_EXPORT const char* age_status_name(age_status s) noexcept;

/// Parses an age for monitoring: "26h", "1d2h", "90min", "45s", "2w" (units w, d, h, min,
/// s; "m" is refused as ambiguous). Throws error(invalid_argument).
IMMICHBAK_EXPORT std::chrono::seconds parse_age(const std::string& text);
/// "1d2h", "3h12min", "45s".
IMMICHBAK_EXPORT std::string format_age(std::chrono::seconds s);

struct age_check_options {
  std::filesystem::path dir;
  std::chrono::seconds max_age{std::chrono::hours(26)};  ///< older: CRITICAL
  std::optional<std::chrono::seconds> warn_age;          ///< older: WARNING (<= max_age)
  std::string prefix;                                    ///< only this prefix; empty: any
  bool count_unverified = false;  ///< a never-verified readable backup counts as good
  std::optional<std::chrono::sys_seconds> now;           ///< default: the clock
};

struct age_check_result {
  age_status status = age_status::unknown;
  std::string message;                       ///< one line, without the status word
  std::optional<backup_entry> newest;        ///< the newest file of immichbak's name pattern
  std::optional<backup_entry> newest_good;   ///< the newest verified (counted) backup
  std::optional<std::chrono::seconds> age;   ///< of newest_good
  std::chrono::seconds max_age{};            ///< the limits checked against
  std::optional<std::chrono::seconds> warn_age;
};

/// The verdict for the newest backup in `dir`, judged by the newest good (verified, or
/// with count_unverified readable) backup: CRITICAL when there is none, when it is older
/// than max_age, or when the newest backup failed its verify; WARNING when it is older
/// than warn_age, when the newest file is a truncated or damaged backup, or when the
/// newest good backup's time is in the future; UNKNOWN when the directory cannot be read.
/// Newer backups that are not verified yet change nothing (until the good one ages).
/// Throws only error(invalid_argument) for bad options.
IMMICHBAK_EXPORT age_check_result check_backup_age(const age_check_options& options);

// ---- output ----

IMMICHBAK_EXPORT std::string to_json(const std::vector<backup_entry>& entries, bool pretty = true);
IMMICHBAK_EXPORT std::string to_text(const std::vector<backup_entry>& entries);
IMMICHBAK_EXPORT std::string to_json(const prune_result& r, bool pretty = true);
IMMICHBAK_EXPORT std::string to_text(const prune_result& r);
IMMICHBAK_EXPORT std::string to_json(const age_check_result& r, bool pretty = true);
/// The monitoring plugin line: "IMMICHBAK OK - ... | age=...s;warn;crit;0".
IMMICHBAK_EXPORT std::string to_text(const age_check_result& r);

}  // namespace immichbak
