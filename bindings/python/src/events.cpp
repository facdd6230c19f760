// LogLevel, ProgressEvent (what the log and progress callbacks receive) and CancelToken.

#include "common.hpp"

#include <immichbak/events.hpp>

namespace immichbak::python {

void init_events(py::module_& m) {
  py::enum_<log_level>(m, "LogLevel", "The severity of a message passed to a log callback.")
      .value("debug", log_level::debug)
      .value("info", log_level::info)
      .value("warning", log_level::warning)
      .value("error", log_level::error);

  py::class_<progress_event>(m, "ProgressEvent",
                             "One progress step, passed to a progress callback. Totals are estimates and "
                             "may be 0 when unknown.")
      .def_readonly("phase", &progress_event::phase, "The stage: \"schema\", \"data\", \"post-data\", \"verify\", ...")
      .def_readonly("item", &progress_event::item, "The table or object being worked on; may be empty.")
      .def_readonly("bytes_done", &progress_event::bytes_done)
      .def_readonly("bytes_total", &progress_event::bytes_total)
      .def_readonly("rows_done", &progress_event::rows_done)
      .def_readonly("rows_total", &progress_event::rows_total)
      .def_readonly("items_done", &progress_event::items_done)
      .def_readonly("items_total", &progress_event::items_total)
      .def_readonly("elapsed_seconds", &progress_event::elapsed_seconds)
      .def("__repr__", [](const progress_event& e) {
        return "<ProgressEvent " + e.phase + (e.item.empty() ? "" : " " + e.item) + " " + std::to_string(e.items_done) +
               "/" + std::to_string(e.items_total) + " items, " + std::to_string(e.bytes_done) + "/" +
               std::to_string(e.bytes_total) + " bytes>";
      });

  py::class_<cancel_token>(m, "CancelToken",
                           "A flag that stops a running call from another thread: pass it as cancel=, call "
                           "cancel(); the call undoes what it started and raises immichbak.Cancelled.")
      .def(py::init<>())
      .def("cancel", &cancel_token::cancel, "Ask every call using this token to stop.")
      .def("reset", &cancel_token::reset, "Clear the flag so the token can be used again.")
      .def_property_readonly("cancelled", &cancel_token::cancelled, "True once cancel() was called.")
      .def("__repr__", [](const cancel_token& t) {
        return std::string("<CancelToken cancelled=") + (t.cancelled() ? "True" : "False") + ">";
      });
}

}  // namespace immichbak::python
