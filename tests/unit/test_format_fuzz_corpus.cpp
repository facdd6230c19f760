// Replays the fuzzers' committed corpora (tests/fuzz/corpus/*) through the same entry
// functions the libFuzzer targets use, so every CI run covers them.
#include "fuzz/reader_entry.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace fs = std::filesystem;

namespace {

std::size_t replay(const std::string& corpus, int (*entry)(const std::uint8_t*, std::size_t)) {
  const fs::path dir = fs::path(IMMICHBAK_SOURCE_DIR) / "tests" / "fuzz" / "corpus" / corpus;
  REQUIRE(fs::is_directory(dir));
  std::size_t n = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::string bytes(std::istreambuf_iterator<char>(in), {});
    INFO(corpus << "/" << e.path().filename().string());
    CHECK(entry(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()) == 0);
    ++n;
  }
  return n;
}

}  // namespace

TEST_CASE("fuzz corpus: reader inputs replay without crashing", "[format][fuzz]") {
  CHECK(replay("reader", immichbak::fuzz::run_reader_input) >= 5);
}

TEST_CASE("fuzz corpus: manifest inputs replay without crashing", "[format][fuzz]") {
  CHECK(replay("manifest", immichbak::fuzz::run_manifest_input) >= 5);
}
