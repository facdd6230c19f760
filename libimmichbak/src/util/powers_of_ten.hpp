#pragma once
// 10^0 ... 10^19, every power of ten a uint64_t holds: the float renderer (copytext) and
// parser (load) count and value decimal digits with it.

#include <array>
#include <cstdint>

namespace immichbak::util {

inline constexpr std::array<std::uint64_t, 20> pow10_u64 = [] {
  std::array<std::uint64_t, 20> t{};
  std::uint64_t v = 1;
  for (auto& x : t) {
    x = v;
    v *= 10;  // wraps after the last one, unused (unsigned: defined)
  }
  return t;
}();

}  // namespace immichbak::util
