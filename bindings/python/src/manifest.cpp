// read_manifest() (inspect) and extract_table() (extract): the manifest's value types.

#include "common.hpp"

#include <immichbak/error.hpp>
#include <immichbak/manifest.hpp>

#include <fstream>
#include <sstream>
#include <streambuf>
#include <vector>

namespace immichbak::python {

namespace {

/// A streambuf that hands 1 MiB at a time to a Python file object's write(), with the GIL.
class python_writer : public std::streambuf {
 public:
  python_writer(call_context& ctx, py::object write) : ctx_(ctx), write_(std::move(write)), buffer_(1u << 20) {
    setp(buffer_.data(), buffer_.data() + buffer_.size());
  }

 protected:
  int_type overflow(int_type ch) override {
    if (!flush()) return traits_type::eof();
    if (!traits_type::eq_int_type(ch, traits_type::eof())) {
      *pptr() = traits_type::to_char_type(ch);
      pbump(1);
    }
    return traits_type::not_eof(ch);
  }
  int sync() override { return flush() ? 0 : -1; }

 private:
  bool flush() {
    auto n = pptr() - pbase();
    if (n == 0) return true;
    if (ctx_.failed()) return false;
    {
      py::gil_scoped_acquire gil;
      try {
        write_(py::bytes(pbase(), static_cast<std::size_t>(n)));
      } catch (py::error_already_set& e) {
        ctx_.capture(std::move(e));
        return false;
      }
    }
    setp(buffer_.data(), buffer_.data() + buffer_.size());
    return true;
  }

  call_context& ctx_;
  py::object write_;
  std::vector<char> buffer_;
};

}  // namespace

// One declarative list of bindings (the manifest's value types, read_manifest, extract_table),
// kept whole so each class reads next to its docstrings; over 100 lines for that reason only.
void init_manifest(py::module_& m) {
  py::enum_<frame_kind>(m, "FrameKind", "What a frame of the file holds.")
      .value("header", frame_kind::header)
      .value("pre_data", frame_kind::pre_data)
      .value("data", frame_kind::data)
      .value("post_data", frame_kind::post_data)
      .value("owners", frame_kind::owners)
      .value("privileges", frame_kind::privileges)
      .value("clean", frame_kind::clean);
  py::enum_<post_phase>(m, "PostPhase", "The phase a post-data frame runs in.")
      .value("none", post_phase::none)
      .value("indexes", post_phase::indexes)
      .value("foreign_keys", post_phase::foreign_keys)
      .value("final", post_phase::final);

  py::class_<manifest_frame>(m, "ManifestFrame", "One frame of the file.")
      .def_readonly("kind", &manifest_frame::kind)
      .def_readonly("phase", &manifest_frame::phase)
      .def_readonly("offset", &manifest_frame::offset)
      .def_readonly("stored_size", &manifest_frame::stored_size)
      .def_readonly("plain_size", &manifest_frame::plain_size)
      .def_readonly("sha256", &manifest_frame::sha256)
      .def_readonly("schema", &manifest_frame::schema)
      .def_readonly("table", &manifest_frame::table)
      .def_readonly("rows", &manifest_frame::rows)
      .def_readonly("label", &manifest_frame::label);

  py::class_<manifest_table>(m, "ManifestTable", "One table of the backup, with or without its rows.")
      .def_readonly("schema", &manifest_table::schema)
      .def_readonly("name", &manifest_table::name)
      .def_readonly("rows", &manifest_table::rows)
      .def_readonly("content_hash", &manifest_table::content_hash)
      .def_readonly("plain_bytes", &manifest_table::plain_bytes)
      .def_readonly("stored_bytes", &manifest_table::stored_bytes)
      .def_readonly("data_excluded", &manifest_table::data_excluded)
      .def_readonly("exclusion_reason", &manifest_table::exclusion_reason)
      .def_property_readonly("qualified_name",
                             [](const manifest_table& t) { return t.schema + "." + t.name; }, "\"schema.name\"")
      .def("__repr__", [](const manifest_table& t) {
        return "<ManifestTable " + t.schema + "." + t.name + " " + std::to_string(t.rows) + " rows>";
      });

  py::class_<manifest_extension>(m, "ManifestExtension", "An extension the source database had installed.")
      .def_readonly("name", &manifest_extension::name)
      .def_readonly("version", &manifest_extension::version)
      .def_readonly("schema", &manifest_extension::schema)
      .def_readonly("needs_preload", &manifest_extension::needs_preload);

  py::class_<manifest_setting>(m, "ManifestSetting", "A database (or role-in-database) setting.")
      .def_readonly("role", &manifest_setting::role)
      .def_readonly("name", &manifest_setting::name)
      .def_readonly("value", &manifest_setting::value);

  py::class_<manifest>(m, "Manifest", "Everything a backup file says about itself (docs/format.md).")
      .def_readonly("format_major", &manifest::format_major)
      .def_readonly("format_minor", &manifest::format_minor)
      .def_readonly("tool_version", &manifest::tool_version)
      .def_readonly("created_at", &manifest::created_at, "UTC, ISO 8601 text (the snapshot time).")
      .def_readonly("database", &manifest::database)
      .def_readonly("server_version", &manifest::server_version)
      .def_readonly("server_version_num", &manifest::server_version_num)
      .def_readonly("compression", &manifest::compression)
      .def_readonly("compression_level", &manifest::compression_level)
      .def_readonly("immich_version", &manifest::immich_version)
      .def_readonly("immich_migration", &manifest::immich_migration)
      .def_readonly("encoding", &manifest::encoding)
      .def_readonly("session_settings", &manifest::session_settings)
      .def_readonly("restore_search_path", &manifest::restore_search_path)
      .def_readonly("database_settings", &manifest::database_settings)
      .def_readonly("extensions", &manifest::extensions)
      .def_readonly("roles", &manifest::roles)
      .def_readonly("exclusion_presets", &manifest::exclusion_presets)
      .def_readonly("tables", &manifest::tables)
      .def_readonly("frames", &manifest::frames)
      .def(
          "to_json", [](const manifest& x, bool pretty) { return to_json(x, pretty); }, py::arg("pretty") = true,
          "The manifest as JSON (the document embedded in the file).")
      .def(
          "to_text", [](const manifest& x) { return to_text(x); }, "A summary for a person.")
      .def("__repr__", [](const manifest& x) {
        return "<Manifest " + x.database + " " + x.created_at + " " + std::to_string(x.tables.size()) + " tables>";
      });

  m.def(
      "read_manifest",
      [](std::filesystem::path file) {
        call_context ctx;
        return ctx.invoke([&] { return immichbak::read_manifest(file); });
      },
      py::arg("file"),
      "Read and validate the footer and manifest of a backup file (no frame is decoded): "
      "`immichbak inspect`. Raises NotABackup, UnsupportedFormat, CorruptBackup or IoError.");

  m.def(
      "extract_table",
      [](std::filesystem::path file, std::string table, py::object out) -> py::object {
        call_context ctx;
        if (out.is_none()) {
          std::ostringstream buffer;
          ctx.invoke([&] { immichbak::extract_table(file, table, buffer); });
          std::string s = std::move(buffer).str();
          return py::bytes(s);
        }
        if (py::hasattr(out, "write")) {
          python_writer writer(ctx, out.attr("write"));
          std::ostream stream(&writer);
          ctx.invoke([&] {
            immichbak::extract_table(file, table, stream);
            stream.flush();
          });
          return py::none();
        }
        std::filesystem::path target = to_path(out);
        ctx.invoke([&] {
          std::ofstream stream(target, std::ios::binary | std::ios::trunc);
          if (!stream) throw error(errc::io_error, "cannot open " + target.string() + " for writing");
          try {
            immichbak::extract_table(file, table, stream);
            stream.close();
            if (!stream) throw error(errc::io_error, "cannot write " + target.string());
          } catch (...) {
            stream.close();
            std::error_code ec;
            std::filesystem::remove(target, ec);
            throw;
          }
        });
        return py::none();
      },
      py::arg("file"), py::arg("table"), py::arg("out") = py::none(),
      "One table's SQL (definition and COPY data, as psql runs it): `immichbak extract`. table is "
      "\"name\" or \"schema.name\". out=None returns the script as bytes; a path (str or os.PathLike) "
      "writes it there; an object with write() (a binary file) receives it in 1 MiB pieces. Raises "
      "InvalidArgument naming the table when the backup does not hold it.");
}

}  // namespace immichbak::python
