#include "sqlscript/survey.hpp"

#include "sqlscript/byte_source.hpp"
#include "sqlscript/classify.hpp"
#include "sqlscript/executor.hpp"
#include "sqlscript/splitter.hpp"
#include "sqlscript/words.hpp"

#include <immichbak/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

namespace immichbak::sqlscript {

std::vector<std::string> script_survey::connect_targets() const {
  std::vector<std::string> out;
  for (const auto& s : sections)
    if (!s.name.empty() && std::find(out.begin(), out.end(), s.name) == out.end()) out.push_back(s.name);
  return out;
}

const script_section* script_survey::section(const std::string& name) const {
  for (const auto& s : sections)
    if (s.name == name) return &s;
  return nullptr;
}

namespace {

const std::vector<std::string> supported_meta = {"connect", "c", "set", "unset", "restrict", "unrestrict",
                                                 "encoding", "echo", "qecho"};

struct surveyor : splitter::handler {
  script_survey sv;
  std::size_t current = 0;  // index into sv.sections
  splitter* sp = nullptr;

  surveyor() { sv.sections.push_back(script_section{}); }

  script_section& sec() { return sv.sections[current]; }

  void content(std::uint64_t line) {
    if (sec().content++ == 0) sec().first_content_line = line;
  }

  void statement(const sql_statement& s) override {
    ++sv.statements;
    if (s.copy_from_stdin) {
      ++sv.copy_blocks;
      content(s.line);
      return;
    }
    // the executor learns this from the server; here the script's own SETs tell
    std::string k = first_keyword(s.text);
    if (k == "set") {
      auto w = read_words(s.text, 4);
      if (w.size() >= 4 && w[1].is("standard_conforming_strings"))
        sp->set_standard_conforming_strings(!(w[3].is("off") || (w[3].what == word::kind::string && w[3].value == "off")));
      if (auto enc = client_encoding_setting(s.text); enc && !sv.client_encoding) sv.client_encoding = *enc;
    }
    if (is_session_statement(s.text)) return;

    if (k == "create" || k == "drop" || k == "alter" || k == "comment" || k == "grant" || k == "revoke" ||
        k == "security" || k == "update") {
      database_statement ref = database_reference(s.text);
      if (ref.what != database_statement::kind::none) {
        if (ref.what == database_statement::kind::create) {
          sv.created_databases.push_back(ref.name);
          if (ref.encoding) sv.database_encoding[ref.name] = *ref.encoding;
        } else if (ref.what != database_statement::kind::drop &&
                   ref.what != database_statement::kind::update_pg_database) {
          sv.database_statements.emplace(ref.name, s.line);
          if (ref.owner) sv.sets_database_owner = true;
          if (ref.search_path) sv.database_search_path[ref.name] = *ref.search_path;
        }
        // the roles an ALTER DATABASE ... OWNER TO / GRANT ... ON DATABASE needs
        note_roles(s);
        return;
      }
      global_statement g = global_reference(s.text);
      if (g.what == global_statement::kind::create_role) sv.roles_created.push_back(g.name);
      if (g.what == global_statement::kind::create_tablespace) sv.tablespaces_created.push_back(g.name);
      if (g.what != global_statement::kind::none) return;
      if (is_role_membership_statement(s.text)) {
        note_roles(s);
        return;
      }
      if (k == "alter") {
        auto w = read_words(s.text, 2);
        if (w.size() == 2 && (w[1].is("role") || w[1].is("user") || w[1].is("group"))) {
          note_roles(s);
          return;
        }
      }
      if (k == "create") {
        if (auto e = create_extension(s.text)) {
          sec().extensions.push_back(e->name);
          if (!e->schema.empty()) sec().extension_schemas.push_back(e->schema);
        }
      }
    }
    note_roles(s);
    content(s.line);
    if (is_public_schema_statement(s.text)) ++sec().public_schema;
  }

  void note_roles(const sql_statement& s) {
    auto roles = referenced_roles(s.text);
    if (roles.empty()) return;
    auto& target = is_privilege_statement(s.text) ? sec().privilege_roles : sec().owner_roles;
    for (const auto& r : roles) target.emplace(r, s.line);
  }

  void meta(const meta_command& m) override {
    if (std::find(supported_meta.begin(), supported_meta.end(), m.name) == supported_meta.end()) {
      if (sv.unsupported_meta.size() < 5) sv.unsupported_meta.push_back(fmt::format("\\{} at line {}", m.name, m.line));
      return;
    }
    if (m.name != "connect" && m.name != "c") return;
    std::string target;
    try {
      auto a = meta_arguments(m.args, false, m.line);
      std::size_t i = (!a.empty() && a[0].rfind("-reuse-previous=", 0) == 0) ? 1 : 0;
      if (i < a.size()) target = connect_target(a[i], m.line);
    } catch (const error& e) {
      if (sv.unsupported_meta.size() < 5) sv.unsupported_meta.push_back(e.what());
      return;
    }
    if (target == "-") target = sv.sections[current].name;
    for (std::size_t i = 0; i < sv.sections.size(); ++i)
      if (sv.sections[i].name == target && !target.empty()) {
        current = i;
        return;
      }
    script_section s;
    s.name = target;
    s.line = m.line;
    sv.sections.push_back(std::move(s));
    current = sv.sections.size() - 1;
  }

  void copy_data(std::string_view) override {}
  void copy_end(std::uint64_t) override {}
};

// pg_dump: "--\n-- PostgreSQL database dump\n--\n" at the top and
// "--\n-- PostgreSQL database dump complete\n--\n" near the end; pg_dumpall says
// "database cluster dump".
bool has_line(std::string_view text, std::string_view line) {
  std::size_t pos = 0;
  while ((pos = text.find(line, pos)) != std::string_view::npos) {
    bool start = pos == 0 || text[pos - 1] == '\n';
    std::size_t after = pos + line.size();
    bool end = after == text.size() || text[after] == '\n' || text[after] == '\r';
    if (start && end) return true;
    pos = after;
  }
  return false;
}

}  // namespace

script_survey survey_script(byte_source& source, const event_sink* events, const std::string& phase) {
  surveyor s;
  std::string_view head = source.peek(4096);
  if (has_line(head, "-- PostgreSQL database cluster dump")) s.sv.made_by = script_survey::producer::pg_dumpall;
  else if (has_line(head, "-- PostgreSQL database dump")) s.sv.made_by = script_survey::producer::pg_dump;

  splitter sp(s);
  sp.set_source_name(source.path().string());
  s.sp = &sp;
  std::string tail;  // the last bytes, for the closing comment
  constexpr std::size_t tail_keep = 2048;
  std::vector<char> buf(256 * 1024);
  auto started = std::chrono::steady_clock::now();
  auto last = started;
  for (;;) {
    if (events && events->cancel && events->cancel->load())
      throw error(errc::cancelled, fmt::format("reading {} cancelled", source.path().string()));
    std::size_t n = source.read(buf.data(), buf.size());
    if (n == 0) break;
    std::string_view chunk(buf.data(), n);
    sp.feed(chunk);
    if (chunk.size() >= tail_keep) tail.assign(chunk.substr(chunk.size() - tail_keep));
    else {
      tail.append(chunk);
      if (tail.size() > tail_keep) tail.erase(0, tail.size() - tail_keep);
    }
    auto now = std::chrono::steady_clock::now();
    if (events && events->progress && now - last > std::chrono::milliseconds(200)) {
      last = now;
      progress_event ev;
      ev.phase = phase;
      ev.bytes_done = source.file_offset();
      ev.bytes_total = source.file_size();
      ev.elapsed_seconds = std::chrono::duration<double>(now - started).count();
      events->progress(ev);
    }
  }
  sp.finish();
  s.sv.lines = sp.line();
  s.sv.plain_bytes = source.plain_offset();
  if (s.sv.made_by == script_survey::producer::pg_dumpall)
    s.sv.complete = has_line(tail, "-- PostgreSQL database cluster dump complete");
  else if (s.sv.made_by == script_survey::producer::pg_dump)
    s.sv.complete = has_line(tail, "-- PostgreSQL database dump complete");
  return std::move(s.sv);
}

}  // namespace immichbak::sqlscript
