#pragma once
// The fixed parts of the file format (docs/format.md sections 5-9): magic numbers, the
// footer in both variants, and the limits a reader enforces.

#include "format/sha256.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace immichbak::format {

inline constexpr int current_major = 1;
/// Minor 1 added the gzip variant and its `clean` frame; zstd and uncompressed files are
/// still written as 1.0 (nothing in them changed), gzip files as 1.1.
inline constexpr int current_minor = 0;
inline constexpr int gzip_minor = 1;

inline constexpr std::uint32_t zstd_frame_magic = 0xFD2FB528u;
inline constexpr std::uint32_t manifest_skippable_magic = 0x184D2A5Bu;
inline constexpr std::uint32_t footer_skippable_magic = 0x184D2A5Cu;
inline constexpr std::string_view footer_payload_magic{"IMBKFTR\0", 8};

inline constexpr std::size_t skippable_header_size = 8;
inline constexpr std::size_t footer_payload_size = 72;
inline constexpr std::size_t binary_footer_size = skippable_header_size + footer_payload_size;  // 80

inline constexpr std::string_view manifest_line_prefix = "-- immichbak-manifest ";
inline constexpr std::string_view footer_line_prefix = "-- immichbak-footer ";
inline constexpr std::size_t text_footer_size = 237;
inline constexpr std::size_t text_footer_checked_size = 213;  // bytes before " check="
/// Gzip variant: the footer line inside a gzip member of one stored block (gzip_member.hpp).
inline constexpr std::size_t gzip_footer_size = 260;  // 10 + 5 + 237 + 8
inline constexpr std::size_t footer_tail_max = gzip_footer_size;  // bytes a reader looks at

/// Reader limits (docs/format.md section 9).
inline constexpr std::uint64_t max_manifest_bytes = 64ull << 20;
inline constexpr int max_manifest_json_depth = 32;
inline constexpr int writer_window_log_max = 23;
inline constexpr int reader_window_log_max = 24;
inline constexpr std::uint64_t max_frame_string_bytes = 256ull << 20;
inline constexpr std::size_t io_chunk_bytes = 128u << 10;

struct footer {
  std::uint16_t major = current_major;
  std::uint16_t minor = current_minor;
  std::uint32_t flags = 0;
  std::uint64_t manifest_offset = 0;
  std::uint64_t manifest_length = 0;
  sha256::digest manifest_sha256{};
};

/// The 80 bytes that end a compressed file.
std::string encode_binary_footer(const footer& f);
/// The 237-byte line that ends an uncompressed file.
std::string encode_text_footer(const footer& f);
/// The 260-byte gzip member (that line in one stored block) that ends a gzip file.
std::string encode_gzip_footer(const footer& f);

enum class footer_variant { binary, text, gzip };

/// Which footer form the file's tail (its last up to footer_tail_max bytes; `file_size` is
/// the whole file's size) carries, or nullopt when it has none (not a backup).
std::optional<footer_variant> detect_footer(std::string_view tail, std::uint64_t file_size);

/// Decodes a footer whose form detect_footer() recognised. `bytes` are exactly the footer's
/// bytes. Throws error(corrupt_backup) for a damaged footer and error(unsupported_format)
/// for an intact footer of an unknown major; `file` names the file in messages.
footer decode_footer(footer_variant v, std::string_view bytes, const std::filesystem::path& file);
/// The footer's size in each variant.
std::size_t footer_size(footer_variant v) noexcept;

/// Little-endian helpers.
void put_le32(std::string& out, std::uint32_t v);
void put_le64(std::string& out, std::uint64_t v);
std::uint32_t get_le32(const void* p) noexcept;
std::uint64_t get_le64(const void* p) noexcept;

}  // namespace immichbak::format
