#include "run/state.hpp"

#include "format/atomic_file.hpp"
#include "util/utc_time.hpp"

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

namespace immichbak::run_detail {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t state_max_bytes = 64 * 1024;

std::optional<std::time_t> time_field(const nlohmann::json& j, const char* key, bool* bad) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) {
    *bad = true;
    return std::nullopt;
  }
  auto t = util::parse_iso8601_utc(it->get<std::string>());
  if (!t) *bad = true;
  return t;
}

}  // namespace

fs::path run_state_path(const fs::path& dir, const std::string& prefix) {
  return dir / (".immichbak-run-" + prefix + ".json");
}

std::string run_state_json(const run_state& s, const std::string& prefix) {
  nlohmann::json j;
  j["format"] = 1;
  j["prefix"] = prefix;
  j["last_success"] = s.last_success ? nlohmann::json(util::iso8601_utc(*s.last_success)) : nlohmann::json();
  j["last_restore_test"] = s.last_restore_test ? nlohmann::json(util::iso8601_utc(*s.last_restore_test)) : nlohmann::json();
  j["last_restore_test_file"] = s.last_restore_test_file;
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::optional<run_state> parse_run_state(const std::string& text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || j.value("format", 0) != 1) return std::nullopt;
  bool bad = false;
  run_state s;
  s.last_success = time_field(j, "last_success", &bad);
  s.last_restore_test = time_field(j, "last_restore_test", &bad);
  if (auto it = j.find("last_restore_test_file"); it != j.end() && it->is_string()) s.last_restore_test_file = *it;
  if (bad) return std::nullopt;
  return s;
}

run_state read_run_state(const fs::path& dir, const std::string& prefix, std::string* problem) {
  const fs::path p = run_state_path(dir, prefix);
  std::error_code ec;
  if (!fs::exists(p, ec)) return {};
  std::ifstream in(p, std::ios::binary);
  std::ostringstream text;
  if (in) text << in.rdbuf();
  if (!in || text.str().size() > state_max_bytes) {
    if (problem) *problem = "cannot read " + p.string();
    return {};
  }
  if (auto s = parse_run_state(text.str())) return *s;
  if (problem) *problem = p.string() + " is not a run state file; it will be written anew";
  return {};
}

void write_run_state(const fs::path& dir, const std::string& prefix, const run_state& s) {
  format::write_file_atomic(run_state_path(dir, prefix), run_state_json(s, prefix));
}

}  // namespace immichbak::run_detail
