/**
 * @file immichbak.h
 * @brief The C ABI of libimmichbak: back up, verify, restore, inspect, list and prune logical
 *        backups of an Immich PostgreSQL database from C (or any language with a C FFI).
 *
 * A thin layer over the C++ API (`<immichbak/immichbak.hpp>`); docs/c-api.md explains the
 * design. The rules, in short:
 *
 * - **Status codes.** Functions that can fail return an `int`: #IMMICHBAK_OK (0) on success,
 *   else one of the `IMMICHBAK_E_*` codes, which are exactly the C++ `immichbak::errc`
 *   values (stable: a value never changes meaning, new ones are appended). Such a call also
 *   records the thread's last error (immichbak_last_error_message(),
 *   immichbak_last_error_code(), immichbak_last_error_sqlstate()) and clears it on success.
 *   Accessors (functions that read a handle) return their value directly, never fail, and
 *   leave the last error alone; given a NULL handle or an index out of range they return
 *   0, -1 or NULL as documented.
 * - **Versioned options.** Every options struct starts with `unsigned int version`. Fill it
 *   with its `*_options_init(&opts, IMMICHBAK_*_OPTIONS_VERSION)` (which sets the library's
 *   defaults) and then set the fields you need. Fields are only ever appended: a program
 *   compiled against an older header keeps working with a newer library, which reads only
 *   the fields of the version the caller passed. An unknown version is refused with
 *   #IMMICHBAK_E_INVALID_ARGUMENT.
 * - **Ownership.** Results are opaque handles the caller frees with their `*_free` function
 *   (which accepts NULL). A `const char*` an accessor returns is owned by the handle and
 *   valid until the handle is freed. Text a function creates (JSON, reports, redacted DSNs)
 *   is returned through a `char**` out parameter, allocated with malloc(), and must be freed
 *   with immichbak_free_string(). Input strings are only read during the call.
 * - **Callbacks.** Log and progress callbacks (#immichbak_events) may be called from worker
 *   threads, but never concurrently with each other. They must return normally (no longjmp
 *   out of them).
 * - **Thread safety.** Independent calls may run on different threads at once. A handle may
 *   be read from several threads at once; freeing it must not race with other use.
 * - **Passwords.** Error messages never contain a password. The only strings that can hold
 *   one are the DSNs you pass in and immichbak_env_connection_dsn().
 *
 * Linking: `libimmichbak-c` is implemented in C++. With CMake, link `immichbak::immichbak_c`
 * (find_package(immichbak)); with pkg-config, `pkg-config --libs immichbak-c` (add
 * `--static` for the static library, which also needs the C++ runtime: link with a C++
 * compiler driver or add `-lstdc++`).
 */
#ifndef IMMICHBAK_H
#define IMMICHBAK_H

#include <stddef.h>
#include <stdint.h>

/**
 * @def IMMICHBAK_C_API
 * @brief Marks a function of the C ABI: exported from the shared library (ELF default
 *        visibility; dllexport/dllimport on Windows), nothing for the static library
 *        (`IMMICHBAK_C_STATIC_DEFINE`, set by the CMake target and the static `.pc` file).
 */
#if defined(IMMICHBAK_C_STATIC_DEFINE)
#define IMMICHBAK_C_API
#elif defined(_WIN32)
#if defined(IMMICHBAK_C_BUILDING)
#define IMMICHBAK_C_API __declspec(dllexport)
#else
#define IMMICHBAK_C_API __declspec(dllimport)
#endif
#elif defined(__GNUC__) && __GNUC__ >= 4
#define IMMICHBAK_C_API __attribute__((visibility("default")))
#else
#define IMMICHBAK_C_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ======================================================================================= */
/** @name Versions                                                                         */
/* ======================================================================================= */
/** @{ */

/**
 * @brief The version of this C interface (not of the library): raised when functions or
 *        options versions are added. Compare with immichbak_c_api_version() at run time.
 */
#define IMMICHBAK_C_API_VERSION 3

/**
 * @brief The C interface version of the library linked at run time.
 * @return #IMMICHBAK_C_API_VERSION of the library's build; at least the header's when the
 *         library is as new as the header.
 */
IMMICHBAK_C_API int immichbak_c_api_version(void);

/**
 * @brief The version of libimmichbak linked at run time, e.g. "0.1.0".
 * @return A static string; never NULL, never freed.
 */
IMMICHBAK_C_API const char* immichbak_library_version(void);

/** @} */

/* ======================================================================================= */
/** @name Status codes and the last error                                                  */
/* ======================================================================================= */
/** @{ */

/** @brief Success. */
#define IMMICHBAK_OK 0
/** @brief A bad option value or combination (also: NULL required pointer, unknown options version). */
#define IMMICHBAK_E_INVALID_ARGUMENT 1
/** @brief Could not connect to the server, or the connection was lost. */
#define IMMICHBAK_E_CONNECTION_FAILED 2
/** @brief The server rejected a statement; immichbak_last_error_sqlstate() says why. */
#define IMMICHBAK_E_QUERY_FAILED 3
/** @brief Reading or writing a local file failed (also: a write callback refused data). */
#define IMMICHBAK_E_IO_ERROR 4
/** @brief The file has no valid immichbak footer. */
#define IMMICHBAK_E_NOT_A_BACKUP 5
/** @brief The file's format major version is newer than this library reads. */
#define IMMICHBAK_E_UNSUPPORTED_FORMAT 6
/** @brief Frame, manifest or checksum damage. */
#define IMMICHBAK_E_CORRUPT_BACKUP 7
/** @brief The catalog holds an object the backup cannot reproduce. */
#define IMMICHBAK_E_UNSUPPORTED_OBJECT 8
/** @brief A table lock or the backup lock could not be taken in time. */
#define IMMICHBAK_E_LOCK_TIMEOUT 9
/** @brief Another immichbak backup of this database (or of this directory) is running. */
#define IMMICHBAK_E_ALREADY_RUNNING 10
/** @brief The restore target holds objects and `replace` was not set. */
#define IMMICHBAK_E_TARGET_NOT_EMPTY 11
/** @brief The target server lacks an extension the backup needs. */
#define IMMICHBAK_E_MISSING_EXTENSION 12
/** @brief A role that owns objects in the backup does not exist on the target. */
#define IMMICHBAK_E_MISSING_ROLE 13
/** @brief The restored rows or their hashes differ from the manifest. */
#define IMMICHBAK_E_RESTORE_CHECK_FAILED 14
/** @brief Sessions are connected to the database being replaced. */
#define IMMICHBAK_E_TARGET_IN_USE 15
/** @brief The operation was cancelled (immichbak_cancel_token_cancel()). */
#define IMMICHBAK_E_CANCELLED 16
/** @brief The role lacks a privilege the operation needs. */
#define IMMICHBAK_E_PERMISSION_DENIED 17
/** @brief The server is too old or otherwise incompatible. */
#define IMMICHBAK_E_SERVER_VERSION 18
/** @brief A bug, or out of memory: please report it (the message says which). */
#define IMMICHBAK_E_INTERNAL 99

/**
 * @brief A short stable identifier for a status code, e.g. "corrupt_backup".
 * @param code A status code: 0 gives "ok", an unknown value "unknown".
 * @return A static string; never NULL.
 */
IMMICHBAK_C_API const char* immichbak_error_code_name(int code);

/**
 * @brief The message of the last failed call on this thread.
 * @return "" when the last status-returning call succeeded (or none was made). Valid until
 *         the next status-returning call on this thread. Never holds a password.
 */
IMMICHBAK_C_API const char* immichbak_last_error_message(void);

/**
 * @brief The status code of the last status-returning call on this thread.
 * @return #IMMICHBAK_OK after a success, else the `IMMICHBAK_E_*` code it returned.
 */
IMMICHBAK_C_API int immichbak_last_error_code(void);

/**
 * @brief The server's SQLSTATE of the last failed call on this thread, e.g. "42P01".
 * @return "" when the error did not come from PostgreSQL. Valid like the message.
 */
IMMICHBAK_C_API const char* immichbak_last_error_sqlstate(void);

/** @brief Resets this thread's last error to #IMMICHBAK_OK with empty message and SQLSTATE. */
IMMICHBAK_C_API void immichbak_clear_error(void);

/**
 * @brief Frees a string the library allocated and returned through a `char**` parameter.
 * @param s The string, or NULL (nothing happens).
 */
IMMICHBAK_C_API void immichbak_free_string(char* s);

/** @} */

/* ======================================================================================= */
/** @name Cancellation and events                                                          */
/* ======================================================================================= */
/** @{ */

/**
 * @brief A cancel flag a caller can raise from any thread or from a signal handler.
 *
 * An operation given the token in #immichbak_events stops at its next safe point, undoes
 * what it started and returns #IMMICHBAK_E_CANCELLED. A token stays raised until
 * immichbak_cancel_token_reset(); one token may serve several operations.
 */
typedef struct immichbak_cancel_token immichbak_cancel_token;

/**
 * @brief Creates a cancel token (not raised).
 * @param[out] out Receives the token; free it with immichbak_cancel_token_free().
 * @return #IMMICHBAK_OK, #IMMICHBAK_E_INVALID_ARGUMENT for a NULL @p out, #IMMICHBAK_E_INTERNAL
 *         when out of memory.
 */
IMMICHBAK_C_API int immichbak_cancel_token_new(immichbak_cancel_token** out);

/**
 * @brief Raises the token. Async-signal-safe (one lock-free atomic store) and thread-safe.
 * @param token The token; NULL is ignored.
 */
IMMICHBAK_C_API void immichbak_cancel_token_cancel(immichbak_cancel_token* token);

/**
 * @brief Lowers the token again, so it can serve a new operation.
 * @param token The token; NULL is ignored.
 */
IMMICHBAK_C_API void immichbak_cancel_token_reset(immichbak_cancel_token* token);

/**
 * @brief Whether the token is raised. Async-signal-safe.
 * @param token The token.
 * @return 1 when raised, 0 when not or when @p token is NULL.
 */
IMMICHBAK_C_API int immichbak_cancel_token_is_cancelled(const immichbak_cancel_token* token);

/**
 * @brief Frees a token. No operation may still be using it.
 * @param token The token, or NULL.
 */
IMMICHBAK_C_API void immichbak_cancel_token_free(immichbak_cancel_token* token);

/** @brief The severity of a log message (the C++ `immichbak::log_level`). */
typedef enum immichbak_log_level {
  IMMICHBAK_LOG_DEBUG = 0,   /**< detail for debugging */
  IMMICHBAK_LOG_INFO = 1,    /**< what the operation is doing */
  IMMICHBAK_LOG_WARNING = 2, /**< something the user should know; the operation goes on */
  IMMICHBAK_LOG_ERROR = 3    /**< a failure about to be reported */
} immichbak_log_level;

/**
 * @brief One progress step, valid only during the progress callback.
 *
 * The library allocates it, so fields may be appended in later versions without breaking
 * callers. Totals are estimates and may be zero when unknown.
 */
typedef struct immichbak_progress {
  const char* phase;      /**< the stage: "schema", "data", "post-data", "verify", ... */
  const char* item;       /**< the table or object being worked on; "" when none */
  uint64_t bytes_done;    /**< bytes processed so far */
  uint64_t bytes_total;   /**< bytes expected in all; 0 when unknown */
  uint64_t rows_done;     /**< rows processed so far */
  uint64_t rows_total;    /**< rows expected in all; 0 when unknown */
  uint64_t items_done;    /**< items (tables, frames, checks) done */
  uint64_t items_total;   /**< items expected in all; 0 when unknown */
  double elapsed_seconds; /**< since the operation started */
} immichbak_progress;

/**
 * @brief Receives a log message.
 * @param level An #immichbak_log_level value.
 * @param message The message (UTF-8, no trailing newline), valid during the call only.
 * @param user The `user` pointer of #immichbak_events.
 */
typedef void (*immichbak_log_fn)(int level, const char* message, void* user);

/**
 * @brief Receives a progress step.
 * @param progress The step, valid during the call only.
 * @param user The `user` pointer of #immichbak_events.
 */
typedef void (*immichbak_progress_fn)(const immichbak_progress* progress, void* user);

/**
 * @brief How an operation reports while it works; part of every operation's options.
 * Every member may be NULL. The library never prints anything itself. It is embedded in the
 * options structs, so a member added here is a new version of each of them.
 */
typedef struct immichbak_events {
  immichbak_log_fn log;           /**< log messages; NULL: dropped */
  immichbak_progress_fn progress; /**< progress steps; NULL: dropped */
  void* user;                     /**< passed to both callbacks unchanged */
  immichbak_cancel_token* cancel; /**< raise it to cancel the operation; NULL: not cancellable */
} immichbak_events;

/** @} */

/* ======================================================================================= */
/** @name Backup                                                                           */
/* ======================================================================================= */
/** @{ */

/** @brief The compression of a new backup file. */
typedef enum immichbak_compression {
  IMMICHBAK_COMPRESSION_NONE = 0, /**< `.sql`: plain SQL */
  IMMICHBAK_COMPRESSION_ZSTD = 1, /**< `.sql.zst` (the default) */
  IMMICHBAK_COMPRESSION_GZIP = 2  /**< `.sql.gz`, which Immich's own Backups page can restore */
} immichbak_compression;

/** @brief The current version of #immichbak_backup_options. */
/** Version 2 appended `binary_copy`; a caller built with version 1 still works (its backups
 *  get the library's default, binary COPY). */
#define IMMICHBAK_BACKUP_OPTIONS_VERSION 2

/** @brief What and where immichbak_backup() backs up. Initialise with immichbak_backup_options_init(). */
typedef struct immichbak_backup_options {
  unsigned int version;   /**< #IMMICHBAK_BACKUP_OPTIONS_VERSION (set by the init function) */
  const char* dsn;        /**< libpq connection string or URI; NULL or "": PG* environment as psql */
  const char* dest_dir;   /**< the directory the file is written to (required) */
  const char* prefix;     /**< the file name's prefix; NULL: "immich-db" */
  int compression;        /**< an #immichbak_compression value; default zstd */
  int compression_level;  /**< zstd 1-19 or gzip 1-12; default 2 */
  int jobs;               /**< parallel COPY sessions sharing one snapshot; default 1 */
  const char* const* exclude_table_data; /**< table patterns ("schema.table", "table", `*`, `?`) whose rows are left out */
  size_t exclude_table_data_count;       /**< number of entries in exclude_table_data */
  int exclude_regenerable; /**< non-zero: leave out the rows of tables Immich can rebuild */
  int require_immich;      /**< non-zero: refuse a database without Immich tables */
  uint64_t lock_timeout_ms;   /**< how long to wait for table locks; default 30000 */
  uint64_t chunk_bytes;       /**< plain bytes per data frame; default 4 MiB */
  uint64_t split_table_bytes; /**< tables larger than this are split among the jobs; default 256 MiB */
  immichbak_events events;    /**< callbacks and cancel token; default all NULL */
  /* version 2 */
  int binary_copy; /**< non-zero (default): tables of proven types are read with binary COPY
                        and rendered here, the file unchanged; 0: the server formats every row */
} immichbak_backup_options;

/**
 * @brief Fills @p options with the library's defaults for @p version.
 * @param options The struct to fill (all of it for this version; other fields are untouched).
 * @param version #IMMICHBAK_BACKUP_OPTIONS_VERSION (or an older version a caller was built with).
 * @return #IMMICHBAK_OK, or #IMMICHBAK_E_INVALID_ARGUMENT for NULL or an unknown version.
 */
IMMICHBAK_C_API int immichbak_backup_options_init(immichbak_backup_options* options, unsigned int version);

/** @brief The outcome of a backup (opaque). */
typedef struct immichbak_backup_result immichbak_backup_result;

/**
 * @brief Takes a backup: one consistent snapshot of the database into one new file (and its
 *        `FILE.sha256` sidecar). On failure or cancellation no backup file is left behind.
 * @param options What to back up, where.
 * @param[out] out Receives the result on success (else NULL); free with immichbak_backup_result_free().
 * @return #IMMICHBAK_OK or an `IMMICHBAK_E_*` code.
 */
IMMICHBAK_C_API int immichbak_backup(const immichbak_backup_options* options, immichbak_backup_result** out);

/** @brief The backup file's path. @param r The result. @return Owned by @p r; NULL for NULL. */
IMMICHBAK_C_API const char* immichbak_backup_result_file(const immichbak_backup_result* r);
/** @brief The sidecar's path (`FILE.sha256`). @param r The result. @return Owned by @p r; NULL for NULL. */
IMMICHBAK_C_API const char* immichbak_backup_result_sidecar(const immichbak_backup_result* r);
/** @brief The file's sha256 (hex), as in the sidecar. @param r The result. @return Owned by @p r; NULL for NULL. */
IMMICHBAK_C_API const char* immichbak_backup_result_sha256(const immichbak_backup_result* r);
/** @brief The file's size in bytes. @param r The result. @return 0 for NULL. */
IMMICHBAK_C_API uint64_t immichbak_backup_result_bytes(const immichbak_backup_result* r);
/** @brief The decompressed SQL size in bytes. @param r The result. @return 0 for NULL. */
IMMICHBAK_C_API uint64_t immichbak_backup_result_plain_bytes(const immichbak_backup_result* r);
/** @brief Rows written, all tables. @param r The result. @return 0 for NULL. */
IMMICHBAK_C_API uint64_t immichbak_backup_result_rows(const immichbak_backup_result* r);
/** @brief Tables in the backup, with or without their rows. @param r The result. @return 0 for NULL. */
IMMICHBAK_C_API uint64_t immichbak_backup_result_tables(const immichbak_backup_result* r);
/** @brief Tables whose rows were left out by exclusions. @param r The result. @return 0 for NULL. */
IMMICHBAK_C_API uint64_t immichbak_backup_result_tables_excluded(const immichbak_backup_result* r);
/** @brief The database that was backed up. @param r The result. @return Owned by @p r; NULL for NULL. */
IMMICHBAK_C_API const char* immichbak_backup_result_database(const immichbak_backup_result* r);
/** @brief Immich's version found in the database, or "". @param r The result. @return Owned by @p r; NULL for NULL. */
IMMICHBAK_C_API const char* immichbak_backup_result_immich_version(const immichbak_backup_result* r);
/** @brief The server's version, e.g. "15.8". @param r The result. @return Owned by @p r; NULL for NULL. */
IMMICHBAK_C_API const char* immichbak_backup_result_server_version(const immichbak_backup_result* r);
/** @brief Wall-clock seconds the backup took. @param r The result. @return 0 for NULL. */
IMMICHBAK_C_API double immichbak_backup_result_seconds(const immichbak_backup_result* r);
/**
 * @brief The result as one JSON object (the fields of the accessors above).
 * @param r The result.
 * @param[out] out Receives the text; free with immichbak_free_string().
 * @return #IMMICHBAK_OK or an `IMMICHBAK_E_*` code.
 */
IMMICHBAK_C_API int immichbak_backup_result_to_json(const immichbak_backup_result* r, char** out);
/** @brief Frees a backup result. @param r The result, or NULL. */
IMMICHBAK_C_API void immichbak_backup_result_free(immichbak_backup_result* r);

/**
 * @brief How many tables the `exclude_regenerable` preset leaves out.
 * @return The count (static data).
 */
IMMICHBAK_C_API size_t immichbak_regenerable_table_count(void);
/** @brief The i-th regenerable table ("schema.table"). @param i Index. @return A static string; NULL out of range. */
IMMICHBAK_C_API const char* immichbak_regenerable_table_name(size_t i);
/** @brief The Immich job that rebuilds the i-th regenerable table. @param i Index. @return A static string; NULL out of range. */
IMMICHBAK_C_API const char* immichbak_regenerable_table_job(size_t i);

/** @} */

/* ======================================================================================= */
/** @name Verify                                                                           */
/* ======================================================================================= */
/** @{ */

/** @brief A server path prefix and the local path where the same media files are. */
typedef struct immichbak_media_root {
  const char* server_prefix; /**< e.g. "/usr/src/app/upload" */
  const char* local_prefix;  /**< e.g. "/mnt/photos" */
} immichbak_media_root;

/** @brief The current version of #immichbak_verify_options. */
#define IMMICHBAK_VERIFY_OPTIONS_VERSION 1

/** @brief What immichbak_verify() checks. Initialise with immichbak_verify_options_init(). */
typedef struct immichbak_verify_options {
  unsigned int version;  /**< #IMMICHBAK_VERIFY_OPTIONS_VERSION */
  const char* file;      /**< the backup file (required) */
  int restore_test;      /**< non-zero: also restore into a scratch database and compare */
  const char* dsn;       /**< the server for the restore test; NULL: PG* environment */
  const immichbak_media_root* media_roots; /**< media check mapping (needs restore_test) */
  size_t media_roots_count; /**< entries in media_roots */
  size_t media_sample;   /**< media files to check; default 20 */
  int jobs;              /**< parallel sessions for the restore test; default 1 */
  immichbak_events events; /**< callbacks and cancel token */
} immichbak_verify_options;

/**
 * @brief Fills @p options with the defaults for @p version.
 * @param options The struct to fill.
 * @param version #IMMICHBAK_VERIFY_OPTIONS_VERSION.
 * @return #IMMICHBAK_OK, or #IMMICHBAK_E_INVALID_ARGUMENT for NULL or an unknown version.
 */
IMMICHBAK_C_API int immichbak_verify_options_init(immichbak_verify_options* options, unsigned int version);

/** @brief A verify check's verdict (the C++ `immichbak::check_status`). */
typedef enum immichbak_check_status {
  IMMICHBAK_CHECK_PASS = 0,   /**< fine */
  IMMICHBAK_CHECK_WARN = 1,   /**< worth a look; does not fail the backup */
  IMMICHBAK_CHECK_FAIL = 2,   /**< the backup has a problem */
  IMMICHBAK_CHECK_SKIPPED = 3 /**< not run */
} immichbak_check_status;

/** @brief One of the counts an Immich summary holds. */
typedef enum immichbak_immich_count {
  IMMICHBAK_IMMICH_USERS = 0,  /**< users */
  IMMICHBAK_IMMICH_ALBUMS = 1, /**< albums */
  IMMICHBAK_IMMICH_ASSETS = 2, /**< assets */
  IMMICHBAK_IMMICH_FACES = 3,  /**< faces */
  IMMICHBAK_IMMICH_PEOPLE = 4  /**< people */
} immichbak_immich_count;

/** @brief A verify report (opaque): one verdict per check. */
typedef struct immichbak_verify_report immichbak_verify_report;

/**
 * @brief Verifies a backup. Damage inside the file is a finding in the report, not an error:
 *        an error means the file could not be examined at all.
 * @param options What to verify.
 * @param[out] out Receives the report; free with immichbak_verify_report_free().
 * @return #IMMICHBAK_OK (look at immichbak_verify_report_ok()) or an `IMMICHBAK_E_*` code.
 */
IMMICHBAK_C_API int immichbak_verify(const immichbak_verify_options* options, immichbak_verify_report** out);

/** @brief Whether no check failed. @param r The report. @return 1 or 0 (0 for NULL). */
IMMICHBAK_C_API int immichbak_verify_report_ok(const immichbak_verify_report* r);
/** @brief The verified file. @param r The report. @return Owned by @p r; NULL for NULL. */
IMMICHBAK_C_API const char* immichbak_verify_report_file(const immichbak_verify_report* r);
/** @brief The number of checks. @param r The report. @return 0 for NULL. */
IMMICHBAK_C_API size_t immichbak_verify_report_check_count(const immichbak_verify_report* r);
/** @brief A check's name ("sidecar", "frame", "restore-test", ...). @param r The report. @param i Index. @return Owned by @p r; NULL out of range. */
IMMICHBAK_C_API const char* immichbak_verify_report_check_name(const immichbak_verify_report* r, size_t i);
/** @brief A check's verdict. @param r The report. @param i Index. @return An #immichbak_check_status value; -1 out of range. */
IMMICHBAK_C_API int immichbak_verify_report_check_status(const immichbak_verify_report* r, size_t i);
/** @brief What a check found. @param r The report. @param i Index. @return Owned by @p r; NULL out of range. */
IMMICHBAK_C_API const char* immichbak_verify_report_check_detail(const immichbak_verify_report* r, size_t i);
/** @brief The table ("schema.table") a check is about, or "". @param r The report. @param i Index. @return Owned by @p r; NULL out of range. */
IMMICHBAK_C_API const char* immichbak_verify_report_check_table(const immichbak_verify_report* r, size_t i);
/**
 * @brief The byte offset in the file a check's finding is at, when known.
 * @param r The report.
 * @param i Index.
 * @param[out] offset Receives the offset when there is one (may be NULL).
 * @return 1 when the check has an offset, 0 when not or out of range.
 */
IMMICHBAK_C_API int immichbak_verify_report_check_offset(const immichbak_verify_report* r, size_t i, uint64_t* offset);
/** @brief Whether the report holds an Immich summary (restore test of an Immich database). @param r The report. @return 1 or 0. */
IMMICHBAK_C_API int immichbak_verify_report_has_immich(const immichbak_verify_report* r);
/** @brief The Immich version of the summary. @param r The report. @return Owned by @p r; NULL without a summary. */
IMMICHBAK_C_API const char* immichbak_verify_report_immich_version(const immichbak_verify_report* r);
/** @brief The newest Immich migration of the summary. @param r The report. @return Owned by @p r; NULL without a summary. */
IMMICHBAK_C_API const char* immichbak_verify_report_immich_migration(const immichbak_verify_report* r);
/** @brief Whether the restored Immich has an admin user. @param r The report. @return 1 or 0 (0 without a summary). */
IMMICHBAK_C_API int immichbak_verify_report_immich_admin_exists(const immichbak_verify_report* r);
/** @brief One count of the Immich summary. @param r The report. @param which An #immichbak_immich_count value. @return The count; 0 without a summary or for an unknown @p which. */
IMMICHBAK_C_API uint64_t immichbak_verify_report_immich_count(const immichbak_verify_report* r, int which);
/** @brief The report as JSON (the CLI's `verify --json`). @param r The report. @param[out] out Receives the text; free with immichbak_free_string(). @return A status code. */
IMMICHBAK_C_API int immichbak_verify_report_to_json(const immichbak_verify_report* r, char** out);
/** @brief The report as text for a person. @param r The report. @param[out] out Receives the text; free with immichbak_free_string(). @return A status code. */
IMMICHBAK_C_API int immichbak_verify_report_to_text(const immichbak_verify_report* r, char** out);
/** @brief Frees a report. @param r The report, or NULL. */
IMMICHBAK_C_API void immichbak_verify_report_free(immichbak_verify_report* r);
/** @brief "pass", "warn", "fail", "skipped". @param status An #immichbak_check_status value. @return A static string; "unknown" otherwise. */
IMMICHBAK_C_API const char* immichbak_check_status_name(int status);

/** @} */

/* ======================================================================================= */
/** @name Restore                                                                          */
/* ======================================================================================= */
/** @{ */

/** @brief The current version of #immichbak_restore_options. */
/** Version 1 (0.1.0) had the flags replace, drop_old and in_place where version 2 has `mode`;
 *  this library refuses version 1, whose layout it no longer reads. */
#define IMMICHBAK_RESTORE_OPTIONS_VERSION 2

/** @brief Where immichbak_restore() loads and what it may do to a target that holds something. */
typedef enum immichbak_restore_mode {
  /** Into a scratch database renamed to the target at the end; a target that exists must be empty (default). */
  IMMICHBAK_RESTORE_NEW_DATABASE = 0,
  /** The same, and a non-empty target is replaced; the old one is kept as NAME_before_restore_...
   *  With tables: the tables that exist are dropped and restored. */
  IMMICHBAK_RESTORE_REPLACE = 1,
  /** IMMICHBAK_RESTORE_REPLACE, and the old database is dropped after the swap (not with tables). */
  IMMICHBAK_RESTORE_REPLACE_DROP_OLD = 2,
  /** For roles without CREATEDB: one job, one transaction, into an existing empty database (not with tables). */
  IMMICHBAK_RESTORE_IN_PLACE = 3
} immichbak_restore_mode;

/** @brief What immichbak_restore() loads, where. Initialise with immichbak_restore_options_init(). */
typedef struct immichbak_restore_options {
  unsigned int version; /**< #IMMICHBAK_RESTORE_OPTIONS_VERSION */
  const char* file;     /**< the backup file, or a plain pg_dump script (required) */
  const char* dsn;      /**< the target: its database name is the database restored to */
  int jobs;             /**< parallel sessions; default 1 */
  int mode;             /**< an #immichbak_restore_mode; default IMMICHBAK_RESTORE_NEW_DATABASE */
  int terminate_sessions; /**< non-zero: end sessions connected to the target at the swap */
  int no_owner;         /**< non-zero: do not restore object owners */
  int no_privileges;    /**< non-zero: do not restore privileges */
  const char* const* tables; /**< selective restore: only these tables ("name" or "schema.name") */
  size_t tables_count;  /**< entries in tables; 0: the whole backup */
  int check_content;    /**< non-zero (default): compare every table's rows with the manifest */
  int check_readback;   /**< non-zero: also read every table back from the server and compare */
  immichbak_events events; /**< callbacks and cancel token */
} immichbak_restore_options;

/**
 * @brief Fills @p options with the defaults for @p version.
 * @param options The struct to fill.
 * @param version #IMMICHBAK_RESTORE_OPTIONS_VERSION.
 * @return #IMMICHBAK_OK, or #IMMICHBAK_E_INVALID_ARGUMENT for NULL or an unknown version.
 */
IMMICHBAK_C_API int immichbak_restore_options_init(immichbak_restore_options* options, unsigned int version);

/** @brief The outcome of a restore (opaque). */
typedef struct immichbak_restore_result immichbak_restore_result;

/**
 * @brief Restores, all or nothing: on failure the target is left exactly as it was.
 * @param options What to restore, where.
 * @param[out] out Receives the result; free with immichbak_restore_result_free().
 * @return #IMMICHBAK_OK or an `IMMICHBAK_E_*` code.
 */
IMMICHBAK_C_API int immichbak_restore(const immichbak_restore_options* options, immichbak_restore_result** out);

/** @brief The target database's name. @param r The result. @return Owned by @p r; NULL for NULL. */
IMMICHBAK_C_API const char* immichbak_restore_result_database(const immichbak_restore_result* r);
/** @brief Where `replace` moved the old database. @param r The result. @return Owned by @p r; NULL when none was kept. */
IMMICHBAK_C_API const char* immichbak_restore_result_kept_old_database(const immichbak_restore_result* r);
/** @brief Rows loaded. @param r The result. @return 0 for NULL. */
IMMICHBAK_C_API uint64_t immichbak_restore_result_rows(const immichbak_restore_result* r);
/** @brief Tables restored. @param r The result. @return 0 for NULL. */
IMMICHBAK_C_API uint64_t immichbak_restore_result_tables(const immichbak_restore_result* r);
/** @brief Wall-clock seconds. @param r The result. @return 0 for NULL. */
IMMICHBAK_C_API double immichbak_restore_result_seconds(const immichbak_restore_result* r);
/** @brief Whether the input was a plain pg_dump script. @param r The result. @return 1 or 0. */
IMMICHBAK_C_API int immichbak_restore_result_plain_sql(const immichbak_restore_result* r);
/** @brief The number of warnings. @param r The result. @return 0 for NULL. */
IMMICHBAK_C_API size_t immichbak_restore_result_warning_count(const immichbak_restore_result* r);
/** @brief The i-th warning. @param r The result. @param i Index. @return Owned by @p r; NULL out of range. */
IMMICHBAK_C_API const char* immichbak_restore_result_warning(const immichbak_restore_result* r, size_t i);
/** @brief The number of Immich jobs to run after restoring a backup with exclusions. @param r The result. @return 0 for NULL. */
IMMICHBAK_C_API size_t immichbak_restore_result_immich_job_count(const immichbak_restore_result* r);
/** @brief The i-th Immich job to run. @param r The result. @param i Index. @return Owned by @p r; NULL out of range. */
IMMICHBAK_C_API const char* immichbak_restore_result_immich_job(const immichbak_restore_result* r, size_t i);
/** @brief The result as one JSON object. @param r The result. @param[out] out Receives the text; free with immichbak_free_string(). @return A status code. */
IMMICHBAK_C_API int immichbak_restore_result_to_json(const immichbak_restore_result* r, char** out);
/** @brief Frees a restore result. @param r The result, or NULL. */
IMMICHBAK_C_API void immichbak_restore_result_free(immichbak_restore_result* r);

/** @} */

/* ======================================================================================= */
/** @name Inspect and extract                                                              */
/* ======================================================================================= */
/** @{ */

/** @brief A backup's manifest (opaque). */
typedef struct immichbak_manifest immichbak_manifest;

/**
 * @brief Reads a backup's footer and manifest (no frame is decoded).
 * @param file The backup file.
 * @param[out] out Receives the manifest; free with immichbak_manifest_free().
 * @return #IMMICHBAK_OK, or e.g. #IMMICHBAK_E_NOT_A_BACKUP, #IMMICHBAK_E_CORRUPT_BACKUP, #IMMICHBAK_E_IO_ERROR.
 */
IMMICHBAK_C_API int immichbak_read_manifest(const char* file, immichbak_manifest** out);

/** @brief The format's major version. @param m The manifest. @return 0 for NULL. */
IMMICHBAK_C_API int immichbak_manifest_format_major(const immichbak_manifest* m);
/** @brief The format's minor version. @param m The manifest. @return 0 for NULL. */
IMMICHBAK_C_API int immichbak_manifest_format_minor(const immichbak_manifest* m);
/** @brief The immichbak version that wrote the file. @param m The manifest. @return Owned by @p m; NULL for NULL. */
IMMICHBAK_C_API const char* immichbak_manifest_tool_version(const immichbak_manifest* m);
/** @brief The snapshot time, UTC ISO 8601. @param m The manifest. @return Owned by @p m; NULL for NULL. */
IMMICHBAK_C_API const char* immichbak_manifest_created_at(const immichbak_manifest* m);
/** @brief The source database's name. @param m The manifest. @return Owned by @p m; NULL for NULL. */
IMMICHBAK_C_API const char* immichbak_manifest_database(const immichbak_manifest* m);
/** @brief The source server's version. @param m The manifest. @return Owned by @p m; NULL for NULL. */
IMMICHBAK_C_API const char* immichbak_manifest_server_version(const immichbak_manifest* m);
/** @brief The compression ("zstd", "gzip", "none"). @param m The manifest. @return Owned by @p m; NULL for NULL. */
IMMICHBAK_C_API const char* immichbak_manifest_compression(const immichbak_manifest* m);
/** @brief Immich's version in the source, or "". @param m The manifest. @return Owned by @p m; NULL for NULL. */
IMMICHBAK_C_API const char* immichbak_manifest_immich_version(const immichbak_manifest* m);
/** @brief The number of frames in the file. @param m The manifest. @return 0 for NULL. */
IMMICHBAK_C_API size_t immichbak_manifest_frame_count(const immichbak_manifest* m);
/** @brief The number of tables. @param m The manifest. @return 0 for NULL. */
IMMICHBAK_C_API size_t immichbak_manifest_table_count(const immichbak_manifest* m);
/** @brief A table's schema. @param m The manifest. @param i Index. @return Owned by @p m; NULL out of range. */
IMMICHBAK_C_API const char* immichbak_manifest_table_schema(const immichbak_manifest* m, size_t i);
/** @brief A table's name. @param m The manifest. @param i Index. @return Owned by @p m; NULL out of range. */
IMMICHBAK_C_API const char* immichbak_manifest_table_name(const immichbak_manifest* m, size_t i);
/** @brief A table's row count. @param m The manifest. @param i Index. @return 0 out of range. */
IMMICHBAK_C_API uint64_t immichbak_manifest_table_rows(const immichbak_manifest* m, size_t i);
/** @brief A table's order-independent content hash. @param m The manifest. @param i Index. @return Owned by @p m; NULL out of range. */
IMMICHBAK_C_API const char* immichbak_manifest_table_content_hash(const immichbak_manifest* m, size_t i);
/** @brief A table's stored (compressed) bytes. @param m The manifest. @param i Index. @return 0 out of range. */
IMMICHBAK_C_API uint64_t immichbak_manifest_table_stored_bytes(const immichbak_manifest* m, size_t i);
/** @brief Whether a table's rows were deliberately left out. @param m The manifest. @param i Index. @return 1 or 0. */
IMMICHBAK_C_API int immichbak_manifest_table_data_excluded(const immichbak_manifest* m, size_t i);
/** @brief The manifest as JSON (the document embedded in the file). @param m The manifest. @param[out] out Receives the text; free with immichbak_free_string(). @return A status code. */
IMMICHBAK_C_API int immichbak_manifest_to_json(const immichbak_manifest* m, char** out);
/** @brief A human summary of the manifest. @param m The manifest. @param[out] out Receives the text; free with immichbak_free_string(). @return A status code. */
IMMICHBAK_C_API int immichbak_manifest_to_text(const immichbak_manifest* m, char** out);
/** @brief Frees a manifest. @param m The manifest, or NULL. */
IMMICHBAK_C_API void immichbak_manifest_free(immichbak_manifest* m);

/**
 * @brief Receives output (extracted SQL).
 * @param data The bytes, valid during the call only.
 * @param size How many.
 * @param user The caller's pointer.
 * @return @p size when all were taken; anything less stops the call with #IMMICHBAK_E_IO_ERROR.
 */
typedef size_t (*immichbak_write_fn)(const char* data, size_t size, void* user);

/**
 * @brief Writes one table's definition and data as a psql script through @p write.
 * @param file The backup file.
 * @param table "name" or "schema.name".
 * @param write Called with the script in pieces, in order.
 * @param user Passed to @p write.
 * @return #IMMICHBAK_OK; #IMMICHBAK_E_INVALID_ARGUMENT naming the table when the backup does
 *         not hold it; #IMMICHBAK_E_IO_ERROR when @p write refused data; file errors.
 */
IMMICHBAK_C_API int immichbak_extract_table(const char* file, const char* table, immichbak_write_fn write, void* user);

/**
 * @brief Like immichbak_extract_table(), into a file (created or truncated). On failure the
 *        file may hold part of the script.
 * @param file The backup file.
 * @param table "name" or "schema.name".
 * @param out_path Where to write the script.
 * @return A status code.
 */
IMMICHBAK_C_API int immichbak_extract_table_to_file(const char* file, const char* table, const char* out_path);

/** @} */

/* ======================================================================================= */
/** @name Listing a backup directory                                                       */
/* ======================================================================================= */
/** @{ */

/** @brief What a file in a backup directory is (the C++ `immichbak::entry_kind`). */
typedef enum immichbak_entry_kind {
  IMMICHBAK_ENTRY_BACKUP = 0,      /**< an immichbak backup whose footer and manifest read */
  IMMICHBAK_ENTRY_DAMAGED = 1,     /**< looks like one, but footer or manifest cannot be read */
  IMMICHBAK_ENTRY_UNSUPPORTED = 2, /**< a backup of a newer format major version */
  IMMICHBAK_ENTRY_UNREADABLE = 3,  /**< could not be read at all */
  IMMICHBAK_ENTRY_PARTIAL = 4,     /**< NAME.partial: being written, or left by a crash */
  IMMICHBAK_ENTRY_IMMICH = 5,      /**< Immich's own backup file */
  IMMICHBAK_ENTRY_FOREIGN = 6      /**< anything else */
} immichbak_entry_kind;

/** @brief The state of a file's last verify (the C++ `immichbak::verify_state`). */
typedef enum immichbak_verify_state {
  IMMICHBAK_VERIFY_UNVERIFIED = 0, /**< never verified */
  IMMICHBAK_VERIFY_PASSED = 1,     /**< the last verify passed, for a file of this size */
  IMMICHBAK_VERIFY_FAILED = 2,     /**< the last verify found problems */
  IMMICHBAK_VERIFY_OUTDATED = 3    /**< the record is for a file of another size */
} immichbak_verify_state;

/** @brief The current version of #immichbak_list_options. */
#define IMMICHBAK_LIST_OPTIONS_VERSION 1

/** @brief Which directory immichbak_list_backups() lists. Initialise with immichbak_list_options_init(). */
typedef struct immichbak_list_options {
  unsigned int version; /**< #IMMICHBAK_LIST_OPTIONS_VERSION */
  const char* dir;      /**< the backup directory (required) */
} immichbak_list_options;

/**
 * @brief Fills @p options with the defaults for @p version.
 * @param options The struct to fill.
 * @param version #IMMICHBAK_LIST_OPTIONS_VERSION.
 * @return #IMMICHBAK_OK, or #IMMICHBAK_E_INVALID_ARGUMENT for NULL or an unknown version.
 */
IMMICHBAK_C_API int immichbak_list_options_init(immichbak_list_options* options, unsigned int version);

/** @brief The files of a backup directory, newest first (opaque). */
typedef struct immichbak_backup_list immichbak_backup_list;

/**
 * @brief Lists a backup directory: every file (not subdirectories, hidden files or
 *        companions), newest first, read from footers and manifests only.
 * @param options Which directory.
 * @param[out] out Receives the list; free with immichbak_backup_list_free().
 * @return #IMMICHBAK_OK, or #IMMICHBAK_E_IO_ERROR when the directory cannot be read.
 */
IMMICHBAK_C_API int immichbak_list_backups(const immichbak_list_options* options, immichbak_backup_list** out);

/** @brief The number of entries. @param l The list. @return 0 for NULL. */
IMMICHBAK_C_API size_t immichbak_backup_list_count(const immichbak_backup_list* l);
/** @brief An entry's file name. @param l The list. @param i Index. @return Owned by @p l; NULL out of range. */
IMMICHBAK_C_API const char* immichbak_backup_list_name(const immichbak_backup_list* l, size_t i);
/** @brief An entry's path. @param l The list. @param i Index. @return Owned by @p l; NULL out of range. */
IMMICHBAK_C_API const char* immichbak_backup_list_path(const immichbak_backup_list* l, size_t i);
/** @brief An entry's kind. @param l The list. @param i Index. @return An #immichbak_entry_kind value; -1 out of range. */
IMMICHBAK_C_API int immichbak_backup_list_kind(const immichbak_backup_list* l, size_t i);
/** @brief An entry's prefix, "" when the name is not immichbak's. @param l The list. @param i Index. @return Owned by @p l; NULL out of range. */
IMMICHBAK_C_API const char* immichbak_backup_list_prefix(const immichbak_backup_list* l, size_t i);
/** @brief An entry's time (snapshot time, else from its name, else modified), Unix seconds. @param l The list. @param i Index. @return 0 out of range. */
IMMICHBAK_C_API int64_t immichbak_backup_list_time(const immichbak_backup_list* l, size_t i);
/** @brief An entry's size in bytes. @param l The list. @param i Index. @return 0 out of range. */
IMMICHBAK_C_API uint64_t immichbak_backup_list_bytes(const immichbak_backup_list* l, size_t i);
/** @brief An entry's row count (from its manifest). @param l The list. @param i Index. @return 0 out of range. */
IMMICHBAK_C_API uint64_t immichbak_backup_list_rows(const immichbak_backup_list* l, size_t i);
/** @brief An entry's source database (from its manifest). @param l The list. @param i Index. @return Owned by @p l; NULL out of range. */
IMMICHBAK_C_API const char* immichbak_backup_list_database(const immichbak_backup_list* l, size_t i);
/** @brief An entry's last verify state. @param l The list. @param i Index. @return An #immichbak_verify_state value; -1 out of range. */
IMMICHBAK_C_API int immichbak_backup_list_verification(const immichbak_backup_list* l, size_t i);
/** @brief Why an entry is damaged, unsupported or unreadable, else "". @param l The list. @param i Index. @return Owned by @p l; NULL out of range. */
IMMICHBAK_C_API const char* immichbak_backup_list_problem(const immichbak_backup_list* l, size_t i);
/** @brief The list as JSON (the CLI's `list --json`). @param l The list. @param[out] out Receives the text; free with immichbak_free_string(). @return A status code. */
IMMICHBAK_C_API int immichbak_backup_list_to_json(const immichbak_backup_list* l, char** out);
/** @brief The list as a table for a person. @param l The list. @param[out] out Receives the text; free with immichbak_free_string(). @return A status code. */
IMMICHBAK_C_API int immichbak_backup_list_to_text(const immichbak_backup_list* l, char** out);
/** @brief Frees a list. @param l The list, or NULL. */
IMMICHBAK_C_API void immichbak_backup_list_free(immichbak_backup_list* l);
/** @brief "backup", "damaged", ... @param kind An #immichbak_entry_kind value. @return A static string; "unknown" otherwise. */
IMMICHBAK_C_API const char* immichbak_entry_kind_name(int kind);
/** @brief "unverified", "passed", "failed", "outdated". @param state An #immichbak_verify_state value. @return A static string; "unknown" otherwise. */
IMMICHBAK_C_API const char* immichbak_verify_state_name(int state);

/** @} */

/* ======================================================================================= */
/** @name Retention (prune)                                                                */
/* ======================================================================================= */
/** @{ */

/** @brief A keep count that keeps every bucket ("unlimited"). */
#define IMMICHBAK_KEEP_UNLIMITED (-1)

/**
 * @brief Which backups to keep (restic `forget`'s rules); part of #immichbak_prune_options
 *        and #immichbak_run_options, versioned with them. A backup is kept when any rule
 *        keeps it. Counts: 0 = rule off, #IMMICHBAK_KEEP_UNLIMITED = all. Durations are
 *        restic's text ("14d", "2w", "1y2m3d4h"); NULL or "" = rule off.
 */
typedef struct immichbak_retention_policy {
  int keep_last;    /**< the newest N backups */
  int keep_hourly;  /**< the newest backup of each of the last N hours that have one */
  int keep_daily;   /**< ... days */
  int keep_weekly;  /**< ... ISO weeks */
  int keep_monthly; /**< ... months */
  int keep_yearly;  /**< ... years */
  const char* keep_within;         /**< every backup within this of the newest */
  const char* keep_within_hourly;  /**< hourly buckets within this of the newest */
  const char* keep_within_daily;   /**< daily buckets within this */
  const char* keep_within_weekly;  /**< weekly buckets within this */
  const char* keep_within_monthly; /**< monthly buckets within this */
  const char* keep_within_yearly;  /**< yearly buckets within this */
  int count_unverified; /**< non-zero: never-verified readable backups count like verified ones */
  int64_t partial_max_age_seconds; /**< partial files older than this are removed; default 86400 */
  const char* prefix;   /**< only backups with this prefix; NULL or "": every prefix, each on its own */
} immichbak_retention_policy;

/** @brief What a plan does with a file (the C++ `immichbak::plan_action`). */
typedef enum immichbak_plan_action {
  IMMICHBAK_PLAN_KEEP = 0,     /**< kept by the policy */
  IMMICHBAK_PLAN_REMOVE = 1,   /**< removed by the policy */
  IMMICHBAK_PLAN_UNTOUCHED = 2 /**< not the policy's to decide */
} immichbak_plan_action;

/** @brief The current version of #immichbak_prune_options. */
#define IMMICHBAK_PRUNE_OPTIONS_VERSION 1

/** @brief What immichbak_prune() does. Initialise with immichbak_prune_options_init(). */
typedef struct immichbak_prune_options {
  unsigned int version;  /**< #IMMICHBAK_PRUNE_OPTIONS_VERSION */
  const char* dir;       /**< the backup directory (required) */
  immichbak_retention_policy policy; /**< the policy; at least one rule must be set */
  int dry_run;           /**< non-zero: plan only, remove nothing */
  uint64_t lock_wait_ms; /**< how long to wait for a backup writing into dir; 0: refuse at once */
  int64_t now;           /**< the time to plan at, Unix seconds; 0: the clock */
  immichbak_events events; /**< callbacks and cancel token */
} immichbak_prune_options;

/**
 * @brief Fills @p options with the defaults for @p version (no keep rule set).
 * @param options The struct to fill.
 * @param version #IMMICHBAK_PRUNE_OPTIONS_VERSION.
 * @return #IMMICHBAK_OK, or #IMMICHBAK_E_INVALID_ARGUMENT for NULL or an unknown version.
 */
IMMICHBAK_C_API int immichbak_prune_options_init(immichbak_prune_options* options, unsigned int version);

/** @brief The outcome of a prune: its plan and what was removed (opaque). */
typedef struct immichbak_prune_result immichbak_prune_result;

/**
 * @brief Locks the directory (not for a dry run), lists, plans and removes what the policy
 *        does not keep, checking every file again before removing it.
 * @param options What to prune.
 * @param[out] out Receives the result; free with immichbak_prune_result_free().
 * @return #IMMICHBAK_OK (look at immichbak_prune_result_ok()), or e.g.
 *         #IMMICHBAK_E_INVALID_ARGUMENT (empty policy, bad duration), #IMMICHBAK_E_ALREADY_RUNNING.
 */
IMMICHBAK_C_API int immichbak_prune(const immichbak_prune_options* options, immichbak_prune_result** out);

/** @brief Whether this was a dry run. @param r The result. @return 1 or 0. */
IMMICHBAK_C_API int immichbak_prune_result_dry_run(const immichbak_prune_result* r);
/** @brief Whether every removal the plan asked for was made (1 for a dry run). @param r The result. @return 1 or 0 (0 for NULL). */
IMMICHBAK_C_API int immichbak_prune_result_ok(const immichbak_prune_result* r);
/** @brief How many entries the plan gives @p action. @param r The result. @param action An #immichbak_plan_action value. @return The count; 0 for NULL or an unknown action. */
IMMICHBAK_C_API size_t immichbak_prune_result_count(const immichbak_prune_result* r, int action);
/** @brief The bytes the plan's removals free (companions not counted). @param r The result. @return 0 for NULL. */
IMMICHBAK_C_API uint64_t immichbak_prune_result_bytes_to_free(const immichbak_prune_result* r);
/** @brief The bytes actually freed, companions included (0 for a dry run). @param r The result. @return 0 for NULL. */
IMMICHBAK_C_API uint64_t immichbak_prune_result_bytes_freed(const immichbak_prune_result* r);
/** @brief The number of plan entries (every listed file). @param r The result. @return 0 for NULL. */
IMMICHBAK_C_API size_t immichbak_prune_result_entry_count(const immichbak_prune_result* r);
/** @brief A plan entry's file name. @param r The result. @param i Index. @return Owned by @p r; NULL out of range. */
IMMICHBAK_C_API const char* immichbak_prune_result_entry_name(const immichbak_prune_result* r, size_t i);
/** @brief A plan entry's action. @param r The result. @param i Index. @return An #immichbak_plan_action value; -1 out of range. */
IMMICHBAK_C_API int immichbak_prune_result_entry_action(const immichbak_prune_result* r, size_t i);
/** @brief The number of reasons of a plan entry. @param r The result. @param i Index. @return 0 out of range. */
IMMICHBAK_C_API size_t immichbak_prune_result_entry_reason_count(const immichbak_prune_result* r, size_t i);
/** @brief A reason of a plan entry ("daily", "within 14d", ...). @param r The result. @param i Entry index. @param j Reason index. @return Owned by @p r; NULL out of range. */
IMMICHBAK_C_API const char* immichbak_prune_result_entry_reason(const immichbak_prune_result* r, size_t i, size_t j);
/** @brief The result as JSON (the CLI's `prune --json`). @param r The result. @param[out] out Receives the text; free with immichbak_free_string(). @return A status code. */
IMMICHBAK_C_API int immichbak_prune_result_to_json(const immichbak_prune_result* r, char** out);
/** @brief The result as text for a person. @param r The result. @param[out] out Receives the text; free with immichbak_free_string(). @return A status code. */
IMMICHBAK_C_API int immichbak_prune_result_to_text(const immichbak_prune_result* r, char** out);
/** @brief Frees a prune result. @param r The result, or NULL. */
IMMICHBAK_C_API void immichbak_prune_result_free(immichbak_prune_result* r);
/** @brief "keep", "remove", "untouched". @param action An #immichbak_plan_action value. @return A static string; "unknown" otherwise. */
IMMICHBAK_C_API const char* immichbak_plan_action_name(int action);

/** @} */

/* ======================================================================================= */
/** @name Monitoring (check age)                                                           */
/* ======================================================================================= */
/** @{ */

/** @brief A monitoring verdict; the values are the monitoring-plugin exit codes. */
typedef enum immichbak_age_status {
  IMMICHBAK_AGE_OK = 0,       /**< a good backup younger than the limits */
  IMMICHBAK_AGE_WARNING = 1,  /**< older than warn_age, or a damaged newest file */
  IMMICHBAK_AGE_CRITICAL = 2, /**< none, too old, or the newest failed its verify */
  IMMICHBAK_AGE_UNKNOWN = 3   /**< the directory cannot be read */
} immichbak_age_status;

/** @brief The current version of #immichbak_check_age_options. */
#define IMMICHBAK_CHECK_AGE_OPTIONS_VERSION 1

/** @brief What immichbak_check_backup_age() judges. Initialise with immichbak_check_age_options_init(). */
typedef struct immichbak_check_age_options {
  unsigned int version;    /**< #IMMICHBAK_CHECK_AGE_OPTIONS_VERSION */
  const char* dir;         /**< the backup directory (required) */
  int64_t max_age_seconds; /**< older: CRITICAL; default 26 hours */
  int64_t warn_age_seconds; /**< older: WARNING (at most max_age); 0: no warning limit */
  const char* prefix;      /**< only this prefix; NULL or "": any */
  int count_unverified;    /**< non-zero: a never-verified readable backup counts as good */
  int64_t now;             /**< Unix seconds to judge at; 0: the clock */
} immichbak_check_age_options;

/**
 * @brief Fills @p options with the defaults for @p version.
 * @param options The struct to fill.
 * @param version #IMMICHBAK_CHECK_AGE_OPTIONS_VERSION.
 * @return #IMMICHBAK_OK, or #IMMICHBAK_E_INVALID_ARGUMENT for NULL or an unknown version.
 */
IMMICHBAK_C_API int immichbak_check_age_options_init(immichbak_check_age_options* options, unsigned int version);

/** @brief A monitoring verdict (opaque). */
typedef struct immichbak_age_check_result immichbak_age_check_result;

/**
 * @brief Judges the newest good backup of a directory (a monitoring plugin's check).
 * @param options What to judge.
 * @param[out] out Receives the verdict; free with immichbak_age_check_result_free().
 * @return #IMMICHBAK_OK (an unreadable directory is an UNKNOWN verdict, not an error), or
 *         #IMMICHBAK_E_INVALID_ARGUMENT for bad options.
 */
IMMICHBAK_C_API int immichbak_check_backup_age(const immichbak_check_age_options* options, immichbak_age_check_result** out);

/** @brief The verdict. @param r The result. @return An #immichbak_age_status value; #IMMICHBAK_AGE_UNKNOWN for NULL. */
IMMICHBAK_C_API int immichbak_age_check_result_status(const immichbak_age_check_result* r);
/** @brief One line saying why, without the status word. @param r The result. @return Owned by @p r; NULL for NULL. */
IMMICHBAK_C_API const char* immichbak_age_check_result_message(const immichbak_age_check_result* r);
/**
 * @brief The age of the newest good backup.
 * @param r The result.
 * @param[out] seconds Receives the age in seconds when there is one (may be NULL).
 * @return 1 when there is a good backup, else 0.
 */
IMMICHBAK_C_API int immichbak_age_check_result_age(const immichbak_age_check_result* r, int64_t* seconds);
/** @brief The file name of the newest good backup. @param r The result. @return Owned by @p r; NULL when there is none. */
IMMICHBAK_C_API const char* immichbak_age_check_result_newest_good(const immichbak_age_check_result* r);
/** @brief The verdict as JSON. @param r The result. @param[out] out Receives the text; free with immichbak_free_string(). @return A status code. */
IMMICHBAK_C_API int immichbak_age_check_result_to_json(const immichbak_age_check_result* r, char** out);
/** @brief The monitoring-plugin line, "IMMICHBAK OK - ... | age=...". @param r The result. @param[out] out Receives the text; free with immichbak_free_string(). @return A status code. */
IMMICHBAK_C_API int immichbak_age_check_result_to_text(const immichbak_age_check_result* r, char** out);
/** @brief Frees a verdict. @param r The result, or NULL. */
IMMICHBAK_C_API void immichbak_age_check_result_free(immichbak_age_check_result* r);
/** @brief "OK", "WARNING", "CRITICAL", "UNKNOWN". @param status An #immichbak_age_status value. @return A static string; "unknown" otherwise. */
IMMICHBAK_C_API const char* immichbak_age_status_name(int status);

/** @} */

/* ======================================================================================= */
/** @name Run (the scheduled job)                                                          */
/* ======================================================================================= */
/** @{ */

/** @brief A step of immichbak_run(). */
typedef enum immichbak_run_step {
  IMMICHBAK_STEP_BACKUP = 0, /**< the backup */
  IMMICHBAK_STEP_VERIFY = 1, /**< the verify of the new backup */
  IMMICHBAK_STEP_PRUNE = 2   /**< the prune */
} immichbak_run_step;

/** @brief The outcome of a run (opaque). */
typedef struct immichbak_run_result immichbak_run_result;

/**
 * @brief Called when a run's step ends (also when it failed).
 * @param step An #immichbak_run_step value.
 * @param so_far The result so far: valid during the call only, must not be freed.
 * @param user The `events.user` pointer of the run's options.
 */
typedef void (*immichbak_step_fn)(int step, const immichbak_run_result* so_far, void* user);

/** @brief The current version of #immichbak_run_options. */
/** Version 1 embedded version 1 of #immichbak_backup_options, whose size has changed since;
 *  this library refuses it. Version 2 embeds version 2. */
#define IMMICHBAK_RUN_OPTIONS_VERSION 2

/** @brief What immichbak_run() does. Initialise with immichbak_run_options_init(). */
typedef struct immichbak_run_options {
  unsigned int version; /**< #IMMICHBAK_RUN_OPTIONS_VERSION */
  /** What and where to back up; initialised by immichbak_run_options_init() (its own
   *  version field included). Its `events` are ignored: the run's events below apply. */
  immichbak_backup_options backup;
  /** Test-restore the new backup when the last passed restore test is older than this:
   *  0 = every run, -1 (default) = never (offline verify only). */
  int64_t restore_test_every_seconds;
  int verify_jobs;      /**< sessions for the restore test; default 1 */
  immichbak_retention_policy retention; /**< prune with this after a verified backup; no rule set: no prune */
  uint64_t prune_lock_wait_ms; /**< how long prune waits for writers; default 300000 */
  const char* metrics_file; /**< Prometheus textfile to write; NULL or "": none */
  const char* on_success;   /**< shell command run after success, the JSON summary on its stdin; NULL: none */
  const char* on_failure;   /**< shell command run after a failure; NULL: none */
  int64_t hook_timeout_seconds; /**< a hook running longer is terminated; default 300 */
  immichbak_step_fn step_done; /**< called after each step; NULL: none */
  immichbak_events events; /**< callbacks and cancel token, for every step */
} immichbak_run_options;

/**
 * @brief Fills @p options (and its embedded backup options) with the defaults for @p version.
 * @param options The struct to fill.
 * @param version #IMMICHBAK_RUN_OPTIONS_VERSION.
 * @return #IMMICHBAK_OK, or #IMMICHBAK_E_INVALID_ARGUMENT for NULL or an unknown version.
 */
IMMICHBAK_C_API int immichbak_run_options_init(immichbak_run_options* options, unsigned int version);

/**
 * @brief The scheduled job in one call: backup, verify, prune (only after a verified
 *        backup), metrics file, hook. A failed step is recorded in the result, not returned.
 * @param options What to do.
 * @param[out] out Receives the result; free with immichbak_run_result_free().
 * @return #IMMICHBAK_OK (look at immichbak_run_result_ok()), or #IMMICHBAK_E_INVALID_ARGUMENT
 *         for options the run cannot start with.
 */
IMMICHBAK_C_API int immichbak_run(const immichbak_run_options* options, immichbak_run_result** out);

/** @brief Whether backup, verify and prune succeeded and the metrics were written. @param r The result. @return 1 or 0 (0 for NULL). */
IMMICHBAK_C_API int immichbak_run_result_ok(const immichbak_run_result* r);
/** @brief The `immichbak run` exit code: 0 ok, 3 verify found problems, 130 cancelled, 1 other failure. @param r The result. @return 1 for NULL. */
IMMICHBAK_C_API int immichbak_run_result_exit_code(const immichbak_run_result* r);
/** @brief The new backup. @param r The result. @return Owned by @p r (do not free); NULL when no backup was written. */
IMMICHBAK_C_API const immichbak_backup_result* immichbak_run_result_backup(const immichbak_run_result* r);
/** @brief The new backup's verify report. @param r The result. @return Owned by @p r (do not free); NULL when the verify did not run to its end. */
IMMICHBAK_C_API const immichbak_verify_report* immichbak_run_result_verify(const immichbak_run_result* r);
/** @brief The prune's result. @param r The result. @return Owned by @p r (do not free); NULL when prune did not run. */
IMMICHBAK_C_API const immichbak_prune_result* immichbak_run_result_prune(const immichbak_run_result* r);
/** @brief Whether the verify included a test restore. @param r The result. @return 1 or 0. */
IMMICHBAK_C_API int immichbak_run_result_restore_test(const immichbak_run_result* r);
/** @brief The step that failed. @param r The result. @return An #immichbak_run_step value; -1 when none failed. */
IMMICHBAK_C_API int immichbak_run_result_failure_step(const immichbak_run_result* r);
/** @brief The failure's code name, e.g. "connection_failed" or "verify_failed". @param r The result. @return Owned by @p r; NULL when none failed. */
IMMICHBAK_C_API const char* immichbak_run_result_failure_code(const immichbak_run_result* r);
/** @brief The failure's message. @param r The result. @return Owned by @p r; NULL when none failed. */
IMMICHBAK_C_API const char* immichbak_run_result_failure_message(const immichbak_run_result* r);
/** @brief Why the metrics file could not be written, else "". @param r The result. @return Owned by @p r; NULL for NULL. */
IMMICHBAK_C_API const char* immichbak_run_result_metrics_problem(const immichbak_run_result* r);
/** @brief The summary as JSON (what hooks get on stdin). @param r The result. @param[out] out Receives the text; free with immichbak_free_string(). @return A status code. */
IMMICHBAK_C_API int immichbak_run_result_to_json(const immichbak_run_result* r, char** out);
/** @brief A few lines for a person. @param r The result. @param[out] out Receives the text; free with immichbak_free_string(). @return A status code. */
IMMICHBAK_C_API int immichbak_run_result_to_text(const immichbak_run_result* r, char** out);
/** @brief The Prometheus text exposition of the result. @param r The result. @param[out] out Receives the text; free with immichbak_free_string(). @return A status code. */
IMMICHBAK_C_API int immichbak_run_result_to_prometheus(const immichbak_run_result* r, char** out);
/** @brief Frees a run result (and the results it owns). @param r The result, or NULL. */
IMMICHBAK_C_API void immichbak_run_result_free(immichbak_run_result* r);
/** @brief "backup", "verify", "prune". @param step An #immichbak_run_step value. @return A static string; "unknown" otherwise. */
IMMICHBAK_C_API const char* immichbak_run_step_name(int step);

/** @} */

/* ======================================================================================= */
/** @name Helpers: connection strings, Immich's .env, durations                            */
/* ======================================================================================= */
/** @{ */

/**
 * @brief A DSN with any password removed ("postgresql://u:secret@h/db" -> "postgresql://u@h/db").
 * @param dsn The connection string; NULL is taken as "".
 * @param[out] out Receives the redacted text; free with immichbak_free_string().
 * @return A status code.
 */
IMMICHBAK_C_API int immichbak_redact_dsn(const char* dsn, char** out);

/** @brief A connection built from Immich's `.env` file (opaque). It holds a password. */
typedef struct immichbak_env_connection immichbak_env_connection;

/** @brief Which list of an #immichbak_env_connection to read. */
typedef enum immichbak_env_list {
  IMMICHBAK_ENV_USED = 0,      /**< the file's variables that went into the DSN ("DB_URL", "DB_HOSTNAME", ...) */
  IMMICHBAK_ENV_DEFAULTS = 1,  /**< Immich's defaults used for what the file leaves out */
  IMMICHBAK_ENV_OVERRIDDEN = 2 /**< settings of the file that the caller's DSN or PG* variables replaced */
} immichbak_env_list;

/**
 * @brief Builds the connection Immich's server would make from its docker-compose `.env`.
 * @param env_file The `.env` file.
 * @param dsn Settings that win over the file (a connection string, URI or database name); NULL or "": none.
 * @param[out] out Receives the connection; free with immichbak_env_connection_free().
 * @return #IMMICHBAK_OK, or #IMMICHBAK_E_INVALID_ARGUMENT when the file cannot be read or parsed
 *         (the message never quotes a value of the file).
 */
IMMICHBAK_C_API int immichbak_connection_from_immich_env(const char* env_file, const char* dsn, immichbak_env_connection** out);
/**
 * @brief The keyword=value connection string. It contains the password: pass it to the
 *        options' `dsn`, never print or log it (immichbak_redact_dsn() for that).
 * @param c The connection.
 * @return Owned by @p c (wiped when it is freed); NULL for NULL.
 */
IMMICHBAK_C_API const char* immichbak_env_connection_dsn(const immichbak_env_connection* c);
/** @brief The length of one of the connection's lists. @param c The connection. @param which An #immichbak_env_list value. @return 0 for NULL or an unknown list. */
IMMICHBAK_C_API size_t immichbak_env_connection_list_count(const immichbak_env_connection* c, int which);
/** @brief An item of one of the connection's lists. @param c The connection. @param which An #immichbak_env_list value. @param i Index. @return Owned by @p c; NULL out of range. */
IMMICHBAK_C_API const char* immichbak_env_connection_list_item(const immichbak_env_connection* c, int which, size_t i);
/** @brief Frees a connection, overwriting the DSN's memory first. @param c The connection, or NULL. */
IMMICHBAK_C_API void immichbak_env_connection_free(immichbak_env_connection* c);

/**
 * @brief Parses a monitoring age: "26h", "1d2h", "90min", "45s", "2w" ("m" is refused as ambiguous).
 * @param text The text.
 * @param[out] seconds Receives the age in seconds.
 * @return #IMMICHBAK_OK, or #IMMICHBAK_E_INVALID_ARGUMENT naming the text.
 */
IMMICHBAK_C_API int immichbak_parse_age(const char* text, int64_t* seconds);

/**
 * @brief Formats an age as "1d2h", "3h12min", "45s".
 * @param seconds The age.
 * @param[out] out Receives the text; free with immichbak_free_string().
 * @return A status code.
 */
IMMICHBAK_C_API int immichbak_format_age(int64_t seconds, char** out);

/** @brief A restic-style calendar duration. */
typedef struct immichbak_calendar_duration {
  int years;  /**< calendar years */
  int months; /**< calendar months */
  int days;   /**< days (a week counts as 7) */
  int hours;  /**< hours */
} immichbak_calendar_duration;

/**
 * @brief Parses a retention duration: "14d", "2w", "1y2m3d4h", "36h".
 * @param text The text.
 * @param[out] out Receives the duration.
 * @return #IMMICHBAK_OK, or #IMMICHBAK_E_INVALID_ARGUMENT naming the text.
 */
IMMICHBAK_C_API int immichbak_parse_calendar_duration(const char* text, immichbak_calendar_duration* out);

/** @} */

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* IMMICHBAK_H */
