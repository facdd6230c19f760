// The footer in both variants (docs/format.md 6.3, 7.2): encoding, recognition, damage
// detection, and the version rules.
#include "format/layout.hpp"

#include <immichbak/error.hpp>

#include <catch2/catch.hpp>

using namespace immichbak;
using namespace immichbak::format;

namespace {

footer sample_footer() {
  footer f;
  f.manifest_offset = 123456789;
  f.manifest_length = 4242;
  f.manifest_sha256 = sha256::of("manifest");
  return f;
}

errc decode_error(footer_variant v, const std::string& bytes) {
  try {
    decode_footer(v, bytes, "f");
  } catch (const error& e) {
    return e.code();
  }
  return errc::internal;  // "no error"
}

}  // namespace

TEST_CASE("binary footer: exact layout", "[format][footer]") {
  std::string b = encode_binary_footer(sample_footer());
  REQUIRE(b.size() == 80);
  // Skippable frame 0x184D2A5C, length 72, magic IMBKFTR\0, major 1, minor 0, flags 0.
  CHECK(b.substr(0, 8) == std::string("\x5C\x2A\x4D\x18\x48\x00\x00\x00", 8));
  CHECK(b.substr(8, 8) == std::string("IMBKFTR\0", 8));
  CHECK(b.substr(16, 8) == std::string("\x01\x00\x00\x00\x00\x00\x00\x00", 8));
  CHECK(get_le64(b.data() + 24) == 123456789);
  CHECK(get_le64(b.data() + 32) == 4242);
  auto check = sha256::of(std::string_view(b).substr(8, 64));
  CHECK(b.substr(72, 8) == std::string(reinterpret_cast<const char*>(check.data()), 8));

  auto v = detect_footer(b, b.size());
  REQUIRE(v == footer_variant::binary);
  footer f = decode_footer(*v, b, "f");
  CHECK(f.major == 1);
  CHECK(f.minor == 0);
  CHECK(f.manifest_offset == 123456789);
  CHECK(f.manifest_length == 4242);
  CHECK(f.manifest_sha256 == sha256::of("manifest"));
}

TEST_CASE("text footer: fixed-length comment line", "[format][footer]") {
  std::string t = encode_text_footer(sample_footer());
  REQUIRE(t.size() == 237);
  CHECK(t.rfind("-- immichbak-footer major=00001 minor=00000 flags=00000000 manifest_offset=00000000000123456789 "
                "manifest_length=00000000000000004242 manifest_sha256=",
                0) == 0);
  CHECK(t.substr(213, 7) == " check=");
  CHECK(t.back() == '\n');
  auto v = detect_footer(t, t.size());
  REQUIRE(v == footer_variant::text);
  footer f = decode_footer(*v, t, "f");
  CHECK(f.manifest_offset == 123456789);
  CHECK(f.manifest_length == 4242);
  CHECK(f.manifest_sha256 == sha256::of("manifest"));
}

TEST_CASE("a tail without a footer is not a backup", "[format][footer]") {
  CHECK_FALSE(detect_footer("", 0));
  CHECK_FALSE(detect_footer(std::string(300, 'x'), 300));
  CHECK_FALSE(detect_footer(std::string(79, '\0'), 79));
  std::string sql = "SELECT 1;\n-- just a comment\n";
  CHECK_FALSE(detect_footer(sql, sql.size()));
}

TEST_CASE("every single-byte change to a footer is detected", "[format][footer]") {
  for (auto variant : {footer_variant::binary, footer_variant::text}) {
    std::string good = variant == footer_variant::binary ? encode_binary_footer(sample_footer())
                                                         : encode_text_footer(sample_footer());
    for (std::size_t pos = 0; pos < good.size(); ++pos) {
      for (unsigned char x : {0x01, 0x80, 0xff}) {
        std::string bad = good;
        bad[pos] = static_cast<char>(bad[pos] ^ x);
        auto v = detect_footer(bad, bad.size());
        if (!v) continue;  // "not a backup": also a rejection
        REQUIRE(*v == variant);  // a damaged footer is never taken for the other form
        INFO("variant " << int(variant) << " byte " << pos << " xor " << int(x));
        CHECK(decode_error(*v, bad) == errc::corrupt_backup);
      }
    }
  }
}

TEST_CASE("version rules: unknown major, reserved flags", "[format][footer]") {
  footer f = sample_footer();
  f.major = 2;
  CHECK(decode_error(footer_variant::binary, encode_binary_footer(f)) == errc::unsupported_format);
  CHECK(decode_error(footer_variant::text, encode_text_footer(f)) == errc::unsupported_format);
  f.major = 1;
  f.minor = 7;  // a newer minor is fine
  CHECK(decode_footer(footer_variant::binary, encode_binary_footer(f), "f").minor == 7);
  CHECK(decode_footer(footer_variant::text, encode_text_footer(f), "f").minor == 7);
  f.flags = 1;
  CHECK(decode_error(footer_variant::binary, encode_binary_footer(f)) == errc::corrupt_backup);
  CHECK(decode_error(footer_variant::text, encode_text_footer(f)) == errc::corrupt_backup);
  try {
    footer g = sample_footer();
    g.major = 3;
    decode_footer(footer_variant::binary, encode_binary_footer(g), "/backups/x.sql.zst");
  } catch (const error& e) {
    CHECK_THAT(e.what(), Catch::Contains("/backups/x.sql.zst") && Catch::Contains("format 3.0") &&
                             Catch::Contains("newer immichbak"));
  }
}
