// The restore's pure pieces (no server needed): COPY line parsing, load plans, --table
// resolution, SQL sniffing, the Immich jobs list.
#include "load/loader.hpp"
#include "load/preflight.hpp"
#include "restore/immich_fixups.hpp"
#include "restore/sql_sniff.hpp"
#include "support/test_env.hpp"

#include <immichbak/error.hpp>

#include <catch2/catch.hpp>

#include <fstream>

using namespace immichbak;
using namespace immichbak::load;
using namespace immichbak::restore_detail;

TEST_CASE("parse_copy_line accepts exactly the data frame's COPY line", "[restore][pure]") {
  CHECK(parse_copy_line("COPY \"public\".\"t\" (\"a\", \"b\") FROM stdin;", "public", "t") == "(\"a\", \"b\")");
  CHECK(parse_copy_line("COPY \"public\".\"t\" FROM stdin;", "public", "t") == "");
  CHECK(parse_copy_line("COPY \"we\"\"ird\".\"t a\" (\"x\"\"y\", \"ü\") FROM stdin;", "we\"ird", "t a") ==
        "(\"x\"\"y\", \"ü\")");
  // another table, unquoted names, missing parts, trailing statements: all refused
  CHECK_FALSE(parse_copy_line("COPY \"public\".\"u\" (\"a\") FROM stdin;", "public", "t"));
  CHECK_FALSE(parse_copy_line("COPY public.t (a) FROM stdin;", "public", "t"));
  CHECK_FALSE(parse_copy_line("COPY \"public\".\"t\" (\"a\") FROM stdin", "public", "t"));
  CHECK_FALSE(parse_copy_line("COPY \"public\".\"t\" (\"a\") FROM stdin; DROP TABLE x;", "public", "t"));
  CHECK_FALSE(parse_copy_line("COPY \"public\".\"t\" (\"a\"); DROP TABLE x; COPY \"public\".\"t\" (\"a\") FROM stdin;",
                              "public", "t"));
  CHECK_FALSE(parse_copy_line("COPY \"public\".\"t\" (\"a\",\"b\") FROM stdin;", "public", "t"));
  CHECK_FALSE(parse_copy_line("COPY \"public\".\"t\" (\"a) FROM stdin;", "public", "t"));
  CHECK_FALSE(parse_copy_line("COPY \"public\".\"t\" () FROM stdin;", "public", "t"));
  CHECK_FALSE(parse_copy_line("", "public", "t"));
}

namespace {

manifest sample_manifest() {
  manifest m;
  auto frame = [&](frame_kind k, post_phase p, std::string schema, std::string table, std::uint64_t plain,
                   std::string label = {}) {
    manifest_frame f;
    f.kind = k;
    f.phase = p;
    f.schema = std::move(schema);
    f.table = std::move(table);
    f.plain_size = plain;
    f.rows = k == frame_kind::data ? 10 : 0;
    f.label = std::move(label);
    f.offset = m.frames.size() * 100;
    m.frames.push_back(f);
  };
  frame(frame_kind::header, post_phase::none, "", "", 10);
  frame(frame_kind::pre_data, post_phase::none, "public", "a", 10, "TABLE public.a");
  frame(frame_kind::pre_data, post_phase::none, "s", "a", 10, "TABLE s.a");
  frame(frame_kind::pre_data, post_phase::none, "", "", 10, "SEARCH_PATH");
  frame(frame_kind::data, post_phase::none, "public", "a", 50);
  frame(frame_kind::data, post_phase::none, "s", "a", 500);
  frame(frame_kind::data, post_phase::none, "public", "a", 70);
  frame(frame_kind::post_data, post_phase::indexes, "public", "a", 10, "INDEX public.a_i");
  frame(frame_kind::post_data, post_phase::foreign_keys, "s", "a", 10, "FK s.a_fk");
  frame(frame_kind::post_data, post_phase::final, "", "", 10, "DATABASE SETTINGS");
  frame(frame_kind::owners, post_phase::none, "public", "a", 10, "OWNER public.a");
  frame(frame_kind::privileges, post_phase::none, "public", "a", 10, "ACL public.a");
  m.tables = {{"public", "a", 20, "", 120, 0, false, ""}, {"s", "a", 10, "", 500, 0, false, ""},
              {"public", "b", 0, "", 0, 0, true, "--exclude-regenerable"}};
  return m;
}

}  // namespace

TEST_CASE("make_plan groups frames in restore order and honours the flags and the filter", "[restore][pure]") {
  manifest m = sample_manifest();
  auto p = make_plan(m, false, false);
  CHECK(p.pre_data.size() == 3);
  REQUIRE(p.data.size() == 3);
  CHECK(p.data[0]->offset == 400);  // file order (the frame queue picks the table)
  CHECK(p.data[1]->offset == 500);
  CHECK(p.data_bytes == 620);
  CHECK(p.data_rows == 30);
  CHECK(p.tables_with_data == std::vector<table_key>{{"public", "a"}, {"s", "a"}});
  CHECK(p.indexes.size() == 1);
  CHECK(p.foreign_keys.size() == 1);
  CHECK(p.final_units.size() == 1);
  CHECK(p.owners.size() == 1);
  CHECK(p.privileges.size() == 1);

  auto q = make_plan(m, true, true, [](const manifest_frame& f) { return f.schema == "s"; });
  CHECK(q.pre_data.size() == 1);
  CHECK(q.data.size() == 1);
  CHECK(q.indexes.empty());
  CHECK(q.foreign_keys.size() == 1);
  CHECK(q.final_units.empty());
  CHECK(q.owners.empty());
  CHECK(q.privileges.empty());

  CHECK(describe_frame(*p.data[1]) == "data of \"s\".\"a\" (frame at offset 500)");
  CHECK(describe_frame(*p.indexes[0]) == "post_data (indexes) unit \"INDEX public.a_i\" (frame at offset 700)");
}

TEST_CASE("resolve_tables: name or schema.name, unknown and ambiguous names refused", "[restore][pure]") {
  manifest m = sample_manifest();
  CHECK(resolve_tables(m, {"s.a"}) == std::set<table_key>{{"s", "a"}});
  CHECK(resolve_tables(m, {"public.a", "b"}) == std::set<table_key>{{"public", "a"}, {"public", "b"}});
  try {
    resolve_tables(m, {"a"});
    FAIL("\"a\" is in two schemas");
  } catch (const error& e) {
    CHECK(e.code() == errc::invalid_argument);
    CHECK(std::string(e.what()).find("ambiguous") != std::string::npos);
    CHECK(std::string(e.what()).find("public.a") != std::string::npos);
  }
  try {
    resolve_tables(m, {"nope"});
    FAIL("unknown table");
  } catch (const error& e) {
    CHECK(e.code() == errc::invalid_argument);
    CHECK(std::string(e.what()).find("\"nope\"") != std::string::npos);
  }
}

TEST_CASE("immich_jobs_for lists the jobs of excluded regenerable tables only", "[restore][pure]") {
  manifest m;
  m.tables = {{"public", "smart_search", 0, "", 0, 0, true, "--exclude-regenerable"},
              {"public", "face_search", 0, "", 0, 0, true, "--exclude-regenerable"},
              {"public", "geodata_places", 0, "", 0, 0, true, "--exclude-regenerable"},
              {"public", "asset_file", 5, "", 0, 0, false, ""},
              {"other", "asset_job_status", 0, "", 0, 0, true, "x"}};
  auto jobs = immich_jobs_for(m);
  CHECK(jobs == std::vector<std::string>{"Smart Search", "Face Detection + Facial Recognition"});
}

TEST_CASE("looks_like_sql_script tells SQL dumps from other files", "[restore][pure]") {
  test::temp_dir dir("sniff");
  auto write = [&](const std::string& name, const std::string& bytes) {
    auto p = dir.path() / name;
    std::ofstream(p, std::ios::binary) << bytes;
    return p;
  };
  CHECK(looks_like_sql_script(write("immich-db-backup-1.sql.gz", "anything")));
  CHECK(looks_like_sql_script(write("x.SQL", "")));
  CHECK(looks_like_sql_script(write("x.sql.zst", "")));
  CHECK(looks_like_sql_script(write("dump", "--\n-- PostgreSQL database dump\n--\nSET statement_timeout = 0;\n")));
  CHECK(looks_like_sql_script(write("dump2", "\n\ncreate table t (x int);\n")));
  CHECK(looks_like_sql_script(write("gz", std::string("\x1f\x8b\x08\x00", 4))));
  CHECK(looks_like_sql_script(write("zst", std::string("\x28\xb5\x2f\xfd", 4))));
  CHECK_FALSE(looks_like_sql_script(write("photo.jpg", std::string("\xff\xd8\xff\xe0\x00\x10JFIF", 10))));
  CHECK_FALSE(looks_like_sql_script(write("notes.txt", "hello world\n")));
  CHECK_FALSE(looks_like_sql_script(dir.path() / "missing"));
}
