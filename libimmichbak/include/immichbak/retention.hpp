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
  immich,       ///< Immich's own backup, `immich-db-backup-<time>-v<immich>-pg<pg>.sql.gz`
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

/// What the verify record next to a file says about it.
enum class verify_state {
  unverified,  ///< no record
  passed,      ///< the record says ok, for a file of this size
  failed,      ///< the record says a check failed
  outdated,    ///< a record for a file of another size: the file was replaced since
};
/// "unverified", "passed", "failed", "outdated".
IMMICHBAK_EXPORT const char* verify_state_name(verify_state s) noexcept;

/// One file of a backup directory, as list_backups() found it.
struct backup_entry {
  std::filesystem::path path;          ///< the file, `dir / name`
  std::string name;                    ///< the file name
  entry_kind kind = entry_kind::foreign;  ///< what the file is
  /// PREFIX when the name is immichbak's, PREFIX-YYYYMMDDTHHMMSSZ[-N].sql[.zst] (for a
  /// partial file: its name without .partial); empty otherwise.
  std::string prefix;
  int name_suffix = 0;                 ///< the N of "-N" (a second backup in one second)
  /// The backup's time: the manifest's snapshot time, else the time in the name (for
  /// Immich's files: local time), else the file's modification time.
  std::chrono::sys_seconds time{};
  std::string time_source;             ///< "manifest", "name" or "modified"
  std::chrono::sys_seconds modified{}; ///< the file's modification time
  std::uint64_t bytes = 0;             ///< the file's size
  std::string database;                ///< from the manifest
  std::string immich_version;          ///< from the manifest, or Immich's file name
  std::string server_version;          ///< PostgreSQL, from the manifest or Immich's file name
  std::size_t tables = 0;              ///< tables in the backup, from the manifest
  std::uint64_t rows = 0;              ///< rows in the backup, from the manifest
  bool has_sidecar = false;            ///< FILE.sha256 exists
  verify_state verification = verify_state::unverified;  ///< last_verify judged against the file
  std::optional<verify_record> last_verify;  ///< FILE.verified.json, when there is one
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
  /// The parts: years, months, days (weeks are 7 days each) and hours.
  ///@{
  int years = 0, months = 0, days = 0, hours = 0;
  ///@}
  /// True when every part is zero (a rule with a zero duration is off).
  bool zero() const noexcept { return years == 0 && months == 0 && days == 0 && hours == 0; }
  /// Equal when every part is equal ("1w" equals "7d", not "168h").
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
  int keep_last = 0;     ///< the newest N backups (--keep-last)
  int keep_hourly = 0;   ///< the newest backup of each of the last N hours that have one
  int keep_daily = 0;    ///< the newest backup of each of the last N days that have one
  int keep_weekly = 0;   ///< the newest backup of each of the last N ISO weeks that have one
  int keep_monthly = 0;  ///< the newest backup of each of the last N months that have one
  int keep_yearly = 0;   ///< the newest backup of each of the last N years that have one
  calendar_duration keep_within;          ///< every backup within this of the newest one
  calendar_duration keep_within_hourly;   ///< one backup per hour within this of the newest
  calendar_duration keep_within_daily;    ///< one backup per day within this of the newest
  calendar_duration keep_within_weekly;   ///< one backup per week within this of the newest
  calendar_duration keep_within_monthly;  ///< one backup per month within this of the newest
  calendar_duration keep_within_yearly;   ///< one backup per year within this of the newest
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

/// What a plan does with a file.
enum class plan_action {
  keep,       ///< the policy keeps it (reasons: the rules, or the safety rule)
  remove,     ///< the policy removes it (reasons: why)
  untouched,  ///< not the policy's to decide: foreign, Immich's, damaged, other prefix, young partial
};
/// "keep", "remove", "untouched".
IMMICHBAK_EXPORT const char* plan_action_name(plan_action a) noexcept;

/// One file of the plan: the listing's entry, what happens to it, and why.
struct plan_entry {
  backup_entry entry;                          ///< the file, as listed
  plan_action action = plan_action::untouched; ///< keep, remove or leave untouched
  /// keep: every rule that keeps it ("last", "daily", "oldest monthly", "within 14d",
  /// "daily within 7d", "newest verified backup", ...); remove and untouched: why.
  std::vector<std::string> reasons;
  /// Counted towards the rules' quotas: a backup of immichbak's name pattern whose last
  /// verify passed (or, with count_unverified, that was never verified), not in the future.
  bool counted = false;
};

/// The decision of plan_retention() for every file of a listing.
struct retention_plan {
  retention_policy policy;          ///< the policy it applies
  std::chrono::sys_seconds now{};   ///< the time it was planned for (partial files' age)
  std::vector<plan_entry> entries;  ///< every listed entry, in the listing's order

  /// How many entries have action `a`.
  IMMICHBAK_EXPORT std::size_t count(plan_action a) const noexcept;
  IMMICHBAK_EXPORT std::uint64_t bytes_to_free() const noexcept;  ///< the removed files (companions not counted)
};

/// Decides, touching nothing. Pure: the same listing, policy and `now` give the same plan
/// (calendar buckets use the process's local time zone, TZ). Throws
/// error(invalid_argument) for an empty policy or a negative count.
IMMICHBAK_EXPORT retention_plan plan_retention(const std::vector<backup_entry>& entries, const retention_policy& policy,
                                               std::chrono::sys_seconds now);

/// The outcome of one removal the plan asked for.
struct removal {
  std::filesystem::path path;                     ///< the file
  bool removed = false;                           ///< it is gone
  std::string problem;                            ///< why not (when !removed)
  std::uint64_t bytes = 0;                        ///< freed, companions included
  std::vector<std::filesystem::path> companions;  ///< companions removed with it
};

/// What apply_retention() removed.
struct apply_result {
  std::vector<removal> removals;  ///< one per entry the plan removes, in the plan's order
  std::uint64_t bytes_freed = 0;  ///< bytes of every file removed, companions included
  /// True when every removal the plan asked for was made.
  IMMICHBAK_EXPORT bool ok() const noexcept;
};

/// How apply_retention() waits for the directory lock, and where it reports.
struct apply_options {
  /// How long to wait while a backup writes into the directory (holds its lock). Zero:
  /// do not wait, refuse with error(already_running).
  std::chrono::milliseconds lock_wait{0};
  event_sink events;  ///< log and cancellation
};

/// Deletes what `plan` removes, each file with its companions, under the directory lock.
/// Before each deletion the file is checked again: still there with the planned size, of
/// immichbak's name pattern, footer readable (a partial file: still old enough); a file
/// that changed is left alone (a removal with a problem). Refuses everything
/// (error(invalid_argument)) when the newest verified backup of a group the plan removes
/// from is gone or unreadable. Throws error(already_running | lock_timeout) for the lock.
IMMICHBAK_EXPORT apply_result apply_retention(const retention_plan& plan, const apply_options& options = {});

/// What prune() prunes, and by which policy.
struct prune_options {
  std::filesystem::path dir;              ///< the backup directory
  retention_policy policy;                ///< which backups to keep (must not be empty)
  bool dry_run = false;                   ///< plan only
  std::chrono::milliseconds lock_wait{0}; ///< see apply_options
  std::optional<std::chrono::sys_seconds> now;  ///< default: the clock
  event_sink events;                      ///< log and cancellation
};

/// What prune() planned and, unless it was a dry run, did.
struct prune_result {
  retention_plan plan;   ///< the decision for every file
  apply_result applied;  ///< empty for a dry run
  bool dry_run = false;  ///< only planned, nothing removed
};

/// Takes the directory lock (a dry run does not), lists, plans and applies.
IMMICHBAK_EXPORT prune_result prune(const prune_options& options);

// ---- monitoring ----

/// Monitoring-plugin states; the values are the plugin exit codes.
enum class age_status {
  ok = 0,        ///< the newest good backup is recent enough
  warning = 1,   ///< older than warn_age, or something to look at (see check_backup_age())
  critical = 2,  ///< no good backup, or it is older than max_age, or the newest failed its verify
  unknown = 3    ///< the directory could not be read
};
/// "OK", "WARNING", "CRITICAL", "UNKNOWN".
IMMICHBAK_EXPORT const char* age_status_name(age_status s) noexcept;

/// Parses an age for monitoring: "26h", "1d2h", "90min", "45s", "2w" (units w, d, h, min,
/// s; "m" is refused as ambiguous). Throws error(invalid_argument).
IMMICHBAK_EXPORT std::chrono::seconds parse_age(const std::string& text);
/// "1d2h", "3h12min", "45s".
IMMICHBAK_EXPORT std::string format_age(std::chrono::seconds s);

/// What check_backup_age() checks, and its limits.
struct age_check_options {
  std::filesystem::path dir;                             ///< the backup directory
  std::chrono::seconds max_age{std::chrono::hours(26)};  ///< older: CRITICAL
  std::optional<std::chrono::seconds> warn_age;          ///< older: WARNING (<= max_age)
  std::string prefix;                                    ///< only this prefix; empty: any
  bool count_unverified = false;  ///< a never-verified readable backup counts as good
  std::optional<std::chrono::sys_seconds> now;           ///< default: the clock
};

/// The verdict of check_backup_age() and what it was based on.
struct age_check_result {
  age_status status = age_status::unknown;  ///< the verdict (its value is the plugin exit code)
  std::string message;                       ///< one line, without the status word
  std::optional<backup_entry> newest;        ///< the newest file of immichbak's name pattern
  std::optional<backup_entry> newest_good;   ///< the newest verified (counted) backup
  std::optional<std::chrono::seconds> age;   ///< of newest_good
  std::chrono::seconds max_age{};            ///< the limits checked against
  std::optional<std::chrono::seconds> warn_age;  ///< the warning limit, when one was set
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

/// The listing as `immichbak list --json` prints it: {"ok": true, "entries": [...]}.
IMMICHBAK_EXPORT std::string to_json(const std::vector<backup_entry>& entries, bool pretty = true);
/// The listing as `immichbak list` prints it: one line per file, newest first.
IMMICHBAK_EXPORT std::string to_text(const std::vector<backup_entry>& entries);
/// The plan and its outcome as `immichbak prune --json` prints them.
IMMICHBAK_EXPORT std::string to_json(const prune_result& r, bool pretty = true);
/// One line per file (keep, remove / removed, untouched, with the reasons), then a summary.
IMMICHBAK_EXPORT std::string to_text(const prune_result& r);
/// The verdict as `immichbak check-age --json` prints it.
IMMICHBAK_EXPORT std::string to_json(const age_check_result& r, bool pretty = true);
/// The monitoring plugin line: "IMMICHBAK OK - ... | age=...s;warn;crit;0".
IMMICHBAK_EXPORT std::string to_text(const age_check_result& r);

}  // namespace immichbak
