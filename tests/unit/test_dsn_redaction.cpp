#include <catch2/catch.hpp>

#include <immichbak/dsn.hpp>

using immichbak::redact_dsn;

TEST_CASE("URI passwords are removed", "[dsn]") {
  CHECK(redact_dsn("postgresql://immich:s3cret@db:5432/immich") == "postgresql://immich@db:5432/immich");
  CHECK(redact_dsn("postgres://u:p%40ss@h/d?sslmode=require") == "postgres://u@h/d?sslmode=require");
  CHECK(redact_dsn("postgresql://h/d?user=u&password=pw&x=1") == "postgresql://h/d?user=u&password=***&x=1");
  CHECK(redact_dsn("postgresql://h/d?password=pw") == "postgresql://h/d?password=***");
}

TEST_CASE("keyword passwords are masked", "[dsn]") {
  auto r = redact_dsn("host=db user=immich password='a b c' dbname=immich");
  CHECK(r.find("a b c") == std::string::npos);
  CHECK(r.find("password=***") != std::string::npos);
  CHECK(r.find("dbname=immich") != std::string::npos);
}

TEST_CASE("unparseable DSNs are not echoed", "[dsn]") {
  CHECK(redact_dsn("host=db password='unterminated") == "<unparseable connection string>");
  CHECK(redact_dsn("") == "");
}
