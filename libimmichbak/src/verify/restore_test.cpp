// verify --restore-test: the restore's own loader and content check, into a scratch
// database that is always dropped. Problems are findings (check_results), not exceptions;
// only cancellation is thrown.
#include "verify/restore_test.hpp"

#include <immichbak/error.hpp>

#include "format/backup_reader.hpp"
#include "load/content_check.hpp"
#include "load/loader.hpp"
#include "load/parallel_run.hpp"
#include "load/preflight.hpp"
#include "load/target_db.hpp"
#include "pg/connection.hpp"
#include "verify/immich_check.hpp"
#include "verify/media_check.hpp"

#include <fmt/format.h>

namespace immichbak::verify_detail {

namespace {

using namespace load;

// Scratch databases of restore tests are named immichbak_verify__immichbak_<ts>_<pid>.
constexpr const char* scratch_prefix = "immichbak_verify";

check_result finding(check_status s, std::string detail, std::string table = {}) {
  return check_result{"restore-test", s, std::move(detail), std::move(table), std::nullopt};
}

// Roles missing on this server do not make the backup bad: the test then loads without
// owners/privileges and says so.
bool roles_missing(pg::connection& c, const format::backup_reader& reader, verify_report& report) {
  try {
    check_roles(c, reader, make_plan(reader.get_manifest(), false, false), false, false);
    return false;
  } catch (const error& e) {
    if (e.code() != errc::missing_role) throw;
    report.checks.push_back(finding(check_status::warn,
                                    fmt::format("{}; the restore test ran without owners and privileges", e.what())));
    return true;
  }
}

}  // namespace

void run_restore_test(const manifest& m_in, const verify_options& options, verify_report& report) {
  (void)m_in;  // the reader below reads the same manifest; it also streams the frames
  format::backup_reader reader(options.file);
  const manifest& m = reader.get_manifest();
  reporter rep(options.events);
  event_sink conn_events;
  if (options.events.log) conn_events.log = [&rep](log_level l, const std::string& s) { rep.log(l, s); };
  int jobs = std::max(options.jobs, 1);

  std::optional<target_db> t;
  try {
    t.emplace(options.dsn, &conn_events, scratch_prefix);
    // The server must be able to hold this backup at all; if not, the test cannot run.
    for (const auto& w : check_extensions(t->admin(), m)) report.checks.push_back(finding(check_status::warn, w));
    check_preload(t->admin(), m);
    if (!t->can_create_database())
      throw error(errc::permission_denied,
                  fmt::format("role \"{}\" may not create databases; the restore test needs a scratch database "
                              "(use a role with CREATEDB)",
                              t->admin().user()));
  } catch (const error& e) {
    if (e.code() == errc::cancelled) throw;
    report.checks.push_back(finding(check_status::fail, fmt::format("cannot run the restore test on this server: {}",
                                                                    e.what())));
    return;
  }
  bool without_roles = roles_missing(t->admin(), reader, report);
  for (const auto& d : t->drop_stale_scratch())
    rep.log(log_level::info, fmt::format("dropped \"{}\", left behind by an interrupted restore test", d));
  if (auto w = check_server_version(t->admin(), m)) report.checks.push_back(finding(check_status::warn, *w));

  std::string scratch;
  std::exception_ptr cancelled;
  try {
    target_state absent;
    scratch = t->create_scratch(absent, m.encoding);
    run_control state(options.events.cancel, "verify cancelled");
    session_set sessions(state);
    sessions.open([&] { return t->connect(scratch); }, jobs, jobs, true);
    state.start_watchdog();
    load_plan plan = make_plan(m, without_roles, without_roles);
    load_options lo;
    lo.analyze = false;  // the scratch copy is dropped after the checks: statistics would be wasted work
    load_result lr = load_backup(reader, plan, sessions.sessions(), state, rep, lo);
    auto checks = check_content(m, lr.copy_columns, sessions.sessions(), state, rep);
    std::size_t bad = 0;
    for (const auto& c : checks) {
      std::string table = c.schema + "." + c.table;
      if (c.ok) {
        report.checks.push_back(finding(check_status::pass, fmt::format("{} rows, content hash matches", c.actual_rows),
                                        table));
      } else {
        ++bad;
        report.checks.push_back(finding(check_status::fail, c.detail, table));
      }
    }
    state.stop_watchdog();
    state.check_cancel();
    report.checks.push_back(finding(
        bad ? check_status::fail : check_status::pass,
        fmt::format("restored {} frames ({} rows) into a scratch database with {} job{} in {:.1f}s; {} of {} tables "
                    "match the manifest",
                    lr.frames, lr.rows, jobs, jobs == 1 ? "" : "s", rep.elapsed(), checks.size() - bad, checks.size())));
    sessions.leader().exec("SELECT pg_catalog.set_config('search_path', '', false)");
    try {
      immich_check(sessions.leader(), report);
      media_check(sessions.leader(), options, report);
    } catch (const error& e) {
      if (e.code() == errc::cancelled) throw;
      report.checks.push_back(check_result{"immich", check_status::fail,
                                           fmt::format("the Immich checks could not run: {}", e.what()), {}, std::nullopt});
    }
  } catch (const error& e) {
    if (e.code() == errc::cancelled) cancelled = std::current_exception();
    else report.checks.push_back(finding(check_status::fail, fmt::format("the restore failed: {}", e.what())));
  }
  if (!scratch.empty())
    if (auto w = t->drop_database(scratch); !w.empty()) report.checks.push_back(finding(check_status::warn, w));
  if (cancelled) std::rethrow_exception(cancelled);
}

}  // namespace immichbak::verify_detail
