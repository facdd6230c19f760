// format/sidecar: the one reading of FILE.sha256 that the writer, restore and verify
// share. Before it, verify accepted upper-case hex and restore refused it as corrupt, and
// restore ignored the name verify failed on.
#include "test_format_support.hpp"

#include "load/preflight.hpp"

#include <immichbak/error.hpp>
#include <immichbak/verify.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>

using namespace immichbak;
using namespace immichbak::test;

namespace {

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
  return s;
}

check_status verify_sidecar_status(const fs::path& file) {
  verify_options o;
  o.file = file;
  verify_report r = verify(o);
  REQUIRE(r.checks.front().name == "sidecar");
  return r.checks.front().status;
}

// restore's reading: nullopt (fine), a warning, or the error it refuses the file with.
struct restore_view {
  bool refused = false;
  errc code = errc::internal;
  std::optional<std::string> warning;
};
restore_view restore_sidecar(const fs::path& file) {
  restore_view v;
  try {
    v.warning = load::check_sidecar(file);
  } catch (const error& e) {
    v.refused = true;
    v.code = e.code();
  }
  return v;
}

}  // namespace

TEST_CASE("sidecar lines: written lower case, read as sha256sum writes them", "[format][sidecar]") {
  const std::string hex = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  CHECK(format::sidecar_line(hex, "/backups/x.sql.zst") == hex + "  x.sql.zst\n");
  CHECK(format::sidecar_line(upper(hex), "x.sql") == hex + "  x.sql\n");
  CHECK(format::sidecar_path("/b/x.sql.zst") == fs::path("/b/x.sql.zst.sha256"));

  for (const std::string& text : {hex + "  x.sql.zst\n", hex + "  x.sql.zst", hex + " *x.sql.zst\n",
                                  upper(hex) + "  x.sql.zst\n", hex + "  x.sql.zst\r\n"}) {
    INFO(text);
    auto e = format::parse_sidecar(text);
    REQUIRE(e);
    CHECK(e->sha256 == hex);
    CHECK(e->name == "x.sql.zst");
  }
  // A name with spaces is kept whole.
  REQUIRE(format::parse_sidecar(hex + "  my backup.sql\n"));
  CHECK(format::parse_sidecar(hex + "  my backup.sql\n")->name == "my backup.sql");
  for (const std::string& text :
       {std::string(), std::string("garbage\n"), hex, hex + "  ", hex + " x.sql\n", hex.substr(1) + "  x.sql\n",
        "g" + hex.substr(1) + "  x.sql\n", hex + "  x.sql\n" + hex + "  y.sql\n", hex + "  x" + std::string(1, '\0') + "y.sql\n"}) {
    INFO(text);
    CHECK_FALSE(format::parse_sidecar(text));
  }
}

TEST_CASE("verify and restore read one sidecar the same way (upper-case hex included)", "[format][sidecar]") {
  temp_dir dir("sidecar_same");
  for (auto c : all_variants) {
    auto s = write_sample(dir.path(), c);
    const fs::path side = format::sidecar_path(s.file);
    const std::string line = read_file(side);
    REQUIRE(line == format::sidecar_line(s.file_sha256, s.file));

    // As written: both pass.
    CHECK(format::check_sidecar(s.file).status == format::sidecar_status::match);
    CHECK(verify_sidecar_status(s.file) == check_status::pass);
    CHECK_FALSE(restore_sidecar(s.file).refused);
    CHECK_FALSE(restore_sidecar(s.file).warning);

    // Upper-case hex (what some tools write): both pass. Restore used to refuse this
    // file as corrupt while verify passed it.
    write_file(side, upper(line.substr(0, 64)) + line.substr(64));
    CHECK(format::check_sidecar(s.file).status == format::sidecar_status::match);
    CHECK(verify_sidecar_status(s.file) == check_status::pass);
    CHECK_FALSE(restore_sidecar(s.file).refused);

    // sha256sum's binary-mode marker: both pass.
    write_file(side, line.substr(0, 65) + "*" + line.substr(66));
    CHECK(verify_sidecar_status(s.file) == check_status::pass);
    CHECK_FALSE(restore_sidecar(s.file).refused);

    // Matching hash, another name (a renamed pair): both warn, neither refuses.
    write_file(side, line.substr(0, 66) + "renamed.sql.zst\n");
    CHECK(format::check_sidecar(s.file).status == format::sidecar_status::other_name);
    CHECK(verify_sidecar_status(s.file) == check_status::warn);
    CHECK_FALSE(restore_sidecar(s.file).refused);
    CHECK(restore_sidecar(s.file).warning);

    // Another hash: both refuse.
    std::string other = line;
    other[3] = other[3] == '0' ? '1' : '0';
    write_file(side, other);
    CHECK(format::check_sidecar(s.file).status == format::sidecar_status::mismatch);
    CHECK(verify_sidecar_status(s.file) == check_status::fail);
    CHECK(restore_sidecar(s.file).refused);
    CHECK(restore_sidecar(s.file).code == errc::corrupt_backup);

    // Not a sha256sum line: both refuse.
    write_file(side, "not a checksum\n");
    CHECK(format::check_sidecar(s.file).status == format::sidecar_status::malformed);
    CHECK(verify_sidecar_status(s.file) == check_status::fail);
    CHECK(restore_sidecar(s.file).refused);

    // None: both warn.
    fs::remove(side);
    CHECK(format::check_sidecar(s.file).status == format::sidecar_status::missing);
    CHECK(verify_sidecar_status(s.file) == check_status::warn);
    CHECK_FALSE(restore_sidecar(s.file).refused);
    CHECK(restore_sidecar(s.file).warning);

    fs::remove(s.file);
  }
}

TEST_CASE("write_sidecar never replaces a sidecar and leaves no partial file", "[format][sidecar]") {
  temp_dir dir("sidecar_write");
  fs::path file = dir.path() / "x.sql";
  write_file(file, "hello\n");
  write_file(fs::path(format::sidecar_path(file).string() + ".partial"), "left by a crash\n");
  std::string sha = format::file_sha256(file);
  format::write_sidecar(file, sha);
  CHECK(read_file(format::sidecar_path(file)) == sha + "  x.sql\n");
  CHECK_FALSE(fs::exists(format::sidecar_path(file).string() + ".partial"));
  CHECK(format::check_sidecar(file).status == format::sidecar_status::match);
  CHECK((fs::status(format::sidecar_path(file)).permissions() & fs::perms::all) ==
        (fs::perms::owner_read | fs::perms::owner_write));

  CHECK_THROWS_AS(format::write_sidecar(file, std::string(64, '0')), error);
  CHECK(read_file(format::sidecar_path(file)) == sha + "  x.sql\n");
  CHECK_FALSE(fs::exists(format::sidecar_path(file).string() + ".partial"));
}
