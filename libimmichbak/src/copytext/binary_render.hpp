#pragma once
// Binary COPY rows rendered as the COPY text rows the server would have sent.
//
// Why: Immich's embeddings (real[] or pgvector's vector, nearly all of a dump's bytes) cost
// the server most of a backup's work formatting floats as text: `COPY smart_search TO
// STDOUT` takes 2.4 times as long as the same COPY in binary format. So by default (not with
// --text-copy) backup asks for binary COPY where every column has a kind below and writes
// the text here, in its parallel workers, so the file, its hashes and its psql restore are
// what text COPY gives (docs/performance.md has what it saves the server and costs the client).
//
// Each kind reproduces the server's output function under the backup's session settings
// (format/header_sql.hpp): extra_float_digits 3, bytea_output hex. A kind is used only after
// the server's own text output of probe values matched what render_value() makes of their
// binary form (copytext/binary_plan.hpp); any other column type keeps its table on text COPY.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace immichbak::copytext {

enum class render_kind {
  boolean,
  int2,
  int4,
  int8,
  float4,
  float8,
  text,   ///< text, varchar, bpchar, json: the bytes as they are
  jsonb,  ///< a version byte (1), then the text
  bytea,  ///< \x and hex
  uuid,
  int2_array,
  int4_array,
  int8_array,
  float4_array,
  float8_array,
  vector,  ///< pgvector: int16 dimensions, int16 unused, float4s; text [a,b,...]
};

/// The kind of a built-in type by its OID (the base type's, for a domain), or nullopt.
std::optional<render_kind> builtin_kind(std::uint32_t type_oid);

/// Appends the output-function text of one binary value of `kind`, before COPY's escaping.
/// Throws error(errc::internal) when the bytes are not a well-formed value of the kind.
void render_value(render_kind kind, std::string_view bytes, std::string& out);

/// Appends `text` with COPY text format's escapes (backslash, and \b \f \n \r \t \v).
void append_copy_escaped(std::string_view text, std::string& out);

/// Turns the CopyData messages of one `COPY ... TO STDOUT (FORMAT binary)` into text rows,
/// each handed to on_row with its newline, exactly as the text COPY would have sent them.
/// Messages may split the stream anywhere.
class binary_row_decoder {
 public:
  explicit binary_row_decoder(std::vector<render_kind> columns);

  void feed(std::string_view message, const std::function<void(std::string_view row)>& on_row);
  /// Throws error(errc::internal) unless the stream ended with its trailer.
  void finish() const;

 private:
  // Decodes what it can of `data`; returns how many bytes it used.
  std::size_t consume(std::string_view data, const std::function<void(std::string_view)>& on_row);

  std::vector<render_kind> columns_;
  std::string pending_;  ///< an incomplete header or tuple carried to the next message
  std::string row_;
  std::string value_;
  bool header_done_ = false;
  bool trailer_seen_ = false;
};

}  // namespace immichbak::copytext
