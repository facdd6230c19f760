#pragma once
// COPY text rows turned into COPY binary tuples, for the columns where that saves the
// server most of a restore's work.
//
// Why: Immich's embeddings (vector(512), ~88 % of a dump) arrive as decimal text, and a
// server parsing 512 floats per row with strtof spends about 40 % of a restore's CPU on
// it. The client parses them faster (an exact fast path for short mantissas, else
// std::from_chars; both round correctly, as strtof does) and sends the floats' bits, which
// the server only copies.
//
// Only what can be reproduced exactly is encoded; everything else keeps the text path:
//   - kinds: uuid, one-dimensional real[] (float4[]), pgvector's vector;
//   - values exactly as the server's output functions write them: plain decimal numbers,
//     no NULL array elements, no NaN / Infinity / subnormals, no spaces, no escapes;
//   - a type is used only after encode_value() reproduced the server's own send function
//     byte for byte on probe values (load/binary_types.hpp), so a server or extension
//     whose binary format differs never gets binary rows.
// A frame holding one row the encoder declines is loaded as text, whole.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace immichbak::load {

enum class binary_kind { uuid, float4_array, vector };

/// Appends the binary form of one COPY text value (no length word), or returns false,
/// leaving `out` as it was, when `text` is not in the exact form the encoder reproduces.
bool encode_value(binary_kind kind, std::string_view text, std::string& out);

/// Binary COPY's file header and trailer.
std::string_view binary_copy_header();
std::string_view binary_copy_trailer();

/// Appends one binary tuple for a text row (without its newline): the field count, then
/// per column its length (-1 for \N) and bytes. False, `out` unchanged, when the row has
/// another column count or a value encode_value() declines.
bool encode_row(const std::vector<binary_kind>& columns, std::string_view row, std::string& out);

/// The names in a COPY column list as parse_copy_line() returns it: ("a", "b ""c""").
/// nullopt when it is not such a list.
std::optional<std::vector<std::string>> split_column_list(std::string_view list);

}  // namespace immichbak::load
