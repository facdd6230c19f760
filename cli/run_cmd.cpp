// immichbak run --dest DIR [backup options] [--restore-test-every AGE] [--keep-* ...]
//               [--metrics-file PATH] [--on-success CMD] [--on-failure CMD]
//
// The scheduled job: backup, verify, prune (only after a verified backup), then the metrics
// file and a hook (immichbak::run, docs/scheduling.md). Every option also comes from an
// IMMICHBAK_* environment variable (systemd's EnvironmentFile) and from the [run] section of
// the --config file; a flag wins over the file, the file over the environment (CLI11's order).
#include "backup_args.hpp"
#include "cli_common.hpp"
#include "connection_args.hpp"
#include "retention_args.hpp"

#include <iostream>

namespace immichbak::cli {

namespace {

struct run_args {
  backup_args backup;
  retention_args retention;
  std::string restore_test_every;
  int verify_jobs = 1;
  std::string prune_wait = "5min";
  std::string metrics_file;
  std::string on_success;
  std::string on_failure;
  std::string hook_timeout = "5min";
};

run_options to_run_options(const run_args& a) {
  run_options o;
  o.backup = to_backup_options(a.backup);
  if (!a.restore_test_every.empty()) o.restore_test_every = parse_age_option("--restore-test-every", a.restore_test_every);
  o.verify_jobs = a.verify_jobs;
  o.retention = to_policy(a.retention);
  o.prune_lock_wait =
      std::chrono::duration_cast<std::chrono::milliseconds>(parse_age_option("--prune-wait", a.prune_wait));
  o.metrics_file = a.metrics_file;
  o.on_success = a.on_success;
  o.on_failure = a.on_failure;
  o.hook_timeout = parse_age_option("--hook-timeout", a.hook_timeout);
  return o;
}

int run_run(const run_args& a, const global_options& g) {
  run_options o = to_run_options(a);
  o.events = make_event_sink(g);
  o.backup.dsn = resolve_dsn(a.backup.immich_env, a.backup.dsn, o.events);
  run_result r = run(o);
  finish_progress();
  if (g.json)
    std::cout << to_json(r) << "\n";
  else if (g.verbosity >= 0 || !r.ok())  // -q: nothing on stdout when all went well (cron mails nothing)
    std::cout << to_text(r) << "\n";
  return run_exit_code(r);
}

}  // namespace

command add_run(CLI::App& root, const global_options& g) {
  auto a = std::make_shared<run_args>();
  CLI::App* sub = root.add_subcommand(
      "run", "The scheduled job: backup, verify (a test restore now and then), prune after a verified backup, "
             "metrics file and hooks (docs/scheduling.md)");
  add_backup_options(sub, a->backup, true);
  sub->add_option("--restore-test-every", a->restore_test_every,
                  "Also verify by a test restore into a scratch database when the last passed one of this directory "
                  "is older than AGE (e.g. 7d; 0s: every run; default: never)")
      ->envname("IMMICHBAK_RESTORE_TEST_EVERY");
  sub->add_option("--verify-jobs", a->verify_jobs, "Parallel workers for the test restore")
      ->check(CLI::Range(1, 64))
      ->capture_default_str()
      ->envname("IMMICHBAK_VERIFY_JOBS");
  add_retention_options(sub, a->retention, false, true);
  sub->add_option("--prune-wait", a->prune_wait, "How long prune waits for another backup writing into DIR")
      ->capture_default_str()
      ->envname("IMMICHBAK_PRUNE_WAIT");
  sub->add_option("--metrics-file", a->metrics_file,
                  "Write Prometheus metrics here, atomically (node_exporter's textfile collector: a *.prom file)")
      ->envname("IMMICHBAK_METRICS_FILE");
  sub->add_option("--on-success", a->on_success, "Shell command run after a successful run, the JSON summary on stdin")
      ->envname("IMMICHBAK_ON_SUCCESS");
  sub->add_option("--on-failure", a->on_failure, "Shell command run after a failed run, the JSON summary on stdin")
      ->envname("IMMICHBAK_ON_FAILURE");
  sub->add_option("--hook-timeout", a->hook_timeout, "A hook still running after this is terminated")
      ->capture_default_str()
      ->envname("IMMICHBAK_HOOK_TIMEOUT");
  return {sub, [a, &g] { return run_run(*a, g); }};
}

}  // namespace immichbak::cli
