#pragma once
// Internal to libimmichbak-c: the handles behind immichbak.h's opaque types and the helpers
// every translation unit of the C ABI shares. Only the public C++ API is used
// (<immichbak/immichbak.hpp>); nothing of libimmichbak/src/.

#include <immichbak.h>
#include <immichbak/immichbak.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

// Accessors hand out path.c_str() as const char*: true on POSIX, where the library runs.
static_assert(std::is_same_v<std::filesystem::path::value_type, char>, "the C ABI returns paths as char strings");

// ---- the opaque handles (global namespace: they complete the C typedefs) ----

struct immichbak_cancel_token {
  // A signal handler may raise it: the store must be lock-free to be async-signal-safe.
  std::atomic<bool> flag{false};
  static_assert(std::atomic<bool>::is_always_lock_free, "cancel must be async-signal-safe");
};

struct immichbak_backup_result {
  immichbak::backup_result value;
};

struct immichbak_verify_report {
  immichbak::verify_report value;
};

struct immichbak_restore_result {
  immichbak::restore_result value;
};

struct immichbak_manifest {
  immichbak::manifest value;
};

struct immichbak_backup_list {
  std::vector<immichbak::backup_entry> value;
};

struct immichbak_prune_result {
  immichbak::prune_result value;
};

struct immichbak_age_check_result {
  immichbak::age_check_result value;
};

// A run owns the results of its steps as handles of their own kind, so a C caller reads them
// with the same accessors (immichbak_run_result_backup() etc. lend pointers to these).
struct immichbak_run_result {
  immichbak::run_result value;
  std::optional<immichbak_backup_result> backup;
  std::optional<immichbak_verify_report> verify;
  std::optional<immichbak_prune_result> prune;

  explicit immichbak_run_result(immichbak::run_result r);
};

struct immichbak_env_connection {
  immichbak::immich_env_connection value;
  immichbak_env_connection() = default;
  immichbak_env_connection(const immichbak_env_connection&) = delete;
  immichbak_env_connection& operator=(const immichbak_env_connection&) = delete;
  ~immichbak_env_connection();  // wipes the DSN (it holds the password)
};

namespace immichbak_c {

// ---- errors (errors.cpp) ----

/// Resets the thread's last error (every status-returning call starts with it).
void clear_error() noexcept;
/// Records the exception being handled as the thread's last error and returns its code.
/// Call only inside a catch block.
int record_current_exception() noexcept;

/// Runs `f` with the exception boundary of the C ABI: nothing unwinds into C. Returns
/// IMMICHBAK_OK or the code of the exception `f` threw (recorded as the last error).
template <class F>
int guarded(F&& f) noexcept {
  clear_error();
  try {
    f();
    return IMMICHBAK_OK;
  } catch (...) {
    return record_current_exception();
  }
}

/// Throws error(invalid_argument) naming what is missing.
[[noreturn]] void invalid(const std::string& message);
/// `p` must not be NULL.
template <class T>
void require(const T* p, const char* what) {
  if (p == nullptr) invalid(std::string(what) + " must not be NULL");
}
/// A malloc'd copy (freed with immichbak_free_string); throws std::bad_alloc.
char* dup_string(const std::string& s);
/// Sets *out to a malloc'd copy of what `make()` returns, under guarded().
template <class F>
int text_out(char** out, F&& make) noexcept {
  return guarded([&] {
    require(out, "out");
    *out = nullptr;
    *out = dup_string(make());
  });
}

// ---- options (options.cpp) ----

/// NULL -> "".
inline std::string str(const char* s) { return s ? std::string(s) : std::string(); }
/// A C string list (NULL with count 0 is an empty list; a NULL element is refused).
std::vector<std::string> str_list(const char* const* list, std::size_t count, const char* what);
/// Refuses a version this library does not know (0 usually means "init not called").
/// `first`: the oldest version whose layout the library still reads (a 0.x struct changed in
/// place starts again above the old layout's number).
void check_version(unsigned int version, unsigned int current, const char* type, unsigned int first = 1);

immichbak::backup_options to_cpp(const immichbak_backup_options& o);
immichbak::verify_options to_cpp(const immichbak_verify_options& o);
immichbak::restore_options to_cpp(const immichbak_restore_options& o);
immichbak::retention_policy to_cpp(const immichbak_retention_policy& p);
immichbak::prune_options to_cpp(const immichbak_prune_options& o);
immichbak::age_check_options to_cpp(const immichbak_check_age_options& o);
/// The defaults of a policy (no rule set), shared by prune and run options.
void init_policy(immichbak_retention_policy& p);

// ---- events (events.cpp) ----

/// The C callbacks and cancel token as the C++ event sink.
immichbak::event_sink to_sink(const immichbak_events& e);

// ---- accessors ----

template <class T>
const T* at(const std::vector<T>& v, std::size_t i) noexcept {
  return i < v.size() ? &v[i] : nullptr;
}

}  // namespace immichbak_c
