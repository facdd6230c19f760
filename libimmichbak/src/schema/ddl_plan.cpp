// Assembles the dump plan from a catalog: pre-data units in dependency order, the
// search_path unit, post-data units by phase, owners, privileges, the table list and the
// manifest facts (extensions, settings, roles). Pure: no server.
#include "schema/ddl.hpp"

#include "util/sql_quote.hpp"

#include <immichbak/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

namespace immichbak::schema {

namespace {

std::string dotted(const std::string& schema, const std::string& name) { return schema + "." + name; }

std::string strip_semicolon(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == ';')) s.pop_back();
  return s;
}

class plan_builder {
 public:
  plan_builder(const catalog& c, const capture_options& o) : c_(c), o_(o) {
    for (std::size_t i = 0; i < c.relations.size(); ++i) rel_by_oid_[c.relations[i].key.oid] = i;
    for (std::size_t i = 0; i < c.indexes.size(); ++i) index_by_oid_[c.indexes[i].key.oid] = i;
    for (std::size_t i = 0; i < c.constraints.size(); ++i) con_by_oid_[c.constraints[i].key.oid] = i;
  }

  dump_plan build() {
    if (o_.target_may_exist) clean();
    pre_data();
    post_indexes();
    post_foreign_keys();
    post_final();
    owners();
    privileges();
    tables();
    facts();
    return std::move(plan_);
  }

 private:
  void unit(frame_kind kind, post_phase phase, std::string label, std::string schema, std::string table, std::string sql) {
    if (sql.empty()) return;
    plan_.units.push_back({kind, phase, std::move(label), std::move(schema), std::move(table), std::move(sql)});
  }
  void pre(std::string label, std::string schema, std::string table, std::string sql) {
    unit(frame_kind::pre_data, post_phase::none, std::move(label), std::move(schema), std::move(table), std::move(sql));
  }
  void post(post_phase phase, std::string label, std::string schema, std::string table, std::string sql) {
    unit(frame_kind::post_data, phase, std::move(label), std::move(schema), std::move(table), std::move(sql));
  }

  void role(const std::string& r) {
    if (!r.empty()) roles_.insert(r);
  }
  void acl_roles(const acl_info& a) {
    if (a.is_null) return;
    for (const auto& i : a.items) {
      role(i.grantee);
      role(i.grantor);
    }
  }

  // ---- clean (gzip variant) -------------------------------------------------------------

  // What pg_dump --clean --if-exists would drop, coarsened to what Immich's restore does not
  // drop itself (it recreates the public schema): the extensions, then the other schemas,
  // each with everything in it. In a new database these do nothing.
  void clean() {
    std::string sql;
    for (const auto& e : c_.extensions)
      sql += fmt::format("DROP EXTENSION IF EXISTS {} CASCADE;\n", util::sql::ident(e.name));
    for (const auto& s : c_.schemas)
      if (!s.is_public) sql += fmt::format("DROP SCHEMA IF EXISTS {} CASCADE;\n", util::sql::ident(s.name));
    unit(frame_kind::clean, post_phase::none, "CLEAN", "", "", std::move(sql));
  }

  // ---- pre-data ---------------------------------------------------------------------

  void pre_data() {
    order_ = order_pre_data(c_);
    for (const auto& n : order_.nodes) {
      switch (n.kind) {
        case ordered_node::what::extension: {
          const auto& e = c_.extensions[n.index];
          pre("EXTENSION " + e.name, "", "", extension_ddl(e));
          break;
        }
        case ordered_node::what::schema: {
          const auto& s = c_.schemas[n.index];
          pre("SCHEMA " + s.name, "", "", schema_ddl(s, o_.target_may_exist));
          break;
        }
        case ordered_node::what::type: {
          const auto& t = c_.types[n.index];
          pre(fmt::format("{} {}", t.kind == type_kind::domain ? "DOMAIN" : "TYPE", dotted(t.schema, t.name)), "", "",
              type_ddl(t));
          break;
        }
        case ordered_node::what::routine: {
          const auto& r = c_.routines[n.index];
          pre(fmt::format("{} {}({})", routine_keyword(r.kind), dotted(r.schema, r.name), r.identity_args), "", "",
              routine_ddl(r));
          break;
        }
        case ordered_node::what::sequence: {
          const auto& s = c_.sequences[n.index];
          pre("SEQUENCE " + dotted(s.schema, s.name), s.owned_by_schema, s.owned_by_table, sequence_ddl(s));
          break;
        }
        case ordered_node::what::relation: {
          const auto& r = c_.relations[n.index];
          std::vector<sequence_info> owned;
          for (const auto& s : c_.sequences)
            if (!s.identity && s.owned_by_schema == r.schema && s.owned_by_table == r.name) owned.push_back(s);
          static const std::set<std::uint32_t> none;
          auto it = order_.omitted_parts.find(n.index);
          std::string sql = relation_ddl(r, owned, it == order_.omitted_parts.end() ? none : it->second);
          // Comments on identity sequences ride with the table that creates them.
          for (const auto& s : c_.sequences)
            if (s.identity && s.owned_by_schema == r.schema && s.owned_by_table == r.name)
              sql += comment_statement("SEQUENCE " + util::sql::qualified(s.schema, s.name), s.comment);
          pre(fmt::format("{} {}", relation_keyword(r.kind), dotted(r.schema, r.name)), r.schema, r.name, std::move(sql));
          break;
        }
        case ordered_node::what::split_part: {
          const auto& r = c_.relations[n.index];
          std::string what = fmt::format("{}", n.part);
          for (const auto& col : r.columns)
            if (col.default_oid == n.part) what = "DEFAULT " + dotted(r.schema, r.name) + "." + col.name;
          for (const auto& ck : r.checks)
            if (ck.oid == n.part) what = "CONSTRAINT " + dotted(r.schema, ck.name);
          pre(what, r.schema, r.name, split_part_ddl(r, n.part));
          break;
        }
        case ordered_node::what::view_shell: {
          const auto& r = c_.relations[n.index];
          pre(fmt::format("VIEW {} (shell)", dotted(r.schema, r.name)), r.schema, r.name, view_shell_ddl(r));
          break;
        }
        case ordered_node::what::view_body: {
          const auto& r = c_.relations[n.index];
          pre(fmt::format("VIEW {}", dotted(r.schema, r.name)), r.schema, r.name, view_body_ddl(r));
          break;
        }
      }
    }
    pre("SEARCH_PATH", "", "",
        fmt::format("SELECT pg_catalog.set_config('search_path', {}, false);\n", util::sql::literal(restore_search_path())));
  }

  std::string restore_search_path() const {
    for (const auto& s : c_.settings)
      if (s.role.empty() && s.name == "search_path") return s.value;
    return "\"$user\", public";
  }

  // ---- post-data: indexes and their constraints ---------------------------------------

  /// CREATE INDEX, or ALTER TABLE ADD CONSTRAINT for an index that backs a constraint,
  /// with what belongs to the index (comment, CLUSTER, replica identity, statistics).
  std::string index_sql(const index_info& ix) const {
    std::string out;
    std::string table = util::sql::qualified(ix.table_schema, ix.table_name);
    std::string iname = util::sql::qualified(ix.schema, ix.name);
    if (ix.constraint_oid) {
      auto it = con_by_oid_.find(ix.constraint_oid);
      if (it == con_by_oid_.end())
        throw error(errc::internal, fmt::format("index {} backs constraint {} which was not read", iname, ix.constraint_oid));
      const auto& con = c_.constraints[it->second];
      out += fmt::format("ALTER TABLE ONLY {} ADD CONSTRAINT {} {};\n", table, util::sql::ident(con.name),
                         unique_constraint_definition(con, ix.options));
      out += comment_statement(fmt::format("CONSTRAINT {} ON {}", util::sql::ident(con.name), table), con.comment);
    } else {
      out += strip_semicolon(ix.definition) + ";\n";
    }
    out += comment_statement("INDEX " + iname, ix.comment);
    for (const auto& [col, target] : ix.stattargets)
      out += fmt::format("ALTER INDEX {} ALTER COLUMN {} SET STATISTICS {};\n", iname, col, target);
    if (ix.clustered) out += fmt::format("ALTER TABLE {} CLUSTER ON {};\n", table, util::sql::ident(ix.name));
    if (ix.replica_identity)
      out += fmt::format("ALTER TABLE ONLY {} REPLICA IDENTITY USING INDEX {};\n", table, util::sql::ident(ix.name));
    return out;
  }

  void index_tree(const index_info& ix, const std::multimap<std::uint32_t, std::size_t>& children, std::string& create,
                  std::string& attach) const {
    create += index_sql(ix);
    auto [b, e] = children.equal_range(ix.key.oid);
    std::vector<std::size_t> kids;
    for (auto it = b; it != e; ++it) kids.push_back(it->second);
    std::sort(kids.begin(), kids.end(), [&](std::size_t x, std::size_t y) {
      return std::tie(c_.indexes[x].schema, c_.indexes[x].name) < std::tie(c_.indexes[y].schema, c_.indexes[y].name);
    });
    for (auto k : kids) {
      const auto& child = c_.indexes[k];
      index_tree(child, children, create, attach);
      attach += fmt::format("ALTER INDEX {} ATTACH PARTITION {};\n", util::sql::qualified(ix.schema, ix.name),
                            util::sql::qualified(child.schema, child.name));
    }
  }

  void post_indexes() {
    // An index of a partitioned table and all its partitions' indexes form one unit:
    // the parent ON ONLY, the children, then ATTACH PARTITION (units of one phase may run
    // in parallel, so the attach cannot live apart from what it attaches).
    std::multimap<std::uint32_t, std::size_t> children;
    for (std::size_t i = 0; i < c_.indexes.size(); ++i)
      if (c_.indexes[i].parent_index && index_by_oid_.count(c_.indexes[i].parent_index))
        children.emplace(c_.indexes[i].parent_index, i);
    std::vector<std::size_t> roots;
    for (std::size_t i = 0; i < c_.indexes.size(); ++i)
      if (!c_.indexes[i].parent_index || !index_by_oid_.count(c_.indexes[i].parent_index)) roots.push_back(i);
    std::sort(roots.begin(), roots.end(), [&](std::size_t x, std::size_t y) {
      const auto &a = c_.indexes[x], &b = c_.indexes[y];
      return std::tie(a.table_schema, a.table_name, a.name) < std::tie(b.table_schema, b.table_name, b.name);
    });
    for (auto i : roots) {
      const auto& ix = c_.indexes[i];
      std::string create, attach;
      index_tree(ix, children, create, attach);
      std::string label;
      if (ix.constraint_oid && con_by_oid_.count(ix.constraint_oid))
        label = "CONSTRAINT " + dotted(ix.table_schema, c_.constraints[con_by_oid_.at(ix.constraint_oid)].name);
      else
        label = "INDEX " + dotted(ix.schema, ix.name);
      post(post_phase::indexes, label, ix.table_schema, ix.table_name, create + attach);
    }
    for (const auto& s : c_.statistics) {
      std::string name = util::sql::qualified(s.schema, s.name);
      std::string sql = strip_semicolon(s.definition) + ";\n";
      if (s.stattarget >= 0) sql += fmt::format("ALTER STATISTICS {} SET STATISTICS {};\n", name, s.stattarget);
      sql += comment_statement("STATISTICS " + name, s.comment);
      post(post_phase::indexes, "STATISTICS " + dotted(s.schema, s.name), s.table_schema, s.table_name, sql);
    }
  }

  void post_foreign_keys() {
    std::vector<const table_constraint*> fks;
    for (const auto& con : c_.constraints)
      if (con.type == 'f' && con.parent == 0) fks.push_back(&con);
    std::sort(fks.begin(), fks.end(), [](auto* a, auto* b) {
      return std::tie(a->table_schema, a->table_name, a->name) < std::tie(b->table_schema, b->table_name, b->name);
    });
    for (auto* con : fks) {
      std::string table = util::sql::qualified(con->table_schema, con->table_name);
      // A foreign key on a partitioned table must recurse to the partitions (ONLY is refused).
      std::string sql = fmt::format("ALTER TABLE {}{} ADD CONSTRAINT {} {};\n", con->on_partitioned ? "" : "ONLY ", table,
                                    util::sql::ident(con->name), con->definition);
      sql += comment_statement(fmt::format("CONSTRAINT {} ON {}", util::sql::ident(con->name), table), con->comment);
      post(post_phase::foreign_keys, "FK " + dotted(con->table_schema, con->name), con->table_schema, con->table_name, sql);
    }
  }

  // ---- post-data: final ---------------------------------------------------------------

  void post_final() {
    for (const auto& s : c_.sequences) {
      // setval takes the sequence as regclass text: a qualified, quoted name in a literal.
      post(post_phase::final, "SEQUENCE SET " + dotted(s.schema, s.name), s.owned_by_schema, s.owned_by_table,
           fmt::format("SELECT pg_catalog.setval({}, {}, {});\n", util::sql::literal(util::sql::qualified(s.schema, s.name)),
                       s.last_value, s.is_called ? "true" : "false"));
    }
    for (const auto& r : c_.relations)
      for (const auto& ck : r.checks) {
        // Inherited copies come with the parent's ALTER TABLE (it recurses).
        if (ck.validated || !ck.is_local) continue;
        std::string table = util::sql::qualified(r.schema, r.name);
        std::string sql = fmt::format("ALTER TABLE {}{} ADD CONSTRAINT {} {};\n", r.has_children ? "" : "ONLY ", table,
                                      util::sql::ident(ck.name), ck.definition);
        sql += comment_statement(fmt::format("CONSTRAINT {} ON {}", util::sql::ident(ck.name), table), ck.comment);
        post(post_phase::final, "CONSTRAINT " + dotted(r.schema, ck.name), r.schema, r.name, sql);
      }
    for (const auto& t : c_.types)
      for (const auto& dc : t.constraints) {
        if (dc.validated) continue;
        std::string name = util::sql::qualified(t.schema, t.name);
        std::string sql = fmt::format("ALTER DOMAIN {} ADD CONSTRAINT {} {};\n", name, util::sql::ident(dc.name), dc.definition);
        sql += comment_statement(fmt::format("CONSTRAINT {} ON DOMAIN {}", util::sql::ident(dc.name), name), dc.comment);
        post(post_phase::final, "CONSTRAINT " + dotted(t.schema, dc.name), "", "", sql);
      }
    std::vector<const trigger_info*> triggers;
    for (const auto& t : c_.triggers) triggers.push_back(&t);
    std::sort(triggers.begin(), triggers.end(), [](auto* a, auto* b) {
      return std::tie(a->table_schema, a->table_name, a->name) < std::tie(b->table_schema, b->table_name, b->name);
    });
    for (auto* t : triggers) {
      std::string table = util::sql::qualified(t->table_schema, t->table_name);
      std::string sql = strip_semicolon(t->definition) + ";\n";
      if (t->enabled == 'D') sql += fmt::format("ALTER TABLE {} DISABLE TRIGGER {};\n", table, util::sql::ident(t->name));
      if (t->enabled == 'R') sql += fmt::format("ALTER TABLE {} ENABLE REPLICA TRIGGER {};\n", table, util::sql::ident(t->name));
      if (t->enabled == 'A') sql += fmt::format("ALTER TABLE {} ENABLE ALWAYS TRIGGER {};\n", table, util::sql::ident(t->name));
      sql += comment_statement(fmt::format("TRIGGER {} ON {}", util::sql::ident(t->name), table), t->comment);
      post(post_phase::final, fmt::format("TRIGGER {} ON {}", t->name, dotted(t->table_schema, t->table_name)),
           t->table_schema, t->table_name, sql);
    }
    for (const auto& r : c_.rules) {
      std::string table = util::sql::qualified(r.table_schema, r.table_name);
      std::string sql = strip_semicolon(r.definition) + ";\n";
      if (r.enabled == 'D') sql += fmt::format("ALTER TABLE {} DISABLE RULE {};\n", table, util::sql::ident(r.name));
      if (r.enabled == 'R') sql += fmt::format("ALTER TABLE {} ENABLE REPLICA RULE {};\n", table, util::sql::ident(r.name));
      if (r.enabled == 'A') sql += fmt::format("ALTER TABLE {} ENABLE ALWAYS RULE {};\n", table, util::sql::ident(r.name));
      sql += comment_statement(fmt::format("RULE {} ON {}", util::sql::ident(r.name), table), r.comment);
      post(post_phase::final, fmt::format("RULE {} ON {}", r.name, dotted(r.table_schema, r.table_name)), r.table_schema,
           r.table_name, sql);
    }
    for (const auto& r : c_.relations) {
      if (!r.row_security && !r.force_row_security) continue;
      std::string table = util::sql::qualified(r.schema, r.name);
      std::string sql;
      if (r.row_security) sql += fmt::format("ALTER TABLE {} ENABLE ROW LEVEL SECURITY;\n", table);
      if (r.force_row_security) sql += fmt::format("ALTER TABLE {} FORCE ROW LEVEL SECURITY;\n", table);
      post(post_phase::final, "ROW SECURITY " + dotted(r.schema, r.name), r.schema, r.name, sql);
    }
    for (const auto& p : c_.policies) {
      std::string table = util::sql::qualified(p.table_schema, p.table_name);
      static const std::map<char, const char*> cmds{{'r', "SELECT"}, {'a', "INSERT"}, {'w', "UPDATE"}, {'d', "DELETE"}, {'*', "ALL"}};
      std::string roles;
      for (const auto& r : p.roles) roles += (roles.empty() ? "" : ", ") + util::sql::ident(r);
      if (roles.empty()) roles = "PUBLIC";
      std::string sql = fmt::format("CREATE POLICY {} ON {} AS {} FOR {} TO {}", util::sql::ident(p.name), table,
                                    p.permissive ? "PERMISSIVE" : "RESTRICTIVE", cmds.at(p.command), roles);
      if (p.using_expr) sql += " USING (" + *p.using_expr + ")";
      if (p.check_expr) sql += " WITH CHECK (" + *p.check_expr + ")";
      sql += ";\n";
      sql += comment_statement(fmt::format("POLICY {} ON {}", util::sql::ident(p.name), table), p.comment);
      for (const auto& r : p.roles) role(r);
      post(post_phase::final, fmt::format("POLICY {} ON {}", p.name, dotted(p.table_schema, p.table_name)), p.table_schema,
           p.table_name, sql);
    }
    // Materialized views in dependency order (the pre-data order already respects it).
    for (const auto& n : order_.nodes) {
      if (n.kind != ordered_node::what::relation) continue;
      const auto& r = c_.relations[n.index];
      if (r.kind != relation_kind::matview || !r.populated) continue;
      post(post_phase::final, "REFRESH MATERIALIZED VIEW " + dotted(r.schema, r.name), r.schema, r.name,
           fmt::format("REFRESH MATERIALIZED VIEW {};\n", util::sql::qualified(r.schema, r.name)));
    }
    std::string settings;
    for (const auto& s : c_.settings)
      if (s.role.empty()) settings += setting_statement(s);
    if (c_.database_comment) settings += database_comment_statement(*c_.database_comment);
    post(post_phase::final, "DATABASE SETTINGS", "", "", settings);
  }

  // ---- owners and privileges ----------------------------------------------------------

  void owner(std::string label, std::string schema, std::string table, std::string_view keyword, const std::string& object,
             const std::string& owner_role) {
    role(owner_role);
    unit(frame_kind::owners, post_phase::none, "OWNER " + label, std::move(schema), std::move(table),
         owner_statement(keyword, object, owner_role));
  }

  void owners() {
    for (const auto& s : c_.schemas) {
      if (s.is_public && s.owner == "pg_database_owner" && !o_.target_may_exist) continue;
      owner("SCHEMA " + s.name, "", "", "SCHEMA", util::sql::ident(s.name), s.owner);
    }
    for (const auto& t : c_.types)
      owner((t.kind == type_kind::domain ? "DOMAIN " : "TYPE ") + dotted(t.schema, t.name), "", "",
            t.kind == type_kind::domain ? "DOMAIN" : "TYPE", util::sql::qualified(t.schema, t.name), t.owner);
    for (const auto& r : c_.routines)
      owner(fmt::format("{} {}({})", routine_keyword(r.kind), dotted(r.schema, r.name), r.identity_args), "", "",
            routine_keyword(r.kind),
            r.kind == routine_kind::aggregate && r.identity_args.empty() ? util::sql::qualified(r.schema, r.name) + "(*)"
                                                                         : routine_signature(r),
            r.owner);
    for (const auto& r : c_.relations)
      owner(fmt::format("{} {}", relation_keyword(r.kind), dotted(r.schema, r.name)), r.schema, r.name,
            relation_keyword(r.kind), util::sql::qualified(r.schema, r.name), r.owner);
    for (const auto& s : c_.sequences) {
      // Sequences owned by a column follow their table's owner (ALTER TABLE cascades;
      // the server refuses a different owner).
      if (s.identity || !s.owned_by_table.empty()) {
        role(s.owner);
        continue;
      }
      owner("SEQUENCE " + dotted(s.schema, s.name), "", "", "SEQUENCE", util::sql::qualified(s.schema, s.name), s.owner);
    }
    for (const auto& s : c_.statistics)
      owner("STATISTICS " + dotted(s.schema, s.name), s.table_schema, s.table_name, "STATISTICS",
            util::sql::qualified(s.schema, s.name), s.owner);
    std::string role_settings;
    for (const auto& s : c_.settings)
      if (!s.role.empty()) {
        role(s.role);
        role_settings += setting_statement(s);
      }
    unit(frame_kind::owners, post_phase::none, "ROLE SETTINGS", "", "", role_settings);
  }

  void grant(std::string label, std::string schema, std::string table, std::string sql) {
    unit(frame_kind::privileges, post_phase::none, "ACL " + label, std::move(schema), std::move(table), std::move(sql));
  }

  /// The public schema exists before the restore with whatever ACL the target's version
  /// gives it (PostgreSQL 15 changed it), so its ACL is set from scratch rather than as a
  /// difference: revoke what the target may have, grant what the source has. Nothing is
  /// emitted when the source has the standard PostgreSQL 15+ ACL and owner.
  std::string public_schema_acl(const schema_info& s) const {
    std::vector<acl_item> items = s.acl.items;
    if (s.acl.is_null) items = {{s.owner, s.owner, {"USAGE", "CREATE"}, {}}};
    const std::vector<acl_item> standard{{"pg_database_owner", "pg_database_owner", {"USAGE", "CREATE"}, {}},
                                         {"", "pg_database_owner", {"USAGE"}, {}}};
    if (s.owner == "pg_database_owner" && items == standard && !o_.target_may_exist) return {};
    acl_info reset;
    reset.is_null = false;
    reset.items = items;
    reset.base = {{"", s.owner, {}, {}}, {s.owner, s.owner, {}, {}}};  // forces REVOKE ALL from both
    return acl_statements("SCHEMA", "\"public\"", "", reset, s.owner);
  }

  void privileges() {
    for (const auto& s : c_.schemas) {
      acl_roles(s.acl);
      if (s.is_public) {
        grant("SCHEMA public", "", "", public_schema_acl(s));
        continue;
      }
      grant("SCHEMA " + s.name, "", "", acl_statements("SCHEMA", util::sql::ident(s.name), "", s.acl, s.owner));
    }
    for (const auto& t : c_.types) {
      acl_roles(t.acl);
      grant("TYPE " + dotted(t.schema, t.name), "", "",
            acl_statements(t.kind == type_kind::domain ? "DOMAIN" : "TYPE", util::sql::qualified(t.schema, t.name), "", t.acl,
                           t.owner));
    }
    for (const auto& r : c_.routines) {
      acl_roles(r.acl);
      std::string sig = r.kind == routine_kind::aggregate && r.identity_args.empty() ? util::sql::qualified(r.schema, r.name) + "(*)"
                                                                                      : routine_signature(r);
      grant(fmt::format("{} {}({})", routine_keyword(r.kind), dotted(r.schema, r.name), r.identity_args), "", "",
            acl_statements(r.kind == routine_kind::procedure ? "PROCEDURE" : "FUNCTION", sig, "", r.acl, r.owner));
    }
    for (const auto& s : c_.sequences) {
      acl_roles(s.acl);
      grant("SEQUENCE " + dotted(s.schema, s.name), s.owned_by_schema, s.owned_by_table,
            acl_statements("SEQUENCE", util::sql::qualified(s.schema, s.name), "", s.acl, s.owner));
    }
    for (const auto& r : c_.relations) {
      acl_roles(r.acl);
      std::string name = util::sql::qualified(r.schema, r.name);
      std::string sql = acl_statements("TABLE", name, "", r.acl, r.owner);
      for (const auto& col : r.columns) {
        acl_roles(col.acl);
        sql += acl_statements("TABLE", name, util::sql::ident(col.name), col.acl, r.owner);
      }
      grant(fmt::format("{} {}", relation_keyword(r.kind), dotted(r.schema, r.name)), r.schema, r.name, sql);
    }
    for (const auto& m : c_.extension_acls) {
      acl_roles(m.acl);
      grant(m.object_type + " " + m.label, "", "", acl_statements(m.object_type, m.object, "", m.acl, m.owner));
    }
    static const std::map<char, const char*> kinds{
        {'r', "TABLES"}, {'S', "SEQUENCES"}, {'f', "FUNCTIONS"}, {'T', "TYPES"}, {'n', "SCHEMAS"}};
    for (const auto& d : c_.default_acls) {
      role(d.role);
      acl_roles(d.acl);
      auto kind = kinds.find(d.objtype);
      if (kind == kinds.end())
        throw error(errc::unsupported_object, fmt::format("default privileges of role \"{}\" for object type '{}' are not "
                                                          "supported; hint: upgrade immichbak",
                                                          d.role, d.objtype));
      std::string prefix = fmt::format("ALTER DEFAULT PRIVILEGES FOR ROLE {}{} ", util::sql::ident(d.role),
                                       d.schema.empty() ? "" : " IN SCHEMA " + util::sql::ident(d.schema));
      grant(fmt::format("DEFAULT PRIVILEGES FOR {} {}{}", d.role, kind->second, d.schema.empty() ? "" : " IN " + d.schema),
            d.schema, "", acl_statements(kind->second, "", "", d.acl, d.role, prefix));
    }
  }

  // ---- data and manifest facts ----------------------------------------------------------

  table_data data_entry(const relation_info& r) const {
    table_data t;
    t.schema = r.schema;
    t.name = r.name;
    t.oid = r.key.oid;
    std::string cols;
    for (const auto& c : r.columns) {
      if (c.generated) continue;
      cols += (cols.empty() ? "" : ", ") + util::sql::ident(c.name);
    }
    t.copy_columns = cols.empty() ? "" : "(" + cols + ")";
    t.filter = r.config_filter;
    t.extension_config = r.extension_config;
    t.estimated_rows = r.reltuples;
    t.relpages = r.relpages;
    t.estimated_bytes = r.table_bytes;
    for (const auto& [pattern, reason] : o_.exclude_table_data) {
      if (glob_match(pattern, dotted(r.schema, r.name)) || glob_match(pattern, r.name)) {
        t.data_excluded = true;
        t.exclusion_reason = reason.empty() ? pattern : reason;
        break;
      }
    }
    return t;
  }

  void tables() {
    for (const auto& r : c_.relations)
      if (r.kind == relation_kind::table) plan_.tables.push_back(data_entry(r));
    for (const auto& r : c_.config_tables) plan_.tables.push_back(data_entry(r));
    check_excluded_parents();
  }

  // A foreign key from a table whose rows are kept to one whose rows are left out cannot be
  // re-created at restore (the referenced rows are missing), so such a backup would not
  // restore. Refuse it now, naming the constraint, rather than on the day of need.
  void check_excluded_parents() const {
    std::map<std::uint32_t, const table_data*> by_oid;
    for (const auto& t : plan_.tables) by_oid[t.oid] = &t;
    std::string problems;
    for (const auto& con : c_.constraints) {
      if (con.type != 'f') continue;
      auto parent = by_oid.find(con.referenced_oid);
      auto child = by_oid.find(con.table_oid);
      if (parent == by_oid.end() || child == by_oid.end()) continue;
      if (!parent->second->data_excluded || child->second->data_excluded) continue;
      problems += fmt::format("\n  {} on {} references {} ({})", util::sql::ident(con.name),
                              dotted(con.table_schema, con.table_name),
                              dotted(parent->second->schema, parent->second->name), parent->second->exclusion_reason);
    }
    if (problems.empty()) return;
    throw error(errc::invalid_argument,
                fmt::format("rows of a table that other kept rows reference would be left out, so the backup could not "
                            "be restored:{}\nhint: exclude the referencing tables' rows too, or keep the referenced "
                            "table's rows",
                            problems));
  }

  void facts() {
    for (const auto& e : c_.extensions) plan_.extensions.push_back({e.name, e.version, e.schema, e.needs_preload});
    for (const auto& s : c_.settings) plan_.database_settings.push_back({s.role, s.name, s.value});
    for (const auto& s : c_.schemas)
      if (!(s.is_public && s.owner == "pg_database_owner")) role(s.owner);
    for (const auto& t : c_.types) role(t.owner);
    for (const auto& r : c_.routines) role(r.owner);
    for (const auto& r : c_.relations) role(r.owner);
    plan_.roles.assign(roles_.begin(), roles_.end());
    plan_.restore_search_path = restore_search_path();
    plan_.encoding = c_.encoding;
  }

  const catalog& c_;
  const capture_options& o_;
  dump_plan plan_;
  pre_data_order order_;
  std::set<std::string> roles_;
  std::map<std::uint32_t, std::size_t> rel_by_oid_, index_by_oid_, con_by_oid_;
};

}  // namespace

dump_plan build_plan(const catalog& c, const capture_options& options) { return plan_builder(c, options).build(); }

void check_supported(const catalog& c) {
  if (c.unsupported.empty()) return;
  std::string list;
  std::set<std::string> hints;
  for (const auto& u : c.unsupported) {
    list += fmt::format("\n  {} {}", u.kind, u.name);
    if (!u.hint.empty()) hints.insert(u.hint);
  }
  std::string hint_text;
  for (const auto& h : hints) hint_text += "\nhint: " + h;
  throw error(errc::unsupported_object,
              fmt::format("database \"{}\" holds {} object{} immichbak cannot reproduce, so it refuses to write an "
                          "incomplete backup:{}{}",
                          c.database, c.unsupported.size(), c.unsupported.size() == 1 ? "" : "s", list, hint_text));
}

}  // namespace immichbak::schema
