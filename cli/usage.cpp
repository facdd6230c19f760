// Usage errors: naming the unknown command or option the user typed, before anything else.
//
// CLI11 reports a misspelt subcommand as "A subcommand is required", and checks required
// options before unknown ones (`backup --frobnicate` says "--dest is required"). When a
// parse fails, diagnose_usage() walks the arguments the way the parser does and names the
// first word it does not know, with the nearest known one as a suggestion.
#include "cli_common.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <iostream>

namespace immichbak::cli {

namespace {

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
      // a transposition ("bakcup") counts as one edit
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) cur[j] = std::min(cur[j], prev[j - 1]);
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

// The nearest candidate, if it is near enough to be what was meant.
std::string nearest(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_d = std::string::npos;
  for (const auto& c : candidates) {
    std::size_t d = edit_distance(word, c);
    // a prefix ("--exclude" for "--exclude-regenerable") is a good guess too
    if (c.rfind(word, 0) == 0 && word.size() >= 3) d = std::min<std::size_t>(d, 1);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  std::size_t allowed = std::max<std::size_t>(1, std::min(word.size(), best.size()) / 3);
  return best_d <= allowed ? best : std::string();
}

std::vector<std::string> subcommand_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::App* s : app.get_subcommands([](const CLI::App*) { return true; })) names.push_back(s->get_name());
  return names;
}

CLI::App* find_subcommand(CLI::App& app, const std::string& name) {
  for (CLI::App* s : app.get_subcommands([](CLI::App*) { return true; }))
    if (s->check_name(name)) return s;
  return nullptr;
}

const CLI::Option* find_option(const CLI::App& app, const CLI::App* sub, const std::string& name) {
  if (sub)
    if (const CLI::Option* o = sub->get_option_no_throw(name)) return o;
  return app.get_option_no_throw(name);  // global options may follow the subcommand
}

std::vector<std::string> option_names(const CLI::App& app, const CLI::App* sub) {
  std::vector<std::string> names;
  for (const CLI::App* a : {sub, &app}) {
    if (!a) continue;
    for (const CLI::Option* o : a->get_options()) {
      for (const auto& l : o->get_lnames()) names.push_back("--" + l);
      for (const auto& s : o->get_snames()) names.push_back("-" + s);
    }
  }
  return names;
}

bool takes_value(const CLI::Option* o) { return o->get_expected_max() > 0 && o->get_type_size_max() > 0; }

std::string unknown_option(const CLI::App& app, const CLI::App* sub, const std::string& name) {
  std::string msg = fmt::format("unknown option '{}'", name);
  if (sub) msg = fmt::format("{}: {}", sub->get_name(), msg);
  std::string guess = nearest(name, option_names(app, sub));
  if (!guess.empty()) msg += fmt::format("; did you mean '{}'?", guess);
  return msg;
}

}  // namespace

std::string diagnose_usage(CLI::App& app, int argc, char** argv) {
  CLI::App* sub = nullptr;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--") break;
    if (a.size() > 1 && a[0] == '-' && a[1] == '-') {
      auto eq = a.find('=');
      std::string name = a.substr(0, eq);
      const CLI::Option* o = find_option(app, sub, name);
      if (!o) return unknown_option(app, sub, name);
      if (takes_value(o) && eq == std::string::npos) ++i;  // its value is the next word
      continue;
    }
    if (a.size() > 1 && a[0] == '-') {
      // -v, -vv, -j4, -j 4
      for (std::size_t k = 1; k < a.size(); ++k) {
        std::string name = std::string("-") + a[k];
        const CLI::Option* o = find_option(app, sub, name);
        if (!o) return unknown_option(app, sub, name);
        if (takes_value(o)) {
          if (k + 1 == a.size()) ++i;
          break;
        }
      }
      continue;
    }
    if (sub) continue;  // a positional argument of the subcommand (FILE)
    sub = find_subcommand(app, a);
    if (!sub) {
      auto names = subcommand_names(app);
      std::string guess = nearest(a, names);
      if (!guess.empty()) return fmt::format("unknown command '{}'; did you mean '{}'?", a, guess);
      std::string all;
      for (const auto& n : names) all += (all.empty() ? "" : ", ") + n;
      return fmt::format("unknown command '{}' (the commands are: {})", a, all);
    }
  }
  return {};
}

int report_usage_error(CLI::App& app, int argc, char** argv, const std::string& message) {
  std::string sub;
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--") break;
    if (a == "--json") json = true;
    if (sub.empty() && a[0] != '-' && find_subcommand(app, a)) sub = a;
  }
  if (json) {
    nlohmann::json j;
    j["ok"] = false;
    j["error"]["code"] = code_name(errc::invalid_argument);
    j["error"]["message"] = message;
    std::cout << dump_json(j) << "\n";
  }
  std::fprintf(stderr, "immichbak: error: %s\nRun 'immichbak %s--help' for the %s.\n", message.c_str(),
               sub.empty() ? "" : (sub + " ").c_str(), sub.empty() ? "commands and options" : "options");
  return exit_code::usage;
}

}  // namespace immichbak::cli
