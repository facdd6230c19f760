// nightly_example: the scheduled job in one call, as `immichbak run` does it: back up, verify
// (with a test restore once a week), prune with a retention policy, write metrics.
//
//   nightly_example DSN DEST_DIR [METRICS_FILE]
//
// A failed backup or verify never prunes: every older backup stays. run() throws only for
// options it cannot start with; a failed step is in the result (and in the metrics file).
#include <immichbak/immichbak.hpp>

#include <chrono>
#include <iostream>

int main(int argc, char** argv) {
  if (argc < 3 || argc > 4) {
    std::cerr << "usage: nightly_example DSN DEST_DIR [METRICS_FILE]\n";
    return 2;
  }
  immichbak::run_options options;
  options.backup.dsn = argv[1];
  options.backup.dest_dir = argv[2];
  options.backup.jobs = 2;
  options.backup.require_immich = true;  // refuse a DSN that names the wrong database
  // A test restore (into a scratch database on the same server, dropped afterwards) when the
  // last passed one of this directory is older than a week; offline verify every night.
  options.restore_test_every = std::chrono::hours(24 * 7);
  // Keep 7 daily, 4 weekly and 6 monthly backups (restic's rules; docs/retention.md).
  options.retention.keep_daily = 7;
  options.retention.keep_weekly = 4;
  options.retention.keep_monthly = 6;
  if (argc == 4) options.metrics_file = argv[3];  // for node_exporter's textfile collector
  options.events.log = [](immichbak::log_level level, const std::string& message) {
    if (level >= immichbak::log_level::warning) std::cerr << message << '\n';
  };
  options.step_done = [](immichbak::run_step step, const immichbak::run_result& so_far) {
    std::cerr << immichbak::run_step_name(step) << (so_far.failure ? ": failed" : ": done") << '\n';
  };

  try {
    immichbak::run_result result = immichbak::run(options);
    std::cout << immichbak::to_text(result) << '\n';
    return immichbak::run_exit_code(result);  // 0 ok, 3 verify found problems, 1 failed
  } catch (const immichbak::error& e) {
    std::cerr << "cannot run (" << immichbak::code_name(e.code()) << "): " << e.what() << '\n';
    return 2;
  }
}
