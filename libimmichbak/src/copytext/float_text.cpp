#include "copytext/float_text.hpp"

#include <algorithm>
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

// 10^0 ... 10^19: every power of ten a uint64_t holds.
constexpr std::uint64_t pow10[] = {1,
                                   10,
                                   100,
                                   1000,
                                   10000,
                                   100000,
                                   1000000,
                                   10000000,
                                   100000000,
                                   1000000000,
                                   10000000000,
                                   100000000000,
                                   1000000000000,
                                   10000000000000,
                                   100000000000000,
                                   1000000000000000,
                                   10000000000000000,
                                   100000000000000000,
                                   1000000000000000000,
                                   10000000000000000000u};

// Two decimal digits of x < 100 at p.
void put_pair(char* p, std::uint64_t x) {
  static constexpr char pairs[] =
      "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
      "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
      "8081828384858687888990919293949596979899";
  std::memcpy(p, pairs + 2 * x, 2);
}

// How many decimal digits n has (n >= 1): from its bit length, corrected by one comparison.
int decimal_length(std::uint64_t n) {
  const int t = (std::bit_width(n) * 1233) >> 12;  // 1233 / 4096 ~ log10(2)
  return t + (n >= pow10[t]);
}

__extension__ typedef unsigned __int128 u128;  // GCC/Clang; __extension__: no -Wpedantic

// The digits as an integer: value = n * 10^exp_last, n without trailing zeros.
struct fast_decimal {
  std::uint64_t n;
  int exp_last;  ///< the decimal exponent of n's last digit
};

// The fast path for a real whose digits fit the arithmetic below (about 1e-10 <= |v| <
// 4e6: every embedding): Ryu's idea without its tables. At a decimal scale 10^-p chosen for
// 9-10 digits, the value and the bounds of its rounding interval (mantissa * 4 +- 1 or 2,
// times 2^e) times 10^p are exact 128-bit products shifted right by -e, so their integer
// parts and whether anything was cut off are known exactly, with no division. Then digits
// are dropped while a number strictly inside the interval remains (the bounds themselves
// excluded, as PostgreSQL does), and the value is rounded half-to-even at that scale and
// kept inside the interval. Returns false where it does not apply; proven against the
// servers by the bit-pattern sweep (tests/integration/test_backup_binary_copy.cpp).
bool fast_shortest(float v, fast_decimal& out) {
  const std::uint32_t b = std::bit_cast<std::uint32_t>(v);
  const std::uint32_t ieee_exp = (b >> 23) & 0xff, ieee_m = b & 0x7fffff;
  if (ieee_exp == 0 || ieee_exp == 0xff) return false;  // subnormal, zero, NaN, infinity
  const std::uint32_t m2 = ieee_m | 0x800000u;
  const int e = static_cast<int>(ieee_exp) - 150 - 2;  // value * 4 = mv * 2^e
  const int exp2 = static_cast<int>(ieee_exp) - 127;  // 2^exp2 <= v < 2^(exp2 + 1)
  if (e >= 0) return false;
  // floor(log10(2^exp2)), exact for |exp2| < 1650 (Ryu's constant): v >= 10^k.
  const int k = exp2 >= 0 ? static_cast<int>((static_cast<std::uint32_t>(exp2) * 78913u) >> 18)
                          : -static_cast<int>(((static_cast<std::uint32_t>(-exp2) * 78913u) >> 18) + 1);
  const int p = 9 - k;  // v * 10^p < 10^11
  if (p < 0 || p > 19) return false;
  const int g = -e;
  // The value times 4, and its rounding interval's bounds: mv + 2 above; mv - 2 below, or
  // mv - 1 at a power of two, where the next float down is half as far.
  const std::uint64_t mv = 4 * std::uint64_t{m2};
  const bool full_lower_gap = ieee_m != 0 || ieee_exp <= 1;
  const u128 scale = pow10[p];
  const u128 mask = (u128{1} << g) - 1;
  // One multiplication: the bounds' products are the value's plus or minus the scale's.
  const u128 xv = mv * scale, xp = xv + 2 * scale, xm = xv - scale - (full_lower_gap ? scale : 0);
  std::uint64_t vr = static_cast<std::uint64_t>(xv >> g);
  std::uint64_t vp = static_cast<std::uint64_t>(xp >> g);
  std::uint64_t vm = static_cast<std::uint64_t>(xm >> g);
  if ((xp & mask) == 0) --vp;  // the upper bound itself is excluded
  // Drop digits while a number strictly inside remains at the next scale. Embeddings drop
  // one to three, a number that varies from value to value: the first four are decided by
  // independent comparisons rather than a loop whose exit the branch predictor would miss.
  // (If dropping r digits leaves one inside, so does dropping fewer: the sum is the count.)
  const std::uint64_t qp[5] = {vp, vp / 10, vp / 100, vp / 1000, vp / 10000};
  const std::uint64_t qm[5] = {vm, vm / 10, vm / 100, vm / 1000, vm / 10000};
  const std::uint64_t qr[5] = {vr, vr / 10, vr / 100, vr / 1000, vr / 10000};
  int removed = (qp[1] > qm[1]) + (qp[2] > qm[2]) + (qp[3] > qm[3]) + (qp[4] > qm[4]);
  const std::uint64_t vr0 = vr;
  vp = qp[removed];
  vm = qm[removed];
  vr = qr[removed];
  if (removed == 4) {
    while (vp / 10 > vm / 10) {  // short numbers: 0.5, 1e-05, 1234
      vp /= 10;
      vm /= 10;
      vr /= 10;
      ++removed;
    }
  }
  // Round the value half to even at 10^(removed - p): what was dropped is
  // (vr0 mod 10^removed) + (xv mod 2^g) / 2^g, in units of the last kept digit / 10^removed.
  const u128 dropped = (u128{vr0 - vr * pow10[removed]} << g) + (xv & mask);
  const u128 half = u128{pow10[removed]} << (g - 1);
  std::uint64_t n = vr + static_cast<std::uint64_t>((dropped > half) | ((dropped == half) & (vr & 1)));
  n = std::max(n, vm + 1);  // the lower bound (or below) is excluded
  n = std::min(n, vp);
  int zeros = 0;
  while (n % 10 == 0) {  // rare: the rounding above seldom ends on a zero
    n /= 10;
    ++zeros;
  }
  out.n = n;
  out.exp_last = zeros + removed - p;
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
  // n < 10^11: twelve digits, zero-padded, in two independent halves of three pairs (no
  // loop whose length varies); the number's own digits are the last `count`.
  char digits[32];
  const std::uint64_t hi = f.n / 1000000, lo = f.n % 1000000;
  put_pair(digits + 0, hi / 10000);
  put_pair(digits + 2, hi / 100 % 100);
  put_pair(digits + 4, hi % 100);
  put_pair(digits + 6, lo / 10000);
  put_pair(digits + 8, lo / 100 % 100);
  put_pair(digits + 10, lo % 100);
  const int count = decimal_length(f.n);
  const char* first = digits + 12 - count;
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
