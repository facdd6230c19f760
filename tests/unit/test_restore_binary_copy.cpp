// COPY text rows as binary tuples (load/binary_copy.hpp). The live check that these
// bytes are what the server's send functions make is the probe (binary_types.cpp), tested
// in tests/integration/test_restore_binary.cpp.

#include <catch2/catch.hpp>

#include "load/binary_copy.hpp"

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <random>
#include <string>
#include <vector>

using namespace immichbak::load;

namespace {
std::string bytes(std::initializer_list<int> b) {
  std::string s;
  for (int v : b) s.push_back(static_cast<char>(v));
  return s;
}
std::string encoded(binary_kind k, std::string_view text) {
  std::string out = "keep";
  REQUIRE(encode_value(k, text, out));
  REQUIRE(out.substr(0, 4) == "keep");
  return out.substr(4);
}
bool declines(binary_kind k, std::string_view text) {
  std::string out = "keep";
  bool ok = encode_value(k, text, out);
  CHECK(out == (ok ? out : std::string("keep")));
  return !ok;
}
}  // namespace

TEST_CASE("binary copy: uuid in uuid_out's form", "[restore][binary]") {
  CHECK(encoded(binary_kind::uuid, "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0") ==
        bytes({0x0f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x69, 0x78, 0x87, 0x96, 0xa5, 0xb4, 0xc3, 0xd2, 0xe1, 0xf0}));
  CHECK(declines(binary_kind::uuid, "0f1e2d3c4b5a69788796a5b4c3d2e1f0"));
  CHECK(declines(binary_kind::uuid, "{0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0}"));
  CHECK(declines(binary_kind::uuid, "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1fg"));
  CHECK(declines(binary_kind::uuid, ""));
}

TEST_CASE("binary copy: real[] as array_send writes it", "[restore][binary]") {
  // ndim 1, no nulls, element type 700, 2 elements from 1, then (length 4, bits) each
  CHECK(encoded(binary_kind::float4_array, "{1,-2.5}") ==
        bytes({0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 2, 0xbc, 0, 0, 0, 2, 0, 0, 0, 1,  //
               0, 0, 0, 4, 0x3f, 0x80, 0, 0, 0, 0, 0, 4, 0xc0, 0x20, 0, 0}));
  CHECK(encoded(binary_kind::float4_array, "{}") == bytes({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0xbc}));
  CHECK(encoded(binary_kind::float4_array, "{-0}").substr(24) == bytes({0x80, 0, 0, 0}));
  // The exact float: 0.1 rounds to 0x3dcccccd, as strtof does.
  CHECK(encoded(binary_kind::float4_array, "{0.1}").substr(24) == bytes({0x3d, 0xcc, 0xcc, 0xcd}));
  CHECK(encoded(binary_kind::float4_array, "{3.4028235e+38}").substr(24) == bytes({0x7f, 0x7f, 0xff, 0xff}));
  CHECK(encoded(binary_kind::float4_array, "{1e-05}").substr(24) == bytes({0x37, 0x27, 0xc5, 0xac}));
}

TEST_CASE("binary copy: anything not exactly reproduced is declined", "[restore][binary]") {
  for (const char* t : {"{NULL}", "{1,NULL}", "{NaN}", "{Infinity}", "{-Infinity}", "{{1,2},{3,4}}", "[1:2]={1,2}",
                        "{\"1\"}", "{1, 2}", "{ 1}", "{1,}", "{,1}", "{1e-45}", "{1e39}", "{0x10}", "{1..2}", "1,2",
                        "{1", "", "{1e}", "{+}"})
    CHECK(declines(binary_kind::float4_array, t));
}

TEST_CASE("binary copy: pgvector's vector", "[restore][binary]") {
  CHECK(encoded(binary_kind::vector, "[1,-2.5]") == bytes({0, 2, 0, 0, 0x3f, 0x80, 0, 0, 0xc0, 0x20, 0, 0}));
  for (const char* t : {"[]", "[NaN]", "[1, 2]", "{1,2}", "[1,2", "[inf]"}) CHECK(declines(binary_kind::vector, t));
}

TEST_CASE("binary copy: rows, NULLs and the column count", "[restore][binary]") {
  std::vector<binary_kind> cols{binary_kind::uuid, binary_kind::vector};
  std::string out;
  REQUIRE(encode_row(cols, "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0\t[1]", out));
  CHECK(out.substr(0, 6) == bytes({0, 2, 0, 0, 0, 16}));
  CHECK(out.substr(22, 4) == bytes({0, 0, 0, 8}));
  CHECK(out.size() == 2 + 4 + 16 + 4 + 8);

  out.clear();
  REQUIRE(encode_row(cols, "\\N\t\\N", out));
  CHECK(out == bytes({0, 2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}));

  out = "x";
  CHECK_FALSE(encode_row(cols, "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", out));       // too few
  CHECK_FALSE(encode_row(cols, "\\N\t[1]\t[2]", out));                               // too many
  CHECK_FALSE(encode_row(cols, "\\N\t[1\\n]", out));                                 // an escape
  CHECK_FALSE(encode_row(cols, "\\N\t[NaN]", out));                                  // a declined value
  CHECK(out == "x");
}

TEST_CASE("binary copy: header and trailer", "[restore][binary]") {
  CHECK(binary_copy_header() == std::string("PGCOPY\n\xff\r\n\0", 11) + std::string(8, '\0'));
  CHECK(binary_copy_trailer() == bytes({0xff, 0xff}));
}

TEST_CASE("binary copy: COPY column lists", "[restore][binary]") {
  CHECK(split_column_list("(\"a\", \"b \"\"c\"\"\")") == std::vector<std::string>{"a", "b \"c\""});
  CHECK(split_column_list("") == std::vector<std::string>{});
  CHECK_FALSE(split_column_list("(a, \"b\")"));
  CHECK_FALSE(split_column_list("(\"a\",\"b\")"));
  CHECK_FALSE(split_column_list("(\"a\""));
}

namespace {
// The float the vector "[text, ...]" encodes first: `text` read alone (the parser's loop
// per character) and with room after it (where it first tries a word at a time); both
// readings must agree.
std::optional<float> vector_float(const std::string& text) {
  auto first_float = [](const std::string& vector, std::size_t size) -> std::optional<float> {
    std::string out;
    if (!encode_value(binary_kind::vector, vector, out)) return std::nullopt;
    REQUIRE(out.size() == size);
    std::uint32_t bits = 0;
    for (int i = 4; i < 8; ++i) bits = bits << 8 | static_cast<unsigned char>(out[i]);
    return std::bit_cast<float>(bits);
  };
  const auto alone = first_float("[" + text + "]", 8);
  const auto with_room = first_float("[" + text + ",1.000000000000000000000000000]", 12);
  REQUIRE(alone.has_value() == with_room.has_value());
  if (alone) REQUIRE(std::bit_cast<std::uint32_t>(*alone) == std::bit_cast<std::uint32_t>(*with_room));
  return alone;
}
}  // namespace

TEST_CASE("binary copy: every float comes back bit for bit from its shortest text, as strtof reads it",
          "[restore][binary]") {
  std::mt19937 rng(20261126);
  char buf[64];
  int checked = 0;
  // Random bit patterns over the whole range (float4out writes the shortest round trip,
  // as std::to_chars does), and the scientific forms printf writes.
  for (int i = 0; i < 200000; ++i) {
    float f = std::bit_cast<float>(static_cast<std::uint32_t>(rng()));
    if (!std::isfinite(f) || std::fpclassify(f) == FP_SUBNORMAL) continue;
    auto r = std::to_chars(buf, buf + sizeof buf, f);
    std::string text(buf, r.ptr);
    auto got = vector_float(text);
    REQUIRE(got);
    INFO(text);
    REQUIRE(std::bit_cast<std::uint32_t>(*got) == std::bit_cast<std::uint32_t>(f));
    std::snprintf(buf, sizeof buf, "%.9g", static_cast<double>(f));
    REQUIRE(std::bit_cast<std::uint32_t>(*vector_float(buf)) == std::bit_cast<std::uint32_t>(f));
    ++checked;
  }
  // Decimal strings of embedding shape (the fast path) and just around it, against strtof.
  std::uniform_int_distribution<int> digits(1, 10), exp(-14, 14), sign(0, 1);
  for (int i = 0; i < 200000; ++i) {
    std::string mant;
    int n = digits(rng);
    for (int d = 0; d < n; ++d) mant.push_back(static_cast<char>('0' + rng() % 10));
    int point = static_cast<int>(rng() % (n + 1));
    std::string text = (sign(rng) ? "-" : "") + mant.substr(0, point) + (point < n ? "." + mant.substr(point) : "");
    if (point == 0) text.insert(text[0] == '-' ? 1 : 0, "0");
    if (rng() % 3 == 0) text += "e" + std::to_string(exp(rng));
    float expected = std::strtof(text.c_str(), nullptr);
    if (std::fpclassify(expected) == FP_SUBNORMAL) continue;
    auto got = vector_float(text);
    INFO(text);
    REQUIRE(got);
    REQUIRE(std::bit_cast<std::uint32_t>(*got) == std::bit_cast<std::uint32_t>(expected));
    ++checked;
  }
  // The double fast path's one hard case: a decimal next to the midpoint between two
  // floats, where rounding to double first could land on the midpoint itself
  // (bench/float4_exhaustive.sh checks every 16th float this way).
  for (int i = 0; i < 200000; ++i) {
    float f = std::bit_cast<float>(static_cast<std::uint32_t>(rng()) & 0x7fffffffu);
    if (std::fpclassify(f) != FP_NORMAL || f > 3.0e38f) continue;
    const double mid = (static_cast<double>(f) + static_cast<double>(std::nextafter(f, INFINITY))) / 2;
    for (const char* form : {"%.8e", "%.7e", "%.9g"}) {
      std::snprintf(buf, sizeof buf, form, mid);
      float expected = std::strtof(buf, nullptr);
      if (std::fpclassify(expected) != FP_NORMAL) continue;
      auto got = vector_float(buf);
      INFO(buf);
      REQUIRE(got);
      REQUIRE(std::bit_cast<std::uint32_t>(*got) == std::bit_cast<std::uint32_t>(expected));
      ++checked;
    }
  }
  CHECK(checked > 850000);
}

TEST_CASE("binary copy: decimals whose nearest double is a float midpoint parse as strtof reads them",
          "[restore][binary]") {
  // Found by scanning every float's midpoint to the next one (as %.8e writes it, 9 digits):
  // the decimal is not the midpoint, but the double nearest to it is, so rounding to double
  // and then to float would break the tie to even where strtof (float4in) rounds by the
  // exact value. The parser must notice and not take its double fast path.
  for (const char* text : {"2.48237791e-12", "4.96475582e-12", "7.02990899e-12", "9.92951164e-12", "9.67498269e-11",
                           "5.44286477e-10", "9.39430711e-09", "6.82972221e-08", "4.77805429e-06", "9.55610858e-06",
                           "0.00000955610858", "-4.77805429e-06"}) {
    INFO(text);
    const float expected = std::strtof(text, nullptr);
    auto got = vector_float(text);
    REQUIRE(got);
    CHECK(std::bit_cast<std::uint32_t>(*got) == std::bit_cast<std::uint32_t>(expected));
  }
}
