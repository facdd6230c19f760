#pragma once
// Integers read from and written to bytes in a fixed order, whatever the machine's: the
// big-endian fields of PostgreSQL's binary COPY (copytext, load), and words of text taken
// eight bytes at a time by the SWAR digit code (little-endian: the first byte lowest).

#include <bit>
#include <cstdint>
#include <cstring>

namespace immichbak::util {

namespace detail {
template <typename T>
T swapped(T v) {
  if constexpr (sizeof(T) == 2) return __builtin_bswap16(v);
  else if constexpr (sizeof(T) == 4) return __builtin_bswap32(v);
  else return __builtin_bswap64(v);
}
template <typename T, std::endian order>
T load(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return std::endian::native == order ? v : swapped(v);
}
template <typename T, std::endian order>
void store(char* p, T v) {
  if constexpr (std::endian::native != order) v = swapped(v);
  std::memcpy(p, &v, sizeof v);
}
}  // namespace detail

inline std::uint16_t load_be16(const char* p) { return detail::load<std::uint16_t, std::endian::big>(p); }
inline std::uint32_t load_be32(const char* p) { return detail::load<std::uint32_t, std::endian::big>(p); }
inline std::uint64_t load_be64(const char* p) { return detail::load<std::uint64_t, std::endian::big>(p); }
inline std::uint64_t load_le64(const char* p) { return detail::load<std::uint64_t, std::endian::little>(p); }

inline void store_be16(char* p, std::uint16_t v) { detail::store<std::uint16_t, std::endian::big>(p, v); }
inline void store_be32(char* p, std::uint32_t v) { detail::store<std::uint32_t, std::endian::big>(p, v); }
inline void store_le64(char* p, std::uint64_t v) { detail::store<std::uint64_t, std::endian::little>(p, v); }

}  // namespace immichbak::util
