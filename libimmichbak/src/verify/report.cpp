// verify_report: verdict, JSON and text forms.
#include <immichbak/verify.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace immichbak {

const char* check_status_name(check_status s) noexcept {
  switch (s) {
    case check_status::pass: return "pass";
    case check_status::warn: return "warn";
    case check_status::fail: return "fail";
    case check_status::skipped: return "skipped";
  }
  return "unknown";
}

bool verify_report::ok() const noexcept {
  for (const auto& c : checks)
    if (c.status == check_status::fail) return false;
  return true;
}

namespace {

struct counts {
  std::size_t pass = 0, warn = 0, fail = 0, skipped = 0;
};

counts count(const verify_report& r) {
  counts c;
  for (const auto& x : r.checks) {
    switch (x.status) {
      case check_status::pass: ++c.pass; break;
      case check_status::warn: ++c.warn; break;
      case check_status::fail: ++c.fail; break;
      case check_status::skipped: ++c.skipped; break;
    }
  }
  return c;
}

}  // namespace

std::string to_json(const verify_report& r, bool pretty) {
  using json = nlohmann::json;
  counts c = count(r);
  json j = json::object();
  j["file"] = r.file.string();
  j["ok"] = r.ok();
  j["verdict"] = r.ok() ? "ok" : "failed";
  j["summary"] = {{"pass", c.pass}, {"warn", c.warn}, {"fail", c.fail}, {"skipped", c.skipped}};
  j["checks"] = json::array();
  for (const auto& x : r.checks) {
    json cj = {{"name", x.name}, {"status", check_status_name(x.status)}, {"detail", x.detail}};
    if (!x.table.empty()) cj["table"] = x.table;
    if (x.offset) cj["offset"] = *x.offset;
    j["checks"].push_back(std::move(cj));
  }
  if (r.immich) {
    const auto& i = *r.immich;
    j["immich"] = {{"version", i.version}, {"migration", i.migration}, {"admin_exists", i.admin_exists},
                   {"users", i.users},     {"albums", i.albums},       {"assets", i.assets},
                   {"faces", i.faces},     {"people", i.people}};
  }
  // Names come from the file; never let invalid UTF-8 in a damaged one make the report fail.
  return j.dump(pretty ? 2 : -1, ' ', false, json::error_handler_t::replace);
}

std::string to_text(const verify_report& r) {
  std::string out = fmt::format("verify {}\n", r.file.string());
  for (const auto& x : r.checks) {
    std::string where;
    if (!x.table.empty() && x.offset) where = fmt::format("[{} @ {}] ", x.table, *x.offset);
    else if (!x.table.empty()) where = fmt::format("[{}] ", x.table);
    else if (x.offset) where = fmt::format("[@ {}] ", *x.offset);
    std::string status = check_status_name(x.status);
    for (char& ch : status) ch = static_cast<char>(ch - 'a' + 'A');
    out += fmt::format("  {:<7} {:<13} {}{}\n", status, x.name, where, x.detail);
  }
  if (r.immich) {
    const auto& i = *r.immich;
    out += fmt::format("immich: version {}{}, admin {}, {} users, {} albums, {} assets, {} faces, {} people\n",
                       i.version.empty() ? "(unknown)" : i.version,
                       i.migration.empty() ? "" : " (migration " + i.migration + ")",
                       i.admin_exists ? "present" : "MISSING", i.users, i.albums, i.assets, i.faces, i.people);
  }
  counts c = count(r);
  std::string tally = fmt::format("{} passed", c.pass);
  if (c.warn) tally += fmt::format(", {} warning{}", c.warn, c.warn == 1 ? "" : "s");
  if (c.skipped) tally += fmt::format(", {} skipped", c.skipped);
  if (c.fail) tally += fmt::format(", {} failed", c.fail);
  out += r.ok() ? fmt::format("verdict: OK ({})", tally) : fmt::format("verdict: FAILED ({})", tally);
  return out;
}

}  // namespace immichbak
