// The test helpers that restore with stock tools say why psql failed.
#include "test_backup_support.hpp"

#include <fstream>

using namespace immichbak;

TEST_CASE("tests: restore_with_psql reports psql's ERROR line when the restore fails", "[backup][matrix]") {
  test::scratch_database db("psql_err");
  test::temp_dir dir("psql_err");
  auto plain = dir.path() / "broken.sql";
  std::ofstream(plain) << "CREATE TABLE t (id integer);\nSELECT no_such_function_here();\n";
  auto zst = dir.path() / "broken.sql.zst";
  test::run_ok(fmt::format("zstd -q -c {} > {}", test::shell_quote(plain.string()), test::shell_quote(zst.string())));
  for (const auto& f : {plain, zst}) {
    INFO(f);
    try {
      test::restore_with_psql(f, db.name());
      FAIL("psql did not fail");
    } catch (const std::runtime_error& e) {
      std::string m = e.what();
      INFO(m);
      CHECK(m.find("ERROR:") != std::string::npos);
      CHECK(m.find("no_such_function_here") != std::string::npos);
    }
    db.psql("DROP TABLE IF EXISTS t");
  }
}
