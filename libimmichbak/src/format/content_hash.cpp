#include "format/content_hash.hpp"

#include "format/sha256.hpp"
#include "util/hex.hpp"

namespace immichbak::format {

void content_hash::add_row(std::string_view row_without_newline) {
  add_row_digest(sha256::of(row_without_newline));
}

void content_hash::add_row_digest(const std::array<std::uint8_t, 32>& digest) noexcept {
  for (std::size_t lane = 0; lane < 4; ++lane) {
    std::uint64_t v = 0;
    for (std::size_t b = 0; b < 8; ++b) v |= std::uint64_t(digest[lane * 8 + b]) << (8 * b);
    lanes_[lane] += v;  // modulo 2^64 by unsigned wrap-around
  }
  ++rows_;
}

void content_hash::merge(const content_hash& other) noexcept {
  for (std::size_t lane = 0; lane < 4; ++lane) lanes_[lane] += other.lanes_[lane];
  rows_ += other.rows_;
}

void content_hash_stream::feed(std::string_view bytes) {
  while (!bytes.empty()) {
    auto nl = bytes.find('\n');
    if (nl == std::string_view::npos) {
      line_.update(bytes);
      in_line_ = true;
      return;
    }
    if (in_line_) {
      line_.update(bytes.substr(0, nl));
      hash_.add_row_digest(line_.finish());
      in_line_ = false;
    } else {
      hash_.add_row(bytes.substr(0, nl));  // a whole line in one piece: the common case
    }
    bytes.remove_prefix(nl + 1);
  }
}

std::string content_hash::hex() const {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(64);
  for (std::uint64_t v : lanes_) {
    for (std::size_t b = 0; b < 8; ++b) {
      auto byte = static_cast<std::uint8_t>(v >> (8 * b));
      out += digits[byte >> 4];
      out += digits[byte & 15];
    }
  }
  return out;
}

std::optional<content_hash> content_hash::from_hex(std::string_view hex, std::uint64_t rows) {
  if (hex.size() != 64) return std::nullopt;
  content_hash h;
  for (std::size_t lane = 0; lane < 4; ++lane) {
    std::uint64_t v = 0;
    for (std::size_t b = 0; b < 8; ++b) {
      int hi = util::hex_digit(hex[lane * 16 + b * 2]);
      int lo = util::hex_digit(hex[lane * 16 + b * 2 + 1]);
      if (hi < 0 || lo < 0) return std::nullopt;
      v |= std::uint64_t(hi * 16 + lo) << (8 * b);
    }
    h.lanes_[lane] = v;
  }
  h.rows_ = rows;
  return h;
}

}  // namespace immichbak::format
