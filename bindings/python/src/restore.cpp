// restore(): RestoreResult.

#include "common.hpp"

#include <immichbak/restore.hpp>

namespace immichbak::python {

void init_restore(py::module_& m) {
  py::enum_<restore_mode>(m, "RestoreMode", "Where restore() loads and what it may do to a target that holds something.")
      .value("new_database", restore_mode::new_database,
             "Into a scratch database renamed to the target at the end; a target that exists must be empty.")
      .value("replace", restore_mode::replace,
             "The same, and a non-empty target is replaced; the old one is kept as NAME_before_restore_<timestamp>.")
      .value("replace_drop_old", restore_mode::replace_drop_old,
             "replace, and the old database is dropped after the swap (not with tables).")
      .value("in_place", restore_mode::in_place,
             "For roles without CREATEDB: one job, one transaction, into an existing empty database.");
  py::class_<restore_result>(m, "RestoreResult", "What restore() did.")
      .def_readonly("database", &restore_result::database, "The target's name.")
      .def_readonly("kept_old_database", &restore_result::kept_old_database,
                    "Where mode=RestoreMode.replace moved the old database, or None.")
      .def_readonly("rows", &restore_result::rows)
      .def_readonly("tables", &restore_result::tables)
      .def_readonly("seconds", &restore_result::seconds)
      .def_readonly("plain_sql", &restore_result::plain_sql, "The input was a plain pg_dump script.")
      .def_readonly("warnings", &restore_result::warnings)
      .def_readonly("immich_jobs_to_run", &restore_result::immich_jobs_to_run)
      .def("__repr__", [](const restore_result& r) {
        return "<RestoreResult " + r.database + " " + std::to_string(r.rows) + " rows>";
      });

  m.def(
      "restore",
      [](std::filesystem::path file, std::string dsn, int jobs, restore_mode mode, bool terminate_sessions,
         bool no_owner, bool no_privileges, std::vector<std::string> tables, bool check_content,
         bool check_readback, py::object log, py::object progress, py::object cancel) {
        restore_options o;
        o.file = std::move(file);
        o.dsn = std::move(dsn);
        o.jobs = jobs;
        o.mode = mode;
        o.terminate_sessions = terminate_sessions;
        o.no_owner = no_owner;
        o.no_privileges = no_privileges;
        o.tables = std::move(tables);
        o.check_content = check_content;
        o.check_readback = check_readback;
        call_context ctx(std::move(log), std::move(progress), std::move(cancel));
        o.events = ctx.sink();
        return ctx.invoke([&] { return immichbak::restore(o); });
      },
      py::arg("file"), py::kw_only(), py::arg("dsn") = "", py::arg("jobs") = 1,
      py::arg("mode") = restore_mode::new_database, py::arg("terminate_sessions") = false,
      py::arg("no_owner") = false, py::arg("no_privileges") = false, py::arg("tables") = std::vector<std::string>{},
      py::arg("check_content") = true, py::arg("check_readback") = false, py::arg("log") = py::none(),
      py::arg("progress") = py::none(), py::arg("cancel") = py::none(),
      "Restore a backup (or a plain pg_dump script) into the database `dsn` names, all or nothing: it "
      "loads a scratch database and swaps it in at the end; on failure the target is left as it was.");
}

}  // namespace immichbak::python
