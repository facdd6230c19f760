#pragma once
// One gzip member (RFC 1952) per frame, for the gzip variant (docs/format.md section 7a):
// how the writer makes one, the fixed-size member that holds the footer line, and how a
// reader decodes a member found at a known place with a known plain size.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace immichbak::format {

inline constexpr int gzip_min_level = 1;
inline constexpr int gzip_max_level = 12;  // libdeflate's levels; 1-9 mean what they mean to gzip

/// `plain` as one complete gzip member (no name, no extra fields) at `level`, written by
/// libdeflate (docs/dependencies.md). Thread-safe: each thread keeps its own compressor.
std::string gzip_member(std::string_view plain, int level);

/// `plain` (at most 65535 bytes) as a gzip member with one stored (uncompressed) deflate
/// block: its length is plain.size() + gzip_stored_overhead and the plain bytes sit at
/// offset gzip_stored_prefix, so a reader finds them at a fixed distance from the end.
std::string gzip_stored_member(std::string_view plain);
inline constexpr std::size_t gzip_stored_prefix = 10 + 5;  // member header, stored block header
/// The first gzip_stored_prefix bytes of gzip_stored_member() of `size` plain bytes: fixed,
/// so a reader can recognise such a member by them.
std::string gzip_stored_head(std::uint16_t size);
inline constexpr std::size_t gzip_stored_overhead = gzip_stored_prefix + 8;  // + CRC-32, ISIZE

/// The CRC-32 (zlib's) of `bytes`.
std::uint32_t crc32_of(std::string_view bytes);

/// Why a member could not be decoded; the reader adds which frame and file.
struct gzip_member_error {
  std::string what;
};

/// Decodes exactly one member whose `stored_size` bytes are handed out by `read(offset,
/// buffer, n)` (offsets relative to the member's start). Checks that it is a gzip member
/// without optional header fields, that it inflates to `plain_size` bytes (exactly, or
/// at most when `!exact`; never more: output beyond it is refused), that its CRC-32 and
/// ISIZE match and that it ends exactly at `stored_size`. Streams the plain bytes to
/// `sink` in pieces of at most `chunk` bytes. Returns an error instead of throwing so the
/// caller names the frame.
std::optional<gzip_member_error> inflate_member(
    std::uint64_t stored_size, std::uint64_t plain_size, bool exact, std::size_t chunk,
    const std::function<void(std::uint64_t offset, char* buffer, std::size_t n)>& read,
    const std::function<void(std::string_view)>& sink);

}  // namespace immichbak::format
