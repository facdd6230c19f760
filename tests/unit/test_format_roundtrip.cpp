// Writer -> reader round trips, stock-tool compatibility (zstd -dc, sha256sum -c), the
// writer's atomic-commit behaviour and its contract checks.
#include "test_format_support.hpp"

#include "format/backup_reader.hpp"

#include <immichbak/error.hpp>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <sys/resource.h>
#include <sys/stat.h>

#include <csignal>
#include <thread>

using namespace immichbak;
using namespace immichbak::test;

namespace {

std::string all_frames(const format::backup_reader& r) {
  std::string out;
  for (const auto& f : r.get_manifest().frames) out += r.read_frame(f);
  return out;
}

int mode_of(const fs::path& p) {
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return static_cast<int>(st.st_mode & 07777);
}

}  // namespace

TEST_CASE("round trip: every frame reads back as written, every variant", "[format][roundtrip]") {
  temp_dir dir("fmt_rt");
  for (auto c : all_variants) {
    auto s = write_sample(dir.path(), c);
    format::backup_reader r(s.file);
    CHECK(r.compressed() == (c != compression::none));
    const manifest& m = r.get_manifest();
    REQUIRE(m.frames.size() == s.plain.size());
    for (std::size_t i = 0; i < m.frames.size(); ++i) {
      CHECK(r.read_frame(m.frames[i]) == s.plain[i]);
      CHECK(m.frames[i].plain_size == s.plain[i].size());
      CHECK(m.frames[i].sha256 == format::sha256::hex(format::sha256::of(s.plain[i])));
    }
    CHECK(m.frames.front().kind == frame_kind::header);
    CHECK(m.frames.front().offset == 0);
    CHECK(m.compression == format::manifest_compression(c));
    CHECK(m.format_major == 1);
    CHECK(m.format_minor == (c == compression::gzip ? 1 : 0));
    CHECK(m.database == "immich");
    CHECK(m.restore_search_path == "\"$user\", public");
    CHECK(m.extensions.size() == 2);
    // The writer fills the per-table byte sums from its frames.
    for (const auto& t : m.tables) {
      std::uint64_t plain = 0, stored = 0;
      for (const auto& f : m.frames)
        if (f.kind == frame_kind::data && f.schema == t.schema && f.table == t.name) {
          plain += f.plain_size;
          stored += f.stored_size;
        }
      CHECK(t.plain_bytes == plain);
      CHECK(t.stored_bytes == stored);
    }
    // Frames are contiguous and end where the manifest begins.
    std::uint64_t end = 0;
    for (const auto& f : m.frames) {
      CHECK(f.offset == end);
      end = f.offset + f.stored_size;
    }
    CHECK(end == r.frames_end());
    CHECK(all_frames(r) == s.script());
    if (c == compression::none) {
      // Uncompressed: the file starts with the script itself.
      CHECK(read_file(s.file).substr(0, s.script().size()) == s.script());
    }
  }
}

TEST_CASE("zstd -dc of a backup is exactly the script (manifest and footer are skipped)", "[format][roundtrip]") {
  temp_dir dir("fmt_zstd");
  auto s = write_sample(dir.path(), compression::zstd);
  fs::path out = dir.path() / "script.sql";
  REQUIRE(sh("zstd -q -dc " + shell_quote(s.file.string()) + " > " + shell_quote(out.string())) == 0);
  CHECK(read_file(out) == s.script());
  // zstd's own integrity test accepts the file, skippable frames included.
  CHECK(sh("zstd -q -t " + shell_quote(s.file.string())) == 0);
}

TEST_CASE("the sidecar passes sha256sum -c and both files are mode 0600", "[format][roundtrip]") {
  temp_dir dir("fmt_sidecar");
  for (auto c : all_variants) {
    auto s = write_sample(dir.path(), c);
    fs::path side = format::sidecar_path(s.file);
    REQUIRE(fs::exists(side));
    CHECK(read_file(side) == s.file_sha256 + "  " + s.file.filename().string() + "\n");
    CHECK(sh("cd " + shell_quote(dir.path().string()) + " && sha256sum --quiet -c " +
             shell_quote(side.filename().string())) == 0);
    CHECK(mode_of(s.file) == 0600);
    CHECK(mode_of(side) == 0600);
    CHECK(!fs::exists(fs::path(s.file.string() + ".partial")));
    CHECK(!fs::exists(fs::path(side.string() + ".partial")));
  }
}

TEST_CASE("an unfinished backup leaves nothing behind", "[format][writer]") {
  temp_dir dir("fmt_abort");
  fs::path file = dir.path() / "x.sql.zst";
  {
    format::backup_writer w(file, compression::zstd, 3);
    w.write_frame({frame_kind::header, post_phase::none, "", "", "", 0}, format::header_sql());
    CHECK(fs::exists(fs::path(file.string() + ".partial")));
    CHECK(w.bytes_written() > 0);
  }
  CHECK(fs::is_empty(dir.path()));
  {
    format::backup_writer w(file, compression::none, 0);
    w.abort();
    w.abort();  // idempotent
    CHECK(fs::is_empty(dir.path()));
    CHECK_THROWS_AS(w.write_frame({frame_kind::header, post_phase::none, "", "", "", 0}, format::header_sql()),
                    immichbak::error);
  }
}

TEST_CASE("the writer refuses existing files and missing directories, naming the path", "[format][writer]") {
  temp_dir dir("fmt_exists");
  auto s = write_sample(dir.path(), compression::zstd, "b.sql.zst");
  try {
    format::backup_writer w(s.file, compression::zstd, 3);
    FAIL("expected an error");
  } catch (const immichbak::error& e) {
    CHECK(e.code() == errc::io_error);
    CHECK_THAT(e.what(), Catch::Contains("b.sql.zst") && Catch::Contains("already exists"));
  }
  try {
    format::backup_writer w(dir.path() / "no" / "such" / "dir.sql.zst", compression::zstd, 3);
    FAIL("expected an error");
  } catch (const immichbak::error& e) {
    CHECK(e.code() == errc::io_error);
    CHECK_THAT(e.what(), Catch::Contains("no such file or directory") && Catch::Contains("dir.sql.zst.partial"));
  }
  CHECK_THROWS_AS(format::backup_writer(dir.path() / "lvl.sql.zst", compression::zstd, 99), immichbak::error);
}

TEST_CASE("the writer enforces frame order and frame shape", "[format][writer]") {
  temp_dir dir("fmt_order");
  format::backup_writer w(dir.path() / "o.sql", compression::none, 0);
  // Header must come first.
  CHECK_THROWS_AS(w.write_frame({frame_kind::pre_data, post_phase::none, "", "", "X", 0}, "SELECT 1;\n"),
                  immichbak::error);
  w.write_frame({frame_kind::header, post_phase::none, "", "", "", 0}, format::header_sql());
  CHECK_THROWS_AS(w.write_frame({frame_kind::header, post_phase::none, "", "", "", 0}, format::header_sql()),
                  immichbak::error);
  // Frames end in a newline, post_data has a phase, data frames name a table and rows.
  CHECK_THROWS_AS(w.write_frame({frame_kind::pre_data, post_phase::none, "", "", "X", 0}, "SELECT 1;"),
                  immichbak::error);
  CHECK_THROWS_AS(w.write_frame({frame_kind::post_data, post_phase::none, "", "", "X", 0}, "SELECT 1;\n"),
                  immichbak::error);
  CHECK_THROWS_AS(w.write_frame({frame_kind::data, post_phase::none, "public", "t", "", 0}, "COPY\n"),
                  immichbak::error);
  w.write_frame({frame_kind::data, post_phase::none, "public", "t", "", 1},
                "COPY \"public\".\"t\" (\"a\") FROM stdin;\n1\n\\.\n");
  // No pre_data after data.
  CHECK_THROWS_AS(w.write_frame({frame_kind::pre_data, post_phase::none, "", "", "X", 0}, "SELECT 1;\n"),
                  immichbak::error);
  w.write_frame({frame_kind::post_data, post_phase::foreign_keys, "", "", "FK", 0}, "SELECT 1;\n");
  CHECK_THROWS_AS(w.write_frame({frame_kind::post_data, post_phase::indexes, "", "", "IDX", 0}, "SELECT 1;\n"),
                  immichbak::error);
  // A data frame of a table that the manifest does not list is refused at commit.
  manifest m;
  CHECK_THROWS_AS(w.commit(m), immichbak::error);
  CHECK(fs::is_empty(dir.path()));
}

TEST_CASE("concurrent write_frame calls produce a consistent file", "[format][writer]") {
  temp_dir dir("fmt_threads");
  fs::path file = dir.path() / "t.sql.zst";
  format::backup_writer w(file, compression::zstd, 1);
  w.write_frame({frame_kind::header, post_phase::none, "", "", "", 0}, format::header_sql());
  constexpr int threads = 4, per_thread = 25;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        std::string plain = "COPY \"public\".\"t\" (\"a\", \"b\") FROM stdin;\n";
        for (int r = 0; r < 50; ++r) plain += std::to_string(t) + "\t" + std::to_string(i * 1000 + r) + "\n";
        plain += "\\.\n";
        w.write_frame({frame_kind::data, post_phase::none, "public", "t", "", 50}, plain);
      }
    });
  for (auto& th : pool) th.join();
  manifest m;
  manifest_table t;
  t.schema = "public";
  t.name = "t";
  t.rows = threads * per_thread * 50;
  m.tables.push_back(t);
  std::string sha = w.commit(m);
  format::backup_reader r(file);
  CHECK(r.get_manifest().frames.size() == 1 + threads * per_thread);
  std::uint64_t rows = 0;
  for (const auto& f : r.get_manifest().frames) {
    std::string plain = r.read_frame(f);  // checks sha256 and checksum
    if (f.kind == frame_kind::data) rows += f.rows;
  }
  CHECK(rows == t.rows);
  CHECK(format::sha256::hex(format::sha256::of(read_file(file))) == sha);
}

TEST_CASE("a file past several write-out steps (16 MiB) commits whole, from two threads", "[format][writer]") {
  // The writer starts the disk write-out of every 16 MiB it appends (start_writeback); the
  // frames here, uncompressed, add up to ~37 MB, so that runs between concurrent appends.
  temp_dir dir("fmt_writeback");
  fs::path file = dir.path() / "big.sql";
  format::backup_writer w(file, compression::none, 0);
  w.write_frame({frame_kind::header, post_phase::none, "", "", "", 0}, format::header_sql());
  constexpr int threads = 2, per_thread = 10, rows_per_frame = 20000;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        std::string plain = "COPY \"public\".\"t\" (\"a\", \"b\") FROM stdin;\n";
        for (int r = 0; r < rows_per_frame; ++r)
          plain += fmt::format("{}\t{:0>90}\n", t, i * rows_per_frame + r);  // 93-byte rows
        plain += "\\.\n";
        w.write_frame({frame_kind::data, post_phase::none, "public", "t", "", rows_per_frame}, plain);
      }
    });
  for (auto& th : pool) th.join();
  manifest m;
  m.tables.push_back({"public", "t", std::uint64_t{threads} * per_thread * rows_per_frame, "", 0, 0, false, ""});
  std::string sha = w.commit(m);
  CHECK(fs::file_size(file) > 32u << 20);
  format::backup_reader r(file);
  std::uint64_t rows = 0;
  for (const auto& f : r.get_manifest().frames) {
    std::string plain = r.read_frame(f);  // checks its sha256
    if (f.kind == frame_kind::data) rows += f.rows;
  }
  CHECK(rows == m.tables[0].rows);
  CHECK(format::sha256::hex(format::sha256::of(read_file(file))) == sha);
  CHECK(format::check_sidecar(file).status == format::sidecar_status::match);
}

TEST_CASE("high compression levels keep the window at 2^23", "[format][writer]") {
  temp_dir dir("fmt_window");
  fs::path file = dir.path() / "w.sql.zst";
  // 9.5 MB in one frame at level 20, whose default window is 2^25: without the cap zstd
  // would use a single 9.5 MB window (repetitive rows keep level 20 fast).
  std::string plain = "COPY \"public\".\"t\" (\"a\", \"b\", \"c\") FROM stdin;\n";
  std::uint64_t rows = 0;
  while (plain.size() < 9'500'000) {
    plain += fmt::format("{}\tuser{}\t/usr/src/app/upload/library/{}.jpg\n", rows % 1000, rows % 7, rows % 50);
    ++rows;
  }
  plain += "\\.\n";
  {
    format::backup_writer w(file, compression::zstd, 20);
    w.write_frame({frame_kind::header, post_phase::none, "", "", "", 0}, format::header_sql());
    w.write_frame({frame_kind::data, post_phase::none, "public", "t", "", rows}, plain);
    manifest m;
    m.tables.push_back({"public", "t", rows, "", 0, 0, false, ""});
    w.commit(m);
  }
  // zstd refuses frames needing a window over 8 MiB when told so.
  CHECK(sh("zstd -q -t --memory=8MB " + shell_quote(file.string())) == 0);
  format::backup_reader r(file);
  CHECK(r.read_frame(r.get_manifest().frames[1]) == plain);
}

TEST_CASE("write errors name the file and the system's reason", "[format][writer]") {
  temp_dir dir("fmt_efbig");
  fs::path file = dir.path() / "big.sql";
  struct rlimit old {};
  REQUIRE(::getrlimit(RLIMIT_FSIZE, &old) == 0);
  auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = old;
  small.rlim_cur = 64 * 1024;
  REQUIRE(::setrlimit(RLIMIT_FSIZE, &small) == 0);
  std::string message;
  try {
    format::backup_writer w(file, compression::none, 0);
    w.write_frame({frame_kind::header, post_phase::none, "", "", "", 0}, format::header_sql());
    w.write_frame({frame_kind::pre_data, post_phase::none, "", "", "BIG", 0}, std::string(128 * 1024, '-') + "\n");
  } catch (const immichbak::error& e) {
    CHECK(e.code() == errc::io_error);
    message = e.what();
  }
  ::setrlimit(RLIMIT_FSIZE, &old);
  std::signal(SIGXFSZ, old_handler);
  CHECK_THAT(message, Catch::Contains("big.sql.partial") && Catch::Contains("file too large"));
  CHECK(fs::is_empty(dir.path()));
}

TEST_CASE("reading a frame from inside another frame's sink works", "[format][reader]") {
  temp_dir dir("fmt_nested");
  auto s = write_sample(dir.path(), compression::zstd);
  format::backup_reader r(s.file);
  const auto& frames = r.get_manifest().frames;
  std::string outer, inner;
  r.read_frame(frames[7], [&](std::string_view piece) {
    outer.append(piece);
    if (inner.empty()) inner = r.read_frame(frames[8]);
  });
  CHECK(outer == s.plain[7]);
  CHECK(inner == s.plain[8]);
  // Several threads reading the same file at once.
  std::vector<std::thread> pool;
  std::atomic<int> bad{0};
  for (int t = 0; t < 4; ++t)
    pool.emplace_back([&] {
      for (int round = 0; round < 20; ++round)
        for (std::size_t i = 0; i < frames.size(); ++i)
          if (r.read_frame(frames[i]) != s.plain[i]) ++bad;
    });
  for (auto& th : pool) th.join();
  CHECK(bad == 0);
}
