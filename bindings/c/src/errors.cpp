// The error half of the C ABI: status codes equal to immichbak::errc, the per-thread last
// error, and the exception boundary every entry point goes through (c_api.hpp: guarded()).

#include "c_api.hpp"

#include <cstdlib>
#include <filesystem>
#include <new>
#include <string>

// The C codes are the C++ enum's values: the header promises it, so a C caller can compare
// with the CLI's --json `code` names and the Python binding's codes.
#define IMMICHBAK_C_SAME_CODE(c, e) \
  static_assert((c) == static_cast<int>(immichbak::errc::e), #c " must equal immichbak::errc::" #e)
IMMICHBAK_C_SAME_CODE(IMMICHBAK_E_INVALID_ARGUMENT, invalid_argument);
IMMICHBAK_C_SAME_CODE(IMMICHBAK_E_CONNECTION_FAILED, connection_failed);
IMMICHBAK_C_SAME_CODE(IMMICHBAK_E_QUERY_FAILED, query_failed);
IMMICHBAK_C_SAME_CODE(IMMICHBAK_E_IO_ERROR, io_error);
IMMICHBAK_C_SAME_CODE(IMMICHBAK_E_NOT_A_BACKUP, not_a_backup);
IMMICHBAK_C_SAME_CODE(IMMICHBAK_E_UNSUPPORTED_FORMAT, unsupported_format);
IMMICHBAK_C_SAME_CODE(IMMICHBAK_E_CORRUPT_BACKUP, corrupt_backup);
IMMICHBAK_C_SAME_CODE(IMMICHBAK_E_UNSUPPORTED_OBJECT, unsupported_object);
IMMICHBAK_C_SAME_CODE(IMMICHBAK_E_LOCK_TIMEOUT, lock_timeout);
IMMICHBAK_C_SAME_CODE(IMMICHBAK_E_ALREADY_RUNNING, already_running);
IMMICHBAK_C_SAME_CODE(IMMICHBAK_E_TARGET_NOT_EMPTY, target_not_empty);
IMMICHBAK_C_SAME_CODE(IMMICHBAK_E_MISSING_EXTENSION, missing_extension);
IMMICHBAK_C_SAME_CODE(IMMICHBAK_E_MISSING_ROLE, missing_role);
IMMICHBAK_C_SAME_CODE(IMMICHBAK_E_RESTORE_CHECK_FAILED, restore_check_failed);
IMMICHBAK_C_SAME_CODE(IMMICHBAK_E_TARGET_IN_USE, target_in_use);
IMMICHBAK_C_SAME_CODE(IMMICHBAK_E_CANCELLED, cancelled);
IMMICHBAK_C_SAME_CODE(IMMICHBAK_E_PERMISSION_DENIED, permission_denied);
IMMICHBAK_C_SAME_CODE(IMMICHBAK_E_SERVER_VERSION, server_version);
IMMICHBAK_C_SAME_CODE(IMMICHBAK_E_INTERNAL, internal);
#undef IMMICHBAK_C_SAME_CODE

namespace {

// Per thread, so concurrent calls on different threads each see their own error (errno's
// model). `t_message_lost`: storing the message itself ran out of memory.
thread_local int t_code = IMMICHBAK_OK;
thread_local std::string t_message;
thread_local std::string t_sqlstate;
thread_local bool t_message_lost = false;

void set_error(int code, const char* message, const char* sqlstate) noexcept {
  t_code = code;
  try {
    t_message.assign(message);
    t_sqlstate.assign(sqlstate);
    t_message_lost = false;
  } catch (...) {  // std::bad_alloc: keep the code, report a fixed message
    t_message.clear();
    t_sqlstate.clear();
    t_message_lost = true;
  }
}

}  // namespace

namespace immichbak_c {

void clear_error() noexcept {
  t_code = IMMICHBAK_OK;
  t_message.clear();  // clear() keeps the capacity: no allocation, cannot throw
  t_sqlstate.clear();
  t_message_lost = false;
}

int record_current_exception() noexcept {
  try {
    throw;
  } catch (const immichbak::error& e) {
    // The library's messages are already free of passwords (redact_dsn).
    set_error(static_cast<int>(e.code()), e.what(), e.sqlstate().c_str());
  } catch (const std::bad_alloc&) {
    set_error(IMMICHBAK_E_INTERNAL, "out of memory", "");
  } catch (const std::filesystem::filesystem_error& e) {
    // Paths (not connection strings) are what std::filesystem quotes.
    set_error(IMMICHBAK_E_IO_ERROR, e.what(), "");
  } catch (const std::exception& e) {
    try {
      set_error(IMMICHBAK_E_INTERNAL, (std::string("internal error: ") + e.what()).c_str(), "");
    } catch (...) {
      set_error(IMMICHBAK_E_INTERNAL, "internal error", "");
    }
  } catch (...) {
    set_error(IMMICHBAK_E_INTERNAL, "internal error: an unknown exception", "");
  }
  return t_code;
}

void invalid(const std::string& message) { throw immichbak::error(immichbak::errc::invalid_argument, message); }

char* dup_string(const std::string& s) {
  char* p = static_cast<char*>(std::malloc(s.size() + 1));
  if (p == nullptr) throw std::bad_alloc();
  s.copy(p, s.size());
  p[s.size()] = '\0';
  return p;
}

}  // namespace immichbak_c

extern "C" {

const char* immichbak_error_code_name(int code) {
  if (code == IMMICHBAK_OK) return "ok";
  if ((code >= IMMICHBAK_E_INVALID_ARGUMENT && code <= IMMICHBAK_E_SERVER_VERSION) || code == IMMICHBAK_E_INTERNAL)
    return immichbak::code_name(static_cast<immichbak::errc>(code));
  return "unknown";
}

const char* immichbak_last_error_message(void) {
  return t_message_lost ? "out of memory (the error message could not be stored)" : t_message.c_str();
}

int immichbak_last_error_code(void) { return t_code; }

const char* immichbak_last_error_sqlstate(void) { return t_sqlstate.c_str(); }

void immichbak_clear_error(void) { immichbak_c::clear_error(); }

void immichbak_free_string(char* s) { std::free(s); }

int immichbak_c_api_version(void) { return IMMICHBAK_C_API_VERSION; }

const char* immichbak_library_version(void) { return immichbak::library_version(); }

}  // extern "C"
