// immichbak::restore(): dispatch (immichbak backup or plain SQL) and the three modes.
//
//   scratch (default)  preflight -> scratch db -> load (N sessions) -> check -> swap
//   --in-place         preflight -> BEGIN on the empty target -> load -> check -> COMMIT
//   --table T...       preflight -> BEGIN on the target -> [drop T] -> load T -> check -> COMMIT
//
// "check" compares the rows as loaded with the manifest, and with --check-readback also
// the tables read back from the server (load/content_check.hpp).
//
// Whatever fails, the target is as it was: the scratch database is dropped, or the one
// transaction rolled back.
#include <immichbak/backup.hpp>
#include <immichbak/error.hpp>
#include <immichbak/restore.hpp>

#include "format/backup_reader.hpp"
#include "load/analyze.hpp"
#include "load/content_check.hpp"
#include "load/loader.hpp"
#include "load/parallel_run.hpp"
#include "load/preflight.hpp"
#include "load/target_db.hpp"
#include "pg/connection.hpp"
#include "restore/immich_fixups.hpp"
#include "restore/plain_restore.hpp"
#include "restore/sql_sniff.hpp"
#include "util/sql_quote.hpp"

#include <fmt/format.h>

#include <optional>
#include <set>

namespace immichbak {

namespace {

using namespace load;
using namespace restore_detail;

void validate(const restore_options& o) {
  if (o.jobs < 1) throw error(errc::invalid_argument, fmt::format("--jobs must be at least 1 (got {})", o.jobs));
  if (o.terminate_sessions && (o.mode == restore_mode::in_place || !o.tables.empty()))
    throw error(errc::invalid_argument,
                "--terminate-sessions ends the sessions when a restored copy replaces the target; --in-place and "
                "--table load into the database itself, so stop the application instead");
  if (!o.tables.empty() && o.mode == restore_mode::replace_drop_old)
    throw error(errc::invalid_argument, "--drop-old does not apply to --table (tables are replaced in place)");
  if (!o.tables.empty() && o.mode == restore_mode::in_place)
    throw error(errc::invalid_argument,
                "--in-place does not apply to --table, which loads into the existing database in one transaction "
                "already; drop --in-place");
  if (o.check_readback && !o.check_content)
    throw error(errc::invalid_argument, "--check-readback and --no-check contradict each other; drop one of the two");
}

// Rethrows the error with the state of the target said plainly.
[[noreturn]] void rethrow_unchanged(const error& e, const std::string& target, const std::string& leftover_warning) {
  std::string msg = e.what();
  msg += fmt::format("; the target database \"{}\" was not changed", target);
  if (!leftover_warning.empty()) msg += " (" + leftover_warning + ")";
  throw error(e.code(), msg, e.sqlstate());
}

// Notices of worker sessions arrive on worker threads: route them through the reporter,
// which serialises the caller's callbacks.
event_sink serial_sink(const restore_options& o, reporter& rep) {
  event_sink s;
  if (o.events.log) s.log = [&rep](log_level l, const std::string& m) { rep.log(l, m); };
  return s;
}

std::size_t tables_restored(const manifest& m, const std::set<table_key>* only) {
  std::size_t n = 0;
  for (const auto& t : m.tables)
    if (!t.data_excluded && (!only || only->count({t.schema, t.name}))) ++n;
  return n;
}

// The restore's "check" step: the rows as loaded, and with --check-readback the tables
// read back, against the manifest (load/content_check.hpp). `which` limits it to the
// tables restored (--table).
void check_restored(const manifest& m, const load_result& lr, session_set& sessions, run_control& state,
                    reporter& rep, const restore_options& o,
                    const std::function<bool(const manifest_table&)>& which = {}) {
  if (!o.check_content) return;
  rep.phase("check");
  throw_if_check_failed(check_loaded(m, lr, which));
  if (o.check_readback) throw_if_check_failed(check_content(m, lr.copy_columns, sessions.sessions(), state, rep, which));
}

void analyze_after_commit(pg::connection& c, const std::vector<table_key>& tables, reporter& rep) {
  std::vector<analyze_step> steps;
  try {
    steps = plan_analyze(c, tables);
  } catch (const error& e) {
    rep.log(log_level::warning, fmt::format("no ANALYZE after the restore: {}", e.what()));
  }
  for (const auto& step : steps) {
    try {
      run_analyze(c, step);
    } catch (const error& e) {
      rep.log(log_level::warning, fmt::format("ANALYZE {}.{} failed: {}", step.table.first, step.table.second, e.what()));
    }
  }
}

// ---- scratch database + swap --------------------------------------------------------------

restore_result restore_scratch(const format::backup_reader& reader, const restore_options& o, reporter& rep) {
  const manifest& m = reader.get_manifest();
  event_sink conn_events = serial_sink(o, rep);
  target_db t(o.dsn, &conn_events);
  restore_result res;
  res.database = t.name();

  load_plan plan = make_plan(m, o.no_owner, o.no_privileges);
  preflight_result pf = preflight(reader, o, load_mode::scratch, t, {}, {}, rep);
  res.warnings = pf.warnings;
  for (const auto& d : t.drop_stale_scratch())
    rep.log(log_level::info, fmt::format("dropped \"{}\", left behind by an interrupted restore", d));

  std::string scratch = t.create_scratch(pf.target, m.encoding);
  run_control state(o.events.cancel, "restore cancelled");
  session_set sessions(state);
  try {
    sessions.open([&] { return t.connect(scratch); }, o.jobs, o.jobs, true);
    state.start_watchdog();
    load_result lr = load_backup(reader, plan, sessions.sessions(), state, rep, {});
    check_restored(m, lr, sessions, state, rep, o);
    apply_immich_fixups(sessions.leader(), m, res, rep);
    state.stop_watchdog();
    state.check_cancel();
    sessions.close();  // RENAME needs the scratch database idle
    rep.phase("swap");
    swap_result sw = t.swap(
        scratch, {replaces(o.mode), o.mode == restore_mode::replace_drop_old, !o.no_owner, o.terminate_sessions});
    res.kept_old_database = sw.kept_old;
    res.warnings.insert(res.warnings.end(), sw.warnings.begin(), sw.warnings.end());
    res.rows = lr.rows;
  } catch (const error& e) {
    sessions.close();
    rethrow_unchanged(e, t.name(), t.drop_database(scratch));
  } catch (...) {
    sessions.close();
    t.drop_database(scratch);
    throw;
  }
  res.tables = tables_restored(m, nullptr);
  return res;
}

// ---- one transaction: --in-place and --table ----------------------------------------------

// Foreign keys of other tables that point at a table --table --replace drops: saved as
// (drop, re-add) statements, re-added after the load (inside the same transaction, so rows
// that no longer match make the whole restore roll back).
std::vector<std::pair<std::string, std::string>> referencing_fks(pg::connection& c, const table_key& t,
                                                                 const std::set<table_key>& selected) {
  auto r = c.exec(
      "SELECT rn.nspname, rc.relname, "
      "pg_catalog.format('ALTER TABLE %I.%I DROP CONSTRAINT %I', rn.nspname, rc.relname, k.conname), "
      "pg_catalog.format('ALTER TABLE %I.%I ADD CONSTRAINT %I %s', rn.nspname, rc.relname, k.conname, "
      "pg_catalog.pg_get_constraintdef(k.oid)) "
      "FROM pg_catalog.pg_constraint k "
      "JOIN pg_catalog.pg_class rc ON rc.oid = k.conrelid JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace "
      "JOIN pg_catalog.pg_class fc ON fc.oid = k.confrelid JOIN pg_catalog.pg_namespace fn ON fn.oid = fc.relnamespace "
      "WHERE k.contype = 'f' AND fn.nspname = $1 AND fc.relname = $2 AND k.conrelid <> k.confrelid "
      "ORDER BY 1, 2, k.conname",
      {t.first, t.second});
  std::vector<std::pair<std::string, std::string>> out;
  for (int i = 0; i < r.rows(); ++i)
    if (!selected.count({r.str(i, 0), r.str(i, 1)})) out.emplace_back(r.str(i, 2), r.str(i, 3));
  return out;
}

restore_result restore_transaction(const format::backup_reader& reader, const restore_options& o, load_mode mode,
                                   reporter& rep) {
  const manifest& m = reader.get_manifest();
  std::set<table_key> selected;
  std::function<bool(const manifest_frame&)> filter;
  if (mode == load_mode::tables) {
    selected = resolve_tables(m, o.tables);
    filter = [&selected](const manifest_frame& f) {
      return !f.table.empty() && selected.count({f.schema, f.table}) > 0;
    };
  }
  event_sink conn_events = serial_sink(o, rep);
  target_db t(o.dsn, &conn_events);
  restore_result res;
  res.database = t.name();
  if (o.jobs > 1)
    rep.log(log_level::info, fmt::format("{} runs in one transaction on one session; --jobs {} does not apply",
                                         mode == load_mode::tables ? "--table" : "--in-place", o.jobs));

  load_plan plan = make_plan(m, o.no_owner, o.no_privileges, filter);
  preflight_result pf = preflight(reader, o, mode, t, filter, selected, rep);
  res.warnings = pf.warnings;

  run_control state(o.events.cancel, "restore cancelled");
  session_set sessions(state);
  bool in_transaction = false;
  try {
    sessions.open([&] { return t.connect(t.name()); }, 1, 1, false);
    pg::connection& c = sessions.leader();
    state.start_watchdog();
    c.exec("BEGIN");
    in_transaction = true;

    std::vector<std::string> readd;
    if (mode == load_mode::tables && replaces(o.mode)) {
      for (const auto& key : selected) {
        auto exists = c.exec("SELECT 1 FROM pg_catalog.pg_class k JOIN pg_catalog.pg_namespace n ON n.oid = "
                             "k.relnamespace WHERE n.nspname = $1 AND k.relname = $2",
                             {key.first, key.second});
        if (exists.rows() == 0) continue;
        for (const auto& [drop, add] : referencing_fks(c, key, selected)) {
          c.exec(drop);
          readd.push_back(add);
        }
        try {
          c.exec("DROP TABLE " + util::sql::qualified(key.first, key.second));
        } catch (const error& e) {
          throw error(e.code(),
                      fmt::format("cannot replace table {}.{}: {}; restore the objects that depend on it as well "
                                  "(--table for each), or drop them first",
                                  key.first, key.second, e.what()),
                      e.sqlstate());
        }
      }
    }

    load_options lo;
    lo.analyze = false;  // after COMMIT: an ANALYZE error must not abort the transaction
    lo.pause_autovacuum = false;
    load_result lr = load_backup(reader, plan, sessions.sessions(), state, rep, lo);

    for (const auto& add : readd) {
      try {
        c.exec(add);
      } catch (const error& e) {
        throw error(e.code(),
                    fmt::format("the restored table{} no longer match{} rows of other tables that reference {}: {}",
                                selected.size() == 1 ? "" : "s", selected.size() == 1 ? "es" : "",
                                selected.size() == 1 ? "it" : "them", e.what()),
                    e.sqlstate());
      }
    }

    std::function<bool(const manifest_table&)> which;
    if (mode == load_mode::tables)
      which = [&selected](const manifest_table& mt) { return selected.count({mt.schema, mt.name}) > 0; };
    check_restored(m, lr, sessions, state, rep, o, which);
    if (mode == load_mode::in_place) apply_immich_fixups(c, m, res, rep);
    state.stop_watchdog();
    state.check_cancel();
    rep.phase("commit");
    c.exec("COMMIT");
    in_transaction = false;
    res.rows = lr.rows;
    c.exec("SELECT pg_catalog.set_config('search_path', '', false)");
    rep.phase("analyze", plan.tables_with_data.size());
    analyze_after_commit(c, plan.tables_with_data, rep);
  } catch (const error& e) {
    if (in_transaction && !sessions.sessions().empty()) {
      try {
        sessions.leader().exec("ROLLBACK");
      } catch (...) {
        // A lost session rolls back on the server by itself.
      }
    }
    sessions.close();
    rethrow_unchanged(e, t.name(), {});
  }
  res.tables = tables_restored(m, mode == load_mode::tables ? &selected : nullptr);
  return res;
}

}  // namespace

restore_result restore(const restore_options& o) {
  validate(o);
  std::optional<format::backup_reader> reader;
  try {
    reader.emplace(o.file);
  } catch (const error& e) {
    if (e.code() == errc::not_a_backup && looks_like_sql_script(o.file)) {
      // Not ours, but a checksum file that disagrees with it stops it all the same.
      check_sidecar(o.file, o.events.cancel);
      return restore_detail::restore_plain(o);
    }
    throw;
  }
  // The file before the server: its manifest's structure and what its frames say.
  check_backup_file(*reader, o.events.cancel);
  reporter rep(o.events);
  restore_result res;
  if (!o.tables.empty()) res = restore_transaction(*reader, o, load_mode::tables, rep);
  else if (o.mode == restore_mode::in_place) res = restore_transaction(*reader, o, load_mode::in_place, rep);
  else res = restore_scratch(*reader, o, rep);
  res.seconds = rep.elapsed();
  rep.log(log_level::info, fmt::format("restored {} tables ({} rows) into \"{}\" in {:.1f}s", res.tables, res.rows,
                                       res.database, res.seconds));
  return res;
}

}  // namespace immichbak
