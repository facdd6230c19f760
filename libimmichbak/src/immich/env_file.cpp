#include "immich/env_file.hpp"

#include <immichbak/error.hpp>

#include <fmt/format.h>

#include <cctype>
#include <cstdlib>

namespace immichbak::immich {

namespace {

using vars = std::map<std::string, std::string>;

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

// ${VAR}, ${VAR:-default}, ${VAR-default} and $VAR: the file's earlier variables, then the
// environment (compose's order); an unknown one is empty, as in compose.
std::string lookup(const std::string& name, const vars& seen) {
  if (auto it = seen.find(name); it != seen.end()) return it->second;
  const char* v = std::getenv(name.c_str());
  return v ? v : "";
}

std::string interpolate(const std::string& in, const vars& seen, const std::string& where) {
  std::string out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '$' || i + 1 >= in.size()) {
      out += in[i];
      continue;
    }
    if (in[i + 1] == '$') {  // $$ is a literal $
      out += '$';
      ++i;
      continue;
    }
    if (in[i + 1] == '{') {
      auto close = in.find('}', i + 2);
      if (close == std::string::npos) throw error(errc::invalid_argument, fmt::format("{}: unterminated ${{", where));
      std::string expr = in.substr(i + 2, close - i - 2), name = expr, fallback;
      bool if_empty = false, has_fallback = false;
      if (auto p = expr.find(":-"); p != std::string::npos) {
        name = expr.substr(0, p), fallback = expr.substr(p + 2), if_empty = true, has_fallback = true;
      } else if (auto q = expr.find('-'); q != std::string::npos) {
        name = expr.substr(0, q), fallback = expr.substr(q + 1), has_fallback = true;
      }
      const bool set = seen.count(name) || std::getenv(name.c_str());
      std::string value = lookup(name, seen);
      if (has_fallback && (!set || (if_empty && value.empty()))) value = fallback;
      out += value;
      i = close;
      continue;
    }
    std::size_t j = i + 1;
    while (j < in.size() && (std::isalnum(static_cast<unsigned char>(in[j])) || in[j] == '_')) ++j;
    if (j == i + 1) {
      out += '$';
      continue;
    }
    out += lookup(in.substr(i + 1, j - i - 1), seen);
    i = j - 1;
  }
  return out;
}

std::string double_quoted(const std::string& body) {
  std::string out;
  for (std::size_t i = 0; i < body.size(); ++i) {
    if (body[i] == '\\' && i + 1 < body.size()) {
      char c = body[++i];
      switch (c) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case '"': case '\\': case '$': out += c == '$' ? "$$" : std::string(1, c); break;
        default: out += '\\'; out += c;
      }
    } else {
      out += body[i];
    }
  }
  return out;
}

}  // namespace

vars parse_env_file(const std::string& text, const std::string& source) {
  vars out;
  std::size_t line_no = 0, pos = 0;
  while (pos <= text.size()) {
    auto nl = text.find('\n', pos);
    std::string line = text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    pos = nl == std::string::npos ? text.size() + 1 : nl + 1;
    ++line_no;
    if (line_no == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);  // a BOM from a Windows editor
    std::string t = trim(line);
    if (t.empty() || t[0] == '#') continue;
    const std::string where = fmt::format("{} line {}", source, line_no);
    if (t.rfind("export ", 0) == 0) t = trim(t.substr(7));
    auto eq = t.find('=');
    if (eq == std::string::npos)
      throw error(errc::invalid_argument,
                  fmt::format("{}: not a NAME=VALUE line; an env file holds only those and # comments", where));
    std::string name = trim(t.substr(0, eq));
    if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0])) ||
        name.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") != std::string::npos)
      throw error(errc::invalid_argument, fmt::format("{}: the variable name is not a valid name", where));
    std::string raw = trim(t.substr(eq + 1)), value;
    if (!raw.empty() && (raw[0] == '\'' || raw[0] == '"')) {
      const char q = raw[0];
      std::size_t close = 1;
      for (; close < raw.size(); ++close) {
        if (q == '"' && raw[close] == '\\') {
          ++close;
          continue;
        }
        if (raw[close] == q) break;
      }
      if (close >= raw.size())
        throw error(errc::invalid_argument,
                    fmt::format("{}: the value of {} has no closing {} (values spanning lines are not read)", where,
                                name, q == '"' ? "double quote" : "single quote"));
      std::string rest = trim(raw.substr(close + 1));
      if (!rest.empty() && rest[0] != '#')
        throw error(errc::invalid_argument, fmt::format("{}: text after the closing quote of {}'s value", where, name));
      std::string body = raw.substr(1, close - 1);
      value = q == '\'' ? body : interpolate(double_quoted(body), out, where);
    } else {
      // Unquoted: a # preceded by a space starts a comment (compose's rule); a # inside a
      // word (pass#word) is part of the value.
      for (std::size_t i = 0; i < raw.size(); ++i)
        if (raw[i] == '#' && i > 0 && (raw[i - 1] == ' ' || raw[i - 1] == '\t')) {
          raw = trim(raw.substr(0, i));
          break;
        }
      value = interpolate(raw, out, where);
    }
    out[name] = value;
  }
  return out;
}

}  // namespace immichbak::immich
