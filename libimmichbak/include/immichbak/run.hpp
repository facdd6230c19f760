#pragma once
// `immichbak run`: the scheduled job in one call (docs/scheduling.md).
//
//   backup  ->  verify (offline every run; a test restore into a scratch database when the
//               last passed restore test of the directory is older than restore_test_every)
//           ->  prune (only after this run's backup verified, and only with a policy)
//           ->  metrics file (Prometheus textfile collector), then the on_success or
//               on_failure hook with the JSON summary on its stdin
//
// A failed backup or verify never prunes: every older backup stays. The result is a value:
// run() throws only for options it cannot start with (error(invalid_argument)); a failed
// step is recorded in the result, so the metrics and hooks report it.

#include <immichbak/backup.hpp>
#include <immichbak/events.hpp>
#include <immichbak/export.hpp>
#include <immichbak/retention.hpp>
#include <immichbak/verify.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

namespace immichbak {

/// The steps of a run, in their order.
enum class run_step {
  backup,  ///< backup() into backup_options::dest_dir
  verify,  ///< verify() of the new file (offline, or with a test restore)
  prune    ///< prune() of the directory with run_options::retention
};
/// "backup", "verify", "prune".
IMMICHBAK_EXPORT const char* run_step_name(run_step s) noexcept;

struct run_result;

/// What run() does: the backup, how it is verified and pruned, and what it reports.
struct run_options {
  /// What and where to back up (dsn, dest_dir, prefix, compression, jobs, exclusions, ...).
  /// Its `events` are ignored: the run's `events` below are passed to every step.
  backup_options backup;
  /// Do a test restore (verify_options::restore_test, on the backup's server) when the
  /// newest passed restore test recorded for this directory and prefix is older than this;
  /// zero: every run; nullopt: never (offline verify only).
  std::optional<std::chrono::seconds> restore_test_every;
  /// Parallel sessions of the test restore (verify_options::jobs).
  int verify_jobs = 1;
  /// Prune with this policy after a verified backup. An empty policy: no prune.
  retention_policy retention;
  /// How long prune waits for backups writing into the directory (apply_options::lock_wait).
  std::chrono::milliseconds prune_lock_wait{std::chrono::minutes(5)};
  /// When not empty: written atomically (temporary file, fsync, rename) after the steps.
  std::filesystem::path metrics_file;
  /// Shell commands (/bin/sh -c) run at the end, with to_json(result) on stdin and the
  /// hook variables in their environment (docs/scheduling.md). Empty: none.
  std::string on_success;  ///< run when the result is ok()
  std::string on_failure;  ///< run when it is not
  /// A hook still running after this is terminated (its process group: SIGTERM, then SIGKILL).
  std::chrono::seconds hook_timeout{std::chrono::minutes(5)};
  /// Called when a step ends (also when it failed), with the result so far.
  std::function<void(run_step, const run_result&)> step_done;
  /// Log, progress and cancellation, for every step.
  event_sink events;
};

/// One failed step's error: the library's stable code name (code_name()) and its message.
struct run_failure {
  run_step step = run_step::backup;  ///< the step that failed
  std::string code;  ///< e.g. "connection_failed"; "verify_failed" for a verify with findings
  std::string message;               ///< the error's message (what() or the verify summary)
};

/// How the on_success or on_failure hook went.
struct run_hook_result {
  std::string which;       ///< "on-success" or "on-failure"
  bool ok = false;         ///< exited 0 within the timeout
  int exit_status = -1;    ///< the shell's exit status, -1 when killed or not started
  bool timed_out = false; ///< it ran longer than hook_timeout and was terminated
  std::string problem;     ///< why not ok
};

/// What run() did, step by step: a value, also when a step failed.
struct run_result {
  std::chrono::sys_seconds started_at{};   ///< when the run started (UTC)
  std::chrono::sys_seconds finished_at{};  ///< when it ended, hooks not included
  double seconds = 0;                      ///< wall-clock time of the steps
  std::filesystem::path dest_dir;          ///< the backup directory
  std::string prefix;                      ///< the backups' prefix

  std::optional<backup_result> backup;   ///< set when the backup was written
  std::optional<verify_report> verify;   ///< set when the verify ran to its end
  bool restore_test = false;             ///< this run's verify included a test restore
  std::string restore_test_reason;       ///< why it did or did not ("last one 2d ago, every 7d")
  std::optional<prune_result> prune;     ///< set when prune ran
  std::string prune_skipped;             ///< why prune did not run, when it did not

  std::optional<run_failure> failure;    ///< the first step that failed (later steps did not run)
  /// The newest fully successful run of this directory and prefix (this one, when it
  /// succeeded), and the newest passed restore test; from the directory's run state.
  std::optional<std::chrono::sys_seconds> last_success;       ///< see above
  std::optional<std::chrono::sys_seconds> last_restore_test;  ///< see above

  std::string metrics_problem;           ///< the metrics file could not be written
  std::optional<run_hook_result> hook;   ///< set when a hook was configured

  /// Backup, verify and (when asked for) prune all succeeded, and the metrics were written.
  bool ok() const noexcept { return !failure && metrics_problem.empty(); }
};

/// The `immichbak` command's exit code for a result: 0 ok; 3 the backup was written but its
/// verify found problems; 130 cancelled; 1 any other failure (backup, prune, metrics file).
IMMICHBAK_EXPORT int run_exit_code(const run_result& r) noexcept;

/// Runs backup, verify and prune, writes the metrics file and runs the hook. Throws
/// error(invalid_argument) before anything starts for options it cannot run with; every
/// later failure is in the result.
IMMICHBAK_EXPORT run_result run(const run_options& options);

/// The summary: one JSON object (docs/cli.md, "run"). Holds no connection string.
IMMICHBAK_EXPORT std::string to_json(const run_result& r, bool pretty = true);
/// A few lines for a person: what each step did.
IMMICHBAK_EXPORT std::string to_text(const run_result& r);
/// The Prometheus text exposition format for node_exporter's textfile collector.
IMMICHBAK_EXPORT std::string to_prometheus(const run_result& r);

}  // namespace immichbak
