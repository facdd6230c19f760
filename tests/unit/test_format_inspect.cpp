// read_manifest / to_json / to_text of a manifest, and extract_table.
#include "test_format_support.hpp"

#include <immichbak/error.hpp>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <sstream>

using namespace immichbak;
using namespace immichbak::test;

TEST_CASE("read_manifest and its JSON and text forms", "[format][inspect]") {
  temp_dir dir("insp");
  auto s = write_sample(dir.path(), compression::zstd);
  manifest m = read_manifest(s.file);
  CHECK(format::manifest_to_json(m, false) == format::manifest_to_json(s.m, false));
  auto j = nlohmann::json::parse(to_json(m));
  CHECK(j["database"] == "immich");
  CHECK(j["frames"].size() == m.frames.size());
  CHECK(to_json(m, false).find('\n') == std::string::npos);

  std::string text = to_text(m);
  CHECK_THAT(text, Catch::Contains("PostgreSQL 15.18") && Catch::Contains("v1.130.0") &&
                       Catch::Contains("public.asset") && Catch::Contains("zstd level 3") &&
                       Catch::Contains("excluded (--exclude-regenerable)") && Catch::Contains("cube 1.5"));
  CHECK(text.back() != '\n');
  CHECK_THROWS_AS(read_manifest(dir.path() / "missing.sql.zst"), error);
}

TEST_CASE("extract_table writes the header, the table's DDL and data, and nothing else", "[format][extract]") {
  temp_dir dir("extract");
  for (auto c : {compression::zstd, compression::none}) {
    auto s = write_sample(dir.path(), c);
    std::ostringstream out;
    extract_table(s.file, "asset", out);
    std::string sql = out.str();
    CHECK(sql.rfind(format::header_sql(), 0) == 0);
    CHECK_THAT(sql, Catch::Contains("CREATE TABLE \"public\".\"asset\""));
    CHECK_THAT(sql, Catch::Contains(format::set_search_path_sql("\"$user\", public")));
    CHECK_THAT(sql, Catch::Contains("COPY \"public\".\"asset\""));
    const auto tables = default_tables();
    for (const auto& row : tables[0].rows) CHECK_THAT(sql, Catch::Contains(row + "\n"));
    CHECK_THAT(sql, Catch::Contains("CREATE INDEX asset_path_idx"));
    CHECK_THAT(sql, Catch::Contains("OWNER TO"));
    CHECK_THAT(sql, Catch::Contains("GRANT SELECT"));
    CHECK_THAT(sql, !Catch::Contains("\"public\".\"tag\"") && !Catch::Contains("setval"));
    // The search path is set after the table's DDL and before its data.
    CHECK(sql.find("set_config('search_path', '\"$user\"") < sql.find("COPY \"public\".\"asset\""));
    CHECK(sql.find("CREATE TABLE \"public\".\"asset\"") < sql.find("set_config('search_path', '\"$user\""));

    std::ostringstream weird;
    extract_table(s.file, "We\"ird.Tab le", weird);
    CHECK_THAT(weird.str(), Catch::Contains("only one\n"));
    std::ostringstream excluded;
    extract_table(s.file, "public.smart_search", excluded);
    CHECK_THAT(excluded.str(), Catch::Contains("CREATE TABLE") && !Catch::Contains("COPY"));
  }
}

TEST_CASE("extract_table names a missing or ambiguous table and suggests close names", "[format][extract]") {
  temp_dir dir("extract_missing");
  auto tables = default_tables();
  tables.push_back({"other", "tag", "(\"id\")", {"1"}, 1});
  auto s = write_sample(dir.path(), compression::none, "", tables);
  std::ostringstream out;
  try {
    extract_table(s.file, "assets", out);
    FAIL("expected an error");
  } catch (const error& e) {
    CHECK(e.code() == errc::invalid_argument);
    CHECK_THAT(e.what(), Catch::Contains("\"assets\"") && Catch::Contains("public.asset"));
  }
  try {
    extract_table(s.file, "tag", out);
    FAIL("expected an error");
  } catch (const error& e) {
    CHECK(e.code() == errc::invalid_argument);
    CHECK_THAT(e.what(), Catch::Contains("ambiguous") && Catch::Contains("public.tag") && Catch::Contains("other.tag"));
  }
  std::ostringstream ok;
  extract_table(s.file, "other.tag", ok);
  CHECK_THAT(ok.str(), Catch::Contains("COPY \"other\".\"tag\""));
  CHECK(out.str().empty());
}
