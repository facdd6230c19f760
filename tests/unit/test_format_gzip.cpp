// The gzip variant (docs/format.md section 7a): stock gunzip reads it as the script plus two
// comment lines, a cut or damaged file is refused and never taken for a foreign dump, and
// the clean frame holds only its DROP ... IF EXISTS statements and only in gzip files.
#include "test_format_support.hpp"

#include "format/gzip_member.hpp"
#include "format/manifest_check.hpp"
#include "sqlscript/statement_check.hpp"

#include <immichbak/error.hpp>

#include <catch2/catch.hpp>

#include <cstring>

using namespace immichbak;
using namespace immichbak::test;

namespace {

errc read_error(const fs::path& file) {
  try {
    format::backup_reader r(file);
    for (const auto& f : r.get_manifest().frames) r.read_frame(f);
  } catch (const error& e) {
    return e.code();
  }
  return errc::internal;  // read fine
}

}  // namespace

TEST_CASE("gunzip -c of a gzip backup is the script, then the manifest and footer as comments", "[format][gzip]") {
  temp_dir dir("fmt_gz");
  auto s = write_sample(dir.path(), compression::gzip);
  const fs::path out = dir.path() / "script.sql";
  REQUIRE(sh("gunzip -c " + shell_quote(s.file.string()) + " > " + shell_quote(out.string())) == 0);
  CHECK(sh("gzip -t " + shell_quote(s.file.string())) == 0);
  const std::string text = read_file(out);
  REQUIRE(text.substr(0, s.script().size()) == s.script());
  const std::string rest = text.substr(s.script().size());
  CHECK(rest.rfind("-- immichbak-manifest {", 0) == 0);
  const auto nl = rest.find('\n');
  REQUIRE(nl != std::string::npos);
  CHECK(rest.substr(nl + 1).rfind("-- immichbak-footer major=00001 minor=00001 ", 0) == 0);
  CHECK(rest.size() - nl - 1 == format::text_footer_size);
  // The header names the variant; the clean frame follows it.
  CHECK(text.rfind("-- immichbak backup, format 1.1 (gzip)\n", 0) == 0);
  CHECK(s.m.frames.at(1).kind == frame_kind::clean);
  // The footer member sits at a fixed distance from the end.
  const std::string file = read_file(s.file);
  CHECK(file.substr(file.size() - format::gzip_footer_size, 2) == "\x1f\x8b");
}

TEST_CASE("a cut gzip backup is refused as damaged, never read as a foreign dump", "[format][gzip][truncated]") {
  temp_dir dir("fmt_gz_cut");
  auto s = write_sample(dir.path(), compression::gzip);
  const std::string whole = read_file(s.file);
  const std::uint64_t second = s.m.frames.at(1).offset;  // the end of the header member
  std::vector<std::size_t> cuts = {static_cast<std::size_t>(second), static_cast<std::size_t>(second) + 7,
                                   whole.size() / 2, whole.size() - format::gzip_footer_size,
                                   whole.size() - format::gzip_footer_size + 100, whole.size() - 1};
  for (const auto& f : s.m.frames) cuts.push_back(static_cast<std::size_t>(f.offset + f.stored_size / 2));
  for (std::size_t cut : cuts) {
    INFO("cut at " << cut << " of " << whole.size());
    const fs::path p = dir.path() / "cut.sql.gz";
    write_file(p, whole.substr(0, cut));
    CHECK(read_error(p) == errc::corrupt_backup);
  }
  // Bytes added after the end: damaged too (the footer is no longer last).
  const fs::path p = dir.path() / "long.sql.gz";
  write_file(p, whole + "x");
  CHECK(read_error(p) == errc::corrupt_backup);
}

TEST_CASE("damage anywhere in a gzip backup is found", "[format][gzip]") {
  temp_dir dir("fmt_gz_flip");
  auto s = write_sample(dir.path(), compression::gzip);
  const std::string whole = read_file(s.file);
  std::size_t found = 0, tried = 0;
  for (std::size_t pos = 0; pos < whole.size(); pos += 7) {
    std::string bad = whole;
    bad[pos] = static_cast<char>(bad[pos] ^ 0x20);
    const fs::path p = dir.path() / "flip.sql.gz";
    write_file(p, bad);
    ++tried;
    const errc e = read_error(p);
    // A flipped bit in deflate padding or an unused Huffman code may decode the same bytes;
    // then the plain SHA-256 still matches and only the sidecar sees it (docs/format.md 11).
    if (e == errc::corrupt_backup || e == errc::unsupported_format) ++found;
    else CHECK((e == errc::internal && format::sha256::hex(format::sha256::of(bad)) != s.file_sha256));
  }
  CHECK(found * 100 >= tried * 95);
}

TEST_CASE("a stored gzip member is what gzip itself reads", "[format][gzip]") {
  temp_dir dir("fmt_gz_stored");
  const std::string line(237, 'x');
  write_file(dir.path() / "m.gz", format::gzip_stored_member(line));
  std::string out;
  REQUIRE(sh("gunzip -c " + shell_quote((dir.path() / "m.gz").string()), &out) == 0);
  CHECK(out == line);
  CHECK(format::gzip_stored_member(line).size() == line.size() + format::gzip_stored_overhead);
  // And a member libdeflate writes inflates back, its size checked both ways.
  const std::string plain = std::string(100000, 'a') + "tail\n";
  const std::string member = format::gzip_member(plain, 2);
  auto inflate = [&](std::uint64_t size, bool exact) {
    std::string got;
    auto problem = format::inflate_member(
        member.size(), size, exact, 4096,
        [&](std::uint64_t off, char* buf, std::size_t n) { std::memcpy(buf, member.data() + off, n); },
        [&](std::string_view piece) { got += piece; });
    return std::make_pair(problem ? problem->what : std::string(), got);
  };
  CHECK(inflate(plain.size(), true) == std::make_pair(std::string(), plain));
  CHECK_THAT(inflate(plain.size() - 1, true).first, Catch::Contains("more than"));
  CHECK_THAT(inflate(plain.size() + 1, true).first, Catch::Contains("decompresses to"));
  CHECK(inflate(plain.size() + 1, false).first.empty());
}

TEST_CASE("clean frames: only DROP EXTENSION / SCHEMA IF EXISTS ... CASCADE, only in gzip files", "[format][gzip]") {
  manifest_frame f;
  f.kind = frame_kind::clean;
  CHECK_FALSE(sqlscript::check_frame_statements(f, "DROP EXTENSION IF EXISTS \"cube\" CASCADE;\n"));
  CHECK_FALSE(sqlscript::check_frame_statements(f, "DROP SCHEMA IF EXISTS \"x y\" CASCADE;\n"));
  for (const char* bad : {"DROP TABLE IF EXISTS \"public\".\"asset\" CASCADE;\n", "DROP SCHEMA \"public\" CASCADE;\n",
                          "DROP DATABASE IF EXISTS \"immich\";\n", "DROP EXTENSION IF EXISTS \"cube\";\n",
                          "CREATE SCHEMA \"x\";\n", "SELECT pg_terminate_backend(1);\n", "\\! rm -rf /\n"}) {
    INFO(bad);
    CHECK(sqlscript::check_frame_statements(f, bad));
  }
  // Not in a zstd file: the writer refuses to write one, the layout check reports one.
  temp_dir dir("fmt_gz_clean");
  {
    format::backup_writer w(dir.path() / "z.sql.zst", compression::zstd, 3);
    w.write_frame({frame_kind::header, post_phase::none, "", "", "", 0}, format::header_sql());
    CHECK_THROWS_AS(w.write_frame({frame_kind::clean, post_phase::none, "", "", "CLEAN", 0},
                                  "DROP SCHEMA IF EXISTS \"x\" CASCADE;\n"),
                    immichbak::error);
  }
  manifest m = write_sample(dir.path(), compression::gzip).m;
  CHECK(format::check_manifest(m, m.frames.back().offset + m.frames.back().stored_size).empty());
  m.compression = "zstd";
  bool reported = false;
  for (const auto& p : format::check_manifest(m, m.frames.back().offset + m.frames.back().stored_size))
    if (p.detail.find("clean frame") != std::string::npos) reported = true;
  CHECK(reported);
}
