#pragma once
// A first pass over a whole psql script that runs nothing: what the script will do, so a
// restore can decide (and refuse) before it touches the server. Reading the whole file
// also proves it decompresses, is complete (pg_dump's closing comment) and splits
// cleanly -- a damaged .gz is found here, not half-way through loading.

#include <immichbak/events.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace immichbak::sqlscript {

class byte_source;

/// The statements between two \connect commands (the first section is everything before
/// the first \connect, with name "").
struct script_section {
  std::string name;                   ///< the database \connect named
  std::uint64_t line = 0;             ///< of its first \connect
  /// Statements other than session settings, statements about a database as a whole,
  /// and role/tablespace statements: the objects and data it creates.
  std::uint64_t content = 0;
  std::uint64_t first_content_line = 0;
  /// Of `content`: statements about the public schema's owner, privileges or comment only
  /// (is_public_schema_statement), which pg_dump writes for version defaults too.
  std::uint64_t public_schema = 0;
  std::vector<std::string> extension_schemas;  ///< WITH SCHEMA of CREATE EXTENSION, in order
  std::vector<std::string> extensions;
  std::map<std::string, std::uint64_t> owner_roles;      ///< role -> first line (OWNER TO, SET ROLE, ...)
  std::map<std::string, std::uint64_t> privilege_roles;  ///< role -> first line (GRANT/REVOKE)
};

struct script_survey {
  enum class producer { unknown, pg_dump, pg_dumpall };
  producer made_by = producer::unknown;
  /// The producer's closing "-- PostgreSQL database [cluster] dump complete" is there.
  bool complete = false;
  std::vector<script_section> sections;         ///< in order of first appearance, merged by name
  std::vector<std::string> created_databases;   ///< CREATE DATABASE names, in order
  /// Names of databases that other database-level statements (ALTER/COMMENT/GRANT ... ON
  /// DATABASE, ALTER ROLE ... IN DATABASE) touch, with the first line.
  std::map<std::string, std::uint64_t> database_statements;
  std::map<std::string, std::string> database_search_path;  ///< from ALTER DATABASE x SET search_path TO ...
  std::map<std::string, std::string> database_encoding;     ///< from CREATE DATABASE ... ENCODING
  std::optional<std::string> client_encoding;               ///< the first SET client_encoding
  std::vector<std::string> roles_created;
  std::vector<std::string> tablespaces_created;
  bool sets_database_owner = false;  ///< ALTER DATABASE ... OWNER TO
  std::uint64_t statements = 0;
  std::uint64_t copy_blocks = 0;
  std::uint64_t lines = 0;
  std::uint64_t plain_bytes = 0;
  /// Meta-commands the executor would refuse ("\i at line 12"), first few.
  std::vector<std::string> unsupported_meta;

  /// Distinct \connect targets, in order.
  std::vector<std::string> connect_targets() const;
  const script_section* section(const std::string& name) const;
};

/// Reads all of `source`. Throws error(corrupt_backup) for damaged or truncated input
/// (from the decoder or the splitter). Progress goes to `events` under `phase`.
script_survey survey_script(byte_source& source, const event_sink* events = nullptr,
                            const std::string& phase = "scan");

}  // namespace immichbak::sqlscript
