// The run's summary: to_json (stdout with --json, and the hooks' stdin) and to_text.
// Never a connection string: only the database's name, as the backup reports it.
#include "util/utc_time.hpp"

#include <immichbak/run.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace immichbak {

namespace {

using nlohmann::json;

std::string utc(std::chrono::sys_seconds t) { return util::iso8601_utc(static_cast<std::time_t>(t.time_since_epoch().count())); }
json utc_or_null(const std::optional<std::chrono::sys_seconds>& t) { return t ? json(utc(*t)) : json(); }

json backup_json(const run_result& r) {
  json j;
  j["ran"] = true;
  j["ok"] = static_cast<bool>(r.backup);
  if (!r.backup) return j;
  const backup_result& b = *r.backup;
  j["path"] = b.file.string();
  j["sha256"] = b.sha256;
  j["bytes"] = b.bytes;
  j["plain_bytes"] = b.plain_bytes;
  j["rows"] = b.rows;
  j["tables"] = b.tables;
  j["seconds"] = b.seconds;
  j["database"] = b.database;
  j["immich_version"] = b.immich_version;
  j["server_version"] = b.server_version;
  return j;
}

json verify_json(const run_result& r) {
  json j;
  j["ran"] = static_cast<bool>(r.backup);
  j["restore_test"] = r.restore_test;
  j["restore_test_reason"] = r.restore_test_reason;
  if (!r.verify) {
    j["ok"] = false;
    return j;
  }
  j["ok"] = r.verify->ok();
  j["kind"] = r.restore_test ? "restore-test" : "offline";
  json failed = json::array();
  for (const auto& c : r.verify->checks)
    if (c.status == check_status::fail)
      failed.push_back({{"name", c.name}, {"table", c.table}, {"detail", c.detail}});
  j["failed_checks"] = failed;
  return j;
}

json prune_json(const run_result& r) {
  json j;
  j["ran"] = static_cast<bool>(r.prune);
  if (!r.prune) {
    j["skipped"] = r.prune_skipped;
    return j;
  }
  const prune_result& p = *r.prune;
  j["ok"] = p.applied.ok();
  j["policy"] = to_string(p.plan.policy);
  j["kept"] = p.plan.count(plan_action::keep);
  j["untouched"] = p.plan.count(plan_action::untouched);
  std::size_t removed = 0;
  json files = json::array();
  for (const auto& rm : p.applied.removals) {
    if (rm.removed) ++removed;
    json f{{"name", rm.path.filename().string()}, {"removed", rm.removed}, {"bytes", rm.bytes}};
    if (!rm.removed) f["problem"] = rm.problem;
    files.push_back(f);
  }
  j["removed"] = removed;
  j["bytes_freed"] = p.applied.bytes_freed;
  j["files"] = files;
  return j;
}

}  // namespace

std::string to_json(const run_result& r, bool pretty) {
  json j;
  j["ok"] = r.ok();
  j["exit_code"] = run_exit_code(r);
  j["status"] = r.ok() ? "success" : "failure";
  j["started_at"] = utc(r.started_at);
  j["finished_at"] = utc(r.finished_at);
  j["seconds"] = r.seconds;
  j["dest"] = r.dest_dir.string();
  j["prefix"] = r.prefix;
  j["backup"] = backup_json(r);
  j["verify"] = verify_json(r);
  j["prune"] = prune_json(r);
  if (r.failure) {
    j["error"] = {{"step", run_step_name(r.failure->step)}, {"code", r.failure->code}, {"message", r.failure->message}};
  } else if (!r.metrics_problem.empty()) {
    j["error"] = {{"step", "metrics"}, {"code", "io_error"}, {"message", r.metrics_problem}};
  }
  j["last_success"] = utc_or_null(r.last_success);
  j["last_restore_test"] = utc_or_null(r.last_restore_test);
  if (r.hook) {
    j["hook"] = {{"which", r.hook->which}, {"ok", r.hook->ok}, {"exit_status", r.hook->exit_status},
                 {"timed_out", r.hook->timed_out}, {"problem", r.hook->problem}};
  }
  return pretty ? j.dump(2, ' ', false, json::error_handler_t::replace)
                : j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string to_text(const run_result& r) {
  std::string out;
  if (r.backup) {
    out += fmt::format("backup   {} ({} bytes, {} rows)\n", r.backup->file.string(), r.backup->bytes, r.backup->rows);
  } else {
    out += "backup   FAILED\n";
  }
  if (r.verify) {
    out += fmt::format("verify   {} ({}; restore test: {})\n", r.verify->ok() ? "passed" : "FAILED",
                       r.restore_test ? "offline and test restore" : "offline", r.restore_test_reason);
  } else {
    out += fmt::format("verify   {}\n", r.backup ? "FAILED" : "not run");
  }
  if (r.prune) {
    std::size_t removed = 0;
    for (const auto& rm : r.prune->applied.removals) removed += rm.removed ? 1 : 0;
    out += fmt::format("prune    kept {}, removed {}{}\n", r.prune->plan.count(plan_action::keep), removed,
                       r.prune->applied.ok() ? "" : " (some files could not be removed)");
  } else {
    out += fmt::format("prune    not run: {}\n", r.prune_skipped);
  }
  if (r.failure)
    out += fmt::format("FAILED   {}: {}\n", run_step_name(r.failure->step), r.failure->message);
  else if (!r.metrics_problem.empty())
    out += fmt::format("FAILED   metrics file: {}\n", r.metrics_problem);
  else
    out += fmt::format("ok       in {:.1f} s\n", r.seconds);
  if (r.hook) out += fmt::format("hook     {} {}\n", r.hook->which, r.hook->ok ? "ran" : "FAILED: " + r.hook->problem);
  if (!out.empty()) out.pop_back();
  return out;
}

}  // namespace immichbak
