#include "load/binary_types.hpp"

#include <immichbak/error.hpp>

#include "pg/connection.hpp"
#include "util/hex.hpp"

#include <optional>
#include <set>

namespace immichbak::load {

namespace {

// Values in the forms the output functions write, with the awkward cases: negative zero,
// exponents both ways, the largest float4, long and short mantissas.
constexpr const char* probe_floats = "0.5,-1.25e-07,3.4028235e+38,-0,1e-05,42,0.0006371206,-0.1057174,1.1754944e-38";

std::vector<std::string> probe_texts(binary_kind k) {
  switch (k) {
    case binary_kind::uuid: return {"0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", "00000000-0000-0000-0000-000000000000"};
    case binary_kind::float4_array: return {std::string("{") + probe_floats + "}", "{}", "{7}"};
    case binary_kind::vector: return {std::string("[") + probe_floats + "]", "[7]"};
  }
  return {};
}

std::optional<std::string> unhex_bytea(std::string_view t) {
  if (t.substr(0, 2) != "\\x" || t.size() % 2 != 0) return std::nullopt;
  std::string out;
  for (std::size_t i = 2; i < t.size(); i += 2) {
    int hi = util::hex_digit(t[i]), lo = util::hex_digit(t[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

// The server's send function on every probe value equals encode_value() of it.
bool probe(pg::connection& c, binary_kind k, const std::string& send_fn, const std::string& type_name) {
  for (const auto& text : probe_texts(k)) {
    std::string ours;
    if (!encode_value(k, text, ours)) return false;
    auto r = c.exec("SELECT " + send_fn + "($1::" + type_name + ")", {text});
    auto theirs = unhex_bytea(r.get(0, 0));
    if (!theirs || *theirs != ours) return false;
  }
  return true;
}

bool probe_guarded(pg::connection& c, binary_kind k, const std::string& send_fn, const std::string& type_name) {
  // A failed statement inside BEGIN would doom the transaction: give it a savepoint.
  const bool tx = c.in_transaction();
  try {
    if (tx) c.exec("SAVEPOINT immichbak_binary_probe");
    bool ok = probe(c, k, send_fn, type_name);
    if (tx) c.exec("RELEASE SAVEPOINT immichbak_binary_probe");
    return ok;
  } catch (const error& e) {
    if (e.code() == errc::connection_failed) throw;
    if (tx) c.exec("ROLLBACK TO SAVEPOINT immichbak_binary_probe; RELEASE SAVEPOINT immichbak_binary_probe");
    return false;
  }
}

}  // namespace

binary_columns find_binary_columns(pg::connection& c, const std::vector<table_key>& tables) {
  binary_columns out;
  if (tables.empty()) return out;
  std::set<table_key> wanted(tables.begin(), tables.end());
  // regproc / format_type print names as the current search path needs them, so the
  // probe statements below resolve in this session.
  auto r = c.exec(
      "SELECT n.nspname, k.relname, a.attname, t.oid, "
      "CASE WHEN t.oid = 'pg_catalog.uuid'::pg_catalog.regtype THEN 'uuid' "
      "WHEN t.typelem = 'pg_catalog.float4'::pg_catalog.regtype "
      " AND t.typreceive = 'pg_catalog.array_recv'::pg_catalog.regproc THEN 'float4[]' "
      "WHEN t.typname = 'vector' AND t.typtype = 'b' AND rp.proname = 'vector_recv' THEN 'vector' END, "
      "t.typsend::pg_catalog.regproc::pg_catalog.text, pg_catalog.format_type(t.oid, NULL) "
      "FROM pg_catalog.pg_attribute a "
      "JOIN pg_catalog.pg_class k ON k.oid = a.attrelid "
      "JOIN pg_catalog.pg_namespace n ON n.oid = k.relnamespace "
      "JOIN pg_catalog.pg_type t ON t.oid = a.atttypid "
      "JOIN pg_catalog.pg_proc rp ON rp.oid = t.typreceive "
      "WHERE a.attnum > 0 AND NOT a.attisdropped AND k.relkind IN ('r', 'p') "
      "AND n.nspname NOT IN ('pg_catalog', 'information_schema')");
  std::map<std::string, std::optional<binary_kind>> probed;  // by type oid
  for (int i = 0; i < r.rows(); ++i) {
    if (r.is_null(i, 4) || !wanted.count({r.str(i, 0), r.str(i, 1)})) continue;
    std::string kind_name = r.str(i, 4);
    binary_kind k = kind_name == "uuid"       ? binary_kind::uuid
                    : kind_name == "float4[]" ? binary_kind::float4_array
                                              : binary_kind::vector;
    std::string oid = r.str(i, 3);
    auto it = probed.find(oid);
    if (it == probed.end())
      it = probed.emplace(oid, probe_guarded(c, k, r.str(i, 5), r.str(i, 6)) ? std::optional(k) : std::nullopt).first;
    if (it->second) out[{r.str(i, 0), r.str(i, 1)}][r.str(i, 2)] = *it->second;
  }
  return out;
}

std::vector<binary_kind> binary_plan(const std::map<std::string, binary_kind>& table_columns,
                                     const std::string& copy_columns) {
  auto names = split_column_list(copy_columns);
  if (!names || names->empty()) return {};
  std::vector<binary_kind> kinds;
  for (const auto& n : *names) {
    auto it = table_columns.find(n);
    if (it == table_columns.end()) return {};
    kinds.push_back(it->second);
  }
  return kinds;
}

}  // namespace immichbak::load
