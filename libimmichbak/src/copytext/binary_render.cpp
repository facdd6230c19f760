#include "copytext/binary_render.hpp"

#include "copytext/float_text.hpp"
#include "util/byte_order.hpp"

#include <immichbak/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <charconv>
#include <cstring>

namespace immichbak::copytext {

namespace {

[[noreturn]] void malformed(const std::string& what) {
  throw error(errc::internal, "binary COPY from the server is not what immichbak expected: " + what +
                                  "; please report this");
}

using util::load_be16;
using util::load_be32;
using util::load_be64;

void need(std::string_view b, std::size_t n, const char* what) {
  if (b.size() != n) malformed(fmt::format("a {} value of {} bytes", what, b.size()));
}

// The longest text of one number: "-9223372036854775808" (20 bytes) for bigint,
// float8_text_max for double.
constexpr std::size_t number_text_max = float8_text_max;
// The room a number's writer needs at p (write_float4 writes scratch past its text).
constexpr std::size_t number_write_room = std::max(number_text_max, float4_write_room);
static_assert(float4_text_max <= number_text_max);

// Writes one number's text at p (number_write_room bytes of room); returns the end.
char* write_number(render_kind kind, std::string_view b, char* p) {
  auto integer = [p](std::int64_t v) { return std::to_chars(p, p + number_text_max, v).ptr; };
  switch (kind) {
    case render_kind::int2: need(b, 2, "smallint"); return integer(static_cast<std::int16_t>(load_be16(b.data())));
    case render_kind::int4: need(b, 4, "integer"); return integer(static_cast<std::int32_t>(load_be32(b.data())));
    case render_kind::int8: need(b, 8, "bigint"); return integer(static_cast<std::int64_t>(load_be64(b.data())));
    case render_kind::float4: need(b, 4, "real"); return write_float4(std::bit_cast<float>(load_be32(b.data())), p);
    case render_kind::float8: need(b, 8, "double"); return write_float8(std::bit_cast<double>(load_be64(b.data())), p);
    default: malformed("a number of an unexpected kind");
  }
}

// Direct writes into a std::string: grow it by an upper bound of what will be written,
// write through a pointer, then cut it back to what was. One append per number cost a
// third of the time spent on an embedding.
class direct_writer {
 public:
  direct_writer(std::string& out, std::size_t room) : out_(out), start_(out.size()) {
    out_.resize(start_ + room);
    p = out_.data() + start_;
  }
  ~direct_writer() { out_.resize(static_cast<std::size_t>(p - out_.data())); }
  direct_writer(const direct_writer&) = delete;
  direct_writer& operator=(const direct_writer&) = delete;

  char* p;

 private:
  std::string& out_;
  std::size_t start_;
};

// array_out for arrays of numbers: no element ever needs quotes ("NaN", "Infinity" do not).
void render_array(render_kind element, std::uint32_t element_oid, std::string_view b, std::string& out) {
  if (b.size() < 12) malformed("a short array header");
  const std::int32_t ndim = static_cast<std::int32_t>(load_be32(b.data()));
  const std::uint32_t oid = load_be32(b.data() + 8);
  if (ndim < 0 || ndim > 6 || oid != element_oid) malformed("an array header of another shape");
  if (ndim == 0) {
    out += "{}";
    return;
  }
  std::size_t pos = 12;
  if (b.size() < pos + 8 * static_cast<std::size_t>(ndim)) malformed("a short array header");
  std::int64_t dims[6], lbounds[6];
  bool default_bounds = true;
  std::int64_t total = 1;
  for (int d = 0; d < ndim; ++d) {
    dims[d] = static_cast<std::int32_t>(load_be32(b.data() + pos));
    lbounds[d] = static_cast<std::int32_t>(load_be32(b.data() + pos + 4));
    pos += 8;
    if (dims[d] < 0) malformed("a negative array dimension");
    if (lbounds[d] != 1) default_bounds = false;
    total *= dims[d];
    if (total > (std::int64_t{1} << 27)) malformed("an array too large");
  }
  if (total == 0) malformed("an array with a zero dimension");
  // Every element takes at least 4 bytes (its length), so `total` is bounded by the value's
  // size before anything is allocated for it.
  if (static_cast<std::size_t>(total) > (b.size() - pos) / 4) malformed("a short array element");
  if (!default_bounds) {
    for (int d = 0; d < ndim; ++d) fmt::format_to(std::back_inserter(out), "[{}:{}]", lbounds[d], lbounds[d] + dims[d] - 1);
    out += '=';
  }
  // Elements in row-major order; braces open and close as the counters roll over. Each
  // element writes at most its text, a comma, and ndim braces closed and opened; the last
  // one's writer may use its whole room.
  const std::size_t per_element = number_text_max + 1 + 2 * static_cast<std::size_t>(ndim);
  direct_writer w(out, static_cast<std::size_t>(total) * per_element + static_cast<std::size_t>(ndim) +
                           number_write_room);
  char* p = w.p;
  std::int64_t idx[6] = {0, 0, 0, 0, 0, 0};
  for (int d = 0; d < ndim; ++d) *p++ = '{';
  for (std::int64_t k = 0; k < total; ++k) {
    if (pos + 4 > b.size()) malformed("a short array element");
    const std::int32_t len = static_cast<std::int32_t>(load_be32(b.data() + pos));
    pos += 4;
    if (len == -1) {
      std::memcpy(p, "NULL", 4);
      p += 4;
    } else {
      if (len < 0 || pos + static_cast<std::size_t>(len) > b.size()) malformed("an array element's length");
      p = write_number(element, b.substr(pos, static_cast<std::size_t>(len)), p);
      pos += static_cast<std::size_t>(len);
    }
    int d = ndim - 1;
    while (d >= 0 && ++idx[d] == dims[d]) {
      idx[d] = 0;
      *p++ = '}';
      --d;
    }
    if (d >= 0) {
      *p++ = ',';
      for (int open = d + 1; open < ndim; ++open) *p++ = '{';
    }
  }
  w.p = p;
  if (pos != b.size()) malformed("bytes after an array's last element");
}

// pgvector's vector_out: [a,b,...] with float4out's digits.
void render_vector(std::string_view b, std::string& out) {
  if (b.size() < 4) malformed("a short vector");
  const std::size_t dim = load_be16(b.data());
  if (b.size() != 4 + 4 * dim) malformed(fmt::format("a vector of {} dimensions in {} bytes", dim, b.size()));
  direct_writer w(out, 2 + dim * (float4_text_max + 1) + float4_write_room);
  char* p = w.p;
  *p++ = '[';
  for (std::size_t i = 0; i < dim; ++i) {
    if (i) *p++ = ',';
    p = write_float4(std::bit_cast<float>(load_be32(b.data() + 4 + 4 * i)), p);
  }
  *p++ = ']';
  w.p = p;
}

const char hex_digits[] = "0123456789abcdef";

}  // namespace

std::optional<render_kind> builtin_kind(std::uint32_t oid) {
  switch (oid) {
    case 16: return render_kind::boolean;
    case 17: return render_kind::bytea;
    case 20: return render_kind::int8;
    case 21: return render_kind::int2;
    case 23: return render_kind::int4;
    case 25: return render_kind::text;
    case 114: return render_kind::text;  // json
    case 700: return render_kind::float4;
    case 701: return render_kind::float8;
    case 1005: return render_kind::int2_array;
    case 1007: return render_kind::int4_array;
    case 1016: return render_kind::int8_array;
    case 1021: return render_kind::float4_array;
    case 1022: return render_kind::float8_array;
    case 1042: return render_kind::text;  // bpchar: sent with its padding, as it is output
    case 1043: return render_kind::text;  // varchar
    case 2950: return render_kind::uuid;
    case 3802: return render_kind::jsonb;
    default: return std::nullopt;
  }
}

void render_value(render_kind kind, std::string_view b, std::string& out) {
  switch (kind) {
    case render_kind::boolean:
      need(b, 1, "boolean");
      out += b[0] ? 't' : 'f';
      return;
    case render_kind::int2:
    case render_kind::int4:
    case render_kind::int8:
    case render_kind::float4:
    case render_kind::float8: {
      direct_writer w(out, number_write_room);
      w.p = write_number(kind, b, w.p);
      return;
    }
    case render_kind::text: out.append(b); return;
    case render_kind::jsonb:
      if (b.empty() || b[0] != 1) malformed("a jsonb value of another version");
      out.append(b.substr(1));
      return;
    case render_kind::bytea: {
      direct_writer w(out, 2 + 2 * b.size());
      char* p = w.p;
      *p++ = '\\';
      *p++ = 'x';
      for (unsigned char c : b) {
        *p++ = hex_digits[c >> 4];
        *p++ = hex_digits[c & 15];
      }
      w.p = p;
      return;
    }
    case render_kind::uuid: {
      need(b, 16, "uuid");
      direct_writer w(out, 36);
      char* p = w.p;
      for (std::size_t i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) *p++ = '-';
        const auto c = static_cast<unsigned char>(b[i]);
        *p++ = hex_digits[c >> 4];
        *p++ = hex_digits[c & 15];
      }
      w.p = p;
      return;
    }
    case render_kind::int2_array: render_array(render_kind::int2, 21, b, out); return;
    case render_kind::int4_array: render_array(render_kind::int4, 23, b, out); return;
    case render_kind::int8_array: render_array(render_kind::int8, 20, b, out); return;
    case render_kind::float4_array: render_array(render_kind::float4, 700, b, out); return;
    case render_kind::float8_array: render_array(render_kind::float8, 701, b, out); return;
    case render_kind::vector: render_vector(b, out); return;
  }
  malformed("an unknown kind");
}

void append_copy_escaped(std::string_view text, std::string& out) {
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    char esc;
    switch (c) {
      case '\\': esc = '\\'; break;
      case '\b': esc = 'b'; break;
      case '\f': esc = 'f'; break;
      case '\n': esc = 'n'; break;
      case '\r': esc = 'r'; break;
      case '\t': esc = 't'; break;
      case '\v': esc = 'v'; break;
      default: continue;
    }
    out.append(text.substr(start, i - start));
    out += '\\';
    out += esc;
    start = i + 1;
  }
  out.append(text.substr(start));
}

binary_row_decoder::binary_row_decoder(std::vector<render_kind> columns) : columns_(std::move(columns)) {}

void binary_row_decoder::feed(std::string_view message, const std::function<void(std::string_view)>& on_row) {
  if (pending_.empty()) {
    std::size_t used = consume(message, on_row);
    pending_.assign(message.substr(used));
    return;
  }
  pending_.append(message);
  std::size_t used = consume(pending_, on_row);
  pending_.erase(0, used);
}

std::size_t binary_row_decoder::consume(std::string_view data, const std::function<void(std::string_view)>& on_row) {
  static constexpr char signature[] = "PGCOPY\n\377\r\n";  // 11 bytes with its NUL
  std::size_t pos = 0;
  if (!header_done_) {
    if (data.size() < 19) return 0;
    if (std::memcmp(data.data(), signature, 11) != 0) malformed("no binary COPY signature");
    const std::uint32_t ext = load_be32(data.data() + 15);
    if (data.size() < 19 + static_cast<std::size_t>(ext)) return 0;
    pos = 19 + ext;
    header_done_ = true;
  }
  while (pos < data.size()) {
    if (trailer_seen_) malformed("data after the trailer");
    if (data.size() - pos < 2) return pos;
    const std::int16_t fields = static_cast<std::int16_t>(load_be16(data.data() + pos));
    if (fields == -1) {
      trailer_seen_ = true;
      pos += 2;
      continue;
    }
    if (static_cast<std::size_t>(fields) != columns_.size())
      malformed(fmt::format("a row of {} columns where {} were asked for", fields, columns_.size()));
    // Is the whole tuple here? Walk the lengths first.
    std::size_t p = pos + 2;
    for (std::size_t c = 0; c < columns_.size(); ++c) {
      if (data.size() - p < 4) return pos;
      const std::int32_t len = static_cast<std::int32_t>(load_be32(data.data() + p));
      p += 4;
      if (len < -1) malformed("a negative field length");
      if (len > 0) {
        if (data.size() - p < static_cast<std::size_t>(len)) return pos;
        p += static_cast<std::size_t>(len);
      }
    }
    row_.clear();
    p = pos + 2;
    for (std::size_t c = 0; c < columns_.size(); ++c) {
      if (c) row_ += '\t';
      const std::int32_t len = static_cast<std::int32_t>(load_be32(data.data() + p));
      p += 4;
      if (len == -1) {
        row_ += "\\N";
        continue;
      }
      const std::string_view bytes = data.substr(p, static_cast<std::size_t>(len));
      p += static_cast<std::size_t>(len);
      switch (columns_[c]) {
        case render_kind::text:
        case render_kind::jsonb:
        case render_kind::bytea:
          // The only kinds whose text can hold characters COPY escapes (bytea's "\x").
          value_.clear();
          render_value(columns_[c], bytes, value_);
          append_copy_escaped(value_, row_);
          break;
        default: render_value(columns_[c], bytes, row_); break;
      }
    }
    row_ += '\n';
    on_row(row_);
    pos = p;
  }
  return pos;
}

void binary_row_decoder::finish() const {
  if (!trailer_seen_ || !pending_.empty()) malformed("the stream ended before its trailer");
}

}  // namespace immichbak::copytext
