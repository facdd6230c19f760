// Orders pre-data objects by pg_depend: a topological sort with a stable tie-break (kind
// rank, then schema, then name), so the same catalog always gives the same file.
//
// Cycles are broken the way pg_dump breaks them: a column default or CHECK constraint that
// closes a cycle is split out of CREATE TABLE into its own ALTER TABLE (e.g. a default
// calling a function that returns SETOF the table); a view that closes a cycle is created
// first as a shell with the right column types and replaced by its real definition later.
// A cycle that cannot be broken that way is refused with the objects named.
#include "schema/ddl.hpp"

#include "util/sql_quote.hpp"

#include <immichbak/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <set>
#include <tuple>

namespace immichbak::schema {

namespace {

using what = ordered_node::what;

struct node {
  ordered_node on;
  int rank = 0;
  std::string schema, name;
  obj_key key;
};

struct edge {
  std::size_t from, to;  // `from` must come after `to`
  obj_key via;           // the default/constraint of `from` that causes it, or {}
};

int rank_of(what w) {
  switch (w) {
    case what::schema: return 0;
    case what::extension: return 1;
    case what::type: return 2;
    case what::routine: return 3;
    case what::sequence: return 4;
    case what::relation: return 5;
    case what::split_part: return 6;
    case what::view_shell: return 5;
    case what::view_body: return 7;
  }
  return 9;
}

class orderer {
 public:
  explicit orderer(const catalog& c) : c_(c) {
    for (std::size_t i = 0; i < c.schemas.size(); ++i) add(what::schema, i, c.schemas[i]);
    for (std::size_t i = 0; i < c.extensions.size(); ++i) add(what::extension, i, c.extensions[i]);
    for (std::size_t i = 0; i < c.types.size(); ++i) add(what::type, i, c.types[i]);
    for (std::size_t i = 0; i < c.routines.size(); ++i) add(what::routine, i, c.routines[i]);
    for (std::size_t i = 0; i < c.sequences.size(); ++i)
      if (!c.sequences[i].identity) add(what::sequence, i, c.sequences[i]);
    for (std::size_t i = 0; i < c.relations.size(); ++i) {
      const auto& r = c.relations[i];
      std::size_t n = add(what::relation, i, r);
      if (r.kind == relation_kind::matview) nodes_[n].rank = 8;
      if (r.kind == relation_kind::view) nodes_[n].rank = 7;
      // A generation expression cannot be added later, so it never moves out of
      // CREATE TABLE; a cycle through one is refused.
      for (const auto& col : r.columns)
        if (col.default_oid && !col.generated) parts_[{catalog_oid::pg_attrdef, col.default_oid}] = n;
      for (const auto& ck : r.checks) {
        obj_key k{catalog_oid::pg_constraint, ck.oid};
        if (ck.validated) parts_[k] = n;
        else post_data_.insert(k);  // NOT VALID: added after the data, orders nothing here
      }
    }
  }

  pre_data_order run() {
    build_edges();
    for (int attempt = 0;; ++attempt) {
      std::vector<std::size_t> order;
      std::vector<std::size_t> stuck;
      if (sort(order, stuck)) {
        pre_data_order out;
        for (auto i : order) out.nodes.push_back(nodes_[i].on);
        out.omitted_parts = omitted_;
        return out;
      }
      if (attempt > 10000 || !break_cycle(stuck))
        throw error(errc::unsupported_object,
                    fmt::format("circular dependency that cannot be broken: {}; hint: report this schema shape, "
                                "the objects above depend on each other in a way a script cannot create",
                                describe_cycle(stuck)));
    }
  }

 private:
  template <class T>
  std::size_t add(what w, std::size_t index, const T& obj) {
    node n;
    n.on = {w, index, 0};
    n.rank = rank_of(w);
    n.schema = obj.schema;
    n.name = obj.name;
    n.key = obj.key;
    nodes_.push_back(n);
    by_key_[obj.key] = nodes_.size() - 1;
    return nodes_.size() - 1;
  }

  struct resolved {
    std::size_t idx;
    obj_key via;
  };

  std::optional<resolved> resolve(obj_key k) const {
    for (int depth = 0; depth < 16; ++depth) {
      if (auto it = by_key_.find(k); it != by_key_.end()) return resolved{it->second, {}};
      if (auto it = parts_.find(k); it != parts_.end()) return resolved{it->second, k};
      if (post_data_.count(k)) return std::nullopt;
      auto it = c_.part_of.find(k);
      if (it == c_.part_of.end()) return std::nullopt;
      k = it->second;
    }
    return std::nullopt;
  }

  void build_edges() {
    std::set<std::tuple<std::size_t, std::size_t, obj_key>> seen;
    for (const auto& d : c_.dependencies) {
      auto f = resolve(d.from);
      auto t = resolve(d.to);
      if (!f || !t || f->idx == t->idx) continue;
      // OWNED BY links a sequence to its table; the sequence is created first and the
      // table's unit says OWNED BY.
      if (nodes_[f->idx].on.kind == what::sequence && nodes_[t->idx].on.kind == what::relation) continue;
      if (seen.insert({f->idx, t->idx, f->via}).second) edges_.push_back({f->idx, t->idx, f->via});
    }
  }

  struct sort_key {
    int rank;
    std::string schema, name;
    obj_key key;
    std::size_t idx;
    bool operator<(const sort_key& o) const {
      return std::tie(rank, schema, name, key, idx) < std::tie(o.rank, o.schema, o.name, o.key, o.idx);
    }
  };
  sort_key key_of(std::size_t i) const { return {nodes_[i].rank, nodes_[i].schema, nodes_[i].name, nodes_[i].key, i}; }

  bool sort(std::vector<std::size_t>& order, std::vector<std::size_t>& stuck) const {
    std::vector<std::size_t> pending(nodes_.size(), 0);
    std::vector<std::vector<std::size_t>> dependents(nodes_.size());
    for (const auto& e : edges_) {
      ++pending[e.from];
      dependents[e.to].push_back(e.from);
    }
    std::set<sort_key> ready;
    for (std::size_t i = 0; i < nodes_.size(); ++i)
      if (pending[i] == 0) ready.insert(key_of(i));
    std::vector<bool> done(nodes_.size(), false);
    while (!ready.empty()) {
      std::size_t i = ready.begin()->idx;
      ready.erase(ready.begin());
      done[i] = true;
      order.push_back(i);
      for (auto d : dependents[i])
        if (--pending[d] == 0) ready.insert(key_of(d));
    }
    if (order.size() == nodes_.size()) return true;
    // Follow unsatisfied dependencies from the first stuck node until one repeats.
    std::size_t start = nodes_.size();
    for (std::size_t i = 0; i < nodes_.size(); ++i)
      if (!done[i] && (start == nodes_.size() || key_of(i) < key_of(start))) start = i;
    std::vector<std::size_t> path;
    std::vector<int> pos(nodes_.size(), -1);
    std::size_t cur = start;
    while (pos[cur] < 0) {
      pos[cur] = static_cast<int>(path.size());
      path.push_back(cur);
      std::optional<sort_key> next;
      for (const auto& e : edges_)
        if (e.from == cur && !done[e.to] && (!next || key_of(e.to) < *next)) next = key_of(e.to);
      cur = next->idx;
    }
    stuck.assign(path.begin() + pos[cur], path.end());
    return false;
  }

  bool break_cycle(const std::vector<std::size_t>& cycle) {
    for (std::size_t k = 0; k < cycle.size(); ++k) {
      std::size_t a = cycle[k], b = cycle[(k + 1) % cycle.size()];
      const node& na = nodes_[a];
      if (na.on.kind != what::relation) continue;
      const auto& rel = c_.relations[na.on.index];
      bool table = rel.kind == relation_kind::table || rel.kind == relation_kind::partitioned_table;
      if (table) {
        bool all_via = true, any = false;
        for (const auto& e : edges_)
          if (e.from == a && e.to == b) {
            any = true;
            if (e.via == obj_key{}) all_via = false;
          }
        if (!any || !all_via) continue;
        std::set<obj_key> vias;
        for (const auto& e : edges_)
          if (e.from == a && e.to == b) vias.insert(e.via);
        for (const auto& v : vias) split_part(a, v);
        return true;
      }
      if (rel.kind == relation_kind::view && !shelled_.count(a)) {
        split_view(a);
        return true;
      }
    }
    return false;
  }

  void split_part(std::size_t table, obj_key part) {
    node n;
    n.on = {what::split_part, nodes_[table].on.index, part.oid};
    n.rank = rank_of(what::split_part);
    n.schema = nodes_[table].schema;
    n.name = nodes_[table].name;
    n.key = part;
    nodes_.push_back(n);
    std::size_t idx = nodes_.size() - 1;
    by_key_[part] = idx;
    parts_.erase(part);
    for (auto& e : edges_)
      if (e.from == table && e.via == part) {
        e.from = idx;
        e.via = {};
      }
    edges_.push_back({idx, table, {}});
    omitted_[nodes_[table].on.index].insert(part.oid);
  }

  void split_view(std::size_t view) {
    node body = nodes_[view];
    body.on.kind = what::view_body;
    body.rank = rank_of(what::view_body);
    body.key = {0, nodes_[view].key.oid};
    nodes_.push_back(body);
    std::size_t idx = nodes_.size() - 1;
    nodes_[view].on.kind = what::view_shell;
    nodes_[view].rank = rank_of(what::view_shell);
    shelled_.insert(view);
    for (auto& e : edges_) {
      if (e.from == view) {
        // The shell needs only its schema; everything else waits for the body.
        bool schema_edge = nodes_[e.to].on.kind == what::schema;
        if (!schema_edge) e.from = idx;
      }
    }
    edges_.push_back({idx, view, {}});
  }

  std::string describe_cycle(const std::vector<std::size_t>& cycle) const {
    std::string out;
    for (auto i : cycle) {
      if (!out.empty()) out += " -> ";
      const auto& n = nodes_[i];
      out += n.schema.empty() ? util::sql::ident(n.name) : util::sql::qualified(n.schema, n.name);
    }
    if (!cycle.empty()) {
      const auto& n = nodes_[cycle.front()];
      out += " -> " + (n.schema.empty() ? util::sql::ident(n.name) : util::sql::qualified(n.schema, n.name));
    }
    return out;
  }

  const catalog& c_;
  std::vector<node> nodes_;
  std::map<obj_key, std::size_t> by_key_;
  std::map<obj_key, std::size_t> parts_;  // default/check key -> its table node
  std::set<obj_key> post_data_;
  std::vector<edge> edges_;
  std::map<std::size_t, std::set<std::uint32_t>> omitted_;
  std::set<std::size_t> shelled_;
};

}  // namespace

pre_data_order order_pre_data(const catalog& c) { return orderer(c).run(); }

}  // namespace immichbak::schema
