// backup(): Compression, BackupResult, RegenerableTable, immich_regenerable_tables().

#include "common.hpp"

#include <immichbak/backup.hpp>

namespace immichbak::python {

namespace {

compression to_compression(py::handle value) {
  if (py::isinstance<compression>(value)) return value.cast<compression>();
  if (py::isinstance<py::str>(value)) {
    auto s = value.cast<std::string>();
    if (s == "zstd") return compression::zstd;
    if (s == "gzip") return compression::gzip;
    if (s == "none") return compression::none;
    throw py::value_error("compress must be \"zstd\", \"gzip\" or \"none\", not \"" + s + "\"");
  }
  throw py::type_error("compress must be an immichbak.Compression or \"zstd\", \"gzip\", \"none\"");
}

}  // namespace

backup_options make_backup_options(const backup_args& a) {
  backup_options o;
  o.dest_dir = a.dest_dir;
  o.dsn = a.dsn;
  o.prefix = a.prefix;
  o.compress = to_compression(a.compress);
  o.compression_level = a.compression_level;
  o.jobs = a.jobs;
  o.exclude_table_data = a.exclude_table_data;
  o.exclude_regenerable = a.exclude_regenerable;
  o.require_immich = a.require_immich;
  o.lock_timeout = to_milliseconds(a.lock_timeout);
  o.chunk_bytes = a.chunk_bytes;
  o.split_table_bytes = a.split_table_bytes;
  o.binary_copy = a.binary_copy;
  return o;
}

void init_backup(py::module_& m) {
  py::enum_<compression>(m, "Compression", "The backup file's variant.")
      .value("none", compression::none, "plain SQL, .sql")
      .value("zstd", compression::zstd, "zstd frames, .sql.zst (the default)")
      .value("gzip", compression::gzip, "gzip members, .sql.gz (Immich's own Backups page lists them)");
  m.attr("DEFAULT_GZIP_LEVEL") = default_gzip_level;

  py::class_<backup_result>(m, "BackupResult", "What backup() wrote.")
      .def_readonly("file", &backup_result::file, "The backup file (pathlib.Path).")
      .def_readonly("sidecar", &backup_result::sidecar, "FILE.sha256, in `sha256sum -c` format.")
      .def_readonly("sha256", &backup_result::sha256)
      .def_readonly("bytes", &backup_result::bytes, "File size.")
      .def_readonly("plain_bytes", &backup_result::plain_bytes, "Decompressed SQL size.")
      .def_readonly("rows", &backup_result::rows, "Rows dumped, all tables.")
      .def_readonly("database", &backup_result::database)
      .def_readonly("tables", &backup_result::tables)
      .def_readonly("tables_empty", &backup_result::tables_empty)
      .def_readonly("tables_excluded", &backup_result::tables_excluded)
      .def_readonly("seconds", &backup_result::seconds)
      .def_readonly("immich_version", &backup_result::immich_version)
      .def_readonly("server_version", &backup_result::server_version)
      .def("__repr__", [](const backup_result& r) {
        return "<BackupResult " + r.file.string() + " " + std::to_string(r.rows) + " rows>";
      });

  py::class_<regenerable_table>(m, "RegenerableTable", "A table exclude_regenerable leaves out.")
      .def_readonly("table", &regenerable_table::table)
      .def_readonly("immich_job", &regenerable_table::immich_job)
      .def("__repr__", [](const regenerable_table& t) { return "<RegenerableTable " + t.table + ">"; });
  m.def("immich_regenerable_tables", &immich_regenerable_tables,
        "The tables backup(exclude_regenerable=True) leaves out, and the Immich jobs that rebuild them.");

  m.def(
      "backup",
      [](std::filesystem::path dest_dir, std::string dsn, std::string prefix, py::object compress, int compression_level,
         int jobs, std::vector<std::string> exclude_table_data, bool exclude_regenerable, bool require_immich,
         py::object lock_timeout, std::size_t chunk_bytes, std::uint64_t split_table_bytes, bool binary_copy,
         py::object log, py::object progress, py::object cancel) {
        backup_args a{std::move(dest_dir),   std::move(dsn),           std::move(prefix),
                      std::move(compress),   compression_level,        jobs,
                      std::move(exclude_table_data), exclude_regenerable, require_immich,
                      std::move(lock_timeout), chunk_bytes,            split_table_bytes,
                      binary_copy};
        backup_options o = make_backup_options(a);
        call_context ctx(std::move(log), std::move(progress), std::move(cancel));
        o.events = ctx.sink();
        return ctx.invoke([&] { return immichbak::backup(o); });
      },
      py::arg("dest_dir"), py::kw_only(), py::arg("dsn") = "", py::arg("prefix") = "immich-db",
      py::arg("compress") = "zstd", py::arg("compression_level") = 2, py::arg("jobs") = 1,
      py::arg("exclude_table_data") = std::vector<std::string>{}, py::arg("exclude_regenerable") = false,
      py::arg("require_immich") = false, py::arg("lock_timeout") = 30.0, py::arg("chunk_bytes") = std::size_t{4u << 20},
      py::arg("split_table_bytes") = std::uint64_t{256u << 20},
      py::arg("binary_copy") = immichbak::backup_options{}.binary_copy, py::arg("log") = py::none(),
      py::arg("progress") = py::none(), py::arg("cancel") = py::none(),
      "Back up the database `dsn` names (empty: the PG* environment) into dest_dir as one file "
      "PREFIX-YYYYMMDDTHHMMSSZ.sql.zst (.sql.gz, .sql) with its FILE.sha256 sidecar. On failure or "
      "cancellation no backup file is left behind and immichbak.Error is raised.");
}

}  // namespace immichbak::python
