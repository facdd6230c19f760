// immichbak.Error and its subclasses, one per errc code, and ErrorCode (an IntEnum of the
// stable codes). immichbak::error is translated into the subclass of its code, with
// .code, .code_name and .sqlstate set.

#include "common.hpp"

#include <immichbak/error.hpp>

#include <map>
#include <vector>

namespace immichbak::python {

namespace {

struct code_class {
  errc code;
  const char* class_name;
  PyObject* extra_base;  // a builtin exception it also derives from, or nullptr
  const char* doc;
};

// Leaked on purpose: the classes live as long as the interpreter.
PyObject* g_error = nullptr;
PyObject* g_error_code = nullptr;
std::map<int, PyObject*>* g_classes = nullptr;

std::vector<code_class> code_classes() {
  return {
      {errc::invalid_argument, "InvalidArgument", PyExc_ValueError, "A bad option value or combination."},
      {errc::connection_failed, "ConnectionFailed", PyExc_ConnectionError,
       "Could not connect to the server, or the connection was lost."},
      {errc::query_failed, "QueryFailed", nullptr, "The server rejected a statement (.sqlstate says why)."},
      {errc::io_error, "IoError", PyExc_OSError, "Reading or writing a local file failed."},
      {errc::not_a_backup, "NotABackup", nullptr, "The file has no valid immichbak footer."},
      {errc::unsupported_format, "UnsupportedFormat", nullptr, "The file's format is newer than this reader."},
      {errc::corrupt_backup, "CorruptBackup", nullptr, "Frame, manifest or checksum damage."},
      {errc::unsupported_object, "UnsupportedObject", nullptr,
       "The catalog holds something immichbak cannot reproduce."},
      {errc::lock_timeout, "LockTimeout", PyExc_TimeoutError,
       "A table or the backup lock could not be taken in time."},
      {errc::already_running, "AlreadyRunning", nullptr,
       "Another immichbak backup of this database (or a prune of the directory) holds the lock."},
      {errc::target_not_empty, "TargetNotEmpty", nullptr, "The restore target has objects and replace was not given."},
      {errc::missing_extension, "MissingExtension", nullptr,
       "The target server lacks an extension the backup needs."},
      {errc::missing_role, "MissingRole", nullptr, "An owning role does not exist on the target."},
      {errc::restore_check_failed, "RestoreCheckFailed", nullptr, "Restored rows or hashes differ from the manifest."},
      {errc::target_in_use, "TargetInUse", nullptr, "Sessions are connected to the database being replaced."},
      {errc::cancelled, "Cancelled", nullptr, "The operation was cancelled (CancelToken); it undid what it started."},
      {errc::permission_denied, "PermissionDenied", nullptr, "The role lacks a privilege the operation needs."},
      {errc::server_version, "ServerVersionError", nullptr, "The server is too old or incompatible."},
      {errc::internal, "InternalError", nullptr, "A bug in immichbak: please report it."},
  };
}

void set_class_code(PyObject* cls, errc code) {
  py::handle h(cls);
  h.attr("code") = py::handle(g_error_code)(static_cast<int>(code));
  h.attr("code_name") = py::str(code_name(code));
  h.attr("sqlstate") = py::str("");
}

void set_python_error(const error& e) {
  PyObject* cls = g_error;
  if (auto it = g_classes->find(static_cast<int>(e.code())); it != g_classes->end()) cls = it->second;
  py::object instance = py::handle(cls)(py::str(e.what()));
  instance.attr("code") = py::handle(g_error_code)(static_cast<int>(e.code()));
  instance.attr("code_name") = py::str(code_name(e.code()));
  instance.attr("sqlstate") = py::str(e.sqlstate());
  PyErr_SetObject(cls, instance.ptr());
}

}  // namespace

void init_errors(py::module_& m) {
  // ErrorCode: enum.IntEnum with the C++ errc names and values.
  py::list members;
  for (const auto& c : code_classes()) members.append(py::make_tuple(code_name(c.code), static_cast<int>(c.code)));
  py::object error_code =
      py::module_::import("enum").attr("IntEnum")("ErrorCode", members, py::arg("module") = "immichbak");
  error_code.attr("__doc__") = "The library's stable error codes (immichbak::errc); values never change meaning.";
  g_error_code = error_code.release().ptr();
  m.attr("ErrorCode") = py::handle(g_error_code);

  g_error = PyErr_NewExceptionWithDoc(
      "immichbak.Error",
      "Base class of every immichbak failure. .code is an ErrorCode, .code_name its stable name "
      "(e.g. \"corrupt_backup\"), .sqlstate the server's SQLSTATE or \"\". The operation has undone "
      "what it started. Messages never contain a password.",
      PyExc_Exception, nullptr);
  if (!g_error) throw py::error_already_set();
  set_class_code(g_error, errc::internal);
  m.attr("Error") = py::handle(g_error);

  g_classes = new std::map<int, PyObject*>();
  for (const auto& c : code_classes()) {
    py::tuple bases = c.extra_base ? py::make_tuple(py::handle(g_error), py::handle(c.extra_base))
                                   : py::make_tuple(py::handle(g_error));
    std::string name = std::string("immichbak.") + c.class_name;
    PyObject* cls = PyErr_NewExceptionWithDoc(name.c_str(), c.doc, bases.ptr(), nullptr);
    if (!cls) throw py::error_already_set();
    set_class_code(cls, c.code);
    (*g_classes)[static_cast<int>(c.code)] = cls;
    m.attr(c.class_name) = py::handle(cls);
  }

  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const error& e) {
      try {
        set_python_error(e);
      } catch (py::error_already_set& failed) {
        failed.restore();  // building the exception failed: raise that instead
      }
    }
  });

  m.def(
      "code_name", [](int code) { return std::string(code_name(static_cast<errc>(code))); }, py::arg("code"),
      "The stable name of an error code, e.g. code_name(ErrorCode.corrupt_backup) == \"corrupt_backup\".");
}

}  // namespace immichbak::python
