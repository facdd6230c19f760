#include <immichbak/error.hpp>
#include <immichbak/immichbak.hpp>

namespace immichbak {

const char* code_name(errc code) noexcept {
  switch (code) {
    case errc::invalid_argument: return "invalid_argument";
    case errc::connection_failed: return "connection_failed";
    case errc::query_failed: return "query_failed";
    case errc::io_error: return "io_error";
    case errc::not_a_backup: return "not_a_backup";
    case errc::unsupported_format: return "unsupported_format";
    case errc::corrupt_backup: return "corrupt_backup";
    case errc::unsupported_object: return "unsupported_object";
    case errc::lock_timeout: return "lock_timeout";
    case errc::already_running: return "already_running";
    case errc::target_not_empty: return "target_not_empty";
    case errc::missing_extension: return "missing_extension";
    case errc::missing_role: return "missing_role";
    case errc::restore_check_failed: return "restore_check_failed";
    case errc::target_in_use: return "target_in_use";
    case errc::cancelled: return "cancelled";
    case errc::permission_denied: return "permission_denied";
    case errc::server_version: return "server_version";
    case errc::internal: return "internal";
  }
  return "unknown";
}

error::error(errc code, const std::string& message, std::string sqlstate)
    : std::runtime_error(message), code_(code), sqlstate_(std::move(sqlstate)) {}

const char* library_version() noexcept { return IMMICHBAK_VERSION_STRING; }

}  // namespace immichbak
