#include "load/binary_copy.hpp"

#include "util/byte_order.hpp"
#include "util/hex.hpp"
#include "util/powers_of_ten.hpp"

#include <algorithm>
#include <bit>
#include <cfloat>
#include <charconv>
#include <cmath>
#include <cstdint>

namespace immichbak::load {

namespace {

constexpr std::uint32_t float4_oid = 700;  // pg_type.oid of float4, fixed since PostgreSQL 6

void put_u32(std::string& out, std::uint32_t v) {
  char b[4];
  util::store_be32(b, v);
  out.append(b, 4);
}

void put_u16(std::string& out, std::uint16_t v) {
  char b[2];
  util::store_be16(b, v);
  out.append(b, 2);
}

// uuid_out's form only: 8-4-4-4-12 hex digits.
bool encode_uuid(std::string_view t, std::string& out) {
  if (t.size() != 36) return false;
  char bytes[16];
  std::size_t n = 0;
  for (std::size_t i = 0; i < 36;) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (t[i] != '-') return false;
      ++i;
      continue;
    }
    int hi = util::hex_digit(t[i]), lo = util::hex_digit(t[i + 1]);
    if (hi < 0 || lo < 0) return false;
    bytes[n++] = static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  out.append(bytes, 16);
  return true;
}

// Exact powers of ten in double: 10^22 = 2^22 * 5^22 is the last whose odd part fits the
// 53-bit significand.
constexpr double exact_pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                  1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// A float parsed by std::from_chars, exact: NaN, Infinity and subnormals decline.
bool slow_float(const char* first, const char* last, float& v) {
  if (last - first > 64) return false;
  auto [ptr, ec] = std::from_chars(first, last, v, std::chars_format::general);
  if (ec != std::errc() || ptr != last) return false;
  return std::isfinite(v) && std::fpclassify(v) != FP_SUBNORMAL;
}

// How many of a word's bytes, from its first, are ASCII digits (0 to 8): bytes ^ '0' are 0-9
// for digits; adding 0x76 sets the top bit of 10-0x7f, or-ing the bytes sets it for 0x80-0xff.
// A carry out of a byte only reaches later bytes, after the first non-digit.
int leading_digits(std::uint64_t word) {
  const std::uint64_t x = word ^ 0x3030303030303030u;
  const std::uint64_t non_digit = ((x + 0x7676767676767676u) | x) & 0x8080808080808080u;
  return non_digit == 0 ? 8 : std::countr_zero(non_digit) / 8;
}

// The value of the first `count` (1 to 8) digits of a word: shifted so that they are its last
// bytes (leading zeros before them), then combined in pairs, fours and eights by
// multiplications (the SWAR method of simdjson's parse_eight_digits_unrolled).
std::uint64_t digits_value(std::uint64_t word, int count) {
  std::uint64_t v = (word - 0x3030303030303030u) << (8 * (8 - count));  // borrows only reach later bytes
  v = v * 10 + (v >> 8);                                                 // pairs
  v = (((v & 0x000000ff000000ffu) * (100 + (std::uint64_t{1000000} << 32))) +
       (((v >> 16) & 0x000000ff000000ffu) * (1 + (std::uint64_t{10000} << 32)))) >>
      32;
  return v;
}

// Rounds q, a decimal correctly rounded to double, on to float, when that gives the decimal
// correctly rounded to float (parse_float says why); false where it may not.
bool to_float_exactly(double q, bool negative, float& v) {
  // The 29 bits a double has below a normal float's 23: exactly half of them is a midpoint.
  constexpr std::uint64_t below_float = (std::uint64_t{1} << 29) - 1, midpoint = std::uint64_t{1} << 28;
  const bool on_midpoint = (std::bit_cast<std::uint64_t>(q) & below_float) == midpoint;
  if (q != 0 && (q < FLT_MIN || q > FLT_MAX || on_midpoint)) return false;
  const float x = static_cast<float>(q);
  v = negative ? -x : x;
  return true;
}

// Where double arithmetic runs in wider registers (x87) one operation could round twice.
constexpr bool double_ops_round_once = FLT_EVAL_METHOD == 0;

// parse_float's word-at-a-time reading of the usual form, digits.digits followed by ',',
// at p (after the sign), with at least 25 bytes before `end`: the digit runs measured and
// valued eight bytes at a time, no loop per character. The decimal as one integer w (the
// integer part's digits, then the fraction's) has at most 15 digits, so w and
// 10^fraction_digits are exact doubles and one division rounds correctly. Returns the
// position of the ',', or nullptr for anything else (an exponent, a run of eight or more
// integer digits, more digits): the loop per character reads those.
const char* parse_float_words(const char* p, bool negative, float& v) {
  const std::uint64_t int_word = util::load_le64(p);
  const int int_digits = leading_digits(int_word);
  if (int_digits == 0 || int_digits == 8 || p[int_digits] != '.') return nullptr;
  const char* frac = p + int_digits + 1;
  const std::uint64_t w1 = util::load_le64(frac), w2 = util::load_le64(frac + 8);
  const int d1 = leading_digits(w1);
  const int frac_digits = d1 < 8 ? d1 : 8 + leading_digits(w2);
  const char* after = frac + frac_digits;
  if (frac_digits == 0 || int_digits + frac_digits > 15 || *after != ',') return nullptr;
  const std::uint64_t frac_value = d1 < 8 ? digits_value(w1, d1)
                                           : digits_value(w1, 8) * util::pow10_u64[frac_digits - 8] +
                                                 (frac_digits > 8 ? digits_value(w2, frac_digits - 8) : 0);
  const std::uint64_t w = digits_value(int_word, int_digits) * util::pow10_u64[frac_digits] + frac_value;
  return to_float_exactly(static_cast<double>(w) / exact_pow10[frac_digits], negative, v) ? after : nullptr;
}

// Parses one number of a float list, from `p` up to the next ',' or `end`, in the form
// float4out / vector_out write it: -?digits[.digits][e[+-]digits]. Returns the position
// after it (at the ',' or `end`), or nullptr to decline (NaN, Infinity, subnormals,
// anything else: the text path keeps the server's own handling of them).
//
// float4out writes at most 9 significant digits. With |e| <= 22 the digits w < 10^9 and
// 10^|e| are exact doubles, so one IEEE division or multiplication gives q, the decimal
// correctly rounded to double (Clinger's fast path, in double). Rounding q to float then
// gives the decimal correctly rounded to float, which is what strtof / float4in compute:
// a float rounding boundary (a midpoint between two floats) is itself a double, so no
// boundary can lie strictly between the exact value and its nearest double q; only when q
// is such a midpoint could the two roundings differ (q's tie is broken to even, the exact
// value may be off the tie). That case, q outside the normal float range, and everything
// else go to std::from_chars, exact as well. (A real model's embedding values print with 8
// or 9 digits: the float fast path this replaced, w <= 2^24, sent every 9-digit one to
// from_chars. A scan of every float's 9-digit midpoint decimal found 12 midpoint cases:
// tests/unit/test_restore_binary_copy.cpp.)
//
// Values with room after them (nearly every element of a list) first try
// parse_float_words; what it declines, the loop below reads.
const char* parse_float(const char* p, const char* end, float& v) {
  const char* const first = p;
  const bool negative = p != end && *p == '-';
  if (negative) ++p;
  if (double_ops_round_once && end - p >= 25) {  // room for 8 bytes, '.' and 16
    if (const char* after = parse_float_words(p, negative, v)) return after;
  }
  std::uint32_t w = 0;
  int significant = 0, scale = 0, mantissa_digits = 0;
  auto take = [&](char c) {
    if (w == 0 && c == '0') return;  // leading zeros carry no digits
    if (++significant <= 9) w = w * 10 + static_cast<std::uint32_t>(c - '0');
  };
  for (; p != end && is_digit(*p); ++p, ++mantissa_digits) take(*p);
  if (p != end && *p == '.') {
    ++p;
    const char* frac = p;
    for (; p != end && is_digit(*p); ++p) {
      take(*p);
      --scale;
    }
    if (p == frac) return nullptr;  // "1." is not float4out's
    mantissa_digits += static_cast<int>(p - frac);
  }
  if (mantissa_digits == 0) return nullptr;
  int exponent = 0;
  if (p != end && (*p == 'e' || *p == 'E')) {
    ++p;
    bool exp_negative = false;
    if (p != end && (*p == '+' || *p == '-')) exp_negative = *p++ == '-';
    const char* digits = p;
    for (; p != end && is_digit(*p) && p - digits < 4; ++p) exponent = exponent * 10 + (*p - '0');
    if (p == digits) return nullptr;
    if (exp_negative) exponent = -exponent;
  }
  if (p != end && *p != ',') {
    if (p - first > 64) return nullptr;
    // Digits past the ones counted (a long exponent, say): let from_chars judge the token.
    const char* q = p;
    while (q != end && *q != ',') ++q;
    return slow_float(first, q, v) ? q : nullptr;
  }
  const int e10 = scale + exponent;
  if (double_ops_round_once && significant <= 9 && e10 >= -22 && e10 <= 22) {
    const double w_exact = static_cast<double>(w);
    const double q = e10 < 0 ? w_exact / exact_pow10[-e10] : w_exact * exact_pow10[e10];
    if (to_float_exactly(q, negative, v)) return p;
  }
  return slow_float(first, p, v) ? p : nullptr;
}

// The elements of "{a,b,c}" / "[a,b,c]" (between open and close), written to `out` one
// after the other, each as `prefix_length` (when true: the int32 4 array_send puts before
// every element) and the float's bits. Returns the element count, or -1 to decline. One
// pass over the text; `out` grows once.
long encode_float_list(std::string_view t, char open, char close, bool prefix_length, std::string& out) {
  if (t.size() < 2 || t.front() != open || t.back() != close) return -1;
  const char* p = t.data() + 1;
  const char* end = t.data() + t.size() - 1;
  if (p == end) return 0;
  const std::size_t most = static_cast<std::size_t>(std::count(p, end, ',')) + 1;
  const std::size_t per = prefix_length ? 8 : 4;
  const std::size_t at = out.size();
  out.resize(at + most * per);
  char* w = out.data() + at;
  for (;;) {
    float v;
    const char* q = parse_float(p, end, v);
    if (!q) return -1;
    if (prefix_length) {
      util::store_be32(w, 4);
      w += 4;
    }
    util::store_be32(w, std::bit_cast<std::uint32_t>(v));
    w += 4;
    if (q == end) break;
    p = q + 1;
  }
  return static_cast<long>(most);  // every comma separated one element
}

bool encode_float4_array(std::string_view t, std::string& out) {
  // array_send: ndim, has-nulls flag, element type, then per dimension size and lower
  // bound, then (length, bits) per element; the size is filled in once counted.
  const std::size_t head = out.size();
  put_u32(out, 1);
  put_u32(out, 0);
  put_u32(out, float4_oid);
  put_u32(out, 0);
  put_u32(out, 1);
  long n = encode_float_list(t, '{', '}', true, out);
  if (n < 0) return false;
  if (n == 0) {  // '{}': no dimensions at all
    out.resize(head);
    put_u32(out, 0);
    put_u32(out, 0);
    put_u32(out, float4_oid);
    return true;
  }
  util::store_be32(out.data() + head + 12, static_cast<std::uint32_t>(n));
  return true;
}

bool encode_vector(std::string_view t, std::string& out) {
  // pgvector's vector_send: dim (int16), unused (int16, zero), then the floats.
  const std::size_t head = out.size();
  put_u16(out, 0);
  put_u16(out, 0);
  long n = encode_float_list(t, '[', ']', false, out);
  if (n <= 0 || n > 0xffff) return false;
  out[head] = static_cast<char>(n >> 8);
  out[head + 1] = static_cast<char>(n);
  return true;
}

}  // namespace

bool encode_value(binary_kind kind, std::string_view text, std::string& out) {
  std::size_t before = out.size();
  bool ok = false;
  switch (kind) {
    case binary_kind::uuid: ok = encode_uuid(text, out); break;
    case binary_kind::float4_array: ok = encode_float4_array(text, out); break;
    case binary_kind::vector: ok = encode_vector(text, out); break;
  }
  if (!ok) out.resize(before);
  return ok;
}

std::string_view binary_copy_header() {
  // Signature, flags (no OIDs), header extension length.
  static const std::string h("PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0", 19);
  return h;
}

std::string_view binary_copy_trailer() {
  static const std::string t("\377\377", 2);
  return t;
}

bool encode_row(const std::vector<binary_kind>& columns, std::string_view row, std::string& out) {
  std::size_t before = out.size();
  auto decline = [&] {
    out.resize(before);
    return false;
  };
  if (columns.empty() || columns.size() > 1600) return false;
  put_u16(out, static_cast<std::uint16_t>(columns.size()));
  for (std::size_t i = 0; i < columns.size(); ++i) {
    std::size_t tab = row.find('\t');
    bool last = i + 1 == columns.size();
    if (last != (tab == std::string_view::npos)) return decline();
    std::string_view field = row.substr(0, tab);
    if (!last) row.remove_prefix(tab + 1);
    if (field == "\\N") {
      put_u32(out, 0xffffffffu);
      continue;
    }
    // Values with COPY escapes are not in the forms encoded here.
    if (field.find('\\') != std::string_view::npos) return decline();
    std::size_t len_at = out.size();
    put_u32(out, 0);
    if (!encode_value(columns[i], field, out)) return decline();
    std::uint32_t len = static_cast<std::uint32_t>(out.size() - len_at - 4);
    for (int b = 0; b < 4; ++b) out[len_at + b] = static_cast<char>(len >> (24 - 8 * b));
  }
  return true;
}

std::optional<std::vector<std::string>> split_column_list(std::string_view list) {
  std::vector<std::string> names;
  if (list.empty()) return names;
  if (list.size() < 2 || list.front() != '(' || list.back() != ')') return std::nullopt;
  list = list.substr(1, list.size() - 2);
  for (;;) {
    if (list.empty() || list.front() != '"') return std::nullopt;
    std::string name;
    std::size_t i = 1;
    for (;; ++i) {
      if (i >= list.size()) return std::nullopt;
      if (list[i] == '"') {
        if (i + 1 < list.size() && list[i + 1] == '"') {
          name.push_back('"');
          ++i;
          continue;
        }
        break;
      }
      name.push_back(list[i]);
    }
    names.push_back(std::move(name));
    list.remove_prefix(i + 1);
    if (list.empty()) return names;
    if (list.substr(0, 2) != ", ") return std::nullopt;
    list.remove_prefix(2);
  }
}

}  // namespace immichbak::load
