#pragma once
// The SQL lexer's character classes, as psql's lexer (psqlscan.l) defines them, in one place
// for the splitter, the word reader and the meta-command parser. Bytes, not characters: a
// byte >= 0x80 (part of a multibyte UTF-8 character) may start and continue an identifier.

namespace immichbak::sqlscript::chars {

/// psqlscan.l's `space`: [ \t\n\r\f].
constexpr bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }
constexpr bool is_high(char c) { return static_cast<unsigned char>(c) >= 0x80; }
constexpr bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }
/// ident_start [A-Za-z\200-\377_]; dollar-quote tags start the same way.
constexpr bool ident_start(char c) { return is_alpha(c) || c == '_' || is_high(c); }
/// ident_cont adds [0-9\$].
constexpr bool ident_cont(char c) { return ident_start(c) || is_digit(c) || c == '$'; }
/// dolq_cont adds [0-9] only (a $ ends the tag).
constexpr bool dolq_cont(char c) { return ident_start(c) || is_digit(c); }
/// ASCII lower case (SQL keywords), bytes >= 0x80 unchanged.
constexpr char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace immichbak::sqlscript::chars
