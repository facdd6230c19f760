#include "load/index_search_path.hpp"

#include "format/backup_reader.hpp"
#include "pg/connection.hpp"
#include "sqlscript/calls.hpp"

#include <immichbak/error.hpp>
#include <immichbak/manifest.hpp>

#include <fmt/format.h>

#include <deque>
#include <map>
#include <optional>
#include <set>

namespace immichbak::load {

namespace {

struct function_body {
  std::string signature;
  std::string language;
  std::string source;
  bool standard_body = false;  ///< SQL-standard body: names bound when it was created
  bool pins_path = false;      ///< SET search_path = ... on the function
  std::string extension;
};

class analyzer {
 public:
  explicit analyzer(pg::connection& c) : c_(c) {}

  /// The functions `schema.name` (every overload).
  std::vector<std::string> resolve(const std::string& schema, const std::string& name) {
    auto r = c_.exec("SELECT p.oid FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace "
                     "WHERE n.nspname = $1 AND p.proname = $2",
                     {schema, name});
    std::vector<std::string> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back(r.str(i, 0));
    return out;
  }

  /// The first (unqualified call, function) on a path from `roots` that fails under a
  /// safe search_path.
  std::optional<std::pair<std::string, function_body>> first_failure(const std::vector<std::string>& roots) {
    std::deque<std::string> queue(roots.begin(), roots.end());
    std::set<std::string> seen;
    while (!queue.empty()) {
      std::string oid = queue.front();
      queue.pop_front();
      if (!seen.insert(oid).second) continue;
      const analysis& an = analyse(oid);
      if (!an.failing_call.empty()) return std::make_pair(an.failing_call, body(oid));
      queue.insert(queue.end(), an.callees.begin(), an.callees.end());
    }
    return std::nullopt;
  }

 private:
  struct analysis {
    std::string failing_call;          ///< an unqualified call that fails, or empty
    std::vector<std::string> callees;  ///< functions outside pg_catalog it calls
  };

  const analysis& analyse(const std::string& oid) {
    if (auto it = analyses_.find(oid); it != analyses_.end()) return it->second;
    const function_body& f = body(oid);
    analysis an;
    if (f.pins_path || (f.language != "sql" && f.language != "plpgsql")) {
      // runs with its own search path, or is not SQL text at all
    } else if (f.standard_body) {
      an.callees = standard_body_calls(oid);
    } else {
      for (const auto& call : sqlscript::function_calls(f.source)) {
        if (!call.schema.empty()) {
          if (call.schema == "pg_catalog") continue;
          for (auto& o : resolve(call.schema, call.name)) an.callees.push_back(o);
        } else if (fails_unqualified(call.name)) {
          an.failing_call = call.name;
          break;
        }
      }
    }
    return analyses_.emplace(oid, std::move(an)).first->second;
  }

  const function_body& body(const std::string& oid) {
    auto it = bodies_.find(oid);
    if (it != bodies_.end()) return it->second;
    auto r = c_.exec(
        "SELECT pg_catalog.format('%I.%I(%s)', n.nspname, p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid)), "
        "l.lanname, p.prosrc, p.prosqlbody IS NOT NULL, "
        "EXISTS (SELECT 1 FROM pg_catalog.unnest(p.proconfig) cfg WHERE cfg LIKE 'search\\_path=%'), "
        "(SELECT e.extname FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid "
        "  WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND d.objid = p.oid AND d.deptype = 'e' LIMIT 1) "
        "FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace "
        "JOIN pg_catalog.pg_language l ON l.oid = p.prolang WHERE p.oid = $1::pg_catalog.oid",
        {oid});
    function_body f;
    if (r.rows() == 1) {
      f.signature = r.str(0, 0);
      f.language = r.str(0, 1);
      f.source = r.str(0, 2);
      f.standard_body = r.boolean(0, 3);
      f.pins_path = r.boolean(0, 4);
      f.extension = r.str(0, 5);
    }
    return bodies_.emplace(oid, std::move(f)).first->second;
  }

  std::vector<std::string> standard_body_calls(const std::string& oid) {
    auto r = c_.exec(
        "SELECT d.refobjid FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_proc p ON p.oid = d.refobjid "
        "WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND d.objid = $1::pg_catalog.oid "
        "AND d.refclassid = 'pg_catalog.pg_proc'::pg_catalog.regclass "
        "AND p.pronamespace <> 'pg_catalog'::pg_catalog.regnamespace",
        {oid});
    std::vector<std::string> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back(r.str(i, 0));
    return out;
  }

  /// An unqualified call fails when the name is no pg_catalog function but is one in
  /// another schema (found today only through the search path). Names found nowhere are
  /// keywords (IN, COALESCE, ...) or PL/pgSQL's own.
  bool fails_unqualified(const std::string& name) {
    auto it = unqualified_.find(name);
    if (it != unqualified_.end()) return it->second;
    auto r = c_.exec(
        "SELECT NOT EXISTS (SELECT 1 FROM pg_catalog.pg_proc WHERE proname = $1 "
        "  AND pronamespace = 'pg_catalog'::pg_catalog.regnamespace) "
        "AND EXISTS (SELECT 1 FROM pg_catalog.pg_proc WHERE proname = $1 "
        "  AND pronamespace <> 'pg_catalog'::pg_catalog.regnamespace)",
        {name});
    return unqualified_[name] = r.boolean(0, 0);
  }

  pg::connection& c_;
  std::map<std::string, function_body> bodies_;
  std::map<std::string, analysis> analyses_;
  std::map<std::string, bool> unqualified_;
};

}  // namespace

std::vector<unbuildable_index> find_unbuildable_indexes(pg::connection& c,
                                                        const std::vector<std::pair<std::string, std::string>>& indexes) {
  std::vector<unbuildable_index> out;
  if (c.server_version() < 170000) return out;
  analyzer a(c);
  for (const auto& [label, sql] : indexes) {
    std::vector<std::string> roots;
    // The deparsed definitions qualify every function outside pg_catalog.
    for (const auto& call : sqlscript::function_calls(sql))
      if (!call.schema.empty() && call.schema != "pg_catalog")
        for (auto& oid : a.resolve(call.schema, call.name)) roots.push_back(oid);
    if (roots.empty()) continue;
    if (auto bad = a.first_failure(roots))
      out.push_back({label, bad->second.signature, bad->first, bad->second.extension});
  }
  return out;
}

void refuse_unbuildable_indexes(pg::connection& c, const format::backup_reader& reader,
                                const std::vector<const manifest_frame*>& index_frames) {
  if (c.server_version() < 170000) return;
  std::set<std::pair<std::string, std::string>> with_rows;
  for (const auto& t : reader.get_manifest().tables)
    if (t.rows > 0) with_rows.insert({t.schema, t.name});
  std::vector<std::pair<std::string, std::string>> indexes;
  for (const auto* f : index_frames)
    if (with_rows.count({f->schema, f->table})) indexes.emplace_back(f->label, reader.read_frame(*f));
  auto found = find_unbuildable_indexes(c, indexes);
  if (!found.empty()) throw error(errc::server_version, unbuildable_message(found, c.server_version_string()));
}

std::string unbuildable_message(const std::vector<unbuildable_index>& found, const std::string& server_version) {
  std::string list;
  bool user_function = false, extension_function = false;
  for (const auto& u : found) {
    list += fmt::format("\n  {}: {} calls {}() without a schema{}", u.index, u.function, u.call,
                        u.extension.empty() ? "" : fmt::format(" (function of extension {})", u.extension));
    (u.extension.empty() ? user_function : extension_function) = true;
  }
  std::string hints;
  if (user_function)
    hints +=
        "\nhint: on the source, pin the function's search path (ALTER FUNCTION ... SET search_path = public, pg_catalog) or "
        "qualify the call (current Immich defines f_unaccent as RETURN public.unaccent(...)), then take a new backup";
  if (extension_function)
    hints +=
        "\nhint: an extension function cannot be changed by a restore; current Immich no longer indexes through it "
        "(it uses public.ll_to_earth_public): upgrade Immich on the source, then take a new backup";
  return fmt::format(
      "PostgreSQL {} builds indexes with search_path = pg_catalog, pg_temp, and {} index{} of this backup cannot be built "
      "there:{}{}\nhint: or restore into PostgreSQL 14, 15 or 16, where they build. Nothing was loaded.",
      server_version, found.size(), found.size() == 1 ? "" : "es", list, hints);
}

}  // namespace immichbak::load
