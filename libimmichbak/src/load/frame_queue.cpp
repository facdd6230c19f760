#include "load/frame_queue.hpp"

#include <immichbak/error.hpp>

#include <map>
#include <tuple>

namespace immichbak::load {

frame_queue::frame_queue(const std::vector<item>& items, std::size_t sessions) : current_(sessions) {
  std::map<std::pair<std::string, std::string>, std::size_t> index;
  item_bytes_.reserve(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    auto [it, fresh] = index.emplace(items[i].table, tables_.size());
    if (fresh) tables_.emplace_back();
    table_state& t = tables_[it->second];
    t.items.push_back(i);
    t.bytes_left += items[i].bytes;
    item_bytes_.push_back(items[i].bytes);
  }
}

std::optional<std::size_t> frame_queue::take(std::size_t session) {
  std::lock_guard lock(mu_);
  if (session >= current_.size()) throw error(errc::internal, "frame_queue::take: no such session");
  std::optional<std::size_t> previous = current_[session];
  current_[session].reset();
  if (previous) --tables_[*previous].loading;

  // A session stays on its table while nobody else loads it: a table finishes sooner
  // and its frames are read in file order. Otherwise: fewest sessions loading it first,
  // then most bytes left; the first such table on ties (deterministic for tests).
  std::optional<std::size_t> best;
  auto has_items = [](const table_state& t) { return t.next < t.items.size(); };
  if (previous && tables_[*previous].loading == 0 && has_items(tables_[*previous])) {
    best = previous;
  } else {
    for (std::size_t k = 0; k < tables_.size(); ++k) {
      const table_state& t = tables_[k];
      if (!has_items(t)) continue;
      if (!best || std::tie(t.loading, tables_[*best].bytes_left) < std::tie(tables_[*best].loading, t.bytes_left))
        best = k;
    }
  }
  if (!best) return std::nullopt;
  table_state& t = tables_[*best];
  std::size_t i = t.items[t.next++];
  t.bytes_left -= item_bytes_[i];
  ++t.loading;
  current_[session] = best;
  return i;
}

}  // namespace immichbak::load
