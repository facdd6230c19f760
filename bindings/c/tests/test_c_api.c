/* test_c_api: every function of immichbak.h, from strict C99, against the throwaway
 * PostgreSQL cluster (PGHOST/PGPORT/PGUSER in the environment; IMMICHBAK_FIXTURE_DB names
 * tests/pg/fixture-db.sh).
 *
 *   test_c_api WORKDIR
 *
 * Plain assertions: the first failed CHECK prints file:line, the condition and the thread's
 * last error, and exits non-zero. */
#define _POSIX_C_SOURCE 200809L /* popen, pclose, sleep: psql and a clock tick */

#include <immichbak.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CHECK(cond)                                                                                     \
  do {                                                                                                  \
    if (!(cond)) {                                                                                      \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n  last error %d (%s): %s\n", __FILE__, __LINE__, #cond, \
              immichbak_last_error_code(), immichbak_error_code_name(immichbak_last_error_code()),       \
              immichbak_last_error_message());                                                          \
      exit(1);                                                                                          \
    }                                                                                                   \
  } while (0)

#define CHECK_OK(call) CHECK((call) == IMMICHBAK_OK)

/* rc is the code returned, and the thread's last error says the same with a message. */
#define CHECK_FAILS_WITH(call, code)                 \
  do {                                               \
    int rc_ = (call);                                \
    CHECK(rc_ == (code));                            \
    CHECK(immichbak_last_error_code() == (code));    \
    CHECK(strlen(immichbak_last_error_message()) > 0); \
  } while (0)

#define SECRET "SuperSecret4711"

static char work[1024];
static char backups[1100];

/* ---- helpers ---- */

static void shell(const char* fmt, const char* arg) {
  char cmd[4096];
  snprintf(cmd, sizeof cmd, fmt, arg);
  if (system(cmd) != 0) {
    fprintf(stderr, "command failed: %s\n", cmd);
    exit(1);
  }
}

static long psql_count(const char* db, const char* table) {
  char cmd[512];
  char line[64];
  FILE* p;
  long n = -1;
  snprintf(cmd, sizeof cmd, "psql -XAt -d '%s' -c 'select count(*) from %s'", db, table);
  p = popen(cmd, "r");
  CHECK(p != NULL);
  if (fgets(line, sizeof line, p) != NULL) n = strtol(line, NULL, 10);
  CHECK(pclose(p) == 0);
  return n;
}

static int file_exists(const char* path) {
  FILE* f = fopen(path, "rb");
  if (f == NULL) return 0;
  fclose(f);
  return 1;
}

static const char* base_name(const char* path) {
  const char* slash = strrchr(path, '/');
  return slash ? slash + 1 : path;
}

/* Takes ownership of a library string: checks it, frees it. */
static void check_text(int rc, char* text, const char* must_contain) {
  CHECK(rc == IMMICHBAK_OK);
  CHECK(text != NULL);
  CHECK(strlen(text) > 0);
  if (must_contain != NULL) CHECK(strstr(text, must_contain) != NULL);
  CHECK(strstr(text, SECRET) == NULL);
  immichbak_free_string(text);
}

/* ---- callbacks ---- */

typedef struct counters {
  int logs;
  int progress;
  int bad;    /* a callback saw something impossible */
  int steps;  /* run: step_done calls */
  int binary_plans; /* backup's debug line "data: N of M table(s) read with binary COPY" */
  int binary_tables; /* the sum of their N */
} counters;

static void on_log(int level, const char* message, void* user) {
  counters* c = (counters*)user;
  c->logs++;
  if (level < IMMICHBAK_LOG_DEBUG || level > IMMICHBAK_LOG_ERROR || message == NULL) {
    fprintf(stderr, "bad log call: level %d\n", level);
    c->bad++;
  }
  if (message != NULL && strstr(message, "read with binary COPY") != NULL) {
    c->binary_plans++;
    c->binary_tables += atoi(message + strlen("data: "));
  }
  if (message != NULL && strstr(message, SECRET) != NULL) {
    fprintf(stderr, "a log message holds the password\n");
    c->bad++;
  }
}

static void on_progress(const immichbak_progress* p, void* user) {
  counters* c = (counters*)user;
  c->progress++;
  if (p == NULL || p->phase == NULL || p->item == NULL || p->elapsed_seconds < 0) {
    fprintf(stderr, "bad progress call\n");
    c->bad++;
  }
}

static void on_step(int step, const immichbak_run_result* so_far, void* user) {
  counters* c = (counters*)user;
  c->steps++;
  if (so_far == NULL || strcmp(immichbak_run_step_name(step), "unknown") == 0) {
    fprintf(stderr, "bad step_done call: step %d\n", step);
    c->bad++;
  }
  /* After a successful backup step the result so far holds the backup. */
  if (step == IMMICHBAK_STEP_BACKUP && immichbak_run_result_failure_step(so_far) == -1 &&
      immichbak_run_result_backup(so_far) == NULL) {
    fprintf(stderr, "step_done(backup) without the backup\n");
    c->bad++;
  }
}

static void set_events(immichbak_events* e, counters* c) {
  e->log = on_log;
  e->progress = on_progress;
  e->user = c;
}

typedef struct sink {
  char* data;
  size_t size;
} sink;

static size_t write_sink(const char* data, size_t size, void* user) {
  sink* s = (sink*)user;
  char* grown = (char*)realloc(s->data, s->size + size + 1);
  if (grown == NULL) return 0;
  s->data = grown;
  memcpy(s->data + s->size, data, size);
  s->size += size;
  s->data[s->size] = '\0';
  return size;
}

static size_t write_refuse(const char* data, size_t size, void* user) {
  (void)data;
  (void)size;
  (void)user;
  return 0;
}

/* ---- the parts ---- */

static void test_versions_and_errors(void) {
  immichbak_backup_options o;
  immichbak_backup_result* r = NULL;
  CHECK(immichbak_c_api_version() == IMMICHBAK_C_API_VERSION);
  CHECK(strlen(immichbak_library_version()) > 0);
  CHECK(strcmp(immichbak_error_code_name(IMMICHBAK_OK), "ok") == 0);
  CHECK(strcmp(immichbak_error_code_name(IMMICHBAK_E_CORRUPT_BACKUP), "corrupt_backup") == 0);
  CHECK(strcmp(immichbak_error_code_name(IMMICHBAK_E_INTERNAL), "internal") == 0);
  CHECK(strcmp(immichbak_error_code_name(12345), "unknown") == 0);

  /* An unknown options version is refused, with a message; success clears the error. */
  CHECK_FAILS_WITH(immichbak_backup_options_init(&o, 999), IMMICHBAK_E_INVALID_ARGUMENT);
  CHECK(strstr(immichbak_last_error_message(), "version") != NULL);
  CHECK(strcmp(immichbak_last_error_sqlstate(), "") == 0);
  CHECK_FAILS_WITH(immichbak_backup_options_init(NULL, IMMICHBAK_BACKUP_OPTIONS_VERSION), IMMICHBAK_E_INVALID_ARGUMENT);
  CHECK_OK(immichbak_backup_options_init(&o, IMMICHBAK_BACKUP_OPTIONS_VERSION));
  CHECK(immichbak_last_error_code() == IMMICHBAK_OK);
  CHECK(strcmp(immichbak_last_error_message(), "") == 0);
  CHECK(o.version == IMMICHBAK_BACKUP_OPTIONS_VERSION);
  CHECK(o.compression == IMMICHBAK_COMPRESSION_ZSTD && o.jobs == 1 && o.lock_timeout_ms == 30000);
  CHECK(o.binary_copy == 1);
  /* A caller built with version 1 has a struct without binary_copy: init writes none of it. */
  memset(&o, 0x5a, sizeof o);
  CHECK_OK(immichbak_backup_options_init(&o, 1));
  CHECK(o.version == 1 && o.jobs == 1);
  CHECK(((const unsigned char*)&o.binary_copy)[0] == 0x5a);

  /* Options never initialised (version 0) are refused by the operation, naming the init. */
  o.version = 0;
  o.dest_dir = backups;
  CHECK_FAILS_WITH(immichbak_backup(&o, &r), IMMICHBAK_E_INVALID_ARGUMENT);
  CHECK(r == NULL);
  CHECK(strstr(immichbak_last_error_message(), "_init") != NULL);
  immichbak_clear_error();
  CHECK(immichbak_last_error_code() == IMMICHBAK_OK);
  CHECK(strcmp(immichbak_last_error_message(), "") == 0);

  /* A DSN with a password that cannot connect: the password is in no message. */
  CHECK_OK(immichbak_backup_options_init(&o, IMMICHBAK_BACKUP_OPTIONS_VERSION));
  o.dsn = "host=127.0.0.1 port=1 user=nobody password=" SECRET " dbname=nothing connect_timeout=5";
  o.dest_dir = backups;
  CHECK_FAILS_WITH(immichbak_backup(&o, &r), IMMICHBAK_E_CONNECTION_FAILED);
  CHECK(strstr(immichbak_last_error_message(), SECRET) == NULL);
  CHECK(immichbak_last_error_sqlstate() != NULL);

  /* Lists with a NULL element are refused. */
  {
    const char* patterns[2];
    patterns[0] = "x";
    patterns[1] = NULL;
    CHECK_OK(immichbak_backup_options_init(&o, IMMICHBAK_BACKUP_OPTIONS_VERSION));
    o.dest_dir = backups;
    o.exclude_table_data = patterns;
    o.exclude_table_data_count = 2;
    CHECK_FAILS_WITH(immichbak_backup(&o, &r), IMMICHBAK_E_INVALID_ARGUMENT);
  }
}

static void test_helpers(void) {
  char* text = NULL;
  int64_t seconds = 0;
  immichbak_calendar_duration d;
  immichbak_env_connection* env = NULL;
  char env_path[1200];
  FILE* f;
  size_t i;

  CHECK_OK(immichbak_redact_dsn("postgresql://u:" SECRET "@h/db", &text));
  CHECK(strstr(text, "u@h/db") != NULL);
  check_text(IMMICHBAK_OK, text, NULL);
  CHECK_OK(immichbak_redact_dsn("host=h password=" SECRET, &text));
  check_text(IMMICHBAK_OK, text, "host=h");
  CHECK_FAILS_WITH(immichbak_redact_dsn("x", NULL), IMMICHBAK_E_INVALID_ARGUMENT);

  CHECK_OK(immichbak_parse_age("26h", &seconds));
  CHECK(seconds == 26 * 3600);
  CHECK_OK(immichbak_parse_age("90min", &seconds));
  CHECK(seconds == 90 * 60);
  CHECK_FAILS_WITH(immichbak_parse_age("5m", &seconds), IMMICHBAK_E_INVALID_ARGUMENT);
  CHECK_OK(immichbak_format_age(26 * 3600, &text));
  CHECK(strcmp(text, "1d2h") == 0);
  immichbak_free_string(text);

  CHECK_OK(immichbak_parse_calendar_duration("1y2m3d4h", &d));
  CHECK(d.years == 1 && d.months == 2 && d.days == 3 && d.hours == 4);
  CHECK_OK(immichbak_parse_calendar_duration("2w", &d));
  CHECK(d.days == 14 && d.years == 0);
  CHECK_FAILS_WITH(immichbak_parse_calendar_duration("soon", &d), IMMICHBAK_E_INVALID_ARGUMENT);
  CHECK(strstr(immichbak_last_error_message(), "soon") != NULL);

  CHECK(immichbak_regenerable_table_count() > 0);
  for (i = 0; i < immichbak_regenerable_table_count(); ++i) {
    CHECK(immichbak_regenerable_table_name(i) != NULL);
    CHECK(immichbak_regenerable_table_job(i) != NULL);
  }
  CHECK(immichbak_regenerable_table_name(immichbak_regenerable_table_count()) == NULL);
  CHECK(immichbak_regenerable_table_job(immichbak_regenerable_table_count()) == NULL);

  /* Immich's .env: the DSN holds the password; PGHOST etc. of the test win over the file. */
  snprintf(env_path, sizeof env_path, "%s/immich.env", work);
  f = fopen(env_path, "w");
  CHECK(f != NULL);
  fputs("# Immich\nDB_PASSWORD=" SECRET "\nDB_USERNAME=postgres\nDB_DATABASE_NAME=c_api_src\n", f);
  fclose(f);
  CHECK_OK(immichbak_connection_from_immich_env(env_path, NULL, &env));
  CHECK(strstr(immichbak_env_connection_dsn(env), SECRET) != NULL);
  CHECK(immichbak_env_connection_list_count(env, IMMICHBAK_ENV_USED) > 0);
  CHECK(immichbak_env_connection_list_item(env, IMMICHBAK_ENV_USED, 0) != NULL);
  CHECK(immichbak_env_connection_list_item(env, IMMICHBAK_ENV_USED, 1000) == NULL);
  CHECK(immichbak_env_connection_list_count(env, IMMICHBAK_ENV_DEFAULTS) > 0); /* DB_PORT unset */
  CHECK(immichbak_env_connection_list_count(env, IMMICHBAK_ENV_OVERRIDDEN) > 0); /* PGHOST */
  CHECK(immichbak_env_connection_list_count(env, 77) == 0);
  immichbak_env_connection_free(env);
  CHECK_FAILS_WITH(immichbak_connection_from_immich_env("/nonexistent/.env", NULL, &env), IMMICHBAK_E_INVALID_ARGUMENT);
  CHECK(env == NULL);
}

static void test_cancel(void) {
  immichbak_cancel_token* token = NULL;
  immichbak_backup_options o;
  immichbak_backup_result* r = NULL;
  immichbak_list_options lo;
  immichbak_backup_list* before = NULL;
  immichbak_backup_list* after = NULL;

  CHECK_OK(immichbak_cancel_token_new(&token));
  CHECK(immichbak_cancel_token_is_cancelled(token) == 0);
  immichbak_cancel_token_cancel(token);
  CHECK(immichbak_cancel_token_is_cancelled(token) == 1);

  CHECK_OK(immichbak_list_options_init(&lo, IMMICHBAK_LIST_OPTIONS_VERSION));
  lo.dir = backups;
  CHECK_OK(immichbak_list_backups(&lo, &before));

  CHECK_OK(immichbak_backup_options_init(&o, IMMICHBAK_BACKUP_OPTIONS_VERSION));
  o.dsn = "dbname=c_api_src";
  o.dest_dir = backups;
  o.prefix = "c-api";
  o.events.cancel = token;
  CHECK_FAILS_WITH(immichbak_backup(&o, &r), IMMICHBAK_E_CANCELLED);
  CHECK(r == NULL);
  CHECK_OK(immichbak_list_backups(&lo, &after));
  CHECK(immichbak_backup_list_count(after) == immichbak_backup_list_count(before)); /* nothing left behind */

  immichbak_cancel_token_reset(token);
  CHECK(immichbak_cancel_token_is_cancelled(token) == 0);
  immichbak_cancel_token_cancel(NULL);
  immichbak_cancel_token_reset(NULL);
  CHECK(immichbak_cancel_token_is_cancelled(NULL) == 0);
  immichbak_cancel_token_free(token);
  immichbak_cancel_token_free(NULL);
  immichbak_backup_list_free(before);
  immichbak_backup_list_free(after);
}

static immichbak_backup_result* take_backup(int exclusions, counters* c) {
  immichbak_backup_options o;
  immichbak_backup_result* r = NULL;
  const char* patterns[1];
  patterns[0] = "*_audit";
  CHECK_OK(immichbak_backup_options_init(&o, IMMICHBAK_BACKUP_OPTIONS_VERSION));
  o.dsn = "dbname=c_api_src";
  o.dest_dir = backups;
  o.prefix = "c-api";
  o.jobs = 2;
  o.require_immich = 1;
  if (exclusions) {
    o.binary_copy = 0; /* the server formats every row: no binary COPY plan is made */
    o.compression = IMMICHBAK_COMPRESSION_GZIP;
    o.exclude_regenerable = 1;
    o.exclude_table_data = patterns;
    o.exclude_table_data_count = 1;
  }
  set_events(&o.events, c);
  CHECK_OK(immichbak_backup(&o, &r));
  CHECK(r != NULL);
  return r;
}

static void check_backup_result(const immichbak_backup_result* r, int exclusions) {
  char* text = NULL;
  CHECK(file_exists(immichbak_backup_result_file(r)));
  CHECK(file_exists(immichbak_backup_result_sidecar(r)));
  CHECK(strstr(immichbak_backup_result_sidecar(r), ".sha256") != NULL);
  CHECK(strlen(immichbak_backup_result_sha256(r)) == 64);
  CHECK(immichbak_backup_result_bytes(r) > 0);
  CHECK(immichbak_backup_result_plain_bytes(r) > 0);
  CHECK(immichbak_backup_result_rows(r) > 0);
  CHECK(immichbak_backup_result_tables(r) > 0);
  CHECK((immichbak_backup_result_tables_excluded(r) > 0) == (exclusions != 0));
  CHECK(strcmp(immichbak_backup_result_database(r), "c_api_src") == 0);
  CHECK(immichbak_backup_result_immich_version(r) != NULL);
  CHECK(strlen(immichbak_backup_result_server_version(r)) > 0);
  CHECK(immichbak_backup_result_seconds(r) >= 0);
  CHECK_OK(immichbak_backup_result_to_json(r, &text));
  check_text(IMMICHBAK_OK, text, "\"sha256\"");
}

static void test_manifest_and_extract(const char* file, const char* excluded_file) {
  immichbak_manifest* m = NULL;
  char* text = NULL;
  size_t i;
  int found_asset = 0;
  int excluded = 0;
  sink s;
  char out_path[1200];

  CHECK_OK(immichbak_read_manifest(file, &m));
  CHECK(immichbak_manifest_format_major(m) >= 1);
  CHECK(immichbak_manifest_format_minor(m) >= 0);
  CHECK(strlen(immichbak_manifest_tool_version(m)) > 0);
  CHECK(strlen(immichbak_manifest_created_at(m)) > 0);
  CHECK(strcmp(immichbak_manifest_database(m), "c_api_src") == 0);
  CHECK(strlen(immichbak_manifest_server_version(m)) > 0);
  CHECK(strcmp(immichbak_manifest_compression(m), "zstd") == 0);
  CHECK(immichbak_manifest_immich_version(m) != NULL);
  CHECK(immichbak_manifest_frame_count(m) > 0);
  CHECK(immichbak_manifest_table_count(m) > 0);
  for (i = 0; i < immichbak_manifest_table_count(m); ++i) {
    CHECK(immichbak_manifest_table_schema(m, i) != NULL);
    CHECK(strlen(immichbak_manifest_table_content_hash(m, i)) > 0);
    CHECK(immichbak_manifest_table_data_excluded(m, i) == 0);
    if (strcmp(immichbak_manifest_table_name(m, i), "asset") == 0) {
      found_asset = 1;
      CHECK(strcmp(immichbak_manifest_table_schema(m, i), "public") == 0);
      CHECK((long)immichbak_manifest_table_rows(m, i) == psql_count("c_api_src", "asset"));
      CHECK(immichbak_manifest_table_stored_bytes(m, i) > 0);
    }
  }
  CHECK(found_asset);
  CHECK(immichbak_manifest_table_name(m, immichbak_manifest_table_count(m)) == NULL);
  CHECK(immichbak_manifest_table_rows(m, immichbak_manifest_table_count(m)) == 0);
  CHECK_OK(immichbak_manifest_to_json(m, &text));
  check_text(IMMICHBAK_OK, text, "\"tables\"");
  CHECK_OK(immichbak_manifest_to_text(m, &text));
  check_text(IMMICHBAK_OK, text, "asset");
  immichbak_manifest_free(m);

  CHECK_OK(immichbak_read_manifest(excluded_file, &m));
  CHECK(strcmp(immichbak_manifest_compression(m), "gzip") == 0);
  for (i = 0; i < immichbak_manifest_table_count(m); ++i) excluded += immichbak_manifest_table_data_excluded(m, i);
  CHECK(excluded > 0);
  immichbak_manifest_free(m);

  /* Not a backup: an error code and a message; the out pointer stays NULL. */
  CHECK(immichbak_read_manifest("/nonexistent/file.sql.zst", &m) != IMMICHBAK_OK);
  CHECK(m == NULL);
  CHECK(strlen(immichbak_last_error_message()) > 0);
  {
    char env_path[1200];
    snprintf(env_path, sizeof env_path, "%s/immich.env", work);
    CHECK_FAILS_WITH(immichbak_read_manifest(env_path, &m), IMMICHBAK_E_NOT_A_BACKUP);
  }

  /* Extract through the write callback, to a file, and the failures. */
  s.data = NULL;
  s.size = 0;
  CHECK_OK(immichbak_extract_table(file, "public.asset", write_sink, &s));
  CHECK(s.size > 0);
  CHECK(strstr(s.data, "CREATE TABLE") != NULL);
  CHECK(strstr(s.data, "COPY") != NULL);
  free(s.data);
  CHECK_FAILS_WITH(immichbak_extract_table(file, "asset", write_refuse, NULL), IMMICHBAK_E_IO_ERROR);
  CHECK_FAILS_WITH(immichbak_extract_table(file, "no_such_table", write_refuse, NULL), IMMICHBAK_E_INVALID_ARGUMENT);
  CHECK(strstr(immichbak_last_error_message(), "no_such_table") != NULL);
  CHECK_FAILS_WITH(immichbak_extract_table(file, "asset", NULL, NULL), IMMICHBAK_E_INVALID_ARGUMENT);
  snprintf(out_path, sizeof out_path, "%s/asset.sql", work);
  CHECK_OK(immichbak_extract_table_to_file(file, "asset", out_path));
  CHECK(file_exists(out_path));
  CHECK(immichbak_extract_table_to_file(file, "asset", "/nonexistent/dir/x.sql") != IMMICHBAK_OK);
}

static void check_report(const immichbak_verify_report* r, const char* file) {
  size_t i;
  uint64_t offset = 0;
  char* text = NULL;
  CHECK(immichbak_verify_report_ok(r) == 1);
  CHECK(strcmp(immichbak_verify_report_file(r), file) == 0);
  CHECK(immichbak_verify_report_check_count(r) > 0);
  for (i = 0; i < immichbak_verify_report_check_count(r); ++i) {
    int status = immichbak_verify_report_check_status(r, i);
    CHECK(strlen(immichbak_verify_report_check_name(r, i)) > 0);
    CHECK(status >= IMMICHBAK_CHECK_PASS && status <= IMMICHBAK_CHECK_SKIPPED);
    CHECK(status != IMMICHBAK_CHECK_FAIL);
    CHECK(strcmp(immichbak_check_status_name(status), "unknown") != 0);
    CHECK(immichbak_verify_report_check_detail(r, i) != NULL);
    CHECK(immichbak_verify_report_check_table(r, i) != NULL);
    (void)immichbak_verify_report_check_offset(r, i, &offset);
    (void)immichbak_verify_report_check_offset(r, i, NULL);
  }
  i = immichbak_verify_report_check_count(r);
  CHECK(immichbak_verify_report_check_name(r, i) == NULL);
  CHECK(immichbak_verify_report_check_status(r, i) == -1);
  CHECK(immichbak_verify_report_check_detail(r, i) == NULL);
  CHECK(immichbak_verify_report_check_table(r, i) == NULL);
  CHECK(immichbak_verify_report_check_offset(r, i, &offset) == 0);
  CHECK(strcmp(immichbak_check_status_name(IMMICHBAK_CHECK_PASS), "pass") == 0);
  CHECK(strcmp(immichbak_check_status_name(42), "unknown") == 0);
  CHECK_OK(immichbak_verify_report_to_json(r, &text));
  check_text(IMMICHBAK_OK, text, "\"checks\"");
  CHECK_OK(immichbak_verify_report_to_text(r, &text));
  check_text(IMMICHBAK_OK, text, NULL);
}

static void test_verify(const char* file, const char* file_b, counters* c) {
  immichbak_verify_options o;
  immichbak_verify_report* r = NULL;
  immichbak_media_root roots[1];

  CHECK_FAILS_WITH(immichbak_verify_options_init(&o, 0), IMMICHBAK_E_INVALID_ARGUMENT);
  CHECK_OK(immichbak_verify_options_init(&o, IMMICHBAK_VERIFY_OPTIONS_VERSION));
  CHECK(o.media_sample == 20 && o.jobs == 1);
  o.file = file;
  set_events(&o.events, c);
  CHECK_OK(immichbak_verify(&o, &r));
  check_report(r, file);
  CHECK(immichbak_verify_report_has_immich(r) == 0);
  CHECK(immichbak_verify_report_immich_version(r) == NULL);
  CHECK(immichbak_verify_report_immich_count(r, IMMICHBAK_IMMICH_ASSETS) == 0);
  immichbak_verify_report_free(r);

  /* The restore test: a scratch database on the cluster, with the Immich summary. */
  o.restore_test = 1;
  o.dsn = "dbname=postgres";
  o.jobs = 2;
  roots[0].server_prefix = "/usr/src/app/upload";
  roots[0].local_prefix = work; /* no media there: the sample finds nothing, a warning at most */
  o.media_roots = roots;
  o.media_roots_count = 1;
  o.media_sample = 0;
  CHECK_OK(immichbak_verify(&o, &r));
  check_report(r, file);
  CHECK(immichbak_verify_report_has_immich(r) == 1);
  CHECK(immichbak_verify_report_immich_version(r) != NULL);
  CHECK(immichbak_verify_report_immich_migration(r) != NULL);
  CHECK(immichbak_verify_report_immich_admin_exists(r) == 0 || immichbak_verify_report_immich_admin_exists(r) == 1);
  /* Immich's counts leave out deleted rows: at most the table's. */
  CHECK(immichbak_verify_report_immich_count(r, IMMICHBAK_IMMICH_ASSETS) > 0);
  CHECK((long)immichbak_verify_report_immich_count(r, IMMICHBAK_IMMICH_ASSETS) <= psql_count("c_api_src", "asset"));
  CHECK((long)immichbak_verify_report_immich_count(r, IMMICHBAK_IMMICH_USERS) <= psql_count("c_api_src", "users"));
  (void)immichbak_verify_report_immich_count(r, IMMICHBAK_IMMICH_ALBUMS);
  (void)immichbak_verify_report_immich_count(r, IMMICHBAK_IMMICH_FACES);
  (void)immichbak_verify_report_immich_count(r, IMMICHBAK_IMMICH_PEOPLE);
  CHECK(immichbak_verify_report_immich_count(r, 99) == 0);
  immichbak_verify_report_free(r);

  /* The second backup, offline, so both count for the retention rules. */
  CHECK_OK(immichbak_verify_options_init(&o, IMMICHBAK_VERIFY_OPTIONS_VERSION));
  o.file = file_b;
  CHECK_OK(immichbak_verify(&o, &r));
  CHECK(immichbak_verify_report_ok(r) == 1);
  immichbak_verify_report_free(r);

  o.file = "/nonexistent/backup.sql.zst";
  CHECK(immichbak_verify(&o, &r) != IMMICHBAK_OK);
  CHECK(r == NULL);
  immichbak_verify_report_free(NULL);
}

static void test_restore(const char* file_b, counters* c) {
  immichbak_restore_options o;
  immichbak_restore_result* r = NULL;
  char* text = NULL;
  size_t i;
  const char* kept;
  char drop[512];

  shell("psql -XAq -d postgres -c 'DROP DATABASE IF EXISTS %s'", "c_api_restored");
  /* Version 1 had another layout (replace/drop_old/in_place): refused, never misread. */
  CHECK_FAILS_WITH(immichbak_restore_options_init(&o, 1), IMMICHBAK_E_INVALID_ARGUMENT);
  CHECK(strstr(immichbak_last_error_message(), "layout changed") != NULL);
  CHECK_OK(immichbak_restore_options_init(&o, IMMICHBAK_RESTORE_OPTIONS_VERSION));
  CHECK(o.check_content == 1 && o.check_readback == 0 && o.jobs == 1 && o.mode == IMMICHBAK_RESTORE_NEW_DATABASE);
  o.version = 1;
  o.file = file_b;
  CHECK_FAILS_WITH(immichbak_restore(&o, &r), IMMICHBAK_E_INVALID_ARGUMENT);
  o.version = IMMICHBAK_RESTORE_OPTIONS_VERSION;
  o.file = file_b;
  o.dsn = "dbname=c_api_restored";
  o.jobs = 2;
  o.check_readback = 1;
  set_events(&o.events, c);
  CHECK_OK(immichbak_restore(&o, &r));
  CHECK(strcmp(immichbak_restore_result_database(r), "c_api_restored") == 0);
  CHECK(immichbak_restore_result_kept_old_database(r) == NULL);
  CHECK(immichbak_restore_result_rows(r) > 0);
  CHECK(immichbak_restore_result_tables(r) > 0);
  CHECK(immichbak_restore_result_seconds(r) >= 0);
  CHECK(immichbak_restore_result_plain_sql(r) == 0);
  for (i = 0; i < immichbak_restore_result_warning_count(r); ++i) CHECK(immichbak_restore_result_warning(r, i) != NULL);
  CHECK(immichbak_restore_result_warning(r, immichbak_restore_result_warning_count(r)) == NULL);
  CHECK(immichbak_restore_result_immich_job_count(r) > 0); /* the backup left regenerable rows out */
  CHECK(immichbak_restore_result_immich_job(r, 0) != NULL);
  CHECK(immichbak_restore_result_immich_job(r, immichbak_restore_result_immich_job_count(r)) == NULL);
  CHECK_OK(immichbak_restore_result_to_json(r, &text));
  check_text(IMMICHBAK_OK, text, "c_api_restored");
  immichbak_restore_result_free(r);
  CHECK(psql_count("c_api_restored", "asset") == psql_count("c_api_src", "asset"));
  CHECK(psql_count("c_api_restored", "album") == psql_count("c_api_src", "album"));
  CHECK(psql_count("c_api_restored", "smart_search") == 0); /* regenerable: excluded */

  /* Again: the target is not empty now. */
  o.check_readback = 0;
  CHECK_FAILS_WITH(immichbak_restore(&o, &r), IMMICHBAK_E_TARGET_NOT_EMPTY);
  CHECK(r == NULL);
  /* With replace: the old one is kept under another name. */
  o.mode = IMMICHBAK_RESTORE_REPLACE;
  CHECK_OK(immichbak_restore(&o, &r));
  kept = immichbak_restore_result_kept_old_database(r);
  CHECK(kept != NULL && strstr(kept, "c_api_restored") == kept);
  snprintf(drop, sizeof drop, "psql -XAq -d postgres -c 'DROP DATABASE \"%s\"'", kept);
  CHECK(system(drop) == 0);
  immichbak_restore_result_free(r);
  immichbak_restore_result_free(NULL);

  /* A mode that is not an immichbak_restore_mode is refused before anything happens. */
  o.mode = 42;
  CHECK_FAILS_WITH(immichbak_restore(&o, &r), IMMICHBAK_E_INVALID_ARGUMENT);
  CHECK(strstr(immichbak_last_error_message(), "mode 42") != NULL);
  o.mode = IMMICHBAK_RESTORE_REPLACE;

  o.file = "/nonexistent/backup.sql.zst";
  CHECK(immichbak_restore(&o, &r) != IMMICHBAK_OK);
}

static void test_list(const char* file_a, size_t* count_out) {
  immichbak_list_options o;
  immichbak_backup_list* l = NULL;
  char* text = NULL;
  size_t i;
  int found = 0;

  CHECK_FAILS_WITH(immichbak_list_options_init(&o, 2), IMMICHBAK_E_INVALID_ARGUMENT);
  CHECK_OK(immichbak_list_options_init(&o, IMMICHBAK_LIST_OPTIONS_VERSION));
  o.dir = backups;
  CHECK_OK(immichbak_list_backups(&o, &l));
  CHECK(immichbak_backup_list_count(l) >= 2);
  for (i = 0; i < immichbak_backup_list_count(l); ++i) {
    int kind = immichbak_backup_list_kind(l, i);
    int state = immichbak_backup_list_verification(l, i);
    CHECK(strcmp(immichbak_entry_kind_name(kind), "unknown") != 0);
    CHECK(strcmp(immichbak_verify_state_name(state), "unknown") != 0);
    CHECK(immichbak_backup_list_problem(l, i) != NULL);
    CHECK(strstr(immichbak_backup_list_path(l, i), immichbak_backup_list_name(l, i)) != NULL);
    if (strcmp(immichbak_backup_list_name(l, i), base_name(file_a)) == 0) {
      found = 1;
      CHECK(kind == IMMICHBAK_ENTRY_BACKUP);
      CHECK(state == IMMICHBAK_VERIFY_PASSED);
      CHECK(strcmp(immichbak_backup_list_prefix(l, i), "c-api") == 0);
      CHECK(immichbak_backup_list_time(l, i) > 1600000000);
      CHECK(immichbak_backup_list_bytes(l, i) > 0);
      CHECK(immichbak_backup_list_rows(l, i) > 0);
      CHECK(strcmp(immichbak_backup_list_database(l, i), "c_api_src") == 0);
    }
  }
  CHECK(found);
  i = immichbak_backup_list_count(l);
  CHECK(immichbak_backup_list_name(l, i) == NULL && immichbak_backup_list_kind(l, i) == -1);
  CHECK(immichbak_backup_list_verification(l, i) == -1 && immichbak_backup_list_time(l, i) == 0);
  CHECK(strcmp(immichbak_entry_kind_name(IMMICHBAK_ENTRY_PARTIAL), "partial") == 0);
  CHECK(strcmp(immichbak_verify_state_name(IMMICHBAK_VERIFY_OUTDATED), "outdated") == 0);
  CHECK_OK(immichbak_backup_list_to_json(l, &text));
  check_text(IMMICHBAK_OK, text, base_name(file_a));
  CHECK_OK(immichbak_backup_list_to_text(l, &text));
  check_text(IMMICHBAK_OK, text, NULL);
  *count_out = immichbak_backup_list_count(l);
  immichbak_backup_list_free(l);
  immichbak_backup_list_free(NULL);

  o.dir = "/nonexistent/dir";
  CHECK_FAILS_WITH(immichbak_list_backups(&o, &l), IMMICHBAK_E_IO_ERROR);
  CHECK(l == NULL);
}

static void test_prune(const char* file_a, const char* file_b, counters* c) {
  immichbak_prune_options o;
  immichbak_prune_result* r = NULL;
  char* text = NULL;
  size_t i;
  int saw_a = 0;

  CHECK_OK(immichbak_prune_options_init(&o, IMMICHBAK_PRUNE_OPTIONS_VERSION));
  CHECK(o.policy.partial_max_age_seconds == 86400 && o.policy.keep_last == 0);
  o.dir = backups;
  /* No rule: refused. A duration that does not parse: refused, naming it. */
  CHECK_FAILS_WITH(immichbak_prune(&o, &r), IMMICHBAK_E_INVALID_ARGUMENT);
  o.policy.keep_within = "forever";
  CHECK_FAILS_WITH(immichbak_prune(&o, &r), IMMICHBAK_E_INVALID_ARGUMENT);
  CHECK(strstr(immichbak_last_error_message(), "forever") != NULL);
  o.policy.keep_within = NULL;

  o.policy.keep_last = 1;
  o.policy.prefix = "c-api";
  o.dry_run = 1;
  set_events(&o.events, c);
  CHECK_OK(immichbak_prune(&o, &r));
  CHECK(immichbak_prune_result_dry_run(r) == 1);
  CHECK(immichbak_prune_result_ok(r) == 1);
  CHECK(immichbak_prune_result_count(r, IMMICHBAK_PLAN_KEEP) == 1);
  CHECK(immichbak_prune_result_count(r, IMMICHBAK_PLAN_REMOVE) == 1);
  CHECK(immichbak_prune_result_count(r, 17) == 0);
  CHECK(immichbak_prune_result_bytes_to_free(r) > 0);
  CHECK(immichbak_prune_result_bytes_freed(r) == 0);
  CHECK(immichbak_prune_result_entry_count(r) >= 2);
  for (i = 0; i < immichbak_prune_result_entry_count(r); ++i) {
    int action = immichbak_prune_result_entry_action(r, i);
    size_t j;
    CHECK(strcmp(immichbak_plan_action_name(action), "unknown") != 0);
    for (j = 0; j < immichbak_prune_result_entry_reason_count(r, i); ++j)
      CHECK(strlen(immichbak_prune_result_entry_reason(r, i, j)) > 0);
    CHECK(immichbak_prune_result_entry_reason(r, i, immichbak_prune_result_entry_reason_count(r, i)) == NULL);
    if (strcmp(immichbak_prune_result_entry_name(r, i), base_name(file_a)) == 0) {
      saw_a = 1;
      CHECK(action == IMMICHBAK_PLAN_REMOVE);
    }
    if (strcmp(immichbak_prune_result_entry_name(r, i), base_name(file_b)) == 0) {
      CHECK(action == IMMICHBAK_PLAN_KEEP);
      CHECK(immichbak_prune_result_entry_reason_count(r, i) > 0);
    }
  }
  CHECK(saw_a);
  CHECK(immichbak_prune_result_entry_name(r, immichbak_prune_result_entry_count(r)) == NULL);
  CHECK(immichbak_prune_result_entry_action(r, immichbak_prune_result_entry_count(r)) == -1);
  CHECK(strcmp(immichbak_plan_action_name(IMMICHBAK_PLAN_UNTOUCHED), "untouched") == 0);
  CHECK_OK(immichbak_prune_result_to_json(r, &text));
  check_text(IMMICHBAK_OK, text, base_name(file_a));
  CHECK_OK(immichbak_prune_result_to_text(r, &text));
  check_text(IMMICHBAK_OK, text, NULL);
  immichbak_prune_result_free(r);
  CHECK(file_exists(file_a)); /* a dry run touches nothing */

  o.dry_run = 0;
  CHECK_OK(immichbak_prune(&o, &r));
  CHECK(immichbak_prune_result_dry_run(r) == 0);
  CHECK(immichbak_prune_result_ok(r) == 1);
  CHECK(immichbak_prune_result_bytes_freed(r) > 0);
  immichbak_prune_result_free(r);
  immichbak_prune_result_free(NULL);
  CHECK(!file_exists(file_a));
  CHECK(file_exists(file_b));
}

static void test_check_age(const char* file_b) {
  immichbak_check_age_options o;
  immichbak_age_check_result* r = NULL;
  char* text = NULL;
  int64_t age = -1;

  CHECK_OK(immichbak_check_age_options_init(&o, IMMICHBAK_CHECK_AGE_OPTIONS_VERSION));
  CHECK(o.max_age_seconds == 26 * 3600 && o.warn_age_seconds == 0);
  o.dir = backups;
  o.prefix = "c-api";
  o.warn_age_seconds = 25 * 3600;
  CHECK_OK(immichbak_check_backup_age(&o, &r));
  CHECK(immichbak_age_check_result_status(r) == IMMICHBAK_AGE_OK);
  CHECK(strlen(immichbak_age_check_result_message(r)) > 0);
  CHECK(immichbak_age_check_result_age(r, &age) == 1);
  CHECK(age >= 0 && age < 3600);
  CHECK(immichbak_age_check_result_age(r, NULL) == 1);
  CHECK(strcmp(immichbak_age_check_result_newest_good(r), base_name(file_b)) == 0);
  CHECK_OK(immichbak_age_check_result_to_json(r, &text));
  check_text(IMMICHBAK_OK, text, "OK");
  CHECK_OK(immichbak_age_check_result_to_text(r, &text));
  check_text(IMMICHBAK_OK, text, "IMMICHBAK OK");
  immichbak_age_check_result_free(r);

  /* A month from now, the backup is too old. */
  o.now = (int64_t)time(NULL) + 30 * 86400;
  CHECK_OK(immichbak_check_backup_age(&o, &r));
  CHECK(immichbak_age_check_result_status(r) == IMMICHBAK_AGE_CRITICAL);
  CHECK(immichbak_age_check_result_age(r, &age) == 1 && age > 29 * 86400);
  immichbak_age_check_result_free(r);
  /* No backup of this prefix at all. */
  o.now = 0;
  o.prefix = "no-such-prefix";
  CHECK_OK(immichbak_check_backup_age(&o, &r));
  CHECK(immichbak_age_check_result_status(r) == IMMICHBAK_AGE_CRITICAL);
  CHECK(immichbak_age_check_result_age(r, &age) == 0);
  CHECK(immichbak_age_check_result_newest_good(r) == NULL);
  immichbak_age_check_result_free(r);
  immichbak_age_check_result_free(NULL);
  CHECK(strcmp(immichbak_age_status_name(IMMICHBAK_AGE_CRITICAL), "CRITICAL") == 0);
  CHECK(strcmp(immichbak_age_status_name(9), "unknown") == 0);
  CHECK(immichbak_age_check_result_status(NULL) == IMMICHBAK_AGE_UNKNOWN);

  o.version = 3;
  CHECK_FAILS_WITH(immichbak_check_backup_age(&o, &r), IMMICHBAK_E_INVALID_ARGUMENT);
}

static void test_run(counters* c) {
  immichbak_run_options o;
  immichbak_run_result* r = NULL;
  const immichbak_backup_result* b;
  const immichbak_verify_report* v;
  const immichbak_prune_result* p;
  char* text = NULL;
  char metrics[1200];

  snprintf(metrics, sizeof metrics, "%s/immichbak.prom", work);
  /* Version 1 embedded the smaller backup options version 1: refused, never misread. */
  CHECK_FAILS_WITH(immichbak_run_options_init(&o, 1), IMMICHBAK_E_INVALID_ARGUMENT);
  CHECK(strstr(immichbak_last_error_message(), "layout changed") != NULL);
  CHECK_OK(immichbak_run_options_init(&o, IMMICHBAK_RUN_OPTIONS_VERSION));
  CHECK(o.backup.version == IMMICHBAK_BACKUP_OPTIONS_VERSION && o.backup.binary_copy == 1);
  CHECK(o.restore_test_every_seconds == -1 && o.hook_timeout_seconds == 300);
  o.backup.dsn = "dbname=c_api_src";
  o.backup.dest_dir = backups;
  o.backup.prefix = "c-run";
  o.retention.keep_last = 1;
  o.retention.prefix = "c-run";
  o.metrics_file = metrics;
  o.on_success = "cat >/dev/null";
  o.step_done = on_step;
  set_events(&o.events, c);
  c->steps = 0;
  CHECK_OK(immichbak_run(&o, &r));
  CHECK(immichbak_run_result_ok(r) == 1);
  CHECK(immichbak_run_result_exit_code(r) == 0);
  CHECK(c->steps == 3);
  b = immichbak_run_result_backup(r);
  CHECK(b != NULL && file_exists(immichbak_backup_result_file(b)));
  v = immichbak_run_result_verify(r);
  CHECK(v != NULL && immichbak_verify_report_ok(v) == 1);
  p = immichbak_run_result_prune(r);
  CHECK(p != NULL && immichbak_prune_result_count(p, IMMICHBAK_PLAN_KEEP) == 1);
  CHECK(immichbak_run_result_restore_test(r) == 0);
  CHECK(immichbak_run_result_failure_step(r) == -1);
  CHECK(immichbak_run_result_failure_code(r) == NULL);
  CHECK(immichbak_run_result_failure_message(r) == NULL);
  CHECK(strcmp(immichbak_run_result_metrics_problem(r), "") == 0);
  CHECK(file_exists(metrics));
  CHECK_OK(immichbak_run_result_to_json(r, &text));
  check_text(IMMICHBAK_OK, text, "c-run");
  CHECK_OK(immichbak_run_result_to_text(r, &text));
  check_text(IMMICHBAK_OK, text, NULL);
  CHECK_OK(immichbak_run_result_to_prometheus(r, &text));
  check_text(IMMICHBAK_OK, text, "immichbak_");
  immichbak_run_result_free(r);

  /* A failed backup is a result, not an error: no password in it. */
  o.backup.dsn = "host=127.0.0.1 port=1 user=nobody password=" SECRET " dbname=nothing connect_timeout=5";
  o.metrics_file = NULL;
  o.on_success = NULL;
  c->steps = 0;
  CHECK_OK(immichbak_run(&o, &r));
  CHECK(immichbak_run_result_ok(r) == 0);
  CHECK(immichbak_run_result_exit_code(r) == 1);
  CHECK(immichbak_run_result_failure_step(r) == IMMICHBAK_STEP_BACKUP);
  CHECK(strcmp(immichbak_run_result_failure_code(r), "connection_failed") == 0);
  CHECK(strstr(immichbak_run_result_failure_message(r), SECRET) == NULL);
  CHECK(immichbak_run_result_backup(r) == NULL);
  CHECK(immichbak_run_result_verify(r) == NULL);
  CHECK(immichbak_run_result_prune(r) == NULL);
  CHECK_OK(immichbak_run_result_to_json(r, &text));
  check_text(IMMICHBAK_OK, text, "connection_failed");
  immichbak_run_result_free(r);
  immichbak_run_result_free(NULL);
  CHECK(strcmp(immichbak_run_step_name(IMMICHBAK_STEP_PRUNE), "prune") == 0);
  CHECK(strcmp(immichbak_run_step_name(-1), "unknown") == 0);
  CHECK(immichbak_run_result_exit_code(NULL) == 1);

  CHECK_FAILS_WITH(immichbak_run_options_init(&o, 5), IMMICHBAK_E_INVALID_ARGUMENT);
}

static void test_null_handles(void) {
  char* text = (char*)"sentinel";
  CHECK(immichbak_backup_result_file(NULL) == NULL);
  CHECK(immichbak_backup_result_rows(NULL) == 0);
  CHECK(immichbak_verify_report_ok(NULL) == 0);
  CHECK(immichbak_manifest_table_count(NULL) == 0);
  CHECK(immichbak_backup_list_count(NULL) == 0);
  CHECK(immichbak_prune_result_ok(NULL) == 0);
  CHECK(immichbak_run_result_ok(NULL) == 0);
  CHECK(immichbak_env_connection_dsn(NULL) == NULL);
  CHECK_FAILS_WITH(immichbak_manifest_to_json(NULL, &text), IMMICHBAK_E_INVALID_ARGUMENT);
  CHECK(text == NULL); /* the out parameter is reset before anything can fail */
  immichbak_backup_result_free(NULL);
  immichbak_manifest_free(NULL);
  immichbak_env_connection_free(NULL);
  immichbak_free_string(NULL);
}

int main(int argc, char** argv) {
  counters c;
  immichbak_backup_result* a;
  immichbak_backup_result* b;
  char file_a[1200];
  char file_b[1200];
  size_t listed = 0;
  const char* fixture = getenv("IMMICHBAK_FIXTURE_DB");

  if (argc != 2) {
    fprintf(stderr, "usage: test_c_api WORKDIR\n");
    return 2;
  }
  CHECK(fixture != NULL);
  snprintf(work, sizeof work, "%s", argv[1]);
  snprintf(backups, sizeof backups, "%s/backups", work);
  shell("rm -rf '%s'", work);
  shell("mkdir -p '%s'", backups);
  shell("\"$IMMICHBAK_FIXTURE_DB\" %s", "c_api_src");
  memset(&c, 0, sizeof c);

  test_versions_and_errors();
  test_helpers();
  test_cancel();

  a = take_backup(0, &c);
  CHECK(c.progress > 0);
  CHECK(c.binary_plans == 1 && c.binary_tables > 0); /* binary COPY is the default */
  check_backup_result(a, 0);
  sleep(1); /* a later snapshot second: the two backups' order is certain */
  b = take_backup(1, &c);
  check_backup_result(b, 1);
  CHECK(c.binary_plans == 1);
  snprintf(file_a, sizeof file_a, "%s", immichbak_backup_result_file(a));
  snprintf(file_b, sizeof file_b, "%s", immichbak_backup_result_file(b));
  immichbak_backup_result_free(a);
  immichbak_backup_result_free(b);

  test_manifest_and_extract(file_a, file_b);
  test_verify(file_a, file_b, &c);
  test_restore(file_b, &c);
  test_list(file_a, &listed);
  test_prune(file_a, file_b, &c);
  test_check_age(file_b);
  test_run(&c);
  test_null_handles();

  CHECK(c.logs > 0);
  CHECK(c.bad == 0);
  shell("psql -XAq -d postgres -c 'DROP DATABASE IF EXISTS %s'", "c_api_restored");
  printf("test_c_api: all checks passed (%d log messages, %d progress steps, %lu entries listed)\n", c.logs, c.progress,
         (unsigned long)listed);
  return 0;
}
