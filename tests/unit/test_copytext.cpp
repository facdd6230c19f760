// copytext/: PostgreSQL's float text, each kind's rendering and the binary COPY stream
// decoder, without a server (the servers' own output is compared in
// tests/integration/test_backup_binary_copy.cpp).
#include "copytext/binary_render.hpp"
#include "copytext/float_text.hpp"

#include <immichbak/error.hpp>

#include <catch2/catch.hpp>

#include <bit>
#include <limits>
#include <random>

using namespace immichbak;
using namespace immichbak::copytext;

namespace {

std::string f4(float v) {
  char buf[float4_write_room];
  return std::string(buf, write_float4(v, buf));
}
std::string f8(double v) {
  char buf[float8_text_max];
  return std::string(buf, write_float8(v, buf));
}

void put_be(std::string& out, std::uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}

}  // namespace

TEST_CASE("copytext: real and double as float4out / float8out write them", "[unit][copytext]") {
  // Each expected text is what PostgreSQL 12+ prints with extra_float_digits 3.
  CHECK(f4(1) == "1");
  CHECK(f4(-0.0f) == "-0");
  CHECK(f4(0.1f) == "0.1");
  CHECK(f4(1e-45f) == "1e-45");
  CHECK(f4(3.4028235e38f) == "3.4028235e+38");
  CHECK(f4(123456) == "123456");
  CHECK(f4(1234567) == "1.234567e+06");  // exponent form from 10^6 on
  CHECK(f4(0.0001f) == "0.0001");
  CHECK(f4(0.00001f) == "1e-05");
  CHECK(f4(std::numeric_limits<float>::quiet_NaN()) == "NaN");
  CHECK(f4(-std::numeric_limits<float>::quiet_NaN()) == "NaN");
  CHECK(f4(-std::numeric_limits<float>::infinity()) == "-Infinity");
  // 50331648 = 3 * 2^24: "5.033165e+07" is shorter and reads back as the same float, but it
  // is exactly halfway to the next one, and PostgreSQL never writes a bound.
  CHECK(f4(50331648.0f) == "5.0331648e+07");
  CHECK(f8(1e15) == "1e+15");
  CHECK(f8(1e14) == "100000000000000");
  CHECK(f8(0.1) == "0.1");
  CHECK(f8(5e-324) == "5e-324");
  CHECK(f8(1.7976931348623157e308) == "1.7976931348623157e+308");
  CHECK(f8(9007199254740993.0) == "9.007199254740992e+15");
  CHECK(f8(3.5163699720856088e16) == "3.5163699720856088e+16");
  CHECK(f8(1e100) == "1e+100");
  CHECK(f8(-2.5e-300) == "-2.5e-300");
}

TEST_CASE("copytext: the fast path for reals writes what the general path writes", "[unit][copytext]") {
  // Sampled here; bench/float4_exhaustive.sh compares all 2^32 bit patterns.
  std::mt19937_64 rng(17);
  auto same = [](std::uint32_t bits) {
    const float v = std::bit_cast<float>(bits);
    char fast[float4_write_room], general[float4_write_room];
    const std::string_view a(fast, static_cast<std::size_t>(write_float4(v, fast) - fast));
    const std::string_view b(general, static_cast<std::size_t>(write_float4_general(v, general) - general));
    if (a == b) return true;
    FAIL_CHECK("bits " << std::hex << bits << ": fast " << a << ", general " << b);
    return false;
  };
  std::size_t checked = 0;
  for (int i = 0; i < 1'000'000; ++i) checked += same(static_cast<std::uint32_t>(rng()));
  // Every exponent's first and last mantissas, where the rounding interval is lopsided.
  for (std::uint32_t e = 0; e < 256; ++e)
    for (std::uint32_t m : {0u, 1u, 2u, 0x7ffffeu, 0x7fffffu}) checked += same(e << 23 | m);
  // Embedding-like values: every bit pattern in a slice of [0.01, 0.02).
  for (std::uint32_t bits = 0x3c23d70au; bits < 0x3c23d70au + 200'000; ++bits) checked += same(bits);
  CHECK(checked == 1'000'000 + 256 * 5 + 200'000);
}

TEST_CASE("copytext: each kind renders as its output function", "[unit][copytext]") {
  auto render = [](render_kind k, const std::string& bytes) {
    std::string s;
    render_value(k, bytes, s);
    return s;
  };
  CHECK(render(render_kind::boolean, std::string(1, '\1')) == "t");
  CHECK(render(render_kind::int2, "\xff\xfe") == "-2");
  CHECK(render(render_kind::int8, std::string("\x80\0\0\0\0\0\0\0", 8)) == "-9223372036854775808");
  CHECK(render(render_kind::bytea, std::string("\0\xff", 2)) == "\\x00ff");
  CHECK(render(render_kind::uuid, std::string("\xa0\xee\xbc\x99\x9c\x0b\x4e\xf8\xbb\x6d\x6b\xb9\xbd\x38\x0a\x11")) ==
        "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
  CHECK(render(render_kind::jsonb, "\1{\"a\": 1}") == "{\"a\": 1}");
  std::string arr;  // int4[] [0:1]={7,NULL}
  put_be(arr, 1, 4);
  put_be(arr, 1, 4);
  put_be(arr, 23, 4);
  put_be(arr, 2, 4);
  put_be(arr, 0, 4);
  put_be(arr, 4, 4);
  put_be(arr, 7, 4);
  put_be(arr, 0xffffffff, 4);
  CHECK(render(render_kind::int4_array, arr) == "[0:1]={7,NULL}");
  std::string vec;  // pgvector [1,-0.5]
  put_be(vec, 2, 2);
  put_be(vec, 0, 2);
  put_be(vec, 0x3f800000, 4);
  put_be(vec, 0xbf000000, 4);
  CHECK(render(render_kind::vector, vec) == "[1,-0.5]");
  CHECK_THROWS_AS(render(render_kind::uuid, "short"), error);
  CHECK_THROWS_AS(render(render_kind::vector, vec.substr(0, 7)), error);
  CHECK_THROWS_AS(render(render_kind::float4_array, arr), error);  // element type int4, not real
}

TEST_CASE("copytext: COPY text escapes", "[unit][copytext]") {
  std::string s;
  append_copy_escaped("a\\b\tc\nd\re\bf\fg\vh\x01", s);
  CHECK(s == "a\\\\b\\tc\\nd\\re\\bf\\fg\\vh\x01");
}

TEST_CASE("copytext: the decoder reads a binary COPY stream split anywhere", "[unit][copytext]") {
  std::string stream("PGCOPY\n\377\r\n\0", 11);
  put_be(stream, 0, 4);
  put_be(stream, 0, 4);
  // (7, 'a\tb'), (NULL, '')
  put_be(stream, 2, 2);
  put_be(stream, 4, 4);
  put_be(stream, 7, 4);
  put_be(stream, 3, 4);
  stream += "a\tb";
  put_be(stream, 2, 2);
  put_be(stream, 0xffffffff, 4);
  put_be(stream, 0, 4);
  put_be(stream, 0xffff, 2);
  const std::string expected = "7\ta\\tb\n\\N\t\n";
  for (std::size_t cut1 = 0; cut1 <= stream.size(); ++cut1)
    for (std::size_t cut2 = cut1; cut2 <= stream.size(); cut2 += 7) {
      binary_row_decoder d({render_kind::int4, render_kind::text});
      std::string rows;
      auto on_row = [&](std::string_view r) { rows.append(r); };
      d.feed(std::string_view(stream).substr(0, cut1), on_row);
      d.feed(std::string_view(stream).substr(cut1, cut2 - cut1), on_row);
      d.feed(std::string_view(stream).substr(cut2), on_row);
      d.finish();
      INFO("cuts " << cut1 << " " << cut2);
      REQUIRE(rows == expected);
    }
  binary_row_decoder truncated({render_kind::int4, render_kind::text});
  truncated.feed(std::string_view(stream).substr(0, stream.size() - 2), [](std::string_view) {});
  CHECK_THROWS_AS(truncated.finish(), error);
  binary_row_decoder wrong_columns({render_kind::int4});
  CHECK_THROWS_AS(wrong_columns.feed(stream, [](std::string_view) {}), error);
}
