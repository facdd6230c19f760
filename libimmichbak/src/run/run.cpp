// immichbak::run(): backup -> verify -> prune, then the run state, the metrics file and a hook.
//
// Each step is the public call of its command (backup(), verify(), prune()); run adds only
// the order, the rule that nothing is pruned unless this run's backup verified, and the
// reporting. It never reaches into another command's private code (docs/architecture.md).
#include "format/atomic_file.hpp"
#include "pg/redact.hpp"
#include "run/hook.hpp"
#include "run/schedule.hpp"
#include "run/state.hpp"
#include "util/utc_time.hpp"

#include <immichbak/error.hpp>
#include <immichbak/run.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace immichbak {

namespace {

using run_detail::run_state;

void log(const run_options& o, log_level level, const std::string& text) {
  if (o.events.log) o.events.log(level, text);
}

std::time_t now_t() { return std::chrono::system_clock::to_time_t(std::chrono::system_clock::now()); }
std::chrono::sys_seconds sys(std::time_t t) { return std::chrono::sys_seconds(std::chrono::seconds(t)); }

run_failure failure_from(run_step step, const std::exception& e) {
  const auto* ie = dynamic_cast<const error*>(&e);
  return run_failure{step, ie ? code_name(ie->code()) : "internal", e.what()};
}

void check_options(const run_options& o) {
  if (o.backup.dest_dir.empty()) throw error(errc::invalid_argument, "run: no backup directory given (--dest)");
  if (o.backup.prefix.empty()) throw error(errc::invalid_argument, "run: the file name prefix must not be empty");
  if (o.verify_jobs < 1) throw error(errc::invalid_argument, "run: verify jobs must be at least 1");
  if (o.hook_timeout.count() <= 0) throw error(errc::invalid_argument, "run: the hook timeout must be positive");
  if (o.restore_test_every && o.restore_test_every->count() < 0)
    throw error(errc::invalid_argument, "run: --restore-test-every must not be negative");
  // A bad policy is refused before a backup is taken, not after it (an empty one: no prune).
  if (!o.retention.empty()) (void)plan_retention({}, o.retention, sys(now_t()));
}

// The newest passed restore test known for the directory: the run state, or a verify
// record of one of its backups (a `verify --restore-test` run by hand counts too).
std::optional<std::time_t> last_restore_test(const run_options& o, const run_state& state) {
  std::optional<std::time_t> last = state.last_restore_test;
  try {
    for (const auto& e : list_backups(o.backup.dest_dir)) {
      if (e.prefix != o.backup.prefix || e.verification != verify_state::passed || !e.last_verify) continue;
      if (e.last_verify->kind != "restore-test") continue;
      if (auto t = util::parse_iso8601_utc(e.last_verify->verified_at); t && (!last || *t > *last)) last = t;
    }
  } catch (const error&) {
    // the directory does not exist yet or cannot be read: the backup step will say so
  }
  return last;
}

std::string verify_problems(const verify_report& r) {
  std::string text;
  std::size_t n = 0;
  for (const auto& c : r.checks) {
    if (c.status != check_status::fail) continue;
    if (++n > 3) continue;
    text += fmt::format("{}{}{}: {}", text.empty() ? "" : "; ", c.name, c.table.empty() ? "" : " " + c.table, c.detail);
  }
  if (n > 3) text += fmt::format("; and {} more", n - 3);
  return fmt::format("the backup {} failed its verify ({} failed check{}): {}", r.file.filename().string(), n,
                     n == 1 ? "" : "s", text);
}

void do_backup(const run_options& o, run_result& r) {
  log(o, log_level::info, fmt::format("run 1/3: backup into {}", o.backup.dest_dir.string()));
  backup_options bo = o.backup;
  bo.events = o.events;
  try {
    r.backup = backup(bo);
  } catch (const std::exception& e) {
    r.failure = failure_from(run_step::backup, e);
  }
}

void do_verify(const run_options& o, run_result& r, run_state& state) {
  log(o, log_level::info,
      fmt::format("run 2/3: verify {} {}", r.backup->file.filename().string(),
                  r.restore_test ? "offline and by a test restore into a scratch database" : "offline"));
  verify_options vo;
  vo.file = r.backup->file;
  vo.restore_test = r.restore_test;
  vo.dsn = o.backup.dsn;
  vo.jobs = o.verify_jobs;
  vo.events = o.events;
  try {
    r.verify = verify(vo);
    if (!r.verify->ok()) {
      r.failure = run_failure{run_step::verify, "verify_failed", verify_problems(*r.verify)};
    } else if (r.restore_test) {
      state.last_restore_test = now_t();
      state.last_restore_test_file = r.backup->file.filename().string();
      r.last_restore_test = sys(*state.last_restore_test);
    }
  } catch (const std::exception& e) {
    r.failure = failure_from(run_step::verify, e);
  }
}

void do_prune(const run_options& o, run_result& r) {
  if (o.retention.empty()) {
    r.prune_skipped = "no retention rule given (--keep-*): nothing pruned";
    log(o, log_level::info, "run 3/3: prune skipped: " + r.prune_skipped);
    return;
  }
  prune_options po;
  po.dir = o.backup.dest_dir;
  po.policy = o.retention;
  po.policy.prefix = o.backup.prefix;  // another database's backups in the same directory are not ours to prune
  po.lock_wait = o.prune_lock_wait;
  po.events = o.events;
  log(o, log_level::info, fmt::format("run 3/3: prune {} ({})", o.backup.dest_dir.string(), to_string(po.policy)));
  try {
    r.prune = prune(po);
    if (!r.prune->applied.ok()) {
      std::string text;
      for (const auto& rm : r.prune->applied.removals)
        if (!rm.removed) text += fmt::format("{}{}: {}", text.empty() ? "" : "; ", rm.path.filename().string(), rm.problem);
      r.failure = run_failure{run_step::prune, "prune_incomplete", "prune could not remove every file it planned to: " + text};
    }
  } catch (const std::exception& e) {
    r.failure = failure_from(run_step::prune, e);
  }
}

void write_metrics(const run_options& o, run_result& r) {
  if (o.metrics_file.empty()) return;
  try {
    format::write_file_atomic(o.metrics_file, to_prometheus(r));
  } catch (const std::exception& e) {
    r.metrics_problem = e.what();
    log(o, log_level::error, fmt::format("the metrics file was not written: {}", e.what()));
  }
}

void call_hook(const run_options& o, run_result& r) {
  const bool success = r.ok();
  const std::string& command = success ? o.on_success : o.on_failure;
  if (command.empty()) return;
  run_hook_result h;
  h.which = success ? "on-success" : "on-failure";
  std::vector<std::pair<std::string, std::string>> env{
      {"IMMICHBAK_RUN_STATUS", success ? "success" : "failure"},
      {"IMMICHBAK_EXIT_CODE", std::to_string(run_exit_code(r))},
      {"IMMICHBAK_FAILED_STEP", r.failure ? run_step_name(r.failure->step) : ""},
      {"IMMICHBAK_BACKUP_FILE", r.backup ? r.backup->file.string() : ""},
      {"IMMICHBAK_MESSAGE", r.failure ? r.failure->message : (r.metrics_problem.empty() ? "ok" : r.metrics_problem)}};
  // A cancelled run (SIGTERM from systemd, Ctrl-C) still reports, briefly; the cancel flag is
  // already set, so it cannot be what stops the hook.
  const bool cancelled = r.failure && r.failure->code == code_name(errc::cancelled);
  auto timeout = cancelled ? std::min(o.hook_timeout, std::chrono::seconds(10)) : o.hook_timeout;
  log(o, log_level::info, fmt::format("running the {} hook", h.which));
  auto out = run_detail::run_hook(command, to_json(r), env, timeout, cancelled ? nullptr : o.events.cancel,
                                 pg::conninfo_secrets(o.backup.dsn));
  h.exit_status = out.exit_status;
  h.timed_out = out.timed_out;
  h.ok = out.started && out.exit_status == 0 && !out.timed_out && out.signal == 0;
  h.problem = out.problem;
  if (!h.ok) log(o, log_level::warning, fmt::format("the {} hook failed: {}", h.which, h.problem));
  r.hook = h;
}

}  // namespace

const char* run_step_name(run_step s) noexcept {
  switch (s) {
    case run_step::backup: return "backup";
    case run_step::verify: return "verify";
    case run_step::prune: return "prune";
  }
  return "";
}

int run_exit_code(const run_result& r) noexcept {
  if (r.failure) {
    if (r.failure->code == code_name(errc::cancelled)) return 130;
    if (r.failure->step == run_step::verify && r.failure->code == "verify_failed") return 3;
    return 1;
  }
  return r.metrics_problem.empty() ? 0 : 1;
}

run_result run(const run_options& o) {
  check_options(o);
  const auto t0 = std::chrono::steady_clock::now();
  run_result r;
  r.started_at = sys(now_t());
  r.dest_dir = o.backup.dest_dir;
  r.prefix = o.backup.prefix;

  std::string state_problem;
  run_state state = run_detail::read_run_state(o.backup.dest_dir, o.backup.prefix, &state_problem);
  if (!state_problem.empty()) log(o, log_level::warning, state_problem);
  const run_state state_before = state;
  if (state.last_success) r.last_success = sys(*state.last_success);
  auto last_test = last_restore_test(o, state);
  if (last_test) r.last_restore_test = sys(*last_test);
  auto decision = run_detail::restore_test_due(o.restore_test_every, last_test, now_t());
  r.restore_test = decision.due;
  r.restore_test_reason = decision.reason;
  if (o.restore_test_every)
    log(o, log_level::info,
        fmt::format("restore test {}: {}", decision.due ? "in this run" : "not in this run", decision.reason));

  auto step = [&](run_step s) {
    if (o.step_done) o.step_done(s, r);
  };
  do_backup(o, r);
  step(run_step::backup);
  if (!r.failure) {
    do_verify(o, r, state);
    step(run_step::verify);
  }
  if (!r.failure) {
    do_prune(o, r);
    step(run_step::prune);
  } else if (r.failure->step != run_step::prune) {
    r.prune_skipped = fmt::format("the {} failed: nothing is removed, every older backup stays",
                                  run_step_name(r.failure->step));
    log(o, log_level::error, fmt::format("{} failed: {}", run_step_name(r.failure->step), r.failure->message));
    log(o, log_level::info, "prune skipped: " + r.prune_skipped);
  }
  if (r.failure && r.failure->step == run_step::prune)
    log(o, log_level::error, fmt::format("prune failed: {}", r.failure->message));

  r.finished_at = sys(now_t());
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!r.failure) {
    state.last_success = static_cast<std::time_t>(r.finished_at.time_since_epoch().count());
    r.last_success = r.finished_at;
  }
  if (state.last_success != state_before.last_success || state.last_restore_test != state_before.last_restore_test) {
    try {
      run_detail::write_run_state(o.backup.dest_dir, o.backup.prefix, state);
    } catch (const std::exception& e) {
      log(o, log_level::warning, fmt::format("the run state was not recorded: {}", e.what()));
    }
  }
  write_metrics(o, r);
  call_hook(o, r);
  if (r.ok())
    log(o, log_level::info, fmt::format("run finished in {:.1f} s: backup written, verified{}", r.seconds,
                                        r.prune ? ", pruned" : ""));
  return r;
}

}  // namespace immichbak
