#pragma once
// Shared pieces of the Python binding: value conversions (paths, times, durations) and the
// call context that runs a library call with the GIL released and bridges its callbacks.

#include <immichbak/backup.hpp>
#include <immichbak/events.hpp>

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace immichbak::python {

namespace py = pybind11;

// ---- conversions ----

/// A UTC time as a timezone-aware datetime.datetime (tzinfo=timezone.utc).
py::object to_datetime(std::chrono::sys_seconds t);
/// Optional time: None when empty.
py::object to_datetime(const std::optional<std::chrono::sys_seconds>& t);
/// A datetime (naive: local time, as datetime.timestamp() reads it) or a number of seconds
/// since the epoch.
std::chrono::sys_seconds to_sys_seconds(py::handle value);
/// A duration as datetime.timedelta.
py::object to_timedelta(std::chrono::seconds s);
py::object to_timedelta(const std::optional<std::chrono::seconds>& s);
/// A timedelta, a number of seconds, or an age string ("26h", "90min": parse_age()).
std::chrono::milliseconds to_milliseconds(py::handle value);
std::chrono::seconds to_seconds(py::handle value);
/// A str or os.PathLike.
std::filesystem::path to_path(py::handle value);
/// Raises TypeError unless `value` is None or callable.
void require_callable(py::handle value, const char* what);

// ---- cancellation token ----

/// immichbak.CancelToken: a flag another thread (or a signal handler) sets to stop a call.
class cancel_token {
 public:
  cancel_token() : flag_(std::make_shared<std::atomic<bool>>(false)) {}
  void cancel() noexcept { flag_->store(true); }
  void reset() noexcept { flag_->store(false); }
  bool cancelled() const noexcept { return flag_->load(); }
  const std::shared_ptr<std::atomic<bool>>& flag() const noexcept { return flag_; }

 private:
  std::shared_ptr<std::atomic<bool>> flag_;
};

// ---- the call context ----

/// One library call from Python. Construct it with the GIL held; sink() gives the
/// event_sink for the options; invoke() runs the call on a worker thread with the GIL
/// released while the calling thread watches for signals (Ctrl-C) every 100 ms.
///
/// Python callbacks run with the GIL re-acquired. An exception a callback raises (or a
/// KeyboardInterrupt from a signal) never unwinds through the library: it is stored, the
/// cancel flag is set, and once the call has returned the stored exception is raised in
/// place of the library's error(errc::cancelled) (or of its result).
class call_context {
 public:
  call_context(py::object log, py::object progress, py::object cancel);
  call_context() : call_context(py::none(), py::none(), py::none()) {}
  call_context(const call_context&) = delete;
  call_context& operator=(const call_context&) = delete;
  ~call_context();

  /// Log, progress (always installed: it also polls for signals) and cancel flag.
  event_sink sink();

  /// Runs `f` (which calls into Python) with the GIL; whatever it raises is captured.
  template <class F>
  void call_python(F&& f) noexcept {
    if (failed_.load()) return;
    py::gil_scoped_acquire gil;
    try {
      f();
    } catch (py::error_already_set& e) {
      capture(std::move(e));
    } catch (const std::exception& e) {
      capture_message(e.what());
    } catch (...) {
      capture_message("unknown C++ exception in a callback");
    }
  }

  /// Wraps a Python callable so it runs with the GIL and its exceptions are captured.
  /// An empty std::function for None.
  template <class... Args>
  std::function<void(Args...)> bridge(py::object callable) {
    if (callable.is_none()) return {};
    auto holder = std::make_shared<py::object>(std::move(callable));
    objects_.push_back(holder);
    return [this, holder](Args... args) { call_python([&] { (*holder)(py::cast(args)...); }); };
  }

  /// Runs `fn` (no Python access inside!) with the GIL released; rethrows a captured Python
  /// exception first, then the library's.
  template <class F>
  auto invoke(F&& fn) -> decltype(fn()) {
    using R = decltype(fn());
    if constexpr (std::is_void_v<R>) {
      run_released([&] { fn(); });
    } else {
      std::optional<R> result;
      run_released([&] { result.emplace(fn()); });
      return std::move(*result);
    }
  }

  /// With the GIL held, inside a callback: a Python exception the callback raised becomes
  /// the call's outcome (the first one wins) and the operation is cancelled.
  void capture(py::error_already_set e);
  /// Same for the Python error indicator that is set now.
  void capture_python_error();
  /// Same, for a C++ exception in a bridge: raised as RuntimeError(message).
  void capture_message(const std::string& message);
  bool failed() const noexcept { return failed_.load(); }

 private:
  void run_released(const std::function<void()>& body);
  void cancel_now();
  void check_signals();

  std::shared_ptr<std::atomic<bool>> flag_;
  bool we_cancelled_ = false;
  std::atomic<bool> failed_{false};
  std::optional<py::error_already_set> pending_;
  py::object log_, progress_;
  std::vector<std::shared_ptr<py::object>> objects_;
};

// ---- shared option builders ----

/// backup_options from the keyword arguments backup() and run() share.
struct backup_args {
  std::filesystem::path dest_dir;
  std::string dsn;
  std::string prefix;
  py::object compress;
  int compression_level = 2;
  int jobs = 1;
  std::vector<std::string> exclude_table_data;
  bool exclude_regenerable = false;
  bool require_immich = false;
  py::object lock_timeout;
  std::size_t chunk_bytes = 0;
  std::uint64_t split_table_bytes = 0;
  bool binary_copy = true;
};
backup_options make_backup_options(const backup_args& a);

// ---- the binding's parts (one file each) ----

void init_errors(py::module_& m);
void init_events(py::module_& m);
void init_backup(py::module_& m);
void init_verify(py::module_& m);
void init_restore(py::module_& m);
void init_manifest(py::module_& m);
void init_retention(py::module_& m);
void init_run(py::module_& m);

}  // namespace immichbak::python
