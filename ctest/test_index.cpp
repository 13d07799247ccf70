// test_index.cpp -- the mini learned index (mini_index.hpp) over libsia:
// random, shared-prefix and text-like keys are bulk loaded and inserted in
// random order; after every retrain (compaction, split, merge) every key
// inserted so far must be found, and keys never inserted must not.
#include <cstdio>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "mini_index.hpp"

static int failures = 0;

static std::string make_key(std::mt19937_64 &rng, int kind) {
  std::string k(mini::index::key_len, 'a');
  const char *alnum = "abcdefghijklmnopqrstuvwxyz0123456789";
  for (int j = 0; j < mini::index::key_len; j++) {
    switch (kind) {
      case 0: k[static_cast<size_t>(j)] = static_cast<char>(rng() % 256); break;                    // random bytes
      case 1: k[static_cast<size_t>(j)] = j < 8 ? "https://"[j] : alnum[rng() % 36]; break;          // shared prefix
      default: k[static_cast<size_t>(j)] = alnum[rng() % (j < 4 ? 3 : 36)]; break;                  // text-like IDs
    }
  }
  return k;
}

static void run(int kind) {
  std::mt19937_64 rng(42 + static_cast<unsigned>(kind));
  std::set<std::string> truth;
  std::vector<std::string> bulk;
  while (truth.size() < 3000) {
    std::string k = make_key(rng, kind);
    if (truth.insert(k).second) bulk.push_back(k);
  }
  mini::index idx(bulk, 256, 32, 1024);
  long checked_retrains = 0;
  auto check_all = [&](const char *when) {
    for (const auto &k : truth)
      if (!idx.contains(k)) {
        if (failures++ < 5) std::fprintf(stderr, "kind %d: key lost %s\n", kind, when);
      }
    checked_retrains++;
  };
  check_all("after bulk load");
  for (int i = 0; i < 12000; i++) {
    std::string k = make_key(rng, kind);
    truth.insert(k);
    auto before = idx.counters();
    idx.insert(k);
    auto after = idx.counters();
    if (after.compactions != before.compactions || after.splits != before.splits) check_all("after a retrain");
    if (i % 2000 == 1999 && idx.groups() > 2) {
      idx.merge(idx.groups() / 2);
      check_all("after a merge");
    }
  }
  for (int i = 0; i < 2000; i++) {
    std::string k = make_key(rng, kind);
    if (!truth.count(k) && idx.contains(k) && failures++ < 5) std::fprintf(stderr, "kind %d: phantom key\n", kind);
  }
  const auto &st = idx.counters();
  std::printf("test_index kind %d: %zu keys, %zu groups, %ld compactions (shifted retrains), %ld splits, %ld merges, "
              "%ld cold fits, max error %ld, %ld full checks\n",
              kind, truth.size(), idx.groups(), st.compactions, st.splits, st.merges, st.cold, idx.max_error(),
              checked_retrains);
  if (st.compactions == 0 || st.splits == 0 || st.merges == 0) {
    std::fprintf(stderr, "kind %d: the workload did not exercise every retrain path\n", kind);
    failures++;
  }
}

int main() {
  sia_set_rcond(1e-12);  // groups of keys share bytes: rank-deficient fits are normal
  for (int kind = 0; kind < 3; kind++) run(kind);
  std::printf("test_index: %d failures\n", failures);
  return failures ? 1 : 0;
}
