#include "copytext/binary_plan.hpp"

#include "pg/connection.hpp"
#include "util/sql_quote.hpp"

#include <immichbak/error.hpp>

#include <fmt/format.h>

#include <map>
#include <optional>
#include <utility>

namespace immichbak::copytext {

namespace {

// Values that reach the corners of each output function: signs, extremes, subnormals,
// NaN and infinities, the switch between fixed and exponent notation, escapes, NULLs.
std::vector<std::string> probe_literals(render_kind kind, std::uint32_t type_oid) {
  switch (kind) {
    case render_kind::boolean: return {"true", "false"};
    case render_kind::int2: return {"0", "-32768", "32767"};
    case render_kind::int4: return {"0", "-2147483648", "2147483647"};
    case render_kind::int8: return {"0", "-9223372036854775808", "9223372036854775807"};
    case render_kind::float4:
      return {"0",     "-0",        "1",          "0.1",    "1e-45",  "1.1754942e-38", "3.4028235e38", "NaN",
              "Infinity", "-Infinity", "123456", "1234567", "0.0001", "0.00001",       "-1.5e-07",     "16777216"};
    case render_kind::float8:
      return {"0",        "-0",        "1",           "0.1",   "5e-324",  "2.2250738585072014e-308",
              "1.7976931348623157e308", "NaN", "Infinity", "-Infinity", "1e15", "1e14", "123456789012345",
              "0.0001",   "0.00001",   "9007199254740993"};
    case render_kind::text:
      if (type_oid == 114) return {R"({"a": [1, "x\\ty"], "b": null})", R"("\u00e9")", "null"};
      return {"''", "'plain'", "E'tab\\there'", "E'line\\nbreak\\r'", "E'back\\\\slash'", "E'\\001\\013\\010\\014 é'"};
    case render_kind::jsonb: return {R"('{"b": 1, "a": "x\ty", "c": [1.50, 1e3, null]}')", "'null'", R"('"é"')"};
    case render_kind::bytea: return {"'\\x00ff5c0a09'", "''"};
    case render_kind::uuid: return {"'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'", "'00000000-0000-0000-0000-000000000000'"};
    case render_kind::int2_array: return {"'{1,NULL,-3}'", "'{}'", "'[0:1]={1,2}'", "'{{1,2},{3,4}}'"};
    case render_kind::int4_array: return {"'{1,NULL,-2147483648}'", "'{}'", "'[0:1]={1,2}'", "'{{1,2},{3,4}}'"};
    case render_kind::int8_array: return {"'{1,NULL,-9223372036854775808}'", "'{}'", "'[-2:-1]={1,2}'"};
    case render_kind::float4_array:
      return {"'{NaN,-Infinity,1e-45,0.1,-0,1234567,NULL}'", "'{}'", "'[2:3][1:1]={{0.5},{2}}'"};
    case render_kind::float8_array: return {"'{NaN,Infinity,5e-324,0.1,-0,1e15,NULL}'", "'{}'", "'{{1,2},{3,4}}'"};
    case render_kind::vector: return {"'[1,0.5,-3e-07,1e+20,0.1]'", "'[-0]'"};
  }
  return {};
}

// The literal as SQL: most lists above are quoted already; json's and the numbers' are not.
std::string as_sql(render_kind kind, std::uint32_t type_oid, const std::string& lit) {
  if (kind == render_kind::text && type_oid == 114) return util::sql::literal(lit);
  if (lit.front() == '\'' || (lit.size() > 1 && lit[0] == 'E' && lit[1] == '\'')) return lit;
  return util::sql::literal(lit);
}

std::optional<render_kind> kind_of(std::uint32_t oid, const std::string& typname, const std::string& send) {
  if (auto k = builtin_kind(oid)) return k;
  if (typname == "vector" && send == "vector_send") return render_kind::vector;  // pgvector
  return std::nullopt;
}

}  // namespace

bool probe_type(pg::connection& c, render_kind kind, std::uint32_t type_oid, const std::string& type_name) {
  std::string values;
  for (const auto& lit : probe_literals(kind, type_oid))
    values += fmt::format("{}({}::{})", values.empty() ? "" : ", ", as_sql(kind, type_oid, lit), type_name);
  values += fmt::format(", (NULL::{})", type_name);
  const std::string select = fmt::format("SELECT v FROM (VALUES {}) AS probe(v)", values);
  c.exec("SAVEPOINT immichbak_binary_probe");
  bool same = false;
  try {
    std::string text, rendered;
    c.copy_out("COPY (" + select + ") TO STDOUT", [&](std::string_view row) { text.append(row); });
    binary_row_decoder decoder({kind});
    c.copy_out("COPY (" + select + ") TO STDOUT (FORMAT binary)", [&](std::string_view m) {
      decoder.feed(m, [&](std::string_view row) { rendered.append(row); });
    });
    decoder.finish();
    same = !text.empty() && text == rendered;
  } catch (const error&) {
    same = false;  // a type that cannot even be probed keeps the text path
  }
  c.exec("ROLLBACK TO SAVEPOINT immichbak_binary_probe; RELEASE SAVEPOINT immichbak_binary_probe");
  return same;
}

std::vector<std::vector<render_kind>> plan_binary_copy(pg::connection& c, const std::vector<table_columns>& tables) {
  std::vector<std::vector<render_kind>> out(tables.size());
  std::string oids;
  for (const auto& t : tables)
    if (!t.copy_columns.empty()) {
      if (!oids.empty()) oids += ',';
      oids += std::to_string(t.oid);
    }
  if (oids.empty()) return out;
  // A domain is sent and output as its base type; one level of it is looked through.
  auto r = c.exec(fmt::format(
      "SELECT a.attrelid, a.attname, b.oid, b.typname, p.proname, pg_catalog.format_type(b.oid, NULL) "
      "FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid "
      "JOIN pg_catalog.pg_type b ON b.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END "
      "JOIN pg_catalog.pg_proc p ON p.oid = b.typsend "
      "WHERE a.attrelid IN ({}) AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '' "
      "ORDER BY a.attrelid, a.attnum",
      oids));
  struct column {
    std::string name;
    std::optional<render_kind> kind;
    std::uint32_t type_oid;
  };
  std::map<std::uint32_t, std::vector<column>> by_table;
  std::map<std::uint32_t, bool> passed;  // type oid -> probe result
  std::map<std::uint32_t, std::pair<render_kind, std::string>> to_probe;
  for (int i = 0; i < r.rows(); ++i) {
    const auto rel = static_cast<std::uint32_t>(std::stoul(r.str(i, 0)));
    const auto type = static_cast<std::uint32_t>(std::stoul(r.str(i, 2)));
    auto kind = kind_of(type, r.str(i, 3), r.str(i, 4));
    by_table[rel].push_back({r.str(i, 1), kind, type});
    if (kind) to_probe.emplace(type, std::make_pair(*kind, r.str(i, 5)));
  }
  for (std::size_t i = 0; i < tables.size(); ++i) {
    auto it = by_table.find(tables[i].oid);
    if (it == by_table.end()) continue;
    std::string list;
    std::vector<render_kind> kinds;
    bool all = true;
    for (const auto& col : it->second) {
      if (!list.empty()) list += ", ";
      list += util::sql::ident(col.name);
      if (!col.kind) {
        all = false;
        continue;
      }
      auto p = passed.find(col.type_oid);
      if (p == passed.end()) {
        const auto& [kind, name] = to_probe.at(col.type_oid);
        p = passed.emplace(col.type_oid, probe_type(c, kind, col.type_oid, name)).first;
      }
      if (!p->second) all = false;
      kinds.push_back(*col.kind);
    }
    // The catalog's columns must be exactly the ones the backup copies, in its order.
    if (all && "(" + list + ")" == tables[i].copy_columns) out[i] = std::move(kinds);
  }
  return out;
}

}  // namespace immichbak::copytext
