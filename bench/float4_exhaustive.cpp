// Every float bit pattern through both float paths of the binary COPY code:
// - backup (copytext): the renderer's fast path and its general path (std::to_chars'
//   shortest digits and PostgreSQL's bound rule) must write identical text;
// - restore (load/binary_copy): that text, parsed back, must give the same bits (NaN,
//   infinities and subnormals must be declined: the server parses those itself);
// - restore, the hard case of its double fast path: for every 16th float, the 9-digit
//   decimal nearest the midpoint to the next float must parse as strtof reads it.
// Run by bench/float4_exhaustive.sh; docs/performance.md has the result.
#include "copytext/float_text.hpp"
#include "load/binary_copy.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

// The float a vector "[text,1.0...]" loads first, or false when the encoder declines it.
// The second value leaves room after the first, as in a real list, so that the parser's
// word-at-a-time reading is tried (the loop per character reads the rest; the unit test
// compares both readings).
bool parse(std::string_view text, float& v, std::string& scratch) {
  scratch.clear();
  const std::string vec = "[" + std::string(text) + ",1.000000000000000000000000000]";
  if (!immichbak::load::encode_value(immichbak::load::binary_kind::vector, vec, scratch)) return false;
  std::uint32_t bits = 0;
  for (int i = 0; i < 4; ++i) bits = bits << 8 | static_cast<unsigned char>(scratch[4 + static_cast<std::size_t>(i)]);
  v = std::bit_cast<float>(bits);
  return true;
}

struct counts {
  std::uint64_t render = 0, parse = 0, midpoint = 0, midpoints_checked = 0;
};

void check(std::uint64_t from, std::uint64_t to, counts& c) {
  using namespace immichbak::copytext;
  std::string scratch;
  for (std::uint64_t i = from; i < to; ++i) {
    const float v = std::bit_cast<float>(static_cast<std::uint32_t>(i));
    char a[float4_write_room], b[float4_write_room];
    const std::string_view fast(a, static_cast<std::size_t>(write_float4(v, a) - a));
    const std::string_view general(b, static_cast<std::size_t>(write_float4_general(v, b) - b));
    if (fast != general && c.render++ < 10)
      std::printf("bits %08llx: fast %.*s, general %.*s\n", static_cast<unsigned long long>(i),
                  static_cast<int>(fast.size()), fast.data(), static_cast<int>(general.size()), general.data());
    float back = 0;
    const bool exact_kind = std::isfinite(v) && std::fpclassify(v) != FP_SUBNORMAL;
    const bool parsed = parse(general, back, scratch);
    if ((parsed != exact_kind || (parsed && std::bit_cast<std::uint32_t>(back) != i)) && c.parse++ < 10)
      std::printf("bits %08llx: %.*s parsed %s as %08x\n", static_cast<unsigned long long>(i),
                  static_cast<int>(general.size()), general.data(), parsed ? "" : "(declined)",
                  std::bit_cast<std::uint32_t>(back));
    if (i % 16 == 0 && exact_kind && v > 0 && v < 3.0e38f) {
      const double mid = (static_cast<double>(v) + static_cast<double>(std::nextafter(v, INFINITY))) / 2;
      char text[64];
      std::snprintf(text, sizeof text, "%.8e", mid);  // 9 significant digits
      const float expected = std::strtof(text, nullptr);
      float got = 0;
      ++c.midpoints_checked;
      if (std::fpclassify(expected) == FP_NORMAL && (!parse(text, got, scratch) || got != expected) &&
          c.midpoint++ < 10)
        std::printf("%s: strtof %a, parsed %a\n", text, static_cast<double>(expected), static_cast<double>(got));
    }
  }
}

}  // namespace

int main() {
  const unsigned parts = std::max(1u, std::thread::hardware_concurrency());
  std::vector<counts> per(parts);
  std::vector<std::thread> workers;
  const std::uint64_t all = std::uint64_t{1} << 32;
  for (unsigned t = 0; t < parts; ++t)
    workers.emplace_back([&, t] { check(all / parts * t, t + 1 == parts ? all : all / parts * (t + 1), per[t]); });
  for (auto& w : workers) w.join();
  counts total;
  for (const auto& c : per) {
    total.render += c.render;
    total.parse += c.parse;
    total.midpoint += c.midpoint;
    total.midpoints_checked += c.midpoints_checked;
  }
  std::printf("%llu of 4294967296 float bit patterns render differently on the two paths\n",
              static_cast<unsigned long long>(total.render));
  std::printf("%llu of 4294967296 float bit patterns do not parse back to their bits (or are not declined)\n",
              static_cast<unsigned long long>(total.parse));
  std::printf("%llu of %llu near-midpoint decimals parse differently from strtof\n",
              static_cast<unsigned long long>(total.midpoint), static_cast<unsigned long long>(total.midpoints_checked));
  return total.render == 0 && total.parse == 0 && total.midpoint == 0 ? 0 : 1;
}
