// Offline verify: a healthy backup passes every check; each kind of damage or
// inconsistency is a named finding (check, table, offset), not an exception.
#include "test_format_support.hpp"

#include "verify/copy_checker.hpp"

#include <immichbak/error.hpp>
#include <immichbak/verify.hpp>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <mutex>

using namespace immichbak;
using namespace immichbak::test;
using verify_detail::copy_checker;
using verify_detail::parse_copy_statement;

namespace {

verify_report run_verify(const fs::path& file, int jobs = 1) {
  verify_options o;
  o.file = file;
  o.jobs = jobs;
  return verify(o);
}

std::vector<const check_result*> findings(const verify_report& r, check_status s, const std::string& name = {}) {
  std::vector<const check_result*> out;
  for (const auto& c : r.checks)
    if (c.status == s && (name.empty() || c.name == name)) out.push_back(&c);
  return out;
}

std::string dump(const verify_report& r) { return to_text(r); }

copy_checker check_copy(std::string_view block, std::size_t piece = 0) {
  copy_checker cc("public", "t");
  if (piece == 0) cc.feed(block);
  else
    for (std::size_t i = 0; i < block.size(); i += piece) cc.feed(block.substr(i, piece));
  cc.finish();
  return cc;
}

}  // namespace

TEST_CASE("a healthy backup passes every offline check", "[verify]") {
  temp_dir dir("vf_ok");
  for (auto c : all_variants) {
    auto s = write_sample(dir.path(), c);
    for (int jobs : {1, 3}) {
      verify_report r = run_verify(s.file, jobs);
      INFO(dump(r));
      CHECK(r.ok());
      CHECK(findings(r, check_status::fail).empty());
      CHECK(findings(r, check_status::warn).empty());
      for (const char* name : {"sidecar", "manifest", "layout", "tables", "rows", "frame", "copy", "content-hash"})
        CHECK(findings(r, check_status::pass, name).size() == 1);
      CHECK(r.file == s.file);
    }
  }
}

TEST_CASE("verify report as JSON and text", "[verify]") {
  temp_dir dir("vf_report");
  auto s = write_sample(dir.path(), compression::zstd);
  fs::remove(format::sidecar_path(s.file));
  verify_report r = run_verify(s.file);
  CHECK(r.ok());  // a missing sidecar is a warning
  auto w = findings(r, check_status::warn, "sidecar");
  REQUIRE(w.size() == 1);
  CHECK_THAT(w[0]->detail, Catch::Contains(".sha256"));
  auto j = nlohmann::json::parse(to_json(r));
  CHECK(j["ok"] == true);
  CHECK(j["verdict"] == "ok");
  CHECK(j["summary"]["warn"] == 1);
  CHECK(j["checks"][0]["name"] == "sidecar");
  CHECK(j["checks"][0]["status"] == "warn");
  CHECK(j["file"] == s.file.string());
  std::string text = to_text(r);
  CHECK_THAT(text, Catch::Contains("WARN") && Catch::Contains("sidecar") && Catch::Contains("verdict: OK"));
  CHECK(text.back() != '\n');

  r.checks.push_back({"frame", check_status::fail, "boom", "public.asset", 1234});
  CHECK_FALSE(r.ok());
  j = nlohmann::json::parse(to_json(r, false));
  CHECK(j["verdict"] == "failed");
  CHECK(j["checks"].back()["table"] == "public.asset");
  CHECK(j["checks"].back()["offset"] == 1234);
  CHECK_THAT(to_text(r), Catch::Contains("[public.asset @ 1234] boom") && Catch::Contains("verdict: FAILED"));
  CHECK(std::string(check_status_name(check_status::skipped)) == "skipped");
}

TEST_CASE("verify reports progress and honours cancel", "[verify]") {
  temp_dir dir("vf_progress");
  auto s = write_sample(dir.path(), compression::zstd);
  verify_options o;
  o.file = s.file;
  std::mutex mu;
  std::vector<progress_event> events;
  o.events.progress = [&](const progress_event& e) {
    std::lock_guard lock(mu);
    events.push_back(e);
  };
  verify(o);
  // The phase's start, then frames as they finish (util::reporter throttles; the last is
  // always sent).
  REQUIRE(events.size() >= 2);
  CHECK(events.size() <= s.m.frames.size() + 1);
  CHECK(events.front().items_done == 0);
  CHECK(events.front().items_total == s.m.frames.size());
  CHECK(events.back().items_done == s.m.frames.size());
  CHECK(events.back().bytes_done == events.back().bytes_total);
  CHECK(events.back().phase == "verify");
  std::atomic<bool> cancel{true};
  o.events.cancel = &cancel;
  try {
    verify(o);
    FAIL("expected cancellation");
  } catch (const error& e) {
    CHECK(e.code() == errc::cancelled);
  }
}

TEST_CASE("files that cannot be examined throw and a damaged manifest is one finding", "[verify]") {
  temp_dir dir("vf_throw");
  write_file(dir.path() / "x.sql", "SELECT 1;\n");
  CHECK_THROWS_AS(run_verify(dir.path() / "x.sql"), error);
  CHECK_THROWS_AS(run_verify(dir.path() / "missing.sql.zst"), error);
  try {
    run_verify(dir.path() / "x.sql");
  } catch (const error& e) {
    CHECK(e.code() == errc::not_a_backup);
  }

  auto s = write_sample(dir.path(), compression::zstd);
  std::string bytes = read_file(s.file);
  // Flip one byte inside the manifest JSON (the footer is intact).
  std::size_t pos = bytes.find("\"tables\"");
  REQUIRE(pos != std::string::npos);
  bytes[pos + 2] ^= 0x01;
  write_file(s.file, bytes);
  verify_report r = run_verify(s.file);
  CHECK_FALSE(r.ok());
  REQUIRE(r.checks.size() == 2);
  CHECK(r.checks[0].name == "sidecar");
  CHECK(r.checks[0].status == check_status::fail);
  CHECK(r.checks[1].name == "manifest");
  CHECK(r.checks[1].status == check_status::fail);
  CHECK_THAT(r.checks[1].detail, Catch::Contains("sha256"));

  // A restore test is not attempted on a damaged backup.
  verify_options o;
  o.file = s.file;
  o.restore_test = true;
  verify_report r2 = verify(o);
  CHECK_FALSE(r2.ok());
}

TEST_CASE("COPY statement parsing", "[verify][copy]") {
  auto st = parse_copy_statement("COPY \"public\".\"t\" (\"a\", \"b\", \"c\") FROM stdin;", "public", "t");
  CHECK(st.ok);
  CHECK(st.columns == 3);
  st = parse_copy_statement("COPY \"We\"\"ird\".\"Tab le\" (\"c\"\"1\", \"x, y\", \")\") FROM stdin;", "We\"ird",
                            "Tab le");
  CHECK(st.ok);
  CHECK(st.columns == 3);
  st = parse_copy_statement("COPY \"public\".\"t\" FROM stdin;", "public", "t");
  CHECK(st.ok);
  CHECK(st.columns == 0);
  for (const char* bad : {"COPY \"public\".\"u\" (\"a\") FROM stdin;", "COPY public.t (\"a\") FROM stdin;",
                          "COPY \"public\".\"t\" (a) FROM stdin;", "COPY \"public\".\"t\" (\"a\" FROM stdin;",
                          "COPY \"public\".\"t\" (\"a\") TO stdout;", "COPY \"public\".\"t\" (\"a\",\"b\") FROM stdin;",
                          "COPY \"public\".\"t\" (\"a) FROM stdin;", "", "SELECT 1;"}) {
    INFO(bad);
    CHECK_FALSE(parse_copy_statement(bad, "public", "t").ok);
  }
}

TEST_CASE("COPY block checks, fed whole or in small pieces", "[verify][copy]") {
  const std::string head = "COPY \"public\".\"t\" (\"a\", \"b\") FROM stdin;\n";
  for (std::size_t piece : {std::size_t(0), std::size_t(1), std::size_t(3), std::size_t(7)}) {
    INFO("piece " << piece);
    auto ok = check_copy(head + "1\tx\n2\ttab\\there\n3\t\\N\n4\tback\\\\slash\n\\.\n", piece);
    CHECK(ok.problem().empty());
    CHECK(ok.rows() == 4);
    CHECK(ok.columns() == 2);
    format::content_hash h;
    for (const char* row : {"1\tx", "2\ttab\\there", "3\t\\N", "4\tback\\\\slash"}) h.add_row(row);
    CHECK(ok.hash() == h);

    // An escaped tab is data, not a separator.
    CHECK(check_copy(head + "1\\\tx\ty\n\\.\n", piece).problem().empty());
    CHECK_THAT(check_copy(head + "1\tx\ty\n\\.\n", piece).problem(), Catch::Contains("3 columns"));
    CHECK_THAT(check_copy(head + "1\n\\.\n", piece).problem(), Catch::Contains("row 1 has 1 columns"));
    CHECK_THAT(check_copy(head + "1\tx\n", piece).problem(), Catch::Contains("end-of-data marker"));
    CHECK_THAT(check_copy(head + "1\tx\n\\.", piece).problem(), Catch::Contains("newline"));
    CHECK_THAT(check_copy(head + "1\tx\n\\.\n2\ty\n", piece).problem(), Catch::Contains("follows the end"));
    CHECK_THAT(check_copy(head + "1\tx\n\\.\n\\.\n", piece).problem(), Catch::Contains("follows the end"));
    CHECK_THAT(check_copy(head + "1\tx\\\n\\.\n", piece).problem(), Catch::Contains("backslash"));
    CHECK_THAT(check_copy(head + "1\tx\r\n\\.\n", piece).problem(), Catch::Contains("carriage return"));
    CHECK_THAT(check_copy("COPY \"public\".\"other\" (\"a\", \"b\") FROM stdin;\n1\tx\n\\.\n", piece).problem(),
               Catch::Contains("not a COPY statement for public.t"));
    CHECK_THAT(check_copy("", piece).problem(), Catch::Contains("no complete COPY"));
    CHECK_THAT(check_copy("COPY \"public\"", piece).problem(), Catch::Contains("no complete COPY"));
    // "\." only ends the data as a whole line.
    CHECK(check_copy(head + "\\.x\ty\n\\.\n", piece).problem().empty());
    // A table without columns: every row is empty.
    CHECK(check_copy("COPY \"public\".\"t\" FROM stdin;\n\n\n\\.\n", piece).problem().empty());
    CHECK(check_copy("COPY \"public\".\"t\" FROM stdin;\n\n\n\\.\n", piece).rows() == 2);
    CHECK_FALSE(check_copy("COPY \"public\".\"t\" FROM stdin;\nx\n\\.\n", piece).problem().empty());
  }
  // Only the statement line is buffered, and only up to 1 MiB.
  CHECK_THAT(check_copy(std::string(2u << 20, 'C'), 4096).problem(), Catch::Contains("1 MiB"));
}

namespace {

// A backup whose data frames the test writes itself (the writer does not parse COPY).
struct custom_backup {
  fs::path file;
  std::uint64_t bad_offset = 0;
};

custom_backup write_custom(const fs::path& dir, const std::string& name, const std::string& bad_block,
                           std::uint64_t claimed_rows, const std::function<void(manifest&)>& fix = {}) {
  custom_backup out;
  out.file = dir / name;
  format::backup_writer w(out.file, compression::zstd, 3);
  w.write_frame({frame_kind::header, post_phase::none, "", "", "", 0}, format::header_sql());
  const std::string good = "COPY \"public\".\"t\" (\"a\", \"b\") FROM stdin;\n1\tx\n2\ty\n\\.\n";
  w.write_frame({frame_kind::data, post_phase::none, "public", "t", "", 2}, good);
  out.bad_offset = w.write_frame({frame_kind::data, post_phase::none, "public", "t", "", claimed_rows}, bad_block).offset;
  w.write_frame({frame_kind::data, post_phase::none, "public", "u", "", 1},
                "COPY \"public\".\"u\" (\"a\") FROM stdin;\nonly\n\\.\n");
  manifest m;
  format::content_hash t_hash, u_hash;
  t_hash.add_row("1\tx");
  t_hash.add_row("2\ty");
  t_hash.add_row("3\tz");
  u_hash.add_row("only");
  m.tables.push_back({"public", "t", 2 + claimed_rows, t_hash.hex(), 0, 0, false, ""});
  m.tables.push_back({"public", "u", 1, u_hash.hex(), 0, 0, false, ""});
  if (fix) fix(m);
  w.commit(m);
  return out;
}

}  // namespace

TEST_CASE("malformed data frames are findings naming table and offset", "[verify]") {
  temp_dir dir("vf_copy");
  const std::string head = "COPY \"public\".\"t\" (\"a\", \"b\") FROM stdin;\n";
  {
    auto b = write_custom(dir.path(), "ok.sql.zst", head + "3\tz\n\\.\n", 1);
    verify_report r = run_verify(b.file);
    INFO(dump(r));
    CHECK(r.ok());
  }
  {
    auto b = write_custom(dir.path(), "cols.sql.zst", head + "3\tz\textra\n\\.\n", 1);
    verify_report r = run_verify(b.file);
    INFO(dump(r));
    CHECK_FALSE(r.ok());
    auto f = findings(r, check_status::fail, "copy");
    REQUIRE(f.size() == 1);
    CHECK(f[0]->table == "public.t");
    CHECK(f[0]->offset == b.bad_offset);
    CHECK_THAT(f[0]->detail, Catch::Contains("3 columns"));
    // The table's content hash cannot be confirmed; the other table is fine.
    auto h = findings(r, check_status::fail, "content-hash");
    REQUIRE(h.size() == 1);
    CHECK(h[0]->table == "public.t");
    CHECK(findings(r, check_status::pass, "frame").size() == 1);
  }
  {
    // The frame says 2 rows, holds 1.
    auto b = write_custom(dir.path(), "rows.sql.zst", head + "3\tz\n\\.\n", 2);
    verify_report r = run_verify(b.file);
    INFO(dump(r));
    auto f = findings(r, check_status::fail, "copy");
    REQUIRE(f.size() == 1);
    CHECK_THAT(f[0]->detail, Catch::Contains("holds 1 rows, the manifest says 2"));
    CHECK(f[0]->offset == b.bad_offset);
  }
  {
    // Content differs from the manifest's hash.
    auto b = write_custom(dir.path(), "hash.sql.zst", head + "3\tZ\n\\.\n", 1);
    verify_report r = run_verify(b.file);
    INFO(dump(r));
    auto f = findings(r, check_status::fail);
    REQUIRE(f.size() == 1);
    CHECK(f[0]->name == "content-hash");
    CHECK(f[0]->table == "public.t");
  }
  {
    // Manifest bookkeeping: table rows disagree with the frames; a data frame of an
    // unlisted table; a listed table with a bad content hash.
    auto b = write_custom(dir.path(), "book.sql.zst", head + "3\tz\n\\.\n", 1, [](manifest& m) {
      m.tables[0].rows = 7;
      m.tables[1].content_hash = "nope";
    });
    verify_report r = run_verify(b.file);
    INFO(dump(r));
    auto rows = findings(r, check_status::fail, "rows");
    REQUIRE(rows.size() == 1);
    CHECK(rows[0]->table == "public.t");
    auto tables = findings(r, check_status::fail, "tables");
    REQUIRE(tables.size() == 1);
    CHECK(tables[0]->table == "public.u");
  }
}

TEST_CASE("layout findings: gaps, order, headers", "[verify]") {
  temp_dir dir("vf_layout");
  const std::string header = format::header_sql();
  const std::string pre = "CREATE TABLE \"public\".\"t\" (a int);\n";
  const std::string data = "COPY \"public\".\"t\" (\"a\") FROM stdin;\n1\n\\.\n";
  format::content_hash h;
  h.add_row("1");
  auto make = [&](std::vector<std::string> stored, std::vector<manifest_frame> frames,
                  const std::function<void(nlohmann::json&)>& edit = {}) {
    manifest m;
    m.tables.push_back({"public", "t", 1, h.hex(), data.size(), data.size(), false, ""});
    m.frames = std::move(frames);
    fs::path file = dir.path() / "l.sql";
    assemble(file, false, stored, m, [&](std::string& text) {
      if (!edit) return;
      auto j = nlohmann::json::parse(text);
      edit(j);
      text = j.dump();
    });
    return run_verify(file);
  };
  auto hdr = frame_entry(frame_kind::header, header);
  auto pre_f = frame_entry(frame_kind::pre_data, pre);
  auto data_f = frame_entry(frame_kind::data, data, "public", "t", 1);

  CHECK(make({header, pre, data}, {hdr, pre_f, data_f}).ok());

  // Data before pre-data.
  auto r = make({header, data, pre}, {hdr, data_f, pre_f});
  INFO(dump(r));
  auto f = findings(r, check_status::fail, "layout");
  REQUIRE(f.size() == 1);
  CHECK_THAT(f[0]->detail, Catch::Contains("comes after"));

  // Bytes not covered by any frame: the manifest leaves out the pre-data frame.
  r = make({header, pre, data}, {hdr, pre_f, data_f}, [&](nlohmann::json& j) { j["frames"].erase(1); });
  f = findings(r, check_status::fail, "layout");
  REQUIRE(f.size() == 1);
  CHECK_THAT(f[0]->detail, Catch::Contains("gap of"));
  CHECK(f[0]->offset == header.size() + pre.size());

  // No header first.
  r = make({pre, data}, {pre_f, data_f});
  f = findings(r, check_status::fail, "layout");
  CHECK(f.size() == 2);  // not first, and not exactly one header
}
