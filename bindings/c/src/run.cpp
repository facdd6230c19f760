// immichbak_run(): the scheduled job, and its result.

#include "c_api.hpp"

#include <cstring>

using namespace immichbak_c;

static_assert(static_cast<int>(immichbak::run_step::backup) == IMMICHBAK_STEP_BACKUP);
static_assert(static_cast<int>(immichbak::run_step::verify) == IMMICHBAK_STEP_VERIFY);
static_assert(static_cast<int>(immichbak::run_step::prune) == IMMICHBAK_STEP_PRUNE);

immichbak_run_result::immichbak_run_result(immichbak::run_result r) : value(std::move(r)) {
  // Copies of the steps' results as handles, so the C caller reads them with the accessors
  // it already knows (a run result is read a few times, never in a hot loop).
  if (value.backup) backup.emplace(immichbak_backup_result{*value.backup});
  if (value.verify) verify.emplace(immichbak_verify_report{*value.verify});
  if (value.prune) prune.emplace(immichbak_prune_result{*value.prune});
}

namespace {

immichbak::run_options to_cpp_run(const immichbak_run_options& o) {
  check_version(o.version, IMMICHBAK_RUN_OPTIONS_VERSION, "immichbak_run_options", 2);
  immichbak::run_options r;
  r.backup = to_cpp(o.backup);
  r.backup.events = {};  // run_options: the backup's own events are ignored; say so by dropping them
  if (o.restore_test_every_seconds >= 0) r.restore_test_every = std::chrono::seconds(o.restore_test_every_seconds);
  r.verify_jobs = o.verify_jobs;
  r.retention = to_cpp(o.retention);
  r.prune_lock_wait = std::chrono::milliseconds(static_cast<std::int64_t>(o.prune_lock_wait_ms));
  if (o.metrics_file != nullptr) r.metrics_file = o.metrics_file;
  r.on_success = str(o.on_success);
  r.on_failure = str(o.on_failure);
  r.hook_timeout = std::chrono::seconds(o.hook_timeout_seconds);
  if (o.step_done != nullptr) {
    immichbak_step_fn fn = o.step_done;
    void* user = o.events.user;
    r.step_done = [fn, user](immichbak::run_step step, const immichbak::run_result& so_far) {
      // A temporary handle over a copy: the callback may read it with every accessor. An
      // exception (out of memory while copying) must not unwind into the run: the
      // callback is skipped then, the run goes on.
      try {
        const immichbak_run_result handle(so_far);
        fn(static_cast<int>(step), &handle, user);
      } catch (...) {
      }
    };
  }
  r.events = to_sink(o.events);
  return r;
}

}  // namespace

extern "C" {

int immichbak_run_options_init(immichbak_run_options* options, unsigned int version) {
  return guarded([&] {
    require(options, "options");
    check_version(version, IMMICHBAK_RUN_OPTIONS_VERSION, "immichbak_run_options", 2);
    const immichbak::run_options d;
    std::memset(options, 0, sizeof *options);
    options->version = version;
    // The embedded backup options get their own current version: they are versioned by
    // the run options' version (run options version 2 embeds backup options version 2;
    // version 1 embedded the smaller backup options version 1 and is refused).
    if (int rc = immichbak_backup_options_init(&options->backup, IMMICHBAK_BACKUP_OPTIONS_VERSION); rc != IMMICHBAK_OK)
      throw immichbak::error(static_cast<immichbak::errc>(rc), immichbak_last_error_message());
    options->restore_test_every_seconds = d.restore_test_every ? d.restore_test_every->count() : -1;
    options->verify_jobs = d.verify_jobs;
    init_policy(options->retention);
    options->prune_lock_wait_ms = static_cast<std::uint64_t>(d.prune_lock_wait.count());
    options->hook_timeout_seconds = d.hook_timeout.count();
  });
}

int immichbak_run(const immichbak_run_options* options, immichbak_run_result** out) {
  return guarded([&] {
    require(out, "out");
    *out = nullptr;
    require(options, "options");
    immichbak::run_options o = to_cpp_run(*options);
    *out = new immichbak_run_result(immichbak::run(o));
  });
}

int immichbak_run_result_ok(const immichbak_run_result* r) { return r && r->value.ok() ? 1 : 0; }
int immichbak_run_result_exit_code(const immichbak_run_result* r) { return r ? immichbak::run_exit_code(r->value) : 1; }
const immichbak_backup_result* immichbak_run_result_backup(const immichbak_run_result* r) {
  return r && r->backup ? &*r->backup : nullptr;
}
const immichbak_verify_report* immichbak_run_result_verify(const immichbak_run_result* r) {
  return r && r->verify ? &*r->verify : nullptr;
}
const immichbak_prune_result* immichbak_run_result_prune(const immichbak_run_result* r) {
  return r && r->prune ? &*r->prune : nullptr;
}
int immichbak_run_result_restore_test(const immichbak_run_result* r) { return r && r->value.restore_test ? 1 : 0; }
int immichbak_run_result_failure_step(const immichbak_run_result* r) {
  return r && r->value.failure ? static_cast<int>(r->value.failure->step) : -1;
}
const char* immichbak_run_result_failure_code(const immichbak_run_result* r) {
  return r && r->value.failure ? r->value.failure->code.c_str() : nullptr;
}
const char* immichbak_run_result_failure_message(const immichbak_run_result* r) {
  return r && r->value.failure ? r->value.failure->message.c_str() : nullptr;
}
const char* immichbak_run_result_metrics_problem(const immichbak_run_result* r) {
  return r ? r->value.metrics_problem.c_str() : nullptr;
}
int immichbak_run_result_to_json(const immichbak_run_result* r, char** out) {
  return text_out(out, [&] {
    require(r, "result");
    return immichbak::to_json(r->value);
  });
}
int immichbak_run_result_to_text(const immichbak_run_result* r, char** out) {
  return text_out(out, [&] {
    require(r, "result");
    return immichbak::to_text(r->value);
  });
}
int immichbak_run_result_to_prometheus(const immichbak_run_result* r, char** out) {
  return text_out(out, [&] {
    require(r, "result");
    return immichbak::to_prometheus(r->value);
  });
}
void immichbak_run_result_free(immichbak_run_result* r) { delete r; }

const char* immichbak_run_step_name(int step) {
  if (step < IMMICHBAK_STEP_BACKUP || step > IMMICHBAK_STEP_PRUNE) return "unknown";
  return immichbak::run_step_name(static_cast<immichbak::run_step>(step));
}

}  // extern "C"
