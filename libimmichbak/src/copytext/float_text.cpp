#include "copytext/float_text.hpp"

#include "util/byte_order.hpp"
#include "util/powers_of_ten.hpp"

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <system_error>

namespace immichbak::copytext {

namespace {

// A decimal D * 10^E with D's significant digits as a string (no point, no sign).
struct decimal {
  char digits[40];
  int count = 0;
  int exp = 0;  ///< the exponent of the first digit (scientific notation's)
};

// Splits std::to_chars' scientific output "[-]d[.ddd]e(+|-)XX".
decimal split(std::string_view sci) {
  decimal d;
  std::size_t i = sci[0] == '-' ? 1 : 0;
  const std::size_t e = sci.find('e');
  for (; i < e; ++i)
    if (sci[i] != '.') d.digits[d.count++] = sci[i];
  std::from_chars(sci.data() + e + (sci[e + 1] == '+' ? 2 : 1), sci.data() + sci.size(), d.exp);
  while (d.count > 1 && d.digits[d.count - 1] == '0') --d.count;  // precision output pads
  return d;
}

template <class F>
decimal to_decimal(F v, int precision) {
  char buf[64];
  const auto res = precision < 0 ? std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific)
                                 : std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific, precision);
  return split(std::string_view(buf, static_cast<std::size_t>(res.ptr - buf)));
}

// Is D * 10^E (the decimal) exactly K * 2^q (K odd)? Both sides split into powers of two
// and odd parts, in integers.
bool equals_dyadic(const decimal& d, std::uint64_t k, int q) {
  std::uint64_t dv = 0;
  for (int i = 0; i < d.count; ++i) dv = dv * 10 + static_cast<std::uint64_t>(d.digits[i] - '0');
  const int e = d.exp - (d.count - 1);  // the exponent of the last digit
  const int twos = std::countr_zero(dv);
  const std::uint64_t odd = dv >> twos;
  // x * 5^n, or UINT64_MAX once it passes 2^64: both sides are below 2^58, so an
  // overflowed product is simply unequal.
  auto times_pow5 = [](std::uint64_t x, int n) {
    for (int i = 0; i < n; ++i) {
      if (x > UINT64_MAX / 5) return UINT64_MAX;
      x *= 5;
    }
    return x;
  };
  if (e < 0 && q < 0)  // dv * 2^-q = K * 10^-e
    return twos - q == -e && odd == times_pow5(k, -e);
  if (e >= 0 && q >= 0)  // dv * 10^e = K * 2^q
    return twos + e == q && times_pow5(odd, e) == k;
  return false;  // one side is an integer, the other is not
}

struct bits_info {
  std::uint64_t mantissa;  ///< with the implicit bit
  int exp2;                ///< value = mantissa * 2^exp2
  bool lower_gap_half;     ///< a power of two: the next value down is half as far
};

bits_info decode(float v) {
  const std::uint32_t b = std::bit_cast<std::uint32_t>(v);
  const std::uint32_t m = b & 0x7fffff, ex = (b >> 23) & 0xff;
  if (ex == 0) return {m, -149, false};
  return {m | 0x800000u, static_cast<int>(ex) - 150, m == 0 && ex > 1};
}
bits_info decode(double v) {
  const std::uint64_t b = std::bit_cast<std::uint64_t>(v);
  const std::uint64_t m = b & ((std::uint64_t{1} << 52) - 1), ex = (b >> 52) & 0x7ff;
  if (ex == 0) return {m, -1074, false};
  return {m | (std::uint64_t{1} << 52), static_cast<int>(ex) - 1075, m == 0 && ex > 1};
}

// Is the decimal exactly halfway to a neighbour of v (a bound of v's rounding interval)?
template <class F>
bool on_bound(F v, const decimal& d) {
  // A bound below 1 ulp's scale is K / 2^g with K odd and g >= 1, whose decimal expansion
  // ends in 5: any other last digit of a fraction rules it out cheaply (the common case).
  if (d.exp - (d.count - 1) < 0 && d.digits[d.count - 1] != '5') return false;
  const bits_info b = decode(v);
  if (equals_dyadic(d, 2 * b.mantissa + 1, b.exp2 - 1)) return true;
  return b.lower_gap_half ? equals_dyadic(d, 4 * b.mantissa - 1, b.exp2 - 2)
                          : equals_dyadic(d, 2 * b.mantissa - 1, b.exp2 - 1);
}

template <class F>
bool reads_back(F v, const decimal& d) {
  char buf[64];
  int n = 0;
  buf[n++] = d.digits[0];
  buf[n++] = '.';
  for (int i = 1; i < d.count; ++i) buf[n++] = d.digits[i];
  buf[n++] = 'e';
  const auto r = std::to_chars(buf + n, buf + sizeof buf, d.exp);
  F back{};
  std::from_chars(buf, r.ptr, back);
  return back == std::fabs(v);
}

// How many decimal digits n has (n >= 1): from its bit length, corrected by one comparison.
int decimal_length(std::uint32_t n) {
  const int t = (std::bit_width(n) * 1233) >> 12;  // 1233 / 4096 ~ log10(2)
  return t + (n >= util::pow10_u64[t]);
}

// The eight decimal digits of x < 10^8, zero-padded, as a little-endian word (the first
// digit lowest: util::store_le64 writes them in order): split into halves, quarters and
// digits in parallel lanes of one 64-bit word by multiplications (no table, no loop; the
// SWAR method of Lemire's "Faster integer formatting"; checked against snprintf for every
// x when written).
std::uint64_t eight_digits(std::uint32_t x) {
  const std::uint64_t merged = (x / 10000) | (std::uint64_t{x % 10000} << 32);  // two lanes of 4 digits
  const std::uint64_t lane_low7 = (std::uint64_t{0x7f} << 32) | 0x7f;
  const std::uint64_t top = ((merged * 10486) >> 20) & lane_low7;  // each lane / 100
  const std::uint64_t hundreds = ((merged - 100 * top) << 16) + top;  // four lanes of 2 digits
  const std::uint64_t lane_low4 = 0x000f000f000f000fu;
  std::uint64_t tens = ((hundreds * 103) >> 10) & lane_low4;  // each lane / 10
  tens += (hundreds - 10 * tens) << 8;  // eight lanes of one digit, most significant first
  tens += 0x3030303030303030u;  // '0'
  return tens;
}

__extension__ typedef unsigned __int128 u128;  // GCC/Clang; __extension__: no -Wpedantic

// The digits as an integer: value = n * 10^exp_last, n without trailing zeros.
struct fast_decimal {
  std::uint32_t n;  ///< < 10^9
  int exp_last;  ///< the decimal exponent of n's last digit
};

// floor(e log10(2)), floor(log10(3/4 2^e)) and floor(e log2(10)), exact for the
// exponents of reals (Schubfach's integer approximations; checked for |e| < 160).
constexpr int floor_log10_pow2(int e) { return static_cast<int>((std::int64_t{e} * 661971961083) >> 41); }
constexpr int floor_log10_three_quarters_pow2(int e) {
  return static_cast<int>((std::int64_t{e} * 661971961083 - 274743187321) >> 41);
}
constexpr int floor_log2_pow10(int e) { return static_cast<int>((std::int64_t{e} * 913124641741) >> 38); }

// 10^-k for k in [-46, 32], scaled into [2^62, 2^63) and rounded up: for each k,
// g = floor(10^-k * 2^(125 - floor_log2_pow10(-k))) + 1 (in [2^125, 2^126)), and the entry is
// (g >> 63) + 1. Computed with exact rationals (Python: fractions.Fraction).
constexpr int pow10_k_min = -46;
constexpr std::uint64_t pow10_scaled[] = {
    0x701a97b150cf1838, 0x59aedfc10d7279c6, 0x47bf19673df52e38,
    0x72cb5bd86321e38d, 0x5bd5e313828182d7, 0x4977e8dc68679be0,
    0x758ca7c70d7292ff, 0x5e0a1fd271287599, 0x4b3b4ca85a86c47b,
    0x785ee10d5da46d91, 0x604be73de4838ada, 0x4d0985cb1d3608af,
    0x7b426fab61f00de4, 0x629b8c891b267183, 0x4ee2d6d415b85acf,
    0x7e37be2022c0914c, 0x64f964e68233a770, 0x50c783eb9b5c85f3,
    0x409f9cbc7c4a04c3, 0x6765c793fa10079e, 0x52b7d2dcc80cd2e5,
    0x422ca8b0a00a4251, 0x69e10de76676d081, 0x54b40b1f852bda01,
    0x43c33c1937564801, 0x6c6b935b8bbd4001, 0x56bc75e2d6310001,
    0x4563918244f40001, 0x6f05b59d3b200001, 0x58d15e1762800001,
    0x470de4df82000001, 0x71afd498d0000001, 0x5af3107a40000001,
    0x48c2739500000001, 0x746a528800000001, 0x5d21dba000000001,
    0x4a817c8000000001, 0x7735940000000001, 0x5f5e100000000001,
    0x4c4b400000000001, 0x7a12000000000001, 0x61a8000000000001,
    0x4e20000000000001, 0x7d00000000000001, 0x6400000000000001,
    0x5000000000000001, 0x4000000000000001, 0x6666666666666667,
    0x51eb851eb851eb86, 0x4189374bc6a7ef9e, 0x68db8bac710cb296,
    0x53e2d6238da3c212, 0x431bde82d7b634db, 0x6b5fca6af2bd215f,
    0x55e63b88c230e77f, 0x44b82fa09b5a52cc, 0x6df37f675ef6eae0,
    0x57f5ff85e5925580, 0x465e6604b7a84466, 0x709709a125da070a,
    0x5a126e1a84ae6c08, 0x480ebe7b9d58566d, 0x734aca5f6226f0ae,
    0x5c3bd5191b525a25, 0x49c97747490eae84, 0x760f253edb4ab0d3,
    0x5e72843249088d76, 0x4b8ed0283a6d3df8, 0x78e480405d7b9659,
    0x60b6cd004ac94514, 0x4d5f0a66a23a9daa, 0x7bcb43d769f762a9,
    0x63090312bb2c4eee, 0x4f3a68dbc8f03f25, 0x7ec3daf941806507,
    0x65697bfa9acd1da0, 0x51212ffbaf0a7e19, 0x40e7599625a1fe7b,
    0x67d88f56a29cca5e,
};

// x * g / 2^95 rounded to odd: the integer part, with its lowest bit set when anything was
// cut off, so that comparing it with an even number decides the exact comparison.
std::uint32_t round_to_odd(std::uint64_t g, std::uint64_t x) {
  const auto high = static_cast<std::uint64_t>((u128{g} * x) >> 64);
  return static_cast<std::uint32_t>((high >> 31) | (((high & 0xffffffffu) + 0xffffffffu) >> 32));
}

// The fast path for every normal real: Schubfach (R. Giulietti, "The Schubfach way to
// render doubles", 2020), with PostgreSQL's rounding interval, whose bounds are always
// excluded (its Ryu is built with STRICTLY_SHORTEST 0; Schubfach's `out` flag is always 1).
// The scale 10^k, k = floor(log10(2^q)), makes the rounding interval (2^q wide) span one to
// ten units: at most one multiple of ten lies inside it (a number one digit shorter; the
// paper's algorithm looks for it from three digits on), and else one or both of the two
// numbers around v at this scale, the closer one (ties to even) then. The three products
// are exact enough by the paper's proof; the result is checked against the general path
// for all 2^32 bit patterns (bench/float4_exhaustive.sh). Returns false for zero,
// subnormals, infinities and NaN.
bool fast_shortest(float v, fast_decimal& out) {
  const std::uint32_t b = std::bit_cast<std::uint32_t>(v);
  const std::uint32_t ieee_exp = (b >> 23) & 0xff, ieee_m = b & 0x7fffff;
  if (ieee_exp == 0 || ieee_exp == 0xff) return false;
  const int q = static_cast<int>(ieee_exp) - 150;  // v = c * 2^q
  const std::uint64_t cb = std::uint64_t{ieee_m | 0x800000u} << 2;
  // The interval's bounds times 4: c * 4 +- 2, or - 1 below a power of two (the next real
  // down is half as far), except above the smallest normal, whose neighbour is subnormal.
  const bool full_lower_gap = ieee_m != 0 || ieee_exp == 1;
  const std::uint64_t cbl = cb - (full_lower_gap ? 2 : 1), cbr = cb + 2;
  const int k = full_lower_gap ? floor_log10_pow2(q) : floor_log10_three_quarters_pow2(q);
  const int h = q + floor_log2_pow10(-k) + 33;
  const std::uint64_t g = pow10_scaled[k - pow10_k_min];
  // v, its lower and upper bound, times 4 * 10^-k.
  const std::uint32_t vb = round_to_odd(g, cb << h), vbl = round_to_odd(g, cbl << h), vbr = round_to_odd(g, cbr << h);
  const std::uint32_t s = vb >> 2, t = s + 1;
  // Every choice below is computed and selected without a branch: which of them applies
  // varies from value to value, and mispredicted branches took half the time.
  const auto s_div10 = static_cast<std::uint32_t>((std::uint64_t{s} * 1717986919) >> 34);  // s / 10
  const std::uint32_t sp10 = 10 * s_div10, tp10 = sp10 + 10;
  // (Bitwise on 0/1 values: GCC turns the same logic written with && and ?: into branches.)
  const std::uint32_t sp10_in = vbl < (sp10 << 2), tp10_in = (tp10 << 2) < vbr;
  const std::uint32_t s_in = vbl < (s << 2), t_in = (t << 2) < vbr;
  const auto cmp = static_cast<std::int64_t>(vb) - static_cast<std::int64_t>((std::uint64_t{s} + t) << 1);
  const std::uint32_t t_closer = static_cast<std::uint32_t>(cmp > 0) | (static_cast<std::uint32_t>(cmp == 0) & s);  // ties to even
  const std::uint32_t one_in = s_in ^ t_in;
  const std::uint32_t pick_t = (one_in & t_in) | (~one_in & t_closer & 1);
  const std::uint32_t shorter = static_cast<std::uint32_t>(s >= 100) & (sp10_in ^ tp10_in);  // one of sp10, tp10 inside
  const std::uint32_t longer_n = s + pick_t, shorter_n = s_div10 + tp10_in;
  std::uint32_t n = longer_n ^ ((longer_n ^ shorter_n) & (0u - shorter));
  int exp_last = k + static_cast<int>(shorter);
  while (n % 10 == 0) {  // rare: s or t ends in a zero, or the shorter number does too
    n /= 10;
    ++exp_last;
  }
  out.n = n;
  out.exp_last = exp_last;
  return true;
}

// PostgreSQL's digits: the shortest decimal strictly inside v's rounding interval, the
// closest to v of that length. std::to_chars gives the shortest inside the closed interval
// (its bounds read back as v by round-half-even), so it differs only when its answer is
// exactly a bound; PostgreSQL builds Ryu with STRICTLY_SHORTEST 0 so as never to write
// one (src/common/ryu_common.h). Then the next lengths, correctly rounded, are tried.
template <class F>
decimal pg_shortest(F v, int max_digits) {
  decimal d = to_decimal(v, -1);
  if (!on_bound(v, d)) return d;
  for (int digits = d.count + 1; digits < max_digits; ++digits) {
    decimal c = to_decimal(v, digits - 1);
    if (reads_back(v, c) && !on_bound(v, c)) return c;
  }
  return to_decimal(v, max_digits - 1);
}

// PostgreSQL's layout of `count` digits whose first has decimal exponent `exp` (to_chars /
// to_chars_df in f2s.c, d2s.c), written at `p`; returns the end.
char* lay_out(bool negative, const char* digits, int count, int exp, int fixed_below, char* p) {
  if (negative) *p++ = '-';
  const std::size_t n = static_cast<std::size_t>(count);
  if (exp < -4 || exp >= fixed_below) {
    *p++ = digits[0];
    if (n > 1) {
      *p++ = '.';
      std::memcpy(p, digits + 1, n - 1);
      p += n - 1;
    }
    *p++ = 'e';
    *p++ = exp < 0 ? '-' : '+';
    const int a = std::abs(exp);
    if (a >= 100) *p++ = static_cast<char>('0' + a / 100);
    *p++ = static_cast<char>('0' + a / 10 % 10);
    *p++ = static_cast<char>('0' + a % 10);
    return p;
  }
  if (exp < 0) {
    *p++ = '0';
    *p++ = '.';
    for (int z = -exp - 1; z > 0; --z) *p++ = '0';
    std::memcpy(p, digits, n);
    return p + n;
  }
  const std::size_t before = static_cast<std::size_t>(exp) + 1;  // digits before the point
  if (n <= before) {
    std::memcpy(p, digits, n);
    p += n;
    for (std::size_t z = n; z < before; ++z) *p++ = '0';
    return p;
  }
  std::memcpy(p, digits, before);
  p += before;
  *p++ = '.';
  std::memcpy(p, digits + before, n - before);
  return p + (n - before);
}

template <class F>
char* write_pg_float(F v, int fixed_below, int max_digits, char* p) {
  auto word = [p](std::string_view w) {
    std::memcpy(p, w.data(), w.size());
    return p + w.size();
  };
  if (std::isnan(v)) return word("NaN");
  const bool negative = std::signbit(v);
  if (std::isinf(v)) return word(negative ? "-Infinity" : "Infinity");
  if (v == 0) return word(negative ? "-0" : "0");
  const decimal d = pg_shortest(v, max_digits);
  return lay_out(negative, d.digits, d.count, d.exp, fixed_below, p);
}

}  // namespace

char* write_float4_general(float v, char* p) { return write_pg_float(v, 6, 9, p); }

char* write_float4(float v, char* p) {
  fast_decimal f;
  if (!fast_shortest(v, f)) return write_float4_general(v, p);
  // n < 10^9: nine digits, zero-padded, the first alone and the other eight at once; the
  // number's own digits are the last `count`.
  char digits[32];
  digits[0] = static_cast<char>('0' + f.n / 100000000);
  const std::uint64_t rest = eight_digits(f.n % 100000000);
  util::store_le64(digits + 1, rest);
  const int count = decimal_length(f.n);
  const char* first = digits + 9 - count;
  const int exp = count - 1 + f.exp_last;
  if (exp < 0 && exp >= -4) {
    // 0.000ddd, an embedding's usual form: fixed-size copies, the digits' 16 bytes (the
    // buffer has room) over the zeros' 8, written past the text into the caller's room.
    *p = '-';
    p += std::signbit(v);
    std::memcpy(p, "0.000000", 8);
    std::memcpy(p + 1 - exp, first, 16);
    return p + 1 - exp + count;
  }
  return lay_out(std::signbit(v), first, count, exp, 6, p);
}

char* write_float8(double v, char* p) { return write_pg_float(v, 15, 17, p); }

}  // namespace immichbak::copytext
