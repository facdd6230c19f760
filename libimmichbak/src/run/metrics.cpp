// to_prometheus(): the run as node_exporter's textfile collector reads it
// (https://prometheus.io/docs/instrumenting/exposition_formats/). Every series carries the
// labels dest and prefix, so two jobs (two databases) can write two files side by side.
// A value that is unknown is left out rather than written as 0: a 0 timestamp or size
// would read as a real one in a dashboard. last_success survives a failed run (it comes
// from the directory's run state), so `time() - immichbak_last_success_timestamp_seconds`
// alerts on a run of failed nights.
#include <immichbak/run.hpp>

#include <fmt/format.h>

namespace immichbak {

namespace {

// Label values escape backslash, double quote and newline.
std::string label_value(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

double secs(std::chrono::sys_seconds t) { return static_cast<double>(t.time_since_epoch().count()); }

class writer {
 public:
  explicit writer(const run_result& r)
      : labels_(fmt::format("{{dest=\"{}\",prefix=\"{}\"}}", label_value(r.dest_dir.string()), label_value(r.prefix))) {}

  void gauge(const char* name, const char* help, double value) {
    text_ += fmt::format("# HELP {} {}\n# TYPE {} gauge\n{}{} {}\n", name, help, name, name, labels_, number(value));
  }
  std::string take() { return std::move(text_); }

 private:
  static std::string number(double v) {
    if (v == static_cast<double>(static_cast<long long>(v)) && v < 9.0e15 && v > -9.0e15)
      return fmt::format("{}", static_cast<long long>(v));
    return fmt::format("{:.3f}", v);
  }
  std::string labels_;
  std::string text_;
};

}  // namespace

std::string to_prometheus(const run_result& r) {
  writer w(r);
  w.gauge("immichbak_run_timestamp_seconds", "When the last run finished (Unix time).", secs(r.finished_at));
  w.gauge("immichbak_run_duration_seconds", "How long the last run took.", r.seconds);
  w.gauge("immichbak_run_success", "1 when the last run backed up, verified and pruned, else 0.", r.ok() ? 1 : 0);
  w.gauge("immichbak_run_exit_status", "The exit code of the last run (0 ok, 1 failure, 3 verify failed, 130 interrupted).",
          run_exit_code(r));
  if (r.last_success)
    w.gauge("immichbak_last_success_timestamp_seconds", "When a run last succeeded (Unix time).", secs(*r.last_success));
  if (r.backup) {
    w.gauge("immichbak_backup_size_bytes", "Size of the last run's backup file.", static_cast<double>(r.backup->bytes));
    w.gauge("immichbak_backup_rows", "Rows in the last run's backup.", static_cast<double>(r.backup->rows));
    w.gauge("immichbak_backup_duration_seconds", "How long the last run's backup took.", r.backup->seconds);
  }
  if (r.verify) {
    w.gauge("immichbak_verify_success", "1 when the last run's backup passed its verify, else 0.", r.verify->ok() ? 1 : 0);
    w.gauge("immichbak_verify_restore_test", "1 when the last run's verify included a test restore.", r.restore_test ? 1 : 0);
  }
  if (r.last_restore_test)
    w.gauge("immichbak_last_restore_test_timestamp_seconds", "When a test restore last passed (Unix time).",
            secs(*r.last_restore_test));
  if (r.prune) {
    std::size_t removed = 0;
    for (const auto& rm : r.prune->applied.removals) removed += rm.removed ? 1 : 0;
    w.gauge("immichbak_prune_kept_files", "Backups the last prune kept.",
            static_cast<double>(r.prune->plan.count(plan_action::keep)));
    w.gauge("immichbak_prune_removed_files", "Backups the last prune removed.", static_cast<double>(removed));
    w.gauge("immichbak_prune_freed_bytes", "Bytes the last prune freed.", static_cast<double>(r.prune->applied.bytes_freed));
  }
  return w.take();
}

}  // namespace immichbak
