// DDL for the pre-data objects: extensions, schemas, types, routines, sequences, tables,
// views and materialized views. Every identifier goes through util::sql::ident/qualified;
// deparsed text from the server (types, expressions, definitions) is pasted as is.
#include "schema/ddl.hpp"

#include "util/sql_quote.hpp"
#include "util/text.hpp"

#include <immichbak/error.hpp>

#include <fmt/format.h>

namespace immichbak::schema {

namespace {

std::string sequence_option_text(const sequence_options& o, std::string_view indent) {
  std::string out;
  out += fmt::format("{}START WITH {}", indent, o.start);
  out += fmt::format("{}INCREMENT BY {}", indent, o.increment);
  out += fmt::format("{}MINVALUE {}", indent, o.min);
  out += fmt::format("{}MAXVALUE {}", indent, o.max);
  out += fmt::format("{}CACHE {}", indent, o.cache);
  if (o.cycle) out += fmt::format("{}CYCLE", indent);
  return out;
}

bool is_partition(const relation_info& r) { return !r.partition_parent.empty(); }

/// The name of a column's NOT NULL constraint (PostgreSQL 18+).
std::string not_null_name(const relation_info& r, const column_info& c) {
  return c.not_null_name.empty() ? r.name + "_" + c.name + "_not_null" : c.not_null_name;
}

/// A column's NOT NULL as CREATE TABLE says it: named where the name is not the server's
/// choice, NO INHERIT where set (both PostgreSQL 18+).
std::string not_null_clause(const column_info& c) {
  std::string out = c.not_null_name.empty() ? " NOT NULL" : " CONSTRAINT " + util::sql::ident(c.not_null_name) + " NOT NULL";
  if (c.not_null_no_inherit) out += " NO INHERIT";
  return out;
}

/// An identity column whose sequence has another type (ALTER SEQUENCE ... AS bigint on an
/// integer column, as Immich 3.x's migrations leave behind).
bool identity_type_differs(const column_info& c) {
  return c.identity && !c.identity_sequence_name.empty() && c.identity_options.data_type != c.type;
}

/// ALTER SEQUENCE ... AS type with every option: the type change first resets bounds that
/// were the old type's limits, so the options are restated in the same statement.
std::string identity_type_fix(const column_info& c) {
  if (!identity_type_differs(c)) return {};
  return fmt::format("ALTER SEQUENCE {}\n    AS {}{};\n", util::sql::qualified(c.identity_sequence_schema, c.identity_sequence_name),
                     c.identity_options.data_type, sequence_option_text(c.identity_options, "\n    "));
}

/// Columns that CREATE TABLE prints: local ones; partitions print all (pg_dump does the
/// same, and ATTACH PARTITION then marks them inherited).
bool prints_column(const relation_info& r, const column_info& c) { return c.is_local || is_partition(r); }

std::string column_definition(const relation_info& r, const column_info& c, const std::set<std::uint32_t>& omitted) {
  std::string out = util::sql::ident(c.name) + " " + c.type;
  if (!c.collation.empty()) out += " COLLATE " + c.collation;
  if (c.generated == 's' && c.default_expr) {
    out += " GENERATED ALWAYS AS (" + *c.default_expr + ") STORED";
  } else if (c.default_expr && !omitted.count(c.default_oid)) {
    out += " DEFAULT " + *c.default_expr;
  }
  if (c.not_null) out += not_null_clause(c);
  // A partition's identity comes from its parent (PostgreSQL 17), with no sequence of its own.
  // A sequence whose type differs from the column's gets its options after CREATE TABLE
  // (identity_type_fix): the identity clause takes no AS, and its bounds may not fit.
  if (c.identity && !c.identity_sequence_name.empty()) {
    out += fmt::format(" GENERATED {} AS IDENTITY (\n        SEQUENCE NAME {}{}\n    )",
                       c.identity == 'a' ? "ALWAYS" : "BY DEFAULT",
                       util::sql::qualified(c.identity_sequence_schema, c.identity_sequence_name),
                       identity_type_differs(c) ? "" : sequence_option_text(c.identity_options, "\n        "));
  }
  (void)r;
  return out;
}

std::string column_comments(const relation_info& r) {
  std::string out;
  std::string rel = util::sql::qualified(r.schema, r.name);
  for (const auto& c : r.columns) {
    out += comment_statement(fmt::format("COLUMN {}.{}", rel, util::sql::ident(c.name)), c.comment);
    if (c.not_null)
      out += comment_statement(fmt::format("CONSTRAINT {} ON {}", util::sql::ident(not_null_name(r, c)), rel), c.not_null_comment);
  }
  return out;
}

/// Per-column settings that CREATE TABLE cannot say: statistics targets, storage,
/// compression, attribute options, and defaults/NOT NULL of inherited-only columns.
std::string column_alters(const relation_info& r, const std::set<std::uint32_t>& omitted) {
  std::string out;
  std::string alter = fmt::format("ALTER {} ONLY {} ALTER COLUMN ", relation_keyword(r.kind), util::sql::qualified(r.schema, r.name));
  if (r.kind == relation_kind::matview || r.kind == relation_kind::view)
    alter = fmt::format("ALTER {} {} ALTER COLUMN ", relation_keyword(r.kind), util::sql::qualified(r.schema, r.name));
  for (const auto& c : r.columns) {
    std::string col = util::sql::ident(c.name);
    bool table = r.kind == relation_kind::table || r.kind == relation_kind::partitioned_table;
    if (table && !prints_column(r, c)) {
      if (c.not_null && !c.parent_not_null) {
        if (c.not_null_name.empty() && !c.not_null_no_inherit)
          out += alter + col + " SET NOT NULL;\n";
        else
          out += fmt::format("ALTER TABLE ONLY {} ADD CONSTRAINT {} NOT NULL {}{};\n", util::sql::qualified(r.schema, r.name),
                             util::sql::ident(not_null_name(r, c)), col, c.not_null_no_inherit ? " NO INHERIT" : "");
      }
      if (c.default_expr && c.generated == 0 && !omitted.count(c.default_oid))
        out += alter + col + " SET DEFAULT " + *c.default_expr + ";\n";
      else if (!c.default_expr && c.parent_has_default)
        out += alter + col + " DROP DEFAULT;\n";
    }
    if (r.kind == relation_kind::view && c.default_expr)
      out += alter + col + " SET DEFAULT " + *c.default_expr + ";\n";
    if (c.stattarget >= 0) out += fmt::format("{}{} SET STATISTICS {};\n", alter, col, c.stattarget);
    if (!c.storage.empty()) out += fmt::format("{}{} SET STORAGE {};\n", alter, col, c.storage);
    if (!c.compression.empty()) out += fmt::format("{}{} SET COMPRESSION {};\n", alter, col, c.compression);
    if (!c.options.empty()) out += fmt::format("{}{} SET ({});\n", alter, col, util::join(c.options, ", "));
  }
  return out;
}

std::string view_tail(const relation_info& r) {
  return column_alters(r, {}) + comment_statement(fmt::format("{} {}", relation_keyword(r.kind), util::sql::qualified(r.schema, r.name)), r.comment) +
         column_comments(r);
}

}  // namespace

const char* routine_keyword(routine_kind k) {
  switch (k) {
    case routine_kind::procedure: return "PROCEDURE";
    case routine_kind::aggregate: return "AGGREGATE";
    default: return "FUNCTION";
  }
}

const char* relation_keyword(relation_kind k) {
  switch (k) {
    case relation_kind::view: return "VIEW";
    case relation_kind::matview: return "MATERIALIZED VIEW";
    default: return "TABLE";
  }
}

std::string routine_signature(const routine_info& r) {
  return fmt::format("{}({})", util::sql::qualified(r.schema, r.name), r.identity_args);
}

std::string owner_statement(std::string_view keyword, std::string_view object, std::string_view owner) {
  return fmt::format("ALTER {} {} OWNER TO {};\n", keyword, object, util::sql::ident(owner));
}

std::string extension_ddl(const extension_info& e) {
  return fmt::format("CREATE EXTENSION IF NOT EXISTS {} WITH SCHEMA {};\n", util::sql::ident(e.name), util::sql::ident(e.schema)) +
         comment_statement("EXTENSION " + util::sql::ident(e.name), e.comment);
}

std::string schema_ddl(const schema_info& s, bool target_may_exist) {
  if (s.is_public) {
    // A new database already has it, commented 'standard public schema'; one recreated by
    // Immich's restore has no comment.
    if (s.comment && *s.comment == "standard public schema" && !target_may_exist) return {};
    if (!s.comment) return "COMMENT ON SCHEMA \"public\" IS NULL;\n";
    return comment_statement("SCHEMA \"public\"", s.comment);
  }
  return fmt::format("CREATE SCHEMA {};\n", util::sql::ident(s.name)) + comment_statement("SCHEMA " + util::sql::ident(s.name), s.comment);
}

std::string type_ddl(const type_info& t) {
  std::string name = util::sql::qualified(t.schema, t.name);
  std::string out;
  switch (t.kind) {
    case type_kind::enum_type: {
      std::vector<std::string> labels;
      for (const auto& l : t.enum_labels) labels.push_back("    " + util::sql::literal(l));
      out = fmt::format("CREATE TYPE {} AS ENUM (\n{}\n);\n", name, util::join(labels, ",\n"));
      if (t.enum_labels.empty()) out = fmt::format("CREATE TYPE {} AS ENUM ();\n", name);
      out += comment_statement("TYPE " + name, t.comment);
      break;
    }
    case type_kind::domain: {
      out = fmt::format("CREATE DOMAIN {} AS {}", name, t.base_type);
      if (!t.collation.empty()) out += " COLLATE " + t.collation;
      if (t.default_expr) out += " DEFAULT " + *t.default_expr;
      if (t.not_null) out += " NOT NULL";
      for (const auto& c : t.constraints)
        if (c.validated) out += fmt::format("\n    CONSTRAINT {} {}", util::sql::ident(c.name), c.definition);
      out += ";\n";
      out += comment_statement("DOMAIN " + name, t.comment);
      for (const auto& c : t.constraints)
        if (c.validated)
          out += comment_statement(fmt::format("CONSTRAINT {} ON DOMAIN {}", util::sql::ident(c.name), name), c.comment);
      break;
    }
    case type_kind::composite: {
      std::vector<std::string> attrs;
      for (const auto& a : t.attributes)
        attrs.push_back("    " + util::sql::ident(a.name) + " " + a.type + (a.collation.empty() ? "" : " COLLATE " + a.collation));
      out = attrs.empty() ? fmt::format("CREATE TYPE {} AS (\n);\n", name)
                          : fmt::format("CREATE TYPE {} AS (\n{}\n);\n", name, util::join(attrs, ",\n"));
      out += comment_statement("TYPE " + name, t.comment);
      for (const auto& a : t.attributes)
        out += comment_statement(fmt::format("COLUMN {}.{}", name, util::sql::ident(a.name)), a.comment);
      break;
    }
    case type_kind::range: {
      std::vector<std::string> opts{"    subtype = " + t.subtype};
      if (!t.multirange_name.empty()) opts.push_back("    multirange_type_name = " + t.multirange_name);
      if (!t.subtype_opclass.empty()) opts.push_back("    subtype_opclass = " + t.subtype_opclass);
      if (!t.collation.empty()) opts.push_back("    collation = " + t.collation);
      if (!t.subtype_diff.empty()) opts.push_back("    subtype_diff = " + t.subtype_diff);
      out = fmt::format("CREATE TYPE {} AS RANGE (\n{}\n);\n", name, util::join(opts, ",\n"));
      out += comment_statement("TYPE " + name, t.comment);
      break;
    }
  }
  return out;
}

namespace {
std::string aggregate_ddl(const routine_info& r) {
  const auto& a = r.aggregate;
  std::vector<std::string> opts;
  opts.push_back("    SFUNC = " + a.sfunc);
  opts.push_back("    STYPE = " + a.stype);
  if (a.sspace) opts.push_back(fmt::format("    SSPACE = {}", a.sspace));
  if (!a.finalfunc.empty()) opts.push_back("    FINALFUNC = " + a.finalfunc);
  if (a.finalfunc_extra) opts.push_back("    FINALFUNC_EXTRA");
  auto modify = [](char m) { return m == 's' ? "SHAREABLE" : m == 'w' ? "READ_WRITE" : "READ_ONLY"; };
  // The server's default is READ_ONLY for normal aggregates and READ_WRITE for
  // ordered-set ones; saying it explicitly is always accepted.
  if (!a.finalfunc.empty()) opts.push_back(fmt::format("    FINALFUNC_MODIFY = {}", modify(a.finalfunc_modify)));
  if (!a.combinefunc.empty()) opts.push_back("    COMBINEFUNC = " + a.combinefunc);
  if (!a.serialfunc.empty()) opts.push_back("    SERIALFUNC = " + a.serialfunc);
  if (!a.deserialfunc.empty()) opts.push_back("    DESERIALFUNC = " + a.deserialfunc);
  if (a.initcond) opts.push_back("    INITCOND = " + util::sql::literal(*a.initcond));
  if (!a.msfunc.empty()) {
    opts.push_back("    MSFUNC = " + a.msfunc);
    opts.push_back("    MINVFUNC = " + a.minvfunc);
    opts.push_back("    MSTYPE = " + a.mstype);
    if (a.msspace) opts.push_back(fmt::format("    MSSPACE = {}", a.msspace));
    if (!a.mfinalfunc.empty()) {
      opts.push_back("    MFINALFUNC = " + a.mfinalfunc);
      if (a.mfinalfunc_extra) opts.push_back("    MFINALFUNC_EXTRA");
      opts.push_back(fmt::format("    MFINALFUNC_MODIFY = {}", modify(a.mfinalfunc_modify)));
    }
    if (a.minitcond) opts.push_back("    MINITCOND = " + util::sql::literal(*a.minitcond));
  }
  if (!a.sortop.empty()) opts.push_back("    SORTOP = " + a.sortop);
  if (a.parallel == 's') opts.push_back("    PARALLEL = safe");
  if (a.parallel == 'r') opts.push_back("    PARALLEL = restricted");
  if (a.kind == 'h') opts.push_back("    HYPOTHETICAL");
  std::string args = r.identity_args.empty() ? "*" : r.identity_args;
  return fmt::format("CREATE AGGREGATE {}({}) (\n{}\n);\n", util::sql::qualified(r.schema, r.name), args, util::join(opts, ",\n"));
}
}  // namespace

std::string routine_ddl(const routine_info& r) {
  std::string out;
  if (r.kind == routine_kind::aggregate) {
    out = aggregate_ddl(r);
  } else {
    out = r.definition;
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
    out += ";\n";
  }
  return out + comment_statement(fmt::format("{} {}", routine_keyword(r.kind),
                                             r.kind == routine_kind::aggregate && r.identity_args.empty()
                                                 ? util::sql::qualified(r.schema, r.name) + "(*)"
                                                 : routine_signature(r)),
                                 r.comment);
}

std::string sequence_ddl(const sequence_info& s) {
  std::string name = util::sql::qualified(s.schema, s.name);
  return fmt::format("CREATE {}SEQUENCE {}\n    AS {}{};\n", s.unlogged ? "UNLOGGED " : "", name, s.options.data_type,
                     sequence_option_text(s.options, "\n    ")) +
         comment_statement("SEQUENCE " + name, s.comment);
}

std::string relation_ddl(const relation_info& r, const std::vector<sequence_info>& owned_sequences,
                         const std::set<std::uint32_t>& omitted) {
  std::string name = util::sql::qualified(r.schema, r.name);
  if (r.kind == relation_kind::view) {
    std::string with = r.reloptions.empty() ? "" : " WITH (" + options_list(r.reloptions) + ")";
    return fmt::format("CREATE VIEW {}{} AS\n{};\n", name, with, r.view_definition) + view_tail(r);
  }
  if (r.kind == relation_kind::matview) {
    std::string using_am = r.access_method.empty() ? "" : " USING " + util::sql::ident(r.access_method);
    std::string with = r.reloptions.empty() ? "" : " WITH (" + options_list(r.reloptions) + ")";
    return fmt::format("CREATE MATERIALIZED VIEW {}{}{} AS\n{}\n  WITH NO DATA;\n", name, using_am, with, r.view_definition) +
           view_tail(r);
  }
  std::vector<std::string> items;
  for (const auto& c : r.columns)
    if (prints_column(r, c)) items.push_back("    " + column_definition(r, c, omitted));
  for (const auto& ck : r.checks) {
    // Inherited-only constraints come with INHERITS; partitions print them all (ATTACH
    // PARTITION requires them and marks them inherited). NOT VALID ones follow the data.
    if (!ck.validated || omitted.count(ck.oid)) continue;
    if (!ck.is_local && !is_partition(r)) continue;
    items.push_back(fmt::format("    CONSTRAINT {} {}", util::sql::ident(ck.name), ck.definition));
  }
  std::string out = fmt::format("CREATE {}TABLE {} (\n{}{})", r.unlogged ? "UNLOGGED " : "", name, util::join(items, ",\n"),
                                items.empty() ? "" : "\n");
  if (!r.inherits.empty() && !is_partition(r)) out += "\nINHERITS (" + util::join(r.inherits, ", ") + ")";
  if (!r.partition_key.empty()) out += "\nPARTITION BY " + r.partition_key;
  if (!r.reloptions.empty()) out += "\nWITH (" + options_list(r.reloptions) + ")";
  out += ";\n";
  if (is_partition(r)) out += fmt::format("ALTER TABLE ONLY {} ATTACH PARTITION {} {};\n", r.partition_parent, name, r.partition_bound);
  out += column_alters(r, omitted);
  for (const auto& c : r.columns)
    if (prints_column(r, c)) out += identity_type_fix(c);
  if (r.replica_identity == 'n') out += fmt::format("ALTER TABLE ONLY {} REPLICA IDENTITY NOTHING;\n", name);
  if (r.replica_identity == 'f') out += fmt::format("ALTER TABLE ONLY {} REPLICA IDENTITY FULL;\n", name);
  for (const auto& s : owned_sequences)
    out += fmt::format("ALTER SEQUENCE {} OWNED BY {}.{};\n", util::sql::qualified(s.schema, s.name), name, util::sql::ident(s.owned_by_column));
  out += comment_statement("TABLE " + name, r.comment);
  out += column_comments(r);
  for (const auto& ck : r.checks)
    if (ck.validated && !omitted.count(ck.oid) && (ck.is_local || is_partition(r)))
      out += comment_statement(fmt::format("CONSTRAINT {} ON {}", util::sql::ident(ck.name), name), ck.comment);
  return out;
}

std::string view_shell_ddl(const relation_info& r) {
  std::vector<std::string> cols;
  for (const auto& c : r.columns) cols.push_back(fmt::format("NULL::{} AS {}", c.type, util::sql::ident(c.name)));
  return fmt::format("CREATE VIEW {} AS\n SELECT {};\n", util::sql::qualified(r.schema, r.name), util::join(cols, ",\n    "));
}

std::string view_body_ddl(const relation_info& r) {
  std::string with = r.reloptions.empty() ? "" : " WITH (" + options_list(r.reloptions) + ")";
  return fmt::format("CREATE OR REPLACE VIEW {}{} AS\n{};\n", util::sql::qualified(r.schema, r.name), with, r.view_definition) +
         view_tail(r);
}

std::string split_part_ddl(const relation_info& r, std::uint32_t part) {
  std::string name = util::sql::qualified(r.schema, r.name);
  for (const auto& c : r.columns)
    if (c.default_oid == part && c.default_expr)
      return fmt::format("ALTER TABLE ONLY {} ALTER COLUMN {} SET DEFAULT {};\n", name, util::sql::ident(c.name), *c.default_expr);
  for (const auto& ck : r.checks)
    if (ck.oid == part)
      return fmt::format("ALTER TABLE {}{} ADD CONSTRAINT {} {};\n", r.has_children ? "" : "ONLY ", name, util::sql::ident(ck.name),
                         ck.definition) +
             comment_statement(fmt::format("CONSTRAINT {} ON {}", util::sql::ident(ck.name), name), ck.comment);
  throw error(errc::internal, fmt::format("no default or constraint {} on table {}", part, name));
}

}  // namespace immichbak::schema
