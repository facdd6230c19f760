#pragma once
// Splits a psql script into what psql would execute, incrementally: bytes go in as they
// come (any chunking gives the same result), statements, meta-commands and COPY data come
// out through a handler. Pure code, no server.
//
// It follows psql's own lexer (src/fe_utils/psqlscan.l, PostgreSQL 15-17):
// - a statement ends at a semicolon outside quotes, comments and parentheses (psql does
//   ignore `;` inside parentheses: CREATE RULE ... DO (stmt; stmt) is one statement);
// - '...' strings ('' doubles a quote; backslashes are escapes only when
//   standard_conforming_strings is off), E'...' strings (backslash escapes), B'', X'',
//   N'', U&'...' strings, "..." and U&"..." identifiers, $$...$$ and $tag$...$tag$ bodies
//   (a tag is an identifier; `$1` is a parameter; `a$b$` is one identifier);
// - -- comments (to the end of the line) and nested /* */ comments;
// - SQL-standard function bodies: after CREATE [OR REPLACE] FUNCTION|PROCEDURE, BEGIN
//   (ATOMIC) ... END nesting (CASE ... END inside counted) keeps `;` inside the statement;
// - a backslash outside quotes starts a meta-command that runs to the end of the line
//   (\; and \: put a plain ; or : into the statement, as in psql); a statement in
//   progress continues after the meta-command line, as in psql;
// - after `COPY ... FROM STDIN;` the following lines up to a line `\.` (or `\.` followed
//   by CRLF, or `\.` at the very end) are data, handed over in pieces and never buffered.
//
// What psql does that this does not: :variable interpolation (pg_dump output never uses
// it). Leading whitespace and -- comments are dropped from a statement's text, everything
// from its first token on is kept byte for byte (psql 15+ sends comments too).

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace immichbak::sqlscript {

struct sql_statement {
  /// From the first token through the terminating semicolon, as psql would send it.
  std::string text;
  std::uint64_t line = 0;       ///< 1-based line of the first token
  bool copy_from_stdin = false;  ///< COPY ... FROM STDIN: data follows
  bool copy_to_stdout = false;   ///< COPY ... TO STDOUT
};

struct meta_command {
  std::string name;  ///< after the backslash, e.g. "connect", "c", "restrict", "."
  std::string args;  ///< the rest of the line, raw (no trailing CR/LF)
  std::uint64_t line = 0;
  /// A statement was in progress when the meta-command came (it continues after it).
  bool inside_statement = false;
};

class splitter {
 public:
  class handler {
   public:
    virtual ~handler() = default;
    virtual void statement(const sql_statement& s) = 0;
    virtual void meta(const meta_command& m) = 0;
    /// A piece of COPY data (any slicing of the rows; the `\.` line is never included).
    virtual void copy_data(std::string_view data) = 0;
    /// The `\.` line (or the end of the data) of the COPY started by the last statement.
    virtual void copy_end(std::uint64_t line) = 0;
  };

  /// `standard_conforming_strings`: the setting the script starts with (the server's).
  explicit splitter(handler& h, bool standard_conforming_strings = true)
      : h_(h), std_strings_(standard_conforming_strings), std_strings_next_(standard_conforming_strings) {}

  /// Consumes bytes; calls the handler for everything completed by them. Exceptions
  /// thrown by the handler propagate (the splitter is then unusable).
  void feed(std::string_view bytes);
  /// End of input. Throws error(corrupt_backup) when the script ends inside a statement
  /// (other than trailing comments), a quoted string or a comment, or inside COPY data.
  void finish();

  /// psql reads standard_conforming_strings from the server after each command and
  /// applies it from the next input line on; the executor calls this after each command.
  void set_standard_conforming_strings(bool on) noexcept { std_strings_next_ = on; }
  bool standard_conforming_strings() const noexcept { return std_strings_; }

  /// Prefixes the splitter's own error messages ("FILE: the script ends inside ...").
  void set_source_name(std::string name) { name_ = std::move(name); }

  /// The current 1-based line.
  std::uint64_t line() const noexcept { return line_; }

 private:
  enum class st : std::uint8_t {
    normal,
    dash,           // '-' seen: a comment if another '-' follows
    slash,          // '/' seen: a comment if '*' follows
    line_comment,
    block,          // inside /* */, depth in xcdepth_
    block_star,
    block_slash,
    xq,             // '...', no backslash escapes
    xq_quote,       // closing quote seen, or the first of ''
    xe,             // E'...'
    xe_backslash,
    xe_quote,
    xb,             // B'...' / X'...': ends at the next quote
    xd,             // "..."
    ident,          // inside an unquoted identifier/keyword
    u_amp,          // "u&" seen: U&'...', U&"..." or nothing
    dollar,         // '$' seen: a $tag$ delimiter, a $1 parameter or a plain $
    dolq,           // inside $tag$...$tag$
    dolq_close,     // '$' seen inside: a possible closing delimiter
    backslash,      // '\' seen outside quotes
    meta,           // collecting a meta-command line
    copy_tail,      // rest of the COPY ... FROM STDIN; line
    copy_data,
  };

  [[noreturn]] void fail(const std::string& message) const;
  [[noreturn]] void ends_inside(const std::string& what, std::uint64_t line) const;
  void step(char c);
  void step_normal(char c);
  void step_ident(char c);
  void step_comment(char c);
  void step_quoted(char c);
  void step_dollar(char c);
  void step_backslash(char c);
  void end_identifier(char next);
  void note_identifier(const std::string& lower);
  void note_token();
  void append(char c);
  void start_statement_if_needed();
  void terminate_statement();
  void emit_meta();
  void reset_statement();
  std::size_t copy_chunk(const char* p, const char* end);

  handler& h_;
  std::string name_;
  st state_ = st::normal;
  bool std_strings_ = true;
  bool std_strings_next_ = true;
  std::uint64_t line_ = 1;

  // statement being collected
  std::string stmt_;
  bool started_ = false;      // something was appended (psql: query_buf non-empty)
  bool has_sql_ = false;      // a token other than comments/whitespace/semicolons
  std::uint64_t start_line_ = 0;
  std::uint64_t sql_line_ = 0;

  // psql's lexer state
  int paren_depth_ = 0;
  int begin_depth_ = 0;
  int xcdepth_ = 0;
  unsigned identifier_count_ = 0;
  std::array<char, 4> identifiers_{};

  // token bookkeeping for COPY detection
  bool first_token_seen_ = false;
  bool first_is_copy_ = false;
  int prev_kw_ = 0;  // 1: previous token was FROM, 2: TO (at paren depth 0)
  bool copy_from_stdin_ = false;
  bool copy_to_stdout_ = false;

  std::string ident_;        // current identifier (lowercased, capped)
  std::size_t ident_len_ = 0;
  std::string tag_;          // dollar-quote tag being read / the open delimiter's tag
  std::string close_;        // candidate closing tag inside dolq
  bool close_overflow_ = false;
  std::uint64_t quote_line_ = 0;  // where the open quote/comment began (for errors)

  std::string meta_;         // meta-command line being collected
  std::uint64_t meta_line_ = 0;
  bool meta_inside_ = false;

  std::string copy_tail_;
  std::string copy_held_;    // a possible "\." marker split across chunks
  bool copy_line_start_ = true;
  std::uint64_t copy_line_ = 0;
};

}  // namespace immichbak::sqlscript
