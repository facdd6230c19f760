// The JSON and text forms of listings, prune results and age checks (docs/cli.md).
#include "retention/names.hpp"
#include "util/text.hpp"

#include <immichbak/retention.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>

namespace immichbak {

using json = nlohmann::json;
using namespace retention;

namespace {

std::time_t secs(std::chrono::sys_seconds t) { return static_cast<std::time_t>(t.time_since_epoch().count()); }

std::string dump(const json& j, bool pretty) {
  return j.dump(pretty ? 2 : -1, ' ', false, json::error_handler_t::replace);
}

json entry_json(const backup_entry& e) {
  json j;
  j["path"] = e.path.string();
  j["name"] = e.name;
  j["kind"] = entry_kind_name(e.kind);
  j["prefix"] = e.prefix.empty() ? json(nullptr) : json(e.prefix);
  j["time"] = iso8601_utc(secs(e.time));
  j["time_source"] = e.time_source;
  j["modified"] = iso8601_utc(secs(e.modified));
  j["bytes"] = e.bytes;
  if (e.kind == entry_kind::backup) {
    j["database"] = e.database;
    j["tables"] = e.tables;
    j["rows"] = e.rows;
    j["sidecar"] = e.has_sidecar;
  }
  if (e.kind == entry_kind::backup || e.kind == entry_kind::immich) {
    j["immich_version"] = e.immich_version;
    j["server_version"] = e.server_version;
  }
  if (e.kind == entry_kind::backup) {
    j["verification"] = verify_state_name(e.verification);
    if (e.last_verify) {
      json v;
      v["verified_at"] = e.last_verify->verified_at;
      v["ok"] = e.last_verify->ok;
      v["kind"] = e.last_verify->kind;
      v["tool_version"] = e.last_verify->tool_version;
      v["bytes"] = e.last_verify->bytes;
      v["failed_checks"] = e.last_verify->failed_checks;
      j["last_verify"] = v;
    } else {
      j["last_verify"] = nullptr;
    }
  }
  json comps = json::array();
  for (const auto& c : e.companions) comps.push_back(c.filename().string());
  j["companions"] = comps;
  if (!e.problem.empty()) j["problem"] = e.problem;
  return j;
}

// One word for the state of an entry in text listings.
std::string state_text(const backup_entry& e) {
  switch (e.kind) {
    case entry_kind::backup:
      switch (e.verification) {
        case verify_state::passed:
          return e.last_verify && e.last_verify->kind == "restore-test" ? "verified (restore test)" : "verified";
        case verify_state::failed: return "VERIFY FAILED";
        case verify_state::outdated: return "changed since verify";
        case verify_state::unverified: return "not verified";
      }
      return "";
    case entry_kind::damaged: return "DAMAGED";
    case entry_kind::unsupported: return "newer format";
    case entry_kind::unreadable: return "UNREADABLE";
    case entry_kind::partial: return "partial";
    case entry_kind::immich: return "Immich's backup";
    case entry_kind::foreign: return "not a backup";
  }
  return "";
}

std::string versions_text(const backup_entry& e) {
  std::string s;
  if (!e.immich_version.empty()) s += "Immich " + e.immich_version;
  if (!e.server_version.empty()) s += (s.empty() ? "" : ", ") + std::string("PG ") + e.server_version;
  return s;
}

}  // namespace

std::string to_json(const std::vector<backup_entry>& entries, bool pretty) {
  json j;
  j["ok"] = true;
  json list = json::array();
  for (const auto& e : entries) list.push_back(entry_json(e));
  j["entries"] = list;
  return dump(j, pretty);
}

std::string to_text(const std::vector<backup_entry>& entries) {
  if (entries.empty()) return "no files";
  std::string out = fmt::format("{:<25}  {:>10}  {:<24}  {:<28}  {:>14}  {}\n", "time", "size", "state", "versions",
                                "tables/rows", "file");
  for (const auto& e : entries) {
    std::string tr = e.kind == entry_kind::backup ? fmt::format("{}/{}", e.tables, e.rows) : "";
    std::string time = local_time_text(secs(e.time));
    if (e.time_source == "modified") time += "*";
    out += fmt::format("{:<25}  {:>10}  {:<24}  {:<28}  {:>14}  {}\n", time, util::human_bytes(e.bytes), state_text(e),
                       versions_text(e), tr, e.name);
    if (!e.problem.empty() && e.kind != entry_kind::foreign) out += fmt::format("    {}\n", e.problem);
  }
  const bool starred = std::any_of(entries.begin(), entries.end(),
                                   [](const backup_entry& e) { return e.time_source == "modified"; });
  if (starred) out += "(* time of last modification: the file has no time of its own)";
  else out.pop_back();  // the last line's newline: the caller adds one
  return out;
}

std::string to_json(const prune_result& r, bool pretty) {
  json j;
  j["ok"] = r.dry_run || r.applied.ok();
  j["dry_run"] = r.dry_run;
  j["policy"] = to_string(r.plan.policy);
  j["now"] = iso8601_utc(secs(r.plan.now));
  json list = json::array();
  for (const auto& pe : r.plan.entries) {
    json e = entry_json(pe.entry);
    e["action"] = plan_action_name(pe.action);
    e["reasons"] = pe.reasons;
    e["counted"] = pe.counted;
    for (const auto& rm : r.applied.removals) {
      if (rm.path != pe.entry.path) continue;
      e["removed"] = rm.removed;
      if (!rm.problem.empty()) e["removal_problem"] = rm.problem;
      json comps = json::array();
      for (const auto& c : rm.companions) comps.push_back(c.filename().string());
      e["companions_removed"] = comps;
    }
    list.push_back(e);
  }
  j["entries"] = list;
  j["kept"] = r.plan.count(plan_action::keep);
  j["to_remove"] = r.plan.count(plan_action::remove);
  j["untouched"] = r.plan.count(plan_action::untouched);
  std::size_t removed = 0;
  for (const auto& rm : r.applied.removals) removed += rm.removed ? 1 : 0;
  j["removed"] = removed;
  j["bytes_freed"] = r.applied.bytes_freed;
  j["bytes_to_free"] = r.plan.bytes_to_free();
  return dump(j, pretty);
}

std::string to_text(const prune_result& r) {
  std::string out = fmt::format("{}{}\n", r.dry_run ? "dry run: " : "", to_string(r.plan.policy));
  for (const auto& pe : r.plan.entries) {
    std::string action;
    switch (pe.action) {
      case plan_action::keep: action = "keep"; break;
      case plan_action::remove: action = r.dry_run ? "remove" : "removed"; break;
      case plan_action::untouched: action = "-"; break;
    }
    if (!r.dry_run && pe.action == plan_action::remove) {
      for (const auto& rm : r.applied.removals)
        if (rm.path == pe.entry.path && !rm.removed) action = "NOT removed";
    }
    std::string why;
    for (std::size_t i = 0; i < pe.reasons.size(); ++i) why += (i ? ", " : "") + pe.reasons[i];
    out += fmt::format("{:<11}  {:<25}  {}  ({})\n", action, local_time_text(secs(pe.entry.time)), pe.entry.name, why);
    if (!r.dry_run)
      for (const auto& rm : r.applied.removals)
        if (rm.path == pe.entry.path && !rm.removed) out += fmt::format("             {}\n", rm.problem);
  }
  std::size_t removed = 0;
  for (const auto& rm : r.applied.removals) removed += rm.removed ? 1 : 0;
  if (r.dry_run)
    out += fmt::format("would keep {}, remove {} ({}), leave {} untouched", r.plan.count(plan_action::keep),
                       r.plan.count(plan_action::remove), util::human_bytes(r.plan.bytes_to_free()),
                       r.plan.count(plan_action::untouched));
  else
    out += fmt::format("kept {}, removed {} ({}), left {} untouched{}", r.plan.count(plan_action::keep), removed,
                       util::human_bytes(r.applied.bytes_freed), r.plan.count(plan_action::untouched),
                       r.applied.ok() ? "" : fmt::format("; {} could not be removed",
                                                         r.applied.removals.size() - removed));
  return out;
}

std::string to_json(const age_check_result& r, bool pretty) {
  json j;
  j["ok"] = r.status != age_status::unknown;  // the check could be made
  j["status"] = age_status_name(r.status);
  j["exit_code"] = static_cast<int>(r.status);
  j["message"] = r.message;
  j["age_seconds"] = r.age ? json(r.age->count()) : json(nullptr);
  j["newest"] = r.newest ? entry_json(*r.newest) : json(nullptr);
  j["newest_good"] = r.newest_good ? entry_json(*r.newest_good) : json(nullptr);
  return dump(j, pretty);
}

std::string to_text(const age_check_result& r) {
  // One line; '|' starts the performance data, so a file name may not bring one.
  std::string msg = r.message;
  for (char& c : msg)
    if (c == '|' || c == '\n' || c == '\r') c = c == '|' ? '/' : ' ';
  std::string line = fmt::format("IMMICHBAK {} - {}", age_status_name(r.status), msg);
  if (r.age)
    line += fmt::format(" | age={}s;{};{};0", r.age->count(), r.warn_age ? std::to_string(r.warn_age->count()) : "",
                        r.max_age.count());
  return line;
}

}  // namespace immichbak
