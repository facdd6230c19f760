#pragma once
// The one place identifiers and literals are quoted. Identifiers are always quoted, so
// mixed case, reserved words, embedded quotes and unicode need no special cases.
// Literals assume standard_conforming_strings = on (the backup header pins it).

#include <string>
#include <string_view>

namespace immichbak::util::sql {

/// "name" with embedded double quotes doubled.
std::string ident(std::string_view name);
/// "schema"."name"
std::string qualified(std::string_view schema, std::string_view name);
/// 'text' with embedded single quotes doubled. Text containing a backslash is still
/// written as a standard string: backslashes are literal under standard_conforming_strings.
std::string literal(std::string_view text);

}  // namespace immichbak::util::sql
