// byte_source: plain, gzip (single and multi-member) and zstd (with skippable frames)
// decode to the same bytes; truncation and damage are errors naming the file.

#include <catch2/catch.hpp>

#include "sqlscript/byte_source.hpp"

#include <immichbak/error.hpp>

#include <zlib.h>
#include <zstd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <unistd.h>

using namespace immichbak;
using sqlscript::byte_source;
namespace fs = std::filesystem;

namespace {

std::string gzip(const std::string& data, int level = 6) {
  z_stream zs{};
  REQUIRE(deflateInit2(&zs, level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  std::string out(deflateBound(&zs, data.size()) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  REQUIRE(deflate(&zs, Z_FINISH) == Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

std::string zstd(const std::string& data, int level = 3) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  ZSTD_CCtx* c = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, level);
  ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
  std::size_t n = ZSTD_compress2(c, out.data(), out.size(), data.data(), data.size());
  ZSTD_freeCCtx(c);
  REQUIRE(!ZSTD_isError(n));
  out.resize(n);
  return out;
}

std::string skippable(const std::string& payload) {
  std::string f = "\x50\x2a\x4d\x18";
  std::uint32_t n = static_cast<std::uint32_t>(payload.size());
  for (int i = 0; i < 4; ++i) f.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  return f + payload;
}

std::string sample(std::size_t n, unsigned seed = 1) {
  std::mt19937 rng(seed);
  std::string s;
  const char* words[] = {"COPY ", "public.asset ", "\t", "\\N", "\n", "SELECT 1;\n", "0f3c", "'x'", "éè"};
  while (s.size() < n) s += words[rng() % 9];
  s.resize(n);
  return s;
}

struct temp_file {
  fs::path path;
  explicit temp_file(const std::string& content, const std::string& name = "f") {
    path = fs::temp_directory_path() / ("immichbak_bs_" + std::to_string(::getpid()) + "_" + name);
    std::ofstream(path, std::ios::binary) << content;
  }
  ~temp_file() { fs::remove(path); }
};

std::string read_all(byte_source& src, std::size_t buf = 7) {
  std::string out, piece(buf, '\0');
  for (;;) {
    std::size_t n = src.read(piece.data(), piece.size());
    if (n == 0) break;
    out.append(piece.data(), n);
  }
  return out;
}

void expect_error(const std::string& content, errc code, const std::string& fragment) {
  temp_file f(content, "bad");
  try {
    byte_source src(f.path);
    read_all(src, 4096);
    FAIL("expected an error");
  } catch (const error& e) {
    CHECK(e.code() == code);
    CHECK_THAT(e.what(), Catch::Contains(fragment));
    if (code == errc::corrupt_backup) CHECK_THAT(e.what(), Catch::Contains(f.path.string()));
  }
}

}  // namespace

TEST_CASE("byte_source: plain, gzip and zstd give the same bytes", "[sqlscript][byte_source]") {
  std::string data = sample(300000);
  temp_file plain(data, "plain"), gz(gzip(data), "gz"), zs(zstd(data), "zst");
  for (auto* f : {&plain, &gz, &zs}) {
    byte_source src(f->path);
    for (std::size_t buf : {1u, 7u, 4096u, 1u << 20}) {
      byte_source s2(f->path);
      if (buf == 1 && f != &plain) continue;  // byte by byte is slow for decoders; 7 covers it
      CHECK(read_all(s2, buf) == data);
      CHECK(s2.plain_offset() == data.size());
      CHECK(s2.file_offset() == s2.file_size());
    }
    (void)src;
  }
  CHECK(byte_source(plain.path).kind() == compression::none);
  CHECK(byte_source(gz.path).kind() == compression::gzip);
  CHECK(byte_source(zs.path).kind() == compression::zstd);
}

TEST_CASE("byte_source: multi-member gzip and trailing zero padding", "[sqlscript][byte_source]") {
  std::string a = sample(70000, 2), b = sample(5, 3), c = sample(200000, 4);
  temp_file f(gzip(a) + gzip(b, 1) + gzip("") + gzip(c, 9) + std::string(1000, '\0'), "multi");
  byte_source src(f.path);
  CHECK(read_all(src, 333) == a + b + c);
}

TEST_CASE("byte_source: zstd with several frames and skippable frames", "[sqlscript][byte_source]") {
  std::string a = sample(100000, 5), b = sample(1000, 6);
  temp_file f(skippable("manifest?") + zstd(a) + skippable("") + zstd(b, 19) + skippable(std::string(70000, 'x')),
              "frames");
  byte_source src(f.path);
  CHECK(src.kind() == compression::zstd);
  CHECK(read_all(src, 1000) == a + b);
}

TEST_CASE("byte_source: peek does not consume", "[sqlscript][byte_source]") {
  std::string data = sample(50000, 7);
  temp_file f(gzip(data), "peek");
  byte_source src(f.path);
  CHECK(src.peek(5) == data.substr(0, 5));
  CHECK(src.peek(5000) == data.substr(0, 5000));
  std::string first(3, '\0');
  CHECK(src.read(first.data(), 3) == 3);
  CHECK(first == data.substr(0, 3));
  CHECK(src.peek(10) == data.substr(3, 10));
  CHECK(read_all(src, 999) == data.substr(3));
  CHECK(src.peek(10).empty());

  temp_file small("abc", "small");
  byte_source s2(small.path);
  CHECK(s2.peek(100) == "abc");
  CHECK(read_all(s2) == "abc");
  temp_file empty("", "empty");
  byte_source s3(empty.path);
  CHECK(s3.peek(10).empty());
  CHECK(read_all(s3).empty());
}

TEST_CASE("byte_source: truncated and damaged input fails naming the file", "[sqlscript][byte_source]") {
  std::string data = sample(200000, 8);
  std::string gz = gzip(data), zs = zstd(data);
  // truncation anywhere, including inside the 8-byte gzip trailer
  for (std::size_t cut : {std::size_t(2), std::size_t(11), gz.size() / 2, gz.size() - 8, gz.size() - 1})
    expect_error(gz.substr(0, cut), errc::corrupt_backup, "is truncated");
  for (std::size_t cut : {std::size_t(4), std::size_t(20), zs.size() / 2, zs.size() - 4, zs.size() - 1})
    expect_error(zs.substr(0, cut), errc::corrupt_backup, "is truncated");
  // a second member cut short
  expect_error(gzip("first\n") + gzip(data).substr(0, 100), errc::corrupt_backup, "is truncated");

  std::string bad = gz;
  bad[bad.size() / 2] = static_cast<char>(bad[bad.size() / 2] ^ 0x55);
  expect_error(bad, errc::corrupt_backup, "is damaged");
  std::string crc = gz;
  crc[crc.size() - 6] = static_cast<char>(crc[crc.size() - 6] ^ 1);  // CRC-32 in the trailer
  expect_error(crc, errc::corrupt_backup, "is damaged");
  std::string zbad = zs;
  zbad[zbad.size() / 2] = static_cast<char>(zbad[zbad.size() / 2] ^ 0x55);
  expect_error(zbad, errc::corrupt_backup, "is damaged");
  expect_error(gz + "garbage", errc::corrupt_backup, "unexpected data after gzip member 1");
  expect_error(zs + "garbage", errc::corrupt_backup, "is damaged");
}

TEST_CASE("byte_source: unsupported inputs are refused with a hint", "[sqlscript][byte_source]") {
  expect_error("BZh91AY&SY", errc::unsupported_format, "bunzip2");
  expect_error(std::string("\xfd\x37\x7a\x58\x5a\x00xx", 8), errc::unsupported_format, "unxz");
  try {
    byte_source src(fs::temp_directory_path());
    FAIL("expected an error");
  } catch (const error& e) {
    CHECK(e.code() == errc::unsupported_format);
    CHECK_THAT(e.what(), Catch::Contains("pg_restore"));
  }
  try {
    byte_source src("/nonexistent/dump.sql.gz");
    FAIL("expected an error");
  } catch (const error& e) {
    CHECK(e.code() == errc::io_error);
    CHECK_THAT(e.what(), Catch::Contains("/nonexistent/dump.sql.gz"));
  }
}
