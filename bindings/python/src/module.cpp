// The extension module immichbak._immichbak; the package immichbak (__init__.py) re-exports it.

#include "common.hpp"

#include <immichbak/dsn.hpp>
#include <immichbak/immich_env.hpp>
#include <immichbak/immichbak.hpp>

namespace py = pybind11;
using namespace immichbak::python;

PYBIND11_MODULE(_immichbak, m) {
  m.doc() = "libimmichbak's public API: back up, verify, restore and prune Immich PostgreSQL databases.";

  init_errors(m);
  init_events(m);
  init_backup(m);
  init_verify(m);
  init_restore(m);
  init_manifest(m);
  init_retention(m);
  init_run(m);

  m.def(
      "library_version", [] { return std::string(immichbak::library_version()); },
      "The version of libimmichbak linked at run time.");
  m.attr("header_version") = immichbak::header_version;
  m.attr("__version__") = immichbak::header_version;

  m.def("redact_dsn", &immichbak::redact_dsn, py::arg("dsn"),
        "The connection string without its password (\"postgresql://u:secret@h/db\" -> "
        "\"postgresql://u@h/db\", \"password=secret\" -> \"password=***\").");

  py::class_<immichbak::immich_env_connection>(m, "ImmichEnvConnection", "A connection made from Immich's .env.")
      .def_readonly("dsn", &immichbak::immich_env_connection::dsn,
                    "keyword=value connection string. It holds the password: show it only through redact_dsn().")
      .def_readonly("used", &immichbak::immich_env_connection::used)
      .def_readonly("defaults", &immichbak::immich_env_connection::defaults)
      .def_readonly("overridden", &immichbak::immich_env_connection::overridden)
      .def("__repr__", [](const immichbak::immich_env_connection& c) {
        return "<ImmichEnvConnection " + immichbak::redact_dsn(c.dsn) + ">";
      });
  m.def(
      "connection_from_immich_env",
      [](std::filesystem::path env_file, std::string dsn) {
        return immichbak::connection_from_immich_env(env_file, dsn);
      },
      py::arg("env_file"), py::arg("dsn") = "",
      "The connection Immich's server would make from its docker-compose .env file; settings in dsn "
      "and PG* environment variables win. Raises InvalidArgument for a file it cannot use.");
}
