#include "sqlscript/calls.hpp"

#include "sqlscript/words.hpp"

#include <algorithm>
#include <limits>

namespace immichbak::sqlscript {

std::vector<function_call> function_calls(std::string_view sql) {
  auto words = read_words(sql, std::numeric_limits<std::size_t>::max());
  std::vector<function_call> out;
  auto symbol = [&](std::size_t i, char c) {
    return i < words.size() && words[i].what == word::kind::symbol && words[i].value.size() == 1 && words[i].value[0] == c;
  };
  for (std::size_t i = 0; i + 1 < words.size(); ++i) {
    if (!words[i].is_name() || !symbol(i + 1, '(')) continue;
    function_call call{"", words[i].value};
    bool qualified = i >= 2 && symbol(i - 1, '.') && words[i - 2].is_name();
    if (qualified) call.schema = words[i - 2].value;
    std::size_t before = qualified ? i - 2 : i;
    if (before >= 2 && symbol(before - 1, ':') && symbol(before - 2, ':')) continue;  // ::type(typmod)
    if (std::find(out.begin(), out.end(), call) == out.end()) out.push_back(std::move(call));
  }
  return out;
}

}  // namespace immichbak::sqlscript
