#include <catch2/catch.hpp>

#include <immichbak/dsn.hpp>
#include <immichbak/error.hpp>

#include "pg/connection.hpp"
#include "pg/redact.hpp"

#include <algorithm>

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

TEST_CASE("malformed URIs lose their password too", "[dsn]") {
  CHECK(redact_dsn("postgresql://u:s3cret@[bad") == "postgresql://u@[bad");
  CHECK(redact_dsn("postgresql://u:s3%zzcret@h/d") == "postgresql://u@h/d");
  // libpq ends the userinfo at the first '/', redaction at the last '@' before the query
  CHECK(redact_dsn("postgresql://u:pa/ss@h/d").find("pa/ss") == std::string::npos);
  CHECK(redact_dsn("postgresql://u:p@ss@h/d") == "postgresql://u@h/d");
}

TEST_CASE("a connection string given as a keyword's value is redacted", "[dsn]") {
  auto r = redact_dsn("host=h dbname=postgresql://u:s3cret@h2/d");
  CHECK(r.find("s3cret") == std::string::npos);
  CHECK(r.find("host=h") != std::string::npos);
}

// libpq refuses these before any network step; its messages quote the URI or the token it
// could not decode, which is where a password used to come through.
TEST_CASE("libpq's parse errors reach the error message without the password", "[dsn]") {
  const std::string pw = "s3cretPW";
  for (const std::string& dsn :
       {"postgresql://u:" + pw + "@[bad", "postgresql://u:" + pw + "%zz@h/db", "postgresql://u:" + pw + "%00@h/db",
        "postgresql://u:%zz" + pw + "@h/db", "postgresql://h/db?password=" + pw + "%zz",
        "postgresql://h/db?password=%00" + pw, "host=h password='" + pw, "host=h password = '" + pw + "\\",
        "host=h password=" + pw + " dbname", "host=h password=" + pw + " port=5432 =x"}) {
    INFO(dsn);
    try {
      immichbak::pg::connection c(dsn);
      FAIL("connected");
    } catch (const immichbak::error& e) {
      std::string m = e.what();
      INFO(m);
      CHECK(e.code() == immichbak::errc::connection_failed);
      CHECK(m.find(pw) == std::string::npos);
      CHECK(m.find("%zz") == std::string::npos);  // the token libpq quotes is masked whole
    }
  }
}

TEST_CASE("conninfo_secrets finds passwords libpq cannot parse, redact_message masks them", "[dsn]") {
  using immichbak::pg::conninfo_secrets;
  using immichbak::pg::redact_message;
  auto has = [](const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
  };
  auto s1 = conninfo_secrets("postgresql://u:a%41b@h/d");
  CHECK(has(s1, "a%41b"));  // as typed
  CHECK(has(s1, "aAb"));    // as libpq decodes it
  auto s2 = conninfo_secrets("host=h password='it\\'s x' user=u");
  CHECK(has(s2, "it's x"));
  CHECK(has(s2, "'it\\'s x'"));
  auto s3 = conninfo_secrets("host=h password='unterminated");
  CHECK(has(s3, "unterminated"));
  CHECK(conninfo_secrets("host=h user=u dbname=d").empty());
  CHECK(conninfo_secrets("").empty());

  CHECK(redact_message("failed: \"pw1\" and pw1", std::vector<std::string>{"pw1"}) == "failed: \"***\" and ***");
  CHECK(redact_message("in URI: \"postgresql://u:x@[bad\"", std::vector<std::string>{}) ==
        "in URI: \"postgresql://u:***@[bad\"");
  CHECK(redact_message("see host=h password=abc user=u", std::vector<std::string>{}) ==
        "see host=h password=*** user=u");
  CHECK(redact_message("see password='a b' user=u", std::vector<std::string>{}) == "see password=*** user=u");
  CHECK(redact_message("password authentication failed for user \"u\"", std::vector<std::string>{}) ==
        "password authentication failed for user \"u\"");
}
