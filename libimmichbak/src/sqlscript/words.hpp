#pragma once
// The tokens of one complete statement (as the splitter hands it over), for recognising
// the few statement shapes a restore treats specially (CREATE DATABASE, \connect targets,
// CREATE ROLE, OWNER TO ...). Not a parser: comments and whitespace are skipped, tokens
// keep their byte range so a name can be replaced in place.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace immichbak::sqlscript {

struct word {
  enum class kind { ident, quoted_ident, string, dollar_string, number, symbol };
  kind what = kind::symbol;
  /// ident: lowercased (ASCII, as the server folds); quoted_ident: without quotes,
  /// "" undoubled; string: the value ('' undoubled; E'' backslash escapes resolved for
  /// \\ \' \n \t); symbol: the character(s).
  std::string value;
  std::size_t begin = 0;  ///< byte range in the statement
  std::size_t end = 0;

  bool is(std::string_view keyword) const { return what == kind::ident && value == keyword; }
  /// An identifier, quoted or not (a name).
  bool is_name() const { return what == kind::ident || what == kind::quoted_ident; }
};

/// The first `max` tokens of `statement`. `std_strings`: standard_conforming_strings.
std::vector<word> read_words(std::string_view statement, std::size_t max = 64, bool std_strings = true);

/// The first keyword, lowercased ("" when the statement does not start with one).
std::string first_keyword(std::string_view statement);

}  // namespace immichbak::sqlscript
