#include <catch2/catch.hpp>

#include "util/sql_quote.hpp"

using namespace immichbak;

TEST_CASE("identifiers are always quoted, quotes doubled", "[quote]") {
  CHECK(util::sql::ident("asset") == "\"asset\"");
  CHECK(util::sql::ident("MixedCase") == "\"MixedCase\"");
  CHECK(util::sql::ident("we\"ird") == "\"we\"\"ird\"");
  CHECK(util::sql::ident("select") == "\"select\"");
  CHECK(util::sql::ident("fotos_ü") == "\"fotos_ü\"");
  CHECK(util::sql::qualified("public", "user") == "\"public\".\"user\"");
}

TEST_CASE("literals double single quotes and keep backslashes", "[quote]") {
  CHECK(util::sql::literal("it's") == "'it''s'");
  CHECK(util::sql::literal("a\\b") == "'a\\b'");
}
