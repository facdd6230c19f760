#pragma once
// What a frame of ours may say (docs/format.md section 3.5). A backup file is only ever
// written by our writer, so every frame holds only the statements the writer emits for
// its section: the header the SET statements of format/header_sql; pre-data, post-data
// (by phase), owners and privileges the DDL shapes of schema/ddl_*.cpp; a data frame
// exactly one `COPY "schema"."table" (cols) FROM stdin;` block for the table its manifest
// entry names. Anything else -- DROP DATABASE, ALTER SYSTEM, COPY ... TO PROGRAM or to a
// file, CREATE ROLE, SET ROLE, a psql meta-command, a function in C or an untrusted
// language, a call of pg_read_file, lo_import, dblink, ... -- means the file is not what
// we wrote (a re-sealed or hand-made file): verify reports it, restore refuses the file
// before it changes anything.
//
// What this cannot prove: code inside function bodies runs when the server calls the
// function (a CHECK constraint, an index expression, a trigger). Bodies are scanned for
// the same dangerous statements and calls, including inside string literals, but code
// that builds a statement at run time can hide one. docs/reliability.md says so.

#include <immichbak/manifest.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace immichbak::sqlscript {

/// The first statement of a DDL frame (header, pre_data, post_data, owners, privileges)
/// that our writer would not have written there, as one sentence naming its line within
/// the frame and quoting its start; nullopt when every statement is allowed. Also refuses
/// frames that do not split into complete statements, hold NUL bytes or COPY data.
/// `plain` is the frame's whole plain text. Data frames: see parse_copy_line().
std::optional<std::string> check_frame_statements(const manifest_frame& frame, std::string_view plain);

/// A data frame's first line (without its newline), strictly: `COPY "schema"."table"
/// ("c1", "c2") FROM stdin;` naming exactly the manifest's table, both parts and every
/// column quoted as our writer quotes them, `, ` between columns; `COPY "s"."t" FROM
/// stdin;` for a table without columns. The one parser restore and verify share.
struct copy_line {
  bool ok = false;
  std::string columns;       ///< the column list as written, "(\"c1\", \"c2\")", or "" for none
  std::size_t count = 0;     ///< columns in the list
  std::string problem;       ///< when !ok: what is wrong, quoting the line's start
};
copy_line parse_copy_line(std::string_view line, std::string_view schema, std::string_view table);

}  // namespace immichbak::sqlscript
