#include <catch2/catch.hpp>

#include "util/sql_quote.hpp"

using namespace immichbak;

TEST_CASE("identifiers are always quoted, quotes doubled", "[quote]") {
  CHECK(sql::ident("asset") == "\"asset\"");
  CHECK(sql::ident("MixedCase") == "\"MixedCase\"");
  CHECK(sql::ident("we\"ird") == "\"we\"\"ird\"");
  CHECK(sql::ident("select") == "\"select\"");
  CHECK(sql::ident("fotos_ü") == "\"fotos_ü\"");
  CHECK(sql::qualified("public", "user") == "\"public\".\"user\"");
}

TEST_CASE("literals double single quotes and keep backslashes", "[quote]") {
  CHECK(sql::literal("it's") == "'it''s'");
  CHECK(sql::literal("a\\b") == "'a\\b'");
}
