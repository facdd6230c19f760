#include "restore/binary_copy.hpp"

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>

namespace immichbak::restore_detail {

namespace {

constexpr std::uint32_t float4_oid = 700;  // pg_type.oid of float4, fixed since PostgreSQL 6

void put_u32(std::string& out, std::uint32_t v) {
  const char b[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
                     static_cast<char>(v)};
  out.append(b, 4);
}

void put_u16(std::string& out, std::uint16_t v) {
  const char b[2] = {static_cast<char>(v >> 8), static_cast<char>(v)};
  out.append(b, 2);
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
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
    int hi = hex_digit(t[i]), lo = hex_digit(t[i + 1]);
    if (hi < 0 || lo < 0) return false;
    bytes[n++] = static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  out.append(bytes, 16);
  return true;
}

// A plain decimal number as float4out / vector_out write it: -?digits[.digits][e[+-]digits].
// NaN, Infinity, subnormals and anything else decline (the text path keeps the server's
// own handling of them).
bool parse_float(std::string_view t, float& v) {
  if (t.empty() || t.size() > 32) return false;
  for (char c : t)
    if (!((c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E')) return false;
  const char* end = t.data() + t.size();
  auto [ptr, ec] = std::from_chars(t.data(), end, v, std::chars_format::general);
  if (ec != std::errc() || ptr != end) return false;
  return std::isfinite(v) && std::fpclassify(v) != FP_SUBNORMAL;
}

// Elements of "{a,b,c}" / "[a,b,c]" between open and close: plain numbers only.
bool parse_float_list(std::string_view t, char open, char close, std::vector<float>& values) {
  values.clear();
  if (t.size() < 2 || t.front() != open || t.back() != close) return false;
  t = t.substr(1, t.size() - 2);
  if (t.empty()) return true;
  for (;;) {
    std::size_t comma = t.find(',');
    float v;
    if (!parse_float(t.substr(0, comma), v)) return false;
    values.push_back(v);
    if (comma == std::string_view::npos) return true;
    t.remove_prefix(comma + 1);
  }
}

void put_float(std::string& out, float v) { put_u32(out, std::bit_cast<std::uint32_t>(v)); }

bool encode_float4_array(std::string_view t, std::string& out) {
  thread_local std::vector<float> values;
  if (!parse_float_list(t, '{', '}', values)) return false;
  // array_send: ndim, has-nulls flag, element type, then per dimension size and lower bound.
  put_u32(out, values.empty() ? 0 : 1);
  put_u32(out, 0);
  put_u32(out, float4_oid);
  if (values.empty()) return true;
  put_u32(out, static_cast<std::uint32_t>(values.size()));
  put_u32(out, 1);
  for (float v : values) {
    put_u32(out, 4);
    put_float(out, v);
  }
  return true;
}

bool encode_vector(std::string_view t, std::string& out) {
  thread_local std::vector<float> values;
  if (!parse_float_list(t, '[', ']', values)) return false;
  if (values.empty() || values.size() > 0xffff) return false;
  // pgvector's vector_send: dim (int16), unused (int16, zero), then the floats.
  put_u16(out, static_cast<std::uint16_t>(values.size()));
  put_u16(out, 0);
  for (float v : values) put_float(out, v);
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

}  // namespace immichbak::restore_detail
