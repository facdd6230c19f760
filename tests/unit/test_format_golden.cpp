// Golden files of format 1.0 (tests/golden/format/v1/), written once by the writer and
// committed. Every later reader must read them. Regenerate only for a deliberate change:
//   IMMICHBAK_UPDATE_GOLDEN=1 ./unit_tests "[golden]"
// (a new format version gets a new directory; v1 files stay as they are).
#include "test_format_support.hpp"

#include "format/backup_reader.hpp"

#include <immichbak/verify.hpp>

#include <catch2/catch.hpp>

#include <cstdlib>

using namespace immichbak;
using namespace immichbak::test;

namespace {

const fs::path golden_dir = fs::path(IMMICHBAK_SOURCE_DIR) / "tests" / "golden" / "format" / "v1";
const char* const zst_name = "golden-20250131T020000Z.sql.zst";
const char* const sql_name = "golden-20250131T020000Z.sql";

// The content, fixed here (not shared with other tests) so the golden files stay meaningful.
std::vector<sample_table> golden_tables() {
  return {
      {"public", "asset", "(\"id\", \"originalPath\", \"ownerId\")",
       {"1\t/usr/src/app/upload/a.jpg\tu1", "2\t/usr/src/app/upload/tab\\there.jpg\tu1", "3\t/data/ü/ß.heic\t\\N",
        "4\tback\\\\slash\\nnewline\tu2", "5\tx\tu2"},
       2},
      {"public", "tag", "(\"id\", \"value\")", {"10\tholiday", "11\tfamily"}, 5},
      {"public", "empty_table", "(\"id\")", {}, 1},
      {"public", "smart_search", "(\"assetId\", \"embedding\")", {}, 1, true},
      {"We\"ird", "Tab le", "(\"c\"\"1\")", {"only one"}, 1},
  };
}

bool updating() {
  const char* v = std::getenv("IMMICHBAK_UPDATE_GOLDEN");
  return v && std::string(v) == "1";
}

void check_manifest(const manifest& m, bool compressed) {
  CHECK(m.format_major == 1);
  CHECK(m.format_minor == 0);
  CHECK(m.compression == (compressed ? "zstd" : "none"));
  CHECK(m.compression_level == (compressed ? 3 : 0));
  CHECK(m.tool_version == "0.1.0-test");
  CHECK(m.created_at == "2025-01-31T02:00:00Z");
  CHECK(m.database == "immich");
  CHECK(m.server_version == "15.18");
  CHECK(m.server_version_num == 150018);
  CHECK(m.immich_version == "v1.130.0");
  CHECK(m.immich_migration == "1740000000000-AddOcr");
  CHECK(m.encoding == "UTF8");
  CHECK(m.restore_search_path == "\"$user\", public");
  CHECK(m.session_settings.size() == 14);
  CHECK(m.session_settings.at("extra_float_digits") == "3");
  REQUIRE(m.database_settings.size() == 1);
  CHECK(m.database_settings[0].name == "search_path");
  REQUIRE(m.extensions.size() == 2);
  CHECK(m.extensions[1].name == "earthdistance");
  CHECK(m.roles == std::vector<std::string>{"immich", "reader"});
  REQUIRE(m.tables.size() == 5);
  CHECK(m.tables[0].name == "asset");
  CHECK(m.tables[0].rows == 5);
  // Computed independently (Python hashlib, little-endian lane sums).
  CHECK(m.tables[0].content_hash == "4761f883dec337fc475fb2468af8c759803a8dc3143396db067234450aef5fdf");
  CHECK(m.tables[2].rows == 0);
  CHECK(m.tables[2].content_hash == std::string(64, '0'));
  CHECK(m.tables[3].data_excluded);
  CHECK(m.tables[4].schema == "We\"ird");
  REQUIRE(m.frames.size() == 17);
  std::vector<frame_kind> kinds;
  for (const auto& f : m.frames) kinds.push_back(f.kind);
  using K = frame_kind;
  CHECK(kinds == std::vector<K>{K::header, K::pre_data, K::pre_data, K::pre_data, K::pre_data, K::pre_data,
                                K::pre_data, K::data, K::data, K::data, K::data, K::data, K::post_data,
                                K::post_data, K::post_data, K::owners, K::privileges});
  CHECK(m.frames[12].phase == post_phase::indexes);
  CHECK(m.frames[13].phase == post_phase::foreign_keys);
  CHECK(m.frames[14].phase == post_phase::final);
  CHECK(m.frames[7].rows == 2);
  CHECK(m.frames[7].table == "asset");
}

}  // namespace

/// `file` and its sidecar copied into `dir`; returns the copy.
static fs::path copy_with_sidecar(const fs::path& file, const fs::path& dir) {
  fs::path copy = dir / file.filename();
  fs::copy_file(file, copy);
  fs::copy_file(format::sidecar_path(file), format::sidecar_path(copy));
  return copy;
}

TEST_CASE("golden files: regenerate on request", "[format][golden]") {
  if (!updating()) return;
  fs::create_directories(golden_dir);
  for (const char* n : {zst_name, sql_name}) {
    fs::remove(golden_dir / n);
    fs::remove(format::sidecar_path(golden_dir / n));
  }
  write_sample(golden_dir, compression::zstd, zst_name, golden_tables());
  write_sample(golden_dir, compression::none, sql_name, golden_tables());
  WARN("golden files rewritten in " << golden_dir);
}

TEST_CASE("golden files of format 1.0 are read by this reader", "[format][golden]") {
  temp_dir tmp("golden");
  // What the golden files hold, rebuilt from the same content (the .sql version of this
  // is compared byte for byte below).
  auto expected = write_sample(tmp.path(), compression::none, "expected.sql", golden_tables());
  for (const char* name : {zst_name, sql_name}) {
    INFO(name);
    fs::path file = golden_dir / name;
    REQUIRE(fs::exists(file));
    format::backup_reader r(file);
    const bool compressed = std::string(name).ends_with(".zst");
    CHECK(r.compressed() == compressed);
    check_manifest(r.get_manifest(), compressed);
    const auto& frames = r.get_manifest().frames;
    REQUIRE(frames.size() == expected.plain.size());
    for (std::size_t i = 0; i < frames.size(); ++i) {
      CHECK(frames[i].sha256 == expected.m.frames[i].sha256);
      CHECK(r.read_frame(frames[i]) == expected.plain[i]);
    }
    // The whole offline verify passes, sidecar included (on a copy: verify records its
    // result next to the file, and the source tree is not the place for that).
    temp_dir copy_dir("golden_verify");
    verify_options o;
    o.file = copy_with_sidecar(file, copy_dir.path());
    verify_report rep = verify(o);
    INFO(to_text(rep));
    CHECK(rep.ok());
    CHECK(rep.checks.front().name == "sidecar");
    CHECK(rep.checks.front().status == check_status::pass);
  }
}

TEST_CASE("the writer still produces the golden .sql byte for byte", "[format][golden]") {
  // The uncompressed variant is deterministic (zstd output may vary between library
  // versions, so the .zst is not compared). A difference means the writer's output
  // changed: if deliberate, that is a new format version with its own golden files.
  temp_dir tmp("golden_bytes");
  auto again = write_sample(tmp.path(), compression::none, sql_name, golden_tables());
  CHECK(read_file(again.file) == read_file(golden_dir / sql_name));
  CHECK(read_file(format::sidecar_path(again.file)) == read_file(format::sidecar_path(golden_dir / sql_name)));
}

TEST_CASE("files written by the independent spec implementation are read and verified", "[format][golden]") {
  // tests/golden/format/v1/spec_writer.py implements docs/format.md from the text alone.
  // The gzip one (format 1.1) was written with Python's zlib, from sec. 7a alone.
  for (const char* name : {"spec-minimal.sql.zst", "spec-minimal.sql", "spec-minimal.sql.gz"}) {
    INFO(name);
    const bool gzip = std::string_view(name).ends_with(".gz");
    fs::path file = golden_dir / name;
    format::backup_reader r(file);
    const manifest& m = r.get_manifest();
    CHECK(m.database == "spec");
    REQUIRE(m.frames.size() == (gzip ? 6u : 5u));
    const manifest_frame& data = m.frames[gzip ? 4 : 3];
    CHECK(data.kind == frame_kind::data);
    CHECK(r.read_frame(data) == "COPY \"public\".\"t\" (\"id\", \"v\") FROM stdin;\n1\thello\n2\tw\\tor\\\\ld\n\\.\n");
    CHECK(r.read_frame(m.frames[0]) == (gzip ? format::gzip_header_sql() : format::header_sql()));
    if (gzip) CHECK(m.frames[1].kind == frame_kind::clean);
    temp_dir copy_dir("spec_verify");
    verify_options o;
    o.file = copy_with_sidecar(file, copy_dir.path());
    verify_report rep = verify(o);
    INFO(to_text(rep));
    CHECK(rep.ok());
    for (const auto& c : rep.checks) CHECK(c.status == check_status::pass);
  }
}

TEST_CASE("the header frame is exactly the text in docs/format.md", "[format][golden]") {
  std::string doc = read_file(fs::path(IMMICHBAK_SOURCE_DIR) / "docs" / "format.md");
  auto section = doc.find("### 3.2 Header frame");
  REQUIRE(section != std::string::npos);
  auto begin = doc.find("```\n", section);
  REQUIRE(begin != std::string::npos);
  begin += 4;
  auto end = doc.find("```", begin);
  CHECK(doc.substr(begin, end - begin) == format::header_sql());
}
