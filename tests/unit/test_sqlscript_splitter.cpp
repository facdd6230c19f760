// The psql-compatible splitter: expected output for tricky scripts, and the same output
// whatever the chunking (every single split point, every pair of split points for small
// inputs, byte by byte), including the errors.

#include <catch2/catch.hpp>

#include "sqlscript/splitter.hpp"

#include <immichbak/error.hpp>

#include <random>
#include <string>
#include <vector>

using namespace immichbak;
using immichbak::sqlscript::splitter;

namespace {

// Records what the splitter reports as one string. COPY data pieces are joined, so any
// slicing of the data gives the same transcript.
struct recorder : splitter::handler {
  std::string out;
  std::string data;
  splitter* sp = nullptr;

  void flush() {
    if (!data.empty()) {
      out += "D:" + data + "\n";
      data.clear();
    }
  }
  void statement(const sqlscript::sql_statement& s) override {
    flush();
    out += "S" + std::to_string(s.line) + (s.copy_from_stdin ? "c" : "") + (s.copy_to_stdout ? "o" : "") + ":" +
           s.text + "\n";
    // Behave like the executor: the server reports standard_conforming_strings.
    if (s.text.find("standard_conforming_strings = off") != std::string::npos) sp->set_standard_conforming_strings(false);
    if (s.text.find("standard_conforming_strings = on") != std::string::npos) sp->set_standard_conforming_strings(true);
  }
  void meta(const sqlscript::meta_command& m) override {
    flush();
    out += "M" + std::to_string(m.line) + (m.inside_statement ? "i" : "") + ":" + m.name + "|" + m.args + "\n";
  }
  void copy_data(std::string_view d) override {
    REQUIRE(!d.empty());
    data += d;
  }
  void copy_end(std::uint64_t line) override {
    flush();
    out += "E" + std::to_string(line) + "\n";
  }
};

std::string run(std::string_view input, const std::vector<std::size_t>& cuts, bool std_strings = true) {
  recorder r;
  splitter s(r, std_strings);
  r.sp = &s;
  try {
    std::size_t prev = 0;
    for (std::size_t c : cuts) {
      s.feed(input.substr(prev, c - prev));
      prev = c;
    }
    s.feed(input.substr(prev));
    s.finish();
  } catch (const error& e) {
    r.flush();
    r.out += std::string("!") + code_name(e.code()) + ": " + e.what() + "\n";
  }
  return r.out;
}

// Every chunking must give the reference transcript.
std::string check_all_chunkings(std::string_view input, bool std_strings = true) {
  std::string ref = run(input, {}, std_strings);
  const std::size_t n = input.size();
  for (std::size_t i = 0; i <= n; ++i) {
    INFO("cut at " << i);
    REQUIRE(run(input, {i}, std_strings) == ref);
  }
  if (n <= 70) {
    for (std::size_t i = 0; i <= n; ++i)
      for (std::size_t j = i; j <= n; ++j) {
        INFO("cuts at " << i << ", " << j);
        REQUIRE(run(input, {i, j}, std_strings) == ref);
      }
  }
  std::vector<std::size_t> every;
  for (std::size_t i = 1; i < n; ++i) every.push_back(i);
  REQUIRE(run(input, every, std_strings) == ref);
  return ref;
}

}  // namespace

TEST_CASE("splitter: statements, whitespace and -- comments", "[sqlscript][splitter]") {
  CHECK(check_all_chunkings("SELECT 1;\n  -- c; not a statement\nSELECT 2 -- trailing;\n;\n") ==
        "S1:SELECT 1;\nS3:SELECT 2 -- trailing;\n;\n");
  CHECK(check_all_chunkings("SELECT 1; SELECT 2;") == "S1:SELECT 1;\nS1:SELECT 2;\n");
  CHECK(check_all_chunkings("SELECT 1;\r\n\r\nSELECT\r\n2;\r\n") == "S1:SELECT 1;\nS3:SELECT\r\n2;\n");
  CHECK(check_all_chunkings(";;\n  ;\n") == "");
  CHECK(check_all_chunkings("SELECT 1 --x\n") == "!corrupt_backup: the script ends inside a statement (no terminating "
                                                   "semicolon) that starts at line 1 (is the file truncated?)\n");
  CHECK(check_all_chunkings("SELECT 1; -- done") == "S1:SELECT 1;\n");
  CHECK(check_all_chunkings("SELECT a-b, a--b;\n;") == "S1:SELECT a-b, a--b;\n;\n");
  CHECK(check_all_chunkings("SELECT 3 - -2;") == "S1:SELECT 3 - -2;\n");
}

TEST_CASE("splitter: quoted strings and identifiers", "[sqlscript][splitter]") {
  CHECK(check_all_chunkings("SELECT 'a;b', 'it''s;';\nSELECT E'\\';', \"semi;colon\", \"q\"\";\";\n") ==
        "S1:SELECT 'a;b', 'it''s;';\nS2:SELECT E'\\';', \"semi;colon\", \"q\"\";\";\n");
  CHECK(check_all_chunkings("SELECT E'a''b\\'c;';\nSELECT e'\\\\';\n") ==
        "S1:SELECT E'a''b\\'c;';\nS2:SELECT e'\\\\';\n");
  // an identifier ending in e is not an E'' prefix
  CHECK(check_all_chunkings("SELECT type'\\';\n") == "S1:SELECT type'\\';\n");
  CHECK(check_all_chunkings("SELECT B'01;', X'1F;', N'n;', U&'d\\0061t''a;', U&\"x;\", u&x;\n") ==
        "S1:SELECT B'01;', X'1F;', N'n;', U&'d\\0061t''a;', U&\"x;\", u&x;\n");
  CHECK(check_all_chunkings("SELECT 'abc;\n") ==
        "!corrupt_backup: the script ends inside a quoted string that starts at line 1 (is the file truncated?)\n");
  CHECK(check_all_chunkings("SELECT \"abc;\n") ==
        "!corrupt_backup: the script ends inside a quoted identifier that starts at line 1 (is the file truncated?)\n");
  // 'ab' then a new line starting with a quote: two strings for psql (no continuation)
  CHECK(check_all_chunkings("SELECT 'ab'\n'c;d';\n") == "S1:SELECT 'ab'\n'c;d';\n");
}

TEST_CASE("splitter: standard_conforming_strings off makes backslashes escapes", "[sqlscript][splitter]") {
  // psql applies the server's setting from the next input line on
  CHECK(check_all_chunkings("SET standard_conforming_strings = off; SELECT 'x\\';\nSELECT 'y\\';z';\n"
                            "SELECT B'\\'; SELECT N'\\';';\nSET standard_conforming_strings = on;\nSELECT 'w\\';\n") ==
        "S1:SET standard_conforming_strings = off;\nS1:SELECT 'x\\';\nS2:SELECT 'y\\';z';\nS3:SELECT B'\\';\n"
        "S3:SELECT N'\\';';\nS4:SET standard_conforming_strings = on;\nS5:SELECT 'w\\';\n");
}

TEST_CASE("splitter: dollar quoting", "[sqlscript][splitter]") {
  CHECK(check_all_chunkings("CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\n"
                            "DO $body$ BEGIN PERFORM 1; END $body$;\n") ==
        "S1:CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\n"
        "S2:DO $body$ BEGIN PERFORM 1; END $body$;\n");
  CHECK(check_all_chunkings("SELECT $1;\nSELECT a$$b;\nDO $x$ $y$ ; $y$ $x$;\n") ==
        "S1:SELECT $1;\nS2:SELECT a$$b;\nS3:DO $x$ $y$ ; $y$ $x$;\n");
  // partial closing delimiters, a longer one, $_$, a parameter followed by a tag
  CHECK(check_all_chunkings("SELECT $abc$ x $ab$ ; $abcd$ ; $abc$;\nSELECT $_$;$_$;\nSELECT $1$x$;$x$;\n") ==
        "S1:SELECT $abc$ x $ab$ ; $abcd$ ; $abc$;\nS2:SELECT $_$;$_$;\nS3:SELECT $1$x$;$x$;\n");
  // "$a " is not a delimiter: a lone $ and an identifier
  CHECK(check_all_chunkings("SELECT $a ;\nSELECT $ ;\n") == "S1:SELECT $a ;\nS2:SELECT $ ;\n");
  // $e'...': the failed tag is lexed again, and e' starts an E'' string
  CHECK(check_all_chunkings("SELECT $e'\\';';\n") == "S1:SELECT $e'\\';';\n");
  CHECK(check_all_chunkings("SELECT $q$ never closed;\n") ==
        "!corrupt_backup: the script ends inside a dollar-quoted string ($q$) that starts at line 1 (is the file "
        "truncated?)\n");
}

TEST_CASE("splitter: block comments nest", "[sqlscript][splitter]") {
  CHECK(check_all_chunkings("/* a; /* nested; */ still; */ SELECT 1;\nSELECT 2 /* x */;\n/**/;\nSELECT 3;") ==
        "S1:/* a; /* nested; */ still; */ SELECT 1;\nS2:SELECT 2 /* x */;\nS4:SELECT 3;\n");
  CHECK(check_all_chunkings("SELECT 1 */* c; */;\nSELECT 2 /*/ x; */;\n/***/ SELECT 4;\n") ==
        "S1:SELECT 1 */* c; */;\nS2:SELECT 2 /*/ x; */;\nS3:/***/ SELECT 4;\n");
  CHECK(check_all_chunkings("SELECT 1;\n/* trailing */\n") == "S1:SELECT 1;\n");
  CHECK(check_all_chunkings("/* a /* b */ c") ==
        "!corrupt_backup: the script ends inside a /* comment that starts at line 1 (is the file truncated?)\n");
}

TEST_CASE("splitter: semicolons inside parentheses do not end a statement (as in psql)", "[sqlscript][splitter]") {
  CHECK(check_all_chunkings("CREATE RULE r AS ON INSERT TO t DO INSTEAD (INSERT INTO a VALUES (1); INSERT INTO b "
                            "VALUES (2));\nSELECT 1;\n") ==
        "S1:CREATE RULE r AS ON INSERT TO t DO INSTEAD (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2));\n"
        "S2:SELECT 1;\n");
  CHECK(check_all_chunkings("SELECT 1);\nSELECT (2;3);\n") == "S1:SELECT 1);\nS2:SELECT (2;3);\n");
}

TEST_CASE("splitter: BEGIN ATOMIC bodies of SQL-standard functions", "[sqlscript][splitter]") {
  const char* script =
      "CREATE FUNCTION f() RETURNS int LANGUAGE sql\n"
      "BEGIN ATOMIC\n"
      "  SELECT 1;\n"
      "  SELECT CASE WHEN true THEN 1 ELSE 2 END;\n"
      "END;\n"
      "CREATE OR REPLACE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC INSERT INTO t VALUES (1); END;\n"
      "BEGIN;\nSELECT 1;\nEND;\n"
      "CREATE TABLE begin_t (a int);\n"
      "create or replace function g() returns int language sql begin atomic select (case when true then 1 end); "
      "end;\n"
      "CREATE FUNCTION h() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$;\n"
      "CREATE FUNCTION k() RETURNS int RETURN 1;\n";
  CHECK(check_all_chunkings(script) ==
        "S1:CREATE FUNCTION f() RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT 1;\n  SELECT CASE WHEN true THEN 1 "
        "ELSE 2 END;\nEND;\n"
        "S6:CREATE OR REPLACE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC INSERT INTO t VALUES (1); END;\n"
        "S7:BEGIN;\nS8:SELECT 1;\nS9:END;\nS10:CREATE TABLE begin_t (a int);\n"
        "S11:create or replace function g() returns int language sql begin atomic select (case when true then 1 "
        "end); end;\n"
        "S12:CREATE FUNCTION h() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$;\n"
        "S13:CREATE FUNCTION k() RETURNS int RETURN 1;\n");
  CHECK(check_all_chunkings("CREATE FUNCTION f() RETURNS int BEGIN ATOMIC SELECT 1;") ==
        "!corrupt_backup: the script ends inside a BEGIN ... END function body that starts at line 1 (is the file "
        "truncated?)\n");
}

TEST_CASE("splitter: meta-commands", "[sqlscript][splitter]") {
  CHECK(check_all_chunkings("\\connect foo\nSELECT 1;\n\\c \"Foo Bar\"\n\\restrict KEY1\n\\set ON_ERROR_STOP on\r\n"
                            "SELECT\n\\echo hi\n2;\n\\unrestrict KEY1") ==
        "M1:connect|foo\nS2:SELECT 1;\nM3:c|\"Foo Bar\"\nM4:restrict|KEY1\nM5:set|ON_ERROR_STOP on\nM7i:echo|hi\n"
        "S6:SELECT\n\n2;\nM9:unrestrict|KEY1\n");
  // \; and \: put plain characters into the statement
  CHECK(check_all_chunkings("SELECT 1\\; SELECT 2;\nSELECT '\\:', 1 \\:x;\n") ==
        "S1:SELECT 1; SELECT 2;\nS2:SELECT '\\:', 1 :x;\n");
  // a backslash inside quotes, comments and dollar quotes is not a meta-command
  CHECK(check_all_chunkings("SELECT \"a\\b\", $$\\x$$ /* \\y */; -- \\z\n") == "S1:SELECT \"a\\b\", $$\\x$$ /* \\y */;\n");
  CHECK(check_all_chunkings("\\.\n\\\n") == "M1:.|\nM2:|\n");
  CHECK(check_all_chunkings("SELECT 1 \\gset x\n;") == "M1i:gset|x\nS1:SELECT 1 \n;\n");
}

TEST_CASE("splitter: COPY FROM stdin data", "[sqlscript][splitter]") {
  CHECK(check_all_chunkings("COPY public.t (a, b) FROM stdin;\n1\tx\n2\t\\.y\n\\.\nSELECT 1;\n") ==
        "S1c:COPY public.t (a, b) FROM stdin;\nD:1\tx\n2\t\\.y\n\nE4\nS5:SELECT 1;\n");
  CHECK(check_all_chunkings("COPY t FROM STDIN;\r\na\r\n\\.\r\nSELECT 2;\r\n") ==
        "S1c:COPY t FROM STDIN;\nD:a\r\n\nE3\nS4:SELECT 2;\n");
  // lines that look like the end marker or meta-commands are data
  CHECK(check_all_chunkings("copy t from stdin;\n\\\n\\.x\n\\\\.\n\\connect x\n\\.\r\n") ==
        "S1c:copy t from stdin;\nD:\\\n\\.x\n\\\\.\n\\connect x\n\nE6\n");
  CHECK(check_all_chunkings("COPY t FROM stdin;\nrow\n\\.") == "S1c:COPY t FROM stdin;\nD:row\n\nE3\n");
  CHECK(check_all_chunkings("COPY t FROM stdin;\n\\.\n") == "S1c:COPY t FROM stdin;\nE2\n");
  CHECK(check_all_chunkings("COPY t FROM stdin; -- fine\nr\n\\.\n") == "S1c:COPY t FROM stdin;\nD:r\n\nE3\n");
  CHECK(check_all_chunkings("COPY t FROM stdin;\nrow\n") ==
        "S1c:COPY t FROM stdin;\nD:row\n\n!corrupt_backup: the script ends inside the COPY data (no \\. line) that "
        "starts at line 1 (is the file truncated?)\n");
  CHECK(check_all_chunkings("COPY t FROM stdin; SELECT 1;\nx\n") ==
        "S1c:COPY t FROM stdin;\n!corrupt_backup: line 1: text after COPY ... FROM stdin; on the same line is not "
        "supported\n");
  CHECK(check_all_chunkings("COPY t TO STDOUT;\nCOPY t FROM '/tmp/x';\nSELECT 'from stdin';\n"
                            "COPY (SELECT * FROM stdin) TO stdout;\nCOPY t FROM /* c */ STDIN WITH (FORMAT csv);\n"
                            "a,b\n\\.\n") ==
        "S1o:COPY t TO STDOUT;\nS2:COPY t FROM '/tmp/x';\nS3:SELECT 'from stdin';\n"
        "S4o:COPY (SELECT * FROM stdin) TO stdout;\nS5c:COPY t FROM /* c */ STDIN WITH (FORMAT csv);\nD:a,b\n\nE7\n");
  // \; then COPY: psql sends both, the COPY is last
  CHECK(check_all_chunkings("SELECT 1\\; COPY t FROM stdin;\nz\n\\.\n") ==
        "S1c:SELECT 1; COPY t FROM stdin;\nD:z\n\nE3\n");
}

TEST_CASE("splitter: the end of input", "[sqlscript][splitter]") {
  CHECK(check_all_chunkings("") == "");
  CHECK(check_all_chunkings("SELECT 1") ==
        "!corrupt_backup: the script ends inside a statement (no terminating semicolon) that starts at line 1 (is the "
        "file truncated?)\n");
  CHECK(check_all_chunkings("\n\nSELECT (1") ==
        "!corrupt_backup: the script ends inside a parenthesis of the statement that starts at line 3 (is the file "
        "truncated?)\n");
  CHECK(check_all_chunkings("SELECT 1;\nSELECT $") ==
        "S1:SELECT 1;\n!corrupt_backup: the script ends inside a statement (no terminating semicolon) that starts at "
        "line 2 (is the file truncated?)\n");
  CHECK(check_all_chunkings("SELECT 1;\nCOPY t FROM stdin;") ==
        "S1:SELECT 1;\nS2c:COPY t FROM stdin;\n!corrupt_backup: the script ends inside the COPY data (nothing after "
        "the COPY statement) that starts at line 2 (is the file truncated?)\n");
  CHECK(check_all_chunkings("SELECT 1;\n\\unrestrict abc") == "S1:SELECT 1;\nM2:unrestrict|abc\n");
}

TEST_CASE("splitter: a pg_dump-shaped script", "[sqlscript][splitter]") {
  const char* dump =
      "--\n-- PostgreSQL database dump\n--\n\n\\restrict AbC123\n\n"
      "SET statement_timeout = 0;\nSELECT pg_catalog.set_config('search_path', '', false);\n\n"
      "CREATE FUNCTION public.f_unaccent(text) RETURNS text\n    LANGUAGE sql IMMUTABLE\n"
      "    RETURN public.unaccent('public.unaccent'::regdictionary, $1);\n\n"
      "CREATE TABLE public.\"user\" (\n    id uuid DEFAULT gen_random_uuid() NOT NULL,\n    \"name\" text\n);\n\n"
      "COPY public.\"user\" (id, \"name\") FROM stdin;\n"
      "0000\tIt's; a \\\\ test\n0001\t\\N\n\\.\n\n"
      "ALTER TABLE ONLY public.\"user\"\n    ADD CONSTRAINT user_pkey PRIMARY KEY (id);\n\n"
      "--\n-- PostgreSQL database dump complete\n--\n\n\\unrestrict AbC123\n\n";
  std::string got = run(dump, {});
  CHECK(got ==
        "M5:restrict|AbC123\nS7:SET statement_timeout = 0;\nS8:SELECT pg_catalog.set_config('search_path', '', false);\n"
        "S10:CREATE FUNCTION public.f_unaccent(text) RETURNS text\n    LANGUAGE sql IMMUTABLE\n"
        "    RETURN public.unaccent('public.unaccent'::regdictionary, $1);\n"
        "S14:CREATE TABLE public.\"user\" (\n    id uuid DEFAULT gen_random_uuid() NOT NULL,\n    \"name\" text\n);\n"
        "S19c:COPY public.\"user\" (id, \"name\") FROM stdin;\nD:0000\tIt's; a \\\\ test\n0001\t\\N\n\nE22\n"
        "S24:ALTER TABLE ONLY public.\"user\"\n    ADD CONSTRAINT user_pkey PRIMARY KEY (id);\n"
        "M31:unrestrict|AbC123\n");
  std::string_view v(dump);
  for (std::size_t i = 0; i <= v.size(); ++i) REQUIRE(run(v, {i}) == got);
}

TEST_CASE("splitter: random scripts split the same in any chunking", "[sqlscript][splitter]") {
  // Pieces chosen to hit every state and boundary: quotes, prefixes, dollar tags, comment
  // starts, backslashes, COPY blocks, BEGIN ATOMIC, CR/LF.
  const std::vector<std::string> pieces = {
      "SELECT ", "1", ";", " ", "\n", "\r\n", "'", "''", "E'", "\\", "\\'", "\"", "$$", "$a$", "$a", "$1", "a$",
      "--", "-", "/*", "*/", "*", "/", "(", ")", "BEGIN ", "END ", "CASE ", "CREATE FUNCTION f() ",
      "CREATE OR REPLACE PROCEDURE ", "ATOMIC ", "COPY t FROM stdin;\n", "x\ty\n", "\\.\n", "\\.", "\\.\r\n",
      "u&", "U&'", "B'", "N'", "\\;", "\\connect db\n", "\\set ON_ERROR_STOP on\n", "e", "\t", "STDIN", "from",
  };
  std::mt19937 rng(12345);
  std::uniform_int_distribution<std::size_t> pick(0, pieces.size() - 1);
  std::uniform_int_distribution<int> len(1, 14);
  for (int iter = 0; iter < 1500; ++iter) {
    std::string s;
    int n = len(rng);
    for (int k = 0; k < n; ++k) s += pieces[pick(rng)];
    INFO("script: " << s);
    for (bool std_on : {true, false}) {
      std::string ref = run(s, {}, std_on);
      for (std::size_t i = 0; i <= s.size(); ++i) REQUIRE(run(s, {i}, std_on) == ref);
      std::vector<std::size_t> every;
      for (std::size_t i = 1; i < s.size(); ++i) every.push_back(i);
      REQUIRE(run(s, every, std_on) == ref);
    }
  }
}
