// sha256 (OpenSSL EVP) and the order-independent content hash (docs/format.md 3.4).
#include "format/content_hash.hpp"
#include "format/sha256.hpp"

#include <catch2/catch.hpp>

using namespace immichbak::format;

TEST_CASE("sha256 matches the standard test vectors", "[format][sha256]") {
  CHECK(sha256::hex(sha256::of("")) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256::hex(sha256::of("abc")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  sha256 h;
  h.update("a");
  h.update("");
  h.update("bc");
  CHECK(h.finish_hex() == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // Reusable after finish().
  h.update("abc");
  CHECK(h.finish_hex() == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(h.finish_hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  sha256 moved = std::move(h);
  moved.update("abc");
  CHECK(moved.finish_hex() == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("content hash: lane sums of row digests, as the spec defines", "[format][content_hash]") {
  content_hash empty;
  CHECK(empty.hex() == std::string(64, '0'));
  CHECK(empty.rows() == 0);

  content_hash one;
  one.add_row("a");
  // One row: the row's digest itself.
  CHECK(one.hex() == "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb");

  // Values computed independently (Python hashlib + struct '<Q' lanes).
  content_hash two;
  two.add_row("1\tfoo");
  two.add_row("2\tbar");
  CHECK(two.hex() == "f7b4d31b40cb84fa1be762ec6ae59d8bbbdcd85b8064d43415ebfe7d31d2dbcd");
  CHECK(two.rows() == 2);

  content_hash dup;
  dup.add_row("x");
  dup.add_row("x");
  CHECK(dup.hex() == "5ae22c846e4d608902c4f852f75965ea90a71e62217988b7044a0e2f24359002");
  CHECK(dup.hex() != std::string(64, '0'));  // duplicates do not cancel (unlike XOR)
}

TEST_CASE("content hash is order independent and mergeable", "[format][content_hash]") {
  content_hash a, b, part1, part2;
  for (const char* r : {"r1", "r2", "r3", "r4"}) a.add_row(r);
  for (const char* r : {"r4", "r2", "r1", "r3"}) b.add_row(r);
  CHECK(a == b);
  part1.add_row("r3");
  part1.add_row("r1");
  part2.add_row("r2");
  part2.add_row("r4");
  part1.merge(part2);
  CHECK(part1 == a);
  CHECK(part1.rows() == 4);

  content_hash d;
  d.add_row_digest(sha256::of("r1"));
  d.add_row("r2");
  d.add_row_digest(sha256::of("r3"));
  d.add_row("r4");
  CHECK(d == a);

  content_hash other;
  other.add_row("r1");
  CHECK(!(other == a));
}

TEST_CASE("content hash hex round trip", "[format][content_hash]") {
  content_hash h;
  for (int i = 0; i < 1000; ++i) h.add_row("row " + std::to_string(i));
  auto back = content_hash::from_hex(h.hex(), h.rows());
  REQUIRE(back);
  CHECK(*back == h);
  CHECK(back->hex() == h.hex());
  CHECK_FALSE(content_hash::from_hex("abc", 0));
  CHECK_FALSE(content_hash::from_hex(std::string(63, '0') + "g", 0));
  CHECK(content_hash::from_hex(std::string(64, '0'), 0) == content_hash{});
}

TEST_CASE("content hash stream: rows split anywhere hash as whole rows", "[format][content_hash]") {
  const std::string text = "1\talice\t{0.5,1.25}\n2\tbob\t\\N\n\n3\t\\\\.\tx\n";
  content_hash whole;
  for (std::string_view row : {"1\talice\t{0.5,1.25}", "2\tbob\t\\N", "", "3\t\\\\.\tx"}) whole.add_row(row);
  for (std::size_t piece = 1; piece <= text.size(); ++piece) {
    content_hash_stream s;
    for (std::size_t at = 0; at < text.size(); at += piece) s.feed(std::string_view(text).substr(at, piece));
    INFO("pieces of " << piece << " bytes");
    CHECK_FALSE(s.partial_line());
    CHECK(s.hash() == whole);
    CHECK(s.hash().rows() == 4);
  }
  content_hash_stream cut;
  cut.feed("1\tal");
  CHECK(cut.partial_line());
  CHECK(cut.hash().rows() == 0);
}
