// run(): the scheduled job (backup, verify, prune, metrics, hooks) in one call.

#include "common.hpp"

#include <immichbak/run.hpp>

namespace immichbak::python {

// One declarative list of bindings (run options, result, summary output), kept whole so each
// class reads next to its docstrings; over 100 lines for that reason only.
void init_run(py::module_& m) {
  py::enum_<run_step>(m, "RunStep", "The steps of a run, in their order.")
      .value("backup", run_step::backup)
      .value("verify", run_step::verify)
      .value("prune", run_step::prune);

  py::class_<run_failure>(m, "RunFailure", "One failed step's error.")
      .def_readonly("step", &run_failure::step)
      .def_readonly("code", &run_failure::code, "e.g. \"connection_failed\"; \"verify_failed\" for verify findings")
      .def_readonly("message", &run_failure::message)
      .def("__repr__", [](const run_failure& f) {
        return std::string("<RunFailure ") + run_step_name(f.step) + " " + f.code + ">";
      });

  py::class_<run_hook_result>(m, "RunHookResult", "How the on_success or on_failure hook went.")
      .def_readonly("which", &run_hook_result::which)
      .def_readonly("ok", &run_hook_result::ok)
      .def_readonly("exit_status", &run_hook_result::exit_status)
      .def_readonly("timed_out", &run_hook_result::timed_out)
      .def_readonly("problem", &run_hook_result::problem);

  py::class_<run_result>(m, "RunResult", "What run() did, step by step (also when a step failed).")
      .def_property_readonly("started_at", [](const run_result& r) { return to_datetime(r.started_at); })
      .def_property_readonly("finished_at", [](const run_result& r) { return to_datetime(r.finished_at); })
      .def_readonly("seconds", &run_result::seconds)
      .def_readonly("dest_dir", &run_result::dest_dir)
      .def_readonly("prefix", &run_result::prefix)
      .def_readonly("backup", &run_result::backup, "BackupResult when the backup was written, else None.")
      .def_readonly("verify", &run_result::verify, "VerifyReport when the verify ran to its end, else None.")
      .def_readonly("restore_test", &run_result::restore_test)
      .def_readonly("restore_test_reason", &run_result::restore_test_reason)
      .def_readonly("prune", &run_result::prune, "PruneResult when prune ran, else None.")
      .def_readonly("prune_skipped", &run_result::prune_skipped)
      .def_readonly("failure", &run_result::failure, "RunFailure of the first step that failed, or None.")
      .def_property_readonly("last_success", [](const run_result& r) { return to_datetime(r.last_success); })
      .def_property_readonly("last_restore_test",
                             [](const run_result& r) { return to_datetime(r.last_restore_test); })
      .def_readonly("metrics_problem", &run_result::metrics_problem)
      .def_readonly("hook", &run_result::hook)
      .def_property_readonly("ok", &run_result::ok)
      .def("__bool__", &run_result::ok)
      .def_property_readonly("exit_code", &run_exit_code,
                             "The `immichbak run` exit code: 0 ok, 3 verify found problems, 130 cancelled, 1 other.")
      .def(
          "to_json", [](const run_result& r, bool pretty) { return to_json(r, pretty); }, py::arg("pretty") = true,
          "The summary (docs/cli.md, \"run\"); holds no connection string.")
      .def(
          "to_text", [](const run_result& r) { return to_text(r); })
      .def(
          "to_prometheus", [](const run_result& r) { return to_prometheus(r); },
          "The Prometheus text exposition format (node_exporter's textfile collector).")
      .def("__repr__", [](const run_result& r) {
        return std::string("<RunResult ") + (r.ok() ? "ok" : "FAILED") + ">";
      });

  m.def(
      "run",
      [](std::filesystem::path dest_dir, std::string dsn, std::string prefix, py::object compress, int compression_level,
         int jobs, std::vector<std::string> exclude_table_data, bool exclude_regenerable, bool require_immich,
         py::object lock_timeout, std::size_t chunk_bytes, std::uint64_t split_table_bytes, bool binary_copy,
         py::object restore_test_every, int verify_jobs, py::object retention, py::object prune_lock_wait,
         py::object metrics_file, std::string on_success, std::string on_failure, py::object hook_timeout,
         py::object step_done, py::object log, py::object progress, py::object cancel) {
        run_options o;
        backup_args a{std::move(dest_dir),   std::move(dsn),           std::move(prefix),
                      std::move(compress),   compression_level,        jobs,
                      std::move(exclude_table_data), exclude_regenerable, require_immich,
                      std::move(lock_timeout), chunk_bytes,            split_table_bytes,
                      binary_copy};
        o.backup = make_backup_options(a);
        if (!restore_test_every.is_none()) o.restore_test_every = to_seconds(restore_test_every);
        o.verify_jobs = verify_jobs;
        if (!retention.is_none()) {
          if (!py::isinstance<retention_policy>(retention)) {
            throw py::type_error("retention must be an immichbak.RetentionPolicy or None");
          }
          o.retention = retention.cast<retention_policy>();
        }
        o.prune_lock_wait = to_milliseconds(prune_lock_wait);
        if (!metrics_file.is_none()) o.metrics_file = to_path(metrics_file);
        o.on_success = std::move(on_success);
        o.on_failure = std::move(on_failure);
        o.hook_timeout = to_seconds(hook_timeout);
        require_callable(step_done, "step_done");
        call_context ctx(std::move(log), std::move(progress), std::move(cancel));
        o.events = ctx.sink();
        o.step_done = ctx.bridge<run_step, const run_result&>(std::move(step_done));
        return ctx.invoke([&] { return immichbak::run(o); });
      },
      py::arg("dest_dir"), py::kw_only(), py::arg("dsn") = "", py::arg("prefix") = "immich-db",
      py::arg("compress") = "zstd", py::arg("compression_level") = 2, py::arg("jobs") = 1,
      py::arg("exclude_table_data") = std::vector<std::string>{}, py::arg("exclude_regenerable") = false,
      py::arg("require_immich") = false, py::arg("lock_timeout") = 30.0, py::arg("chunk_bytes") = std::size_t{4u << 20},
      py::arg("split_table_bytes") = std::uint64_t{256u << 20},
      py::arg("binary_copy") = immichbak::backup_options{}.binary_copy,
      py::arg("restore_test_every") = py::none(),
      py::arg("verify_jobs") = 1, py::arg("retention") = py::none(), py::arg("prune_lock_wait") = 300,
      py::arg("metrics_file") = py::none(), py::arg("on_success") = "", py::arg("on_failure") = "",
      py::arg("hook_timeout") = 300, py::arg("step_done") = py::none(), py::arg("log") = py::none(),
      py::arg("progress") = py::none(), py::arg("cancel") = py::none(),
      "The scheduled job (`immichbak run`): backup, verify (a test restore when the last one is older "
      "than restore_test_every; None: never; 0: every run), prune with `retention` (only after this "
      "run's backup verified), metrics file, hooks. A failed step is recorded in the result "
      "(result.failure), not raised; raises InvalidArgument for options it cannot start with.");
}

}  // namespace immichbak::python
