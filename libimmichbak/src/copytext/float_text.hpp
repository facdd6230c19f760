#pragma once
// real and double precision as PostgreSQL's float4out / float8out write them when
// extra_float_digits > 0 (the backup sessions set 3): the shortest decimal that reads back
// as the same bits, laid out by PostgreSQL's rules (src/common/f2s.c, d2s.c):
//   - fixed notation while the decimal exponent is in [-4, 6) for real, [-4, 15) for
//     double: "0.0001", "123456", "1.5";
//   - else scientific with a sign and at least two exponent digits: "1e-05", "1.2345678e+07";
//   - "NaN" (any payload or sign), "Infinity", "-Infinity", "0", "-0".
// Proven against the servers byte for byte by tests/integration/test_backup_binary_copy.cpp.

#include <cstddef>

namespace immichbak::copytext {

/// The longest texts: "-1.17549435e-38" (15 bytes), "-2.2250738585072014e-308" (24).
inline constexpr std::size_t float4_text_max = 16;
inline constexpr std::size_t float8_text_max = 24;
/// The room write_float4 needs at p: it may write scratch bytes past its text (fixed-size
/// copies instead of length-dependent ones), up to this far.
inline constexpr std::size_t float4_write_room = 32;

/// Write v's text at p (room for float4_write_room / float8_text_max bytes); return the
/// end. The row renderers write straight into their buffer: a std::string append per value
/// cost a third of the rendering time.
char* write_float4(float v, char* p);
char* write_float8(double v, char* p);

/// write_float4 without its fast path: std::to_chars' shortest digits, and the next
/// lengths where those are exactly a bound of v's rounding interval. The fast path must
/// write the same text for every float: tests/unit/test_copytext.cpp samples that, and
/// bench/float4_exhaustive.sh checks all 2^32 bit patterns.
char* write_float4_general(float v, char* p);

}  // namespace immichbak::copytext
