// Objects schema capture cannot reproduce, each reported by name so the backup stops
// instead of leaving it out (silent omission is the worst bug a backup tool can have).
#include "schema/catalog/context.hpp"

#include <fmt/format.h>

namespace immichbak::schema::detail {

namespace {

/// Each row of `sql` (one text column: the object's name) is an unsupported object.
void refuse_all(read_context& ctx, const std::string& sql, const std::string& kind, const std::string& hint) {
  auto rows = ctx.query(sql);
  for (int i = 0; i < rows.size(); ++i) ctx.refuse(kind, rows.result().str(i, 0), hint);
}

}  // namespace

void read_unsupported(read_context& ctx) {
  const std::string custom = "pg_dump can dump it; immichbak refuses rather than leave it out";
  // One entry for all large objects: there may be millions.
  refuse_all(ctx, "SELECT pg_catalog.max(o.total)::text || ' (oid ' || pg_catalog.string_agg(o.oid::text, ', ' ORDER BY o.oid) || "
                  "CASE WHEN pg_catalog.max(o.total) > 10 THEN ', ...' ELSE '' END || ')' FROM (SELECT oid, pg_catalog.count(*) "
                  "OVER () AS total FROM pg_catalog.pg_largeobject_metadata ORDER BY oid LIMIT 10) o HAVING pg_catalog.count(*) > 0",
                  "large objects:", "large objects are not used by Immich; export them with lo_export and remove them (lo_unlink)");
  refuse_all(ctx, "SELECT pg_catalog.quote_ident(pubname) FROM pg_catalog.pg_publication ORDER BY 1", "publication",
                  "logical replication setup is not part of a backup; drop it or recreate it after restore");
  refuse_all(ctx, "SELECT pg_catalog.quote_ident(subname) FROM pg_catalog.pg_subscription WHERE subdbid = " + ctx.database_oid + " ORDER BY 1",
                  "subscription", "logical replication setup is not part of a backup; drop it or recreate it after restore");
  auto nonext = [](const char* cat, const char* alias) { return not_extension_member(cat, std::string(alias) + ".oid"); };
  refuse_all(ctx, fmt::format("SELECT pg_catalog.format('%I.%I', n.nspname, c.relname) FROM pg_catalog.pg_class c "
                              "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'f' AND {} ORDER BY 1",
                              nonext("pg_class", "c")),
                  "foreign table", "foreign data wrappers are not supported");
  refuse_all(ctx, fmt::format("SELECT pg_catalog.quote_ident(s.srvname) FROM pg_catalog.pg_foreign_server s WHERE {} ORDER BY 1",
                              nonext("pg_foreign_server", "s")),
                  "foreign server", "foreign data wrappers are not supported");
  refuse_all(ctx, fmt::format("SELECT pg_catalog.quote_ident(w.fdwname) FROM pg_catalog.pg_foreign_data_wrapper w WHERE {} ORDER BY 1",
                              nonext("pg_foreign_data_wrapper", "w")),
                  "foreign-data wrapper", "foreign data wrappers are not supported");
  refuse_all(ctx, "SELECT pg_catalog.quote_ident(usename) || ' on ' || pg_catalog.quote_ident(srvname) FROM "
                  "pg_catalog.pg_user_mappings ORDER BY 1",
                  "user mapping", "foreign data wrappers are not supported");
  refuse_all(ctx, fmt::format("SELECT pg_catalog.quote_ident(e.evtname) FROM pg_catalog.pg_event_trigger e WHERE {} ORDER BY 1",
                              nonext("pg_event_trigger", "e")),
                  "event trigger", "event triggers are database-wide hooks; drop it before the backup and recreate it after restore");
  struct simple {
    const char *catalog, *kind, *name_sql, *ns_col;
  };
  const simple kinds[] = {
      {"pg_operator", "operator", "pg_catalog.format('%I.%s', n.nspname, x.oprname)", "oprnamespace"},
      {"pg_opclass", "operator class", "pg_catalog.format('%I.%I', n.nspname, x.opcname)", "opcnamespace"},
      {"pg_opfamily", "operator family", "pg_catalog.format('%I.%I', n.nspname, x.opfname)", "opfnamespace"},
      {"pg_collation", "collation", "pg_catalog.format('%I.%I', n.nspname, x.collname)", "collnamespace"},
      {"pg_conversion", "conversion", "pg_catalog.format('%I.%I', n.nspname, x.conname)", "connamespace"},
      {"pg_ts_config", "text search configuration", "pg_catalog.format('%I.%I', n.nspname, x.cfgname)", "cfgnamespace"},
      {"pg_ts_dict", "text search dictionary", "pg_catalog.format('%I.%I', n.nspname, x.dictname)", "dictnamespace"},
      {"pg_ts_parser", "text search parser", "pg_catalog.format('%I.%I', n.nspname, x.prsname)", "prsnamespace"},
      {"pg_ts_template", "text search template", "pg_catalog.format('%I.%I', n.nspname, x.tmplname)", "tmplnamespace"},
  };
  for (const auto& k : kinds)
    refuse_all(ctx, fmt::format("SELECT {} FROM pg_catalog.{} x JOIN pg_catalog.pg_namespace n ON n.oid = x.{} "
                                "WHERE x.oid >= 16384 AND {} ORDER BY 1",
                                k.name_sql, k.catalog, k.ns_col, nonext(k.catalog, "x")),
                    k.kind, custom);
  refuse_all(ctx, fmt::format("SELECT pg_catalog.format('(%s AS %s)', pg_catalog.format_type(x.castsource, NULL), "
                              "pg_catalog.format_type(x.casttarget, NULL)) FROM pg_catalog.pg_cast x WHERE x.oid >= 16384 AND {} "
                              // Casts created with a range type's multirange belong to it.
                              "AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = "
                              "'pg_catalog.pg_cast'::pg_catalog.regclass AND d.objid = x.oid AND d.deptype = 'i') "
                              "ORDER BY 1",
                              nonext("pg_cast", "x")),
                  "cast", custom);
  refuse_all(ctx, fmt::format("SELECT pg_catalog.format('FOR %s LANGUAGE %I', pg_catalog.format_type(x.trftype, NULL), l.lanname) "
                              "FROM pg_catalog.pg_transform x JOIN pg_catalog.pg_language l ON l.oid = x.trflang "
                              "WHERE {} ORDER BY 1",
                              nonext("pg_transform", "x")),
                  "transform", custom);
  refuse_all(ctx, fmt::format("SELECT pg_catalog.quote_ident(x.amname) FROM pg_catalog.pg_am x WHERE x.oid >= 16384 AND {} ORDER BY 1",
                              nonext("pg_am", "x")),
                  "access method", custom);
  refuse_all(ctx, fmt::format("SELECT pg_catalog.quote_ident(x.lanname) FROM pg_catalog.pg_language x WHERE x.oid >= 16384 AND {} "
                              "ORDER BY 1",
                              nonext("pg_language", "x")),
                  "procedural language", "create the language through its extension (CREATE EXTENSION)");
  refuse_all(ctx, fmt::format("SELECT pg_catalog.format('%I.%I', n.nspname, t.typname) FROM pg_catalog.pg_type t "
                              "JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace WHERE {} AND {} AND t.typtype IN ('b', 'p') "
                              "AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_type e WHERE e.typarray = t.oid) ORDER BY 1",
                              user_schema_sql, nonext("pg_type", "t")),
                  "base or shell type", "types written in C are not supported unless they come from an extension");
  // Objects someone created inside the system schemas are not dumped by anyone.
  refuse_all(ctx, fmt::format("SELECT pg_catalog.format('%I.%I', n.nspname, c.relname) FROM pg_catalog.pg_class c "
                              "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.oid >= 16384 AND "
                              "n.nspname IN ('pg_catalog', 'information_schema') AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') "
                              "AND {} ORDER BY 1",
                              nonext("pg_class", "c")),
                  "relation in a system schema", "move it to a user schema");
  refuse_all(ctx, fmt::format("SELECT pg_catalog.format('%I.%I(%s)', n.nspname, p.proname, "
                              "pg_catalog.pg_get_function_identity_arguments(p.oid)) FROM pg_catalog.pg_proc p "
                              "JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace WHERE p.oid >= 16384 AND "
                              "n.nspname IN ('pg_catalog', 'information_schema') AND {} ORDER BY 1",
                              nonext("pg_proc", "p")),
                  "function in a system schema", "move it to a user schema");
  refuse_all(ctx, "SELECT pg_catalog.format('%s %s (provider %s)', objtype, objname, provider) FROM pg_catalog.pg_seclabels "
                  "WHERE objoid >= 16384 ORDER BY 1",
                  "security label", "security labels need their provider module; remove them before the backup");
}

}  // namespace immichbak::schema::detail
