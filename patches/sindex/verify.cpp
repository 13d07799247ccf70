// verify.cpp -- checks an SIndex build (patched with libsia or not) with
// generated string keys: bulk load, then inserts from one worker while the
// background thread compacts groups; after every batch of inserts every
// bulk-loaded and inserted key must be found with its value. Prints the
// throughput of the insert and lookup phases and, with -DSIA_PATCHED,
// libsia's counters (incremental retrains = memo hits).
//
// Build (from the root of the SIndex artifact checkout, see README.md):
//   g++ -std=c++14 -O2 -march=native -faligned-new -I. -Ioriginal -I<prefix>/include \
//       -DSIA_PATCHED verify.cpp -L<prefix>/lib -lsia -lpthread -o verify
#include "test_config.h"
#include "lock.h"

#include <algorithm>
#include <array>
#include <thread>
#include <chrono>
#include <cstring>
#include <iostream>
#include <random>
#include <set>
#include <vector>

#include "sindex.h"
#include "sindex_impl.h"

// A fixed-length byte-string key with the interface SIndex expects.
template <size_t len>
class Key {
 public:
  static constexpr size_t model_key_size() { return len; }
  static Key max() { Key k; std::memset(k.buf, 255, len); return k; }
  static Key min() { return Key(); }
  Key() { std::memset(buf, 0, len); }
  Key(uint64_t) { std::abort(); }
  explicit Key(const std::string &s) { std::memset(buf, 0, len); std::memcpy(buf, s.data(), std::min(len, s.size())); }
  std::array<double, len> to_model_key() const {
    std::array<double, len> m;
    for (size_t i = 0; i < len; i++) m[i] = buf[i];
    return m;
  }
  void get_model_key(size_t begin, size_t l, double *out) const {
    for (size_t i = 0; i < l; i++) out[i] = buf[begin + i];
  }
  bool less_than(const Key &o, size_t begin, size_t l) const { return std::memcmp(buf + begin, o.buf + begin, l) < 0; }
  friend bool operator<(const Key &a, const Key &b) { return std::memcmp(a.buf, b.buf, len) < 0; }
  friend bool operator>(const Key &a, const Key &b) { return b < a; }
  friend bool operator<=(const Key &a, const Key &b) { return !(b < a); }
  friend bool operator>=(const Key &a, const Key &b) { return !(a < b); }
  friend bool operator==(const Key &a, const Key &b) { return std::memcmp(a.buf, b.buf, len) == 0; }
  friend bool operator!=(const Key &a, const Key &b) { return !(a == b); }
  friend std::ostream &operator<<(std::ostream &os, const Key &) { return os << "key"; }
  uint8_t buf[len];
} __attribute__((packed));

typedef Key<16> key_t16;
typedef sindex::SIndex<key_t16, uint64_t> index_t;

int main(int argc, char **argv) {
  const size_t bulk_n = argc > 1 ? std::stoul(argv[1]) : 200000;
  const size_t insert_n = argc > 2 ? std::stoul(argv[2]) : 400000;
  std::mt19937_64 rng(42);
  const char *alnum = "abcdefghijklmnopqrstuvwxyz0123456789";
  auto gen = [&]() {  // URL-like keys: a few hosts, then varied bytes
    std::string s = std::string("h") + alnum[rng() % 4] + "/";
    while (s.size() < 16) s += alnum[rng() % 36];
    return key_t16(s);
  };
  std::set<key_t16> seen;
  std::vector<key_t16> keys;
  while (keys.size() < bulk_n) {
    key_t16 k = gen();
    if (seen.insert(k).second) keys.push_back(k);
  }
  std::sort(keys.begin(), keys.end());
  std::vector<uint64_t> vals(keys.size());
  for (size_t i = 0; i < vals.size(); i++) vals[i] = i * 7 + 1;
  std::vector<std::pair<key_t16, uint64_t>> all;
  for (size_t i = 0; i < keys.size(); i++) all.emplace_back(keys[i], vals[i]);

  index_t *idx = new index_t(keys, vals, 1, 1);
  size_t lost = 0, checks = 0;
  double insert_s = 0, get_s = 0;
  size_t gets = 0;
  const size_t batch = 50000;
  for (size_t done = 0; done < insert_n; done += batch) {
    auto t0 = std::chrono::steady_clock::now();
    for (size_t i = 0; i < batch; i++) {
      key_t16 k = gen();
      if (!seen.insert(k).second) continue;
      uint64_t v = (done + i) * 13 + 5;
      idx->put(k, v, 0);
      all.emplace_back(k, v);
    }
    auto t1 = std::chrono::steady_clock::now();
    insert_s += std::chrono::duration<double>(t1 - t0).count();
    // Give the background thread time to compact, then check every key.
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    auto t2 = std::chrono::steady_clock::now();
    for (auto &kv : all) {
      uint64_t v = 0;
      if (!idx->get(kv.first, v, 0) || v != kv.second) lost++;
    }
    gets += all.size();
    get_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - t2).count();
    checks++;
  }
  std::cout << "keys " << all.size() << " (bulk " << bulk_n << "), full checks " << checks
            << ", lost " << lost << "\n";
  std::cout << "insert " << (all.size() - bulk_n) / insert_s / 1e6 << " Mops/s, get " << gets / get_s / 1e6
            << " Mops/s\n";
#ifdef SIA_PATCHED
  struct sia_memo_stats st;
  sia_memo_stats(&st);
  std::cout << "libsia: " << st.models << " memoized models, " << st.hits
            << " incremental retrains (memo hits), " << st.bytes << " memo bytes\n";
#endif
  delete idx;
  return lost == 0 ? 0 : 1;
}
