#include "sqlscript/splitter.hpp"

#include "sqlscript/chars.hpp"

#include <immichbak/error.hpp>

#include <fmt/format.h>

#include <cstring>

namespace immichbak::sqlscript {

namespace {

constexpr std::size_t max_keyword = 32;           // longer identifiers are never keywords
constexpr std::size_t max_meta_line = 1u << 20;   // a meta-command line longer than this is not a dump
constexpr std::size_t max_copy_tail = 4096;

using namespace chars;  // the lexer's character classes (sqlscript/chars.hpp)

}  // namespace

void splitter::fail(const std::string& message) const {
  throw error(errc::corrupt_backup, name_.empty() ? message : name_ + ": " + message);
}

void splitter::ends_inside(const std::string& what, std::uint64_t line) const {
  fail(fmt::format("the script ends inside {} that starts at line {} (is the file truncated?)", what, line));
}

void splitter::append(char c) {
  if (!started_) {
    started_ = true;
    start_line_ = line_;
  }
  stmt_.push_back(c);
}

void splitter::start_statement_if_needed() {
  if (!has_sql_) {
    has_sql_ = true;
    sql_line_ = line_;
  }
}

// A token that is not an unquoted identifier.
void splitter::note_token() {
  start_statement_if_needed();
  first_token_seen_ = true;
  prev_kw_ = 0;
}

void splitter::note_identifier(const std::string& word) {
  start_statement_if_needed();
  // COPY ... FROM STDIN / TO STDOUT at parenthesis depth 0.
  if (!first_token_seen_) {
    first_token_seen_ = true;
    first_is_copy_ = word == "copy";
  }
  if (first_is_copy_ && paren_depth_ == 0) {
    if (prev_kw_ == 1 && word == "stdin") copy_from_stdin_ = true;
    if (prev_kw_ == 2 && word == "stdout") copy_to_stdout_ = true;
    prev_kw_ = word == "from" ? 1 : word == "to" ? 2 : 0;
  } else {
    prev_kw_ = 0;
  }

  // psqlscan.l's BEGIN ... END tracking for SQL-standard function bodies, verbatim:
  // remember the first letters of the first four identifiers when they are CREATE, OR,
  // REPLACE, FUNCTION, PROCEDURE; inside CREATE [OR REPLACE] FUNCTION|PROCEDURE at
  // parenthesis depth 0, BEGIN opens, CASE opens (only inside a BEGIN), END closes.
  if (identifier_count_ == 0) identifiers_.fill(0);
  if (word == "create" || word == "function" || word == "procedure" || word == "or" || word == "replace") {
    if (identifier_count_ < identifiers_.size()) identifiers_[identifier_count_] = word[0];
  }
  ++identifier_count_;
  const auto& id = identifiers_;
  if (id[0] == 'c' && (id[1] == 'f' || id[1] == 'p' || (id[1] == 'o' && id[2] == 'r' && (id[3] == 'f' || id[3] == 'p'))) &&
      paren_depth_ == 0) {
    if (word == "begin") {
      ++begin_depth_;
    } else if (word == "case") {
      if (begin_depth_ >= 1) ++begin_depth_;
    } else if (word == "end") {
      if (begin_depth_ > 0) --begin_depth_;
    }
  }
}

void splitter::reset_statement() {
  stmt_.clear();
  started_ = false;
  has_sql_ = false;
  first_token_seen_ = false;
  first_is_copy_ = false;
  prev_kw_ = 0;
  copy_from_stdin_ = false;
  copy_to_stdout_ = false;
  identifier_count_ = 0;
}

void splitter::terminate_statement() {
  if (!has_sql_) {  // only comments and semicolons: psql would send an empty query
    reset_statement();
    return;
  }
  sql_statement s;
  s.text = std::move(stmt_);
  s.line = sql_line_;
  s.copy_from_stdin = copy_from_stdin_;
  s.copy_to_stdout = copy_to_stdout_;
  reset_statement();
  if (s.copy_from_stdin) {
    state_ = st::copy_tail;
    copy_tail_.clear();
    copy_line_ = s.line;
  }
  h_.statement(s);
}

void splitter::emit_meta() {
  std::string line = std::move(meta_);
  meta_.clear();
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.pop_back();
  meta_command m;
  std::size_t i = 0;
  // psqlscanslash.l: the command name runs to whitespace or the next backslash.
  while (i < line.size() && !is_space(line[i]) && line[i] != '\\') ++i;
  if (i == 0 && !line.empty() && line[0] == '\\') i = 1;  // "\\" (separator) as its own name
  m.name = line.substr(0, i);
  while (i < line.size() && is_space(line[i])) ++i;
  m.args = line.substr(i);
  m.line = meta_line_;
  m.inside_statement = meta_inside_;
  h_.meta(m);
}

void splitter::end_identifier(char c) {
  // Called with the first character after an identifier. String prefixes first:
  // E'..', B'..', X'..', N'..' and U&'..' / U&".. are not identifiers in psqlscan.l.
  if (ident_len_ == 1) {
    char f = ident_[0];
    if (c == '\'') {
      if (f == 'e') {
        note_token();
        append(c);
        quote_line_ = line_;
        state_ = st::xe;
        return;
      }
      if (f == 'b' || f == 'x') {
        note_token();
        append(c);
        quote_line_ = line_;
        state_ = st::xb;
        return;
      }
      if (f == 'n') {  // N'..': the N is eaten, the quote starts an ordinary string
        note_token();
        state_ = st::normal;
        step_normal(c);
        return;
      }
    }
    if (f == 'u' && c == '&') {
      state_ = st::u_amp;  // the '&' is held until we know what follows
      return;
    }
  }
  note_identifier(ident_len_ <= max_keyword ? ident_ : std::string());
  state_ = st::normal;
  step_normal(c);
}

void splitter::step_normal(char c) {
  if (is_space(c)) {
    if (started_) append(c);  // psql drops whitespace before a statement
    return;
  }
  if (ident_start(c)) {
    append(c);
    ident_.assign(1, lower(c));
    ident_len_ = 1;
    state_ = st::ident;
    return;
  }
  switch (c) {
    case '-': state_ = st::dash; return;
    case '/': state_ = st::slash; return;
    case '$': tag_.clear(); state_ = st::dollar; return;
    case '\\': state_ = st::backslash; return;
    case '\'':
      note_token();
      append(c);
      quote_line_ = line_;
      state_ = std_strings_ ? st::xq : st::xe;
      return;
    case '"':
      note_token();
      append(c);
      quote_line_ = line_;
      state_ = st::xd;
      return;
    case '(':
      note_token();
      append(c);
      ++paren_depth_;
      return;
    case ')':
      note_token();
      append(c);
      if (paren_depth_ > 0) --paren_depth_;
      return;
    case ';':
      append(c);
      if (paren_depth_ == 0 && begin_depth_ == 0) {
        terminate_statement();
      } else {
        note_token();
      }
      return;
    default:
      note_token();
      append(c);
      return;
  }
}

// One byte in the current state. The states come in families, one function each; the
// statement's text, psql's lexer state and the line count are shared members.
void splitter::step(char c) {
  switch (state_) {
    case st::normal:
      step_normal(c);
      return;
    case st::ident:
      step_ident(c);
      return;
    case st::dash:
    case st::line_comment:
    case st::slash:
    case st::block:
    case st::block_star:
    case st::block_slash:
      step_comment(c);
      return;
    case st::xq:
    case st::xq_quote:
    case st::xe:
    case st::xe_backslash:
    case st::xe_quote:
    case st::xb:
    case st::xd:
    case st::u_amp:
      step_quoted(c);
      return;
    case st::dollar:
    case st::dolq:
    case st::dolq_close:
      step_dollar(c);
      return;
    case st::backslash:
    case st::meta:
    case st::copy_tail:
    case st::copy_data:
      step_backslash(c);
      return;
  }
}

// Inside an unquoted identifier or keyword.
void splitter::step_ident(char c) {
  if (ident_cont(c)) {
    append(c);
    if (ident_len_ < max_keyword + 1) ident_.push_back(lower(c));
    ++ident_len_;
    return;
  }
  end_identifier(c);
}

// Comments: "-" and "/" that may start one, -- to the end of the line, nested /* */.
void splitter::step_comment(char c) {
  switch (state_) {
    case st::dash:
      if (c == '-') {
        // A -- comment: dropped before a statement starts (psql), kept inside one.
        if (started_) {
          append('-');
          append('-');
        }
        state_ = st::line_comment;
        return;
      }
      note_token();
      append('-');
      state_ = st::normal;
      step_normal(c);
      return;

    case st::line_comment:
      if (c == '\n' || c == '\r') {
        state_ = st::normal;
        step_normal(c);
        return;
      }
      if (started_) append(c);
      return;

    case st::slash:
      if (c == '*') {
        append('/');
        append('*');
        xcdepth_ = 0;
        quote_line_ = line_;
        state_ = st::block;
        return;
      }
      note_token();
      append('/');
      state_ = st::normal;
      step_normal(c);
      return;

    case st::block:
      append(c);
      if (c == '*') state_ = st::block_star;
      else if (c == '/') state_ = st::block_slash;
      return;

    case st::block_star:
      append(c);
      if (c == '/') {
        if (xcdepth_ == 0) state_ = st::normal;
        else {
          --xcdepth_;
          state_ = st::block;
        }
      } else if (c != '*') {
        state_ = st::block;
      }
      return;

    case st::block_slash:
      append(c);
      if (c == '*') {
        ++xcdepth_;
        state_ = st::block;
      } else if (c != '/') {
        state_ = st::block;
      }
      return;

    default:  // another family's state: step() does not send it here
      return;
  }
}

// Quoted strings and identifiers: '...', E'...', B'...'/X'...', "...", U&.
void splitter::step_quoted(char c) {
  switch (state_) {
    case st::xq:
      append(c);
      if (c == '\'') state_ = st::xq_quote;
      return;

    case st::xq_quote:
      if (c == '\'') {  // '' inside the string
        append(c);
        state_ = st::xq;
        return;
      }
      state_ = st::normal;
      step_normal(c);
      return;

    case st::xe:
      append(c);
      if (c == '\\') state_ = st::xe_backslash;
      else if (c == '\'') state_ = st::xe_quote;
      return;

    case st::xe_backslash:
      append(c);
      state_ = st::xe;
      return;

    case st::xe_quote:
      if (c == '\'') {
        append(c);
        state_ = st::xe;
        return;
      }
      state_ = st::normal;
      step_normal(c);
      return;

    case st::xb:
      append(c);
      if (c == '\'') state_ = st::normal;
      return;

    case st::xd:
      append(c);
      if (c == '"') state_ = st::normal;  // "" reopens at once: same split
      return;

    case st::u_amp:
      if (c == '\'' || c == '"') {  // U&'...' (no backslash escapes) or U&"..."
        note_token();
        append('&');
        append(c);
        quote_line_ = line_;
        state_ = c == '\'' ? st::xq : st::xd;
        return;
      }
      // psqlscan.l's xufailed: the u is not an identifier, & is an operator
      note_token();
      append('&');
      state_ = st::normal;
      step_normal(c);
      return;

    default:  // another family's state: step() does not send it here
      return;
  }
}

// $: a $tag$ delimiter, a $1 parameter or a lone $, and $tag$...$tag$ bodies.
void splitter::step_dollar(char c) {
  switch (state_) {
    case st::dollar:
      if (c == '$') {  // end of $tag$ (or $$)
        note_token();
        append('$');
        stmt_ += tag_;
        append('$');
        quote_line_ = line_;
        state_ = st::dolq;
        return;
      }
      if (tag_.empty() ? ident_start(c) : dolq_cont(c)) {
        tag_.push_back(c);
        return;
      }
      {
        // $1 (parameter), a lone $, or psqlscan.l's dolqfailed: "$" then the tag
        // characters are lexed again (as an identifier).
        note_token();
        append('$');
        state_ = st::normal;
        std::string again = std::move(tag_);
        tag_.clear();
        for (char x : again) step(x);
        step(c);
      }
      return;

    case st::dolq:
      append(c);
      if (c == '$') {
        close_.clear();
        close_overflow_ = false;
        state_ = st::dolq_close;
      }
      return;

    case st::dolq_close:
      append(c);
      if (c == '$') {
        if (!close_overflow_ && close_ == tag_) {
          tag_.clear();
          state_ = st::normal;
          return;
        }
        close_.clear();  // this $ may start the closing delimiter
        close_overflow_ = false;
        return;
      }
      if ((close_.empty() && !close_overflow_) ? ident_start(c) : dolq_cont(c)) {
        if (close_.size() < tag_.size()) close_.push_back(c);
        else close_overflow_ = true;
        return;
      }
      state_ = st::dolq;
      return;

    default:  // another family's state: step() does not send it here
      return;
  }
}

// A backslash outside quotes: \; and \:, meta-command lines, the rest of a
// COPY ... FROM STDIN; line and its data.
void splitter::step_backslash(char c) {
  switch (state_) {
    case st::backslash:
      if (c == ';' || c == ':') {  // \; and \: put the plain character into the statement
        append(c);
        if (c == ';') {
          identifier_count_ = 0;
          first_token_seen_ = false;  // COPY detection applies to what follows
          first_is_copy_ = false;
        }
        prev_kw_ = 0;
        state_ = st::normal;
        return;
      }
      meta_.clear();
      meta_line_ = line_;
      meta_inside_ = started_;
      state_ = st::meta;
      step(c);
      return;

    case st::meta:
      if (c == '\n') {
        state_ = st::normal;
        emit_meta();
        // psql adds a newline between source lines of a statement in progress
        if (started_) append('\n');
        return;
      }
      if (meta_.size() >= max_meta_line)
        fail(fmt::format("the meta-command at line {} is longer than {} bytes", meta_line_, max_meta_line));
      meta_.push_back(c);
      return;

    case st::copy_tail:
      if (c == '\n') {
        std::size_t b = 0;
        while (b < copy_tail_.size() && is_space(copy_tail_[b])) ++b;
        if (b < copy_tail_.size() && copy_tail_.compare(b, 2, "--") != 0)
          fail(fmt::format("line {}: text after COPY ... FROM stdin; on the same line is not supported", line_));
        copy_tail_.clear();
        copy_held_.clear();
        copy_line_start_ = true;
        state_ = st::copy_data;
        return;
      }
      if (copy_tail_.size() >= max_copy_tail)
        fail(fmt::format("line {}: text after COPY ... FROM stdin; on the same line is not supported", line_));
      copy_tail_.push_back(c);
      return;

    case st::copy_data:
      // feed() routes COPY data through copy_chunk(); a single byte can come here from
      // nowhere else.
      copy_chunk(&c, &c + 1);
      return;

    default:  // another family's state: step() does not send it here
      return;
  }
}

// Passes COPY data through until a line `\.` (LF or CRLF). Returns the bytes consumed;
// stops right after the end marker.
std::size_t splitter::copy_chunk(const char* p, const char* end) {
  const char* start = p;
  const char* run = p;  // data not yet handed over
  auto flush = [&](const char* upto) {
    if (upto > run) h_.copy_data(std::string_view(run, static_cast<std::size_t>(upto - run)));
    run = upto;
  };
  while (p < end) {
    if (copy_line_start_) {
      if (copy_held_.empty()) {
        if (*p != '\\') {
          copy_line_start_ = false;
          continue;
        }
        flush(p);
        copy_held_.push_back(*p++);
        run = p;
        continue;
      }
      char c = *p;
      std::string cand = copy_held_ + c;
      if (cand == "\\." || cand == "\\.\r") {
        copy_held_ = std::move(cand);
        run = ++p;
        continue;
      }
      if (c == '\n' && (copy_held_ == "\\." || copy_held_ == "\\.\r")) {
        ++p;
        std::uint64_t marker_line = line_;
        ++line_;
        std_strings_ = std_strings_next_;
        copy_held_.clear();
        state_ = st::normal;
        h_.copy_end(marker_line);
        return static_cast<std::size_t>(p - start);
      }
      // not the end marker: what was held is data
      std::string held = std::move(copy_held_);
      copy_held_.clear();
      h_.copy_data(held);
      copy_line_start_ = false;
      run = p;
      continue;
    }
    const void* nl = std::memchr(p, '\n', static_cast<std::size_t>(end - p));
    if (!nl) {
      p = end;
      break;
    }
    p = static_cast<const char*>(nl) + 1;
    ++line_;
    copy_line_start_ = true;
  }
  flush(p);
  return static_cast<std::size_t>(p - start);
}

void splitter::feed(std::string_view bytes) {
  const char* p = bytes.data();
  const char* end = p + bytes.size();
  while (p < end) {
    if (state_ == st::copy_data) {
      p += copy_chunk(p, end);
      continue;
    }
    char c = *p++;
    step(c);
    if (c == '\n') {
      ++line_;
      std_strings_ = std_strings_next_;  // psql takes the setting per input line
    }
  }
}

void splitter::finish() {
  switch (state_) {
    case st::normal:
    case st::line_comment:
    case st::xq_quote:
    case st::xe_quote:
      break;
    case st::dash:
      note_token();
      append('-');
      break;
    case st::slash:
      note_token();
      append('/');
      break;
    case st::ident:
      note_identifier(ident_len_ <= max_keyword ? ident_ : std::string());
      break;
    case st::u_amp:
      note_token();
      append('&');
      break;
    case st::dollar: {
      note_token();
      append('$');
      state_ = st::normal;
      std::string again = std::move(tag_);
      tag_.clear();
      for (char x : again) step(x);
      if (state_ == st::ident) note_identifier(ident_len_ <= max_keyword ? ident_ : std::string());
      break;
    }
    case st::backslash:
      meta_.clear();
      meta_line_ = line_;
      meta_inside_ = started_;
      emit_meta();
      break;
    case st::meta:
      emit_meta();
      break;
    case st::block:
    case st::block_star:
    case st::block_slash:
      ends_inside("a /* comment", quote_line_);
    case st::xq:
    case st::xe:
    case st::xe_backslash:
    case st::xb:
      ends_inside("a quoted string", quote_line_);
    case st::xd:
      ends_inside("a quoted identifier", quote_line_);
    case st::dolq:
    case st::dolq_close:
      ends_inside(fmt::format("a dollar-quoted string (${}$)", tag_), quote_line_);
    case st::copy_tail:
      ends_inside("the COPY data (nothing after the COPY statement)", copy_line_);
    case st::copy_data:
      if (copy_held_ == "\\." || copy_held_ == "\\.\r") {  // "\." as the very last bytes
        copy_held_.clear();
        state_ = st::normal;
        h_.copy_end(line_);
        break;
      }
      ends_inside("the COPY data (no \\. line)", copy_line_);
  }
  state_ = st::normal;
  if (has_sql_) {
    if (begin_depth_ > 0 || paren_depth_ > 0)
      ends_inside(paren_depth_ > 0 ? "a parenthesis of the statement" : "a BEGIN ... END function body", sql_line_);
    ends_inside("a statement (no terminating semicolon)", sql_line_);
  }
  reset_statement();
}

}  // namespace immichbak::sqlscript
