// The manifest's JSON form (docs/format.md 4): round trip, tolerance for newer minors,
// strictness about types and required members.
#include "test_format_support.hpp"

#include <immichbak/error.hpp>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace immichbak;
using namespace immichbak::test;
using json = nlohmann::json;

namespace {

manifest sample_manifest() {
  temp_dir dir("fmt_json");
  return write_sample(dir.path(), compression::zstd).m;
}

errc parse_error(const std::string& text) {
  try {
    format::manifest_from_json(text);
  } catch (const error& e) {
    return e.code();
  }
  return errc::internal;
}

}  // namespace

TEST_CASE("manifest JSON round trip keeps every field", "[format][manifest]") {
  manifest m = sample_manifest();
  m.exclusion_presets = {"regenerable"};
  m.database_settings.push_back({"immich", "work_mem", "64MB"});
  m.extensions.push_back({"vchord", "0.4.3", "public", true});
  m.compression_level = -5;
  std::string compact = format::manifest_to_json(m, false);
  CHECK(compact.find('\n') == std::string::npos);
  manifest back = format::manifest_from_json(compact);
  CHECK(format::manifest_to_json(back, false) == compact);
  CHECK(format::manifest_from_json(format::manifest_to_json(m, true)).frames.size() == m.frames.size());
  CHECK(back.compression_level == -5);
  CHECK(back.extensions.back().needs_preload);
  CHECK(back.tables.size() == m.tables.size());
  CHECK(back.tables[3].data_excluded);
  CHECK(back.tables[3].exclusion_reason == "--exclude-regenerable");
  CHECK(back.frames[1].label == "TABLE public.asset");
  CHECK(back.session_settings.at("TimeZone") == "UTC");
  CHECK(back.session_settings.at("search_path").empty());
}

TEST_CASE("unknown members are ignored, optional ones default", "[format][manifest]") {
  json j = json::parse(format::manifest_to_json(sample_manifest(), false));
  j["added_in_1_1"] = {{"anything", {1, 2, 3}}};
  j["tables"][0]["new_table_field"] = "x";
  j["frames"][0]["new_frame_field"] = 7;
  j.erase("immich_version");
  j.erase("extensions");
  j["frames"][0].erase("label");
  manifest m = format::manifest_from_json(j.dump());
  CHECK(m.immich_version.empty());
  CHECK(m.extensions.empty());
  CHECK(m.frames.size() == j["frames"].size());

  json minimal = {{"format_major", 1}, {"format_minor", 0}, {"compression", "none"}, {"tables", json::array()},
                  {"frames", json::array()}};
  CHECK(format::manifest_from_json(minimal.dump()).frames.empty());
}

TEST_CASE("damaged manifests are rejected as corrupt_backup", "[format][manifest]") {
  const json good = json::parse(format::manifest_to_json(sample_manifest(), false));
  auto with = [&](const std::function<void(json&)>& edit) {
    json j = good;
    edit(j);
    return parse_error(j.dump());
  };
  CHECK(parse_error("") == errc::corrupt_backup);
  CHECK(parse_error("{") == errc::corrupt_backup);
  CHECK(parse_error("[]") == errc::corrupt_backup);
  CHECK(parse_error(good.dump().substr(0, good.dump().size() / 2)) == errc::corrupt_backup);
  CHECK(with([](json& j) { j.erase("frames"); }) == errc::corrupt_backup);
  CHECK(with([](json& j) { j.erase("tables"); }) == errc::corrupt_backup);
  CHECK(with([](json& j) { j.erase("format_major"); }) == errc::corrupt_backup);
  CHECK(with([](json& j) { j["format_major"] = "1"; }) == errc::corrupt_backup);
  CHECK(with([](json& j) { j["frames"][0]["offset"] = -1; }) == errc::corrupt_backup);
  CHECK(with([](json& j) { j["frames"][0]["offset"] = 1.5; }) == errc::corrupt_backup);
  CHECK(with([](json& j) { j["frames"][0]["kind"] = "toast"; }) == errc::corrupt_backup);
  CHECK(with([](json& j) { j["frames"][0]["phase"] = "indexes"; }) == errc::corrupt_backup);  // header with phase
  CHECK(with([](json& j) { j["frames"][0]["sha256"] = "ABC"; }) == errc::corrupt_backup);
  CHECK(with([](json& j) { j["frames"][0].erase("plain_size"); }) == errc::corrupt_backup);
  CHECK(with([](json& j) { j["tables"][0]["data_excluded"] = 1; }) == errc::corrupt_backup);
  CHECK(with([](json& j) { j["tables"][0].erase("name"); }) == errc::corrupt_backup);
  CHECK(with([](json& j) { j["session_settings"] = {{"a", 1}}; }) == errc::corrupt_backup);
  CHECK(with([](json& j) { j["roles"] = {1}; }) == errc::corrupt_backup);
  CHECK(with([](json& j) { j["server_version_num"] = 1e30; }) == errc::corrupt_backup);
  CHECK(with([](json& j) { j["server_version_num"] = 99999999999ull; }) == errc::corrupt_backup);
}

TEST_CASE("deeply nested JSON is refused without recursion", "[format][manifest]") {
  std::string deep = "{\"x\":" + std::string(100000, '[') + std::string(100000, ']') + "}";
  try {
    format::manifest_from_json(deep);
    FAIL("expected an error");
  } catch (const error& e) {
    CHECK(e.code() == errc::corrupt_backup);
    CHECK_THAT(e.what(), Catch::Contains("nested deeper"));
  }
}
