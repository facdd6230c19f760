#pragma once
// Golden files for the DDL generator tests (tests/golden/ddl/*.sql).
//
// To regenerate after an intended change, run the unit tests with
//     IMMICHBAK_UPDATE_GOLDEN=1 ./unit_tests "[ddl]"
// and review the diff of tests/golden/ddl/ before committing it.
#include <catch2/catch.hpp>

#include "schema/dump_plan.hpp"

#include <immichbak/manifest.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace immichbak::test_ddl {

inline void check_golden(const std::string& name, const std::string& actual) {
  namespace fs = std::filesystem;
  fs::path path = fs::path(IMMICHBAK_SOURCE_DIR) / "tests/golden/ddl" / (name + ".sql");
  const char* update = std::getenv("IMMICHBAK_UPDATE_GOLDEN");
  if (update && std::string(update) == "1") {
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << actual;
    WARN("updated golden file " << path.string());
    return;
  }
  std::ifstream in(path, std::ios::binary);
  INFO("golden file " << path.string() << " (regenerate with IMMICHBAK_UPDATE_GOLDEN=1)");
  REQUIRE(in.good());
  std::stringstream expected;
  expected << in.rdbuf();
  CHECK(actual == expected.str());
}

inline int restore_rank(const schema::ddl_unit& u) {
  switch (u.kind) {
    case frame_kind::pre_data: return 0;
    case frame_kind::post_data:
      return u.phase == post_phase::indexes ? 1 : u.phase == post_phase::foreign_keys ? 2 : 3;
    case frame_kind::owners: return 4;
    case frame_kind::privileges: return 5;
    default: return 9;
  }
}

/// All units in restore order, each under a header naming its frame, label and table.
inline std::string render(const schema::dump_plan& plan) {
  std::string out;
  for (int rank = 0; rank <= 5; ++rank)
    for (const auto& u : plan.units) {
      if (restore_rank(u) != rank) continue;
      static const char* const phases[] = {"", " indexes", " foreign_keys", " final"};
      static const char* const kinds[] = {"header", "pre_data", "data", "post_data", "owners", "privileges"};
      out += "-- ";
      out += kinds[static_cast<int>(u.kind)];
      out += phases[static_cast<int>(u.phase)];
      out += " [" + u.label + "]";
      if (!u.table.empty()) out += " table " + u.schema + "." + u.table;
      out += "\n" + u.sql;
    }
  return out;
}

}  // namespace immichbak::test_ddl
