// The reader's rules for hostile or damaged input (docs/format.md 9): every limit and
// every range is checked before use, and each violation is a clear, typed error.
#include "test_format_support.hpp"

#include "format/backup_reader.hpp"

#include <immichbak/error.hpp>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <zstd.h>

using namespace immichbak;
using namespace immichbak::test;

namespace {

struct zparams {
  int level = 3;
  bool checksum = true;
  bool content_size = true;
  int window_log = 0;
};

std::string zframe(std::string_view plain, zparams p = {}) {
  ZSTD_CCtx* c = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, p.level);
  ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, p.checksum ? 1 : 0);
  ZSTD_CCtx_setParameter(c, ZSTD_c_contentSizeFlag, p.content_size ? 1 : 0);
  if (p.window_log) ZSTD_CCtx_setParameter(c, ZSTD_c_windowLog, p.window_log);
  std::string out;
  if (p.content_size) {
    out.resize(ZSTD_compressBound(plain.size()));
    std::size_t n = ZSTD_compress2(c, out.data(), out.size(), plain.data(), plain.size());
    REQUIRE(!ZSTD_isError(n));
    out.resize(n);
  } else {
    // Streaming without a pledged size: the frame header has no content size.
    out.resize(ZSTD_compressBound(plain.size()) + 64);
    ZSTD_inBuffer in{plain.data(), plain.size(), 0};
    ZSTD_outBuffer o{out.data(), out.size(), 0};
    std::size_t rc = ZSTD_compressStream2(c, &o, &in, ZSTD_e_end);
    REQUIRE(rc == 0);
    out.resize(o.pos);
  }
  ZSTD_freeCCtx(c);
  return out;
}

errc open_error(const fs::path& file) {
  try {
    format::backup_reader r(file);
  } catch (const error& e) {
    return e.code();
  }
  return errc::internal;
}

// Opens, then reads every frame; returns the first error's code and message.
std::pair<errc, std::string> read_error(const fs::path& file) {
  try {
    format::backup_reader r(file);
    for (const auto& f : r.get_manifest().frames) r.read_frame(f, [](std::string_view) {});
  } catch (const error& e) {
    return {e.code(), e.what()};
  }
  return {errc::internal, "no error"};
}

const std::string header = format::header_sql();
const std::string data = "COPY \"public\".\"t\" (\"a\") FROM stdin;\n1\n2\n\\.\n";

manifest two_frame_manifest() {
  manifest m;
  m.frames = {frame_entry(frame_kind::header, header), frame_entry(frame_kind::data, data, "public", "t", 2)};
  return m;
}

}  // namespace

TEST_CASE("a valid hand-assembled file opens (the assembler matches the spec)", "[format][reader]") {
  temp_dir dir("rd_ok");
  assemble(dir.path() / "ok.zst", true, {zframe(header), zframe(data)}, two_frame_manifest());
  assemble(dir.path() / "ok.sql", false, {header, data}, two_frame_manifest());
  for (const char* name : {"ok.zst", "ok.sql"}) {
    format::backup_reader r(dir.path() / name);
    CHECK(r.read_frame(r.get_manifest().frames[1]) == data);
  }
}

TEST_CASE("files that are not backups", "[format][reader]") {
  temp_dir dir("rd_notbackup");
  write_file(dir.path() / "empty", "");
  write_file(dir.path() / "text.sql", "SELECT 1;\n");
  write_file(dir.path() / "zeros", std::string(1000, '\0'));
  write_file(dir.path() / "other.zst", zframe("SELECT 1;\n"));
  for (const char* n : {"empty", "text.sql", "other.zst", "zeros"}) {
    INFO(n);
    CHECK(open_error(dir.path() / n) == errc::not_a_backup);
  }
  // A file that starts like ours (our header frame, compressed or not) but has no footer
  // is a backup that lost its end: damage, not "another kind of file".
  write_file(dir.path() / "header.zst", zframe(header));
  write_file(dir.path() / "header.sql", header);
  write_file(dir.path() / "header_cut.zst", zframe(header).substr(0, 20));
  write_file(dir.path() / "header_cut.sql", header.substr(0, 12));
  for (const char* n : {"header.zst", "header.sql", "header_cut.zst", "header_cut.sql"}) {
    INFO(n);
    CHECK(open_error(dir.path() / n) == errc::corrupt_backup);
    try {
      format::backup_reader r(dir.path() / n);
    } catch (const error& e) {
      CHECK_THAT(e.what(), Catch::Contains(n) && Catch::Contains("truncated or damaged"));
    }
  }
  CHECK(open_error(dir.path() / "missing") == errc::io_error);
  CHECK(open_error(dir.path()) == errc::io_error);  // a directory
  try {
    format::backup_reader r(dir.path() / "text.sql");
  } catch (const error& e) {
    CHECK_THAT(e.what(), Catch::Contains("text.sql") && Catch::Contains("not an immichbak backup"));
  }
}

TEST_CASE("footer and manifest placement is checked against the file", "[format][reader]") {
  temp_dir dir("rd_place");
  auto file = dir.path() / "f";
  for (bool z : {true, false}) {
    std::vector<std::string> stored = z ? std::vector<std::string>{zframe(header), zframe(data)}
                                        : std::vector<std::string>{header, data};
    INFO("compressed " << z);
    // Manifest too large for the limit.
    assemble(file, z, stored, two_frame_manifest(), {}, [](format::footer& f) { f.manifest_length = (64ull << 20) + 1; });
    CHECK(open_error(file) == errc::corrupt_backup);
    // Offset or length beyond the file, wrapped around, or not ending at the footer.
    assemble(file, z, stored, two_frame_manifest(), {}, [](format::footer& f) { f.manifest_offset = ~0ull - 3; });
    CHECK(open_error(file) == errc::corrupt_backup);
    assemble(file, z, stored, two_frame_manifest(), {}, [](format::footer& f) { f.manifest_offset -= 1; });
    CHECK(open_error(file) == errc::corrupt_backup);
    assemble(file, z, stored, two_frame_manifest(), {}, [](format::footer& f) { f.manifest_length = 0; });
    CHECK(open_error(file) == errc::corrupt_backup);
    assemble(file, z, stored, two_frame_manifest(), {}, [](format::footer& f) { f.manifest_offset = 0; });
    CHECK(open_error(file) == errc::corrupt_backup);
    // Manifest bytes not matching the footer's hash.
    assemble(file, z, stored, two_frame_manifest(), {}, [](format::footer& f) { f.manifest_sha256[0] ^= 1; });
    CHECK(open_error(file) == errc::corrupt_backup);
    // Compression named in the manifest must match the variant.
    assemble(file, z, stored, two_frame_manifest(), [z](std::string& j) {
      auto p = j.find(z ? "\"zstd\"" : "\"none\"");
      j.replace(p, 6, z ? "\"none\"" : "\"zstd\"");
    });
    CHECK(open_error(file) == errc::corrupt_backup);
    // The manifest's format version must match the footer's.
    assemble(file, z, stored, two_frame_manifest(), {}, [](format::footer& f) { f.minor = 1; });
    CHECK(open_error(file) == errc::corrupt_backup);
    // A newer major, consistently in footer and manifest.
    auto m = two_frame_manifest();
    m.format_major = 2;
    assemble(file, z, stored, m, {}, [](format::footer& f) { f.major = 2; });
    CHECK(open_error(file) == errc::unsupported_format);
  }
}

TEST_CASE("frame ranges in the manifest are checked at open", "[format][reader]") {
  temp_dir dir("rd_ranges");
  auto file = dir.path() / "f";
  for (bool z : {true, false}) {
    std::vector<std::string> stored = z ? std::vector<std::string>{zframe(header), zframe(data)}
                                        : std::vector<std::string>{header, data};
    auto edit = [&](const std::function<void(nlohmann::json&)>& fn) {
      assemble(file, z, stored, two_frame_manifest(), [&](std::string& text) {
        auto j = nlohmann::json::parse(text);
        fn(j);
        text = j.dump();
      });
      return open_error(file);
    };
    INFO("compressed " << z);
    CHECK(edit([](auto& j) { j["frames"][1]["stored_size"] = 0; }) == errc::corrupt_backup);
    CHECK(edit([](auto& j) { j["frames"][1]["stored_size"] = 1u << 30; }) == errc::corrupt_backup);
    CHECK(edit([](auto& j) { j["frames"][1]["offset"] = ~0ull; }) == errc::corrupt_backup);
    CHECK(edit([](auto& j) { j["frames"][1]["offset"] = 18446744073709551000ull; }) == errc::corrupt_backup);
    CHECK(edit([](auto& j) { j["frames"][1]["offset"] = 1; }) == errc::corrupt_backup);  // overlaps the header
    // A frame reaching into the manifest.
    CHECK(edit([](auto& j) {
            j["frames"][1]["stored_size"] = j["frames"][1]["stored_size"].template get<std::uint64_t>() + 1;
            j["frames"][1]["plain_size"] = j["frames"][1]["stored_size"];
          }) == errc::corrupt_backup);
  }
  // Uncompressed frames store their plain bytes.
  assemble(file, false, {header, data}, two_frame_manifest(), [&](std::string& text) {
    auto j = nlohmann::json::parse(text);
    j["frames"][1]["plain_size"] = 3;
    text = j.dump();
  });
  CHECK(open_error(file) == errc::corrupt_backup);
}

TEST_CASE("zstd frames must be what the writer makes", "[format][reader]") {
  temp_dir dir("rd_zstd");
  auto file = dir.path() / "f";
  auto only_data = [&](const std::string& stored_data, std::function<void(manifest&)> fix = {}) {
    manifest m = two_frame_manifest();
    if (fix) fix(m);
    assemble(file, true, {zframe(header), stored_data}, m);
    return read_error(file);
  };
  auto [c1, m1] = only_data(zframe(data, {3, false, true, 0}));
  CHECK(c1 == errc::corrupt_backup);
  CHECK_THAT(m1, Catch::Contains("no content checksum") && Catch::Contains("data frame of public.t") &&
                     Catch::Contains("at offset"));
  auto [c2, m2] = only_data(zframe(data, {3, true, false, 0}));
  CHECK(c2 == errc::corrupt_backup);
  CHECK_THAT(m2, Catch::Contains("content size"));
  // Not a zstd frame at all (a skippable frame, or plain text).
  std::string skippable;
  format::put_le32(skippable, 0x184D2A50);
  format::put_le32(skippable, 4);
  skippable += "abcd";
  CHECK(only_data(skippable).first == errc::corrupt_backup);
  CHECK(only_data(data).first == errc::corrupt_backup);
  // Two frames where one is expected.
  CHECK(only_data(zframe(data) + zframe("x\n"), [](manifest&) {}).first == errc::corrupt_backup);
  // Truncated frame (manifest agrees with the truncated size).
  std::string z = zframe(data);
  CHECK(only_data(z.substr(0, z.size() - 5)).first == errc::corrupt_backup);
  // Declared plain size differs from the manifest's.
  auto [c3, m3] = only_data(zframe(data), [](manifest& m) {
    m.frames[1].plain_size += 1;
  });
  CHECK(c3 == errc::corrupt_backup);
  CHECK_THAT(m3, Catch::Contains("declares"));
  // Right size, wrong content: sha256 mismatch.
  std::string other = data;
  other[other.size() - 5] = '3';
  auto [c4, m4] = only_data(zframe(other));
  CHECK(c4 == errc::corrupt_backup);
  CHECK_THAT(m4, Catch::Contains("sha256"));
  // Checksum damage inside the frame (last 4 bytes are the checksum).
  std::string bad = zframe(data);
  bad[bad.size() - 1] ^= 0x20;
  auto [c5, m5] = only_data(bad);
  CHECK(c5 == errc::corrupt_backup);
  CHECK_THAT(m5, Catch::Contains("checksum"));
}

TEST_CASE("the reader refuses zstd windows over 2^24", "[format][reader]") {
  temp_dir dir("rd_window");
  auto file = dir.path() / "f";
  // 40 MiB of pseudo-random digits compressed with a 2^25 window.
  std::string big = "COPY \"public\".\"t\" (\"a\") FROM stdin;\n";
  std::uint64_t x = 0x9E3779B97F4A7C15ull;
  while (big.size() < (40u << 20)) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    big += std::to_string(x) + "\n";
  }
  big += "\\.\n";
  manifest m;
  m.frames = {frame_entry(frame_kind::header, header), frame_entry(frame_kind::data, big, "public", "t", 1)};
  assemble(file, true, {zframe(header), zframe(big, {1, true, true, 25})}, m);
  auto [code, msg] = read_error(file);
  CHECK(code == errc::corrupt_backup);
  CHECK_THAT(msg, Catch::Contains("cannot decompress") && Catch::Contains("too much memory"));
}

TEST_CASE("read_frame as a string refuses huge frames and streaming stops at plain_size", "[format][reader]") {
  temp_dir dir("rd_big");
  auto file = dir.path() / "f";
  manifest m = two_frame_manifest();
  assemble(file, false, {header, data}, m);
  format::backup_reader r(file);
  manifest_frame huge = r.get_manifest().frames[1];
  huge.plain_size = 300ull << 20;
  CHECK_THROWS_AS(r.read_frame(huge), error);
  // A frame entry that is not from this manifest is range-checked too.
  manifest_frame outside = r.get_manifest().frames[1];
  outside.offset = r.file_size();
  CHECK_THROWS_AS(r.read_frame(outside, [](std::string_view) {}), error);
}
