#include "sqlscript/words.hpp"

#include "sqlscript/chars.hpp"

namespace immichbak::sqlscript {

namespace {
using namespace chars;  // the lexer's character classes (sqlscript/chars.hpp)
}  // namespace

// One loop over the characters with one cursor, a branch per token kind; kept whole (about
// 100 lines) because splitting it would pass the cursor and the output through every branch.
std::vector<word> read_words(std::string_view s, std::size_t max, bool std_strings) {
  std::vector<word> out;
  std::size_t i = 0;
  const std::size_t n = s.size();
  // A '...' string or a "..." identifier (a doubled quote is one quote character); s[i] is
  // the opening quote.
  auto read_quoted = [&](word& w, char quote, bool escapes) {
    ++i;
    while (i < n) {
      char c = s[i];
      if (escapes && c == '\\' && i + 1 < n) {
        char e = s[i + 1];
        w.value.push_back(e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e);
        i += 2;
        continue;
      }
      if (c == quote) {
        if (i + 1 < n && s[i + 1] == quote) {
          w.value.push_back(quote);
          i += 2;
          continue;
        }
        ++i;
        return;
      }
      w.value.push_back(c);
      ++i;
    }
  };
  while (i < n && out.size() < max) {
    char c = s[i];
    if (is_space(c)) {
      ++i;
      continue;
    }
    if (c == '-' && i + 1 < n && s[i + 1] == '-') {
      while (i < n && s[i] != '\n' && s[i] != '\r') ++i;
      continue;
    }
    if (c == '/' && i + 1 < n && s[i + 1] == '*') {
      int depth = 0;
      i += 2;
      while (i < n) {
        if (s[i] == '/' && i + 1 < n && s[i + 1] == '*') {
          ++depth;
          i += 2;
        } else if (s[i] == '*' && i + 1 < n && s[i + 1] == '/') {
          i += 2;
          if (depth-- == 0) break;
        } else {
          ++i;
        }
      }
      continue;
    }
    word w;
    w.begin = i;
    if (ident_start(c)) {
      // E'..' / B'..' / X'..' / N'..' / U&'..' prefixes
      if (i + 1 < n && s[i + 1] == '\'' && std::string_view("eEbBxXnN").find(c) != std::string_view::npos) {
        w.what = word::kind::string;
        ++i;
        read_quoted(w, '\'', lower(c) == 'e' || (lower(c) == 'n' && !std_strings));
      } else if (i + 2 < n && lower(c) == 'u' && s[i + 1] == '&' && (s[i + 2] == '\'' || s[i + 2] == '"')) {
        i += 2;
        if (s[i] == '\'') {
          w.what = word::kind::string;
          read_quoted(w, '\'', false);
        } else {
          w.what = word::kind::quoted_ident;
          read_quoted(w, '"', false);
        }
      } else {
        w.what = word::kind::ident;
        while (i < n && ident_cont(s[i])) w.value.push_back(lower(s[i++]));
      }
    } else if (c == '"') {
      w.what = word::kind::quoted_ident;
      read_quoted(w, '"', false);
    } else if (c == '\'') {
      w.what = word::kind::string;
      read_quoted(w, '\'', !std_strings);
    } else if (c == '$' && i + 1 < n && (s[i + 1] == '$' || ident_start(s[i + 1]))) {
      std::size_t j = i + 1;
      while (j < n && s[j] != '$' && dolq_cont(s[j])) ++j;
      if (j < n && s[j] == '$') {
        std::string delim(s.substr(i, j - i + 1));
        std::size_t close = s.find(delim, j + 1);
        std::size_t body_end = close == std::string_view::npos ? n : close;
        w.what = word::kind::dollar_string;
        w.value = std::string(s.substr(j + 1, body_end - j - 1));
        i = close == std::string_view::npos ? n : close + delim.size();
      } else {
        w.what = word::kind::symbol;
        w.value = "$";
        ++i;
      }
    } else if (c >= '0' && c <= '9') {
      w.what = word::kind::number;
      while (i < n && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.')) w.value.push_back(s[i++]);
    } else {
      w.what = word::kind::symbol;
      w.value.push_back(c);
      ++i;
    }
    w.end = i;
    out.push_back(std::move(w));
  }
  return out;
}

std::string first_keyword(std::string_view statement) {
  auto w = read_words(statement, 1);
  if (w.empty() || w[0].what != word::kind::ident) return {};
  return w[0].value;
}

}  // namespace immichbak::sqlscript
