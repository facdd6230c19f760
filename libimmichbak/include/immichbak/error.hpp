#pragma once
// The one error type of the library. Expected outcomes (verify findings, retention
// decisions) are values, not exceptions; an `immichbak::error` means the operation
// could not do what was asked and has undone what it started.

#include <immichbak/export.hpp>

#include <stdexcept>
#include <string>

namespace immichbak {

/// Stable error codes. Values never change meaning; new codes are appended.
/// The CLI maps them to exit codes and prints `code_name()` in `--json` output.
enum class errc : int {
  invalid_argument = 1,        ///< bad option value or combination
  connection_failed = 2,       ///< could not connect / connection lost
  query_failed = 3,            ///< the server rejected a statement (sqlstate() says why)
  io_error = 4,                ///< reading or writing a local file failed
  not_a_backup = 5,            ///< the file has no valid immichbak footer
  unsupported_format = 6,      ///< format major version newer than this reader
  corrupt_backup = 7,          ///< frame, manifest or checksum damage
  unsupported_object = 8,      ///< the catalog holds something we cannot reproduce
  lock_timeout = 9,            ///< a table or the backup lock could not be taken in time
  already_running = 10,        ///< another immichbak backup of this database holds the lock
  target_not_empty = 11,       ///< restore target has objects and --replace was not given
  missing_extension = 12,      ///< the target server lacks an extension the backup needs
  missing_role = 13,           ///< an owning role does not exist on the target
  restore_check_failed = 14,   ///< restored rows/hashes differ from the manifest
  target_in_use = 15,          ///< sessions are connected to the database being replaced
  cancelled = 16,              ///< SIGINT/SIGTERM or the caller's cancel flag
  permission_denied = 17,      ///< the role lacks a privilege the operation needs
  server_version = 18,         ///< server too old / incompatible
  internal = 99,               ///< a bug: please report it
};

/// A short stable identifier for a code, e.g. "corrupt_backup".
IMMICHBAK_EXPORT const char* code_name(errc code) noexcept;

/// The exception every library call throws when it cannot do what was asked; by then it
/// has undone what it started. `what()` is the message for a person (connection strings
/// in it are redacted), code() the stable classification for a program.
class IMMICHBAK_EXPORT error : public std::runtime_error {
 public:
  /// An error of `code` with `message`; `sqlstate` is the server's SQLSTATE, if any.
  error(errc code, const std::string& message, std::string sqlstate = {});

  /// What kind of failure this is (stable across versions; see errc).
  errc code() const noexcept { return code_; }
  /// The server's SQLSTATE when the error came from PostgreSQL, else empty.
  const std::string& sqlstate() const noexcept { return sqlstate_; }

 private:
  errc code_;
  std::string sqlstate_;
};

}  // namespace immichbak
