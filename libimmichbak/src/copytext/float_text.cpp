#include "copytext/float_text.hpp"

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
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

// PostgreSQL's layout of the digits (to_chars / to_chars_df in f2s.c, d2s.c).
void lay_out(bool negative, const decimal& d, int fixed_below, std::string& out) {
  if (negative) out += '-';
  const std::size_t n = static_cast<std::size_t>(d.count);
  if (d.exp < -4 || d.exp >= fixed_below) {
    out += d.digits[0];
    if (n > 1) {
      out += '.';
      out.append(d.digits + 1, n - 1);
    }
    out += 'e';
    out += d.exp < 0 ? '-' : '+';
    const int a = std::abs(d.exp);
    if (a < 10) out += '0';
    out += std::to_string(a);
    return;
  }
  if (d.exp < 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-d.exp - 1), '0');
    out.append(d.digits, n);
    return;
  }
  const std::size_t before = static_cast<std::size_t>(d.exp) + 1;  // digits before the point
  if (n <= before) {
    out.append(d.digits, n);
    out.append(before - n, '0');
    return;
  }
  out.append(d.digits, before);
  out += '.';
  out.append(d.digits + before, n - before);
}

template <class F>
void append_pg_float(F v, int fixed_below, int max_digits, std::string& out) {
  if (std::isnan(v)) {
    out += "NaN";
    return;
  }
  const bool negative = std::signbit(v);
  if (std::isinf(v)) {
    out += negative ? "-Infinity" : "Infinity";
    return;
  }
  if (v == 0) {
    out += negative ? "-0" : "0";
    return;
  }
  lay_out(negative, pg_shortest(v, max_digits), fixed_below, out);
}

}  // namespace

void append_float4(float v, std::string& out) { append_pg_float(v, 6, 9, out); }
void append_float8(double v, std::string& out) { append_pg_float(v, 15, 17, out); }

}  // namespace immichbak::copytext
