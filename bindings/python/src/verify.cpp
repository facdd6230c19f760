// verify(): CheckStatus, CheckResult, ImmichSummary, VerifyReport.

#include "common.hpp"

#include <immichbak/verify.hpp>

namespace immichbak::python {

void init_verify(py::module_& m) {
  py::enum_<check_status>(m, "CheckStatus", "The verdict of one check.")
      .value("pass_", check_status::pass, "the check found nothing wrong")
      .value("warn", check_status::warn, "something to look at that does not make the backup unusable")
      .value("fail", check_status::fail, "the backup would not restore what it should")
      .value("skipped", check_status::skipped, "the check did not run");

  py::class_<check_result>(m, "CheckResult", "One check of a verify, or one finding of it.")
      .def_readonly("name", &check_result::name, "e.g. \"sidecar\", \"frame\", \"restore-test\", \"media\"")
      .def_readonly("status", &check_result::status)
      .def_readonly("detail", &check_result::detail)
      .def_readonly("table", &check_result::table, "\"schema.table\" when the finding is about one, else \"\".")
      .def_readonly("offset", &check_result::offset, "Byte offset in the file, or None.")
      .def("__repr__", [](const check_result& c) {
        return "<CheckResult " + c.name + " " + check_status_name(c.status) + ">";
      });

  py::class_<immich_summary>(m, "ImmichSummary", "What the test restore found in Immich's tables.")
      .def_readonly("version", &immich_summary::version)
      .def_readonly("migration", &immich_summary::migration)
      .def_readonly("admin_exists", &immich_summary::admin_exists)
      .def_readonly("users", &immich_summary::users)
      .def_readonly("albums", &immich_summary::albums)
      .def_readonly("assets", &immich_summary::assets)
      .def_readonly("faces", &immich_summary::faces)
      .def_readonly("people", &immich_summary::people);

  py::class_<verify_report>(m, "VerifyReport", "Every check verify() ran, with its verdict.")
      .def_readonly("file", &verify_report::file)
      .def_readonly("checks", &verify_report::checks, "Every check and finding (list of CheckResult), in order.")
      .def_readonly("immich", &verify_report::immich, "ImmichSummary when a test restore found Immich's tables.")
      .def_property_readonly("ok", &verify_report::ok, "True when no check failed.")
      .def("__bool__", &verify_report::ok)
      .def(
          "to_json", [](const verify_report& r, bool pretty) { return to_json(r, pretty); }, py::arg("pretty") = true,
          "The report as `immichbak verify --json` prints it.")
      .def(
          "to_text", [](const verify_report& r) { return to_text(r); }, "One line per check, then the verdict.")
      .def("__repr__", [](const verify_report& r) {
        return "<VerifyReport " + r.file.string() + (r.ok() ? " ok" : " FAILED") + ">";
      });

  m.def(
      "verify",
      [](std::filesystem::path file, bool restore_test, std::string dsn, py::object media_roots, std::size_t media_sample,
         int jobs, py::object log, py::object progress, py::object cancel) {
        verify_options o;
        o.file = std::move(file);
        o.restore_test = restore_test;
        o.dsn = std::move(dsn);
        if (!media_roots.is_none()) {
          py::object items = py::isinstance<py::dict>(media_roots) ? media_roots.attr("items")() : media_roots;
          for (py::handle pair : items) {
            auto p = pair.cast<std::pair<std::string, std::string>>();
            o.media_roots.push_back(std::move(p));
          }
        }
        o.media_sample = media_sample;
        o.jobs = jobs;
        call_context ctx(std::move(log), std::move(progress), std::move(cancel));
        o.events = ctx.sink();
        return ctx.invoke([&] { return immichbak::verify(o); });
      },
      py::arg("file"), py::kw_only(), py::arg("restore_test") = false, py::arg("dsn") = "",
      py::arg("media_roots") = py::none(), py::arg("media_sample") = std::size_t{20}, py::arg("jobs") = 1,
      py::arg("log") = py::none(), py::arg("progress") = py::none(), py::arg("cancel") = py::none(),
      "Verify a backup: sidecar, footer, manifest, every frame. With restore_test, also restore it into a "
      "scratch database on the server `dsn` names, compare, and drop it. Damage is a finding in the "
      "report (report.ok is False); raises only when the file cannot be examined at all. media_roots maps "
      "server path prefixes to local ones ({\"/usr/src/app/upload\": \"/mnt/photos\"}).");
}

}  // namespace immichbak::python
