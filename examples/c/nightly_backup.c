/* nightly_backup: the nightly job from C through immichbak.h.
 *
 *   nightly_backup DSN BACKUP_DIR RESTORE_DB
 *
 * Backs up the database DSN names into BACKUP_DIR (printing progress), verifies the new file,
 * prunes BACKUP_DIR keeping one backup per day for a week, then restores the new backup into
 * a new database RESTORE_DB on the same server (a restore drill). Ctrl-C cancels cleanly: the
 * signal handler raises the cancel token, and the operation undoes what it started.
 *
 * Build: cc -std=c99 nightly_backup.c $(pkg-config --cflags --libs immichbak-c)
 * (docs/c-api.md; the static library needs `pkg-config --static` and the C++ runtime). */
#include <immichbak.h>

#include <signal.h>
#include <stdio.h>
#include <string.h>

static immichbak_cancel_token* cancel_token;

/* Async-signal-safe: immichbak_cancel_token_cancel() is one lock-free atomic store. */
static void on_signal(int sig) {
  (void)sig;
  immichbak_cancel_token_cancel(cancel_token);
}

static void on_log(int level, const char* message, void* user) {
  (void)user;
  if (level >= IMMICHBAK_LOG_INFO) fprintf(stderr, "  [%s] %s\n", level >= IMMICHBAK_LOG_WARNING ? "warn" : "info", message);
}

/* Progress arrives often; print only when the phase changes and every 25 %. */
static void on_progress(const immichbak_progress* p, void* user) {
  static char phase[64];
  static int last_quarter = -1;
  int quarter = p->bytes_total ? (int)(p->bytes_done * 4 / p->bytes_total) : -1;
  (void)user;
  if (strncmp(phase, p->phase, sizeof phase - 1) != 0) {
    strncpy(phase, p->phase, sizeof phase - 1);
    last_quarter = -1;
    printf("  %s ...\n", p->phase);
  }
  if (quarter >= 0 && quarter != last_quarter) {
    last_quarter = quarter;
    printf("  %s %3d%% (%.1fs)\n", p->phase, quarter * 25, p->elapsed_seconds);
  }
}

/* Every failed call leaves its message in the thread's last error; it never holds a password. */
static int fail(const char* what, int rc) {
  fprintf(stderr, "%s failed: %s (%s)\n", what, immichbak_last_error_message(), immichbak_error_code_name(rc));
  return rc == IMMICHBAK_E_CANCELLED ? 130 : 1;
}

int main(int argc, char** argv) {
  immichbak_events events;
  immichbak_backup_options bo;
  immichbak_verify_options vo;
  immichbak_prune_options po;
  immichbak_restore_options ro;
  immichbak_backup_result* backup = NULL;
  immichbak_verify_report* report = NULL;
  immichbak_prune_result* pruned = NULL;
  immichbak_restore_result* restored = NULL;
  char* safe_dsn = NULL;
  char restore_dsn[512];
  int rc;
  int exit_code = 1;

  if (argc != 4) {
    fprintf(stderr, "usage: nightly_backup DSN BACKUP_DIR RESTORE_DB\n");
    return 2;
  }
  if (immichbak_cancel_token_new(&cancel_token) != IMMICHBAK_OK) return 1;
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  memset(&events, 0, sizeof events);
  events.log = on_log;
  events.progress = on_progress;
  events.cancel = cancel_token;

  /* Connection strings are shown to people only redacted. */
  if ((rc = immichbak_redact_dsn(argv[1], &safe_dsn)) != IMMICHBAK_OK) return fail("redact", rc);
  printf("immichbak %s: backing up %s into %s\n", immichbak_library_version(), safe_dsn, argv[2]);
  immichbak_free_string(safe_dsn);

  /* 1. Back up. Options are initialised with their version, then the fields we need. */
  immichbak_backup_options_init(&bo, IMMICHBAK_BACKUP_OPTIONS_VERSION);
  bo.dsn = argv[1];
  bo.dest_dir = argv[2];
  bo.jobs = 2;
  bo.events = events;
  if ((rc = immichbak_backup(&bo, &backup)) != IMMICHBAK_OK) {
    exit_code = fail("backup", rc);
    goto done;
  }
  printf("backup: %s (%lu bytes, %lu rows, %lu tables)\n", immichbak_backup_result_file(backup),
         (unsigned long)immichbak_backup_result_bytes(backup), (unsigned long)immichbak_backup_result_rows(backup),
         (unsigned long)immichbak_backup_result_tables(backup));

  /* 2. Verify: findings are in the report, an error only means it could not look at all. */
  immichbak_verify_options_init(&vo, IMMICHBAK_VERIFY_OPTIONS_VERSION);
  vo.file = immichbak_backup_result_file(backup);
  vo.events = events;
  if ((rc = immichbak_verify(&vo, &report)) != IMMICHBAK_OK) {
    exit_code = fail("verify", rc);
    goto done;
  }
  if (!immichbak_verify_report_ok(report)) {
    size_t i;
    for (i = 0; i < immichbak_verify_report_check_count(report); ++i)
      if (immichbak_verify_report_check_status(report, i) == IMMICHBAK_CHECK_FAIL)
        fprintf(stderr, "verify: %s: %s\n", immichbak_verify_report_check_name(report, i),
                immichbak_verify_report_check_detail(report, i));
    exit_code = 3; /* as `immichbak verify`: the backup has problems; do not prune */
    goto done;
  }
  printf("verify: OK (%lu checks)\n", (unsigned long)immichbak_verify_report_check_count(report));

  /* 3. Prune: one backup per day for a week (only verified backups count). */
  immichbak_prune_options_init(&po, IMMICHBAK_PRUNE_OPTIONS_VERSION);
  po.dir = argv[2];
  po.policy.keep_daily = 7;
  po.events = events;
  if ((rc = immichbak_prune(&po, &pruned)) != IMMICHBAK_OK) {
    exit_code = fail("prune", rc);
    goto done;
  }
  printf("prune: kept %lu, removed %lu (%lu bytes freed)\n",
         (unsigned long)immichbak_prune_result_count(pruned, IMMICHBAK_PLAN_KEEP),
         (unsigned long)immichbak_prune_result_count(pruned, IMMICHBAK_PLAN_REMOVE),
         (unsigned long)immichbak_prune_result_bytes_freed(pruned));

  /* 4. Restore drill: the new backup into a new database (all or nothing). The target is
   *    named by its own dbname; libpq takes the later of two dbname settings, so the rest of
   *    DSN (host, user, password) still applies. */
  snprintf(restore_dsn, sizeof restore_dsn, "%s dbname=%s", argv[1], argv[3]);
  immichbak_restore_options_init(&ro, IMMICHBAK_RESTORE_OPTIONS_VERSION);
  ro.file = immichbak_backup_result_file(backup);
  ro.dsn = strchr(argv[1], '=') ? restore_dsn : argv[3]; /* a keyword=value DSN, or a bare name */
  ro.jobs = 2;
  ro.events = events;
  if ((rc = immichbak_restore(&ro, &restored)) != IMMICHBAK_OK) {
    exit_code = fail("restore", rc);
    goto done;
  }
  printf("restore: %lu rows into %s, checked against the manifest\n",
         (unsigned long)immichbak_restore_result_rows(restored), immichbak_restore_result_database(restored));
  exit_code = 0;

done:
  immichbak_restore_result_free(restored);
  immichbak_prune_result_free(pruned);
  immichbak_verify_report_free(report);
  immichbak_backup_result_free(backup);
  immichbak_cancel_token_free(cancel_token);
  return exit_code;
}
