#pragma once
// Recognises the statement shapes of pg_dump / pg_dumpall output that a restore must
// treat specially: statements about a database as a whole (they name it, so they must
// follow it to the scratch database or be skipped), cluster-wide objects (roles,
// tablespaces), the roles a statement needs, and session settings. Pure functions over
// one statement's text.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace immichbak::sqlscript {

/// A statement that names a database at the database level.
struct database_statement {
  enum class kind {
    none,
    create,              ///< CREATE DATABASE name ...
    drop,                ///< DROP DATABASE [IF EXISTS] name
    alter,               ///< ALTER DATABASE name ...
    comment,             ///< COMMENT ON DATABASE name IS ...
    privileges,          ///< GRANT/REVOKE ... ON DATABASE name ...
    security_label,      ///< SECURITY LABEL ... ON DATABASE name IS ...
    role_setting,        ///< ALTER ROLE r IN DATABASE name SET ...
    update_pg_database,  ///< UPDATE pg_catalog.pg_database ... WHERE datname = 'name' (pg_dumpall --clean)
  };
  kind what = kind::none;
  std::string name;
  std::size_t begin = 0;  ///< the name's bytes in the statement (empty range for update_pg_database)
  std::size_t end = 0;
  bool owner = false;                      ///< ALTER DATABASE name OWNER TO ...
  std::optional<std::string> search_path;  ///< ALTER DATABASE name SET search_path TO <this>
  std::optional<std::string> encoding;     ///< CREATE DATABASE ... ENCODING = '<this>'
};

database_statement database_reference(std::string_view statement);

/// `statement` with the database name at [ref.begin, ref.end) replaced by `new_name`
/// (quoted as an identifier).
std::string rename_database(std::string_view statement, const database_statement& ref, const std::string& new_name);

/// Cluster-wide objects.
struct global_statement {
  enum class kind { none, create_role, drop_role, create_tablespace, drop_tablespace };
  kind what = kind::none;
  std::string name;
};
global_statement global_reference(std::string_view statement);

/// Roles a statement needs to exist: ALTER ... OWNER TO r, GRANT ... TO r, REVOKE ... FROM
/// r, GRANT r TO ..., GRANTED BY r, ALTER DEFAULT PRIVILEGES FOR ROLE r, SET SESSION
/// AUTHORIZATION / SET ROLE. PUBLIC and CURRENT_USER-style words are left out.
std::vector<std::string> referenced_roles(std::string_view statement);

/// ALTER ... OWNER TO ... and SET SESSION AUTHORIZATION (what --no-owner leaves out).
bool is_ownership_statement(std::string_view statement);
/// GRANT, REVOKE, ALTER DEFAULT PRIVILEGES (what --no-privileges leaves out).
bool is_privilege_statement(std::string_view statement);
/// GRANT role TO role / REVOKE role FROM role (no ON: role membership, cluster-wide).
bool is_role_membership_statement(std::string_view statement);
/// ALTER SCHEMA public OWNER TO, GRANT/REVOKE ... ON SCHEMA public, COMMENT ON SCHEMA
/// public: what pg_dump writes into every database whose public schema differs from its
/// own version's defaults (pg_dump 15+ dumping a 14 server: owner and ACL of every
/// database, template1 and postgres included).
bool is_public_schema_statement(std::string_view statement);
/// SET/RESET and SELECT pg_catalog.set_config(...): session state only, no content.
bool is_session_statement(std::string_view statement);
/// pg_dump's `SELECT pg_catalog.set_config('search_path', '', false);`.
bool is_empty_search_path_statement(std::string_view statement);
/// The value of `SET client_encoding = '...'`.
std::optional<std::string> client_encoding_setting(std::string_view statement);

struct extension_statement {
  std::string name;
  std::string schema;  ///< empty when not given
};
/// CREATE EXTENSION [IF NOT EXISTS] name [WITH] [SCHEMA s] ...
std::optional<extension_statement> create_extension(std::string_view statement);

/// COPY's table as written (e.g. `public."user"`), for progress and messages.
std::string copy_table(std::string_view statement);

}  // namespace immichbak::sqlscript
