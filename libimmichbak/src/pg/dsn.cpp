// Password redaction for anything shown to people: logs, errors, manifests.
#include <immichbak/dsn.hpp>

#include <libpq-fe.h>

#include <memory>
#include <string>

namespace immichbak {

namespace {

bool starts_with(const std::string& s, const char* p) { return s.rfind(p, 0) == 0; }

std::string redact_uri(const std::string& uri) {
  std::string out = uri;
  auto scheme_end = out.find("://");
  auto auth_begin = scheme_end + 3;
  auto auth_end = out.find_first_of("/?", auth_begin);
  if (auth_end == std::string::npos) auth_end = out.size();
  auto at = out.rfind('@', auth_end);
  if (at != std::string::npos && at >= auth_begin) {
    auto colon = out.find(':', auth_begin);
    if (colon != std::string::npos && colon < at) out.erase(colon, at - colon);
  }
  // password=... among the query parameters
  for (auto pos = out.find("password=", auth_end); pos != std::string::npos; pos = out.find("password=", pos + 1)) {
    if (pos > 0 && out[pos - 1] != '?' && out[pos - 1] != '&') continue;
    auto vbeg = pos + 9;
    auto vend = out.find('&', vbeg);
    if (vend == std::string::npos) vend = out.size();
    out.replace(vbeg, vend - vbeg, "***");
  }
  return out;
}

std::string quote_value(const std::string& v) {
  bool plain = !v.empty() && v.find_first_of(" \t'\\") == std::string::npos;
  if (plain) return v;
  std::string out = "'";
  for (char c : v) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

}  // namespace

std::string redact_dsn(const std::string& dsn) {
  if (dsn.empty()) return dsn;
  if (starts_with(dsn, "postgresql://") || starts_with(dsn, "postgres://")) return redact_uri(dsn);
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(dsn.c_str(), &err);
  if (err) PQfreemem(err);
  if (!opts) return "<unparseable connection string>";
  std::unique_ptr<PQconninfoOption, void (*)(PQconninfoOption*)> guard(opts, PQconninfoFree);
  std::string out;
  for (auto* o = opts; o->keyword; ++o) {
    if (!o->val) continue;
    if (!out.empty()) out += ' ';
    out += o->keyword;
    out += '=';
    out += std::string(o->keyword) == "password" ? std::string("***") : quote_value(o->val);
  }
  return out;
}

}  // namespace immichbak
