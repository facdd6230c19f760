// ACL differences, database settings and small helpers of the DDL generator.
// Regenerate goldens: IMMICHBAK_UPDATE_GOLDEN=1 ./unit_tests "[ddl]" (see test_ddl_golden.hpp).
#include "test_ddl_golden.hpp"

#include "schema/ddl.hpp"

using namespace immichbak;
using namespace immichbak::schema;

namespace {
acl_item item(std::string grantee, std::string grantor, std::vector<std::string> privs, std::vector<std::string> go = {}) {
  return {std::move(grantee), std::move(grantor), std::move(privs), std::move(go)};
}
}  // namespace

TEST_CASE("a NULL acl or one equal to the default emits nothing", "[ddl][acl]") {
  acl_info a;
  a.base = {item("", "o", {"EXECUTE"}), item("o", "o", {"EXECUTE"})};
  CHECK(acl_statements("FUNCTION", "\"s\".\"f\"()", "", a, "o").empty());
  a.is_null = false;
  a.items = a.base;
  CHECK(acl_statements("FUNCTION", "\"s\".\"f\"()", "", a, "o").empty());
}

TEST_CASE("acl differences are emitted like pg_dump: revoke changed base items, grant the rest", "[ddl][acl]") {
  std::string out;
  // REVOKE EXECUTE ... FROM PUBLIC on a function.
  acl_info f;
  f.is_null = false;
  f.base = {item("", "Owner \"1\"", {"EXECUTE"}), item("Owner \"1\"", "Owner \"1\"", {"EXECUTE"})};
  f.items = {item("Owner \"1\"", "Owner \"1\"", {"EXECUTE"}), item("reader", "Owner \"1\"", {"EXECUTE"})};
  out += acl_statements("FUNCTION", "\"app\".\"f\"(integer)", "", f, "Owner \"1\"");
  // A table: owner lost TRUNCATE, grants with and without grant option, one granted by
  // another role (needs SET SESSION AUTHORIZATION).
  acl_info t;
  t.is_null = false;
  t.base = {item("o", "o", {"INSERT", "SELECT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"})};
  t.items = {item("o", "o", {"INSERT", "SELECT", "UPDATE", "DELETE", "REFERENCES", "TRIGGER"}),
             item("reader", "o", {"SELECT"}), item("Mixed Role", "o", {}, {"INSERT"}),
             item("writer", "Mixed Role", {"SELECT"}, {"INSERT"}), item("", "o", {"SELECT"})};
  out += acl_statements("TABLE", "\"app\".\"t\"", "", t, "o");
  // Column privileges (base is empty).
  acl_info c;
  c.is_null = false;
  c.items = {item("writer", "o", {"SELECT", "UPDATE"})};
  out += acl_statements("TABLE", "\"app\".\"t\"", "\"Col umn\"", c, "o");
  // Default privileges, global and per schema.
  acl_info d;
  d.is_null = false;
  d.base = {item("", "o", {"EXECUTE"}), item("o", "o", {"EXECUTE"})};
  d.items = {item("o", "o", {"EXECUTE"})};
  out += acl_statements("FUNCTIONS", "", "", d, "o", "ALTER DEFAULT PRIVILEGES FOR ROLE \"o\" ");
  acl_info ds;
  ds.is_null = false;
  ds.items = {item("reader", "o", {"SELECT"})};
  out += acl_statements("TABLES", "", "", ds, "o", "ALTER DEFAULT PRIVILEGES FOR ROLE \"o\" IN SCHEMA \"app\" ");
  test_ddl::check_golden("acl", out);
}

TEST_CASE("database settings are applied to whatever database is restored into", "[ddl][settings]") {
  std::string out;
  out += setting_statement({"", "search_path", "\"$user\", public, \"My Schema\", vectors"});
  out += setting_statement({"", "work_mem", "64MB"});
  out += setting_statement({"", "app.note", "it's $do$ tricky"});
  out += setting_statement({"Some \"Role\"", "statement_timeout", "5s"});
  out += database_comment_statement("the 'photos' db");
  test_ddl::check_golden("settings", out);
  CHECK(setting_value_sql("search_path", "\"$user\", public") == "'$user', 'public'");
  CHECK(setting_value_sql("search_path", "") == "''");
  CHECK(setting_value_sql("search_path", "a,\"b \"\"c\"\"\"") == "'a', 'b \"c\"'");
  CHECK(setting_value_sql("DateStyle", "ISO, MDY") == "'ISO, MDY'");
}

TEST_CASE("glob patterns match schema.table or table names", "[ddl][glob]") {
  CHECK(glob_match("asset_job_status", "asset_job_status"));
  CHECK(glob_match("*", "anything"));
  CHECK(glob_match("public.*", "public.asset"));
  CHECK_FALSE(glob_match("public.*", "other.asset"));
  CHECK(glob_match("*_search", "smart_search"));
  CHECK(glob_match("a?c", "abc"));
  CHECK_FALSE(glob_match("a?c", "abbc"));
  CHECK(glob_match("*a*b*", "xxaxxbxx"));
  CHECK_FALSE(glob_match("*a*b", "xxaxxbxx"));
  CHECK(glob_match("", ""));
  CHECK_FALSE(glob_match("", "x"));
}

TEST_CASE("dollar quoting picks a tag not in the body", "[ddl]") {
  CHECK(dollar_quote("abc", "do") == "$do$abc$do$");
  CHECK(dollar_quote("x $do y", "do") == "$do1$x $do y$do1$");
  CHECK(dollar_quote("$do $do1", "do") == "$do2$$do $do1$do2$");
}

TEST_CASE("extensions that need shared_preload_libraries", "[ddl]") {
  CHECK(extension_needs_preload("vchord"));
  CHECK(extension_needs_preload("vectors"));
  CHECK(extension_needs_preload("timescaledb"));
  CHECK_FALSE(extension_needs_preload("vector"));
  CHECK_FALSE(extension_needs_preload("earthdistance"));
  CHECK_FALSE(extension_needs_preload("pg_stat_statements"));
}
