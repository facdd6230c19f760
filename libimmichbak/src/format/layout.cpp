#include "format/layout.hpp"

#include "format/gzip_member.hpp"

#include <immichbak/error.hpp>

#include <fmt/format.h>

#include <cstdint>
#include <cstring>

namespace immichbak::format {

namespace fs = std::filesystem;

void put_le32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}

void put_le64(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}

std::uint32_t get_le32(const void* p) noexcept {
  const auto* b = static_cast<const unsigned char*>(p);
  return std::uint32_t(b[0]) | std::uint32_t(b[1]) << 8 | std::uint32_t(b[2]) << 16 | std::uint32_t(b[3]) << 24;
}

std::uint64_t get_le64(const void* p) noexcept {
  const auto* b = static_cast<const unsigned char*>(p);
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= std::uint64_t(b[i]) << (8 * i);
  return v;
}

namespace {

std::uint16_t get_le16(const void* p) noexcept {
  const auto* b = static_cast<const unsigned char*>(p);
  return static_cast<std::uint16_t>(b[0] | b[1] << 8);
}

std::string check_of(std::string_view bytes) {
  auto d = sha256::of(bytes);
  return sha256::hex(d).substr(0, 16);
}

[[noreturn]] void damaged(const fs::path& file, std::string_view what) {
  throw error(errc::corrupt_backup,
              fmt::format("damaged footer in {}: {}; the file is corrupt (restore from another copy)", file.string(),
                          what));
}

void check_major(const footer& f, const fs::path& file) {
  if (f.major != current_major)
    throw error(errc::unsupported_format,
                fmt::format("{} is a backup of format {}.{}, this reader understands format {}.x; use a newer "
                            "immichbak",
                            file.string(), f.major, f.minor, current_major));
  if (f.flags != 0) damaged(file, fmt::format("reserved flags are set ({:#010x})", f.flags));
}

// Parses `digits` decimal digits at text[pos] after the literal `key`; false on mismatch.
bool parse_field(std::string_view text, std::size_t& pos, std::string_view key, std::size_t digits, int base,
                 std::uint64_t& value) {
  if (text.substr(pos, key.size()) != key) return false;
  pos += key.size();
  if (pos + digits > text.size()) return false;
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < digits; ++i) {
    char c = text[pos + i];
    int d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (base == 16 && c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else return false;
    if (v > (UINT64_MAX - std::uint64_t(d)) / std::uint64_t(base)) return false;  // overflow
    v = v * std::uint64_t(base) + std::uint64_t(d);
  }
  pos += digits;
  value = v;
  return true;
}

}  // namespace

std::string encode_binary_footer(const footer& f) {
  std::string out;
  out.reserve(binary_footer_size);
  put_le32(out, footer_skippable_magic);
  put_le32(out, static_cast<std::uint32_t>(footer_payload_size));
  out += footer_payload_magic;
  out += static_cast<char>(f.major & 0xff);
  out += static_cast<char>(f.major >> 8);
  out += static_cast<char>(f.minor & 0xff);
  out += static_cast<char>(f.minor >> 8);
  put_le32(out, f.flags);
  put_le64(out, f.manifest_offset);
  put_le64(out, f.manifest_length);
  out.append(reinterpret_cast<const char*>(f.manifest_sha256.data()), f.manifest_sha256.size());
  auto check = sha256::of(std::string_view(out).substr(skippable_header_size, 64));
  out.append(reinterpret_cast<const char*>(check.data()), 8);
  return out;
}

std::string encode_text_footer(const footer& f) {
  std::string out = fmt::format("{}major={:05} minor={:05} flags={:08x} manifest_offset={:020} manifest_length={:020} "
                                "manifest_sha256={}",
                                footer_line_prefix, f.major, f.minor, f.flags, f.manifest_offset, f.manifest_length,
                                sha256::hex(f.manifest_sha256));
  out += " check=" + check_of(out) + "\n";
  return out;
}

std::string encode_gzip_footer(const footer& f) { return gzip_stored_member(encode_text_footer(f)); }

std::size_t footer_size(footer_variant v) noexcept {
  switch (v) {
    case footer_variant::binary: return binary_footer_size;
    case footer_variant::gzip: return gzip_footer_size;
    case footer_variant::text: break;
  }
  return text_footer_size;
}

namespace {
// What a gzip footer member starts with: its member header and the stored block's header
// for the 237-byte line.
const std::string& gzip_footer_head() {
  static const std::string head = gzip_stored_head(static_cast<std::uint16_t>(text_footer_size));
  return head;
}
}  // namespace

std::optional<footer_variant> detect_footer(std::string_view tail, std::uint64_t file_size) {
  // Recognise a footer when either half of its identification survives, so one damaged
  // byte is reported as damage rather than as "not a backup".
  if (file_size >= binary_footer_size && tail.size() >= binary_footer_size) {
    std::string_view b = tail.substr(tail.size() - binary_footer_size);
    bool container = get_le32(b.data()) == footer_skippable_magic && get_le32(b.data() + 4) == footer_payload_size;
    bool magic = b.substr(skippable_header_size, 8) == footer_payload_magic;
    if (container || magic) return footer_variant::binary;
  }
  if (file_size >= gzip_footer_size && tail.size() >= gzip_footer_size) {
    std::string_view g = tail.substr(tail.size() - gzip_footer_size);
    bool container = g.substr(0, gzip_stored_prefix) == gzip_footer_head();
    bool prefix = g.substr(gzip_stored_prefix, footer_line_prefix.size()) == footer_line_prefix;
    if (container || prefix) return footer_variant::gzip;
  }
  if (file_size >= text_footer_size && tail.size() >= text_footer_size) {
    std::string_view t = tail.substr(tail.size() - text_footer_size);
    bool prefix = t.substr(0, footer_line_prefix.size()) == footer_line_prefix;
    bool check = t.substr(text_footer_checked_size, 7) == " check=" && t.back() == '\n';
    if (prefix || check) return footer_variant::text;
  }
  return std::nullopt;
}

footer decode_footer(footer_variant v, std::string_view bytes, const fs::path& file) {
  footer f;
  if (v == footer_variant::binary) {
    if (bytes.size() != binary_footer_size) damaged(file, "wrong size");
    if (get_le32(bytes.data()) != footer_skippable_magic || get_le32(bytes.data() + 4) != footer_payload_size)
      damaged(file, "the footer's skippable frame header is wrong");
    std::string_view p = bytes.substr(skippable_header_size);
    if (p.substr(0, 8) != footer_payload_magic) damaged(file, "the footer magic is wrong");
    auto check = sha256::of(p.substr(0, 64));
    if (std::memcmp(check.data(), p.data() + 64, 8) != 0) damaged(file, "its check value does not match");
    f.major = get_le16(p.data() + 8);
    f.minor = get_le16(p.data() + 10);
    f.flags = get_le32(p.data() + 12);
    f.manifest_offset = get_le64(p.data() + 16);
    f.manifest_length = get_le64(p.data() + 24);
    std::memcpy(f.manifest_sha256.data(), p.data() + 32, 32);
    check_major(f, file);
    return f;
  }
  if (v == footer_variant::gzip) {
    if (bytes.size() != gzip_footer_size) damaged(file, "wrong size");
    if (bytes.substr(0, gzip_stored_prefix) != gzip_footer_head())
      damaged(file, "the footer's gzip member header is wrong");
    std::string_view line = bytes.substr(gzip_stored_prefix, text_footer_size);
    const char* trailer = bytes.data() + gzip_stored_prefix + text_footer_size;
    if (get_le32(trailer) != crc32_of(line) || get_le32(trailer + 4) != text_footer_size)
      damaged(file, "the footer's gzip member trailer (CRC-32, size) does not match");
    return decode_footer(footer_variant::text, line, file);
  }
  if (bytes.size() != text_footer_size) damaged(file, "wrong size");
  if (bytes.substr(0, footer_line_prefix.size()) != footer_line_prefix) damaged(file, "the footer line prefix is wrong");
  if (bytes.substr(text_footer_checked_size, 7) != " check=" || bytes.back() != '\n')
    damaged(file, "the footer line's check field is misplaced");
  if (check_of(bytes.substr(0, text_footer_checked_size)) != bytes.substr(text_footer_checked_size + 7, 16))
    damaged(file, "its check value does not match");
  std::size_t pos = footer_line_prefix.size();
  std::uint64_t major = 0, minor = 0, flags = 0;
  std::uint64_t sha_hi = 0;
  bool ok = parse_field(bytes, pos, "major=", 5, 10, major) && parse_field(bytes, pos, " minor=", 5, 10, minor) &&
            parse_field(bytes, pos, " flags=", 8, 16, flags) &&
            parse_field(bytes, pos, " manifest_offset=", 20, 10, f.manifest_offset) &&
            parse_field(bytes, pos, " manifest_length=", 20, 10, f.manifest_length) &&
            bytes.substr(pos, 17) == " manifest_sha256=";
  if (ok) {
    pos += 17;
    for (std::size_t i = 0; i < 32 && ok; ++i) {
      std::size_t p2 = pos + 2 * i;
      ok = parse_field(bytes, p2, "", 2, 16, sha_hi);
      if (ok) f.manifest_sha256[i] = static_cast<std::uint8_t>(sha_hi);
    }
    pos += 64;
  }
  if (!ok || pos != text_footer_checked_size || major > 0xffff || minor > 0xffff)
    damaged(file, "the footer line is malformed");
  f.major = static_cast<std::uint16_t>(major);
  f.minor = static_cast<std::uint16_t>(minor);
  f.flags = static_cast<std::uint32_t>(flags);
  check_major(f, file);
  return f;
}

}  // namespace immichbak::format
