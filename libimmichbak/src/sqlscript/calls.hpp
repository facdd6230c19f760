#pragma once
// The function calls written in a piece of SQL (an index definition, a function body):
// every `name(` and `schema.name(`, outside strings and comments. Not a parser: a keyword
// followed by a parenthesis (`IN (`, `COALESCE(`) comes back too, and callers look the
// names up in the catalog to tell functions from the rest.

#include <string>
#include <string_view>
#include <vector>

namespace immichbak::sqlscript {

struct function_call {
  std::string schema;  ///< empty when the call is not schema-qualified
  std::string name;    ///< as the server folds it (unquoted names lowercased)
  friend bool operator==(const function_call&, const function_call&) = default;
};

/// The calls in `sql`, in order of appearance, each once. A name after `::` (a type
/// modifier such as `numeric(10, 2)`) is not a call.
std::vector<function_call> function_calls(std::string_view sql);

}  // namespace immichbak::sqlscript
