// sqlscript/statement_check: a frame of ours holds only what our writer writes in its
// section. The DDL the writer produces (the golden files of tests/golden/ddl, rendered by
// the real schema/ddl_*.cpp code) passes; statements it never writes are refused in every
// section, with the line and the statement named.
#include "test_format_support.hpp"

#include "sqlscript/statement_check.hpp"

#include <catch2/catch.hpp>

#include <regex>

using namespace immichbak;
using namespace immichbak::test;

namespace {

manifest_frame frame(frame_kind k, post_phase p = post_phase::none) {
  manifest_frame f;
  f.kind = k;
  f.phase = p;
  return f;
}

struct section_case {
  const char* name;
  manifest_frame f;
};

std::vector<section_case> all_sections() {
  return {{"header", frame(frame_kind::header)},
          {"pre_data", frame(frame_kind::pre_data)},
          {"indexes", frame(frame_kind::post_data, post_phase::indexes)},
          {"foreign_keys", frame(frame_kind::post_data, post_phase::foreign_keys)},
          {"final", frame(frame_kind::post_data, post_phase::final)},
          {"owners", frame(frame_kind::owners)},
          {"privileges", frame(frame_kind::privileges)}};
}

std::string golden(const std::string& name) {
  return read_file(test::source_dir() / "tests" / "golden" / "ddl" / (name + ".sql"));
}

// plan.sql: units under "-- <kind>[ <phase>] [label]" lines.
std::vector<std::pair<manifest_frame, std::string>> plan_units(const std::string& text) {
  std::vector<std::pair<manifest_frame, std::string>> out;
  static const std::regex head(R"(^-- (pre_data|post_data indexes|post_data foreign_keys|post_data final|owners|privileges) \[)");
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    std::string line = text.substr(pos, nl - pos);
    std::smatch m;
    if (std::regex_search(line, m, head)) {
      std::string k = m[1];
      manifest_frame f = k == "pre_data"                 ? frame(frame_kind::pre_data)
                         : k == "post_data indexes"      ? frame(frame_kind::post_data, post_phase::indexes)
                         : k == "post_data foreign_keys" ? frame(frame_kind::post_data, post_phase::foreign_keys)
                         : k == "post_data final"        ? frame(frame_kind::post_data, post_phase::final)
                         : k == "owners"                 ? frame(frame_kind::owners)
                                                         : frame(frame_kind::privileges);
      f.label = line;
      out.emplace_back(f, "");
    } else if (!out.empty()) {
      out.back().second += line + "\n";
    }
    pos = nl == std::string::npos ? text.size() : nl + 1;
  }
  return out;
}

std::optional<std::string> check(const manifest_frame& f, const std::string& sql) {
  return sqlscript::check_frame_statements(f, sql);
}

}  // namespace

TEST_CASE("what the writer writes passes the statement check", "[format][statements]") {
  // The whole plan, unit by unit in its own section.
  auto units = plan_units(golden("plan"));
  REQUIRE(units.size() > 40);
  for (const auto& [f, sql] : units) {
    INFO(f.label << "\n" << sql);
    CHECK(check(f, sql) == std::nullopt);
  }
  // The per-object goldens, in the section their statements are written to.
  const manifest_frame pre = frame(frame_kind::pre_data);
  for (const char* name : {"misc_objects", "routines", "types", "table_partitions_inheritance"}) {
    INFO(name);
    CHECK(check(pre, golden(name)) == std::nullopt);
  }
  std::string awkward = golden("table_awkward");
  awkward.erase(awkward.find("-- with the default"), std::string::npos);
  CHECK(check(pre, awkward) == std::nullopt);
  CHECK(check(frame(frame_kind::privileges), golden("acl")) == std::nullopt);
  std::string settings = golden("settings");
  std::string database_level, role_level;
  for (std::size_t pos = 0; pos < settings.size();) {
    std::size_t nl = settings.find('\n', pos);
    std::string line = settings.substr(pos, nl - pos + 1);
    (line.find("'ALTER ROLE '") != std::string::npos ? role_level : database_level) += line;
    pos = nl + 1;
  }
  CHECK(check(frame(frame_kind::post_data, post_phase::final), database_level) == std::nullopt);
  CHECK(check(frame(frame_kind::owners), role_level) == std::nullopt);

  // Shapes of the writer that no golden file shows yet.
  CHECK(check(pre,
              "ALTER SEQUENCE \"public\".\"narrow_ident_id_seq\"\n    AS bigint\n    START WITH 7\n    INCREMENT BY 1\n"
              "    MINVALUE 1\n    MAXVALUE 9223372036854775807\n    CACHE 1;\n") == std::nullopt);
  CHECK(check(pre, "ALTER SEQUENCE \"s\".\"q\"\n    AS integer\n    START WITH -5\n    INCREMENT BY -1\n    MINVALUE "
                   "-2147483648\n    MAXVALUE -1\n    CACHE 1\n    CYCLE;\n") == std::nullopt);
  CHECK(check(pre, "ALTER SEQUENCE \"s\".\"q\" AS bigint RENAME TO x;\n"));
  CHECK(check(pre, "ALTER SEQUENCE \"s\".\"q\" AS bigint START WITH (SELECT 1);\n"));

  // The header, and every DDL frame of the format tests' sample backup.
  CHECK(check(frame(frame_kind::header), format::header_sql()) == std::nullopt);
  temp_dir dir("stmt_sample");
  auto s = write_sample(dir.path(), compression::none);
  for (std::size_t i = 0; i < s.m.frames.size(); ++i) {
    if (s.m.frames[i].kind == frame_kind::data) continue;
    INFO(s.plain[i]);
    CHECK(check(s.m.frames[i], s.plain[i]) == std::nullopt);
  }
}

TEST_CASE("statements immichbak never writes are refused in every section", "[format][statements]") {
  const std::vector<std::string> hostile = {
      "DROP DATABASE victim;\n",
      "DROP DATABASE IF EXISTS \"victim\";\n",
      "DROP TABLE \"public\".\"asset\";\n",
      "ALTER SYSTEM SET shared_preload_libraries = 'evil';\n",
      "COPY \"public\".\"asset\" TO PROGRAM 'touch /tmp/owned';\n",
      "COPY (SELECT 1) TO PROGRAM 'id';\n",
      "COPY \"public\".\"asset\" FROM '/etc/passwd';\n",
      "COPY \"public\".\"asset\" TO '/tmp/x';\n",
      "CREATE ROLE evil SUPERUSER LOGIN PASSWORD 'x';\n",
      "ALTER ROLE \"immich\" SUPERUSER;\n",
      "ALTER USER immich WITH PASSWORD 'x';\n",
      "SET ROLE postgres;\n",
      "SET SESSION AUTHORIZATION postgres;\n",
      "SET search_path = evil;\n",
      "RESET ALL;\n",
      "SELECT pg_read_file('/etc/passwd');\n",
      "SELECT pg_catalog.pg_read_binary_file('/etc/shadow');\n",
      "SELECT lo_import('/etc/passwd');\n",
      "SELECT dblink_exec('host=evil', 'DROP DATABASE x');\n",
      "SELECT pg_catalog.pg_terminate_backend(42);\n",
      "SELECT pg_catalog.set_config('role', 'postgres', false);\n",
      "SELECT pg_catalog.setval('s', (SELECT count(*) FROM pg_catalog.pg_read_file('/etc/passwd')), true);\n",
      "SELECT 1;\n",
      "INSERT INTO \"public\".\"asset\" VALUES (1);\n",
      "UPDATE \"public\".\"asset\" SET id = 2;\n",
      "DELETE FROM \"public\".\"asset\";\n",
      "TRUNCATE \"public\".\"asset\";\n",
      "LOAD '/tmp/evil.so';\n",
      "CHECKPOINT;\n",
      "VACUUM FULL;\n",
      "CREATE EXTENSION IF NOT EXISTS \"plpython3u\" WITH SCHEMA \"public\";\n",
      "CREATE EXTENSION dblink;\n",
      "CREATE LANGUAGE plpython3u;\n",
      "CREATE OR REPLACE FUNCTION public.f() RETURNS integer LANGUAGE c AS '/tmp/evil.so', 'f';\n",
      "CREATE OR REPLACE FUNCTION public.f() RETURNS text LANGUAGE internal AS 'pg_read_file_v2';\n",
      "CREATE OR REPLACE FUNCTION public.f() RETURNS integer LANGUAGE plpython3u AS $$import os; os.system('id')$$;\n",
      "CREATE OR REPLACE FUNCTION public.f() RETURNS void LANGUAGE plpgsql AS $$BEGIN EXECUTE 'COPY x TO PROGRAM "
      "''id'''; END$$;\n",
      "CREATE OR REPLACE FUNCTION public.f() RETURNS void LANGUAGE plpgsql AS $f$BEGIN EXECUTE format('ALTER SYSTEM "
      "SET x = %L', 1); END$f$;\n",
      "CREATE OR REPLACE FUNCTION public.f() RETURNS text LANGUAGE sql AS $$ SELECT pg_read_file('/etc/passwd') $$;\n",
      "CREATE OR REPLACE FUNCTION public.f() RETURNS void LANGUAGE plpgsql AS $$BEGIN COPY x TO PROGRAM 'id'; END$$;\n",
      "CREATE TABLE \"public\".\"t\" AS SELECT pg_catalog.now();\n",
      "CREATE TABLE \"public\".\"t\" (\"a\" text DEFAULT pg_read_file('/etc/passwd'));\n",
      "CREATE MATERIALIZED VIEW \"public\".\"m\" AS SELECT 1;\n",
      "CREATE TYPE public.evil (INPUT = public.evil_in, OUTPUT = public.evil_out);\n",
      "DO $$BEGIN EXECUTE 'DROP DATABASE victim'; END$$;\n",
      "DO $do$ BEGIN EXECUTE 'ALTER DATABASE ' || pg_catalog.quote_ident(pg_catalog.current_database()) || ' SET "
      "\"session_preload_libraries\" TO ''/tmp/evil'''; END $do$;\n",
      "DO $do$ BEGIN EXECUTE 'ALTER DATABASE ' || pg_catalog.quote_ident(pg_catalog.current_database()) || ' RENAME "
      "TO x'; END $do$;\n",
      "DO $do$ BEGIN EXECUTE 'ALTER ROLE ' || '\"x\"; DROP DATABASE y; --' || ' IN DATABASE ' || "
      "pg_catalog.quote_ident(pg_catalog.current_database()) || ' SET \"work_mem\" TO ''8MB'''; END $do$;\n",
      "GRANT \"pg_execute_server_program\" TO \"immich\";\n",
      "GRANT pg_read_server_files TO immich;\n",
      "GRANT ALL ON DATABASE immich TO PUBLIC;\n",
      "GRANT USAGE ON LANGUAGE plpython3u TO PUBLIC;\n",
      "GRANT SELECT ON ALL TABLES IN SCHEMA public TO PUBLIC;\n",
      "ALTER TABLE \"public\".\"asset\" ALTER COLUMN \"id\" TYPE text USING pg_read_file('x');\n",
      "ALTER TABLE \"public\".\"asset\" OWNER TO \"evil\", SET TABLESPACE x;\n",
      "ALTER DATABASE immich OWNER TO evil;\n",
      "CREATE EVENT TRIGGER e ON ddl_command_start EXECUTE FUNCTION public.f();\n",
      "CREATE SERVER s FOREIGN DATA WRAPPER postgres_fdw;\n",
      "\\! rm -rf /\n",
      "\\copy \"public\".\"asset\" to '/tmp/x'\n",
      "\\i /etc/passwd\n",
      "\\o |sh\n",
      "\\set ON_ERROR_STOP off\n",
      "COPY \"public\".\"asset\" (\"id\") FROM stdin;\n1\n\\.\n",
      "CREATE TABLE \"public\".\"t\" (\"id\" integer)",              // unterminated
      "CREATE TABLE \"public\".\"t\" (\"id\" text DEFAULT 'x);\n",  // unterminated string
      std::string("CREATE SCHEMA \"a\";\n") + '\0' + "DROP DATABASE x;\n",
  };
  std::size_t refused = 0;
  for (const auto& sec : all_sections()) {
    for (const auto& sql : hostile) {
      // Wrapped in statements the section does allow, so the check must look at each one.
      std::string text = sql;
      if (sec.f.kind == frame_kind::header) text = format::header_sql() + sql;
      INFO(sec.name << ": " << sql);
      auto why = check(sec.f, text);
      CHECK(why.has_value());
      if (why) {
        ++refused;
        CHECK_FALSE(why->empty());
      }
    }
  }
  CHECK(refused == hostile.size() * all_sections().size());
}

TEST_CASE("statements in the wrong section are refused", "[format][statements]") {
  const auto pre = frame(frame_kind::pre_data);
  const auto idx = frame(frame_kind::post_data, post_phase::indexes);
  const auto fk = frame(frame_kind::post_data, post_phase::foreign_keys);
  const auto fin = frame(frame_kind::post_data, post_phase::final);
  const auto own = frame(frame_kind::owners);
  const auto acl = frame(frame_kind::privileges);
  const std::string trigger = "CREATE TRIGGER t BEFORE INSERT ON \"public\".\"t\" FOR EACH ROW EXECUTE FUNCTION f();\n";
  CHECK(check(fin, trigger) == std::nullopt);
  CHECK(check(pre, trigger));  // a trigger firing during the data load
  const std::string index = "CREATE INDEX i ON \"public\".\"t\" USING btree (a);\n";
  CHECK(check(idx, index) == std::nullopt);
  CHECK(check(pre, index));
  CHECK(check(fin, index));
  const std::string fkey = "ALTER TABLE ONLY \"public\".\"t\" ADD CONSTRAINT \"f\" FOREIGN KEY (a) REFERENCES \"public\".\"u\"(id);\n";
  CHECK(check(fk, fkey) == std::nullopt);
  const std::string grant = "GRANT SELECT ON TABLE \"public\".\"t\" TO \"reader\";\n";
  CHECK(check(acl, grant) == std::nullopt);
  CHECK(check(pre, grant));
  CHECK(check(own, grant));
  const std::string owner = "ALTER TABLE \"public\".\"t\" OWNER TO \"immich\";\n";
  CHECK(check(own, owner) == std::nullopt);
  CHECK(check(pre, owner));
  CHECK(check(acl, owner));
  const std::string setval = "SELECT pg_catalog.setval('\"public\".\"s\"', 42, true);\n";
  CHECK(check(fin, setval) == std::nullopt);
  CHECK(check(pre, setval));
  const std::string create = "CREATE TABLE \"public\".\"t\" (\"a\" integer);\n";
  CHECK(check(pre, create) == std::nullopt);
  CHECK(check(fin, create));
  // SET SESSION AUTHORIZATION only as acl_statements() writes it: paired, in privileges.
  const std::string as_grantor =
      "SET SESSION AUTHORIZATION \"other\";\nGRANT SELECT ON TABLE \"public\".\"t\" TO \"r\";\nRESET SESSION "
      "AUTHORIZATION;\n";
  CHECK(check(acl, as_grantor) == std::nullopt);
  CHECK(check(acl, "SET SESSION AUTHORIZATION \"other\";\nGRANT SELECT ON TABLE \"public\".\"t\" TO \"r\";\n"));
  CHECK(check(acl, "RESET SESSION AUTHORIZATION;\n"));
  CHECK(check(own, as_grantor));
  // A data frame is never checked as statements.
  CHECK(check(frame(frame_kind::data), "COPY \"public\".\"t\" (\"a\") FROM stdin;\n1\n\\.\n"));
}

TEST_CASE("the refusal names the line and the statement", "[format][statements]") {
  auto why = check(frame(frame_kind::pre_data),
                   "CREATE SCHEMA \"app\";\nCOMMENT ON SCHEMA \"app\" IS 'x';\n\nDROP DATABASE \"victim\";\n");
  REQUIRE(why);
  CHECK_THAT(*why, Catch::Contains("line 4"));
  CHECK_THAT(*why, Catch::Contains("DROP DATABASE \"victim\""));
  CHECK_THAT(*why, Catch::Contains("pre_data"));
}

TEST_CASE("parse_copy_line: the one COPY line parser of restore and verify", "[format][statements]") {
  auto ok = sqlscript::parse_copy_line("COPY \"public\".\"t\" (\"a\", \"b\") FROM stdin;", "public", "t");
  CHECK(ok.ok);
  CHECK(ok.columns == "(\"a\", \"b\")");
  CHECK(ok.count == 2);
  auto none = sqlscript::parse_copy_line("COPY \"public\".\"t\" FROM stdin;", "public", "t");
  CHECK(none.ok);
  CHECK(none.columns.empty());
  CHECK(sqlscript::parse_copy_line("COPY \"we\"\"ird\".\"t a\" (\"x\"\"y\") FROM stdin;", "we\"ird", "t a").ok);
  for (const char* bad : {"COPY \"public\".\"u\" (\"a\") FROM stdin;", "COPY public.t (a) FROM stdin;",
                          "COPY \"public\".\"t\" (\"a\") FROM stdin", "COPY \"public\".\"t\" (\"a\") TO PROGRAM 'id';",
                          "COPY \"public\".\"t\" (\"a\") FROM stdin; DROP DATABASE x;",
                          "COPY \"public\".\"t\" (\"a\") FROM '/etc/passwd';", "COPY \"public\".\"t\" () FROM stdin;",
                          "COPY \"public\".\"t\" (\"a\",\"b\") FROM stdin;", ""}) {
    INFO(bad);
    auto r = sqlscript::parse_copy_line(bad, "public", "t");
    CHECK_FALSE(r.ok);
    CHECK_FALSE(r.problem.empty());
  }
}
