// Corruption suite: damage a small backup in every way we can think of and require that
// verify detects it (report not ok, or a clear not_a_backup error), names it (check,
// table, offset), and never crashes. No server needed.
#include "test_format_support.hpp"

#include <immichbak/error.hpp>
#include <immichbak/verify.hpp>

#include <catch2/catch.hpp>
#include <zstd.h>

using namespace immichbak;
using namespace immichbak::test;

namespace {

struct outcome {
  bool threw = false;
  errc code = errc::internal;
  std::string what;
  verify_report report;
};

outcome examine(const fs::path& file) {
  outcome o;
  try {
    verify_options opt;
    opt.file = file;
    o.report = verify(opt);
  } catch (const error& e) {
    o.threw = true;
    o.code = e.code();
    o.what = e.what();
  }
  return o;
}

std::string describe(const outcome& o) {
  return o.threw ? std::string("threw ") + code_name(o.code) + ": " + o.what : to_text(o.report);
}

const check_result* find_fail(const outcome& o, const std::string& name,
                              std::optional<std::uint64_t> offset = std::nullopt) {
  if (o.threw) return nullptr;
  for (const auto& c : o.report.checks)
    if (c.status == check_status::fail && c.name == name && (!offset || c.offset == offset)) return &c;
  return nullptr;
}

bool detected(const outcome& o) { return o.threw ? o.code == errc::not_a_backup : !o.report.ok(); }

// Every fail must say what and where: non-empty name and detail.
bool all_named(const outcome& o) {
  if (o.threw) return !o.what.empty();
  for (const auto& c : o.report.checks)
    if (c.status == check_status::fail && (c.name.empty() || c.detail.empty())) return false;
  return true;
}

struct region {
  std::uint64_t begin, end;
  const manifest_frame* frame;  // null: manifest or footer
};

struct subject {
  temp_dir dir;
  sample_backup s;
  std::string bytes;
  fs::path victim;
  std::uint64_t frames_end = 0, footer_start = 0;

  subject(compression c, const std::string& hint) : dir(hint), s(write_sample(dir.path(), c)) {
    bytes = read_file(s.file);
    victim = dir.path() / ("victim" + std::string(c == compression::zstd ? ".sql.zst" : ".sql"));
    format::backup_reader r(s.file);
    frames_end = r.frames_end();
    footer_start = bytes.size() - (r.compressed() ? format::binary_footer_size : format::text_footer_size);
  }
  const manifest_frame* frame_at(std::uint64_t pos) const {
    for (const auto& f : s.m.frames)
      if (pos >= f.offset && pos < f.offset + f.stored_size) return &f;
    return nullptr;
  }
  outcome with(const std::string& content, bool keep_sidecar = false) {
    write_file(victim, content);
    fs::path side = format::sidecar_path(victim);
    if (keep_sidecar) fs::copy_file(format::sidecar_path(s.file), side, fs::copy_options::overwrite_existing);
    else fs::remove(side);
    // The sidecar names the original's basename: point it at the victim.
    if (keep_sidecar) {
      std::string line = read_file(side);
      write_file(side, line.substr(0, 66) + victim.filename().string() + "\n");
    }
    return examine(victim);
  }
};

}  // namespace

TEST_CASE("the subject itself is healthy", "[verify][corruption]") {
  for (auto c : {compression::zstd, compression::none}) {
    subject sub(c, "corr_base");
    outcome o = sub.with(sub.bytes, true);
    INFO(describe(o));
    CHECK(!o.threw);
    CHECK(o.report.ok());
    CHECK(find_fail(o, "sidecar") == nullptr);
  }
}

TEST_CASE("truncation anywhere is detected", "[verify][corruption]") {
  for (auto c : {compression::zstd, compression::none}) {
    subject sub(c, "corr_trunc");
    const std::size_t size = sub.bytes.size();
    std::vector<std::size_t> lengths;
    for (std::size_t k = 0; k < 64; ++k) lengths.push_back(size * k / 64);
    for (std::size_t cut = 1; cut <= 100 && cut <= size; ++cut) lengths.push_back(size - cut);
    for (std::size_t len : lengths) {
      for (bool sidecar : {false, true}) {
        outcome o = sub.with(sub.bytes.substr(0, len), sidecar);
        INFO("compression " << int(c) << " truncated to " << len << " of " << size << " sidecar " << sidecar << "\n"
                            << describe(o));
        CHECK(detected(o));
        CHECK(all_named(o));
        if (o.threw) {
          CHECK_THAT(o.what, Catch::Contains("victim"));
          if (sidecar) CHECK_THAT(o.what, Catch::Contains("sidecar does not match"));
        }
      }
    }
  }
}

namespace {

// True when damaged stored bytes of a zstd frame still decode to exactly the original
// plain bytes (zstd has a few bits that do not affect the output, e.g. padding). Such
// damage is harmless to the content; only the sidecar (whole-file sha256) can see it.
bool content_preserving(const std::string& damaged_file, const manifest_frame& f, const std::string& plain) {
  std::string out(plain.size() + 1024, '\0');
  std::size_t n = ZSTD_decompress(out.data(), out.size(), damaged_file.data() + f.offset, f.stored_size);
  return !ZSTD_isError(n) && std::string_view(out.data(), n) == plain;
}

}  // namespace

TEST_CASE("single-byte damage in every region is detected and located", "[verify][corruption]") {
  for (auto c : {compression::zstd, compression::none}) {
    subject sub(c, "corr_flip");
    const std::size_t size = sub.bytes.size();
    std::size_t cases = 0, harmless = 0;
    for (std::size_t pos = 0; pos < size; ++pos) {
      // Every byte of the frames and the footer; every 11th of the manifest JSON (any
      // change there fails one hash, so sampling loses nothing but time).
      const bool in_manifest = pos >= sub.frames_end + 8 && pos + 8 < sub.footer_start;
      if (in_manifest && pos % 11 != 0) continue;
      for (unsigned char x : {0x01, 0xff}) {
        if (x == 0xff && pos % 7 != 0) continue;  // every byte once, every 7th twice
        std::string bad = sub.bytes;
        bad[pos] = static_cast<char>(bad[pos] ^ x);
        ++cases;
        // Without the sidecar the file's own checks must locate the damage. With the
        // footer recognisable by either half, one damaged byte never turns a backup
        // into "not a backup".
        outcome o = sub.with(bad, false);
        INFO("compression " << int(c) << " byte " << pos << " xor " << int(x) << " of " << size << "\n"
                            << describe(o));
        REQUIRE_FALSE(o.threw);
        CHECK(all_named(o));
        // As kept on disk, with the sidecar, every change is detected (checked for a
        // sample, and for every change the file's own checks cannot see).
        bool harmless_here = false;
        if (const manifest_frame* f = sub.frame_at(pos)) {
          std::size_t index = static_cast<std::size_t>(f - sub.s.m.frames.data());
          harmless_here = c == compression::zstd && o.report.ok() && content_preserving(bad, *f, sub.s.plain[index]);
        }
        if (harmless_here || pos % 13 == 0) {
          outcome with_side = sub.with(bad, true);
          INFO("with sidecar:\n" << describe(with_side));
          REQUIRE_FALSE(with_side.threw);
          REQUIRE(detected(with_side));
          CHECK(find_fail(with_side, "sidecar") != nullptr);
          CHECK(all_named(with_side));
        }
        if (const manifest_frame* f = sub.frame_at(pos)) {
          if (harmless_here) {
            ++harmless;
            continue;
          }
          REQUIRE(detected(o));
          const check_result* r = find_fail(o, "frame", f->offset);
          REQUIRE(r != nullptr);
          if (f->kind == frame_kind::data) CHECK(r->table == f->schema + "." + f->table);
          if (f->kind == frame_kind::header) CHECK(r->offset == 0);
        } else {
          // Manifest container or footer.
          REQUIRE(detected(o));
          CHECK(pos >= sub.frames_end);
          const check_result* r = find_fail(o, "manifest");
          REQUIRE(r != nullptr);
          CHECK_THAT(r->detail, Catch::Contains("victim"));
          if (pos >= sub.footer_start) CHECK_THAT(r->detail, Catch::Contains("footer"));
        }
      }
    }
    CHECK(cases > 1000);
    // Content-preserving zstd bit flips exist but are rare.
    CHECK(harmless * 50 < cases);
    if (c == compression::none) CHECK(harmless == 0);
  }
}

TEST_CASE("swapped frames are detected at both positions", "[verify][corruption]") {
  for (auto c : {compression::zstd, compression::none}) {
    // Two data frames of one table with one row each, equal in size.
    std::vector<sample_table> tables = {{"public", "t", "(\"id\", \"v\")", {"1\taaaa", "2\tbbbb", "3\tcccccccccc"}, 1}};
    temp_dir dir("corr_swap");
    auto s = write_sample(dir.path(), c, "", tables);
    std::string bytes = read_file(s.file);
    std::vector<const manifest_frame*> data;
    for (const auto& f : s.m.frames)
      if (f.kind == frame_kind::data) data.push_back(&f);
    REQUIRE(data.size() == 3);
    auto swap_frames = [&](const manifest_frame& a, const manifest_frame& b) {
      // a before b; the bytes between stay in place (shifted when sizes differ).
      std::string out = bytes.substr(0, a.offset);
      out += bytes.substr(b.offset, b.stored_size);
      out += bytes.substr(a.offset + a.stored_size, b.offset - (a.offset + a.stored_size));
      out += bytes.substr(a.offset, a.stored_size);
      out += bytes.substr(b.offset + b.stored_size);
      REQUIRE(out.size() == bytes.size());
      return out;
    };
    fs::path victim = dir.path() / "swapped";
    victim += c == compression::zstd ? ".sql.zst" : ".sql";
    // Equal sizes: every frame still decodes, but not to what the manifest says is there.
    REQUIRE(data[0]->stored_size == data[1]->stored_size);
    write_file(victim, swap_frames(*data[0], *data[1]));
    outcome o = examine(victim);
    INFO(describe(o));
    REQUIRE_FALSE(o.threw);
    CHECK_FALSE(o.report.ok());
    CHECK(find_fail(o, "frame", data[0]->offset) != nullptr);
    CHECK(find_fail(o, "frame", data[1]->offset) != nullptr);
    CHECK(find_fail(o, "frame", data[2]->offset) == nullptr);
    // Different sizes.
    REQUIRE(data[0]->stored_size != data[2]->stored_size);
    write_file(victim, swap_frames(*data[0], *data[2]));
    o = examine(victim);
    INFO(describe(o));
    REQUIRE_FALSE(o.threw);
    CHECK_FALSE(o.report.ok());
    CHECK(find_fail(o, "frame", data[0]->offset) != nullptr);
    CHECK(find_fail(o, "frame", data[2]->offset) != nullptr);
    CHECK(find_fail(o, "content-hash") != nullptr);
  }
}

TEST_CASE("sidecar: deleted, edited, or naming another file", "[verify][corruption]") {
  temp_dir dir("corr_sidecar");
  auto s = write_sample(dir.path(), compression::zstd);
  fs::path side = format::sidecar_path(s.file);
  const std::string line = read_file(side);

  fs::remove(side);
  outcome o = examine(s.file);
  REQUIRE_FALSE(o.threw);
  CHECK(o.report.ok());  // the file itself is fine: a warning, not a failure
  REQUIRE(o.report.checks.front().name == "sidecar");
  CHECK(o.report.checks.front().status == check_status::warn);

  std::string edited = line;
  edited[10] = edited[10] == '0' ? '1' : '0';
  write_file(side, edited);
  o = examine(s.file);
  INFO(describe(o));
  CHECK_FALSE(o.report.ok());
  REQUIRE(find_fail(o, "sidecar") != nullptr);
  CHECK_THAT(find_fail(o, "sidecar")->detail, Catch::Contains("changed after it was written"));
  // Everything else still passes: the finding is only about the sidecar.
  for (const auto& c : o.report.checks)
    if (c.name != "sidecar") CHECK(c.status == check_status::pass);

  // The hash matches but the line names another file (a renamed pair): the content is
  // proven intact, only `sha256sum -c` would miss the file. A warning, for restore too
  // (format/sidecar.hpp: one rule for both).
  write_file(side, line.substr(0, 66) + "other-file.sql.zst\n");
  o = examine(s.file);
  CHECK(o.report.ok());
  REQUIRE(o.report.checks.front().name == "sidecar");
  CHECK(o.report.checks.front().status == check_status::warn);
  CHECK_THAT(o.report.checks.front().detail, Catch::Contains("other-file.sql.zst"));

  write_file(side, "garbage\n");
  o = examine(s.file);
  REQUIRE(find_fail(o, "sidecar") != nullptr);

  write_file(side, line);
  o = examine(s.file);
  CHECK(o.report.ok());
  CHECK(find_fail(o, "sidecar") == nullptr);
}
