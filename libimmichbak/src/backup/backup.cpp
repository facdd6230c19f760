// immichbak::backup(): one consistent snapshot of a database into one file.
//
//   leader: advisory lock -> session settings -> REPEATABLE READ snapshot, exported ->
//           list tables -> ACCESS SHARE locks -> schema::capture -> Immich version
//   file:   header frame, pre-data frames
//   data:   N sessions (the leader is one) import the snapshot and COPY work items
//   file:   post-data, owners, privileges frames -> manifest -> atomic commit
//
// Any failure or cancellation stops every session, removes the partial file and throws
// one error (the first one); only a committed file and sidecar count as a backup.

#include "backup/backup_lock.hpp"
#include "backup/data_phase.hpp"
#include "backup/file_name.hpp"
#include "backup/options_check.hpp"
#include "backup/table_locks.hpp"
#include "backup/work_items.hpp"
#include "copytext/binary_plan.hpp"
#include "format/backup_writer.hpp"
#include "format/dir_lock.hpp"
#include "format/header_sql.hpp"
#include "format/sidecar.hpp"
#include "immich/regenerable.hpp"
#include "immich/version.hpp"
#include "pg/connection.hpp"
#include "pg/conninfo.hpp"
#include "pg/run_control.hpp"
#include "schema/dump_plan.hpp"
#include "util/sql_quote.hpp"
#include "util/text.hpp"

#include <immichbak/backup.hpp>
#include <immichbak/error.hpp>
#include <immichbak/version.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <memory>
#include <optional>
#include <set>

namespace immichbak {

namespace {

using namespace backup_detail;
namespace fs = std::filesystem;

std::string short_version(const std::string& v) { return v.substr(0, v.find(' ')); }

void take_advisory_lock(pg::connection& leader) {
  auto r = leader.exec(fmt::format("SELECT pg_catalog.pg_try_advisory_lock({}, {})", advisory_key1, advisory_key2));
  if (r.boolean(0, 0)) return;
  std::string holder;
  try {
    auto h = leader.exec(fmt::format(
        "SELECT pid FROM pg_catalog.pg_locks WHERE locktype = 'advisory' AND classid = {} AND objid = {} "
        "AND objsubid = 2 AND granted AND database = (SELECT oid FROM pg_catalog.pg_database "
        "WHERE datname = pg_catalog.current_database()) LIMIT 1",
        static_cast<std::uint32_t>(advisory_key1), advisory_key2));
    if (h.rows() == 1) holder = fmt::format(" (held by server process {})", h.str(0, 0));
  } catch (const error&) {
  }
  throw error(errc::already_running,
              fmt::format("another immichbak backup of database \"{}\" is running{}; wait for it to finish",
                          leader.database(), holder));
}

// How the database was chosen, for the "backing up database" line and the refusal below.
std::string database_origin(const std::string& dsn) {
  switch (pg::conninfo_dbname_origin(dsn)) {
    case pg::dbname_origin::conninfo: return {};
    case pg::dbname_origin::service: return "named by the connection service (service= or PGSERVICE) or PGDATABASE";
    case pg::dbname_origin::environment: return "named by PGDATABASE";
    case pg::dbname_origin::user_default:
      return "no database named by the connection string or PGDATABASE, so libpq's default: the user name";
  }
  return {};
}

// backup_options::require_immich: an Immich database has Immich's version_history or its
// asset table ("assets" in older versions). Migration tables alone are not enough: other
// applications use kysely and TypeORM too.
void check_immich(pg::connection& c, const std::vector<listed_table>& listed, const std::string& immich_version,
                  const std::string& origin) {
  if (!immich_version.empty()) return;
  for (const auto& t : listed)
    if (t.schema == immich::schema && (t.name == "asset" || t.name == "assets")) return;
  throw error(errc::invalid_argument,
              fmt::format("database \"{}\" holds no Immich tables (no public.asset, no version_history){}. Name "
                          "Immich's database in the connection string (--dbname \"host=... user=... dbname=immich\") "
                          "or with PGDATABASE, or pass --allow-non-immich to back up this database anyway",
                          c.database(), origin.empty() ? "" : "; " + origin));
}

std::string lock_timeout_sql(std::chrono::milliseconds t) {
  return fmt::format("SET lock_timeout = '{}ms';\n", t.count());
}

// Builds the exclusion list handed to schema capture.
schema::capture_options capture_options_for(const backup_options& o, const std::vector<listed_table>& listed,
                                            std::vector<regenerable_table>* preset) {
  schema::capture_options co;
  // A gzip file is for Immich's own restore, which runs it into the existing database.
  co.target_may_exist = o.compress == compression::gzip;
  for (const auto& p : o.exclude_table_data) co.exclude_table_data.emplace_back(p, "--exclude-table-data " + p);
  if (o.exclude_regenerable) {
    std::vector<std::string> public_tables;
    for (const auto& t : listed)
      if (t.schema == immich::schema) public_tables.push_back(t.name);
    *preset = immich::regenerable_present(public_tables);
    for (const auto& t : *preset)
      co.exclude_table_data.emplace_back(std::string(immich::schema) + "." + t.table, immich::regenerable_reason);
  }
  return co;
}

// Every table whose rows are dumped must be readable and locked; tables the plan has but
// the cheap listing did not (it should not happen) are locked now.
void check_plan_tables(pg::connection& leader, const schema::dump_plan& plan, const std::vector<listed_table>& listed,
                       const backup_options& o) {
  std::map<std::pair<std::string, std::string>, const listed_table*> by_name;
  for (auto& t : listed) by_name[{t.schema, t.name}] = &t;
  std::vector<std::string> unreadable;
  std::vector<listed_table> extra;
  for (const auto& t : plan.tables) {
    auto it = by_name.find({t.schema, t.name});
    if (it == by_name.end()) {
      extra.push_back(listed_table{t.oid, t.schema, t.name, true, false});
      continue;
    }
    if (!t.data_excluded && !it->second->readable) unreadable.push_back(util::sql::qualified(t.schema, t.name));
  }
  if (!unreadable.empty()) {
    std::string names;
    for (std::size_t i = 0; i < unreadable.size(); ++i) names += (i ? ", " : "") + unreadable[i];
    throw error(errc::permission_denied,
                fmt::format("role \"{}\" cannot read table{} {} (permission denied); grant SELECT on {} to it, run "
                            "the backup as the database owner or a member of pg_read_all_data, or leave the rows "
                            "out with --exclude-table-data",
                            leader.user(), unreadable.size() > 1 ? "s" : "", names,
                            unreadable.size() > 1 ? "them" : "it"),
                "42501");
  }
  if (!extra.empty()) lock_tables(leader, extra, o.dsn, o.lock_timeout.count());
}

// Whether a big table can be read in ctid ranges: no reg* columns (their text depends on
// search_path), and the range SELECT plans under the source's search_path (tried in a
// savepoint so a failure leaves the snapshot transaction usable). work_items.hpp says why.
bool splittable(pg::connection& leader, const schema::table_data& t, const std::string& search_path,
                reporter& report) {
  auto r = leader.exec(
      "SELECT count(*) FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type ty ON ty.oid = a.atttypid "
      "LEFT JOIN pg_catalog.pg_type el ON el.oid = ty.typelem "
      "LEFT JOIN pg_catalog.pg_type bt ON bt.oid = ty.typbasetype "
      "WHERE a.attrelid = $1::pg_catalog.oid AND a.attnum > 0 AND NOT a.attisdropped AND "
      "  (ty.typnamespace = 'pg_catalog'::pg_catalog.regnamespace AND ty.typname ~ '^_?reg' "
      "   OR el.typnamespace = 'pg_catalog'::pg_catalog.regnamespace AND el.typname ~ '^reg' "
      "   OR bt.typnamespace = 'pg_catalog'::pg_catalog.regnamespace AND bt.typname ~ '^_?reg')",
      {std::to_string(t.oid)});
  if (r.i64(0, 0) > 0) {
    report.log(log_level::debug, fmt::format("table {}.{} is read whole: it has reg* columns", t.schema, t.name));
    return false;
  }
  leader.exec("SAVEPOINT immichbak_split_check");
  bool ok = true;
  try {
    leader.exec("SELECT pg_catalog.set_config('search_path', $1, true)", {search_path});
    leader.exec("EXPLAIN (COSTS OFF) " + range_select_sql(t, 0, 1));
  } catch (const error& e) {
    if (e.code() == errc::connection_failed) throw;
    ok = false;
    report.log(log_level::debug,
               fmt::format("table {}.{} is read whole: a range query does not plan: {}", t.schema, t.name, e.what()));
  }
  leader.exec("ROLLBACK TO SAVEPOINT immichbak_split_check; RELEASE SAVEPOINT immichbak_split_check");
  return ok;
}

class backup_run {
 public:
  explicit backup_run(const backup_options& o)
      : o_(o), report_(o.events), control_(o.events.cancel, "backup cancelled; no file was written") {
    // Server notices from any session go through the serialised reporter.
    session_events_.log = [this](log_level l, const std::string& m) { report_.log(l, m); };
  }

  backup_result run();

 private:
  void leader_phase();
  std::vector<std::vector<copytext::render_kind>> binary_columns();
  void open_file();
  void write_units(frame_kind kind, std::optional<post_phase> phase);
  void data_phase();
  backup_result finish();

  const backup_options& o_;
  reporter report_;
  run_control control_;
  event_sink session_events_;
  std::optional<pg::connection> leader_;
  std::string snapshot_;
  std::time_t snapshot_time_ = 0;
  schema::dump_plan plan_;
  std::vector<regenerable_table> preset_;
  manifest m_;
  std::unique_ptr<format::backup_writer> writer_;
  std::vector<table_totals> totals_;
  std::uint64_t plain_bytes_ = 0;
};

void backup_run::leader_phase() {
  report_.phase("schema");
  leader_.emplace(o_.dsn, std::string(), &session_events_);
  control_.add(&*leader_);
  auto& c = *leader_;
  take_advisory_lock(c);
  c.exec(format::session_settings_sql() + lock_timeout_sql(o_.lock_timeout));
  c.exec("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY");
  // The first statement takes the snapshot; its start time is the backup's time.
  auto r = c.exec(
      "SELECT pg_catalog.pg_export_snapshot(), "
      "pg_catalog.floor(pg_catalog.date_part('epoch', pg_catalog.statement_timestamp()))::bigint");
  snapshot_ = r.str(0, 0);
  snapshot_time_ = static_cast<std::time_t>(r.i64(0, 1));
  const std::string origin = database_origin(o_.dsn);
  report_.log(log_level::info,
              fmt::format("backing up database \"{}\" ({}{}, PostgreSQL {}) with {} job(s), snapshot {}",
                          c.database(), origin.empty() ? "" : origin + "; ", c.describe(),
                          short_version(c.server_version_string()), o_.jobs, iso8601(snapshot_time_)));

  auto listed = list_tables(c);
  control_.check();
  m_.immich_version = immich::version(c);
  if (o_.require_immich) check_immich(c, listed, m_.immich_version, origin);
  lock_tables(c, listed, o_.dsn, o_.lock_timeout.count());
  control_.check();
  double t0 = report_.elapsed();
  plan_ = schema::capture(c, capture_options_for(o_, listed, &preset_));
  report_.log(log_level::debug, fmt::format("schema capture: {} DDL units, {} tables in {:.2f} s", plan_.units.size(),
                                            plan_.tables.size(), report_.elapsed() - t0));
  control_.check();
  check_plan_tables(c, plan_, listed, o_);

  m_.tool_version = IMMICHBAK_VERSION_STRING;
  m_.created_at = iso8601(snapshot_time_);
  m_.database = c.database();
  m_.server_version = short_version(c.server_version_string());
  m_.server_version_num = c.server_version();
  m_.compression = format::manifest_compression(o_.compress);
  m_.compression_level = o_.compress == compression::none ? 0 : o_.compression_level;
  m_.immich_migration = immich::migration(c);
  m_.encoding = plan_.encoding.empty() ? c.parameter("server_encoding") : plan_.encoding;
  for (const auto& [name, value] : format::pinned_session_settings()) m_.session_settings[name] = value;
  m_.restore_search_path = plan_.restore_search_path;
  m_.database_settings = plan_.database_settings;
  m_.extensions = plan_.extensions;
  m_.roles = plan_.roles;
  if (o_.exclude_regenerable) m_.exclusion_presets.push_back(immich::regenerable_preset);
  if (!m_.immich_version.empty())
    report_.log(log_level::info, fmt::format("Immich {} (migration {})", m_.immich_version,
                                             m_.immich_migration.empty() ? "unknown" : m_.immich_migration));
}

void backup_run::open_file() {
  for (int n = 0; n < 1000; ++n) {
    fs::path p = backup_file_name(o_.dest_dir, o_.prefix, snapshot_time_, o_.compress, n);
    if (name_taken(p)) continue;
    try {
      writer_ = std::make_unique<format::backup_writer>(p, o_.compress, m_.compression_level);
      return;
    } catch (const error&) {
      if (name_taken(p)) continue;  // lost a race for the name: try the next one
      throw;
    }
  }
  throw error(errc::io_error, fmt::format("could not find a free file name for prefix \"{}\" in {}", o_.prefix,
                                          o_.dest_dir.string()));
}

void backup_run::write_units(frame_kind kind, std::optional<post_phase> phase) {
  for (const auto& u : plan_.units) {
    if (u.kind != kind || (phase && u.phase != *phase)) continue;
    control_.check();
    format::frame_meta meta;
    meta.kind = u.kind;
    meta.phase = u.phase;
    meta.schema = u.schema;
    meta.table = u.table;
    meta.label = u.label;
    std::uint64_t size = writer_->write_frame(meta, u.sql).plain_size;
    plain_bytes_ += size;
    if (kind != frame_kind::pre_data && kind != frame_kind::clean)
      report_.item_done(u.label, size, 0);  // the "post-data" phase
  }
}

// Which tables are read with binary COPY; the probes run in the leader's snapshot
// transaction (copytext/binary_plan.hpp).
std::vector<std::vector<copytext::render_kind>> backup_run::binary_columns() {
  std::vector<copytext::table_columns> cols;
  cols.reserve(plan_.tables.size());
  for (const auto& t : plan_.tables) cols.push_back({t.oid, t.data_excluded ? std::string() : t.copy_columns});
  auto out = copytext::plan_binary_copy(*leader_, cols);
  std::size_t binary = static_cast<std::size_t>(std::count_if(out.begin(), out.end(), [](const auto& k) { return !k.empty(); }));
  report_.log(log_level::debug, fmt::format("data: {} of {} table(s) read with binary COPY", binary, out.size()));
  return out;
}

void backup_run::data_phase() {
  item_options iopt{o_.split_table_bytes, leader_->server_version(), {}};
  iopt.no_split.assign(plan_.tables.size(), false);
  for (std::size_t i = 0; i < plan_.tables.size(); ++i) {
    if (!split_candidate(plan_.tables[i], iopt)) continue;
    control_.check();
    iopt.no_split[i] = !splittable(*leader_, plan_.tables[i], plan_.restore_search_path, report_);
  }
  auto items = make_work_items(plan_.tables, iopt);
  std::uint64_t bytes_total = 0, rows_total = 0;
  for (const auto& t : plan_.tables) {
    if (t.data_excluded) continue;
    bytes_total += t.estimated_bytes;
    if (t.estimated_rows > 0) rows_total += static_cast<std::uint64_t>(t.estimated_rows);
  }
  report_.phase("data", items.size());
  report_.set_totals(bytes_total, rows_total, items.size());
  std::size_t ranged = static_cast<std::size_t>(std::count_if(items.begin(), items.end(), [](const work_item& w) { return w.ranged; }));
  report_.log(log_level::debug, fmt::format("data: {} work item(s) ({} ctid range(s)), about {} estimated",
                                            items.size(), ranged, util::human_bytes(bytes_total)));

  data_phase_options dopt;
  dopt.dsn = o_.dsn;
  dopt.snapshot = snapshot_;
  dopt.worker_setup_sql = format::session_settings_sql() + lock_timeout_sql(o_.lock_timeout);
  dopt.range_search_path = plan_.restore_search_path;
  dopt.jobs = o_.jobs;
  dopt.chunk_bytes = o_.chunk_bytes;
  dopt.session_events = &session_events_;
  if (o_.binary_copy) dopt.binary_columns = binary_columns();
  double t0 = report_.elapsed();
  totals_ = run_data_phase(*leader_, plan_.tables, items, *writer_, control_, report_, dopt);
  if (control_.first_error()) throw stopped_signal{};
  report_.log(log_level::debug, fmt::format("data phase: {:.2f} s", report_.elapsed() - t0));
  control_.check();
  for (const auto& t : totals_) plain_bytes_ += t.plain_bytes;
  // Release the table locks now: post-data and the commit need no server, and a held
  // ACCESS SHARE lock would block Immich's migrations for the fsync's duration. The
  // session (and the advisory lock) stays until the file is committed.
  leader_->exec("COMMIT");
}

backup_result backup_run::finish() {
  std::uint64_t rows = 0;
  std::size_t excluded = 0, empty = 0;
  for (std::size_t i = 0; i < plan_.tables.size(); ++i) {
    const auto& t = plan_.tables[i];
    manifest_table mt;
    mt.schema = t.schema;
    mt.name = t.name;
    mt.data_excluded = t.data_excluded;
    mt.exclusion_reason = t.exclusion_reason;
    if (t.data_excluded) {
      ++excluded;
    } else {
      const auto& tt = totals_[i];
      report_.log(log_level::debug,
                  fmt::format("table {}.{}: {} rows, {} in {} frame(s), {} stored", t.schema, t.name, tt.rows,
                              util::human_bytes(tt.plain_bytes), tt.frames, util::human_bytes(tt.stored_bytes)));
      mt.rows = tt.rows;
      mt.content_hash = tt.hash.hex();
      mt.plain_bytes = tt.plain_bytes;
      mt.stored_bytes = tt.stored_bytes;
      rows += tt.rows;
      if (tt.rows == 0) ++empty;
    }
    m_.tables.push_back(std::move(mt));
  }
  report_.phase("commit");
  control_.check();
  double t0 = report_.elapsed();
  std::string sha = writer_->commit(m_);
  report_.log(log_level::debug, fmt::format("commit (manifest, fsync, rename, sidecar): {:.2f} s", report_.elapsed() - t0));

  backup_result res;
  res.file = writer_->final_path();
  res.sidecar = format::sidecar_path(res.file);
  res.sha256 = sha;
  std::error_code ec;
  res.bytes = fs::file_size(res.file, ec);
  if (ec) res.bytes = writer_->bytes_written();
  res.plain_bytes = plain_bytes_;
  res.rows = rows;
  res.database = m_.database;
  res.tables = plan_.tables.size();
  res.tables_empty = empty;
  res.tables_excluded = excluded;
  res.seconds = report_.elapsed();
  res.immich_version = m_.immich_version;
  res.server_version = m_.server_version;
  return res;
}

backup_result backup_run::run() {
  control_.start_watchdog();
  try {
    leader_phase();
    control_.check();
    open_file();
    report_.log(log_level::debug, fmt::format("writing {}", writer_->final_path().string()));
    format::frame_meta header;
    header.kind = frame_kind::header;
    header.label = "session settings";
    const std::string& header_sql =
        o_.compress == compression::gzip ? format::gzip_header_sql() : format::header_sql();
    plain_bytes_ += writer_->write_frame(header, header_sql).plain_size;
    write_units(frame_kind::clean, std::nullopt);
    write_units(frame_kind::pre_data, std::nullopt);

    data_phase();

    std::size_t post_units = static_cast<std::size_t>(std::count_if(
        plan_.units.begin(), plan_.units.end(),
        [](const schema::ddl_unit& u) { return u.kind != frame_kind::pre_data && u.kind != frame_kind::clean; }));
    report_.phase("post-data", post_units);
    for (post_phase p : {post_phase::indexes, post_phase::foreign_keys, post_phase::final, post_phase::none})
      write_units(frame_kind::post_data, p);
    write_units(frame_kind::owners, std::nullopt);
    write_units(frame_kind::privileges, std::nullopt);

    backup_result res = finish();
    control_.remove(&*leader_);
    control_.stop_watchdog();
    leader_.reset();  // releases the advisory lock
    // The summary without the path: the caller has it (the CLI prints it on stdout), and a
    // terminal should show it once.
    report_.log(log_level::info,
                fmt::format("wrote the backup: {} tables ({} of them empty, {} with rows left out), {} rows, {} "
                            "({} of SQL) in {:.1f} s{}",
                            res.tables, res.tables_empty, res.tables_excluded, res.rows, util::human_bytes(res.bytes),
                            util::human_bytes(res.plain_bytes), res.seconds,
                            res.immich_version.empty() ? "" : ", Immich " + res.immich_version));
    report_.log(log_level::debug, fmt::format("backup file: {}", res.file.string()));
    return res;
  } catch (const stopped_signal&) {
  } catch (...) {
    control_.fail(std::current_exception());
  }
  // Failure: every session was told to stop by fail(); undo and report one error.
  if (writer_) writer_->abort();
  if (leader_) control_.remove(&*leader_);
  control_.stop_watchdog();
  leader_.reset();
  writer_.reset();
  std::exception_ptr e = control_.first_error();
  if (!e) e = control_.user_cancelled() ? control_.cancelled_error()
                                        : std::make_exception_ptr(error(errc::internal, "backup stopped without an error"));
  // The error itself is the report (the caller prints it); no log line duplicates it.
  try {
    std::rethrow_exception(e);
  } catch (const error&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw error(errc::internal, "out of memory during the backup");
  } catch (const std::exception& ex) {
    throw error(errc::internal, fmt::format("backup failed: {}", ex.what()));
  }
}

}  // namespace

backup_result backup(const backup_options& options) {
  backup_detail::check_options(options);
  auto dir_lock = format::dir_lock::for_backup(options.dest_dir, options.lock_timeout, options.events.cancel);
  backup_run run(options);
  return run.run();
}

}  // namespace immichbak
