// mini_index.hpp -- a small string-key learned index on libsia, for tests.
//
// A root model over groups; each group a sorted key array plus an insert
// buffer and a linear model over the key bytes (bytes + bias), fitted
// through sia.hpp. Positions in a group's array are the targets, so a
// compaction (merging the buffer into the array) shifts them: it retrains
// through incre_train_shifted (the new keys absorbed into the memoized R, the
// solve against all keys' current positions) and then recomputes the
// group's error bound exactly. A group that grows too large splits: its
// children cold-train (no factor identity recovers a subset) and the
// parent's memo is dropped. Adjacent groups merge through sia_memo_merge
// (R of the union from the two R's) followed by a shifted retrain.
// The index's own code: it depends on nobody else's.
#ifndef SIA_MINI_INDEX_HPP
#define SIA_MINI_INDEX_HPP

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sia.hpp"

namespace mini {

class index {
 public:
  static constexpr int key_len = 16;
  static constexpr int n = key_len + 1;  // bytes + bias

  struct stats {
    long compactions = 0, splits = 0, merges = 0, cold = 0;
  };

  // Bulk load sorted, unique keys into groups of group_size.
  explicit index(std::vector<std::string> keys, size_t group_size = 512, size_t buffer_max = 64,
                 size_t split_at = 2048)
      : buffer_max_(buffer_max), split_at_(split_at) {
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    for (size_t lo = 0; lo < keys.size(); lo += group_size) {
      auto g = std::make_unique<group>(next_id_++);
      g->keys.assign(keys.begin() + lo, keys.begin() + std::min(keys.size(), lo + group_size));
      cold_fit(*g);
      groups_.push_back(std::move(g));
    }
  }

  ~index() {
    for (auto &g : groups_) sia::model(g->id).drop();
  }

  bool contains(const std::string &k) const {
    const group &g = *groups_[route(k)];
    if (std::binary_search(g.buffer.begin(), g.buffer.end(), k)) return true;
    if (g.keys.empty()) return false;
    const long m = static_cast<long>(g.keys.size());
    const long p = predict(g, k);
    const long lo = std::max(0L, p - g.err - 1), hi = std::min(m, p + g.err + 2);
    return std::binary_search(g.keys.begin() + lo, g.keys.begin() + hi, k);
  }

  void insert(const std::string &k) {
    const size_t gi = route(k);
    group &g = *groups_[gi];
    auto it = std::lower_bound(g.buffer.begin(), g.buffer.end(), k);
    if (it != g.buffer.end() && *it == k) return;
    if (std::binary_search(g.keys.begin(), g.keys.end(), k)) return;
    g.buffer.insert(it, k);
    if (g.buffer.size() >= buffer_max_) {
      compact(g);
      if (g.keys.size() >= split_at_) split(gi);
    }
  }

  // Merge group gi with its right neighbour (both must exist).
  void merge(size_t gi) {
    group &l = *groups_[gi], &r = *groups_[gi + 1];
    sia::model(l.id).merge_from(sia::model(l.id), sia::model(r.id));  // R of the union
    sia::model(r.id).drop();
    l.keys.insert(l.keys.end(), r.keys.begin(), r.keys.end());
    l.buffer.insert(l.buffer.end(), r.buffer.begin(), r.buffer.end());
    std::sort(l.buffer.begin(), l.buffer.end());
    groups_.erase(groups_.begin() + static_cast<long>(gi) + 1);
    st_.merges++;
    if (l.buffer.empty()) {
      // The shifted retrain needs at least one new row; with both buffers
      // empty (rare) the merged group is refitted cold instead.
      cold_fit(l);
    } else {
      compact(l);  // the right group's keys moved: shifted retrain
    }
  }

  size_t groups() const { return groups_.size(); }
  const stats &counters() const { return st_; }
  long max_error() const {
    long e = 0;
    for (auto &g : groups_) e = std::max(e, g->err);
    return e;
  }

  static void features(const std::string &k, double *row) {
    for (int j = 0; j < key_len; j++)
      row[j] = j < static_cast<int>(k.size()) ? static_cast<unsigned char>(k[static_cast<size_t>(j)]) : 0;
    row[key_len] = 1;
  }

 private:
  struct group {
    explicit group(int64_t id_) : id(id_) {}
    int64_t id;
    std::vector<std::string> keys, buffer;
    double w[n] = {};
    long err = 0;
  };

  size_t route(const std::string &k) const {
    // The root: binary search over the groups' first keys.
    size_t lo = 0, hi = groups_.size();
    while (hi - lo > 1) {
      size_t mid = (lo + hi) / 2;
      if (groups_[mid]->keys.empty() || k < groups_[mid]->keys.front()) hi = mid;
      else lo = mid;
    }
    return lo;
  }

  static long predict(const group &g, const std::string &k) {
    double row[n], s = 0;
    features(k, row);
    for (int j = 0; j < n; j++) s += g.w[j] * row[j];
    return static_cast<long>(std::llround(s));
  }

  void bound(group &g) {  // exact error bound over the whole array
    long e = 0;
    for (size_t i = 0; i < g.keys.size(); i++) e = std::max(e, std::labs(predict(g, g.keys[i]) - static_cast<long>(i)));
    g.err = e;
  }

  void rows(const std::vector<std::string> &keys, std::vector<double> &a) {
    a.resize(keys.size() * n);
    for (size_t i = 0; i < keys.size(); i++) features(keys[i], &a[i * n]);
  }

  void cold_fit(group &g) {
    std::vector<double> a, b(std::max(g.keys.size(), static_cast<size_t>(n)));
    rows(g.keys, a);
    for (size_t i = 0; i < g.keys.size(); i++) b[i] = static_cast<double>(i);
    b.resize(g.keys.size());
    sia::model(g.id).cold_train(a, b, n);
    std::copy(b.begin(), b.begin() + n, g.w);
    st_.cold++;
    bound(g);
  }

  // Merge the buffer into the array (positions shift) and retrain with the
  // shifted-target path: the buffer's keys are the new rows.
  void compact(group &g) {
    std::vector<double> a_new;
    rows(g.buffer, a_new);
    std::vector<std::string> merged;
    merged.reserve(g.keys.size() + g.buffer.size());
    std::merge(g.keys.begin(), g.keys.end(), g.buffer.begin(), g.buffer.end(), std::back_inserter(merged));
    const int k = static_cast<int>(g.buffer.size()), m = static_cast<int>(merged.size());
    std::vector<double> a, b(static_cast<size_t>(std::max(m, n)));
    rows(merged, a);
    for (int i = 0; i < m; i++) b[static_cast<size_t>(i)] = i;
    sia::model(g.id).incre_train_shifted(sia::layout::row_major, k, n, 1, a_new.data(), n, m, a.data(), n,
                                         b.data(), 1);
    std::copy(b.begin(), b.begin() + n, g.w);
    g.keys.swap(merged);
    g.buffer.clear();
    st_.compactions++;
    bound(g);
  }

  void split(size_t gi) {
    group &g = *groups_[gi];
    auto right = std::make_unique<group>(next_id_++);
    const size_t half = g.keys.size() / 2;
    right->keys.assign(g.keys.begin() + static_cast<long>(half), g.keys.end());
    g.keys.resize(half);
    sia::model(g.id).drop();  // a subset of rows: no memo to reuse
    cold_fit(g);
    cold_fit(*right);
    groups_.insert(groups_.begin() + static_cast<long>(gi) + 1, std::move(right));
    st_.splits++;
  }

  std::vector<std::unique_ptr<group>> groups_;
  size_t buffer_max_, split_at_;
  int64_t next_id_ = 1;
  stats st_;
};

}  // namespace mini

#endif
