#include "pg/redact.hpp"

#include "util/hex.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <optional>

namespace immichbak::pg {

namespace {

constexpr const char* mask = "***";

bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

bool starts_with_ci(const std::string& s, std::size_t pos, const char* p) {
  for (std::size_t i = 0; p[i]; ++i) {
    if (pos + i >= s.size()) return false;
    if (std::tolower(static_cast<unsigned char>(s[pos + i])) != std::tolower(static_cast<unsigned char>(p[i])))
      return false;
  }
  return true;
}

bool is_uri(const std::string& s) { return starts_with_ci(s, 0, "postgresql://") || starts_with_ci(s, 0, "postgres://"); }

// %XX decoded where XX is hex; anything else (libpq would refuse it) kept as typed.
std::string percent_decode(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int hi = util::hex_digit(s[i + 1]), lo = util::hex_digit(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

void add(std::vector<std::string>& out, const std::string& s) {
  if (!s.empty() && std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
}

// Where a URI's userinfo password is: after "://", up to the last '@' before the query.
// Deliberately wider than libpq (which stops at the first '/'), so a password with an
// unencoded '/' or '@' is still found.
struct span {
  std::size_t begin = 0, end = 0;
};

std::optional<span> uri_password_at(const std::string& s, std::size_t scheme_sep, std::size_t limit) {
  std::size_t auth = scheme_sep + 3;
  if (auth > limit) return std::nullopt;
  std::size_t q = s.find('?', auth);
  std::size_t stop = std::min(q == std::string::npos ? s.size() : q, limit);
  if (stop <= auth) return std::nullopt;
  std::size_t at = s.rfind('@', stop - 1);
  if (at == std::string::npos || at < auth) return std::nullopt;
  std::size_t colon = s.find(':', auth);
  if (colon == std::string::npos || colon >= at || colon + 1 == at) return std::nullopt;
  return span{colon + 1, at};
}

// A keyword value the way libpq reads it: 'quoted' (backslash escapes, may be unterminated)
// or up to the next white space. Returns the span as typed and the value.
std::pair<span, std::string> keyword_value_at(const std::string& s, std::size_t pos) {
  std::string value;
  std::size_t i = pos;
  if (i < s.size() && s[i] == '\'') {
    ++i;
    while (i < s.size() && s[i] != '\'') {
      if (s[i] == '\\' && i + 1 < s.size()) ++i;
      value += s[i++];
    }
    if (i < s.size()) ++i;  // closing quote
    return {span{pos, i}, value};
  }
  while (i < s.size() && !is_space(s[i])) {
    if (s[i] == '\\' && i + 1 < s.size()) ++i;
    value += s[i++];
  }
  return {span{pos, i}, value};
}

// Positions just after "password" [ws] "=" [ws] (case-insensitive), i.e. where a value starts.
std::vector<std::size_t> password_values(const std::string& s) {
  std::vector<std::size_t> out;
  for (std::size_t p = 0; p + 8 <= s.size(); ++p) {
    if (!starts_with_ci(s, p, "password")) continue;
    std::size_t i = p + 8;
    while (i < s.size() && is_space(s[i])) ++i;
    if (i >= s.size() || s[i] != '=') continue;
    ++i;
    while (i < s.size() && is_space(s[i])) ++i;
    out.push_back(i);
  }
  return out;
}

}  // namespace

std::vector<std::string> conninfo_secrets(const std::string& conninfo) {
  std::vector<std::string> out;
  if (conninfo.empty()) return out;
  const bool uri = is_uri(conninfo);
  // Userinfo passwords of a URI, also of one given as a keyword's value.
  for (auto sep = conninfo.find("://"); sep != std::string::npos; sep = conninfo.find("://", sep + 3)) {
    std::size_t limit = conninfo.size();
    if (!uri)
      for (std::size_t i = sep; i < conninfo.size(); ++i)
        if (is_space(conninfo[i]) || conninfo[i] == '\'') {
          limit = i;
          break;
        }
    if (auto sp = uri_password_at(conninfo, sep, limit)) {
      std::string raw = conninfo.substr(sp->begin, sp->end - sp->begin);
      add(out, raw);
      add(out, percent_decode(raw));
    }
  }
  // password=VALUE: URI query parameters end at '&' or '#', keyword values as libpq reads them.
  for (std::size_t v : password_values(conninfo)) {
    if (uri) {
      std::size_t end = conninfo.find_first_of("&#", v);
      std::string raw = conninfo.substr(v, end == std::string::npos ? std::string::npos : end - v);
      add(out, raw);
      add(out, percent_decode(raw));
    } else {
      auto [sp, value] = keyword_value_at(conninfo, v);
      add(out, conninfo.substr(sp.begin, sp.end - sp.begin));
      add(out, value);
    }
  }
  // What libpq itself makes of it, when it can parse it.
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(conninfo.c_str(), &err);
  if (err) PQfreemem(err);
  if (opts) {
    std::unique_ptr<PQconninfoOption, void (*)(PQconninfoOption*)> guard(opts, PQconninfoFree);
    for (auto* o = opts; o->keyword; ++o)
      if (o->val && std::string(o->keyword) == "password") add(out, o->val);
  }
  std::sort(out.begin(), out.end(), [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  return out;
}

std::string redact_message(std::string text, const std::vector<std::string>& secrets) {
  // Longest first, so a shorter secret inside a longer one leaves nothing behind.
  for (const auto& s : secrets) {
    if (s.empty()) continue;
    for (auto p = text.find(s); p != std::string::npos; p = text.find(s, p + 3)) text.replace(p, s.size(), mask);
  }
  // URI userinfo passwords: the URI ends at white space or a quote.
  for (auto sep = text.find("://"); sep != std::string::npos; sep = text.find("://", sep + 3)) {
    std::size_t limit = text.size();
    for (std::size_t i = sep + 3; i < text.size(); ++i)
      if (is_space(text[i]) || text[i] == '"' || text[i] == '\'') {
        limit = i;
        break;
      }
    if (auto sp = uri_password_at(text, sep, limit)) {
      if (text.compare(sp->begin, sp->end - sp->begin, mask) != 0) text.replace(sp->begin, sp->end - sp->begin, mask);
    }
  }
  // password=VALUE, in either spelling; back to front so positions stay valid.
  auto values = password_values(text);
  for (auto it = values.rbegin(); it != values.rend(); ++it) {
    std::size_t v = *it;
    std::size_t end;
    if (v < text.size() && text[v] == '\'') {
      end = keyword_value_at(text, v).first.end;
    } else {
      end = v;
      while (end < text.size() && !is_space(text[end]) && text[end] != '&' && text[end] != '"' && text[end] != '#')
        ++end;
    }
    if (end > v && text.compare(v, end - v, mask) != 0) text.replace(v, end - v, mask);
  }
  return text;
}

std::string redact_uri(const std::string& uri) {
  std::string out = uri;
  auto sep = out.find("://");
  if (sep == std::string::npos) return out;
  if (auto sp = uri_password_at(out, sep, out.size())) out.erase(sp->begin - 1, sp->end - sp->begin + 1);
  auto values = password_values(out);
  for (auto it = values.rbegin(); it != values.rend(); ++it) {
    std::size_t v = *it;
    std::size_t end = out.find_first_of("&#", v);
    if (end == std::string::npos) end = out.size();
    out.replace(v, end - v, mask);
  }
  return out;
}

std::string redact_message(const std::string& text, const std::string& conninfo) {
  return redact_message(text, conninfo_secrets(conninfo));
}

}  // namespace immichbak::pg
