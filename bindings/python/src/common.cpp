#include "common.hpp"

#include <immichbak/retention.hpp>

#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>

namespace immichbak::python {

namespace {

py::object datetime_module() { return py::module_::import("datetime"); }

}  // namespace

py::object to_datetime(std::chrono::sys_seconds t) {
  auto dt = datetime_module();
  auto utc = dt.attr("timezone").attr("utc");
  return dt.attr("datetime").attr("fromtimestamp")(static_cast<long long>(t.time_since_epoch().count()), utc);
}

py::object to_datetime(const std::optional<std::chrono::sys_seconds>& t) {
  if (!t) return py::none();
  return to_datetime(*t);
}

std::chrono::sys_seconds to_sys_seconds(py::handle value) {
  auto dt = datetime_module();
  double epoch = 0;
  if (py::isinstance(value, dt.attr("datetime"))) {
    epoch = value.attr("timestamp")().cast<double>();
  } else if (py::isinstance<py::int_>(value) || py::isinstance<py::float_>(value)) {
    epoch = value.cast<double>();
  } else {
    throw py::type_error("expected a datetime.datetime or seconds since the epoch");
  }
  return std::chrono::sys_seconds(std::chrono::seconds(static_cast<long long>(epoch)));
}

py::object to_timedelta(std::chrono::seconds s) {
  return datetime_module().attr("timedelta")(py::arg("seconds") = static_cast<long long>(s.count()));
}

py::object to_timedelta(const std::optional<std::chrono::seconds>& s) {
  if (!s) return py::none();
  return to_timedelta(*s);
}

std::chrono::milliseconds to_milliseconds(py::handle value) {
  auto dt = datetime_module();
  double seconds = 0;
  if (py::isinstance(value, dt.attr("timedelta"))) {
    seconds = value.attr("total_seconds")().cast<double>();
  } else if (py::isinstance<py::str>(value)) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(parse_age(value.cast<std::string>()));
  } else if (py::isinstance<py::int_>(value) || py::isinstance<py::float_>(value)) {
    seconds = value.cast<double>();
  } else {
    throw py::type_error("expected a datetime.timedelta, a number of seconds or an age such as \"26h\"");
  }
  if (seconds < 0) throw py::value_error("a duration must not be negative");
  return std::chrono::milliseconds(static_cast<long long>(seconds * 1000.0 + 0.5));
}

std::chrono::seconds to_seconds(py::handle value) {
  return std::chrono::duration_cast<std::chrono::seconds>(to_milliseconds(value));
}

std::filesystem::path to_path(py::handle value) {
  return py::module_::import("os").attr("fspath")(value).cast<std::filesystem::path>();
}

void require_callable(py::handle value, const char* what) {
  if (!value.is_none() && !PyCallable_Check(value.ptr())) {
    throw py::type_error(std::string(what) + " must be callable or None");
  }
}

// ---- call_context ----

call_context::call_context(py::object log, py::object progress, py::object cancel)
    : log_(std::move(log)), progress_(std::move(progress)) {
  require_callable(log_, "log");
  require_callable(progress_, "progress");
  if (cancel.is_none()) {
    flag_ = std::make_shared<std::atomic<bool>>(false);
  } else if (py::isinstance<cancel_token>(cancel)) {
    flag_ = cancel.cast<cancel_token&>().flag();
  } else {
    throw py::type_error("cancel must be an immichbak.CancelToken or None");
  }
}

call_context::~call_context() = default;

event_sink call_context::sink() {
  event_sink events;
  if (!log_.is_none()) {
    // Messages are decoded leniently: a stray byte in a server message must not end a backup.
    events.log = [this](log_level level, const std::string& message) {
      call_python([&] {
        PyObject* text = PyUnicode_DecodeUTF8(message.data(), static_cast<Py_ssize_t>(message.size()), "replace");
        if (!text) throw py::error_already_set();
        log_(level, py::reinterpret_steal<py::object>(text));
      });
    };
  }
  events.progress = bridge<const progress_event&>(progress_);
  // Ctrl-C is noticed by the calling thread's polls (run_released), with or without these.
  events.cancel = flag_.get();
  return events;
}

void call_context::cancel_now() {
  if (!flag_->exchange(true)) we_cancelled_ = true;
}

void call_context::capture(py::error_already_set e) {
  // GIL held.
  if (!pending_) pending_.emplace(std::move(e));
  failed_.store(true);
  cancel_now();
}

void call_context::capture_python_error() {
  // GIL held, the error indicator set: error_already_set fetches (and clears) it.
  capture(py::error_already_set());
}

void call_context::capture_message(const std::string& message) {
  PyErr_SetString(PyExc_RuntimeError, message.c_str());
  capture_python_error();
}

void call_context::check_signals() {
  if (failed_.load()) return;
  py::gil_scoped_acquire gil;
  // Runs Python's signal handlers, in the main thread only (elsewhere it returns 0): the
  // default SIGINT handler raises KeyboardInterrupt, which cancels the call.
  if (PyErr_CheckSignals() != 0) capture_python_error();
}

void call_context::run_released(const std::function<void()>& body) {
  std::exception_ptr error;
  {
    py::gil_scoped_release release;
    std::mutex m;
    std::condition_variable cv;
    bool done = false;
    std::thread worker([&] {
      try {
        body();
      } catch (...) {
        error = std::current_exception();
      }
      {
        std::lock_guard<std::mutex> lock(m);
        done = true;
      }
      cv.notify_one();
    });
    {
      std::unique_lock<std::mutex> lock(m);
      while (!cv.wait_for(lock, std::chrono::milliseconds(100), [&] { return done; })) {
        lock.unlock();
        check_signals();
        lock.lock();
      }
    }
    worker.join();
  }
  // GIL held again.
  if (we_cancelled_) {
    flag_->store(false);  // a CancelToken the caller passed is as it was before the call
    we_cancelled_ = false;
  }
  if (pending_) {
    py::error_already_set e = std::move(*pending_);
    pending_.reset();
    failed_.store(false);
    throw e;
  }
  if (error) std::rethrow_exception(error);
}

}  // namespace immichbak::python
