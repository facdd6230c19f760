#include "util/sql_quote.hpp"

namespace immichbak::util::sql {

namespace {
std::string quote_with(std::string_view text, char q) {
  std::string out;
  out.reserve(text.size() + 2);
  out += q;
  for (char c : text) {
    if (c == q) out += q;
    out += c;
  }
  out += q;
  return out;
}
}  // namespace

std::string ident(std::string_view name) { return quote_with(name, '"'); }

std::string qualified(std::string_view schema, std::string_view name) {
  return ident(schema) + "." + ident(name);
}

std::string literal(std::string_view text) { return quote_with(text, '\''); }

}  // namespace immichbak::util::sql
