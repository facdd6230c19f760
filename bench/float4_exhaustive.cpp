// Every float bit pattern through copytext's fast path and its general path (std::to_chars'
// shortest digits and PostgreSQL's bound rule): the texts must be identical. Run by
// bench/float4_exhaustive.sh; docs/performance.md has the result.
#include "copytext/float_text.hpp"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstdio>
#include <string_view>
#include <thread>
#include <vector>

int main() {
  using namespace immichbak::copytext;
  const unsigned parts = std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::uint64_t> mismatches(parts);
  std::vector<std::thread> workers;
  for (unsigned t = 0; t < parts; ++t)
    workers.emplace_back([&, t] {
      const std::uint64_t all = std::uint64_t{1} << 32;
      for (std::uint64_t i = all / parts * t; i < (t + 1 == parts ? all : all / parts * (t + 1)); ++i) {
        const float v = std::bit_cast<float>(static_cast<std::uint32_t>(i));
        char a[float4_write_room], b[float4_write_room];
        const std::string_view fast(a, static_cast<std::size_t>(write_float4(v, a) - a));
        const std::string_view general(b, static_cast<std::size_t>(write_float4_general(v, b) - b));
        if (fast != general && mismatches[t]++ < 10)
          std::printf("bits %08llx: fast %.*s, general %.*s\n", static_cast<unsigned long long>(i),
                      static_cast<int>(fast.size()), fast.data(), static_cast<int>(general.size()), general.data());
      }
    });
  for (auto& w : workers) w.join();
  std::uint64_t total = 0;
  for (auto m : mismatches) total += m;
  std::printf("%llu of 4294967296 float bit patterns differ\n", static_cast<unsigned long long>(total));
  return total == 0 ? 0 : 1;
}
