#include "schema/catalog/rows.hpp"

#include <nlohmann/json.hpp>

namespace immichbak::schema::detail {

int catalog_row::col(std::string_view name) const { return rows_.result().column(name); }

bool catalog_row::is_null(std::string_view c) const { return rows_.result().is_null(index_, col(c)); }

std::string catalog_row::str(std::string_view c) const { return rows_.result().str(index_, col(c)); }

std::optional<std::string> catalog_row::opt(std::string_view c) const { return rows_.result().opt(index_, col(c)); }

std::int64_t catalog_row::i64(std::string_view c) const { return rows_.result().i64(index_, col(c)); }

std::uint32_t catalog_row::oid(std::string_view c) const {
  int i = col(c);
  return rows_.result().is_null(index_, i) ? 0 : static_cast<std::uint32_t>(rows_.result().i64(index_, i));
}

bool catalog_row::flag(std::string_view c) const { return rows_.result().boolean(index_, col(c)); }

char catalog_row::ch(std::string_view c) const {
  auto v = rows_.result().get(index_, col(c));
  return v.empty() ? 0 : v[0];
}

std::vector<std::string> catalog_row::strings(std::string_view c) const {
  std::vector<std::string> out;
  int i = col(c);
  if (rows_.result().is_null(index_, i)) return out;
  auto j = nlohmann::json::parse(rows_.result().get(index_, i));
  if (j.is_array())
    for (const auto& v : j) out.push_back(v.get<std::string>());
  return out;
}

}  // namespace immichbak::schema::detail
