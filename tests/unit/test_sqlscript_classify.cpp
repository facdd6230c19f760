// Recognising the statement shapes of pg_dump/pg_dumpall output that a restore treats
// specially, and psql's meta-command argument rules.

#include <catch2/catch.hpp>

#include "sqlscript/classify.hpp"
#include "sqlscript/executor.hpp"
#include "sqlscript/words.hpp"

#include <immichbak/error.hpp>

using namespace immichbak;
using namespace immichbak::sqlscript;
using dk = database_statement::kind;
using gk = global_statement::kind;

TEST_CASE("classify: statements about a database as a whole", "[sqlscript][classify]") {
  auto c = database_reference("CREATE DATABASE \"Src Two\" WITH TEMPLATE = template0 ENCODING = 'UTF8' "
                              "LOCALE_PROVIDER = libc LOCALE = 'C.UTF-8';");
  CHECK(c.what == dk::create);
  CHECK(c.name == "Src Two");
  CHECK(c.encoding == std::optional<std::string>("UTF8"));

  CHECK(database_reference("DROP DATABASE IF EXISTS immich;").what == dk::drop);
  CHECK(database_reference("DROP DATABASE IF EXISTS immich;").name == "immich");
  CHECK(database_reference("DROP DATABASE template1;").name == "template1");

  auto a = database_reference("ALTER DATABASE immich SET search_path TO '$user', 'public', 'vectors';");
  CHECK(a.what == dk::alter);
  CHECK(a.search_path == std::optional<std::string>("'$user', 'public', 'vectors'"));
  CHECK(!a.owner);
  CHECK(database_reference("ALTER DATABASE \"Im\"\"mich\" OWNER TO postgres;").owner);
  CHECK(database_reference("ALTER DATABASE \"Im\"\"mich\" OWNER TO postgres;").name == "Im\"mich");
  CHECK(database_reference("ALTER DATABASE template1 IS_TEMPLATE = true;").what == dk::alter);
  CHECK(database_reference("COMMENT ON DATABASE immich IS 'x';").what == dk::comment);
  CHECK(database_reference("REVOKE CONNECT,TEMPORARY ON DATABASE template1 FROM PUBLIC;").what == dk::privileges);
  CHECK(database_reference("GRANT CONNECT ON DATABASE immich TO reader;").name == "immich");
  CHECK(database_reference("SECURITY LABEL FOR selinux ON DATABASE immich IS 'x';").what == dk::security_label);
  CHECK(database_reference("ALTER ROLE bob IN DATABASE immich SET work_mem TO '1MB';").what == dk::role_setting);
  auto u = database_reference("UPDATE pg_catalog.pg_database SET datistemplate = false WHERE datname = 'template1';");
  CHECK(u.what == dk::update_pg_database);
  CHECK(u.name == "template1");

  CHECK(database_reference("ALTER TABLE public.database OWNER TO x;").what == dk::none);
  CHECK(database_reference("GRANT SELECT ON TABLE public.t TO reader;").what == dk::none);
  CHECK(database_reference("CREATE TABLE database (a int);").what == dk::none);

  std::string stmt = "ALTER DATABASE \"Src Two\" SET work_mem TO '5MB';";
  auto r = database_reference(stmt);
  CHECK(rename_database(stmt, r, "x__immichbak_1") == "ALTER DATABASE \"x__immichbak_1\" SET work_mem TO '5MB';");
  std::string cm = "COMMENT ON DATABASE immich IS 'photos';";
  CHECK(rename_database(cm, database_reference(cm), "New \"One\"") ==
        "COMMENT ON DATABASE \"New \"\"One\"\"\" IS 'photos';");
}

TEST_CASE("classify: roles and tablespaces", "[sqlscript][classify]") {
  CHECK(global_reference("CREATE ROLE immich;").what == gk::create_role);
  CHECK(global_reference("CREATE ROLE \"Immich\";").name == "Immich");
  CHECK(global_reference("CREATE USER bob WITH PASSWORD 'x';").what == gk::create_role);
  CHECK(global_reference("DROP ROLE IF EXISTS postgres;").what == gk::drop_role);
  CHECK(global_reference("DROP ROLE IF EXISTS postgres;").name == "postgres");
  CHECK(global_reference("CREATE TABLESPACE fast OWNER x LOCATION '/ssd';").what == gk::create_tablespace);
  CHECK(global_reference("DROP TABLESPACE IF EXISTS fast;").name == "fast");
  CHECK(global_reference("CREATE TABLE role (a int);").what == gk::none);
  CHECK(global_reference("ALTER ROLE x WITH LOGIN;").what == gk::none);

  using v = std::vector<std::string>;
  CHECK(referenced_roles("ALTER TABLE public.asset OWNER TO immich;") == v{"immich"});
  CHECK(referenced_roles("ALTER FUNCTION public.f(a integer) OWNER TO \"Owner\";") == v{"Owner"});
  CHECK(referenced_roles("GRANT SELECT,INSERT ON TABLE public.t TO reader, \"Writer\";") == v{"reader", "Writer"});
  CHECK(referenced_roles("GRANT ALL ON SCHEMA public TO PUBLIC;").empty());
  CHECK(referenced_roles("REVOKE ALL ON TABLE public.t FROM bob;") == v{"bob"});
  CHECK(referenced_roles("GRANT SELECT (a, b) ON TABLE public.t TO GROUP g WITH GRANT OPTION;") == v{"g"});
  CHECK(referenced_roles("GRANT pg_read_all_data TO alice GRANTED BY postgres;") ==
        v{"alice", "pg_read_all_data", "postgres"});
  CHECK(referenced_roles("ALTER DEFAULT PRIVILEGES FOR ROLE owner IN SCHEMA public GRANT SELECT ON TABLES TO "
                         "reader;") == v{"owner", "reader"});
  CHECK(referenced_roles("SET SESSION AUTHORIZATION 'alice';") == v{"alice"});
  CHECK(referenced_roles("SET ROLE bob;") == v{"bob"});
  CHECK(referenced_roles("SET search_path = public;").empty());
  CHECK(referenced_roles("CREATE TABLE t (owner text);").empty());

  CHECK(is_ownership_statement("ALTER TABLE public.t OWNER TO x;"));
  CHECK(is_ownership_statement("SET SESSION AUTHORIZATION 'x';"));
  CHECK(!is_ownership_statement("ALTER TABLE public.t ADD COLUMN owner text;"));
  CHECK(is_privilege_statement("GRANT SELECT ON t TO x;"));
  CHECK(is_privilege_statement("ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO x;"));
  CHECK(!is_privilege_statement("ALTER TABLE t OWNER TO x;"));
  CHECK(is_role_membership_statement("GRANT a TO b GRANTED BY postgres;"));
  CHECK(!is_role_membership_statement("GRANT SELECT ON t TO b;"));
  CHECK(!is_role_membership_statement("GRANT SELECT (on_col) ON t TO b;"));
}

TEST_CASE("classify: statements about the public schema's owner and privileges", "[sqlscript][classify]") {
  // what pg_dump 15 writes into every database of a PostgreSQL 14 cluster
  CHECK(is_public_schema_statement("ALTER SCHEMA public OWNER TO postgres;"));
  CHECK(is_public_schema_statement("REVOKE USAGE ON SCHEMA public FROM PUBLIC;"));
  CHECK(is_public_schema_statement("GRANT ALL ON SCHEMA public TO PUBLIC;"));
  CHECK(is_public_schema_statement("COMMENT ON SCHEMA public IS 'standard public schema';"));
  CHECK(is_public_schema_statement("GRANT USAGE ON SCHEMA \"public\" TO immich;"));
  CHECK(!is_public_schema_statement("ALTER SCHEMA public RENAME TO old;"));
  CHECK(!is_public_schema_statement("GRANT SELECT ON TABLE public.t TO x;"));
  CHECK(!is_public_schema_statement("GRANT ALL ON SCHEMA app TO x;"));
  CHECK(!is_public_schema_statement("GRANT ALL ON ALL TABLES IN SCHEMA public TO x;"));
  CHECK(!is_public_schema_statement("CREATE SCHEMA public;"));
  CHECK(!is_public_schema_statement("COMMENT ON TABLE public.t IS 'x';"));
}

TEST_CASE("classify: session settings, search_path, extensions, COPY", "[sqlscript][classify]") {
  CHECK(is_session_statement("SET statement_timeout = 0;"));
  CHECK(is_session_statement("SELECT pg_catalog.set_config('search_path', '', false);"));
  CHECK(is_session_statement("RESET ALL;"));
  CHECK(!is_session_statement("SET ROLE x;"));
  CHECK(!is_session_statement("SELECT pg_catalog.setval('public.s', 5, true);"));
  CHECK(is_empty_search_path_statement("SELECT pg_catalog.set_config('search_path', '', false);"));
  CHECK(is_empty_search_path_statement("select pg_catalog.set_config( 'search_path' , '' , false ) ;"));
  CHECK(!is_empty_search_path_statement("SELECT pg_catalog.set_config('search_path', 'public', false);"));
  CHECK(!is_empty_search_path_statement("SELECT pg_catalog.set_config('search_path', '', true);"));
  CHECK(client_encoding_setting("SET client_encoding = 'UTF8';") == std::optional<std::string>("UTF8"));
  CHECK(!client_encoding_setting("SET search_path = x;"));

  auto e = create_extension("CREATE EXTENSION IF NOT EXISTS vectors WITH SCHEMA vectors;");
  REQUIRE(e);
  CHECK(e->name == "vectors");
  CHECK(e->schema == "vectors");
  auto e2 = create_extension("CREATE EXTENSION \"uuid-ossp\";");
  REQUIRE(e2);
  CHECK(e2->name == "uuid-ossp");
  CHECK(e2->schema.empty());
  CHECK(!create_extension("CREATE TABLE extension (a int);"));

  CHECK(copy_table("COPY public.\"user\" (id, name) FROM stdin;") == "public.\"user\"");
  CHECK(copy_table("COPY t FROM stdin;") == "t");
  CHECK(first_keyword("/* c */ -- x\n  Select 1;") == "select");
  CHECK(first_keyword("(SELECT 1);").empty());
}

TEST_CASE("words: tokens keep their byte ranges", "[sqlscript][classify]") {
  std::string s = "ALTER /* x */ DATABASE \"My DB\" SET x = E'a\\'b';";
  auto w = read_words(s);
  REQUIRE(w.size() == 8);
  CHECK(w[2].what == word::kind::quoted_ident);
  CHECK(w[2].value == "My DB");
  CHECK(s.substr(w[2].begin, w[2].end - w[2].begin) == "\"My DB\"");
  CHECK(w[6].what == word::kind::string);
  CHECK(w[6].value == "a'b");
  CHECK(read_words("SELECT $q$ a;b $q$, $1", 10)[1].value == " a;b ");
}

TEST_CASE("meta-command arguments and the targets of connect", "[sqlscript][classify]") {
  using v = std::vector<std::string>;
  CHECK(meta_arguments("ON_ERROR_STOP on", true, 1) == v{"ON_ERROR_STOP", "on"});
  CHECK(meta_arguments("  \"Foo Bar\"  x", false, 1) == v{"Foo Bar", "x"});
  CHECK(meta_arguments("\"Foo Bar\"", true, 1) == v{"\"Foo Bar\""});
  CHECK(meta_arguments("'it''s' 'a\\tb'", false, 1) == v{"it's", "a\tb"});
  CHECK(meta_arguments("-reuse-previous=on \"dbname='Src Two'\"", false, 1) == v{"-reuse-previous=on", "dbname='Src Two'"});
  CHECK_THROWS_AS(meta_arguments("`rm -rf /`", false, 3), error);
  CHECK_THROWS_AS(meta_arguments(":var", false, 3), error);
  CHECK_THROWS_AS(meta_arguments("db \\\\ \\echo x", false, 3), error);

  CHECK(connect_target("immich", 1) == "immich");
  CHECK(connect_target("dbname='Src Two'", 1) == "Src Two");
  CHECK(connect_target("dbname='it\\'s'", 1) == "it's");
  CHECK(connect_target("dbname=plain", 1) == "plain");
  try {
    connect_target("dbname=x host=evil.example", 7);
    FAIL("expected a refusal");
  } catch (const error& e) {
    CHECK(e.code() == errc::unsupported_format);
    CHECK_THAT(e.what(), Catch::Contains("line 7") && Catch::Contains("host"));
  }
  CHECK_THROWS_AS(connect_target("postgresql://evil/x", 1), error);
}
