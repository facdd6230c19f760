#include "load/load_queue.hpp"

#include <immichbak/error.hpp>

namespace immichbak::load {

load_queue::load_queue(const std::vector<frame_queue::item>& data, const std::vector<index_unit>& indexes,
                       std::size_t sessions)
    : frames_(data, sessions), data_left_(data.size()), units_(indexes), taken_(indexes.size(), false),
      units_left_(indexes.size()) {
  frame_table_.reserve(data.size());
  for (const auto& f : data) {
    frame_table_.push_back(f.table);
    ++frames_left_[f.table];
  }
}

bool load_queue::ready(std::size_t unit) const {
  if (data_left_ == 0) return true;
  const index_unit& u = units_[unit];
  if (!u.early) return false;
  auto it = frames_left_.find(u.table);
  return it == frames_left_.end() || it->second == 0;
}

bool load_queue::lock_free(std::size_t unit) const {
  auto it = locks_.find(units_[unit].table);
  if (it == locks_.end()) return true;
  return units_[unit].exclusive ? it->second.shared == 0 : !it->second.exclusive;
}

load_queue::next load_queue::take(std::size_t session) {
  std::lock_guard lock(mu_);
  // The costliest index build that can start (the first on ties: deterministic for tests).
  std::optional<std::size_t> best;
  if (units_left_ > 0)
    for (std::size_t i = 0; i < units_.size(); ++i)
      if (!taken_[i] && ready(i) && lock_free(i) && (!best || units_[i].cost > units_[*best].cost)) best = i;
  if (best) {
    taken_[*best] = true;
    --units_left_;
    table_locks& l = locks_[units_[*best].table];
    ++l.shared;
    l.exclusive = l.exclusive || units_[*best].exclusive;
    return {kind::index, *best};
  }
  if (auto frame = frames_.take(session)) return {kind::data, *frame};
  if (units_left_ > 0) return {kind::wait, 0, changes_};
  return {kind::finished, 0};
}

bool load_queue::done(const next& n) {
  bool last_data = false;
  {
    std::lock_guard lock(mu_);
    if (n.what == kind::data) {
      if (n.item >= frame_table_.size() || data_left_ == 0) throw error(errc::internal, "load_queue::done: no such frame");
      --frames_left_[frame_table_[n.item]];
      last_data = --data_left_ == 0;
    } else if (n.what == kind::index) {
      if (n.item >= units_.size() || !taken_[n.item]) throw error(errc::internal, "load_queue::done: no such unit");
      table_locks& l = locks_[units_[n.item].table];
      if (l.shared > 0) --l.shared;
      if (units_[n.item].exclusive) l.exclusive = false;
    }
    ++changes_;
  }
  changed_.notify_all();
  return last_data;
}

void load_queue::wait_for_change(const next& waited, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  changed_.wait_for(lock, timeout, [&] { return changes_ != waited.seen; });
}

}  // namespace immichbak::load
